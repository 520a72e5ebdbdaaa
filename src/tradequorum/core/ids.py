"""Identifiers in the seed's shape: ``WF-YYYYMMDD-NNN``, ``DEC-…``, ``TASK-…``, ``ESC-…``, ``NOT-…``.

Counters are per prefix and per UTC day; the coordinator persists them so ids stay unique across
restarts. Client order ids are derived from the decision id, so a restart never sends twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

PREFIXES = ("WF", "DEC", "TASK", "ESC", "NOT", "ORD", "FILL", "APR")
_ID_RE = re.compile(r"^(?P<prefix>[A-Z]+)-(?P<day>\d{8})-(?P<n>\d{3,})$")


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAY_NS = 86_400 * 10**9


def utc_day(ts: pd.Timestamp) -> str:
    """``YYYYMMDD`` of the UTC day of a tz-aware ``ts`` (from its epoch nanoseconds)."""
    if ts.tzinfo is None:
        raise ValueError(f"timestamp {ts!r} has no time zone")
    return date.fromordinal(_EPOCH_ORDINAL + ts.value // _DAY_NS).strftime("%Y%m%d")


def format_id(prefix: str, day: pd.Timestamp, n: int) -> str:
    """``format_id("DEC", ts, 7) == "DEC-20240101-007"``; ``day`` must be tz-aware."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown id prefix {prefix!r}")
    return f"{prefix}-{day.tz_convert('UTC'):%Y%m%d}-{n:03d}"


def parse_id(value: str) -> tuple[str, str, int]:
    """Split an id into (prefix, YYYYMMDD, n); raises ValueError for anything else."""
    m = _ID_RE.match(value)
    if not m:
        raise ValueError(f"not a TradeQuorum id: {value!r}")
    return m["prefix"], m["day"], int(m["n"])


def client_order_id(decision_id: str, leg: int = 0) -> str:
    """Deterministic client order id for the ``leg``-th order of a decision."""
    parse_id(decision_id)
    return f"TQ-{decision_id}-{leg}"


@dataclass(slots=True)
class IdSequence:
    """Day-scoped counters per prefix; ``counters`` is persisted by the caller."""

    counters: dict[str, int] = field(default_factory=dict)

    def next(self, prefix: str, now: pd.Timestamp) -> str:
        if prefix not in PREFIXES:
            raise ValueError(f"unknown id prefix {prefix!r}")
        key = f"{prefix}-{utc_day(now)}"
        n = self.counters.get(key, 0) + 1
        self.counters[key] = n
        return f"{key}-{n:03d}"  # format_id's shape, without converting the time twice


__all__ = ["PREFIXES", "IdSequence", "client_order_id", "format_id", "parse_id", "utc_day"]
