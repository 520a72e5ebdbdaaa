"""ccxt timeframe strings (``1m 5m 15m 1h 4h 1d 1w``) and their lengths."""

from __future__ import annotations

import re

import pandas as pd

_TF_RE = re.compile(r"^(?P<n>\d+)(?P<unit>[smhdwM])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000}


def timeframe_seconds(timeframe: str) -> int:
    """Length of one bar in seconds; ``1M`` counts as 30 days. Raises ValueError if malformed."""
    m = _TF_RE.match(timeframe)
    if not m or int(m["n"]) <= 0:
        raise ValueError(f"not a timeframe: {timeframe!r} (expected e.g. 1m, 15m, 1h, 4h, 1d)")
    return int(m["n"]) * _UNIT_SECONDS[m["unit"]]


def timeframe_delta(timeframe: str) -> pd.Timedelta:
    return pd.Timedelta(seconds=timeframe_seconds(timeframe))


def pandas_freq(timeframe: str) -> str:
    """Pandas offset alias for resampling (``1h`` -> ``3600s``); weeks start on Monday."""
    if timeframe.endswith("w"):
        return f"{int(timeframe[:-1])}W-MON"
    return f"{timeframe_seconds(timeframe)}s"


def bars_per_year(timeframe: str, *, calendar: str = "crypto") -> float:
    """Bars per year for annualizing: crypto trades 365 x 24 h; ``equity`` 252 x 6.5 h; ``fx`` 260 x 24 h."""
    sec = timeframe_seconds(timeframe)
    if calendar == "crypto":
        return 365.0 * 86400.0 / sec
    if calendar == "equity":
        return 252.0 if sec >= 86400 else 252.0 * 6.5 * 3600.0 / sec
    if calendar == "fx":
        return 260.0 if sec >= 86400 else 260.0 * 86400.0 / sec
    raise ValueError(f"unknown calendar {calendar!r} (crypto, equity, fx)")


__all__ = ["bars_per_year", "pandas_freq", "timeframe_delta", "timeframe_seconds"]
