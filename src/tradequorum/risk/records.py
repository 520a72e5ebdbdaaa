"""Value records of the risk manager: check records, adjustments, positions, orders, approvals.

A veto is a value, never an exception: every check says what was measured (``value``), against
what (``limit``), whether it passed and why, with a stable ``code``. NaN never appears in a
record (strict JSON): a value that could not be measured is ``None``.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tradequorum.consensus.records import Escalation


def finite_or_none(x: float | None) -> float | None:
    """``x`` if it is a finite number, else ``None`` (for JSON-safe records)."""
    if x is None or not isinstance(x, int | float) or not math.isfinite(x):
        return None
    return float(x)


class CheckRecord(BaseModel):
    """One risk check: ``{code, name, value, limit, passed, message}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str
    name: str
    value: float | None
    limit: float | None
    passed: bool
    message: str

    @field_validator("value", "limit", mode="before")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        return finite_or_none(v)


class Adjustment(BaseModel):
    """A size cut made by one check: ``size cut from 1.2 to 0.75 by gross exposure``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str
    from_units: float
    to_units: float
    message: str


class Position(BaseModel):
    """An open position: signed base units (negative = short) marked at ``price``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    symbol: str
    units: float
    price: float = Field(gt=0)

    @property
    def notional(self) -> float:
        """Signed notional in quote currency."""
        return self.units * self.price


class OrderRequest(BaseModel):
    """What the coordinator asks the risk manager to approve.

    ``direction`` is bullish/bearish (long/short/buy/sell accepted); anything else is vetoed.
    ``units`` is the requested size in base units (``None``: the risk manager sizes it); ``stop``
    a stop price (``None``: ATR stop). Fields are deliberately permissive: bad values become
    failed checks with a reason, not validation exceptions.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    symbol: str
    direction: str
    tier: str = "C"
    units: float | None = None
    stop: float | None = None
    target: float | None = None
    win_probability: float | None = None
    payoff_ratio: float | None = None
    decision_id: str | None = None


class MarketInfo(BaseModel):
    """Market facts at decision time (all causal: known at the bar's close).

    ``correlations`` maps other symbols to their daily-return correlation with the order's
    symbol; a held symbol without an entry is treated as fully correlated (fail closed).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    price: float | None
    atr: float | None = None
    annual_volatility: float | None = None
    vol_percentile: float | None = None
    extreme_volatility: bool = False
    correlations: dict[str, float] = Field(default_factory=dict)
    timestamp: datetime | None = None


class Approval(BaseModel):
    """The risk manager's verdict on one order: every check, every size cut, the final size."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str | None = None
    symbol: str
    direction: str
    tier: str
    status: Literal["approved", "vetoed"]
    approved: bool
    requested_units: float | None
    final_units: float
    units: float = Field(description="= final_units (the name the coordinator reads)")
    final_notional: float
    price: float | None
    stop_distance: float | None
    stop: float | None = None
    target: float | None = None
    checks: list[CheckRecord]
    adjustments: list[Adjustment]
    reasons: list[str]
    escalation: Escalation | None = None
    decision_id: str | None = None
    created: datetime | None = None
    rationale: str

    @model_validator(mode="after")
    def _consistent(self) -> Approval:
        if self.approved != (self.status == "approved") or self.units != self.final_units:
            raise ValueError("approved/status and units/final_units must agree")
        if not self.approved and self.final_units != 0.0:
            raise ValueError("a vetoed order has a final size of 0")
        return self

    @field_validator("requested_units", "price", "stop_distance", "stop", "target", mode="before")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        return finite_or_none(v)


__all__ = [
    "Adjustment",
    "Approval",
    "CheckRecord",
    "MarketInfo",
    "OrderRequest",
    "Position",
    "finite_or_none",
]
