"""The SMC signal: a documented, configurable confluence score per side (DESIGN §4).

For the long side at bar t (the short side is the same kernel on negated prices), with ``L`` =
``signal_lookback`` bars and the weights of :class:`~tradequorum.config.smc.SmcWeights`:

* ``htf_bias``  the higher-timeframe structure is bullish;
* ``sweep``     sell-side liquidity was swept within the last L bars;
* ``choch``     a bullish CHoCH (internal or swing) within L bars — else ``bos`` for a bullish BOS;
* ``zone``      the close is in discount (below the dealing range's equilibrium);
* ``poi``       the bar touched, for the first time, an unmitigated bullish order block, bullish
                breaker or bullish fair value gap and closed above its bottom.

``confidence = hits / (htf_bias + sweep + max(choch, bos) + zone + poi)``. A side is taken when its
confidence reaches ``min_confidence``, beats the other side, and (``require_structure``) a CHoCH or
BOS of that side happened within L bars. Entry zone: the touched POI, else the OTE band of the leg,
else the close. Stop: ``stop_buffer_atr`` ATR beyond the lower of the entry and the lowest low of
the last L bars (the invalidation). Target: the nearest opposing liquidity above the close — a
resting equal-highs pool, else a single swing high, else the previous day's high, else the range
high. Every value at t uses bars <= t only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from tradequorum.config.smc import SmcConfig
from tradequorum.core.types import Direction, Evidence, Signal
from tradequorum.smc.analysis import SmcAnalysis, analyze, bar_arrays
from tradequorum.smc.inputs import F64
from tradequorum.smc.signal_inputs import (
    ROW,
    SignalInputs,
    inputs_from_analysis,
    latest_inputs,
    tail_start,
)

COLUMNS = ("direction", "confidence", "stop", "entry_lo", "entry_hi", "target")


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


def _weights(cfg: SmcConfig) -> F64:
    w = cfg.weights
    return np.array([w.htf_bias, w.sweep, w.choch, w.bos, w.zone, w.poi], dtype=np.float64)


def signal_from_inputs(x: SignalInputs, cfg: SmcConfig) -> dict[str, F64]:
    """The signal columns (see :data:`COLUMNS`) plus ``bull_score``/``bear_score`` as arrays
    over the bars of ``x``."""
    out = signal_kernel(x.data, _weights(cfg), cfg.signal_lookback, cfg.stop_buffer_atr,
                        cfg.min_confidence, cfg.require_structure)  # fmt: skip
    return dict(zip((*COLUMNS, "bull_score", "bear_score"), out, strict=True))


def signal_arrays(r: SmcAnalysis, cfg: SmcConfig) -> dict[str, F64]:
    """The signal columns (see :data:`COLUMNS`) as arrays, from an analysis."""
    return signal_from_inputs(inputs_from_analysis(r), cfg)


def compute_signal_frame(
    bars: pd.DataFrame, cfg: SmcConfig | None = None, *, timeframe: str | None = None
) -> pd.DataFrame:
    """Per-bar SMC signal on the bars' index: ``direction`` (-1/0/+1), ``confidence``, ``stop``,
    ``entry_lo``, ``entry_hi``, ``target`` (NaN when neutral). Causal: row t uses bars <= t."""
    cfg = cfg or SmcConfig()
    arrs = signal_arrays(analyze(bars, cfg, timeframe=timeframe), cfg)
    return pd.DataFrame({c: arrs[c] for c in COLUMNS}, index=bars.index)


def _positive(x: float) -> float | None:
    return x if np.isfinite(x) and x > 0 else None


def latest_signal(
    bars: pd.DataFrame,
    cfg: SmcConfig | None = None,
    *,
    symbol: str,
    timeframe: str,
    analysis: SmcAnalysis | None = None,
) -> Signal:
    """The signal of the last bar, equal to the last row of :func:`compute_signal_frame`, with its
    evidence list.

    Without ``analysis``, the path-dependent kernels run over the whole window and the score and
    evidence only on the last ``signal_lookback + 1`` bars they read (see
    :mod:`tradequorum.smc.signal_inputs`); the result is the same to the last bit."""
    from tradequorum.smc.evidence import collect_evidence

    cfg = cfg or SmcConfig()
    if analysis is not None:
        x = inputs_from_analysis(analysis, tail_start(len(analysis.bars), cfg))
    else:
        x = latest_inputs(bar_arrays(bars), cfg, timeframe=timeframe)
    arrs = signal_from_inputs(x, cfg)
    row = {c: float(arrs[c][-1]) for c in COLUMNS}
    direction = Direction.from_sign(row["direction"])
    evidence: list[Evidence] = collect_evidence(x, cfg, direction)
    entry = None
    lo, hi = _positive(row["entry_lo"]), _positive(row["entry_hi"])
    if lo is not None and hi is not None:
        entry = (lo, hi)
    tgt = _positive(row["target"])
    return Signal(
        source="smc",
        symbol=symbol,
        timeframe=timeframe,
        timestamp=bars.index[-1].to_pydatetime(),
        direction=direction,
        confidence=row["confidence"],
        evidence=evidence,
        suggested_entry=entry,
        stop=_positive(row["stop"]),
        targets=[tgt] if tgt is not None else None,
    )


__all__ = [
    "COLUMNS",
    "compute_signal_frame",
    "latest_signal",
    "side_inputs",
    "side_kernel",
    "signal_arrays",
    "signal_from_inputs",
    "signal_kernel",
]
