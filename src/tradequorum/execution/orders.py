"""Orders and fills that cross I/O (journal, state files): pydantic models.

An order carries the client order id derived from its decision id
(:func:`tradequorum.core.ids.client_order_id`) and the id of the risk approval it was sent under:
a broker refuses an order without one (fail closed).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class OrderStatus(StrEnum):
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    SUBMITTED = "submitted"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    SIGNAL_ONLY = "signal_only"


class Order(BaseModel):
    """An entry order decided at the close of ``bar``; it fills at the next bar's open."""

    model_config = ConfigDict(extra="forbid")
    client_order_id: str
    decision_id: str
    approval_id: str | None
    symbol: str
    side: str = Field(pattern="^(buy|sell)$")
    direction: int
    quantity: float = Field(ge=0)
    stop: float | None = None
    target: float | None = None
    scale: float = 1.0
    bar: str
    status: OrderStatus = OrderStatus.SUBMITTED
    expires_at: str | None = None


class Fill(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fill_id: str
    client_order_id: str
    symbol: str
    side: str
    quantity: float
    price: float
    fee: float
    bar: str
    reason: str


__all__ = ["Fill", "Order", "OrderStatus"]
