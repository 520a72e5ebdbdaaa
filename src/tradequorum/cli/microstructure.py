"""``quorum micro signal|profile|trades|depth``: the microstructure analyst from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from tradequorum.config.microstructure import MicrostructureConfig
from tradequorum.core.errors import DataError

micro_app = typer.Typer(
    help="Market microstructure: order flow signal, volume profile, trades into bars, book depth.",
    no_args_is_help=True,
)
FILE = typer.Argument(..., help="bar file (CSV, gzip CSV, Parquet) in any shared-data layout")
SYMBOL = typer.Option("BTC/USDT", "--symbol", help="symbol written into the signal")


def _bars(file: Path) -> tuple[pd.DataFrame, str]:
    from tradequorum.data import load_file

    bars = load_file(file)
    return bars, str(bars.attrs.get("timeframe") or "1m")


def _num(x: float) -> str:
    return "—" if not np.isfinite(x) else f"{x:.6g}"


@micro_app.command("signal")
def signal_cmd(file: Path = FILE, symbol: str = SYMBOL) -> None:
    """Latest microstructure signal and features of a bar file."""
    from tradequorum.microstructure import latest_signal, microstructure_features

    bars, tf = _bars(file)
    cfg = MicrostructureConfig()
    sig = latest_signal(bars, cfg, symbol=symbol, timeframe=tf)
    console = Console()
    console.print(
        f"[bold]{symbol} {tf}[/] at {sig.ts}: {sig.direction.value} "
        f"(confidence {sig.confidence:.2f}); stop {sig.stop}, targets {sig.targets}"
    )
    for ev in sig.evidence:
        console.print(f"  evidence {ev.kind}: {ev.model_extra}")
    table = Table("feature", "value")
    for k, v in microstructure_features(bars, cfg).iloc[-1].items():
        table.add_row(str(k), _num(float(v)))
    console.print(table)


@micro_app.command("profile")
def profile_cmd(file: Path = FILE) -> None:
    """POC and 70% value area of each UTC session of a bar file."""
    from tradequorum.microstructure import volume_profile

    bars, _ = _bars(file)
    cfg = MicrostructureConfig()
    table = Table("session", "bars", "POC", "VA low", "VA high", "volume")
    day = pd.DatetimeIndex(bars.index).floor("D")
    for d in day.unique():
        part = bars[day == d]
        if float(part["volume"].sum()) <= 0:
            continue
        vp = volume_profile(part, bin_bps=cfg.profile_bin_bps, value_area=cfg.value_area)
        table.add_row(
            f"{d:%Y-%m-%d}",
            str(len(part)),
            _num(vp.poc),
            _num(vp.va_low),
            _num(vp.va_high),
            _num(vp.total_volume),
        )
    Console().print(table)


@micro_app.command("trades")
def trades_cmd(
    file: Path = typer.Argument(..., help="trade prints: CSV or Parquet"),
    kind: str = typer.Option("time", "--kind", help="time, volume or dollar bars"),
    timeframe: str = typer.Option("1m", "--timeframe", help="time-bar length"),
    size: float = typer.Option(0.0, "--size", help="volume (base) or dollar (quote) bar size"),
    out: Path | None = typer.Option(None, "--out", help="write the bars (.csv or .parquet)"),
) -> None:
    """Aggregate trade prints into bars with taker-buy volume."""
    from tradequorum.microstructure import aggregate_trades

    if kind not in ("time", "volume", "dollar"):
        raise DataError(f"unknown bar kind {kind!r} (time, volume, dollar)")
    raw = pd.read_parquet(file) if file.suffix == ".parquet" else pd.read_csv(file)
    chosen: Literal["time", "volume", "dollar"] = kind  # type: ignore[assignment]
    bars = aggregate_trades(raw, kind=chosen, timeframe=timeframe, size=size)
    if out is not None and out.suffix == ".parquet":
        bars.to_parquet(out)
    elif out is not None:
        bars.to_csv(out)
    Console().print(
        f"{len(raw)} prints -> {len(bars)} {kind} bars; taker-buy share "
        f"{bars['taker_buy_volume'].sum() / max(bars['volume'].sum(), 1e-300):.3f}"
        + (f"; written to {out}" if out else "")
    )


@micro_app.command("depth")
def depth_cmd(
    captures: list[Path] = typer.Argument(
        ..., help="Binance websocket capture .gz files, in order"
    ),
    levels: int = typer.Option(5, "--levels", help="levels of the depth imbalance"),
) -> None:
    """Rebuild the book from a Binance websocket capture and summarise spread and imbalance."""
    from tradequorum.microstructure import depth_metrics, load_binance_ws_capture

    snaps, trades = load_binance_ws_capture(captures, levels=max(levels, 1))
    m = depth_metrics(snaps, levels=levels)
    table = Table("measure", "mean", "min", "max")
    for col in m.columns:
        s = m[col]
        table.add_row(str(col), _num(float(s.mean())), _num(float(s.min())), _num(float(s.max())))
    Console().print(f"{len(snaps)} book snapshots, {len(trades)} trades")
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add ``quorum micro ...`` to the root app."""
    app.add_typer(micro_app, name="micro")


__all__ = ["micro_app", "register"]
