"""smc-pattern-recognizer configuration."""

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
