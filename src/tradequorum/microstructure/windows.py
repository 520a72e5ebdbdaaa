"""Rolling-window statistics for the microstructure measures (numba, causal).

Every window is recomputed from its own values (O(n*w), vectorized) instead of a running sum, so
the value at bar t depends only on the bars inside the window: no round-off carried from earlier
history, and the recursive audit holds whatever history was loaded before. Non-finite inputs are
skipped (zeroed, and counted out with an exact integer prefix count); a window with fewer than
``min_count`` finite values gives NaN.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from numba import njit

from tradequorum.core.bars import FloatArray


@njit(cache=True)
def _clean_kernel(x: FloatArray) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    n = x.shape[0]
    clean = np.empty(n)
    cnt = np.empty(n + 1, dtype=np.int64)
    cnt[0] = 0
    c = 0
    for i in range(n):
        if np.isfinite(x[i]):
            clean[i] = x[i]
            c += 1
        else:
            clean[i] = 0.0
        cnt[i + 1] = c
    return clean, cnt


def _clean(x: FloatArray) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Non-finite values replaced by 0, and the running count of finite values (prefix, exact)."""
    return _clean_kernel(np.asarray(x, dtype=np.float64))


@njit(cache=True, fastmath=True)
def _window_sum(x: FloatArray, lo: int, hi: int) -> float:
    s = 0.0
    for i in range(lo, hi):
        s += x[i]
    return s


@njit(cache=True, fastmath=True)
def _window_sq(x: FloatArray, lo: int, hi: int, m: float, ok: FloatArray) -> float:
    q = 0.0
    for i in range(lo, hi):
        d = (x[i] - m) * ok[i]
        q += d * d
    return q


@njit(cache=True)
def _sum_kernel(
    x: FloatArray, cnt: npt.NDArray[np.int64], window: int, min_count: int, lag: int
) -> tuple[FloatArray, FloatArray]:
    n = x.shape[0]
    total = np.full(n, np.nan)
    count = np.zeros(n)
    for t in range(lag, n):
        hi = t - lag + 1
        lo = max(0, hi - window)
        c = cnt[hi] - cnt[lo]
        count[t] = c
        if c >= min_count and c > 0:
            total[t] = _window_sum(x, lo, hi)
    return total, count


def rolling_sum(x: FloatArray, window: int, min_count: int) -> FloatArray:
    """Sum of the finite values of ``x[t-window+1 .. t]`` (NaN below ``min_count`` of them)."""
    clean, cnt = _clean(x)
    return _sum_kernel(clean, cnt, window, min_count, 0)[0]


@njit(cache=True)
def _std_kernel(
    x: FloatArray,
    ok: FloatArray,
    cnt: npt.NDArray[np.int64],
    mean: FloatArray,
    count: FloatArray,
    window: int,
    lag: int,
) -> FloatArray:
    n = x.shape[0]
    std = np.full(n, np.nan)
    for t in range(lag, n):
        if np.isfinite(mean[t]) and count[t] > 1:
            hi = t - lag + 1
            lo = max(0, hi - window)
            std[t] = np.sqrt(_window_sq(x, lo, hi, mean[t], ok) / (count[t] - 1))
    return std


def rolling_mean(x: FloatArray, window: int, min_count: int, lag: int) -> FloatArray:
    """Mean of the finite values of ``x[t-lag-window+1 .. t-lag]`` (NaN below ``min_count``)."""
    clean, cnt = _clean(x)
    total, count = _sum_kernel(clean, cnt, window, min_count, lag)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(total / count, dtype=np.float64)


def rolling_mean_std(
    x: FloatArray, window: int, min_count: int, lag: int
) -> tuple[FloatArray, FloatArray]:
    """Mean and sample std (ddof=1) of the finite values of ``x[t-lag-window+1 .. t-lag]``.

    ``lag=0`` includes bar t; ``lag=1`` uses only the ``window`` bars before it (a baseline that
    the current bar is compared with).
    """
    clean, cnt = _clean(x)
    total, count = _sum_kernel(clean, cnt, window, min_count, lag)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.asarray(total / count, dtype=np.float64)
    ok = np.isfinite(x).astype(np.float64)
    return mean, _std_kernel(clean, ok, cnt, mean, count, window, lag)


@njit(cache=True, fastmath=True)
def _window_sums(x: FloatArray, y: FloatArray, lo: int, hi: int) -> tuple[float, float]:
    sx = 0.0
    sy = 0.0
    for i in range(lo, hi):
        sx += x[i]
        sy += y[i]
    return sx, sy


