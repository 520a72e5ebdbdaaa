"""Fair value gaps (three-candle imbalances), stamped at the candle that confirms them.

Definition (identical to ``smartmoneyconcepts`` 0.0.27 ``smc.fvg``): candle ``i`` makes a bullish
gap when ``high[i-1] < low[i+1]`` and it closes up (``close > open``); top ``low[i+1]``, bottom
``high[i-1]``. Bearish mirrors it. The gap is knowable only when candle ``i+1`` has closed, so it
is reported at ``confirmed_at = i+1`` with ``index = i`` (the peer writes it on row ``i``, one bar
early). Mitigation: the first later bar that trades into the gap (bullish: ``low <= top``, as the
peer's ``MitigatedIndex``); fill %: how much of the gap later lows have covered; a gap fully filled
or older than ``max_age`` bars is dropped. ``join_consecutive`` merges a gap confirmed right after
another of the same side into one (highest top, lowest bottom, first index), as the peer does.
One numba kernel handles the bullish side; the bearish side is the same kernel on negated prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from tradequorum.smc.inputs import (
    F64,
    I64,
    BarArrays,
    atr_sma,
    event_table,
    frame,
    time_at,
    to_arrays,
)


@njit(cache=True)
def _slot(alive: np.ndarray, conf: I64) -> int:  # pragma: no cover - numba
    """A free slot, else the one holding the oldest zone (dropped)."""
    best = 0
    for k in range(len(alive)):
        if not alive[k]:
            return k
        if conf[k] < conf[best]:
            best = k
    return best


@njit(cache=True)
def fvg_side_kernel(  # noqa: C901 - one numba pass over bars; splitting costs calls per bar
    open_: F64,
    high: F64,
    low: F64,
    close: F64,
    atr: F64,
    min_atr: float,
    join: bool,
    max_age: int,
    cap: int,
) -> tuple[
    F64, F64, F64, F64, F64, F64, F64, F64, F64, I64, I64, F64, F64, I64, I64, F64
]:  # pragma: no cover
    """Bullish gaps. Per bar: new (0/1), its top/bottom, first touches, fills, the latest live
    gap's top/bottom, and the top/bottom of a gap touched for the first time while the close
    held above its bottom (a point-of-interest hit). Then the event arrays."""
    m = len(close)
    new = np.zeros(m)
    new_top = np.full(m, np.nan)
    new_bot = np.full(m, np.nan)
    touched = np.zeros(m)
    filled = np.zeros(m)
    live_top = np.full(m, np.nan)
    live_bot = np.full(m, np.nan)
    hit_top = np.full(m, np.nan)
    hit_bot = np.full(m, np.nan)
    n_max = 1
    for t in range(2, m):
        if high[t - 2] < low[t] and close[t - 1] > open_[t - 1]:
            n_max += 1
    ev_pos = np.empty(n_max, np.int64)
    ev_conf = np.empty(n_max, np.int64)
    ev_top = np.empty(n_max)
    ev_bot = np.empty(n_max)
    ev_mit = np.full(n_max, -1, np.int64)
    ev_fill = np.full(n_max, -1, np.int64)
    ev_pct = np.zeros(n_max)
    alive = np.zeros(cap, np.bool_)
    z_conf = np.zeros(cap, np.int64)
    z_id = np.zeros(cap, np.int64)
    hi = 0  # slots >= hi are all free: loops stop there
    z_low = np.zeros(cap)
    n_ev = 0
    for t in range(m):
        while hi > 0 and not alive[hi - 1]:
            hi -= 1
        best_conf = -1
        latest = -1  # the most recent zone still alive after this bar
        for k in range(hi):
            if not alive[k]:
                continue
            if t - z_conf[k] > max_age:
                alive[k] = False
                continue
            e = z_id[k]
            top = ev_top[e]
            if low[t] <= top:
                bot = ev_bot[e]
                if ev_mit[e] < 0:
                    ev_mit[e] = t
                    touched[t] += 1.0
                    if close[t] >= bot and (np.isnan(hit_top[t]) or z_conf[k] > best_conf):
                        hit_top[t] = top
                        hit_bot[t] = bot
                        best_conf = z_conf[k]
                z_low[k] = min(z_low[k], low[t])
                ev_pct[e] = min(1.0, (top - z_low[k]) / (top - bot))
                if low[t] <= bot:
                    ev_fill[e] = t
                    filled[t] += 1.0
                    alive[k] = False
                    continue
            if latest < 0 or z_conf[k] > z_conf[latest]:
                latest = k
        if t >= 2 and high[t - 2] < low[t] and close[t - 1] > open_[t - 1]:
            top = low[t]
            bot = high[t - 2]
            if min_atr <= 0.0 or (not np.isnan(atr[t]) and top - bot >= min_atr * atr[t]):
                pos = t - 1
                if join and new[t - 1] > 0.0:
                    for k in range(hi):
                        if alive[k] and z_conf[k] == t - 1:
                            alive[k] = False
                    top = max(top, new_top[t - 1])
                    bot = min(bot, new_bot[t - 1])
                    pos = ev_pos[n_ev - 1]
                k = _slot(alive, z_conf)
                hi = max(hi, k + 1)
                alive[k] = True
                z_conf[k] = t
                z_id[k] = n_ev
                z_low[k] = np.inf
                ev_pos[n_ev] = pos
                ev_conf[n_ev] = t
                ev_top[n_ev] = top
                ev_bot[n_ev] = bot
                n_ev += 1
                new[t] = 1.0
                new_top[t] = top
                new_bot[t] = bot
                latest = k
        if latest >= 0:
            live_top[t] = ev_top[z_id[latest]]
            live_bot[t] = ev_bot[z_id[latest]]
    return (
        new, new_top, new_bot, touched, filled, live_top, live_bot, hit_top, hit_bot,
        ev_pos[:n_ev], ev_conf[:n_ev], ev_top[:n_ev], ev_bot[:n_ev],
        ev_mit[:n_ev], ev_fill[:n_ev], ev_pct[:n_ev],
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class FvgSide:
    """One side's kernel output, in real (un-negated) prices."""

    new: F64
    top: F64
    bottom: F64
    touched: F64
    filled: F64
    live_top: F64
    live_bottom: F64
    hit_top: F64
    hit_bottom: F64
    ev_pos: I64
    ev_conf: I64
    ev_top: F64
    ev_bottom: F64
    ev_mitigated: I64
    ev_filled: I64
    ev_fill_pct: F64


