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


@njit(cache=True)
def zones_kernel(  # type: ignore[no-untyped-def]  # pragma: no cover - numba
    rh: F64, rl: F64, leg: F64, close: F64, ote_low: float, ote_high: float
):
    """Elementwise (any slice of bars gives the same values): equilibrium, position, zone (+1
    premium, -1 discount, 0 at equilibrium or without a range), OTE low/high, ``in_ote``."""
    k = len(close)
    eq, pos, zone = np.full(k, np.nan), np.full(k, np.nan), np.zeros(k)
    lo, hi, in_ote = np.full(k, np.nan), np.full(k, np.nan), np.zeros(k)
    for t in range(k):
        width = rh[t] - rl[t]
        if not width > 0:  # NaN range (no swings yet) or a flat one
            continue
        eq[t] = rl[t] + 0.5 * width
        pos[t] = (close[t] - rl[t]) / width
        d = pos[t] - 0.5
        zone[t] = 1.0 if d > 0 else (-1.0 if d < 0 else 0.0)  # np.sign; pos is finite here
        if leg[t] > 0:
            lo[t], hi[t] = rh[t] - ote_high * width, rh[t] - ote_low * width
        elif leg[t] < 0:
            lo[t], hi[t] = rl[t] + ote_low * width, rl[t] + ote_high * width
        in_ote[t] = 1.0 if (close[t] >= lo[t] and close[t] <= hi[t]) else 0.0
    return eq, pos, zone, lo, hi, in_ote


def zones_from_range(rh: F64, rl: F64, leg: F64, close: F64, cfg: SmcConfig) -> dict[str, F64]:
    """Range, equilibrium, position, zone (+1 premium, -1 discount), leg, OTE band, ``in_ote``
    from the range kernel's output (see :func:`zones_kernel`)."""
    eq, pos, zone, lo, hi, in_ote = zones_kernel(rh, rl, leg, close, cfg.ote_low, cfg.ote_high)
    return zones_dict(rh, rl, leg, (eq, pos, zone, lo, hi, in_ote))


def zones_dict(rh: F64, rl: F64, leg: F64, z: tuple[F64, ...]) -> dict[str, F64]:
    """The zone columns in their order, from the range and :func:`zones_kernel`'s output."""
    eq, pos, zone, lo, hi, in_ote = z
    return {"range_high": rh, "range_low": rl, "equilibrium": eq, "position": pos, "zone": zone,
            "leg": leg, "ote_lo": lo, "ote_hi": hi, "in_ote": in_ote}  # fmt: skip


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


__all__ = [
    "compute_zones",
    "detect_zones",
    "range_kernel",
    "zones_dict",
    "zones_from_range",
    "zones_from_swings",
    "zones_kernel",
]