@njit(cache=True, fastmath=True)
def _window_co(
    x: FloatArray, y: FloatArray, ok: FloatArray, lo: int, hi: int, mx: float, my: float
) -> tuple[float, float]:
    sxy = 0.0
    sxx = 0.0
    for i in range(lo, hi):
        dx = (x[i] - mx) * ok[i]
        sxy += dx * (y[i] - my)
        sxx += dx * dx
    return sxy, sxx


@njit(cache=True)
def _cov_kernel(
    x: FloatArray,
    y: FloatArray,
    ok: FloatArray,
    cnt: npt.NDArray[np.int64],
    window: int,
    min_count: int,
) -> tuple[FloatArray, FloatArray]:
    n = x.shape[0]
    cov = np.full(n, np.nan)
    var = np.full(n, np.nan)
    for t in range(n):
        hi = t + 1
        lo = max(0, hi - window)
        c = cnt[hi] - cnt[lo]
        if c < max(min_count, 2):
            continue
        sx, sy = _window_sums(x, y, lo, hi)
        sxy, sxx = _window_co(x, y, ok, lo, hi, sx / c, sy / c)
        cov[t] = sxy / (c - 1)
        var[t] = sxx / (c - 1)
    return cov, var


def rolling_cov_var(
    x: FloatArray, y: FloatArray, window: int, min_count: int
) -> tuple[FloatArray, FloatArray]:
    """Sample covariance of (x, y) and variance of x over ``[t-window+1 .. t]`` (pairs both finite)."""
    both = np.isfinite(x) & np.isfinite(y)
    okf = both.astype(np.float64)
    cx = np.ascontiguousarray(np.where(both, x, 0.0))
    cy = np.ascontiguousarray(np.where(both, y, 0.0))
    cnt = np.concatenate(([0], np.cumsum(both, dtype=np.int64)))
    return _cov_kernel(cx, cy, okf, cnt, window, min_count)


@njit(cache=True)
def max_min_at(x: FloatArray, t: int, window: int) -> tuple[float, float]:
    """Max and min of ``x[t-window+1 .. t]`` (NaN while the window is not full)."""
    if t < window - 1:
        return np.nan, np.nan
    a = x[t]
    b = x[t]
    for i in range(t - window + 1, t):
        if x[i] > a:
            a = x[i]
        if x[i] < b:
            b = x[i]
    return float(a), float(b)


@njit(cache=True)
def rolling_max_min(x: FloatArray, window: int) -> tuple[FloatArray, FloatArray]:
    """Max and min of ``x[t-window+1 .. t]`` (NaN until the window is full)."""
    n = x.shape[0]
    hi = np.full(n, np.nan)
    lo = np.full(n, np.nan)
    for t in range(window - 1, n):
        hi[t], lo[t] = max_min_at(x, t, window)
    return hi, lo


@njit(cache=True)
def recent_at(x: FloatArray, t: int, memory: int) -> float:
    """The last non-zero finite value of ``x[t-memory+1 .. t]`` (0 if none)."""
    for i in range(t, max(-1, t - memory), -1):
        if x[i] != 0.0 and np.isfinite(x[i]):
            return float(x[i])
    return 0.0


@njit(cache=True)
def recent_nonzero(x: FloatArray, memory: int) -> FloatArray:
    """The last non-zero value of ``x`` within the last ``memory`` bars (0 if none)."""
    n = x.shape[0]
    out = np.zeros(n)
    for t in range(n):
        out[t] = recent_at(x, t, memory)
    return out


NS_PER_DAY = 86_400_000_000_000


def index_ns(index: pd.Index) -> npt.NDArray[np.int64]:
    """Bar open times as int64 nanoseconds since the epoch, whatever the index's resolution."""
    idx = index if isinstance(index, pd.DatetimeIndex) else pd.DatetimeIndex(index)
    if idx.unit != "ns":
        idx = idx.as_unit("ns")
    return np.asarray(idx.asi8, dtype=np.int64)


def day_ids(index: pd.Index) -> npt.NDArray[np.int64]:
    """UTC calendar day number (days since 1970-01-01) of each bar open time."""
    return np.floor_divide(index_ns(index), NS_PER_DAY)


__all__ = [
    "NS_PER_DAY",
    "day_ids",
    "index_ns",
    "max_min_at",
    "recent_at",
    "recent_nonzero",
    "rolling_cov_var",
    "rolling_max_min",
    "rolling_mean",
    "rolling_mean_std",
    "rolling_sum",
]
