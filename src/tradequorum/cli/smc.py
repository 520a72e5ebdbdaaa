"""``quorum smc chart|signal``: the SMC engine from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from tradequorum.config.settings import Settings
from tradequorum.core.errors import DataError

smc_app = typer.Typer(help="Smart Money Concepts: chart and latest signal.", no_args_is_help=True)

FILE = typer.Option(None, "--file", help="bar file (CSV, gzip CSV, Parquet) to analyse")
SYMBOL = typer.Option(None, "--symbol", help="ccxt symbol read from the home's store")
HOME = typer.Option(None, "--home", help="home folder (default: from quorum.yaml)")
TF = typer.Option(None, "--timeframe", help="bar timeframe (default: inferred / settings)")
FROM = typer.Option(None, "--from", help="first bar (UTC, e.g. 2025-10-30)")
TO = typer.Option(None, "--to", help="last bar (UTC)")


def _settings(home: Path | None) -> Settings:
    from tradequorum.cli.model import settings_for  # the shared home -> settings rule

    return settings_for(home)


HISTORY_BARS = 5000  # bars before --from that give the structure its history


def _load(
    file: Path | None, symbol: str | None, settings: Settings, timeframe: str | None,
    start: str | None, end: str | None,
) -> tuple[pd.DataFrame, str, str, pd.Timestamp]:  # fmt: skip
    """Bars up to ``end`` (with up to HISTORY_BARS before ``start``), symbol, timeframe and the
    first bar to show, from a file or from the home's store."""
    if (file is None) == (symbol is None):
        raise DataError("give exactly one of --file or --symbol")
    lo = pd.Timestamp(start, tz="UTC") if start else None
    hi = pd.Timestamp(end, tz="UTC") if end else None
    if file is not None:
        from tradequorum.data import load_file

        bars = load_file(file, timeframe=timeframe)
        tf = str(bars.attrs.get("timeframe") or timeframe or settings.timeframe)
        sym = str(bars.attrs.get("symbol") or file.stem)
        bars = bars.loc[:hi] if hi is not None else bars
    else:
        from tradequorum.core.timeframes import timeframe_delta
        from tradequorum.data.store import ParquetStore
        from tradequorum.state.layout import HomeLayout

        tf = timeframe or settings.timeframe
        sym = str(symbol)
        store = ParquetStore(HomeLayout(settings.home.expanduser()).store)
        since = lo - HISTORY_BARS * timeframe_delta(tf) if lo is not None else None
        bars = store.read(sym, tf, start=since, end=hi)
    view = bars.index >= lo if lo is not None else np.ones(len(bars), bool)
    if int(view.sum()) < 3:
        raise DataError(f"only {int(view.sum())} bars in the chosen window; need at least 3")
    first_shown = int(np.argmax(view))
    bars = bars.iloc[max(0, first_shown - HISTORY_BARS) :]
    first = bars.index[0] if lo is None else bars.index[bars.index >= lo][0]
    return bars, sym, tf, first


@smc_app.command("chart")
def chart_cmd(
    file: Path | None = FILE,
    symbol: str | None = SYMBOL,
    home: Path | None = HOME,
    timeframe: str | None = TF,
    start: str | None = FROM,
    end: str | None = TO,
    out: Path = typer.Option(Path("smc_chart.html"), "--out", help="HTML file to write"),
) -> None:
    """Write an interactive, self-contained HTML SMC chart."""
    from tradequorum.reports.smc_chart import write_smc_chart

    settings = _settings(home)
    bars, sym, tf, first = _load(file, symbol, settings, timeframe, start, end)
    title = f"{sym} {tf} · SMC · {first:%Y-%m-%d %H:%M} → {bars.index[-1]:%Y-%m-%d %H:%M} UTC"
    path = write_smc_chart(bars, out, settings.smc, title=title, timeframe=tf, view_start=first)
    shown = int((bars.index >= first).sum())
    Console().print(f"chart of {shown} bars written to [bold]{path}[/]")


@smc_app.command("signal")
def signal_cmd(
    file: Path | None = FILE,
    symbol: str | None = SYMBOL,
    home: Path | None = HOME,
    timeframe: str | None = TF,
    start: str | None = FROM,
    end: str | None = TO,
    as_json: bool = typer.Option(False, "--json", help="print the signal as JSON"),
) -> None:
    """Print the SMC signal of the last bar, with its evidence."""
    from tradequorum.smc.signals import latest_signal

    settings = _settings(home)
    bars, sym, tf, _first = _load(file, symbol, settings, timeframe, start, end)
    sig = latest_signal(bars, settings.smc, symbol=sym, timeframe=tf)
    if as_json:
        typer.echo(json.dumps(sig.model_dump(mode="json"), indent=2))
        return
    con = Console()
    con.print(
        f"[bold]{sym} {tf}[/] at {sig.ts:%Y-%m-%d %H:%M} UTC: "
        f"[bold]{sig.direction.value}[/] (confidence {sig.confidence:.2f})"
    )
    if sig.suggested_entry:
        con.print(f"entry {sig.suggested_entry[0]:.6g}–{sig.suggested_entry[1]:.6g}  "
                  f"stop {sig.stop}  targets {sig.targets}")  # fmt: skip
    table = Table("evidence", "details")
    for e in sig.evidence:
        extra = {k: v for k, v in e.model_dump().items() if k != "kind" and v is not None}
        table.add_row(e.kind, ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}"
                                        for k, v in extra.items()))  # fmt: skip
    con.print(table)


def register(app: typer.Typer) -> None:
    """Add ``quorum smc ...`` to the root app."""
    app.add_typer(smc_app, name="smc")


__all__ = ["register", "smc_app"]
