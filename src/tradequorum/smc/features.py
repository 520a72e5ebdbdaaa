"""SMC outputs as model features (used by tradequorum.features' ``smc`` adapter).

Prices are turned into distances from the close in ATR so that features are scale-free; states
and event flags pass through. Causal like every SMC output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradequorum.config.smc import SmcConfig
from tradequorum.core.timeframes import timeframe_seconds
from tradequorum.smc.analysis import analysis_frame, analyze
from tradequorum.smc.signals import signal_arrays

_LEVELS = (
    "bull_fvg_top",
    "bear_fvg_bottom",
    "bull_ob_top",
    "bear_ob_bottom",
    "bsl_pool",
    "ssl_pool",
    "pdh",
    "pdl",
    "range_high",
    "range_low",
)
_STATES = (
    "internal_trend",
    "swing_trend",
    "htf_bias",
    "position",
    "zone",
    "in_ote",
    "fvg",
    "ob",
    "eqh",
    "eql",
)


def warmup_bars(cfg: SmcConfig, base_timeframe: str = "1m") -> int:
    """Bars after which outputs no longer depend on earlier history: zone lifetime (twice, for
    pools), or 120 closed HTF bars, whichever is longer."""
    ratio = timeframe_seconds(cfg.htf_timeframe) // max(timeframe_seconds(base_timeframe), 1)
    return int(max(2 * cfg.zone_max_age + cfg.atr_period, 120 * ratio))


def smc_features(bars: pd.DataFrame, cfg: SmcConfig | None = None) -> pd.DataFrame:
    """Per-bar SMC features on the bars' index (levels as ATR distances from the close)."""
    cfg = cfg or SmcConfig()
    r = analyze(bars, cfg)
    fr = analysis_frame(r, bars.index)
    atr = np.where(r.atr > 0, r.atr, np.nan)
    out: dict[str, np.ndarray] = {
        f"dist_{c}": (fr[c].to_numpy() - r.bars.close) / atr for c in _LEVELS
    }
    out.update({c: fr[c].to_numpy() for c in _STATES})
    out["sweep_bsl"] = fr["bsl_swept"].notna().to_numpy(dtype=np.float64)
    out["sweep_ssl"] = fr["ssl_swept"].notna().to_numpy(dtype=np.float64)
    sig = signal_arrays(r, cfg)
    out["signal_direction"] = sig["direction"]
    out["bull_score"] = sig["bull_score"]
    out["bear_score"] = sig["bear_score"]
    return pd.DataFrame(out, index=bars.index, dtype=np.float64)


__all__ = ["smc_features", "warmup_bars"]
