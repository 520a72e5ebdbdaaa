"""Premium / discount of the current dealing range and the optimal trade entry (OTE) band.

The dealing range runs from the last confirmed swing low to the last confirmed swing high (swing
structure), each extended by the extremes traded since (a trailing range, as LuxAlgo's). Position
``(close - low) / (high - low)`` in [0, 1] (outside after a break): above 0.5 is premium, below is
discount, 0.5 is equilibrium. The leg runs toward the more recent extreme: after an up leg the
bullish OTE is the ``ote_low``..``ote_high`` retracement of it (0.62–0.79, ICT), after a down leg the
bearish OTE mirrors it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from tradequorum.config.smc import SmcConfig
from tradequorum.smc.inputs import F64, I64, BarArrays, frame, to_arrays
from tradequorum.smc.swings import compute_swings


@njit(cache=True)
def range_kernel(
    high: F64, low: F64, sh: F64, sh_pos: I64, sl: F64, sl_pos: I64
) -> tuple[F64, F64, F64]:  # pragma: no cover - numba
    """Trailing range high/low after each bar, and the leg direction (+1 up, -1 down, 0)."""
    m = len(high)
    rh = np.full(m, np.nan)
    rl = np.full(m, np.nan)
    leg = np.zeros(m)
    hi = np.nan
    lo = np.nan
    hp = -1
    lp = -1
    for t in range(m):
        if sh_pos[t] >= 0:
            hi, hp = sh[t], sh_pos[t]
        if sl_pos[t] >= 0:
            lo, lp = sl[t], sl_pos[t]
        if hp >= 0 and high[t] > hi:
            hi, hp = high[t], t
        if lp >= 0 and low[t] < lo:
            lo, lp = low[t], t
        if hp >= 0 and lp >= 0:
            rh[t], rl[t] = hi, lo
            leg[t] = 1.0 if hp > lp else (-1.0 if lp > hp else 0.0)
    return rh, rl, leg


def zones_from_range(rh: F64, rl: F64, leg: F64, close: F64, cfg: SmcConfig) -> dict[str, F64]:
    """Range, equilibrium, position, zone (+1 premium, -1 discount), leg, OTE band, ``in_ote``
    from the range kernel's output; elementwise, so a slice of bars gives the same values."""
    width = rh - rl
    ok = width > 0
    pos = np.where(ok, (close - rl) / np.where(ok, width, 1.0), np.nan)
    bull, bear = ok & (leg > 0), ok & (leg < 0)
    lo = np.where(bull, rh - cfg.ote_high * width, np.where(bear, rl + cfg.ote_low * width, np.nan))
    hi = np.where(bull, rh - cfg.ote_low * width, np.where(bear, rl + cfg.ote_high * width, np.nan))
    return {
        "range_high": rh,
        "range_low": rl,
        "equilibrium": np.where(ok, rl + 0.5 * width, np.nan),
        "position": pos,
        "zone": np.where(np.isnan(pos), 0.0, np.sign(pos - 0.5)),
        "leg": leg,
        "ote_lo": lo,
        "ote_hi": hi,
        "in_ote": ((close >= lo) & (close <= hi)).astype(np.float64),
    }


def zones_from_swings(
    a: BarArrays, sh: F64, sh_pos: I64, sl: F64, sl_pos: I64, cfg: SmcConfig
) -> dict[str, F64]:
    """Range, equilibrium, position, zone (+1 premium, -1 discount), leg, OTE band, ``in_ote``."""
    rh, rl, leg = range_kernel(a.high, a.low, sh, sh_pos, sl, sl_pos)
    return zones_from_range(rh, rl, leg, a.close, cfg)


def compute_zones(a: BarArrays, cfg: SmcConfig) -> dict[str, F64]:
    """Premium/discount and OTE from the swing structure of ``cfg.swing_length``."""
    sh, sl, shp, slp, _lh, _ll = compute_swings(a, cfg.swing_length)
    return zones_from_swings(a, sh, shp, sl, slp, cfg)


def detect_zones(bars: pd.DataFrame, cfg: SmcConfig | None = None) -> pd.DataFrame:
    """Premium/discount and OTE per bar (see :func:`compute_zones`)."""
    a = to_arrays(bars)
    return frame(bars.index, compute_zones(a, cfg or SmcConfig()))


__all__ = ["compute_zones", "detect_zones", "range_kernel", "zones_from_range", "zones_from_swings"]
