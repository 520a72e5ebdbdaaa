"""Adapters that register the microstructure and SMC packages' outputs as features.

They import lazily: the feature registry never needs those packages at import time, and a missing
or not-yet-written package makes the adapter *unavailable* (``is_available() is False``) instead of
breaking the registry. Column names are ``<adapter>__<package column>``; only numeric columns are
kept (booleans become 0/1). The packages own the causality of their outputs (SMC reports a
structure at the bar that confirms it); the feature audits check it again here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from tradequorum.core.bars import FloatArray
from tradequorum.core.errors import DataError
from tradequorum.core.timeframes import timeframe_seconds
from tradequorum.features.registry import FeatureRegistry, FeatureSpec

MICROSTRUCTURE = ("tradequorum.microstructure.features", "microstructure_features")
SMC = ("tradequorum.smc.features", "smc_features")
SMC_ANALYSIS = ("tradequorum.smc.analysis", "analyze")
#: SMC state/flag columns used as they are (when present in ``analysis_frame``)
SMC_STATE = (
    "swing_trend",
    "internal_trend",
    "swing_bos_bull",
    "swing_bos_bear",
    "swing_choch_bull",
    "swing_choch_bear",
    "internal_bos_bull",
    "internal_bos_bear",
    "internal_choch_bull",
    "internal_choch_bear",
    "bsl_swept",
    "ssl_swept",
    "bsl_taken",
    "ssl_taken",
    "in_ote",
    "position",
    "zone",
    "htf_bias",
)
#: (feature, level column, sign): distance close -> level in ATR units, positive = room to go
SMC_DISTANCES = (
    ("dist_bull_ob", "bull_ob_top", 1.0),
    ("dist_bear_ob", "bear_ob_bottom", -1.0),
    ("dist_bull_fvg", "bull_fvg_top", 1.0),
    ("dist_bear_fvg", "bear_fvg_bottom", -1.0),
    ("dist_bsl", "eqh_level", -1.0),
    ("dist_ssl", "eql_level", 1.0),
)
DEFAULT_ADAPTER_WARMUP = 600
#: SMC state (trend, HTF bias, unmitigated zones) is path-dependent: no finite warm-up exists in
#: theory. One day of 1m bars is where the recursive audit on real data (FILUSDT) finds the last
#: difference (~940 bars); the package's own ``warmup_bars`` wins when it declares one.
SMC_DEFAULT_WARMUP = 1440


def _load(target: tuple[str, str]) -> Callable[..., Any] | None:
    module, attr = target
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    fn = getattr(mod, attr, None)
    return fn if callable(fn) else None


def numeric_frame(out: Any, bars: pd.DataFrame, source: str) -> dict[str, FloatArray]:
    """Numeric columns of a package's output frame as float64 arrays (bools -> 0/1)."""
    if not isinstance(out, pd.DataFrame) or not out.index.equals(bars.index):
        raise DataError(f"{source} must return a DataFrame on the bars' index")
    cols: dict[str, FloatArray] = {}
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            cols[str(c)] = np.ascontiguousarray(s.to_numpy(dtype=np.float64, na_value=np.nan))
    return cols


def _call(target: tuple[str, str], bars: pd.DataFrame, cfg: Any) -> dict[str, FloatArray]:
    fn = _load(target)
    if fn is None:
        raise DataError(f"{target[0]}.{target[1]} is not available")
    return numeric_frame(fn(bars, cfg), bars, f"{target[0]}.{target[1]}")


def _micro(bars: pd.DataFrame, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> Any:
    from tradequorum.config.microstructure import MicrostructureConfig

    return _call(MICROSTRUCTURE, bars, MicrostructureConfig(**dict(p)))


def smc_derived(frame: pd.DataFrame, close: FloatArray) -> dict[str, FloatArray]:
    """Scale-free SMC features from ``tradequorum.smc.analysis.analysis_frame`` columns.

    State and flag columns as they are; distances from the close to the nearest unmitigated
    bullish/bearish order block and FVG (and equal highs/lows liquidity) in ATR units, NaN when
    there is none. Used until the SMC package exports its own ``smc_features``.
    """
    out = {c: frame[c].to_numpy(dtype=np.float64) for c in SMC_STATE if c in frame.columns}
    if "atr" not in frame.columns:
        return out
    atr = frame["atr"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        for name, col, sign in SMC_DISTANCES:
            if col in frame.columns:
                lvl = frame[col].to_numpy(dtype=np.float64)
                out[name] = np.where(atr > 0, sign * (close - lvl) / atr, np.nan)
    return out


def _smc(bars: pd.DataFrame, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> Any:
    from tradequorum.config.smc import SmcConfig

    cfg = SmcConfig(**dict(p))
    if _load(SMC) is not None:
        return _call(SMC, bars, cfg)
    from tradequorum.smc.analysis import analysis_frame, analyze

    if len(bars) < 3:
        return {c: np.full(len(bars), np.nan) for c in SMC_STATE}
    frame = analysis_frame(analyze(bars, cfg), pd.DatetimeIndex(bars.index))
    return smc_derived(frame, bars["close"].to_numpy(dtype=np.float64))


def _smc_available() -> bool:
    return _load(SMC) is not None or _load(SMC_ANALYSIS) is not None


def _warmup(
    target: tuple[str, str], cfg: Any, default: int = DEFAULT_ADAPTER_WARMUP, **kw: Any
) -> int:
    """The package's own ``warmup_bars(cfg, **kw)`` when it declares one, else ``default``."""
    try:
        mod = importlib.import_module(target[0])
    except ImportError:
        return default
    fn = getattr(mod, "warmup_bars", None)
    if not callable(fn):
        return default
    try:
        return int(fn(cfg, **kw))
    except TypeError:  # an older signature without the timeframe keyword
        return int(fn(cfg))


def adapter_specs(
    microstructure_cfg: Any | None = None,
    smc_cfg: Any | None = None,
    base_timeframe: str = "1m",
) -> list[FeatureSpec]:
    """The ``microstructure`` and ``smc`` multi-output features (available once their code lands).

    Warm-ups are the packages' own, for bars of ``base_timeframe``.
    """
    from tradequorum.config.microstructure import MicrostructureConfig
    from tradequorum.config.smc import SmcConfig

    mcfg = microstructure_cfg or MicrostructureConfig()
    scfg = smc_cfg or SmcConfig()
    per_day = max(1, 86_400 // timeframe_seconds(base_timeframe))
    return [
        FeatureSpec(
            "microstructure",
            _micro,
            mcfg.model_dump(),
            _warmup(MICROSTRUCTURE, mcfg, bars_per_day=per_day),
            group="microstructure",
            multi_output=True,
            description="tradequorum.microstructure.features.microstructure_features",
            is_available=lambda: _load(MICROSTRUCTURE) is not None,
        ),
        FeatureSpec(
            "smc",
            _smc,
            scfg.model_dump(),
            _warmup(SMC, scfg, SMC_DEFAULT_WARMUP, base_timeframe=base_timeframe),
            group="smc",
            multi_output=True,
            description="SMC outputs: distance to unmitigated OB/FVG, structure state, sweeps",
            is_available=_smc_available,
        ),
    ]


def register_adapters(
    reg: FeatureRegistry,
    microstructure_cfg: Any | None = None,
    smc_cfg: Any | None = None,
    base_timeframe: str = "1m",
) -> None:
    for s in adapter_specs(microstructure_cfg, smc_cfg, base_timeframe):
        reg.register(s)


__all__ = [
    "MICROSTRUCTURE",
    "SMC",
    "adapter_specs",
    "numeric_frame",
    "register_adapters",
    "smc_derived",
]
