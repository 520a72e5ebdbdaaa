"""``quorum train`` and ``quorum model list | show | promote | rollback``.

``quorum train --file F`` trains on a bar file (any layout ``tradequorum.data.load_file`` reads);
``quorum train --home H`` on the home's Parquet store. Either way the model-trainer agent runs the
training cycle: candidate -> validation (OOF backtest) -> model risk -> promote only if both pass,
and prints its reasons.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from tradequorum.agents.base import AgentContext, Task
from tradequorum.agents.model_trainer import ModelTrainerAgent
from tradequorum.config.settings import CONFIG_FILE, Settings, load_settings
from tradequorum.core.clock import SystemClock
from tradequorum.core.errors import DataError, ModelError
from tradequorum.ml.registry import ModelRegistry
from tradequorum.state.layout import HomeLayout


class FileMarket:
    """A MarketView over one loaded file (every bar in it is closed)."""

    def __init__(self, bars: pd.DataFrame, symbol: str, timeframe: str) -> None:
        self._bars, self._symbol, self._tf = bars, symbol, timeframe

    def bars(self, symbol: str, timeframe: str) -> pd.DataFrame:
        if timeframe != self._tf:
            from tradequorum.data.resample import resample_bars

            return resample_bars(self._bars, timeframe, base_timeframe=self._tf)
        return self._bars


class StoreMarket:
    """A MarketView over the home's Parquet store (all stored bars)."""

    def __init__(self, root: Path) -> None:
        from tradequorum.data.store import ParquetStore

        self._store = ParquetStore(root)

    def bars(self, symbol: str, timeframe: str) -> pd.DataFrame:
        if (symbol, timeframe) not in self._store.partitions():
            raise DataError(f"no {symbol} {timeframe} bars in the store; import data first")
        return self._store.read(symbol, timeframe)


def settings_for(home: Path | None) -> Settings:
    """Settings from ``<home>/quorum.yaml`` when it exists (else defaults), home set to ``home``."""
    if home is not None:
        cfg = home.expanduser() / CONFIG_FILE
        base = load_settings(cfg if cfg.exists() else None)
        return base.model_copy(update={"home": home.expanduser()})
    return load_settings(None)


def load_bars_file(path: Path, symbol: str | None, timeframe: str | None) -> pd.DataFrame:
    from tradequorum.data import load_file

    return load_file(path, symbol=symbol, timeframe=timeframe)


def _train(
    file: Path | None, home: Path | None, symbol: str | None, timeframe: str | None, promote: bool
) -> None:
    settings = settings_for(home)
    sym = symbol or settings.symbols[0]
    tf = timeframe or settings.timeframe
    layout = HomeLayout(settings.home_path)
    layout.create()
    if file is not None:
        market: FileMarket | StoreMarket = FileMarket(load_bars_file(file, sym, tf), sym, tf)
    else:
        market = StoreMarket(layout.store)
    ctx = AgentContext(
        clock=SystemClock(),
        settings=settings,
        layout=layout,
        market=market,
        rng=np.random.default_rng(settings.ml.seed),
    )
    task = Task(
        task_id="TASK-CLI-TRAIN",
        agent="model-trainer",
        action="train_cycle",
        params={"symbol": sym, "timeframe": tf, "promote": promote},
    )
    res = ModelTrainerAgent().train_cycle(task, ctx)
    con = Console()
    verdict = "[bold green]PROMOTED[/]" if res.promoted else "[bold yellow]NOT PROMOTED[/]"
    con.print(f"candidate {res.version} ({sym} {tf}, {res.cv['n_rows']} rows): {verdict}")
    oof = res.cv["oof"]
    con.print(
        f"OOF accuracy {oof['accuracy']:.4f}, balanced {oof['balanced_accuracy']:.4f}, "
        f"log loss {oof['log_loss']:.4f}; importance stability {res.stability:.3f}"
    )
    sharpe = res.validation.get("sharpe")
    if sharpe is not None:
        con.print(
            f"OOF backtest: Sharpe {sharpe:.3f}, return {res.validation['total_return']:.4f}, "
            f"max drawdown {res.validation['max_drawdown']:.4f}, {res.validation['trade_count']} trades"
        )
    for r in res.reasons:
        con.print(f"  - {r}")
    con.print(f"models in {layout.models}")


