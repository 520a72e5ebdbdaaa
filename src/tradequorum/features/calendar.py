"""Time-of-day, day-of-week and trading-session features (from the bar's open time only).

Sessions are UTC hour ranges (the usual crypto/FX convention): Asia 00-08, London 07-16,
New York 13-21 (they overlap). Cyclic encodings (sin, cos) keep 23:59 next to 00:00.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from tradequorum.core.bars import FloatArray
from tradequorum.features.registry import FeatureRegistry, FeatureSpec
from tradequorum.features.shared import BarArrays, memoized
from tradequorum.features.shared import index_i8 as _open_ns

SESSIONS: dict[str, tuple[int, int]] = {"asia": (0, 8), "london": (7, 16), "new_york": (13, 21)}


Bars = pd.DataFrame | BarArrays
#: per-row values, read as arrays (the last-row path)
_ROW: dict[str, Any] = {"arrays": True, "lookback": 0}


def _minute_of_day(bars: Bars) -> FloatArray:
    """Minute of the UTC day of each open time (shared by the features of one build)."""
    return memoized(
        bars,
        ("minute_of_day",),
        lambda: ((_open_ns(bars) // 60_000_000_000) % 1440).astype(np.float64),
    )


def _day_of_week(bars: Bars) -> FloatArray:
    """Day of the week, Monday = 0 (1970-01-01 was a Thursday); shared within one build."""
    return memoized(
        bars,
        ("day_of_week",),
        lambda: ((_open_ns(bars) // 86_400_000_000_000 + 3) % 7).astype(np.float64),
    )


def _cyclic(values: FloatArray, period: float, wave: Any) -> FloatArray:
    """``sin``/``cos`` encoding of a periodic calendar value (minute of day, day of week)."""
    out: FloatArray = wave(2.0 * np.pi * values / period)
    return out


def _tod_sin(bars: Bars, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    return _cyclic(_minute_of_day(bars), 1440.0, np.sin)


def _tod_cos(bars: Bars, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    return _cyclic(_minute_of_day(bars), 1440.0, np.cos)


def _dow_sin(bars: Bars, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    return _cyclic(_day_of_week(bars), 7.0, np.sin)


def _dow_cos(bars: Bars, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    return _cyclic(_day_of_week(bars), 7.0, np.cos)


def _session(bars: Bars, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    hour = _minute_of_day(bars) // 60.0
    lo, hi = p["hours"]
    flag: FloatArray = ((hour >= lo) & (hour < hi)).astype(np.float64)
    return flag


def calendar_specs() -> list[FeatureSpec]:
    """Time of day / week and session flags (group ``calendar``); no warm-up."""
    specs = [
        FeatureSpec(
            "tod_sin", _tod_sin, group="calendar", description="sin(2 pi minute/1440)", **_ROW
        ),
        FeatureSpec("tod_cos", _tod_cos, group="calendar", **_ROW),
        FeatureSpec("dow_sin", _dow_sin, group="calendar", description="Monday = 0", **_ROW),
        FeatureSpec("dow_cos", _dow_cos, group="calendar", **_ROW),
    ]
    specs += [
        FeatureSpec(
            f"session_{name}",
            _session,
            {"hours": hours},
            group="calendar",
            description=f"1 when the bar opens in UTC hours [{hours[0]}, {hours[1]})",
            **_ROW,
        )
        for name, hours in SESSIONS.items()
    ]
    return specs


def register_calendar_features(reg: FeatureRegistry) -> None:
    for s in calendar_specs():
        reg.register(s)


__all__ = ["SESSIONS", "calendar_specs", "register_calendar_features"]
