"""The microstructure score of the last bar only, in one numba pass (no per-call numpy overhead).

:func:`last_row` returns what the vectorized path (``signals._scores``, ``_true_range_mean`` and
``_levels``) gives at its last element (the rolling flow ratio, the four components, the score,
the ATR and the levels) with the same floating-point operations in the same order: the window
sums and squares call the very kernels of :mod:`windows`, the logarithms come in from numpy
(:func:`signed_volume.log_changes`, :func:`volume.prior_move`), everything else is IEEE-exact
arithmetic and comparisons (no fastmath here). Equality with the vectorized path is tested on
real and hypothesis bars (tests/unit/microstructure/test_latest_fast.py). Causal: bars <= the last.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

from tradequorum.core.bars import FloatArray
from tradequorum.microstructure.windows import (
    _clean_kernel,
    _window_sq,
    _window_sum,
    max_min_at,
    recent_at,
)

IntArray = npt.NDArray[np.int64]


@njit(cache=True)
def _mean_at(clean: FloatArray, cnt: IntArray, t: int, window: int, lag: int) -> float:
    """``rolling_mean(x, window, window, lag)[t]``."""
    hi = t - lag + 1
    if hi < 0:
        return np.nan
    lo = max(0, hi - window)
    c = cnt[hi] - cnt[lo]
    if c >= window and c > 0:
        return float(_window_sum(clean, lo, hi) / c)
    return np.nan


@njit(cache=True)
def _ratio_prev(x: FloatArray, clean: FloatArray, cnt: IntArray, t: int, window: int) -> float:
    """``volume.ratio_to_prev(x, window)[t]``."""
    base = _mean_at(clean, cnt, t, window, 1)
    if np.isfinite(base) and base > 0:
        return float(x[t] / base)
    return np.nan


@njit(cache=True)
def _sum_at(clean: FloatArray, cnt: IntArray, t: int, window: int) -> float:
    """``rolling_sum(x, window, window)[t]``."""
    lo = max(0, t + 1 - window)
    c = cnt[t + 1] - cnt[lo]
    if c >= window and c > 0:
        return float(_window_sum(clean, lo, t + 1))
    return np.nan


@njit(cache=True)
def _std_at(x: FloatArray, clean: FloatArray, cnt: IntArray, t: int, window: int) -> float:
    """``rolling_mean_std(x, window, window, 0)[1][t]``."""
    mean = _mean_at(clean, cnt, t, window, 0)
    lo = max(0, t + 1 - window)
    c = cnt[t + 1] - cnt[lo]
    if not (np.isfinite(mean) and c > 1):
        return np.nan
    ok = np.empty(x.shape[0])
    for i in range(lo, t + 1):
        ok[i] = 1.0 if np.isfinite(x[i]) else 0.0
    return float(np.sqrt(_window_sq(clean, lo, t + 1, mean, ok) / (c - 1)))


@njit(cache=True)
def _safe_ratio(num: float, den: float) -> float:
    """``signed_volume.safe_ratio`` on scalars."""
    out = np.nan if (np.isnan(num) or np.isnan(den)) else 0.0
    if np.isfinite(den) and den != 0 and np.isfinite(num):
        out = num / den
    return out


@njit(cache=True)
def _events(
    o: FloatArray,
    h: FloatArray,
    lo: FloatArray,
    c: FloatArray,
    v: FloatArray,
    delta: FloatArray,
    r: FloatArray,
    move: FloatArray,
    ints: IntArray,
    params: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Absorption at extremes, divergence and exhaustion at the last ``memory`` bars (else 0)."""
    window, lookback, memory = ints[0], ints[1], ints[2]
    heavy, small, climax, move_sigma = params[0], params[1], params[2], params[3]
    share, sqrt_lb = params[4], params[5]
    n = c.shape[0]
    rng = h - lo
    cv, nv = _clean_kernel(v)
    cr, nr = _clean_kernel(rng)
    cd, nd = _clean_kernel(delta)
    cl, nl = _clean_kernel(r)
    ab = np.zeros(n)
    dv = np.zeros(n)
    ex = np.zeros(n)
    for t in range(max(0, n - memory), n):
        vr = _ratio_prev(v, cv, nv, t, window)
        rr = _ratio_prev(rng, cr, nr, t, window)
        evt = 0.0
        if vr >= heavy and rr <= small:
            if delta[t] < 0 and c[t] >= o[t]:
                evt = 1.0
            elif delta[t] > 0 and c[t] <= o[t]:
                evt = -1.0
        hi, _ = max_min_at(h, t, window)
        _, low = max_min_at(lo, t, window)
        pos = _safe_ratio(c[t] - low, hi - low)
        if (evt > 0 and pos <= share) or (evt < 0 and pos >= 1.0 - share):
            ab[t] = evt
        chi, clo = max_min_at(c, t, lookback)
        dsum = _sum_at(cd, nd, t, lookback)
        if c[t] <= clo and dsum > 0:
            dv[t] = 1.0
        elif c[t] >= chi and dsum < 0:
            dv[t] = -1.0
        scale = move_sigma * _std_at(r, cl, nl, t, window) * sqrt_lb
        bar_pos = (c[t] - lo[t]) / rng[t] if rng[t] > 0 else 0.5
        if vr >= climax:
            if move[t] <= -scale and bar_pos > 0.5:
                ex[t] = 1.0
            elif move[t] >= scale and bar_pos < 0.5:
                ex[t] = -1.0
    return ab, dv, ex