def _show(reg: ModelRegistry, which: str) -> None:
    model = {"production": reg.production, "candidate": reg.candidate}.get(which, lambda: None)()
    if model is None:
        model = reg.archived(which)
    if model is None:
        raise ModelError(f"no model {which!r} (production, candidate or an archived version)")
    meta = model.meta.model_dump(mode="json")
    meta["importances"] = dict(sorted(meta["importances"].items(), key=lambda kv: -kv[1])[:15])
    Console().print_json(json.dumps(meta))


def register(app: typer.Typer) -> None:
    """Add ``train`` and the ``model`` group to the root ``quorum`` app."""

    @app.command("train")
    def train_cmd(
        file: Path | None = typer.Option(None, "--file", help="bar file to train on"),
        home: Path | None = typer.Option(None, "--home", help="home folder (store and models)"),
        symbol: str | None = typer.Option(None, help="symbol, e.g. BTC/USDT"),
        timeframe: str | None = typer.Option(None, help="bar timeframe, e.g. 1m"),
        promote: bool = typer.Option(True, help="promote when validation and risk pass"),
    ) -> None:
        """Train a candidate with purged walk-forward CV, validate it, promote it or say why not."""
        if file is None and home is None:
            raise typer.BadParameter("give --file F or --home H")
        _train(file, home, symbol, timeframe, promote)

    model_app = typer.Typer(help="The model registry: candidate, production, archive.")
    app.add_typer(model_app, name="model")

    @model_app.command("list")
    def list_cmd(home: Path | None = typer.Option(None, "--home")) -> None:
        """List the candidate, production and archived models."""
        reg = ModelRegistry(HomeLayout(settings_for(home).home_path))
        table = Table("location", "version", "created", "feature hash", "OOF bal. acc", "validated")
        for e in reg.list():
            acc = "" if e.oof_balanced_accuracy is None else f"{e.oof_balanced_accuracy:.4f}"
            table.add_row(
                e.location, e.version, str(e.created), e.feature_hash, acc, str(e.validation_passed)
            )
        Console().print(table)

    @model_app.command("show")
    def show_cmd(
        which: str = typer.Argument("production", help="production, candidate or a version"),
        home: Path | None = typer.Option(None, "--home"),
    ) -> None:
        """Print a model's metadata (top 15 importances)."""
        _show(ModelRegistry(HomeLayout(settings_for(home).home_path)), which)

    @model_app.command("promote")
    def promote_cmd(
        home: Path | None = typer.Option(None, "--home"),
        reason: str = typer.Option("manual promotion", help="recorded in registry_log.json"),
    ) -> None:
        """Promote the candidate to production (the old production is archived)."""
        reg = ModelRegistry(HomeLayout(settings_for(home).home_path))
        v = reg.promote(reason=reason, at=SystemClock().now().to_pydatetime())
        Console().print(f"production is now {v}")

    @model_app.command("rollback")
    def rollback_cmd(
        home: Path | None = typer.Option(None, "--home"),
        to: str | None = typer.Option(None, "--to", help="archived version (default: newest)"),
        reason: str = typer.Option("manual rollback"),
    ) -> None:
        """Put an archived model back in production."""
        reg = ModelRegistry(HomeLayout(settings_for(home).home_path))
        v = reg.rollback(version=to, reason=reason, at=SystemClock().now().to_pydatetime())
        Console().print(f"production is now {v}")


__all__ = ["FileMarket", "StoreMarket", "register", "settings_for"]
