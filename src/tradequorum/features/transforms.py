"""Causal transforms of other features: trailing rolling z-score and rolling percentile rank.

A transform's window ends at ``t`` (never centred, never fitted on the whole file, unlike a global
StandardScaler that leaks the future mean and variance into the past). Its warm-up is the window
plus the warm-up of the transformed feature (the registry adds the latter).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradequorum.core.bars import FloatArray
from tradequorum.features import kernels as k
from tradequorum.features.registry import FeatureRegistry, FeatureSpec

DEFAULT_TRANSFORMS: tuple[tuple[str, str, int], ...] = (
    ("zscore", "ret_15", 240),
    ("zscore", "ret_60", 240),
    ("zscore", "volume_z_60", 240),
    ("rank", "vol_60", 240),
    ("rank", "range_rel", 240),
    ("rank", "atr_14_rel", 240),
)


def _zscore(bars: Any, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    return k.rolling_zscore(deps[p["of"]], int(p["window"]))


def _rank(bars: Any, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    return k.rolling_rank(deps[p["of"]], int(p["window"]))


def transform_spec(kind: str, of: str, window: int) -> FeatureSpec:
    """``zscore_<window>_<of>`` or ``rank_<window>_<of>`` over the trailing ``window`` bars."""
    fn = {"zscore": _zscore, "rank": _rank}[kind]
    return FeatureSpec(
        f"{kind}_{window}_{of}",
        fn,
        {"of": of, "window": window},
        window - 1,
        depends_on=(of,),
        group="transform",
        arrays=True,  # reads only its dependency's column
        lookback=window - 1,
        description=f"trailing {window}-bar {kind} of {of}",
    )


def register_transforms(
    reg: FeatureRegistry, transforms: tuple[tuple[str, str, int], ...] = DEFAULT_TRANSFORMS
) -> None:
    for kind, of, window in transforms:
        if of in reg:
            reg.register(transform_spec(kind, of, window))


__all__ = ["DEFAULT_TRANSFORMS", "register_transforms", "transform_spec"]
