"""Volume analysis: relative volume by time of day, absorption, exhaustion, institutional flags.

All measures are causal (bar t uses bars <= t) and compare a bar with a baseline made of bars
strictly before it:

* relative volume (rvol): volume / mean volume of the same time of day (UTC) over the previous
  ``days`` occurrences of that time (earlier days only); NaN until ``days`` of them exist;
* absorption (Wyckoff; the order-flow reading of "effort vs result"): heavy volume
  (>= ``heavy_ratio`` x mean of the previous ``window`` bars), small range (<= ``small_range`` x
  mean range) and delta against the bar: +1 when sellers were the aggressors (delta < 0) but the
  bar closed at or above its open (passive buyers absorbed them), -1 mirrored;
* exhaustion: climactic volume (>= ``climax_ratio`` x baseline) at the end of a move of at least
  ``move_sigma`` sigmas over ``lookback`` bars, with the close back in the opposite half of the
  bar's range: -1 after a rise (buying exhausted), +1 after a fall;
* institutional activity: z of log volume and of log mean trade size (volume / trades) against the
  previous ``window`` bars; a bar with either z >= ``outlier_z`` is flagged with its delta's sign.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from tradequorum.core.bars import FloatArray
from tradequorum.microstructure.windows import NS_PER_DAY, index_ns, rolling_mean, rolling_mean_std


@njit(cache=True)
def _slot_baseline(vol: FloatArray, order: np.ndarray, slot: np.ndarray, days: int) -> FloatArray:
    n = vol.shape[0]
    out = np.full(n, np.nan)
    for p in range(n):
        i = order[p]
        s = 0.0
        c = 0
        q = p - 1
        while q >= 0 and c < days and slot[order[q]] == slot[i]:
            s += vol[order[q]]
            c += 1
            q -= 1
        if c == days:
            out[i] = s / days
    return out


def relative_volume(index: pd.Index, volume: FloatArray, *, days: int = 3) -> FloatArray:
    """Volume / mean volume at the same UTC time of day over the ``days`` previous occurrences."""
    slot = index_ns(index) % NS_PER_DAY
    order = np.argsort(slot, kind="stable")
    base = _slot_baseline(np.ascontiguousarray(volume, dtype=np.float64), order, slot, days)
    out = np.full_like(base, np.nan)
    ok = np.isfinite(base) & (base > 0)
    out[ok] = volume[ok] / base[ok]
    return out


def ratio_to_prev(x: FloatArray, window: int) -> FloatArray:
    """x / mean of x over the previous ``window`` bars (NaN where that mean is 0 or unknown)."""
    base = rolling_mean(x, window, window, 1)
    out = np.full_like(x, np.nan)
    ok = np.isfinite(base) & (base > 0)
    out[ok] = x[ok] / base[ok]
    return out


def absorption(
    open_: FloatArray,
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    volume_ratio: FloatArray,
    delta: FloatArray,
    *,
    window: int = 60,
    heavy_ratio: float = 2.0,
    small_range: float = 0.8,
) -> FloatArray:
    """+1 sell aggression absorbed (bullish), -1 buy aggression absorbed (bearish), else 0.

    ``volume_ratio`` is :func:`ratio_to_prev` of the volume over the same ``window``.
    """
    vr = volume_ratio
    rr = ratio_to_prev(high - low, window)
    with np.errstate(invalid="ignore"):
        base = (vr >= heavy_ratio) & (rr <= small_range)
        out = np.zeros_like(close)
        out[base & (delta < 0) & (close >= open_)] = 1.0
        out[base & (delta > 0) & (close <= open_)] = -1.0
    return out


def prior_move(close: FloatArray, lookback: int) -> FloatArray:
    """ln(close_t / close_{t-lookback}) (NaN for the first ``lookback`` bars)."""
    move = np.full_like(close, np.nan)
    move[lookback:] = np.log(close[lookback:] / close[:-lookback])
    return move


def exhaustion(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    volume_ratio: FloatArray,
    log_change: FloatArray,
    *,
    window: int = 60,
    lookback: int = 30,
    climax_ratio: float = 3.0,
    move_sigma: float = 2.0,
) -> FloatArray:
    """-1 climactic volume ending a rise and closing in the bar's lower half; +1 mirrored; else 0."""
    vr = volume_ratio
    _, sigma = rolling_mean_std(log_change, window, window, 0)
    move = prior_move(close, lookback)
    rng = high - low
    pos = np.full_like(close, 0.5)
    np.divide(close - low, rng, out=pos, where=rng > 0)
    scale = move_sigma * sigma * np.sqrt(lookback)
    out = np.zeros_like(close)
    with np.errstate(invalid="ignore"):
        climax = vr >= climax_ratio
        out[climax & (move >= scale) & (pos < 0.5)] = -1.0
        out[climax & (move <= -scale) & (pos > 0.5)] = 1.0
    return out


def log_z_prev(x: FloatArray, window: int) -> FloatArray:
    """z of ln(x) against the previous ``window`` bars (non-positive x skipped)."""
    lx = np.full_like(x, np.nan)
    ok = x > 0
    lx[ok] = np.log(x[ok])
    mean, std = rolling_mean_std(lx, window, max(2, window // 2), 1)
    z = np.full_like(x, np.nan)
    good = np.isfinite(lx) & np.isfinite(std) & (std > 0)
    z[good] = (lx[good] - mean[good]) / std[good]
    return z


def institutional_activity(
    volume: FloatArray,
    trades: FloatArray | None,
    delta: FloatArray,
    *,
    window: int = 60,
    outlier_z: float = 3.5,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(volume z, trade-size z (NaN without trade counts), flag = sign(delta) where an outlier)."""
    vz = log_z_prev(volume, window)
    if trades is None:
        sz = np.full_like(volume, np.nan)
    else:
        size = np.full_like(volume, np.nan)
        ok = trades > 0
        size[ok] = volume[ok] / trades[ok]
        sz = log_z_prev(size, window)
    with np.errstate(invalid="ignore"):
        hit = (vz >= outlier_z) | (sz >= outlier_z)
    flag = np.where(hit, np.sign(delta), 0.0)
    return vz, sz, flag


__all__ = [
    "absorption",
    "exhaustion",
    "institutional_activity",
    "log_z_prev",
    "prior_move",
    "ratio_to_prev",
    "relative_volume",
]
