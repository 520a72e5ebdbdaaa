"""Replay: drive the real-time workflow over history with a simulated clock, as fast as possible.

Nothing here decides anything: each historical bar moves a :class:`~tradequorum.core.clock.FixedClock`
to that bar's close and calls :meth:`Coordinator.run_bar` — the very method live scheduling
calls. Only the market view (frames in memory, cut at the clock) and the clock differ from live.

Resume: the journal records the last completed bar per symbol in the same transaction as the
bar's decisions, so a replay killed at any moment restarts from the next bar.
"""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass

import pandas as pd

from tradequorum.core.clock import Clock, FixedClock
from tradequorum.core.errors import DataError
from tradequorum.core.timeframes import timeframe_delta

logger = logging.getLogger(__name__)


class FrameMarket:
    """A MarketView over in-memory base-timeframe frames: closed bars up to the clock's now.

    A thin adapter over :class:`tradequorum.data.views.FrameMarketView` (the data layer's view:
    higher timeframes resampled once over complete buckets, each visible only after its close).
    """

    def __init__(
        self,
        frames: Mapping[str, pd.DataFrame],
        timeframe: str,
        clock: Clock,
        *,
        lookback: int | None = None,
    ) -> None:
        from tradequorum.data.views import FrameMarketView

        self.frames = dict(frames)
        self.timeframe = timeframe
        self._view = FrameMarketView(
            {(s, timeframe): f for s, f in self.frames.items()},
            clock,
            lookback=lookback,
            base_timeframe=timeframe,
        )

    def bars(self, symbol: str, timeframe: str) -> pd.DataFrame:
        if symbol not in self.frames:
            raise DataError(f"no bars for {symbol} (have {sorted(self.frames)})")
        return self._view.bars(symbol, timeframe)


def _current_cpu() -> int | None:
    """The CPU this thread runs on now (Linux ``/proc``), else None."""
    try:
        with open("/proc/thread-self/stat", encoding="ascii") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[36])
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def one_cpu(threads: Callable[[], list[int]]) -> Iterator[None]:
    """Pin this thread and ``threads()`` (OS ids) to the CPU it runs on, restore after.

    The replay's work is sequential (agents run in turn under the GIL) but hops between the
    coordinator's thread and an agent's deadline worker several times per bar; on two CPUs of a
    virtual machine every hop across CPUs wakes the other one (measured: 157-205 bars/s
    unpinned, 207-232 pinned). Threads started inside inherit the pin. No-op where the OS has
    no affinity call or only one CPU is allowed.
    """
    getter = getattr(os, "sched_getaffinity", None)
    setter = getattr(os, "sched_setaffinity", None)
    mask: set[int] = set()
    if getter is not None and setter is not None:
        try:
            mask = set(getter(0))
        except OSError:
            mask = set()
    if setter is None or len(mask) < 2:
        yield
        return
    here = _current_cpu()
    pin = {here if here in mask else min(mask)}

    def apply(target: set[int]) -> None:
        for tid in (0, *threads()):
            with suppress(OSError):  # a thread that ended meanwhile, or not allowed
                setter(tid, target)

    apply(pin)
    try:
        yield
    finally:
        apply(mask)


@dataclass(slots=True)
class ReplaySummary:
    bars: int
    skipped: int
    seconds: float
    first: pd.Timestamp | None
    last: pd.Timestamp | None

    @property
    def bars_per_second(self) -> float:
        return self.bars / self.seconds if self.seconds > 0 else float("inf")


def replay_index(
    frames: Mapping[str, pd.DataFrame],
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.DatetimeIndex:
    """The bar times to replay: the union of the symbols' indexes within [start, end]."""
    stamps: set[pd.Timestamp] = set()
    for frame in frames.values():
        stamps.update(frame.index)
    idx = pd.DatetimeIndex(sorted(stamps), tz="UTC") if stamps else pd.DatetimeIndex([], tz="UTC")
    if start is not None:
        idx = idx[idx >= start]
    if end is not None:
        idx = idx[idx <= end]
    return idx


def run_replay(
    coordinator: object,
    clock: FixedClock,
    index: pd.DatetimeIndex,
    *,
    on_bar: Callable[[pd.Timestamp], None] | None = None,
    pin_cpu: bool = True,
) -> ReplaySummary:
    """Replay ``index`` through ``coordinator.run_bar``, resuming after the last completed bar.

    ``pin_cpu``: run the loop on one CPU (see :func:`one_cpu`); the decisions do not change.
    """
    from tradequorum.coordinator.service import Coordinator

    assert isinstance(coordinator, Coordinator)
    step = timeframe_delta(coordinator.settings.timeframe)
    done = [coordinator.completed_bar(s) for s in coordinator.settings.symbols]
    known = [d for d in done if d is not None]
    resume = min(known) if known and len(known) == len(done) else None
    todo = index[index > resume] if resume is not None else index
    if resume is not None:
        logger.info("resuming replay after %s (%d bars left)", resume, len(todo))
    # The heap is large before the first bar (models, numba dispatchers, the frames): one full
    # collection now, then the survivors are frozen for the loop, so the cyclic GC's full passes
    # (~0.1 s each, every few dozen bars) scan only what the loop creates. Unfrozen after.
    gc.collect()
    gc.freeze()
    pinned = one_cpu(coordinator.protocol.pool.native_ids) if pin_cpu else nullcontext()
    t0 = time.perf_counter()
    try:
        with pinned:
            for ts in todo:
                close = ts + step
                if close > clock.now():
                    clock.set(close)
                coordinator.run_bar(ts)
                if on_bar is not None:
                    on_bar(ts)
            coordinator.write_views()
    finally:
        gc.unfreeze()
    return ReplaySummary(
        bars=len(todo),
        skipped=len(index) - len(todo),
        seconds=time.perf_counter() - t0,
        first=todo[0] if len(todo) else None,
        last=todo[-1] if len(todo) else None,
    )


__all__ = ["FrameMarket", "ReplaySummary", "one_cpu", "replay_index", "run_replay"]
