"""The SMC score's numba kernels and the rows of its input matrix (see :mod:`.signals`).

:data:`ROWS` names the per-bar inputs the score and the evidence read; :func:`signal_kernel`
scores both sides of every column of such a matrix (the whole window for the frame, the last
``signal_lookback + 1`` bars for the latest signal: the score at t reads bars t-L..t only).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from tradequorum.config.smc import SmcConfig
from tradequorum.smc.inputs import F64

ROWS: tuple[str, ...] = (
    "high", "low", "close", "atr", "htf_bias", "position", "zone", "leg", "ote_lo", "ote_hi",
    "range_high", "range_low", "pdh", "pdl",
    "bsl_pool", "bsl_single", "bsl_swept", "ssl_pool", "ssl_single", "ssl_swept",
    "int_up", "int_dn", "int_up_level", "int_dn_level",
    "sw_up", "sw_dn", "sw_up_level", "sw_dn_level",
    "bull_ob_top", "bull_ob_bottom", "bull_brk_top", "bull_brk_bottom",
    "bull_fvg_top", "bull_fvg_bottom",
    "bear_ob_top", "bear_ob_bottom", "bear_brk_top", "bear_brk_bottom",
    "bear_fvg_top", "bear_fvg_bottom",
)  # fmt: skip
"""Rows of :attr:`SignalInputs.data`. Structure codes: 1 BOS, 2 CHoCH (``int_`` internal, ``sw_``
swing) with the broken levels; liquidity: nearest resting pool / single level beyond the close and
the level swept at the bar (``bsl`` buy-side, ``ssl`` sell-side); POI hits: top/bottom of a first
touch at the bar (NaN = none), ``brk`` = breaker (a broken block of the other side)."""
ROW = {name: i for i, name in enumerate(ROWS)}
AT_ROWS = ROWS[4:14]
"""The rows :func:`assemble_rows` takes precomputed (``at``): HTF bias, zones, previous day."""
SIGNAL_ROWS = ("direction", "confidence", "stop", "entry_lo", "entry_hi", "target", "bull_score",
               "bear_score")  # fmt: skip
"""Rows of :func:`signal_kernel`'s output."""


@njit(cache=True)
def side_kernel(
    flags: np.ndarray, poi: np.ndarray, ote: np.ndarray, low: F64, close: F64, atr: F64,
    targets: np.ndarray, w: F64, lookback: int, buffer_atr: float,
) -> tuple[F64, F64, F64, F64, F64, F64]:  # fmt: skip  # pragma: no cover - numba
    """flags rows: bias, sweep event, choch event, bos event, in-zone (0/1 floats); poi rows
    top/bottom (NaN = no hit); ote rows lo/hi; targets rows in priority order."""
    m = len(close)
    conf = np.zeros(m)
    ok = np.zeros(m)
    e_lo = np.full(m, np.nan)
    e_hi = np.full(m, np.nan)
    stop = np.full(m, np.nan)
    tgt = np.full(m, np.nan)
    total = w[0] + w[1] + max(w[2], w[3]) + w[4] + w[5]
    last = np.full(3, -(10**12), np.int64)
    for t in range(m):
        for r in range(3):
            if flags[r + 1, t] > 0:
                last[r] = t
        sw = t - last[0] <= lookback
        ch = t - last[1] <= lookback
        bo = t - last[2] <= lookback
        hit = not np.isnan(poi[0, t])
        s = w[0] * flags[0, t] + (w[1] if sw else 0.0) + w[4] * flags[4, t]
        s += w[2] if ch else (w[3] if bo else 0.0)
        s += w[5] if hit else 0.0
        conf[t] = min(1.0, s / total) if total > 0 else 0.0
        ok[t] = 1.0 if (ch or bo) else 0.0
        if hit:
            e_lo[t], e_hi[t] = poi[1, t], poi[0, t]
        elif not np.isnan(ote[0, t]):
            e_lo[t], e_hi[t] = ote[0, t], ote[1, t]
        else:
            e_lo[t], e_hi[t] = close[t], close[t]
        lowest = low[t]
        for j in range(max(0, t - lookback), t):
            lowest = min(lowest, low[j])
        buf = buffer_atr * atr[t] if atr[t] > 0 else 0.0
        stop[t] = min(e_lo[t], lowest) - buf
        for r in range(targets.shape[0]):
            v = targets[r, t]
            if v > close[t]:
                tgt[t] = v
                break
    return conf, ok, e_lo, e_hi, stop, tgt


