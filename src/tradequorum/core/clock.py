"""Injected clocks (as NautilusTrader's TestClock/LiveClock): domain code never reads the wall clock."""

from __future__ import annotations

from typing import Protocol

import pandas as pd


class Clock(Protocol):
    def now(self) -> pd.Timestamp:
        """The current time, tz-aware UTC."""
        ...


class SystemClock:
    """Wall-clock time; the only place that reads it."""

    def now(self) -> pd.Timestamp:
        return pd.Timestamp.now(tz="UTC")


class FixedClock:
    """A clock that only moves when told to (tests, replay)."""

    def __init__(self, start: pd.Timestamp | str) -> None:
        ts = pd.Timestamp(start)
        if ts.tzinfo is None:
            raise ValueError("FixedClock needs a tz-aware timestamp")
        self._now = ts.tz_convert("UTC")

    def now(self) -> pd.Timestamp:
        return self._now

    def set(self, ts: pd.Timestamp) -> None:
        if ts.tzinfo is None:
            raise ValueError("clock time must be tz-aware")
        if ts < self._now:
            raise ValueError(f"clock cannot go back from {self._now} to {ts}")
        self._now = ts.tz_convert("UTC")

    def advance(self, delta: pd.Timedelta) -> None:
        self.set(self._now + delta)


ReplayClock = FixedClock

__all__ = ["Clock", "FixedClock", "ReplayClock", "SystemClock"]
