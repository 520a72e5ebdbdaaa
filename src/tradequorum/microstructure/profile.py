"""Volume profile: point of control (POC) and value area, per UTC session and over rolling windows.

Prices are binned on a fixed log-price grid (bin ``b`` covers ``[exp(b*w), exp((b+1)*w))`` with
``w = bin_bps * 1e-4``), so bins do not depend on the data loaded. A bar's volume is spread evenly
over the bins its low-high range touches. POC is the bin with the most volume (lowest price on a
tie), reported at the bin centre. The value area grows from the POC one bin at a time towards the
heavier neighbour (upper on a tie) until it holds ``value_area`` (70%) of the volume; ``va_low`` /
``va_high`` are its outer bin edges. Causal: the session profile at bar t uses the session's bars
<= t (a developing profile), the rolling one the last ``window`` bars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from numba import njit

from tradequorum.core.bars import FloatArray, column
from tradequorum.core.errors import DataError
from tradequorum.microstructure.signed_volume import check_flow_inputs
from tradequorum.microstructure.windows import day_ids

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class VolumeProfile:
    """A profile over a set of bars: POC, value-area bounds (prices) and the histogram."""

    poc: float
    va_low: float
    va_high: float
    bin_prices: FloatArray
    bin_volume: FloatArray
    total_volume: float


def price_bins(low: FloatArray, high: FloatArray, bin_bps: float) -> tuple[IntArray, IntArray]:
    """Grid bins of each bar's low and high."""
    w = bin_bps * 1e-4
    return (
        np.floor(np.log(low) / w).astype(np.int64),
        np.floor(np.log(high) / w).astype(np.int64),
    )


@njit(cache=True)
def _value_area(
    hist: FloatArray, lo: int, hi: int, best: int, total: float, share: float
) -> tuple[int, int]:
    """Grow from the POC towards the heavier neighbour (upper on a tie) until ``share`` of total."""
    a = best
    z = best
    acc = hist[best]
    while acc < share * total and (a > lo or z < hi):
        up = hist[z + 1] if z < hi else -1.0
        dn = hist[a - 1] if a > lo else -1.0
        if up >= dn:
            z += 1
            acc += up
        else:
            a -= 1
            acc += dn
    return a, z


@njit(cache=True)
def _poc_value_area(hist: FloatArray, lo: int, hi: int, share: float) -> tuple[int, int, int]:
    best = lo
    total = 0.0
    for b in range(lo, hi + 1):
        total += hist[b]
        if hist[b] > hist[best]:
            best = b
    a, z = _value_area(hist, lo, hi, best, total, share)
    return best, a, z


@njit(cache=True, inline="always")
def _spread(hist: FloatArray, a: int, z: int, volume: float) -> None:
    each = volume / (z - a + 1)
    for b in range(a, z + 1):
        hist[b] += each


@njit(cache=True)
def _session_kernel(
    blo: IntArray, bhi: IntArray, vol: FloatArray, day: IntArray, share: float
) -> tuple[IntArray, IntArray, IntArray]:
    n = blo.shape[0]
    poc = np.zeros(n, dtype=np.int64)
    val = np.zeros(n, dtype=np.int64)
    vah = np.zeros(n, dtype=np.int64)
    start = 0
    while start < n:
        end = start
        lo_b = blo[start]
        hi_b = bhi[start]
        while end < n and day[end] == day[start]:
            lo_b = min(lo_b, blo[end])
            hi_b = max(hi_b, bhi[end])
            end += 1
        hist = np.zeros(hi_b - lo_b + 1)
        cur_lo = blo[start] - lo_b
        cur_hi = bhi[start] - lo_b
        best = cur_lo
        total = 0.0
        for t in range(start, end):
            a = blo[t] - lo_b
            z = bhi[t] - lo_b
            cur_lo = min(cur_lo, a)
            cur_hi = max(cur_hi, z)
            _spread(hist, a, z, vol[t])
            total += vol[t]
            # bins only grow within a session: the POC (lowest bin among the heaviest) can only
            # move to a bin this bar touched
            for b in range(a, z + 1):
                if hist[b] > hist[best] or (hist[b] == hist[best] and b < best):
                    best = b
            x, y = _value_area(hist, cur_lo, cur_hi, best, total, share)
            poc[t] = best + lo_b
            val[t] = x + lo_b
            vah[t] = y + lo_b
        start = end
    return poc, val, vah


