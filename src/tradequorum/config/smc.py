"""smc-pattern-recognizer configuration (see docs/smc.md for every choice).

Lengths and ages are in bars of the analysed timeframe; tolerances and sizes in ATR multiples;
session times in UTC ``"HH:MM"`` (a session may wrap midnight).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from tradequorum.config.base import Section

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class SmcWeights(Section):
    """Confluence weights of the signal score; a side's confidence is the sum of its hits."""

    htf_bias: float = Field(0.25, ge=0, description="higher-timeframe structure agrees")
    sweep: float = Field(0.20, ge=0, description="opposite-side liquidity swept recently")
    choch: float = Field(0.20, ge=0, description="recent change of character in the direction")
    bos: float = Field(0.10, ge=0, description="recent break of structure (when no CHoCH)")
    zone: float = Field(0.15, ge=0, description="price in discount (long) / premium (short)")
    poi: float = Field(0.20, ge=0, description="price at an unmitigated OB or FVG of the side")

    @model_validator(mode="after")
    def _positive(self) -> SmcWeights:
        if self.htf_bias + self.sweep + self.choch + self.zone + self.poi <= 0:
            raise ValueError("at least one confluence weight must be positive")
        return self


class SmcConfig(Section):
    # swings and structure
    swing_length: int = Field(5, ge=1, description="fractal length of swing structure (bars)")
    internal_length: int = Field(3, ge=1, description="fractal length of internal structure")
    break_on: Literal["close", "wick"] = "close"
    # volatility
    atr_period: int = Field(14, ge=2, description="simple mean of true range over this many bars")
    # fair value gaps
    fvg_min_atr: float = Field(0.0, ge=0, description="minimum gap size in ATR (0: all gaps)")
    fvg_join_consecutive: bool = False
    # order blocks
    ob_structure: Literal["internal", "swing"] = "internal"
    # liquidity
    liquidity_tolerance_atr: float = Field(0.1, ge=0)
    liquidity_swing_length: int = Field(3, ge=1)
    sweep_single_swings: bool = Field(True, description="a lone swing level can be swept too")
    # zone bookkeeping: finite memory keeps every output independent of distant history
    zone_max_age: int = Field(1000, ge=10, description="bars after which an OB/FVG/pool expires")
    zone_capacity: int = Field(64, ge=4, description="live zones kept per side (oldest dropped)")
    # premium / discount and OTE
    ote_low: float = Field(0.62, gt=0, lt=1)
    ote_high: float = Field(0.79, gt=0, lt=1)
    # sessions (UTC) and higher timeframe
    asia_utc: tuple[str, str] = ("00:00", "05:00")
    london_utc: tuple[str, str] = ("07:00", "10:00")
    new_york_utc: tuple[str, str] = ("12:00", "15:00")
    htf_timeframe: str = "1h"
    htf_swing_length: int = Field(3, ge=1)
    # signal
    signal_lookback: int = Field(30, ge=1, description="bars a sweep/CHoCH/BOS stays relevant")
    min_confidence: float = Field(
        0.65, ge=0, le=1, description="score needed (0.65: a sweep or a POI touch is required)"
    )
    require_structure: bool = Field(True, description="no signal without a recent CHoCH/BOS")
    stop_buffer_atr: float = Field(0.25, ge=0)
    weights: SmcWeights = SmcWeights()

    @field_validator("asia_utc", "london_utc", "new_york_utc")
    @classmethod
    def _hhmm(cls, v: tuple[str, str]) -> tuple[str, str]:
        for s in v:
            if not _HHMM.match(s):
                raise ValueError(f"session time {s!r} must be UTC 'HH:MM'")
        if v[0] == v[1]:
            raise ValueError("a session must have a positive length")
        return v

    @model_validator(mode="after")
    def _ote(self) -> SmcConfig:
        if self.ote_low >= self.ote_high:
            raise ValueError("ote_low must be below ote_high")
        return self
