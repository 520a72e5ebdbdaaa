"""Fractal swing highs and lows, reported at the bar that confirms them.

Bar ``i`` is a swing high of length ``n`` when its high is strictly above the ``n`` highs before it
and at least the ``n`` highs after it (a tie keeps the earlier bar); swing lows mirror this. The
event refers to bar ``i`` and is **confirmed at bar i+n** — the first bar at which it is knowable.
Swings alternate: a swing of the same kind as the previous accepted one is accepted only when it
is more extreme (it then replaces the previous one as the structure level; the earlier report is
never rewritten); otherwise it is ignored. Williams (1995) fractals; the alternation follows the
``smartmoneyconcepts`` pruning, done causally.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from tradequorum.smc.inputs import F64, I64, BarArrays, event_table, frame, to_arrays


@njit(cache=True)
def _is_pivot_high(high: F64, i: int, n: int) -> bool:  # pragma: no cover - numba
    for j in range(i - n, i):
        if high[j] >= high[i]:
            return False
    for j in range(i + 1, i + n + 1):  # noqa: SIM110 - plain loop for numba
        if high[j] > high[i]:
            return False
    return True


@njit(cache=True)
def _is_pivot_low(low: F64, i: int, n: int) -> bool:  # pragma: no cover - numba
    for j in range(i - n, i):
        if low[j] <= low[i]:
            return False
    for j in range(i + 1, i + n + 1):  # noqa: SIM110 - plain loop for numba
        if low[j] < low[i]:
            return False
    return True


@njit(cache=True)
def swing_kernel(
    open_: F64, high: F64, low: F64, close: F64, n: int, alternate: bool
) -> tuple[F64, F64, I64, I64, F64, F64]:  # pragma: no cover - numba
    """Per bar: level of a swing high / low accepted at this bar (NaN else), and the pivot
    positions (-1 else); plus the last accepted swing high / low levels after the bar."""
    m = len(close)
    sh = np.full(m, np.nan)
    sl = np.full(m, np.nan)
    sh_pos = np.full(m, -1, np.int64)
    sl_pos = np.full(m, -1, np.int64)
    last_h = np.full(m, np.nan)
    last_l = np.full(m, np.nan)
    kind = 0  # last accepted kind: 1 high, -1 low, 0 none
    cur_h = np.nan
    cur_l = np.nan
    for t in range(m):
        i = t - n
        if i >= n:
            ph = _is_pivot_high(high, i, n)
            pl = _is_pivot_low(low, i, n)
            both = ph and pl
            # order for an outside bar: the opposite of the last kind first (alternation)
            low_first = kind == 1 or (kind == 0 and close[i] > open_[i])
            tie = both and kind == 0 and close[i] == open_[i]
            for step in range(2):
                do_low = (step == 0) == low_first
                if do_low and pl and (not alternate or kind != -1 or low[i] < cur_l):
                    sl[t] = low[i]
                    sl_pos[t] = i
                    cur_l = low[i]
                    kind = -1
                elif (not do_low) and ph and (not alternate or kind != 1 or high[i] > cur_h):
                    sh[t] = high[i]
                    sh_pos[t] = i
                    cur_h = high[i]
                    kind = 1
            if tie:  # no order can be told apart from its mirror image
                kind = 0
        last_h[t] = cur_h
        last_l[t] = cur_l
    return sh, sl, sh_pos, sl_pos, last_h, last_l


@dataclass(frozen=True, slots=True)
class SwingResult:
    """``frame``: per bar (causal); ``events``: one row per accepted swing."""

    frame: pd.DataFrame
    events: pd.DataFrame


def compute_swings(
    a: BarArrays, length: int, *, alternate: bool = True
) -> tuple[F64, F64, I64, I64, F64, F64]:
    """Kernel outputs on arrays (see :func:`swing_kernel`); ``alternate=False`` keeps every
    pivot (liquidity pools need repeated highs)."""
    if length < 1:
        raise ValueError("swing length must be >= 1")
    return swing_kernel(a.open, a.high, a.low, a.close, int(length), alternate)  # type: ignore[no-any-return]


def detect_swings(bars: pd.DataFrame, *, length: int = 5) -> SwingResult:
    """Swing highs/lows of fractal ``length`` on closed bars.

    Frame columns: ``swing_high``/``swing_low`` (level at the confirming bar, NaN else),
    ``last_swing_high``/``last_swing_low`` (structure levels known after the bar). Events:
    ``index`` (pivot bar), ``confirmed_at`` (pivot + length), ``kind`` (+1 high, -1 low), ``level``.
    Fewer than ``2*length+1`` bars give no swing (an all-NaN frame, an empty table).
    """
    a = to_arrays(bars)
    sh, sl, shp, slp, lh, ll = compute_swings(a, length)
    fr = frame(
        bars.index,
        {"swing_high": sh, "swing_low": sl, "last_swing_high": lh, "last_swing_low": ll},
    )
    return SwingResult(fr, swing_events(bars.index, sh, sl, shp, slp))


def swing_events(index: pd.Index, sh: F64, sl: F64, shp: I64, slp: I64) -> pd.DataFrame:
    """Event table of accepted swings ordered by confirmation (highs before lows on a tie)."""
    th = np.flatnonzero(shp >= 0)
    tl = np.flatnonzero(slp >= 0)
    conf = np.concatenate([th, tl]).astype(np.int64)
    pos = np.concatenate([shp[th], slp[tl]]).astype(np.int64)
    kind = np.concatenate([np.ones(len(th)), -np.ones(len(tl))])
    level = np.concatenate([sh[th], sl[tl]])
    order = np.lexsort((-kind, conf))
    return event_table(index, pos[order], conf[order], {"kind": kind[order], "level": level[order]})


__all__ = ["SwingResult", "compute_swings", "detect_swings", "swing_events", "swing_kernel"]