@njit(cache=True)
def _window_bounds(blo: IntArray, bhi: IntArray, window: int) -> tuple[IntArray, IntArray]:
    """Lowest low-bin and highest high-bin of each window, by monotone deques (O(n), exact)."""
    n = blo.shape[0]
    lo = np.empty(n, dtype=np.int64)
    hi = np.empty(n, dtype=np.int64)
    qlo = np.empty(n, dtype=np.int64)
    qhi = np.empty(n, dtype=np.int64)
    h1 = t1 = h2 = t2 = 0
    for t in range(n):
        while t1 > h1 and blo[qlo[t1 - 1]] >= blo[t]:
            t1 -= 1
        qlo[t1] = t
        t1 += 1
        while t2 > h2 and bhi[qhi[t2 - 1]] <= bhi[t]:
            t2 -= 1
        qhi[t2] = t
        t2 += 1
        if qlo[h1] <= t - window:
            h1 += 1
        if qhi[h2] <= t - window:
            h2 += 1
        lo[t] = blo[qlo[h1]]
        hi[t] = bhi[qhi[h2]]
    return lo, hi


@njit(cache=True)
def _rolling_kernel(
    blo: IntArray, bhi: IntArray, vol: FloatArray, window: int, share: float
) -> tuple[IntArray, IntArray, IntArray]:
    n = blo.shape[0]
    poc = np.zeros(n, dtype=np.int64)
    val = np.zeros(n, dtype=np.int64)
    vah = np.zeros(n, dtype=np.int64)
    each = vol / (bhi - blo + 1)
    wlo, whi = _window_bounds(blo, bhi, window)
    hist = np.zeros(64)
    for t in range(n):
        s = max(0, t - window + 1)
        lo_b = wlo[t]
        size = whi[t] - lo_b + 1
        if size > hist.shape[0]:
            hist = np.zeros(2 * size)
        hist[:size] = 0.0
        for i in range(s, t + 1):
            for b in range(blo[i] - lo_b, bhi[i] - lo_b + 1):
                hist[b] += each[i]
        p, x, y = _poc_value_area(hist, 0, size - 1, share)
        poc[t] = p + lo_b
        val[t] = x + lo_b
        vah[t] = y + lo_b
    return poc, val, vah


def _to_prices(
    poc: IntArray, val: IntArray, vah: IntArray, bin_bps: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    w = bin_bps * 1e-4
    return np.exp((poc + 0.5) * w), np.exp(val * w), np.exp((vah + 1) * w)


def session_profile(
    bars: pd.DataFrame, *, bin_bps: float = 5.0, value_area: float = 0.7
) -> pd.DataFrame:
    """Developing UTC-session profile at each bar: columns ``poc va_low va_high`` (prices)."""
    check_flow_inputs(bars)
    blo, bhi = price_bins(column(bars, "low"), column(bars, "high"), bin_bps)
    p, a, z = _session_kernel(blo, bhi, column(bars, "volume"), day_ids(bars.index), value_area)
    poc, lo, hi = _to_prices(p, a, z, bin_bps)
    return pd.DataFrame({"poc": poc, "va_low": lo, "va_high": hi}, index=bars.index)


def rolling_profile(
    bars: pd.DataFrame, *, window: int = 120, bin_bps: float = 5.0, value_area: float = 0.7
) -> pd.DataFrame:
    """Profile of the last ``window`` bars at each bar: columns ``poc va_low va_high`` (prices)."""
    check_flow_inputs(bars)
    blo, bhi = price_bins(column(bars, "low"), column(bars, "high"), bin_bps)
    p, a, z = _rolling_kernel(blo, bhi, column(bars, "volume"), window, value_area)
    poc, lo, hi = _to_prices(p, a, z, bin_bps)
    return pd.DataFrame({"poc": poc, "va_low": lo, "va_high": hi}, index=bars.index)


def volume_profile(
    bars: pd.DataFrame, *, bin_bps: float = 5.0, value_area: float = 0.7
) -> VolumeProfile:
    """The profile of all ``bars`` (one session or window), with its histogram.

    Raises
    ------
    DataError
        No bars, or no volume at all (a profile of nothing has no POC).
    """
    check_flow_inputs(bars)
    if len(bars) == 0:
        raise DataError("volume profile needs at least one bar")
    vol = column(bars, "volume")
    if not np.isfinite(vol).all() or vol.sum() <= 0:
        raise DataError("volume profile needs bars with positive, finite total volume")
    blo, bhi = price_bins(column(bars, "low"), column(bars, "high"), bin_bps)
    p, a, z = _rolling_kernel(blo, bhi, vol, len(bars), value_area)
    lo_b, hi_b = int(blo.min()), int(bhi.max())
    hist = np.zeros(hi_b - lo_b + 1)
    counts = bhi - blo + 1
    starts = np.repeat(blo - lo_b - np.cumsum(counts) + counts, counts)
    np.add.at(hist, starts + np.arange(counts.sum()), np.repeat(vol / counts, counts))
    poc, lo, hi = _to_prices(p[-1:], a[-1:], z[-1:], bin_bps)
    w = bin_bps * 1e-4
    centres = np.exp((np.arange(lo_b, hi_b + 1) + 0.5) * w)
    return VolumeProfile(float(poc[0]), float(lo[0]), float(hi[0]), centres, hist, float(vol.sum()))


__all__ = ["VolumeProfile", "price_bins", "rolling_profile", "session_profile", "volume_profile"]
