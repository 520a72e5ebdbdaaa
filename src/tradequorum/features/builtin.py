"""Built-in price features: returns and volatility at several horizons, classic indicators.

All values are scale-free (log returns, ratios to price, oscillators) so a model trained on one
price level applies at another. Each is causal (bars ``<= t``); warm-ups are declared exactly:
rolling windows need ``w`` bars, exponential smoothers :func:`~.kernels.ema_warmup` bars.
Indicators: Wilder (1978) RSI and ATR, Appel's MACD, Bollinger bands, Lane's stochastic %K,
Parkinson (1980) range volatility.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tradequorum.core.bars import FloatArray
from tradequorum.features import kernels as k
from tradequorum.features.registry import FeatureRegistry, FeatureSpec
from tradequorum.features.shared import bar_column as column
from tradequorum.features.shared import memoized

RETURN_HORIZONS = (1, 5, 15, 60, 240)
VOL_WINDOWS = (15, 60, 240)


def _ret(bars: Any, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    return k.log_return(column(bars, "close"), int(p["horizon"]))


def _vol(bars: Any, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    r = k.log_return(column(bars, "close"), 1)
    return k.rolling_std(r, int(p["window"]))


def _parkinson(bars: Any, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    return k.parkinson_vol(column(bars, "high"), column(bars, "low"), int(p["window"]))


def _range_rel(bars: Any, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    return (column(bars, "high") - column(bars, "low")) / column(bars, "close")


def _body_pos(bars: Any, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    hi, lo = column(bars, "high"), column(bars, "low")
    rng = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (column(bars, "close") - lo) / rng
    return np.where(rng > 0, out, 0.5)


def _rsi(bars: Any, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    return k.rsi(column(bars, "close"), int(p["period"]))


def _atr_rel(bars: Any, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    c = column(bars, "close")
    tr = k.true_range(column(bars, "high"), column(bars, "low"), c)
    return k.ema(tr / c, 1.0 / int(p["period"]))


def _macd_parts(bars: Any, p: Mapping[str, Any]) -> tuple[FloatArray, FloatArray]:
    """MACD line and signal, computed once per build for ``macd_rel`` and ``macd_hist_rel``."""
    spans = (int(p["fast"]), int(p["slow"]), int(p["signal"]))

    def compute() -> tuple[FloatArray, FloatArray]:
        c = column(bars, "close")
        fast = k.ema(c, 2.0 / (spans[0] + 1))
        slow = k.ema(c, 2.0 / (spans[1] + 1))
        macd = (fast - slow) / c
        return macd, k.ema(macd, 2.0 / (spans[2] + 1))

    return memoized(bars, ("macd", spans), compute)


def _macd(bars: Any, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    return _macd_parts(bars, p)[0]


def _macd_hist(bars: Any, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    macd, sig = _macd_parts(bars, p)
    return macd - sig


def _bb_pos(bars: Any, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    c = column(bars, "close")
    return k.rolling_zscore(c, int(p["window"])) / float(p["n_std"])


def _bb_width(bars: Any, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    c = column(bars, "close")
    w = int(p["window"])
    return 2.0 * float(p["n_std"]) * k.rolling_std(c, w) / k.rolling_mean(c, w)


def _stoch_k(bars: Any, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    w = int(p["window"])
    hh = k.rolling_max(column(bars, "high"), w)
    ll = k.rolling_min(column(bars, "low"), w)
    rng = hh - ll
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (column(bars, "close") - ll) / rng
    return np.where(rng > 0, out, np.where(np.isnan(rng), np.nan, 0.5))


def _ema_dist(bars: Any, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    c = column(bars, "close")
    return c / k.ema(c, 2.0 / (int(p["span"]) + 1)) - 1.0


def _volume_z(bars: Any, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    return k.rolling_zscore(np.log1p(column(bars, "volume")), int(p["window"]))


def _taker_imbalance(bars: Any, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    v = column(bars, "volume")
    buy = column(bars, "taker_buy_volume")
    w = int(p["window"])
    num = k.rolling_mean(2.0 * buy - v, w)
    den = k.rolling_mean(v, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    return np.where(den > 0, out, np.where(np.isnan(den), np.nan, 0.0))


def _ema_bars(span: int) -> int:
    return k.ema_warmup(2.0 / (span + 1))


def _window(lookback: int) -> dict[str, Any]:
    """Spec keywords of a finite-window feature: row ``t`` uses rows ``t - lookback .. t`` only
    (rolling kernels recompute each window from scratch), read as arrays."""
    return {"arrays": True, "lookback": lookback}


def price_specs() -> list[FeatureSpec]:
    """Returns, volatility and classic indicators (group ``price``)."""
    specs = [
        FeatureSpec(
            f"ret_{h}",
            _ret,
            {"horizon": h},
            h,
            group="returns",
            description=f"ln(C_t/C_t-{h})",
            **_window(h),
        )
        for h in RETURN_HORIZONS
    ]
    specs += [
        FeatureSpec(
            f"vol_{w}",
            _vol,
            {"window": w},
            w,
            group="volatility",
            description=f"std of 1-bar log returns over {w} bars",
            **_window(w),
        )
        for w in VOL_WINDOWS
    ]
    specs += [
        FeatureSpec(
            "parkinson_60", _parkinson, {"window": 60}, 59, group="volatility", **_window(59)
        ),
        FeatureSpec(
            "range_rel", _range_rel, {}, 0, group="volatility", description="(H-L)/C", **_window(0)
        ),
        FeatureSpec(
            "close_pos", _body_pos, {}, 0, group="price", description="(C-L)/(H-L)", **_window(0)
        ),
        FeatureSpec(
            "rsi_14", _rsi, {"period": 14}, k.ema_warmup(1 / 14) + 1, group="indicator", arrays=True
        ),
        FeatureSpec(
            "atr_14_rel",
            _atr_rel,
            {"period": 14},
            k.ema_warmup(1 / 14) + 1,
            group="indicator",
            description="Wilder ATR / close",
            arrays=True,
        ),
        FeatureSpec(
            "macd_rel",
            _macd,
            {"fast": 12, "slow": 26, "signal": 9},
            _ema_bars(26),
            group="indicator",
            description="(EMA12-EMA26)/close",
            arrays=True,
        ),
        FeatureSpec(
            "macd_hist_rel",
            _macd_hist,
            {"fast": 12, "slow": 26, "signal": 9},
            _ema_bars(26) + _ema_bars(9),
            group="indicator",
            arrays=True,
        ),
        FeatureSpec(
            "bb_pos_20", _bb_pos, {"window": 20, "n_std": 2.0}, 19, group="indicator", **_window(19)
        ),
        FeatureSpec(
            "bb_width_20",
            _bb_width,
            {"window": 20, "n_std": 2.0},
            19,
            group="indicator",
            **_window(19),
        ),
        FeatureSpec("stoch_k_14", _stoch_k, {"window": 14}, 13, group="indicator", **_window(13)),
        FeatureSpec(
            "ema_dist_20", _ema_dist, {"span": 20}, _ema_bars(20), group="indicator", arrays=True
        ),
        FeatureSpec(
            "ema_dist_100", _ema_dist, {"span": 100}, _ema_bars(100), group="indicator", arrays=True
        ),
        FeatureSpec("volume_z_60", _volume_z, {"window": 60}, 59, group="volume", **_window(59)),
        FeatureSpec(
            "taker_imbalance_30",
            _taker_imbalance,
            {"window": 30},
            29,
            group="volume",
            requires=("taker_buy_volume",),
            description="mean(2 buy - vol) / mean(vol) over 30 bars, in [-1, 1]",
            **_window(29),
        ),
    ]
    return specs


def register_price_features(reg: FeatureRegistry) -> None:
    for s in price_specs():
        reg.register(s)


__all__ = ["RETURN_HORIZONS", "VOL_WINDOWS", "price_specs", "register_price_features"]
