"""Two causal indicators the engine and the built-in strategies need (numba, O(n))."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

FloatArray = npt.NDArray[np.float64]


@njit(cache=True)
def _atr_kernel(high: FloatArray, low: FloatArray, close: FloatArray, period: int) -> FloatArray:
    n = close.shape[0]
    out = np.full(n, np.nan)
    if n < period or period < 1:
        return out
    acc = 0.0
    for t in range(n):
        tr = high[t] - low[t]
        if t > 0:
            tr = max(tr, abs(high[t] - close[t - 1]), abs(low[t] - close[t - 1]))
        if t < period:
            acc += tr
            if t == period - 1:
                out[t] = acc / period
        else:
            out[t] = out[t - 1] + (tr - out[t - 1]) / period
    return out


def wilder_atr(
    high: FloatArray, low: FloatArray, close: FloatArray, period: int = 14
) -> FloatArray:
    """Wilder's average true range (price units); NaN for the first ``period - 1`` bars.

    Causal: the value at ``t`` uses bars ``<= t``. Seeded with the simple mean of the first
    ``period`` true ranges (the first bar's true range is its high - low).
    """
    return _atr_kernel(
        np.ascontiguousarray(high, dtype=np.float64),
        np.ascontiguousarray(low, dtype=np.float64),
        np.ascontiguousarray(close, dtype=np.float64),
        int(period),
    )


@njit(cache=True)
def _sma_kernel(x: FloatArray, period: int) -> FloatArray:
    n = x.shape[0]
    out = np.full(n, np.nan)
    acc = 0.0
    comp = 0.0  # Kahan compensation keeps long running sums exact to ~1 ulp
    for t in range(n):
        y = x[t] - comp
        s = acc + y
        comp = (s - acc) - y
        acc = s
        if t >= period:
            y = -x[t - period] - comp
            s = acc + y
            comp = (s - acc) - y
            acc = s
        if t >= period - 1:
            out[t] = acc / period
    return out


def sma(x: FloatArray, period: int) -> FloatArray:
    """Simple moving average over ``period`` bars (causal; NaN during the warm-up)."""
    if period < 1 or not math.isfinite(period):
        raise ValueError(f"period must be >= 1, got {period}")
    return _sma_kernel(np.ascontiguousarray(x, dtype=np.float64), int(period))


__all__ = ["sma", "wilder_atr"]