_BULL_POI = ROW["bull_ob_top"]  # ob, breaker, fvg: (top, bottom) pairs, bearish mirrored after
_BEAR_POI = ROW["bear_ob_top"]
_HIGH, _LOW, _CLOSE, _ATR, _BIAS = (
    ROW["high"],
    ROW["low"],
    ROW["close"],
    ROW["atr"],
    ROW["htf_bias"],
)
_POS, _LEG, _OTE_LO, _OTE_HI = ROW["position"], ROW["leg"], ROW["ote_lo"], ROW["ote_hi"]
_BULL_EV = (ROW["ssl_swept"], ROW["int_up"], ROW["sw_up"])
_BEAR_EV = (ROW["bsl_swept"], ROW["int_dn"], ROW["sw_dn"])
_BULL_TG = (ROW["bsl_pool"], ROW["bsl_single"], ROW["pdh"], ROW["range_high"])
_BEAR_TG = (ROW["ssl_pool"], ROW["ssl_single"], ROW["pdl"], ROW["range_low"])


@njit(cache=True)
def side_inputs(x: np.ndarray, bullish: bool):  # type: ignore[no-untyped-def]  # pragma: no cover - numba
    """The :func:`side_kernel` inputs for one side from the :data:`ROWS` matrix ``x``; the short
    side in negated prices. POI: the first of order block, breaker, FVG hit at the bar."""
    k = x.shape[1]
    s = 1.0 if bullish else -1.0
    base = _BULL_POI if bullish else _BEAR_POI
    ev = _BULL_EV if bullish else _BEAR_EV
    tg = _BULL_TG if bullish else _BEAR_TG
    flags = np.zeros((5, k))
    poi = np.full((2, k), np.nan)
    ote = np.full((2, k), np.nan)
    targets = np.empty((4, k))
    low = x[_LOW].copy() if bullish else -x[_HIGH]
    for t in range(k):
        top = np.nan
        bot = np.nan
        for j in range(3):
            if np.isnan(top) and not np.isnan(x[base + 2 * j, t]):
                top, bot = x[base + 2 * j, t], x[base + 2 * j + 1, t]
        if bullish:
            poi[0, t], poi[1, t] = top, bot
            if x[_LEG, t] > 0:
                ote[0, t], ote[1, t] = x[_OTE_LO, t], x[_OTE_HI, t]
        else:
            poi[0, t], poi[1, t] = -bot, -top
            if x[_LEG, t] < 0:
                ote[0, t], ote[1, t] = -x[_OTE_HI, t], -x[_OTE_LO, t]
        for r in range(4):
            targets[r, t] = x[tg[r], t] if bullish else -x[tg[r], t]
        flags[0, t] = 1.0 if s * x[_BIAS, t] > 0 else 0.0
        flags[1, t] = 0.0 if np.isnan(x[ev[0], t]) else 1.0
        flags[2, t] = 1.0 if (x[ev[1], t] == 2.0 or x[ev[2], t] == 2.0) else 0.0
        flags[3, t] = 1.0 if (x[ev[1], t] == 1.0 or x[ev[2], t] == 1.0) else 0.0
        zone_ok = x[_POS, t] < 0.5 if bullish else x[_POS, t] > 0.5
        flags[4, t] = 1.0 if zone_ok else 0.0
    return flags, poi, ote, low, s * x[_CLOSE], targets


