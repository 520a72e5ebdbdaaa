"""Notifier port and adapters: JSON-lines file (always), console, Apprise (any URL it supports).

Fan-out isolates channels (as freqtrade's ``RPCManager.send_msg``): a failing channel is logged
and never blocks a decision or the other channels.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from tradequorum.notify.messages import Notification, Priority

logger = logging.getLogger(__name__)


class Notifier(Protocol):
    """Anything that can deliver a :class:`Notification`."""

    name: str

    def send(self, message: Notification) -> None:
        """Deliver ``message`` or raise; the fan-out catches and logs."""
        ...


class JsonlNotifier:
    """Append one JSON line per message (flushed and fsynced) to ``path``."""

    name = "jsonl"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def send(self, message: Notification) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = message.model_dump_json() + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())


class ConsoleNotifier:
    """Log the message on the ``tradequorum.notify`` console logger (operators see it)."""

    name = "console"

    def send(self, message: Notification) -> None:
        level = logging.WARNING if message.priority.rank >= Priority.HIGH.rank else logging.INFO
        logger.log(
            level,
            "[%s/%s] %s: %s",
            message.type.value,
            message.priority.value,
            message.title,
            message.message,
        )


class AppriseNotifier:
    """One Apprise channel (webhook, Telegram, Slack, e-mail …) per URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = f"apprise:{url.split('://', 1)[0]}"
        with warnings.catch_warnings():
            # apprise's plugins import the stdlib's deprecated ``imghdr`` (Python 3.11) when
            # they load: a third-party warning, silenced only around apprise's own calls
            warnings.simplefilter("ignore", DeprecationWarning)
            import apprise

            self._apprise = apprise.Apprise()
            ok = self._apprise.add(url)
        if not ok:
            raise ValueError(f"Apprise does not understand the URL scheme of {self.name}")

    def send(self, message: Notification) -> None:
        body = message.model_dump_json()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ok = self._apprise.notify(title=message.title, body=body)
        if not ok:
            raise ConnectionError(f"{self.name} did not accept the notification")


class RecordingNotifier:
    """Keeps messages in memory (tests)."""

    name = "recording"

    def __init__(self) -> None:
        self.messages: list[Notification] = []

    def send(self, message: Notification) -> None:
        self.messages.append(message)


class FanoutNotifier:
    """Send to every channel whose minimum priority the message reaches; isolate failures."""

    name = "fanout"

    def __init__(
        self, channels: Sequence[Notifier], *, min_priority: Priority = Priority.LOW
    ) -> None:
        self.channels = list(channels)
        self.min_priority = min_priority
        self.failures: dict[str, int] = {}

    def send(self, message: Notification) -> None:
        for channel in self.channels:
            always = isinstance(channel, JsonlNotifier)
            if not always and message.priority.rank < self.min_priority.rank:
                continue
            try:
                channel.send(message)
            except Exception as exc:
                self.failures[channel.name] = self.failures.get(channel.name, 0) + 1
                logger.warning(
                    "notification channel=%s failed id=%s: %s",
                    channel.name,
                    message.notification_id,
                    exc,
                )


def build_notifier(
    path: Path, *, console: bool, apprise_urls: Sequence[str], min_priority: str = "low"
) -> FanoutNotifier:
    """The configured fan-out: JSON-lines file always, console if enabled, one channel per URL."""
    channels: list[Notifier] = [JsonlNotifier(path)]
    if console:
        channels.append(ConsoleNotifier())
    for url in apprise_urls:
        try:
            channels.append(AppriseNotifier(url))
        except (ValueError, ImportError) as exc:
            logger.warning("notification channel skipped: %s", exc)
    return FanoutNotifier(channels, min_priority=Priority(min_priority))


__all__ = [
    "AppriseNotifier",
    "ConsoleNotifier",
    "FanoutNotifier",
    "JsonlNotifier",
    "Notifier",
    "RecordingNotifier",
    "build_notifier",
]
