"""Operational logging: console and rotated files under ``<home>/logs`` (JSON lines on request).

One logger per module (``logging.getLogger(__name__)``) below the ``tradequorum`` root logger.
``logs/quorum.log`` rotates at 5 MB (5 backups); ``logs/warnings.jsonl`` always receives
warnings and errors as JSON lines, which ``quorum status`` reads to show the recent ones.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
from collections import deque
from pathlib import Path
from typing import Any

ROOT = "tradequorum"
_MARK = "_tradequorum_handler"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC ISO), level, logger, message, exception."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def configure_logging(
    logs: Path, *, level: str = "INFO", json_lines: bool = False, console: bool = True
) -> logging.Logger:
    """(Re)configure the ``tradequorum`` logger; idempotent (old handlers of ours are replaced)."""
    logs.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger(ROOT)
    for h in list(root.handlers):
        if getattr(h, _MARK, False):
            root.removeHandler(h)
            h.close()
    root.setLevel(level.upper())
    text = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    text.converter = __import__("time").gmtime
    main = logging.handlers.RotatingFileHandler(
        logs / ("quorum.jsonl" if json_lines else "quorum.log"),
        maxBytes=5_000_000,
        backupCount=5,
        encoding="utf-8",
    )
    main.setFormatter(JsonFormatter() if json_lines else text)
    warn = logging.handlers.RotatingFileHandler(
        logs / "warnings.jsonl", maxBytes=2_000_000, backupCount=2, encoding="utf-8"
    )
    warn.setLevel(logging.WARNING)
    warn.setFormatter(JsonFormatter())
    handlers: list[logging.Handler] = [main, warn]
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(JsonFormatter() if json_lines else text)
        handlers.append(stream)
    for h in handlers:
        setattr(h, _MARK, True)
        root.addHandler(h)
    root.propagate = False
    return root


def recent_problems(logs: Path, limit: int = 10) -> list[dict[str, Any]]:
    """The last ``limit`` warnings and errors (newest last) from ``logs/warnings.jsonl``."""
    path = logs / "warnings.jsonl"
    if not path.exists():
        return []
    tail: deque[dict[str, Any]] = deque(maxlen=limit)
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                tail.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return list(tail)


__all__ = ["JsonFormatter", "configure_logging", "recent_problems"]
