"""The default feature catalogue: built by a function, never a module-level registry."""

from __future__ import annotations

from typing import Any

from tradequorum.features.adapters import register_adapters
from tradequorum.features.builtin import register_price_features
from tradequorum.features.calendar import register_calendar_features
from tradequorum.features.htf import register_htf_features
from tradequorum.features.registry import FeatureRegistry
from tradequorum.features.transforms import register_transforms

DEFAULT_HTF: tuple[str, ...] = ("1h", "4h", "1d")


def default_registry(
    base_timeframe: str = "1m",
    htf_timeframes: tuple[str, ...] = DEFAULT_HTF,
    *,
    adapters: bool = True,
    microstructure_cfg: Any | None = None,
    smc_cfg: Any | None = None,
) -> FeatureRegistry:
    """A fresh registry with every built-in feature for bars of ``base_timeframe``.

    Groups: returns, volatility, indicator, price, volume, calendar, htf, transform, and (when their
    packages are importable) the multi-output ``microstructure`` and ``smc`` adapters.
    """
    reg = FeatureRegistry()
    register_price_features(reg)
    register_calendar_features(reg)
    register_htf_features(reg, base_timeframe, htf_timeframes)
    register_transforms(reg)
    if adapters:
        register_adapters(reg, microstructure_cfg, smc_cfg, base_timeframe)
    return reg


__all__ = ["DEFAULT_HTF", "default_registry"]
