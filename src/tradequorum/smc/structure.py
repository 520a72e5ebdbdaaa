"""Market structure: trend state, break of structure (BOS) and change of character (CHoCH).

At bar t, after the swings confirmed at t are taken in, a close (or a wick, ``break_on="wick"``)
beyond the last confirmed, not yet broken swing high is a bullish break: a **CHoCH** when the trend
was bearish, a **BOS** otherwise (LuxAlgo's convention, the first break is a BOS). Bearish breaks
mirror it. A broken level cannot break twice. The event refers to the broken swing's pivot bar
(``index``) and is confirmed at the breaking bar. *Internal* structure uses a short swing length,
*swing* structure a long one; both are this same kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from tradequorum.smc.inputs import F64, I64, BarArrays, event_table, frame, to_arrays
from tradequorum.smc.swings import compute_swings


@njit(cache=True)
def structure_kernel(
    open_: F64,
    high: F64,
    low: F64,
    close: F64,
    sh: F64,
    sl: F64,
    sh_pos: I64,
    sl_pos: I64,
    on_close: bool,
) -> tuple[F64, F64, F64, F64, F64, I64, I64]:  # pragma: no cover - numba
    """Per bar: trend after the bar; bullish/bearish break code (1 BOS, 2 CHoCH, 0 none);
    broken levels (NaN else); pivot positions of the broken swings (-1 else)."""
    m = len(close)
    trend = np.zeros(m)
    up = np.zeros(m)
    dn = np.zeros(m)
    up_lvl = np.full(m, np.nan)
    up_piv = np.full(m, -1, np.int64)
    dn_piv = np.full(m, -1, np.int64)
    dn_lvl = np.full(m, np.nan)
    h_lvl = np.nan
    l_lvl = np.nan
    h_piv = -1
    l_piv = -1
    tr = 0.0
    for t in range(m):
        if sh_pos[t] >= 0:
            h_lvl = sh[t]
            h_piv = sh_pos[t]
        if sl_pos[t] >= 0:
            l_lvl = sl[t]
            l_piv = sl_pos[t]
        p_up = close[t] if on_close else high[t]
        p_dn = close[t] if on_close else low[t]
        brk_up = h_piv >= 0 and p_up > h_lvl
        brk_dn = l_piv >= 0 and p_dn < l_lvl
        if brk_up:
            up[t] = 2.0 if tr < 0 else 1.0
            up_lvl[t] = h_lvl
            up_piv[t] = h_piv
            h_piv = -1
        if brk_dn:
            dn[t] = 2.0 if tr > 0 else 1.0
            dn_lvl[t] = l_lvl
            dn_piv[t] = l_piv
            l_piv = -1
        if brk_up and not brk_dn:
            tr = 1.0
        elif brk_dn and not brk_up:
            tr = -1.0
        elif brk_up and brk_dn:  # wick mode, outside bar: the close decides
            if close[t] > open_[t]:
                tr = 1.0
            elif close[t] < open_[t]:
                tr = -1.0
        trend[t] = tr
    return trend, up, dn, up_lvl, dn_lvl, up_piv, dn_piv


@dataclass(frozen=True, slots=True)
class StructureArrays:
    """Kernel outputs of one structure level (swing or internal)."""

    trend: F64
    up: F64
    dn: F64
    up_level: F64
    dn_level: F64
    up_pivot: I64
    dn_pivot: I64
    swing_high: F64
    swing_low: F64
    swing_high_pos: I64
    swing_low_pos: I64
    last_high: F64
    last_low: F64


def compute_structure(a: BarArrays, length: int, on_close: bool) -> StructureArrays:
    """Swings of ``length`` and the structure they make, on arrays."""
    sh, sl, shp, slp, lh, ll = compute_swings(a, length)
    out = structure_kernel(a.open, a.high, a.low, a.close, sh, sl, shp, slp, on_close)
    return StructureArrays(*out, sh, sl, shp, slp, lh, ll)  # type: ignore[misc]


@dataclass(frozen=True, slots=True)
class StructureResult:
    frame: pd.DataFrame
    events: pd.DataFrame


def structure_columns(s: StructureArrays, prefix: str = "") -> dict[str, np.ndarray]:
    """Per-bar columns: trend, bos_bull, bos_bear, choch_bull, choch_bear (0/1), the broken
    levels and the current swing levels."""
    p = prefix
    return {
        f"{p}trend": s.trend,
        f"{p}bos_bull": s.up == 1.0,
        f"{p}bos_bear": s.dn == 1.0,
        f"{p}choch_bull": s.up == 2.0,
        f"{p}choch_bear": s.dn == 2.0,
        f"{p}bull_break_level": s.up_level,
        f"{p}bear_break_level": s.dn_level,
        f"{p}last_swing_high": s.last_high,
        f"{p}last_swing_low": s.last_low,
    }


def structure_frame(s: StructureArrays, index: pd.Index, prefix: str = "") -> pd.DataFrame:
    """The columns of :func:`structure_columns` as a frame on ``index``."""
    return frame(index, structure_columns(s, prefix))


def structure_events(s: StructureArrays, index: pd.Index) -> pd.DataFrame:
    """One row per break: ``index`` (broken pivot), ``confirmed_at`` (breaking bar), ``direction``
    (+1/-1), ``kind`` ("BOS"/"CHoCH"), ``level``."""
    tu = np.flatnonzero(s.up > 0)
    td = np.flatnonzero(s.dn > 0)
    conf = np.concatenate([tu, td]).astype(np.int64)
    pos = np.concatenate([s.up_pivot[tu], s.dn_pivot[td]]).astype(np.int64)
    direction = np.concatenate([np.ones(len(tu)), -np.ones(len(td))])
    code = np.concatenate([s.up[tu], s.dn[td]])
    level = np.concatenate([s.up_level[tu], s.dn_level[td]])
    order = np.lexsort((-direction, conf))
    kind = np.where(code[order] == 2.0, "CHoCH", "BOS")
    return event_table(
        index,
        pos[order],
        conf[order],
        {"direction": direction[order], "kind": kind, "level": level[order]},
    )


def detect_structure(
    bars: pd.DataFrame, *, length: int = 5, break_on: str = "close"
) -> StructureResult:
    """BOS/CHoCH of swings of ``length`` (causal; each break stamped at the breaking bar)."""
    if break_on not in ("close", "wick"):
        raise ValueError("break_on must be 'close' or 'wick'")
    a = to_arrays(bars)
    s = compute_structure(a, length, break_on == "close")
    return StructureResult(structure_frame(s, bars.index), structure_events(s, bars.index))


def detect_internal_and_swing(
    bars: pd.DataFrame, *, internal_length: int = 3, swing_length: int = 5, break_on: str = "close"
) -> pd.DataFrame:
    """Both structure levels side by side: ``internal_*`` and ``swing_*`` columns."""
    a = to_arrays(bars)
    on_close = break_on == "close"
    fi = structure_columns(compute_structure(a, internal_length, on_close), "internal_")
    fs = structure_columns(compute_structure(a, swing_length, on_close), "swing_")
    return frame(bars.index, {**fi, **fs})


__all__ = [
    "StructureArrays",
    "StructureResult",
    "compute_structure",
    "detect_internal_and_swing",
    "detect_structure",
    "structure_columns",
    "structure_events",
    "structure_frame",
    "structure_kernel",
]
