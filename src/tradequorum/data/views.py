"""Market views (``agents.base.MarketView``): closed bars up to the clock's now, at most a lookback.

The one data path for backtest replay, paper and live (DESIGN §3): an agent asking at time
``now`` sees only bars whose **close** (open + timeframe) is ``<= now``. A timeframe that is not
held directly is resampled from the base timeframe over complete buckets, so a 1h bar appears
exactly when its last minute has closed.

* :class:`FrameMarketView` serves in-memory frames (replay, tests, demo); O(log n) per call.
* :class:`StoreMarketView` reads the Parquet store (live and paper).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from tradequorum.core.clock import Clock
from tradequorum.core.errors import DataUnavailable
from tradequorum.core.timeframes import timeframe_seconds
from tradequorum.data.quality import epoch_ns
from tradequorum.data.resample import resample_bars
from tradequorum.data.store import ParquetStore

_NS = 1_000_000_000


def close_times_ns(bars: pd.DataFrame, timeframe: str) -> np.ndarray:
    """Each bar's close time (open + timeframe) as int64 epoch nanoseconds."""
    return epoch_ns(bars.index) + timeframe_seconds(timeframe) * _NS


def closed_until(
    bars: pd.DataFrame,
    timeframe: str,
    now: pd.Timestamp,
    lookback: int | None,
    *,
    close_ns: np.ndarray | None = None,
) -> pd.DataFrame:
    """Bars whose close time (open + timeframe) is <= ``now``; the last ``lookback`` of them.

    ``close_ns`` (from :func:`close_times_ns` of the same ``bars``) saves recomputing it per call.
    """
    if close_ns is None:
        close_ns = close_times_ns(bars, timeframe)
    stop = int(np.searchsorted(close_ns, pd.Timestamp(now).value, side="right"))
    start = max(0, stop - lookback) if lookback else 0
    return bars.iloc[start:stop]


class FrameMarketView:
    """In-memory bars keyed by ``(symbol, timeframe)``; other timeframes resampled from the base.

    Parameters
    ----------
    frames
        Valid bars per ``(symbol, timeframe)``; not copied, never mutated.
    clock
        Decides what is "now" (a FixedClock for replay).
    lookback
        At most this many bars per call (``data.lookback_bars``); ``None`` = all closed bars.
    base_timeframe
        The timeframe to resample from when a requested one is missing (default ``1m``).
    """

    def __init__(
        self,
        frames: Mapping[tuple[str, str], pd.DataFrame],
        clock: Clock,
        *,
        lookback: int | None = None,
        base_timeframe: str = "1m",
    ) -> None:
        self._frames = dict(frames)
        self._close_ns: dict[tuple[str, str], np.ndarray] = {}
        # the last cut per key and clock time: every agent of a bar asks for the same window
        self._cut: dict[tuple[str, str], tuple[int, pd.DataFrame]] = {}
        self._clock = clock
        self._lookback = lookback
        self._base = base_timeframe

    def _frame(self, symbol: str, timeframe: str) -> pd.DataFrame:
        key = (symbol, timeframe)
        if key not in self._frames:
            base = self._frames.get((symbol, self._base))
            if base is None:
                raise DataUnavailable(f"no {timeframe} or {self._base} bars for {symbol}")
            # complete buckets only: each HTF bar is causal once filtered by its close time
            self._frames[key] = resample_bars(base, timeframe, base_timeframe=self._base)
        return self._frames[key]

    def bars(self, symbol: str, timeframe: str) -> pd.DataFrame:
        """Closed bars known at the clock's now (at most ``lookback``)."""
        key = (symbol, timeframe)
        now = pd.Timestamp(self._clock.now())
        hit = self._cut.get(key)
        if hit is None or hit[0] != now.value:
            frame = self._frame(symbol, timeframe)
            close_ns = self._close_ns.get(key)
            if close_ns is None:  # the frames are never mutated: close times computed once
                close_ns = self._close_ns[key] = close_times_ns(frame, timeframe)
            cut = closed_until(frame, timeframe, now, self._lookback, close_ns=close_ns)
            hit = self._cut[key] = (now.value, cut)
        # a shallow copy per caller: its own object (adding a column cannot reach another
        # caller; copy-on-write guards the shared values), the index's cached checks kept
        return hit[1].copy(deep=False)


class StoreMarketView:
    """Bars from the Parquet store, closed at the clock's now, at most ``lookback`` of them."""

    def __init__(
        self,
        store: ParquetStore,
        clock: Clock,
        *,
        lookback: int = 5000,
        base_timeframe: str = "1m",
    ) -> None:
        self._store = store
        self._clock = clock
        self._lookback = lookback
        self._base = base_timeframe

    def _read(self, symbol: str, timeframe: str, now: pd.Timestamp) -> pd.DataFrame:
        span = pd.Timedelta(seconds=timeframe_seconds(timeframe) * (self._lookback + 1))
        return self._store.read(symbol, timeframe, start=now - span, end=now)

    def bars(self, symbol: str, timeframe: str) -> pd.DataFrame:
        now = self._clock.now()
        if (symbol, timeframe) in self._store.partitions():
            frame = self._read(symbol, timeframe, now)
        elif (symbol, self._base) in self._store.partitions():
            span = pd.Timedelta(seconds=timeframe_seconds(timeframe) * (self._lookback + 1))
            base = self._store.read(symbol, self._base, start=now - span, end=now)
            frame = resample_bars(base, timeframe, base_timeframe=self._base) if len(base) else base
        else:
            raise DataUnavailable(f"no {timeframe} or {self._base} bars stored for {symbol}")
        return closed_until(frame, timeframe, now, self._lookback)


__all__ = ["FrameMarketView", "StoreMarketView", "close_times_ns", "closed_until"]
