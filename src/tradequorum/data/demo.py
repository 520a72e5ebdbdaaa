"""The data part of ``quorum demo``: home, bars (simulated or from a file), store, quality, summary.

Without a file the bars are **synthetic** (the seeded simulator, a week of 1m bars stored under
the first configured symbol, with the simulator's *planted* order-flow drift switched on so that
the demo's model has something learnable to find); the summary says so. With a file, the file is imported exactly as
``quorum data import`` does (invalid rows quarantined). Running it twice changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict
from rich.console import Console
from rich.panel import Panel

from tradequorum.config.defaults import DEFAULT_CONFIG_TEXT
from tradequorum.config.settings import CONFIG_FILE, load_settings
from tradequorum.data.console import partitions_table, quality_table
from tradequorum.data.ingest import import_file
from tradequorum.data.quality import QualityReport, validate_bars
from tradequorum.data.resample import resample_bars
from tradequorum.data.simulator import SimulatorParams, simulate_bars
from tradequorum.data.store import ParquetStore
from tradequorum.state.layout import HomeLayout

DEMO_BARS = 7 * 24 * 60
# planted, synthetic: a persistent drift announced by the taker flow (see data.simulator)
DEMO_SIMULATOR = SimulatorParams(flow_drift=0.2, flow_taker_share=0.3)
DEMO_START = "2024-01-01"


class DataDemoSummary(BaseModel):
    """What the data demo did; the coordinator demo continues from ``symbol``/``timeframe``."""

    model_config = ConfigDict(extra="forbid")
    home: str
    symbol: str
    timeframe: str
    source: str
    synthetic: bool
    bars_stored: int
    bars_added: int
    quarantined: int
    first: str
    last: str
    hourly_bars: int
    quality: QualityReport


def _ensure_home(home: Path) -> None:
    layout = HomeLayout(home)
    layout.create()
    cfg = home / CONFIG_FILE
    if not cfg.exists():
        cfg.write_text(
            DEFAULT_CONFIG_TEXT.replace("home: ~/.tradequorum", f"home: {home}"), encoding="utf-8"
        )


def run_data_demo(home: Path, file: Path | None, console: Console) -> DataDemoSummary:
    """Init ``home`` if needed, store simulated (or ``file``) bars, check quality, print a summary."""
    home = home.expanduser().resolve()
    _ensure_home(home)
    settings = load_settings(home / CONFIG_FILE)
    layout = HomeLayout(home)
    store = ParquetStore(layout.store)
    quarantined = 0
    if file is not None:
        result = import_file(file, store, layout.quarantine)
        symbol, tf, added = result.symbol, result.timeframe, result.appended.added
        quarantined = result.report.rows_quarantined
    else:
        symbol, tf = settings.symbols[0], settings.timeframe
        bars = simulate_bars(
            DEMO_BARS, seed=settings.data.simulator_seed, start=DEMO_START, timeframe=tf,
            params=DEMO_SIMULATOR,
        )  # fmt: skip
        added = store.append(bars, symbol, tf).added
    stored = store.read(symbol, tf)
    report = validate_bars(stored, timeframe=tf, symbol=symbol).report
    hourly = resample_bars(stored, "1h", base_timeframe=tf) if tf == "1m" else stored.iloc[:0]
    summary = DataDemoSummary(
        home=str(home), symbol=symbol, timeframe=tf, source=str(file) if file else "simulator",
        synthetic=file is None, bars_stored=len(stored), bars_added=added, quarantined=quarantined,
        first=pd.Timestamp(stored.index[0]).isoformat(), last=pd.Timestamp(stored.index[-1]).isoformat(),
        hourly_bars=len(hourly), quality=report,
    )  # fmt: skip
    _print(summary, store, console)
    return summary


def _print(summary: DataDemoSummary, store: ParquetStore, console: Console) -> None:
    origin = (
        "[bold yellow]SYNTHETIC bars from the seeded simulator — not market data[/]\n"
        f"with a PLANTED order-flow drift (flow_drift={DEMO_SIMULATOR.flow_drift}, "
        f"flow_taker_share={DEMO_SIMULATOR.flow_taker_share}): "
        "a learnable effect put there on purpose"
        if summary.synthetic
        else f"imported from {summary.source}"
    )
    console.print(Panel.fit(
        f"home {summary.home}\n{summary.symbol} {summary.timeframe}: {summary.bars_stored:,} bars "
        f"({summary.first} -> {summary.last}), {summary.bars_added:,} new, "
        f"{summary.quarantined:,} quarantined, {summary.hourly_bars} complete 1h bars\n{origin}",
        title="data",
    ))  # fmt: skip
    console.print(
        quality_table(summary.quality, title=f"quality {summary.symbol} {summary.timeframe}")
    )
    console.print(partitions_table(store.info(s, tf) for s, tf in store.partitions()))


__all__ = ["DataDemoSummary", "run_data_demo"]