@njit(cache=True)
def _flow_ratio(v: FloatArray, delta: FloatArray, window: int) -> float:
    t = v.shape[0] - 1
    cd, nd = _clean_kernel(delta)
    cv, nv = _clean_kernel(v)
    return _safe_ratio(_sum_at(cd, nd, t, window), _sum_at(cv, nv, t, window))


@njit(cache=True)
def _atr(h: FloatArray, lo: FloatArray, c: FloatArray, bars: int) -> float:
    """``signals._true_range_mean(h, lo, c, bars)`` at the last bar."""
    n = c.shape[0]
    tr = np.empty(n)
    for i in range(n):
        prev = c[i - 1] if i > 0 else c[0]
        tr[i] = max(h[i], prev) - min(lo[i], prev)  # prices are finite (checked): as np.maximum
    clean, cnt = _clean_kernel(tr)
    return _mean_at(clean, cnt, n - 1, bars, 0)


@njit(cache=True)
def levels_kernel(
    score: FloatArray, vp_change: FloatArray, close: FloatArray, atr: FloatArray, k: FloatArray
) -> FloatArray:
    """Rows direction, confidence, stop, entry_lo, entry_hi, target (IEEE-exact elementwise).

    ``k`` = (score threshold, 1 - VPIN rising penalty, stop ATRs, target ATRs, entry ATRs).
    """
    threshold, calm, stop_k, target_k, entry_k = k[0], k[1], k[2], k[3], k[4]
    out = np.full((6, score.shape[0]), np.nan)
    for i in range(score.shape[0]):
        d = np.sign(score[i]) if abs(score[i]) >= threshold else 0.0
        # clip |score| to [0, 1]; a rising VPIN (NaN: no trend yet) cuts the confidence
        conf = min(max(abs(score[i]), 0.0), 1.0) * (calm if vp_change[i] > 0 else 1.0)
        out[0, i] = d
        out[1, i] = conf if d != 0 else 0.0
        if d == 0 or not np.isfinite(atr[i]):
            continue
        c = close[i]
        stop = c - d * stop_k * atr[i]
        target = c + d * target_k * atr[i]
        near = c - d * entry_k * atr[i]
        lo = min(c, near)
        if stop > 0 and lo > 0 and target > 0:
            out[2, i] = stop
            out[3, i] = lo
            out[4, i] = max(c, near)
            out[5, i] = target
    return out


@njit(cache=True)
def _last_row(
    bars: FloatArray, vp_change: float, ints: IntArray, params: FloatArray, k: FloatArray
) -> FloatArray:
    o, h, lo, c, v, delta = bars[0], bars[1], bars[2], bars[3], bars[4], bars[5]
    r, move = bars[6], bars[7]
    window, memory, atr_bars = ints[0], ints[2], ints[3]
    ab, dv, ex = _events(o, h, lo, c, v, delta, r, move, ints, params)
    ratio = _flow_ratio(v, delta, window)
    scaled = ratio / params[6]
    flow = min(max(0.0 if np.isnan(scaled) else scaled, -1.0), 1.0)  # np.clip(nan_to_0(.))
    t = c.shape[0] - 1
    absorb = recent_at(ab, t, memory)
    diverge = recent_at(dv, t, memory)
    exhaust = recent_at(ex, t, memory)
    total = 0.0  # Python's sum(): 0 + w_flow * flow + ..., then / sum of the weights
    total = total + params[7] * flow
    total = total + params[8] * absorb
    total = total + params[9] * diverge
    total = total + params[10] * exhaust
    score = total / params[11]
    atr = _atr(h, lo, c, atr_bars)
    lv = levels_kernel(np.full(1, score), np.full(1, vp_change), c[t:], np.full(1, atr), k)
    head = np.array([ratio, flow, absorb, diverge, exhaust, score, atr])
    return np.concatenate((head, lv[:, 0]))


ROW = (
    "flow_ratio",
    "flow",
    "absorption",
    "divergence",
    "exhaustion",
    "score",
    "atr",
    "direction",
    "confidence",
    "stop",
    "entry_lo",
    "entry_hi",
    "target",
)


def last_row(
    columns: FloatArray,
    vp_change: float,
    *,
    window: int,
    lookback: int,
    memory: int,
    atr_bars: int,
    params: tuple[float, ...],
    levels: FloatArray,
) -> FloatArray:
    """The last bar's flow ratio, components, score, ATR and levels (in the order of :data:`ROW`).

    ``columns``: rows open, high, low, close, volume, delta, log change, prior ``lookback``-bar
    log move (the last two from numpy on the same bars), over the tail the last bar reads.
    ``params`` = (heavy volume ratio, small range ratio, climax volume ratio, exhaustion move
    sigmas, at-extreme share, flow full ratio, the four weights in the order flow, absorption,
    divergence, exhaustion, their sum); ``levels`` = the ``k`` of :func:`levels_kernel`.
    """
    ints = np.array([window, lookback, memory, atr_bars], dtype=np.int64)
    p = params
    par = np.array([*p[:5], np.sqrt(lookback), *p[5:]], dtype=np.float64)
    return np.asarray(_last_row(columns, vp_change, ints, par, levels), dtype=np.float64)


__all__ = ["ROW", "last_row", "levels_kernel"]