@njit(cache=True)
def signal_kernel(  # type: ignore[no-untyped-def]  # pragma: no cover - numba
    x: np.ndarray, w: F64, lookback: int, buffer_atr: float, min_conf: float, require: bool
):
    """Rows direction, confidence, stop, entry_lo, entry_hi, target, bull score, bear score."""
    k = x.shape[1]
    fl, poi, ote, low, close, tg = side_inputs(x, True)
    bc, bok, blo, bhi, bst, btg = side_kernel(fl, poi, ote, low, close, x[_ATR], tg, w, lookback,
                                              buffer_atr)  # fmt: skip
    fl, poi, ote, low, close, tg = side_inputs(x, False)
    sc, sok, slo, shi, sst, stg = side_kernel(fl, poi, ote, low, close, x[_ATR], tg, w, lookback,
                                              buffer_atr)  # fmt: skip
    out = np.full((8, k), np.nan)
    for t in range(k):
        bull = bc[t] >= min_conf and (bok[t] > 0 or not require) and bc[t] > sc[t]
        bear = sc[t] >= min_conf and (sok[t] > 0 or not require) and sc[t] > bc[t]
        out[0, t] = 1.0 if bull else (-1.0 if bear else 0.0)
        out[1, t] = bc[t] if bull else (sc[t] if bear else 0.0)
        if bull:
            out[2, t], out[3, t], out[4, t], out[5, t] = bst[t], blo[t], bhi[t], btg[t]
        elif bear:
            out[2, t], out[3, t], out[4, t], out[5, t] = -sst[t], -shi[t], -slo[t], -stg[t]
        out[6, t], out[7, t] = bc[t], sc[t]
    return out


@njit(cache=True)
def _put(x: np.ndarray, r: int, src: F64, start: int) -> None:  # pragma: no cover - numba
    """Row ``r`` of ``x`` <- ``src[start:]`` (a plain loop: compact code, sequential memory)."""
    for t in range(x.shape[1]):
        x[r, t] = src[start + t]


@njit(cache=True)
def assemble_rows(  # type: ignore[no-untyped-def]  # pragma: no cover - numba
    start: int, high: F64, low: F64, close: F64, atr: F64, at: np.ndarray,
    bs: np.ndarray, ss: np.ndarray, internal: tuple, swing: tuple,  # type: ignore[type-arg]
    ob_u: np.ndarray, ob_d: np.ndarray, fu_t: F64, fu_b: F64, fd_t: F64, fd_b: F64,
):  # fmt: skip
    """The :data:`ROWS` matrix of bars ``start..`` from full-window kernel outputs: liquidity
    frames ``bs``/``ss``, structure-kernel tuples, bullish/bearish OB ``hit`` arrays, bullish and
    bearish FVG hit top/bottom; ``at``: the :data:`AT_ROWS` already computed on those bars."""
    x = np.empty((len(ROWS), len(close) - start))
    _put(x, 0, high, start)
    _put(x, 1, low, start)
    _put(x, 2, close, start)
    for j in range(10):
        _put(x, 4 + j, at[j], 0)
    iu, idn, iul, idl = internal[1], internal[2], internal[3], internal[4]
    su, sdn, sul, sdl = swing[1], swing[2], swing[3], swing[4]
    rest = (atr, bs[4], bs[5], bs[2], ss[4], ss[5], ss[2], iu, idn, iul, idl, su, sdn, sul, sdl,
            ob_u[0], ob_u[1], ob_d[2], ob_d[3], fu_t, fu_b,  # bull: OB, breaker (bear OB), FVG
            ob_d[0], ob_d[1], ob_u[2], ob_u[3], fd_t, fd_b)  # fmt: skip
    for j in range(len(rest)):  # rows 3, then 14..39 in ROWS order
        _put(x, 3 if j == 0 else 13 + j, rest[j], start)
    return x


def score_weights(cfg: SmcConfig) -> F64:
    w = cfg.weights
    return np.array([w.htf_bias, w.sweep, w.choch, w.bos, w.zone, w.poi], dtype=np.float64)


__all__ = [
    "AT_ROWS",
    "ROW",
    "ROWS",
    "SIGNAL_ROWS",
    "assemble_rows",
    "score_weights",
    "side_inputs",
    "side_kernel",
    "signal_kernel",
]
