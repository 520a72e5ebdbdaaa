"""data-pipeline-manager: keeps market data current, clean and ready for training and WFO.

Actions
-------
``ensure_latest_data``
    For each symbol (``params.symbols``/``params.symbol``, default the configured ones) on
    ``params.timeframe``: bring the store up to now from ``data.source``. **Data-unavailable
    rule** (DESIGN §8): on :class:`DataUnavailable`, wait and retry for up to
    ``data.unavailable_wait_s``, then use the cached bars and mark the entry ``stale``. Writes
    ``state/data/latest_ohlcv.json`` keyed by symbol.
``prepare_training_data``
    Closed, validated bars of one symbol up to now (optionally ``start``/``end``) to
    ``data/training/latest_dataset.parquet``, with a fingerprint.
``prepare_wfo_windows``
    Walk-forward windows (``walk_forward`` config: n windows, train/test length in days or bars,
    rolling or anchored; the last test window ends at the last stored bar) to
    ``data/wfo/data_windows.json``.
``health``
    Per symbol: bars, range, gaps, age of the last bar, stale or missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

import pandas as pd
from pydantic import BaseModel, ConfigDict

from tradequorum.agents.base import Agent, AgentContext, Task
from tradequorum.core.bars import fingerprint_bars
from tradequorum.core.errors import DataError, DataUnavailable
from tradequorum.core.timeframes import timeframe_seconds
from tradequorum.data.feeds import BarFeed, feed_from_settings
from tradequorum.data.quality import stale_finding, validate_bars
from tradequorum.data.store import ParquetStore
from tradequorum.data.views import closed_until
from tradequorum.data.windows import WfoWindow, walk_forward_windows
from tradequorum.state.json_store import read_json, write_json_atomic

FeedFactory = Callable[[AgentContext, ParquetStore], BarFeed]


class LatestOhlcv(BaseModel):
    model_config = ConfigDict(extra="forbid")
    symbol: str
    timeframe: str
    as_of: str
    source: str
    new_bars: int
    bars_available: int
    last_open_time: str | None
    last_close: float | None
    stale: bool
    stale_reason: str | None = None
    waited_s: float = 0.0
    gaps: int = 0


class EnsureLatestResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    timeframe: str
    symbols: dict[str, LatestOhlcv]
    stale: bool


class TrainingDataResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str
    symbol: str
    timeframe: str
    rows: int
    first: str
    last: str
    fingerprint: str


class WfoWindowsResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str
    symbol: str
    timeframe: str
    anchored: bool
    windows: list[WfoWindow]


class SymbolHealth(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str  # ok | stale | missing
    rows: int = 0
    first: str | None = None
    last: str | None = None
    gaps: int = 0
    missing_bars: int = 0
    last_bar_age_s: float | None = None


class HealthResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str  # healthy | degraded
    timeframe: str
    symbols: dict[str, SymbolHealth]


def _symbols(task: Task, ctx: AgentContext) -> list[str]:
    if "symbols" in task.params:
        return [str(s) for s in task.params["symbols"]]
    if "symbol" in task.params:
        return [str(task.params["symbol"])]
    return list(ctx.settings.symbols)


def _default_feed(ctx: AgentContext, store: ParquetStore) -> BarFeed:
    return feed_from_settings(ctx.settings, store, ctx.layout.quarantine, ctx.clock)


class DataPipelineManager(Agent):
    """The data-pipeline-manager (DESIGN §1, §2, §8).

    ``feed_factory`` and ``sleep`` are injectable so that tests of the data-unavailable rule run
    in milliseconds; ``retry_interval_s`` (default ``data.unavailable_retry_s``) is the pause
    between attempts.
    """

    name: ClassVar[str] = "data-pipeline-manager"
    domain: ClassVar[str] = "market data ingestion, quality, datasets"
    actions: ClassVar[tuple[str, ...]] = (
        "ensure_latest_data",
        "prepare_training_data",
        "prepare_wfo_windows",
        "health",
    )

    def __init__(
        self,
        feed_factory: FeedFactory | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        retry_interval_s: float | None = None,
    ) -> None:
        self._feed_factory = feed_factory or _default_feed
        self._sleep = sleep
        self._retry_interval_s = retry_interval_s

    def _update(
        self, feed: BarFeed, symbol: str, tf: str, wait_s: float, retry_s: float
    ) -> tuple[int, float, str | None]:
        """(bars added, seconds waited, error text if it gave up)."""
        waited = 0.0
        while True:
            try:
                return feed.update(symbol, tf), waited, None
            except DataUnavailable as exc:
                if waited >= wait_s:
                    return 0, waited, str(exc)
                pause = min(retry_s, wait_s - waited)
                self._sleep(pause)
                waited += pause

    def _latest(
        self, ctx: AgentContext, store: ParquetStore, feed: BarFeed, sym: str, tf: str
    ) -> LatestOhlcv:
        cfg = ctx.settings.data
        retry_s = self._retry_interval_s or cfg.unavailable_retry_s
        added, waited, error = self._update(feed, sym, tf, cfg.unavailable_wait_s, retry_s)
        now = ctx.clock.now()
        newest = store.last_open_time(sym, tf)
        if newest is None:
            raise DataUnavailable(f"{sym} {tf}: no data and no cache ({error or 'store empty'})")
        step = pd.Timedelta(seconds=timeframe_seconds(tf))
        anchor = min(now, newest + step)  # an old cache is still served (marked stale below)
        recent = store.read(sym, tf, start=anchor - step * (cfg.lookback_bars + 1), end=now)
        bars = closed_until(recent, tf, now, cfg.lookback_bars)
        if len(bars) == 0:
            raise DataUnavailable(f"{sym} {tf}: no closed bars before {now.isoformat()}")
        report = validate_bars(bars, timeframe=tf, symbol=sym).report
        late = stale_finding(bars.index[-1], tf, now, cfg.stale_after_bars)
        reason = f"source unavailable: {error}" if error else (late.message if late else None)
        return LatestOhlcv(
            symbol=sym, timeframe=tf, as_of=now.isoformat(), source=cfg.source, new_bars=added,
            bars_available=len(bars), last_open_time=bars.index[-1].isoformat(),
            last_close=float(bars["close"].iloc[-1]), stale=reason is not None,
            stale_reason=reason, waited_s=waited, gaps=report.gaps,
        )  # fmt: skip

    def ensure_latest_data(self, task: Task, ctx: AgentContext) -> EnsureLatestResult:
        tf = str(task.params.get("timeframe", ctx.settings.timeframe))
        store = ParquetStore(ctx.layout.store)
        feed = self._feed_factory(ctx, store)
        entries = {sym: self._latest(ctx, store, feed, sym, tf) for sym in _symbols(task, ctx)}
        if ctx.write_state:
            path = ctx.layout.data_state("latest_ohlcv")
            merged: dict[str, Any] = read_json(path) if path.exists() else {}
            merged.update({s: e.model_dump(mode="json") for s, e in entries.items()})
            write_json_atomic(path, merged)
        return EnsureLatestResult(
            timeframe=tf, symbols=entries, stale=any(e.stale for e in entries.values())
        )

    def _closed_bars(self, task: Task, ctx: AgentContext) -> tuple[str, str, pd.DataFrame]:
        sym = str(task.params.get("symbol", ctx.settings.symbols[0]))
        tf = str(task.params.get("timeframe", ctx.settings.timeframe))
        store = ParquetStore(ctx.layout.store)
        bars = store.read(sym, tf, start=task.params.get("start"), end=task.params.get("end"))
        bars = closed_until(bars, tf, ctx.clock.now(), None)
        if len(bars) == 0:
            raise DataError(f"no closed {tf} bars stored for {sym} in the requested range")
        return sym, tf, bars

    def prepare_training_data(self, task: Task, ctx: AgentContext) -> TrainingDataResult:
        sym, tf, bars = self._closed_bars(task, ctx)
        path = ctx.layout.training_dataset
        if ctx.write_state:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".parquet.tmp")
            bars.to_parquet(tmp)
            tmp.replace(path)
        result = TrainingDataResult(
            path=str(path), symbol=sym, timeframe=tf, rows=len(bars), first=bars.index[0].isoformat(),
            last=bars.index[-1].isoformat(), fingerprint=fingerprint_bars(bars),
        )  # fmt: skip
        if ctx.write_state:  # the training cycle's step-1 output, as the seed names it
            write_json_atomic(ctx.layout.data_state("training_data"), result)
        return result

    def prepare_wfo_windows(self, task: Task, ctx: AgentContext) -> WfoWindowsResult:
        sym, tf, bars = self._closed_bars(task, ctx)
        cfg = ctx.settings.walk_forward
        per_day = 86400 / timeframe_seconds(tf)
        scale = per_day if task.params.get("unit", cfg.unit) == "days" else 1.0
        windows = walk_forward_windows(
            pd.DatetimeIndex(bars.index),
            n_windows=int(task.params.get("n_windows", cfg.n_windows)),
            train_bars=round(int(task.params.get("train_period", cfg.train_period)) * scale),
            test_bars=round(int(task.params.get("test_period", cfg.test_period)) * scale),
            anchored=bool(task.params.get("anchored", cfg.anchored)),
        )
        result = WfoWindowsResult(path=str(ctx.layout.wfo_windows), symbol=sym, timeframe=tf,
                                  anchored=cfg.anchored, windows=windows)  # fmt: skip
        if ctx.write_state:
            write_json_atomic(ctx.layout.wfo_windows, result)
        return result

    def health(self, task: Task, ctx: AgentContext) -> HealthResult:
        tf = str(task.params.get("timeframe", ctx.settings.timeframe))
        store = ParquetStore(ctx.layout.store)
        now = ctx.clock.now()
        out: dict[str, SymbolHealth] = {}
        for sym in _symbols(task, ctx):
            if (sym, tf) not in store.partitions():
                out[sym] = SymbolHealth(status="missing")
                continue
            info = store.info(sym, tf)
            age = (
                (now - info.last).total_seconds() - timeframe_seconds(tf)
                if info.last is not None
                else None
            )
            late = info.last is None or stale_finding(
                info.last, tf, now, ctx.settings.data.stale_after_bars
            )
            out[sym] = SymbolHealth(
                status="stale" if late else "ok", rows=info.rows,
                first=info.first.isoformat() if info.first is not None else None,
                last=info.last.isoformat() if info.last is not None else None,
                gaps=info.gaps, missing_bars=info.missing_bars, last_bar_age_s=age,
            )  # fmt: skip
        status = "healthy" if all(h.status == "ok" for h in out.values()) else "degraded"
        result = HealthResult(status=status, timeframe=tf, symbols=out)
        if ctx.write_state:
            write_json_atomic(ctx.layout.data_state("data_health"), result)
        return result


__all__ = ["DataPipelineManager", "EnsureLatestResult", "HealthResult", "LatestOhlcv",
           "TrainingDataResult", "WfoWindowsResult"]  # fmt: skip
