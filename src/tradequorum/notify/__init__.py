"""Notifications: JSON-lines file and console always, Apprise fan-out with per-channel isolation."""

from tradequorum.notify.messages import (
    DEFAULT_PRIORITY,
    Notification,
    NotificationType,
    Priority,
)
from tradequorum.notify.notifiers import (
    AppriseNotifier,
    ConsoleNotifier,
    FanoutNotifier,
    JsonlNotifier,
    Notifier,
    RecordingNotifier,
    build_notifier,
)

__all__ = [
    "DEFAULT_PRIORITY",
    "AppriseNotifier",
    "ConsoleNotifier",
    "FanoutNotifier",
    "JsonlNotifier",
    "Notification",
    "NotificationType",
    "Notifier",
    "Priority",
    "RecordingNotifier",
    "build_notifier",
]
