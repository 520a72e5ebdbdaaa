"""Bars -> contiguous arrays for the SMC kernels, the ATR they share, and output framing.

All kernels work on positions; outputs go back on the bars' index. Nothing here looks forward.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from numba import njit

from tradequorum.core.bars import OHLCV, ensure_bars
from tradequorum.core.errors import DataError

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class BarArrays:
    """OHLCV as float64 arrays plus the open times in ns since the epoch (UTC)."""

    open: F64
    high: F64
    low: F64
    close: F64
    volume: F64
    t_ns: I64

    def __len__(self) -> int:
        return len(self.close)

    def mirrored(self) -> BarArrays:
        """Prices negated (highs become lows): one-sided kernels reuse this for the other side."""
        return BarArrays(-self.open, -self.low, -self.high, -self.close, self.volume, self.t_ns)


def _columns(bars: pd.DataFrame, name: str) -> list[F64]:
    """OHLCV as contiguous float64 arrays (DataError on a missing or non-float64 column).

    The usual frame is all float64 in one block: one ``to_numpy`` (a view) and a column take per
    field, ~10x cheaper than five ``bars[c]`` Series (each deep-copies ``bars.attrs``).
    """
    cols = bars.columns
    missing = [c for c in OHLCV if c not in cols]
    if missing:
        raise DataError(f"{name} is missing columns {missing}")
    if cols.is_unique and all(d == np.float64 for d in bars.dtypes):
        matrix = bars.to_numpy()
        return [np.ascontiguousarray(matrix[:, cols.get_loc(c)]) for c in OHLCV]
    out = []
    for c in OHLCV:
        col = bars[c]
        if col.dtype != np.float64:
            raise DataError(f"{name} column {c!r} must be float64, got {col.dtype}")
        out.append(np.ascontiguousarray(col.to_numpy(dtype=np.float64)))
    return out


def to_arrays(bars: pd.DataFrame, *, name: str = "bars") -> BarArrays:
    """Check the bar schema and extract contiguous arrays.

    The rules are those of :func:`tradequorum.core.bars.ensure_bars` (same DataError messages),
    applied to the extracted arrays: its multi-column take costs more than analysing 5,000 bars.
    """
    if not isinstance(bars, pd.DataFrame):
        raise DataError(f"{name} must be a pandas DataFrame, got {type(bars).__name__}")
    idx = bars.index
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is None or str(idx.tz) != "UTC":
        ensure_bars(bars, name=name)  # raises with the precise message
    o, h, lo, c, v = _columns(bars, name)
    dt = cast(pd.DatetimeIndex, idx)  # checked above (ensure_bars raises otherwise)
    t_ns = np.ascontiguousarray(dt.asi8 if dt.unit == "ns" else dt.as_unit("ns").asi8, np.int64)
    if len(t_ns) > 1 and not (np.diff(t_ns) > 0).all():
        raise DataError(
            f"{name} index must be strictly increasing (duplicates or out-of-order rows)"
        )
    if not (np.isfinite(o).all() and np.isfinite(h).all() and np.isfinite(lo).all()
            and np.isfinite(c).all()):  # fmt: skip
        raise DataError(f"{name} contains NaN or infinite prices; run the quality check first")
    if np.isnan(v).any():
        raise DataError(f"{name} contains NaN volume; run the quality check first")
    return BarArrays(o, h, lo, c, v, t_ns)


@njit(cache=True)
def atr_sma(high: F64, low: F64, close: F64, period: int) -> F64:  # pragma: no cover - numba
    """Mean true range over the last ``period`` bars (NaN before), summed afresh at each bar.

    A plain window sum (not Wilder's recursion) keeps the value independent of how much earlier
    history was loaded, exactly; true range of the first bar is its high-low.
    """
    n = len(close)
    tr = np.empty(n)
    out = np.full(n, np.nan)
    for i in range(n):
        r = high[i] - low[i]
        if i > 0:
            r = max(r, abs(high[i] - close[i - 1]), abs(low[i] - close[i - 1]))
        tr[i] = r
    for i in range(period - 1, n):
        s = 0.0
        for j in range(i - period + 1, i + 1):
            s += tr[j]
        out[i] = s / period
    return out


def frame(index: pd.Index, columns: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """A float64 DataFrame on ``index`` from equally long arrays, written once into one block."""
    block = np.empty((len(columns), len(index)), dtype=np.float64)
    for row, v in zip(block, columns.values(), strict=True):
        row[:] = v
    return pd.DataFrame(block.T, index=index, columns=list(columns), copy=False)


def event_table(
    index: pd.Index, pos: I64, conf: I64, columns: Mapping[str, object]
) -> pd.DataFrame:
    """Event rows: ``index`` (time of the bar referred to), ``confirmed_at`` (first bar knowing it),
    their positions, and the given columns."""
    data: dict[str, object] = {
        "index": index[pos],
        "confirmed_at": index[conf],
        "index_pos": pos.astype(np.int64),
        "confirmed_pos": conf.astype(np.int64),
    }
    data.update(columns)
    return pd.DataFrame(data)


def time_at(index: pd.Index, pos: I64) -> pd.DatetimeIndex:
    """Timestamps of positions, NaT where ``pos < 0`` (not happened yet)."""
    out = pd.DatetimeIndex(np.full(len(pos), np.datetime64("NaT", "ns")), tz="UTC")
    ok = pos >= 0
    if ok.any():
        vals = out.to_numpy().copy()
        src = pd.DatetimeIndex(index).as_unit("ns")
        vals[ok] = src[pos[ok]].tz_localize(None).to_numpy()
        out = pd.DatetimeIndex(vals).tz_localize("UTC")
    return out


__all__ = ["BarArrays", "atr_sma", "event_table", "frame", "time_at", "to_arrays"]
