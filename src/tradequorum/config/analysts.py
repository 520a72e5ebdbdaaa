"""Configuration of the analyst agents: SMC, microstructure and ML (DESIGN §4, §7)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tradequorum.config.base import Section


class SmcConfig(Section):
    swing_length: int = Field(5, ge=1)
    internal_length: int = Field(3, ge=1)
    break_on: Literal["close", "wick"] = "close"
    fvg_min_atr: float = Field(0.0, ge=0)
    atr_period: int = Field(14, ge=2)
    liquidity_tolerance_atr: float = Field(0.1, ge=0)
    htf_timeframe: str = "1h"


class MicrostructureConfig(Section):
    vpin_buckets: int = Field(50, ge=5)
    window_bars: int = Field(60, ge=5)
    rvol_days: int = Field(20, ge=1)


class MlConfig(Section):
    horizon_bars: int = Field(30, ge=1)
    label: Literal["triple_barrier", "forward_return"] = "triple_barrier"
    barrier_multiple: float = Field(2.0, gt=0)
    embargo_bars: int = Field(60, ge=0)
    n_splits: int = Field(5, ge=2)
    seed: int = 42
    min_probability: float = Field(0.4, ge=0, le=1)
