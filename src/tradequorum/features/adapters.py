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
from tradequorum.features.registry import FeatureRegistry, FeatureSpec

MICROSTRUCTURE = ("tradequorum.microstructure.features", "microstructure_features")
SMC = ("tradequorum.smc.features", "smc_features")
DEFAULT_ADAPTER_WARMUP = 600


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


def _smc(bars: pd.DataFrame, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> Any:
    from tradequorum.config.smc import SmcConfig

    return _call(SMC, bars, SmcConfig(**dict(p)))


def _warmup(target: tuple[str, str], cfg: Any) -> int:
    """The package's own ``warmup_bars(cfg)`` when it declares one, else a conservative default."""
    try:
        mod = importlib.import_module(target[0])
    except ImportError:
        return DEFAULT_ADAPTER_WARMUP
    fn = getattr(mod, "warmup_bars", None)
    return int(fn(cfg)) if callable(fn) else DEFAULT_ADAPTER_WARMUP


def adapter_specs(
    microstructure_cfg: Any | None = None, smc_cfg: Any | None = None
) -> list[FeatureSpec]:
    """The ``microstructure`` and ``smc`` multi-output features (available once their code lands)."""
    from tradequorum.config.microstructure import MicrostructureConfig
    from tradequorum.config.smc import SmcConfig

    mcfg = microstructure_cfg or MicrostructureConfig()
    scfg = smc_cfg or SmcConfig()
    return [
        FeatureSpec(
            "microstructure",
            _micro,
            mcfg.model_dump(),
            _warmup(MICROSTRUCTURE, mcfg),
            group="microstructure",
            multi_output=True,
            description="tradequorum.microstructure.features.microstructure_features",
            is_available=lambda: _load(MICROSTRUCTURE) is not None,
        ),
        FeatureSpec(
            "smc",
            _smc,
            scfg.model_dump(),
            _warmup(SMC, scfg),
            group="smc",
            multi_output=True,
            description="SMC outputs: distance to unmitigated OB/FVG, structure state, sweeps",
            is_available=lambda: _load(SMC) is not None,
        ),
    ]


def register_adapters(
    reg: FeatureRegistry, microstructure_cfg: Any | None = None, smc_cfg: Any | None = None
) -> None:
    for s in adapter_specs(microstructure_cfg, smc_cfg):
        reg.register(s)


__all__ = ["MICROSTRUCTURE", "SMC", "adapter_specs", "numeric_frame", "register_adapters"]
