"""The microstructure analyst's signal: a documented, configurable score of order-flow evidence.

Components, each in [-1, 1] (positive = bullish), all causal (bar t uses bars <= t):

* ``flow``: rolling delta / rolling volume over ``window_bars``, divided by ``flow_full_ratio``
  and clipped (a 15% net taker imbalance scores 1 by default);
* ``absorption``: an absorption event (see :mod:`volume`) in the last ``event_memory_bars`` bars,
  counted only where it matters: bullish absorption at lows (close in the lowest
  ``at_extreme_position`` share of the window's range), bearish absorption at highs;
* ``divergence``: a price/delta divergence in the last ``event_memory_bars`` bars;
* ``exhaustion``: a climactic exhaustion bar in the last ``event_memory_bars`` bars.

``score = sum(w_i * c_i) / sum(w_i)``; direction = sign(score) when ``|score| >=
score_threshold``, else neutral. Confidence = ``|score|``, cut by ``vpin_rising_penalty`` (30%)
when VPIN is rising (toxic flow makes the reading less reliable), 0 when neutral. So strong
positive delta with absorption at lows and falling VPIN gives the most confident bullish signal.
Levels (price): stop ``stop_atr`` ATRs beyond the close, target ``target_atr`` ATRs, entry zone
from the close ``entry_atr`` ATRs towards the stop; NaN when neutral.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tradequorum.config.microstructure import MicrostructureConfig
from tradequorum.core.bars import FloatArray
from tradequorum.core.errors import DataError
from tradequorum.core.types import Direction, Evidence, Signal
from tradequorum.microstructure.arrays import FlowArrays, flow_arrays
from tradequorum.microstructure.features import warmup_bars
from tradequorum.microstructure.last_row import ROW, last_row, levels_kernel
from tradequorum.microstructure.signed_volume import (
    SignedVolume,
    bvc_buy_fraction,
    chosen_method,
    classify_arrays,
    delta_divergence,
    log_changes,
    safe_ratio,
)
from tradequorum.microstructure.toxicity import BucketGrid, vpin
from tradequorum.microstructure.volume import absorption, exhaustion, prior_move, ratio_to_prev
from tradequorum.microstructure.windows import (
    recent_nonzero,
    rolling_max_min,
    rolling_mean,
    rolling_sum,
)

SOURCE = "microstructure"
SIGNAL_COLUMNS = ("direction", "confidence", "stop", "entry_lo", "entry_hi", "target")


@dataclass(frozen=True, slots=True)
class SignalCore:
    """Every array the score is made of (kept for the evidence of the latest signal)."""

    method: str
    flow_ratio: FloatArray
    components: dict[str, FloatArray]
    score: FloatArray
    vpin: FloatArray
    vpin_change: FloatArray
    atr: FloatArray
    levels: dict[str, FloatArray]


def _true_range_mean(high: FloatArray, low: FloatArray, close: FloatArray, n: int) -> FloatArray:
    prev = np.concatenate((close[:1], close[:-1]))
    tr = np.maximum(high, prev) - np.minimum(low, prev)
    return rolling_mean(tr, n, n, 0)


def _at_extremes(
    abs_evt: FloatArray,
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    window: int,
    share: float,
) -> FloatArray:
    hi, _ = rolling_max_min(high, window)
    _, lo = rolling_max_min(low, window)
    pos = safe_ratio(close - lo, hi - lo)
    with np.errstate(invalid="ignore"):
        keep = ((abs_evt > 0) & (pos <= share)) | ((abs_evt < 0) & (pos >= 1.0 - share))
    return np.where(keep, abs_evt, 0.0)


def _nan_to_zero(x: FloatArray) -> FloatArray:
    """NaN -> 0 (infinities are kept: the flow score clips them to +-1 anyway)."""
    return np.where(np.isnan(x), 0.0, x)


def _weights(cfg: MicrostructureConfig) -> dict[str, float]:
    weights = {
        "flow": cfg.w_flow,
        "absorption": cfg.w_absorption,
        "divergence": cfg.w_divergence,
        "exhaustion": cfg.w_exhaustion,
    }
    if sum(weights.values()) <= 0:
        raise DataError("microstructure signal weights sum to 0; set at least one w_* > 0")
    return weights


def _scores(
    o: FloatArray,
    h: FloatArray,
    lo: FloatArray,
    c: FloatArray,
    v: FloatArray,
    delta: FloatArray,
    cfg: MicrostructureConfig,
) -> tuple[FloatArray, dict[str, FloatArray], FloatArray]:
    """The rolling flow ratio, the four components and the score on every bar given (causal)."""
    w, mem = cfg.window_bars, cfg.event_memory_bars
    ratio = safe_ratio(rolling_sum(delta, w, w), rolling_sum(v, w, w))
    vol_ratio = ratio_to_prev(v, w)
    evt = absorption(
        o,
        h,
        lo,
        c,
        vol_ratio,
        delta,
        window=w,
        heavy_ratio=cfg.heavy_volume_ratio,
        small_range=cfg.small_range_ratio,
    )
    exh = exhaustion(
        h,
        lo,
        c,
        vol_ratio,
        log_changes(o, c),
        window=w,
        lookback=cfg.divergence_bars,
        climax_ratio=cfg.climax_volume_ratio,
        move_sigma=cfg.exhaustion_move_sigma,
    )
    comps = {
        "flow": np.clip(_nan_to_zero(ratio / cfg.flow_full_ratio), -1.0, 1.0),
        "absorption": recent_nonzero(_at_extremes(evt, h, lo, c, w, cfg.at_extreme_position), mem),
        "divergence": recent_nonzero(delta_divergence(c, delta, cfg.divergence_bars), mem),
        "exhaustion": recent_nonzero(exh, mem),
    }
    weights = _weights(cfg)
    total_w = sum(weights.values())
    score = np.asarray(sum(weights[k] * comps[k] for k in comps) / total_w, dtype=np.float64)
    return ratio, comps, score


def _vpin_kw(cfg: MicrostructureConfig) -> dict[str, int]:
    return {
        "n_buckets": cfg.vpin_buckets,
        "buckets_per_day": cfg.vpin_buckets_per_day,
        "change_buckets": cfg.vpin_change_buckets,
    }


def signal_core(bars: pd.DataFrame, cfg: MicrostructureConfig) -> SignalCore:
    """Compute the score, its components and the levels on every bar (causal)."""
    a = flow_arrays(bars)
    sv = classify_arrays(
        a,
        method=cfg.flow_method,
        bvc_window=cfg.bvc_window,
        distribution=cfg.bvc_distribution,
        df=cfg.bvc_df,
    )
    ratio, comps, score = _scores(a.open, a.high, a.low, a.close, a.volume, sv.delta, cfg)
    vp, vp_change = vpin(bars.index, a.volume, sv.buy_volume, **_vpin_kw(cfg))
    atr = _true_range_mean(a.high, a.low, a.close, cfg.atr_bars)
    return SignalCore(
        sv.method,
        ratio,
        comps,
        score,
        vp,
        vp_change,
        atr,
        _levels(score, vp_change, a.close, atr, cfg),
    )


def tail_bars(cfg: MicrostructureConfig) -> int:
    """Bars the last bar's score components and ATR are made of (finite windows), given the delta.

    An event counts for ``event_memory_bars``; each event looks back at most ``max(window_bars,
    divergence_bars, atr_bars)`` bars plus the previous close (one bar more is kept as margin).
    """
    return cfg.event_memory_bars + max(cfg.window_bars, cfg.divergence_bars, cfg.atr_bars) + 1


def _last_buy(
    a: FlowArrays, grid: BucketGrid, cfg: MicrostructureConfig, start: int
) -> SignedVolume:
    """Buyer volume exact on the bars the last row needs (``start`` on, and VPIN's buckets)."""
    method = chosen_method(a, cfg.flow_method)
    if method != "bvc":  # taker: elementwise; tick: path-dependent, so on every bar (cheap)
        return classify_arrays(a, method=method)
    first = min(start, grid.first_needed(cfg.vpin_buckets, cfg.vpin_change_buckets))
    buy = np.zeros_like(a.volume)  # bars before `first` are read by nothing below
    buy[first:] = a.volume[first:] * bvc_buy_fraction(
        a.open,
        a.close,
        window=cfg.bvc_window,
        distribution=cfg.bvc_distribution,
        df=cfg.bvc_df,
        start=first,
    )
    return SignedVolume(buy_volume=buy, delta=2.0 * buy - a.volume, method="bvc")


def _latest(bars: pd.DataFrame, cfg: MicrostructureConfig) -> tuple[SignalCore, float]:
    a = flow_arrays(bars)
    n = a.close.shape[0]
    start = max(0, n - tail_bars(cfg))
    grid = BucketGrid.of(a.times_ns, a.volume, cfg.vpin_buckets_per_day)
    sv = _last_buy(a, grid, cfg, start)
    vp, vp_change = grid.last(sv.buy_volume, cfg.vpin_buckets, cfg.vpin_change_buckets)
    t = slice(start, n)
    o, h, lo, c = a.open[t], a.high[t], a.low[t], a.close[t]
    weights = tuple(_weights(cfg).values())
    row = last_row(
        np.stack(
            (
                o,
                h,
                lo,
                c,
                a.volume[t],
                sv.delta[t],
                log_changes(o, c),
                prior_move(c, cfg.divergence_bars),
            )
        ),
        float(vp_change[0]),
        window=cfg.window_bars,
        lookback=cfg.divergence_bars,
        memory=cfg.event_memory_bars,
        atr_bars=cfg.atr_bars,
        params=(
            cfg.heavy_volume_ratio,
            cfg.small_range_ratio,
            cfg.climax_volume_ratio,
            cfg.exhaustion_move_sigma,
            cfg.at_extreme_position,
            cfg.flow_full_ratio,
            *weights,
            sum(weights),
        ),
        levels=_level_params(cfg),
    )
    arr = {k: row[i : i + 1] for i, k in enumerate(ROW)}  # views of length 1
    comps = {k: arr[k] for k in ("flow", "absorption", "divergence", "exhaustion")}
    levels = {k: arr[k] for k in SIGNAL_COLUMNS}
    core = SignalCore(
        sv.method, arr["flow_ratio"], comps, arr["score"], vp, vp_change, arr["atr"], levels
    )
    return core, float(a.close[-1])


def latest_core(bars: pd.DataFrame, cfg: MicrostructureConfig) -> SignalCore:
    """:func:`signal_core` of the last bar only (every array of length 1), the same numbers.

    The score's rolling windows are finite, so they are computed on the last :func:`tail_bars`
    bars; VPIN runs over the whole window (its buckets depend on all of it); under BVC the buy
    share is computed only where VPIN's last buckets and the tail read it.
    """
    return _latest(bars, cfg)[0]


def _level_params(cfg: MicrostructureConfig) -> FloatArray:
    return np.array(
        [
            cfg.score_threshold,
            1.0 - cfg.vpin_rising_penalty,
            cfg.stop_atr,
            cfg.target_atr,
            cfg.entry_atr,
        ]
    )


def _levels(
    score: FloatArray,
    vp_change: FloatArray,
    close: FloatArray,
    atr: FloatArray,
    cfg: MicrostructureConfig,
) -> dict[str, FloatArray]:
    """Direction, confidence and price levels per bar (see the module docstring)."""
    rows = levels_kernel(
        np.ascontiguousarray(score),
        np.ascontiguousarray(vp_change),
        close,
        atr,
        _level_params(cfg),
    )
    return dict(zip(SIGNAL_COLUMNS, rows, strict=True))


def compute_signal_frame(bars: pd.DataFrame, cfg: MicrostructureConfig) -> pd.DataFrame:
    """Signal columns ``direction confidence stop entry_lo entry_hi target`` on the bars' index."""
    core = signal_core(bars, cfg)
    return pd.DataFrame(
        {k: core.levels[k] for k in SIGNAL_COLUMNS}, index=bars.index, dtype=np.float64
    )


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _evidence(core: SignalCore, close: float) -> list[Evidence]:
    i = -1
    items: list[dict[str, Any]] = [
        {
            "kind": "order_flow",
            "method": core.method,
            "delta_ratio": _num(core.flow_ratio[i]),
            "score": _num(core.components["flow"][i]),
        },
        {"kind": "vpin", "value": _num(core.vpin[i]), "change": _num(core.vpin_change[i])},
        {
            "kind": "score",
            "value": float(core.score[i]),
            "components": {k: float(v[i]) for k, v in core.components.items()},
        },
    ]
    for name in ("absorption", "divergence", "exhaustion"):
        val = float(core.components[name][i])
        if val != 0.0:
            items.append({"kind": name, "side": Direction.from_sign(val).value, "close": close})
    return [Evidence(**e) for e in items]


def signal_at_last(
    core: SignalCore,
    bars: pd.DataFrame,
    *,
    symbol: str,
    timeframe: str,
    close: float | None = None,
) -> Signal:
    """The Signal of the last bar of ``bars`` from a core (full, or last-bar only: same numbers).

    ``close``: the last close when the caller has it (saves a column read).
    """
    lv = {k: float(core.levels[k][-1]) for k in SIGNAL_COLUMNS}
    if close is None:
        close = float(bars["close"].to_numpy()[-1])
    live = lv["direction"] != 0 and np.isfinite(lv["stop"])
    return Signal(
        source=SOURCE,
        symbol=symbol,
        timeframe=timeframe,
        timestamp=bars.index[-1].to_pydatetime(),
        direction=Direction.from_sign(lv["direction"]),
        confidence=lv["confidence"],
        evidence=_evidence(core, close),
        suggested_entry=(lv["entry_lo"], lv["entry_hi"]) if live else None,
        stop=lv["stop"] if live else None,
        targets=[lv["target"]] if live else None,
    )


def latest_signal(
    bars: pd.DataFrame, cfg: MicrostructureConfig, *, symbol: str, timeframe: str
) -> Signal:
    """The signal of the last bar: same numbers as the last row of :func:`compute_signal_frame`.

    Computed by :func:`latest_core` (the last bar only); equal to
    ``signal_at_last(signal_core(bars, cfg), bars, ...)`` field for field (tested).
    """
    if len(bars) == 0:
        raise DataError("no bars to compute a microstructure signal on")
    core, close = _latest(bars, cfg)
    return signal_at_last(core, bars, symbol=symbol, timeframe=timeframe, close=close)


__all__ = [
    "SIGNAL_COLUMNS",
    "SOURCE",
    "SignalCore",
    "compute_signal_frame",
    "latest_core",
    "latest_signal",
    "signal_at_last",
    "signal_core",
    "tail_bars",
    "warmup_bars",
]
