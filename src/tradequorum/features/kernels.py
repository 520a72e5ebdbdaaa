"""Numba kernels behind the registered features: causal, O(n) or O(n x window), float64.

Every kernel writes ``out[t]`` from inputs at positions ``<= t`` only, and rolling windows are
recomputed from scratch per bar (no running sums), so the value at ``t`` is bit-identical whatever
history was loaded before the window: this is what makes the recursive audit pass at 1e-9.
Exponential smoothers (EMA, Wilder) are seeded with the first value; their dependence on the seed
decays as ``(1 - alpha)^k``, and :func:`ema_warmup` gives the number of bars after which it is
below ``1e-13`` (the declared warm-up).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from tradequorum.core.bars import FloatArray


def ema_warmup(alpha: float, tol: float = 1e-13) -> int:
    """Bars after which an EMA's dependence on its seed is below ``tol`` (relative)."""
    return math.ceil(math.log(tol) / math.log(1.0 - alpha)) + 1


@njit(cache=True)
def ema(x: FloatArray, alpha: float) -> FloatArray:  # pragma: no cover - numba
    """Exponential moving average seeded with the first finite value; NaN inputs are skipped."""
    n = x.size
    out = np.full(n, np.nan)
    s = np.nan
    for i in range(n):
        v = x[i]
        if np.isnan(v):
            out[i] = s
            continue
        s = v if np.isnan(s) else s + alpha * (v - s)
        out[i] = s
    return out


@njit(cache=True)
def rolling_mean(x: FloatArray, w: int) -> FloatArray:  # pragma: no cover - numba
    """Mean of ``x[t-w+1..t]``; NaN until ``w`` values exist or if any is NaN."""
    n = x.size
    out = np.full(n, np.nan)
    for i in range(w - 1, n):
        s = 0.0
        for j in range(i - w + 1, i + 1):
            s += x[j]
        out[i] = s / w
    return out


@njit(cache=True)
def _window_mean_sd(x: FloatArray, i: int, w: int) -> tuple[float, float]:  # pragma: no cover
    """Mean and sample standard deviation (ddof=1) of ``x[i-w+1..i]``, two-pass (exact order)."""
    s = 0.0
    for j in range(i - w + 1, i + 1):
        s += x[j]
    m = s / w
    ss = 0.0
    for j in range(i - w + 1, i + 1):
        d = x[j] - m
        ss += d * d
    return m, math.sqrt(ss / (w - 1))


@njit(cache=True)
def rolling_std(x: FloatArray, w: int) -> FloatArray:  # pragma: no cover - numba
    """Sample standard deviation (ddof=1) of ``x[t-w+1..t]``, two-pass per window."""
    n = x.size
    out = np.full(n, np.nan)
    for i in range(w - 1, n):
        out[i] = _window_mean_sd(x, i, w)[1]
    return out


@njit(cache=True)
def rolling_zscore(x: FloatArray, w: int) -> FloatArray:  # pragma: no cover - numba
    """``(x[t] - mean) / std`` over the trailing window ``x[t-w+1..t]`` (0 when std is 0)."""
    n = x.size
    out = np.full(n, np.nan)
    for i in range(w - 1, n):
        m, sd = _window_mean_sd(x, i, w)
        out[i] = 0.0 if sd == 0.0 else (x[i] - m) / sd
    return out


@njit(cache=True)
def rolling_rank(x: FloatArray, w: int) -> FloatArray:  # pragma: no cover - numba
    """Percentile rank of ``x[t]`` in ``x[t-w+1..t]``: (#less + 0.5 #equal) / w, in (0, 1)."""
    n = x.size
    out = np.full(n, np.nan)
    for i in range(w - 1, n):
        v = x[i]
        if np.isnan(v):
            continue
        less = 0.0
        eq = 0.0
        bad = False
        for j in range(i - w + 1, i + 1):
            u = x[j]
            if np.isnan(u):
                bad = True
                break
            if u < v:
                less += 1.0
            elif u == v:
                eq += 1.0
        if not bad:
            out[i] = (less + 0.5 * eq) / w
    return out


@njit(cache=True)
def _rolling_highest(x: FloatArray, w: int, sign: float) -> FloatArray:  # pragma: no cover
    """``sign * max(sign * x[t-w+1..t])``: the rolling max (sign 1) or min (sign -1), exactly."""
    n = x.size
    out = np.full(n, np.nan)
    for i in range(w - 1, n):
        m = sign * x[i - w + 1]
        for j in range(i - w + 2, i + 1):
            m = max(m, sign * x[j])
        out[i] = sign * m
    return out


@njit(cache=True)
def rolling_max(x: FloatArray, w: int) -> FloatArray:  # pragma: no cover - numba
    return _rolling_highest(x, w, 1.0)


@njit(cache=True)
def rolling_min(x: FloatArray, w: int) -> FloatArray:  # pragma: no cover - numba
    return _rolling_highest(x, w, -1.0)


@njit(cache=True)
def true_range(
    high: FloatArray, low: FloatArray, close: FloatArray
) -> FloatArray:  # pragma: no cover
    """Wilder's true range; the first bar uses high - low."""
    n = close.size
    out = np.empty(n)
    for i in range(n):
        r = high[i] - low[i]
        if i > 0:
            r = max(r, abs(high[i] - close[i - 1]), abs(low[i] - close[i - 1]))
        out[i] = r
    return out


@njit(cache=True)
def rsi(close: FloatArray, period: int) -> FloatArray:  # pragma: no cover - numba
    """Wilder's RSI in [0, 100] (alpha = 1/period smoothing of gains and losses)."""
    n = close.size
    out = np.full(n, np.nan)
    alpha = 1.0 / period
    up = 0.0
    dn = 0.0
    for i in range(1, n):
        d = close[i] - close[i - 1]
        g = d if d > 0 else 0.0
        lo = -d if d < 0 else 0.0
        if i == 1:
            up, dn = g, lo
        else:
            up += alpha * (g - up)
            dn += alpha * (lo - dn)
        tot = up + dn
        out[i] = 50.0 if tot == 0.0 else 100.0 * up / tot
    return out


@njit(cache=True)
def log_return(close: FloatArray, h: int) -> FloatArray:  # pragma: no cover - numba
    """``ln(close[t] / close[t-h])``; NaN for t < h."""
    n = close.size
    out = np.full(n, np.nan)
    for i in range(h, n):
        out[i] = math.log(close[i] / close[i - h])
    return out


@njit(cache=True)
def parkinson_vol(high: FloatArray, low: FloatArray, w: int) -> FloatArray:  # pragma: no cover
    """Parkinson (1980) range volatility per bar: sqrt(mean(ln(H/L)^2) / (4 ln 2)) over w bars."""
    n = high.size
    out = np.full(n, np.nan)
    k = 1.0 / (4.0 * math.log(2.0))
    for i in range(w - 1, n):
        s = 0.0
        for j in range(i - w + 1, i + 1):
            r = math.log(high[j] / low[j])
            s += r * r
        out[i] = math.sqrt(k * s / w)
    return out


__all__ = [
    "ema",
    "ema_warmup",
    "log_return",
    "parkinson_vol",
    "rolling_max",
    "rolling_mean",
    "rolling_min",
    "rolling_rank",
    "rolling_std",
    "rolling_zscore",
    "rsi",
    "true_range",
]
