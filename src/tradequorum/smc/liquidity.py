"""Liquidity pools (equal highs / equal lows) and their sweeps.

Each confirmed swing high (fractal ``length``) rests as buy-side liquidity. When a new swing high
is confirmed within ``tolerance_atr * ATR`` (ATR at the confirming bar) of a resting level, the two
form a pool of equal highs (``index`` = the first member's pivot, ``confirmed_at`` = the bar that
confirmed the second); later members join it; its level is the highest member. A bar whose high
trades above a resting level and closes back at or below it **sweeps** it; a close above it takes it
(runs it). Either way the level is consumed. Single swing levels can be swept too
(``sweep_single``). Sell-side mirrors it (same kernel on negated prices). ``smartmoneyconcepts``
instead sizes its tolerance from the whole file's range (future included) and writes pools back on
the first member's row; see docs/smc.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from tradequorum.smc.fvg import _slot
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
from tradequorum.smc.swings import compute_swings


@njit(cache=True)
def _nearest_above(
    f: np.ndarray, t: int, lvl: float, members: float, close: float
) -> None:  # pragma: no cover
    row = 4 if members >= 2 else 5
    if lvl > close and (np.isnan(f[row, t]) or lvl < f[row, t]):
        f[row, t] = lvl


@njit(cache=True)
def liquidity_side_kernel(  # noqa: C901 - one numba pass over bars; splitting costs calls per bar
    high: F64, close: F64, sh: F64, sh_pos: I64, atr: F64,
    tol_atr: float, sweep_single: bool, max_age: int, cap: int,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip  # pragma: no cover - numba
    """Buy-side (highs). Per-bar rows: 0 pool created (0/1), 1 its level, 2 swept level (max),
    3 taken level, 4 nearest pool above the close, 5 nearest single level above the close.
    Events rows: first pivot, confirmed, level, members, swept_at, taken_at, is_pool."""
    m = len(close)
    f = np.full((6, m), np.nan)
    f[0] = 0.0
    n_max = 1
    for t in range(m):
        if sh_pos[t] >= 0:
            n_max += 1
    ev = np.full((7, n_max), np.nan)
    alive = np.zeros(cap, np.bool_)
    z_conf = np.zeros(cap, np.int64)
    z_id = np.zeros(cap, np.int64)
    hi = 0  # slots >= hi are all free: loops stop there
    z_lvl = np.zeros(cap)
    z_cnt = np.zeros(cap)
    n_ev = 0
    for t in range(m):
        while hi > 0 and not alive[hi - 1]:
            hi -= 1
        for k in range(hi):
            if not alive[k]:
                continue
            lvl = z_lvl[k]
            if t - z_conf[k] > max_age:
                alive[k] = False
                continue
            if high[t] > lvl:
                alive[k] = False
                e = z_id[k]
                if close[t] <= lvl:
                    if z_cnt[k] >= 2 or sweep_single:
                        ev[4, e] = t
                        f[2, t] = lvl if np.isnan(f[2, t]) else max(f[2, t], lvl)
                else:
                    ev[5, e] = t
                    f[3, t] = lvl if np.isnan(f[3, t]) else max(f[3, t], lvl)
                continue
            _nearest_above(f, t, lvl, z_cnt[k], close[t])
        if sh_pos[t] >= 0:
            x = sh[t]
            tol = tol_atr * atr[t] if atr[t] > 0 else 0.0
            best = -1
            for k in range(hi):
                if alive[k]:
                    gap = abs(z_lvl[k] - x)
                    if gap <= tol and (
                        best < 0
                        or gap < abs(z_lvl[best] - x)
                        or (gap == abs(z_lvl[best] - x) and z_conf[k] > z_conf[best])
                    ):
                        best = k
            if best >= 0:
                e = z_id[best]
                z_cnt[best] += 1.0
                z_lvl[best] = max(z_lvl[best], x)
                ev[3, e], ev[2, e] = z_cnt[best], z_lvl[best]
                if z_cnt[best] == 2.0:
                    ev[1, e] = t
                    ev[6, e] = 1.0
                    z_conf[best] = t
                    f[0, t], f[1, t] = 1.0, z_lvl[best]
            else:
                k = _slot(alive, z_conf)
                hi = max(hi, k + 1)
                alive[k], z_conf[k], z_id[k], z_lvl[k], z_cnt[k] = True, t, n_ev, x, 1.0
                ev[0, n_ev], ev[1, n_ev], ev[2, n_ev], ev[3, n_ev] = sh_pos[t], t, x, 1.0
                ev[6, n_ev] = 0.0
                n_ev += 1
            f[4, t] = f[5, t] = np.nan  # a level was added or changed: rescan
            for k in range(hi):
                if alive[k]:
                    _nearest_above(f, t, z_lvl[k], z_cnt[k], close[t])
    return f, ev[:, :n_ev]


@dataclass(frozen=True, slots=True)
class LiquiditySide:
    frame: np.ndarray
    ev: np.ndarray


def liquidity_side(a: BarArrays, atr: F64, length: int, *, buy_side: bool, tol_atr: float,
                   sweep_single: bool, max_age: int, cap: int) -> LiquiditySide:  # fmt: skip
    """One side in real prices (sell-side runs on negated prices)."""
    b = a if buy_side else a.mirrored()
    sh, _sl, shp, _slp, _lh, _ll = compute_swings(b, length, alternate=False)
    f, ev = liquidity_side_kernel(
        b.high, b.close, sh, shp, atr, tol_atr, sweep_single, max_age, cap
    )
    return liquidity_side_output(f, ev, buy_side=buy_side)


def liquidity_side_output(f: np.ndarray, ev: np.ndarray, *, buy_side: bool) -> LiquiditySide:
    """Wrap fresh kernel output; the sell side (negated prices) is flipped back in place."""
    if not buy_side:
        liquidity_flip(f, ev)
    return LiquiditySide(f, ev)


@njit(cache=True)
def liquidity_flip(f: np.ndarray, ev: np.ndarray) -> None:  # pragma: no cover - numba
    """Fresh kernel output of the sell side (negated prices) back in real prices, in place."""
    f[1:] = -f[1:]
    ev[2] = -ev[2]


@dataclass(frozen=True, slots=True)
class LiquidityResult:
    frame: pd.DataFrame
    events: pd.DataFrame


def liquidity_columns(bs: LiquiditySide, ss: LiquiditySide) -> dict[str, np.ndarray]:
    """Per bar: ``eqh``/``eql`` (pool created) and levels, sweeps and runs of each side, the
    nearest resting pool (and single swing level) above (buy-side) and below (sell-side)."""
    return {
        "eqh": bs.frame[0],
        "eqh_level": bs.frame[1],
        "eql": ss.frame[0],
        "eql_level": ss.frame[1],
        "bsl_swept": bs.frame[2],
        "ssl_swept": ss.frame[2],
        "bsl_taken": bs.frame[3],
        "ssl_taken": ss.frame[3],
        "bsl_pool": bs.frame[4],
        "ssl_pool": ss.frame[4],
        "bsl_single": bs.frame[5],
        "ssl_single": ss.frame[5],
    }


def liquidity_frame(index: pd.Index, bs: LiquiditySide, ss: LiquiditySide) -> pd.DataFrame:
    """The columns of :func:`liquidity_columns` as a frame on ``index``."""
    return frame(index, liquidity_columns(bs, ss))


def liquidity_events(index: pd.Index, bs: LiquiditySide, ss: LiquiditySide) -> pd.DataFrame:
    """Pools only (2+ members): ``side`` +1 buy-side (EQH), -1 sell-side (EQL)."""
    ev = np.concatenate([bs.ev, ss.ev], axis=1)
    side = np.concatenate([np.ones(bs.ev.shape[1]), -np.ones(ss.ev.shape[1])])
    keep = ev[6] == 1.0
    ev, side = ev[:, keep], side[keep]
    o = np.argsort(ev[1], kind="stable")
    ev, side = ev[:, o], side[o]

    def when(row: int) -> pd.DatetimeIndex:
        return time_at(index, np.where(np.isnan(ev[row]), -1, ev[row]).astype(np.int64))

    cols = {
        "side": side,
        "level": ev[2],
        "members": ev[3],
        "swept_at": when(4),
        "taken_at": when(5),
    }
    return event_table(index, ev[0].astype(np.int64), ev[1].astype(np.int64), cols)


def detect_liquidity(
    bars: pd.DataFrame,
    *,
    length: int = 3,
    tolerance_atr: float = 0.1,
    atr_period: int = 14,
    sweep_single: bool = True,
    max_age: int = 1000,
    capacity: int = 64,
) -> LiquidityResult:
    """Equal highs/lows and sweeps on closed bars (causal; see the module docstring)."""
    a = to_arrays(bars)
    atr = atr_sma(a.high, a.low, a.close, atr_period)
    kw = {
        "tol_atr": tolerance_atr,
        "sweep_single": sweep_single,
        "max_age": max_age,
        "cap": capacity,
    }
    bs = liquidity_side(a, atr, length, buy_side=True, **kw)  # type: ignore[arg-type]
    ss = liquidity_side(a, atr, length, buy_side=False, **kw)  # type: ignore[arg-type]
    return LiquidityResult(
        liquidity_frame(bars.index, bs, ss), liquidity_events(bars.index, bs, ss)
    )


__all__ = [
    "LiquidityResult",
    "LiquiditySide",
    "detect_liquidity",
    "liquidity_columns",
    "liquidity_events",
    "liquidity_flip",
    "liquidity_frame",
    "liquidity_side",
    "liquidity_side_kernel",
    "liquidity_side_output",
]
