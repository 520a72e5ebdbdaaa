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
from tradequorum.smc.analysis import SmcAnalysis, analyze
from tradequorum.smc.inputs import F64

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


def _first_hit(*pairs: tuple[F64, F64]) -> np.ndarray:
    """Stack (top, bottom) of the first POI kind that was hit at each bar."""
    top = np.full(len(pairs[0][0]), np.nan)
    bot = top.copy()
    for t_, b_ in pairs:
        take = np.isnan(top) & ~np.isnan(t_)
        top = np.where(take, t_, top)
        bot = np.where(take, b_, bot)
    return np.vstack([top, bot])


def side_inputs(r: SmcAnalysis, bullish: bool) -> dict[str, np.ndarray]:
    """The kernel's inputs for one side; the short side in negated prices."""
    s = 1.0 if bullish else -1.0
    i_, w_ = r.internal, r.swing
    z = r.zones
    a = r.bars
    if bullish:
        ev = (r.sell_side.frame[2], i_.up, w_.up)
        poi = _first_hit(
            (r.ob_bull.hit[0], r.ob_bull.hit[1]),
            (r.ob_bear.hit[2], r.ob_bear.hit[3]),
            (r.fvg_bull.hit_top, r.fvg_bull.hit_bottom),
        )
        ote = np.vstack(
            [
                np.where(z["leg"] > 0, z["ote_lo"], np.nan),
                np.where(z["leg"] > 0, z["ote_hi"], np.nan),
            ]
        )
        tg = [r.buy_side.frame[4], r.buy_side.frame[5], r.sessions["pdh"], z["range_high"]]
        low, zone_ok = a.low, z["position"] < 0.5
    else:
        ev = (r.buy_side.frame[2], i_.dn, w_.dn)
        hits = _first_hit(
            (r.ob_bear.hit[0], r.ob_bear.hit[1]),
            (r.ob_bull.hit[2], r.ob_bull.hit[3]),
            (r.fvg_bear.hit_top, r.fvg_bear.hit_bottom),
        )
        poi = np.vstack([-hits[1], -hits[0]])
        bear = z["leg"] < 0
        ote = np.vstack(
            [np.where(bear, -z["ote_hi"], np.nan), np.where(bear, -z["ote_lo"], np.nan)]
        )
        tg = [-r.sell_side.frame[4], -r.sell_side.frame[5], -r.sessions["pdl"], -z["range_low"]]
        low, zone_ok = -a.high, z["position"] > 0.5
    flags = np.vstack(
        [
            (s * r.htf["htf_bias"] > 0).astype(np.float64),
            (~np.isnan(ev[0])).astype(np.float64),
            ((ev[1] == 2.0) | (ev[2] == 2.0)).astype(np.float64),
            ((ev[1] == 1.0) | (ev[2] == 1.0)).astype(np.float64),
            zone_ok.astype(np.float64),
        ]
    )
    return {"flags": flags, "poi": poi, "ote": ote, "low": low, "close": s * a.close,
            "targets": np.vstack(tg)}  # fmt: skip


def _weights(cfg: SmcConfig) -> F64:
    w = cfg.weights
    return np.array([w.htf_bias, w.sweep, w.choch, w.bos, w.zone, w.poi], dtype=np.float64)


def signal_arrays(r: SmcAnalysis, cfg: SmcConfig) -> dict[str, F64]:
    """The signal columns (see :data:`COLUMNS`) as arrays, from an analysis."""
    out = {}
    for name, bullish in (("bull", True), ("bear", False)):
        x = side_inputs(r, bullish)
        out[name] = side_kernel(
            x["flags"], x["poi"], x["ote"], x["low"], x["close"], r.atr, x["targets"],
            _weights(cfg), cfg.signal_lookback, cfg.stop_buffer_atr,
        )  # fmt: skip
    bc, bok, blo, bhi, bst, btg = out["bull"]
    sc, sok, slo, shi, sst, stg = out["bear"]
    gate_b = bok > 0 if cfg.require_structure else np.ones(len(bc), bool)
    gate_s = sok > 0 if cfg.require_structure else np.ones(len(sc), bool)
    bull = (bc >= cfg.min_confidence) & gate_b & (bc > sc)
    bear = (sc >= cfg.min_confidence) & gate_s & (sc > bc)
    nan = np.full(len(bc), np.nan)
    return {
        "direction": np.where(bull, 1.0, np.where(bear, -1.0, 0.0)),
        "confidence": np.where(bull, bc, np.where(bear, sc, 0.0)),
        "stop": np.where(bull, bst, np.where(bear, -sst, nan)),
        "entry_lo": np.where(bull, blo, np.where(bear, -shi, nan)),
        "entry_hi": np.where(bull, bhi, np.where(bear, -slo, nan)),
        "target": np.where(bull, btg, np.where(bear, -stg, nan)),
        "bull_score": bc,
        "bear_score": sc,
    }


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
    evidence list."""
    from tradequorum.smc.evidence import collect_evidence

    cfg = cfg or SmcConfig()
    r = analysis if analysis is not None else analyze(bars, cfg, timeframe=timeframe)
    arrs = signal_arrays(r, cfg)
    row = {c: float(arrs[c][-1]) for c in COLUMNS}
    direction = Direction.from_sign(row["direction"])
    evidence: list[Evidence] = collect_evidence(r, cfg, direction)
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


__all__ = ["COLUMNS", "compute_signal_frame", "latest_signal", "side_kernel", "signal_arrays"]
