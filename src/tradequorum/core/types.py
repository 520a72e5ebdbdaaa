"""Value types shared by every bounded context: directions, tiers, states and the Signal message.

A Signal is the JSON contract of DESIGN §4: one per source per symbol per bar, stamped with the
open time of the bar it was computed on (it can be acted on at the open of the next bar).
"""

from __future__ import annotations

import math
from datetime import datetime
from enum import StrEnum
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Direction(StrEnum):
    BULLISH = "bullish"
    BEARISH = "bearish"
    NEUTRAL = "neutral"

    @property
    def sign(self) -> int:
        """+1 bullish, -1 bearish, 0 neutral."""
        return {"bullish": 1, "bearish": -1, "neutral": 0}[self.value]

    @classmethod
    def from_sign(cls, sign: float) -> Direction:
        if sign > 0:
            return cls.BULLISH
        if sign < 0:
            return cls.BEARISH
        return cls.NEUTRAL

    def opposite(self) -> Direction:
        return Direction.from_sign(-self.sign)


class Tier(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


class ConsensusOutcome(StrEnum):
    BULLISH = "bullish"
    BEARISH = "bearish"
    NO_CONSENSUS = "no_consensus"
    NEUTRAL = "neutral"
    INSUFFICIENT = "insufficient"


class TradingState(StrEnum):
    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"


class ExecutionMode(StrEnum):
    SIGNAL_ONLY = "signal_only"
    CONFIRM = "confirm"
    AUTO = "auto"


class Evidence(BaseModel):
    """One piece of evidence behind a signal: a ``kind`` plus any levels (JSON-able extras)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    kind: str


def to_utc_timestamp(value: Any) -> pd.Timestamp:
    """Parse ``value`` into a tz-aware UTC ``pd.Timestamp``; naive values are rejected."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no time zone; TradeQuorum uses tz-aware UTC")
    return ts.tz_convert("UTC")


class Signal(BaseModel):
    """A specialist's opinion on one symbol at one bar (DESIGN §4)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(min_length=1)
    symbol: str = Field(min_length=1)
    timeframe: str = Field(min_length=2)
    timestamp: datetime
    direction: Direction
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[Evidence] = Field(default_factory=list)
    suggested_entry: tuple[float, float] | None = None
    stop: float | None = None
    targets: list[float] | None = None

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return to_utc_timestamp(v).to_pydatetime()

    @field_validator("confidence")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("confidence must be finite")
        return v

    @model_validator(mode="after")
    def _levels(self) -> Signal:
        levels = list(self.suggested_entry or ()) + list(self.targets or [])
        if self.stop is not None:
            levels.append(self.stop)
        if any(not math.isfinite(x) or x <= 0 for x in levels):
            raise ValueError("entry, stop and targets must be finite positive prices")
        if self.suggested_entry is not None and self.suggested_entry[0] > self.suggested_entry[1]:
            raise ValueError("suggested_entry must be [lo, hi] with lo <= hi")
        return self

    @property
    def ts(self) -> pd.Timestamp:
        return pd.Timestamp(self.timestamp).tz_convert("UTC")


__all__ = [
    "ConsensusOutcome",
    "Direction",
    "Evidence",
    "ExecutionMode",
    "Signal",
    "Tier",
    "TradingState",
    "to_utc_timestamp",
]
