"""Previous day/week high and low, and Asia / London / New York killzone highs and lows (UTC).

A period (a UTC day, a Monday-based week, one instance of a session) counts only when the loaded
data covers its start: a first period that began before the first loaded bar is partial and never
reported, so values do not depend on where the history was cut. A period's high/low becomes known
at the first bar after it (the bar that shows it has closed). While a session is open its running
high/low (bars <= t) is reported too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from tradequorum.config.smc import SmcConfig
from tradequorum.smc.inputs import F64, I64, BarArrays, frame, to_arrays

MINUTE_NS = 60 * 1_000_000_000
DAY_NS = 1440 * MINUTE_NS


@njit(cache=True)
def period_levels(
    pid: I64, start_ns: I64, t_ns: I64, high: F64, low: F64
) -> tuple[F64, F64, F64, F64]:  # pragma: no cover - numba
    """For period ids per bar (-1: outside any period): running high/low of the current period
    and high/low of the last completed period (NaN when none or partial)."""
    m = len(high)
    run_h = np.full(m, np.nan)
    run_l = np.full(m, np.nan)
    prev_h = np.full(m, np.nan)
    prev_l = np.full(m, np.nan)
    cur = -1
    ok = False
    ch = np.nan
    cl = np.nan
    ph = np.nan
    pl = np.nan
    for t in range(m):
        if pid[t] != cur:
            if cur >= 0 and ok:
                ph, pl = ch, cl
            cur = pid[t]
            ok = cur >= 0 and (t > 0 or t_ns[0] == start_ns[t])
            ch = high[t]
            cl = low[t]
        elif cur >= 0:
            ch = max(ch, high[t])
            cl = min(cl, low[t])
        if cur >= 0 and ok:
            run_h[t], run_l[t] = ch, cl
        prev_h[t], prev_l[t] = ph, pl
    return run_h, run_l, prev_h, prev_l


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def session_ids(t_ns: I64, start: str, end: str) -> tuple[I64, I64]:
    """Instance id (the UTC day the session starts on; -1 outside) and instance start (ns)."""
    s, e = _minutes(start), _minutes(end)
    day = t_ns // DAY_NS
    mod = (t_ns % DAY_NS) // MINUTE_NS
    if s < e:
        inside = (mod >= s) & (mod < e)
        inst = day
    else:
        inside = (mod >= s) | (mod < e)
        inst = np.where(mod >= s, day, day - 1)
    pid = np.where(inside, inst, -1).astype(np.int64)
    return pid, (inst * DAY_NS + s * MINUTE_NS).astype(np.int64)


def day_week_ids(t_ns: I64) -> tuple[I64, I64, I64, I64]:
    """UTC day ids and starts; Monday-based week ids and starts (1970-01-01 was a Thursday)."""
    day = t_ns // DAY_NS
    week = (day + 3) // 7
    return day, day * DAY_NS, week, (week * 7 - 3) * DAY_NS


def previous_day(a: BarArrays) -> tuple[F64, F64]:
    """Previous UTC day's high and low per bar (``pdh``, ``pdl``), as in :func:`compute_sessions`."""
    day = a.t_ns // DAY_NS
    _rh, _rl, pdh, pdl = period_levels(day, day * DAY_NS, a.t_ns, a.high, a.low)
    return pdh, pdl


def compute_sessions(a: BarArrays, cfg: SmcConfig) -> dict[str, F64]:
    """All periodic levels as arrays (see :func:`detect_sessions` for the names)."""
    out: dict[str, F64] = {}
    _day, _dstart, week, wstart = day_week_ids(a.t_ns)
    out["pdh"], out["pdl"] = previous_day(a)
    _rh, _rl, out["pwh"], out["pwl"] = period_levels(week, wstart, a.t_ns, a.high, a.low)
    code = np.zeros(len(a))
    run_h = np.full(len(a), np.nan)
    run_l = np.full(len(a), np.nan)
    for k, (name, span) in enumerate(
        (("asia", cfg.asia_utc), ("london", cfg.london_utc), ("ny", cfg.new_york_utc)), start=1
    ):
        pid, start = session_ids(a.t_ns, *span)
        rh, rl, out[f"{name}_high"], out[f"{name}_low"] = period_levels(
            pid, start, a.t_ns, a.high, a.low
        )
        inside = pid >= 0
        code = np.where(inside & (code == 0), float(k), code)
        run_h = np.where(inside & np.isnan(run_h), rh, run_h)
        run_l = np.where(inside & np.isnan(run_l), rl, run_l)
    out["session"], out["session_high"], out["session_low"] = code, run_h, run_l
    return out


def detect_sessions(bars: pd.DataFrame, cfg: SmcConfig | None = None) -> pd.DataFrame:
    """Per bar: ``pdh pdl pwh pwl``; ``session`` (0 none, 1 Asia, 2 London, 3 New York),
    its running ``session_high/low``; last completed ``asia_high/low``, ``london_*``, ``ny_*``."""
    a = to_arrays(bars)
    return frame(bars.index, compute_sessions(a, cfg or SmcConfig()))


__all__ = [
    "compute_sessions",
    "day_week_ids",
    "detect_sessions",
    "period_levels",
    "previous_day",
    "session_ids",
]
