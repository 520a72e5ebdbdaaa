"""Notification messages in the seed's shape, with priorities (DESIGN §8).

``{notification_id, type, priority, timestamp, title, message, details, requires_action}``;
``type`` is one of trade_opportunity, escalation, halt, health, info.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return ("low", "medium", "high", "critical").index(self.value)


class NotificationType(StrEnum):
    TRADE_OPPORTUNITY = "trade_opportunity"
    ESCALATION = "escalation"
    HALT = "halt"
    HEALTH = "health"
    INFO = "info"


DEFAULT_PRIORITY: dict[NotificationType, Priority] = {
    NotificationType.TRADE_OPPORTUNITY: Priority.HIGH,
    NotificationType.ESCALATION: Priority.HIGH,
    NotificationType.HALT: Priority.CRITICAL,
    NotificationType.HEALTH: Priority.MEDIUM,
    NotificationType.INFO: Priority.LOW,
}


class Notification(BaseModel):
    """One message to the user; written to the JSON-lines file and fanned out to channels."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    notification_id: str
    type: NotificationType
    priority: Priority
    timestamp: datetime
    title: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)
    requires_action: bool = False
    decision_id: str | None = None


__all__ = ["DEFAULT_PRIORITY", "Notification", "NotificationType", "Priority"]