def fvg_side(a: BarArrays, atr: F64, *, bullish: bool, min_atr: float, join: bool,
             max_age: int, cap: int) -> FvgSide:  # fmt: skip
    """Run the kernel for one side; the bearish side runs on negated prices and is flipped back."""
    b = a if bullish else a.mirrored()
    r = fvg_side_kernel(b.open, b.high, b.low, b.close, atr, min_atr, join, max_age, cap)
    return fvg_side_output(r, bullish=bullish)


def fvg_side_output(r: tuple[np.ndarray, ...], *, bullish: bool) -> FvgSide:
    """Wrap the kernel's output; a bearish side (run on negated prices) is flipped back."""
    return FvgSide(*(r if bullish else fvg_flip(r)))  # type: ignore[arg-type]


@njit(cache=True)
def fvg_flip(r):  # type: ignore[no-untyped-def]  # pragma: no cover - numba
    """Kernel output of the negated (bearish) side back in real prices: tops and bottoms swap."""
    return (r[0], -r[2], -r[1], r[3], r[4], -r[6], -r[5], -r[8], -r[7],
            r[9], r[10], -r[12], -r[11], r[13], r[14], r[15])  # fmt: skip


@dataclass(frozen=True, slots=True)
class FvgResult:
    frame: pd.DataFrame
    events: pd.DataFrame


def detect_fvg(
    bars: pd.DataFrame,
    *,
    min_atr: float = 0.0,
    atr_period: int = 14,
    join_consecutive: bool = False,
    max_age: int = 1000,
    capacity: int = 64,
) -> FvgResult:
    """Fair value gaps on closed bars (causal; see the module docstring).

    Frame: ``fvg`` (+1/-1 at the confirming bar, 0 else), ``fvg_top``/``fvg_bottom``,
    ``fvg_mitigated``/``fvg_filled`` (gaps first touched / filled at the bar), ``bull_fvg_top``...
    (latest live gap of each side). Events: ``index``, ``confirmed_at``, ``direction``, ``top``,
    ``bottom``, and as of the last bar ``mitigated_at``, ``filled_at``, ``fill_pct``.
    """
    a = to_arrays(bars)
    atr = atr_sma(a.high, a.low, a.close, atr_period)
    kw = {"min_atr": min_atr, "join": join_consecutive, "max_age": max_age, "cap": capacity}
    bu = fvg_side(a, atr, bullish=True, **kw)  # type: ignore[arg-type]
    be = fvg_side(a, atr, bullish=False, **kw)  # type: ignore[arg-type]
    return FvgResult(fvg_frame(bars.index, bu, be), fvg_events(bars.index, bu, be))


def fvg_columns(bu: FvgSide, be: FvgSide) -> dict[str, np.ndarray]:
    both = (bu.new > 0) & (be.new > 0)  # impossible: a candle closes either up or down
    assert not both.any()
    return {
        "fvg": bu.new - be.new,
        "fvg_top": np.where(bu.new > 0, bu.top, be.top),
        "fvg_bottom": np.where(bu.new > 0, bu.bottom, be.bottom),
        "fvg_mitigated": bu.touched + be.touched,
        "fvg_filled": bu.filled + be.filled,
        "bull_fvg_top": bu.live_top,
        "bull_fvg_bottom": bu.live_bottom,
        "bear_fvg_top": be.live_top,
        "bear_fvg_bottom": be.live_bottom,
    }


def fvg_frame(index: pd.Index, bu: FvgSide, be: FvgSide) -> pd.DataFrame:
    """The columns of :func:`fvg_columns` as a frame on ``index``."""
    return frame(index, fvg_columns(bu, be))


def fvg_events(index: pd.Index, bu: FvgSide, be: FvgSide) -> pd.DataFrame:
    pos = np.concatenate([bu.ev_pos, be.ev_pos])
    conf = np.concatenate([bu.ev_conf, be.ev_conf])
    d = np.concatenate([np.ones(len(bu.ev_pos)), -np.ones(len(be.ev_pos))])
    mit = np.concatenate([bu.ev_mitigated, be.ev_mitigated])
    fil = np.concatenate([bu.ev_filled, be.ev_filled])
    o = np.argsort(conf, kind="stable")
    cols = {
        "direction": d[o],
        "top": np.concatenate([bu.ev_top, be.ev_top])[o],
        "bottom": np.concatenate([bu.ev_bottom, be.ev_bottom])[o],
        "mitigated_at": time_at(index, mit[o]),
        "filled_at": time_at(index, fil[o]),
        "fill_pct": np.concatenate([bu.ev_fill_pct, be.ev_fill_pct])[o],
    }
    return event_table(index, pos[o], conf[o], cols)


__all__ = [
    "FvgResult",
    "FvgSide",
    "detect_fvg",
    "fvg_columns",
    "fvg_events",
    "fvg_flip",
    "fvg_frame",
    "fvg_side",
    "fvg_side_kernel",
    "fvg_side_output",
]
