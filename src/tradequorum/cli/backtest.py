"""``quorum backtest``, ``quorum wfo`` and ``quorum report`` (the backtester's commands).

Settings: ``--config quorum.yaml`` (else defaults + ``QUORUM_*`` env), flags override. Data:
any file :func:`tradequorum.data.load_file` reads (the timeframe is inferred when not given).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from tradequorum.config.settings import Settings, load_settings
from tradequorum.core.errors import ConfigError, DataError

console = Console()


def _settings(config: Path | None, calendar: str | None = None) -> Settings:
    overrides = {"backtest": {"calendar": calendar}} if calendar else None
    return load_settings(config, overrides=overrides)


def _load(file: Path, timeframe: str | None) -> tuple[pd.DataFrame, str]:
    from tradequorum.data import infer_timeframe, load_file

    if not file.exists():
        raise DataError(f"data file not found: {file}")
    bars = load_file(file, timeframe=timeframe)
    tf = timeframe or bars.attrs.get("timeframe") or infer_timeframe(pd.DatetimeIndex(bars.index))
    if not tf:
        raise DataError(f"cannot infer the timeframe of {file}; pass --timeframe")
    return bars, str(tf)


def _params(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = {}
        for part in text.split(","):
            key, sep, value = part.partition("=")
            if not sep:
                raise ConfigError(f"--params must be JSON or k=v,k=v; got {text!r}") from None
            try:
                data[key.strip()] = json.loads(value)
            except json.JSONDecodeError:
                data[key.strip()] = value.strip()
    if not isinstance(data, dict):
        raise ConfigError("--params must describe a mapping")
    return data


def _print_metrics(title: str, metrics: dict[str, Any]) -> None:
    t = Table(title=title)
    t.add_column("metric")
    t.add_column("value", justify="right")
    for k, v in metrics.items():
        t.add_row(k, f"{v:.4f}" if isinstance(v, float) else str(v))
    console.print(t)


def backtest_cmd(
    file: Path = typer.Option(..., "--file", "-f", help="bar file (CSV/Parquet)"),
    strategy: str = typer.Option("sma_cross", help="built-in strategy: sma_cross, smc, ..."),
    params: str | None = typer.Option(None, help='strategy parameters: JSON or "fast=10,slow=30"'),
    symbol: str | None = typer.Option(None, help="symbol name for the record"),
    timeframe: str | None = typer.Option(None, help="bar timeframe (inferred when omitted)"),
    out: Path | None = typer.Option(None, "--out", help="HTML report path"),
    json_out: Path | None = typer.Option(None, "--json", help="JSON record path"),
    calendar: str | None = typer.Option(None, help="crypto (default), equity or fx"),
    config: Path | None = typer.Option(None, "--config", help="quorum.yaml"),
) -> None:
    """Backtest a strategy on a bar file; print metrics, write the HTML report and/or JSON."""
    from tradequorum.agents.backtester import backtest_record
    from tradequorum.reports.backtest_report import write_backtest_report

    s = _settings(config, calendar)
    bars, tf = _load(file, timeframe)
    record = backtest_record(
        bars,
        s,
        strategy=strategy,
        params=_params(params),
        timeframe=tf,
        symbol=symbol or file.stem,
        data_file=str(file),
    )
    _print_metrics(f"{strategy} on {record.symbol} {tf}", record.metrics.model_dump())
    if json_out:
        from tradequorum.state.json_store import write_json_atomic

        write_json_atomic(json_out, record)
        console.print(f"record: {json_out}")
    if out:
        write_backtest_report(out, record, bars)
        console.print(f"report: {out}")


def wfo_cmd(
    file: Path = typer.Option(..., "--file", "-f", help="bar file (CSV/Parquet)"),
    space: Path = typer.Option(..., "--space", help="YAML search space"),
    timeframe: str | None = typer.Option(None, help="bar timeframe (inferred when omitted)"),
    symbol: str | None = typer.Option(None),
    windows: int | None = typer.Option(None, help="number of windows (default 12)"),
    train: int | None = typer.Option(None, help="train period (default 252)"),
    test: int | None = typer.Option(None, help="test period (default 63)"),
    unit: str | None = typer.Option(None, help="days (default) or bars"),
    anchored: bool | None = typer.Option(None, "--anchored/--rolling"),
    jobs: int | None = typer.Option(None, help="local worker processes (-1: all cores)"),
    scheduler: str | None = typer.Option(None, help="Dask scheduler address tcp://host:8786"),
    out_dir: Path | None = typer.Option(
        None, help="folder for the JSON files (default <home>/backtests)"
    ),
    out: Path | None = typer.Option(None, "--out", help="HTML report path"),
    calendar: str | None = typer.Option(None, help="crypto (default), equity or fx"),
    config: Path | None = typer.Option(None, "--config", help="quorum.yaml"),
) -> None:
    """Walk-forward optimization; writes wfo_results.json and wfo_validation.json (+ HTML)."""
    from tradequorum.agents.backtester import engine_settings
    from tradequorum.reports.wfo_report import write_wfo_report
    from tradequorum.state.layout import HomeLayout
    from tradequorum.validation import load_search_space, run_walk_forward, write_wfo

    s = _settings(config, calendar)
    over = {
        "n_windows": windows,
        "train_period": train,
        "test_period": test,
        "unit": unit,
        "anchored": anchored,
    }
    try:
        wf = s.walk_forward.model_validate(
            {**s.walk_forward.model_dump(), **{k: v for k, v in over.items() if v is not None}}
        )
    except ValueError as exc:
        raise ConfigError(f"invalid walk-forward option: {exc}") from None
    bars, tf = _load(file, timeframe)
    run = run_walk_forward(
        bars,
        load_search_space(space),
        wf,
        engine_settings(s),
        timeframe=tf,
        calendar=s.backtest.calendar,
        symbol=symbol or file.stem,
        n_jobs=wf.n_jobs if jobs is None else jobs,
        scheduler=scheduler or wf.scheduler,
    )
    folder = out_dir or HomeLayout(s.home_path).backtests
    p1, p2 = write_wfo(run, folder)
    v = run.validation
    t = Table(title=f"walk-forward decision: {v.decision.upper()}")
    for col in ("criterion", "value", "threshold", "passed"):
        t.add_column(col)
    for c in v.criteria:
        value = "n/a" if c.value is None else f"{c.value:.4f}"
        thr = "reported" if c.threshold is None else f"{c.op} {c.threshold}"
        t.add_row(c.name, value, thr, "yes" if c.passed else "no")
    console.print(t)
    console.print(f"results: {p1}\nvalidation: {p2}")
    if out:
        write_wfo_report(out, run.results, run.validation)
        console.print(f"report: {out}")


def report_cmd(
    results: Path = typer.Argument(..., help="wfo_results.json or a backtest JSON record"),
    out: Path = typer.Option(Path("report.html"), "--out", help="HTML report path"),
) -> None:
    """Render a saved run (walk-forward results or a backtest record) as a self-contained HTML."""
    from tradequorum.state.json_store import read_json, read_model

    data = read_json(results)
    if isinstance(data, dict) and "windows" in data:
        from tradequorum.reports.wfo_report import write_wfo_report
        from tradequorum.validation import WfoResults, WfoValidation

        vpath = results.with_name("wfo_validation.json")
        if not vpath.exists():
            raise DataError(f"{vpath} not found beside {results}")
        write_wfo_report(out, WfoResults.model_validate(data), read_model(vpath, WfoValidation))
    elif isinstance(data, dict) and data.get("kind") == "backtest":
        from tradequorum.backtest.record import BacktestRecord
        from tradequorum.reports.backtest_report import write_backtest_report

        record = BacktestRecord.model_validate(data)
        bars = None
        if record.data_file and Path(record.data_file).exists():
            bars, _ = _load(Path(record.data_file), record.timeframe)
        write_backtest_report(out, record, bars)
    else:
        raise DataError(f"{results} is neither wfo_results.json nor a backtest record")
    console.print(f"report: {out}")


def register(app: typer.Typer) -> None:
    """Add ``backtest``, ``wfo`` and ``report`` to the root ``quorum`` app."""
    app.command("backtest")(backtest_cmd)
    app.command("wfo")(wfo_cmd)
    app.command("report")(report_cmd)
