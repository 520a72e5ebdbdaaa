"""Order blocks and breaker blocks, created at the bar whose close breaks structure.

On a bullish break at bar t of the swing high pivoted at p, the displacement leg starts at the bar
with the lowest low in ``(p, t)`` (the last such bar on ties, as ``smartmoneyconcepts`` does; bar
``t-1`` when the leg is one bar long). The order block is the **last down-close candle** at or
before that bar (within the leg), else the lowest bar itself: ``top/bottom`` are its high/low,
``index`` its position, ``confirmed_at = t``. ``volume`` is the volume of bars t-2..t (as the peer's
``OBVolume``); ``strength`` is how far the breaking close ran beyond the block, in ATR.
Afterwards: the first later bar that trades into the block mitigates it; a close (or wick) beyond
its bottom turns it into a bearish **breaker** (resistance), which a close beyond its top ends.
Bearish blocks mirror this (same kernel on negated prices). Blocks expire after ``max_age`` bars.
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
from tradequorum.smc.structure import compute_structure


@njit(cache=True)
def _block_bar(open_: F64, low: F64, close: F64, p: int, t: int) -> int:  # pragma: no cover
    m_ = t - 1
    if t - p > 1:
        m_ = p + 1
        for j in range(p + 2, t):
            if low[j] <= low[m_]:
                m_ = j
    for j in range(m_, p, -1):
        if close[j] < open_[j]:
            return j
    return m_


@njit(cache=True)
def ob_side_kernel(  # noqa: C901 - one numba pass over bars; splitting costs calls per bar
    open_: F64, high: F64, low: F64, close: F64, volume: F64, atr: F64,
    brk: F64, brk_piv: I64, on_close: bool, max_age: int, cap: int,
) -> tuple[F64, ...]:  # fmt: skip  # pragma: no cover
    """Bullish blocks (and the bearish breakers they become). Per-bar arrays, then events."""
    m = len(close)
    f = np.full((12, m), np.nan)  # new, top, bot, vol, strength, touched, to_breaker, live_top,
    f[0] = 0.0  # live_bot, brk_top, brk_bot, hit (top/bot below)
    f[5] = 0.0
    f[6] = 0.0
    hit = np.full((4, m), np.nan)  # block hit top/bot, breaker hit top/bot
    n_max = 1
    for t in range(m):
        if brk[t] > 0:
            n_max += 1
    ev = np.full((10, n_max), np.nan)  # pos conf top bot vol strength mit breaker brk_mit end
    alive = np.zeros(cap, np.bool_)
    z_conf = np.zeros(cap, np.int64)
    z_id = np.zeros(cap, np.int64)
    hi = 0  # slots >= hi are all free: loops stop there
    z_brk = np.zeros(cap, np.bool_)
    z_mit = np.zeros(cap, np.bool_)  # touched (the block, or after conversion the breaker)
    z_top = np.zeros(cap)
    z_bot = np.zeros(cap)
    n_ev = 0
    for t in range(m):
        while hi > 0 and not alive[hi - 1]:
            hi -= 1
        best_ob = -1  # among zones touched together, the most recently created one is reported
        best_brk = -1
        lo, lb = -1, -1  # the most recent live block / breaker after this bar
        for k in range(hi):
            if not alive[k]:
                continue
            top, bot = z_top[k], z_bot[k]
            if t - z_conf[k] > max_age:
                alive[k] = False
                ev[9, z_id[k]] = t
                continue
            if not z_brk[k]:
                if low[t] <= top:  # else neither touched nor broken (close >= low > top)
                    e = z_id[k]
                    if not z_mit[k]:
                        z_mit[k] = True
                        ev[6, e] = t
                        f[5, t] += 1.0
                        if close[t] >= bot and z_conf[k] > best_ob:
                            hit[0, t], hit[1, t] = top, bot
                            best_ob = z_conf[k]
                    if (close[t] if on_close else low[t]) < bot:
                        z_brk[k] = True
                        z_mit[k] = False
                        ev[7, e] = t
                        f[6, t] += 1.0
            elif high[t] >= bot:  # else the breaker is neither touched nor invalidated
                e = z_id[k]
                if not z_mit[k]:
                    z_mit[k] = True
                    ev[8, e] = t
                    if close[t] <= top and z_conf[k] > best_brk:
                        hit[2, t], hit[3, t] = top, bot
                        best_brk = z_conf[k]
                if (close[t] if on_close else high[t]) > top:
                    alive[k] = False
                    ev[9, e] = t
                    continue
            if z_brk[k]:
                if lb < 0 or z_conf[k] > z_conf[lb]:
                    lb = k
            elif lo < 0 or z_conf[k] > z_conf[lo]:
                lo = k
        if brk[t] > 0 and brk_piv[t] >= 0 and t >= 1:
            j = _block_bar(open_, low, close, brk_piv[t], t)
            vol = (
                volume[t] + (volume[t - 1] if t >= 1 else 0.0) + (volume[t - 2] if t >= 2 else 0.0)
            )
            strength = max(close[t] - high[j], 0.0) / atr[t] if atr[t] > 0 else np.nan
            k = _slot(alive, z_conf)
            hi = max(hi, k + 1)
            alive[k], z_conf[k], z_id[k], z_brk[k], z_mit[k] = True, t, n_ev, False, False
            z_top[k], z_bot[k] = high[j], low[j]
            ev[0, n_ev], ev[1, n_ev], ev[2, n_ev], ev[3, n_ev] = j, t, high[j], low[j]
            ev[4, n_ev], ev[5, n_ev] = vol, strength
            n_ev += 1
            f[0, t], f[1, t], f[2, t], f[3, t], f[4, t] = 1.0, high[j], low[j], vol, strength
            lo = k
        if lo >= 0:
            f[7, t], f[8, t] = z_top[lo], z_bot[lo]
        if lb >= 0:
            f[9, t], f[10, t] = z_top[lb], z_bot[lb]
    return f, hit, ev[:, :n_ev]  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class ObSide:
    """One side in real prices. ``frame`` rows: new, top, bottom, volume, strength, touched,
    to_breaker, live_top, live_bottom, breaker_top, breaker_bottom; ``hit``: block hit top/bottom,
    breaker hit top/bottom; ``ev``: pos conf top bottom volume strength mitigated breaker
    breaker_mitigated ended (positions as floats, NaN = not yet)."""

    frame: np.ndarray
    hit: np.ndarray
    ev: np.ndarray


def ob_side(a: BarArrays, atr: F64, brk: F64, brk_piv: I64, *, bullish: bool, on_close: bool,
            max_age: int, cap: int) -> ObSide:  # fmt: skip
    """Run the kernel for one side (bearish: negated prices, flipped back)."""
    b = a if bullish else a.mirrored()
    f, hit, ev = ob_side_kernel(
        b.open, b.high, b.low, b.close, b.volume, atr, brk, brk_piv, on_close, max_age, cap
    )
    return ob_side_output(f, hit, ev, bullish=bullish)


def ob_side_output(f: np.ndarray, hit: np.ndarray, ev: np.ndarray, *, bullish: bool) -> ObSide:
    """Wrap fresh kernel output; a bearish side (negated prices) is flipped back in place."""
    if not bullish:
        ob_flip(f, hit, ev)
    return ObSide(f, hit, ev)


@njit(cache=True)
def _swap_negated(a: np.ndarray, i: int, j: int) -> None:  # pragma: no cover - numba
    for t in range(a.shape[1]):
        x = a[i, t]
        a[i, t] = -a[j, t]
        a[j, t] = -x


@njit(cache=True)
def ob_flip(f: np.ndarray, hit: np.ndarray, ev: np.ndarray) -> None:  # pragma: no cover - numba
    """Fresh kernel output of the negated (bearish) side back in real prices, in place: each
    top/bottom pair becomes (-bottom, -top)."""
    _swap_negated(f, 1, 2)
    _swap_negated(f, 7, 8)
    _swap_negated(f, 9, 10)
    _swap_negated(hit, 0, 1)
    _swap_negated(hit, 2, 3)
    _swap_negated(ev, 2, 3)


@dataclass(frozen=True, slots=True)
class ObResult:
    frame: pd.DataFrame
    events: pd.DataFrame


def ob_columns(bu: ObSide, be: ObSide) -> dict[str, np.ndarray]:
    """Per-bar order-block columns (bullish breakers come from broken bearish blocks)."""
    new = bu.frame[0] - be.frame[0]
    pick = bu.frame[0] > 0
    cols = {"ob": new}
    for name, row in (("top", 1), ("bottom", 2), ("volume", 3), ("strength", 4)):
        cols[f"ob_{name}"] = np.where(pick, bu.frame[row], be.frame[row])
    cols["ob_mitigated"] = bu.frame[5] + be.frame[5]
    cols["ob_to_breaker"] = bu.frame[6] + be.frame[6]
    cols["bull_ob_top"], cols["bull_ob_bottom"] = bu.frame[7], bu.frame[8]
    cols["bear_ob_top"], cols["bear_ob_bottom"] = be.frame[7], be.frame[8]
    cols["bull_breaker_top"], cols["bull_breaker_bottom"] = be.frame[9], be.frame[10]
    cols["bear_breaker_top"], cols["bear_breaker_bottom"] = bu.frame[9], bu.frame[10]
    return cols


def ob_frame(index: pd.Index, bu: ObSide, be: ObSide) -> pd.DataFrame:
    """The columns of :func:`ob_columns` as a frame on ``index``."""
    return frame(index, ob_columns(bu, be))


def ob_events(index: pd.Index, bu: ObSide, be: ObSide) -> pd.DataFrame:
    ev = np.concatenate([bu.ev, be.ev], axis=1)
    d = np.concatenate([np.ones(bu.ev.shape[1]), -np.ones(be.ev.shape[1])])
    o = np.argsort(ev[1], kind="stable")
    ev, d = ev[:, o], d[o]

    def when(row: int) -> pd.DatetimeIndex:
        return time_at(index, np.where(np.isnan(ev[row]), -1, ev[row]).astype(np.int64))

    cols = {
        "direction": d,
        "top": ev[2],
        "bottom": ev[3],
        "volume": ev[4],
        "strength": ev[5],
        "mitigated_at": when(6),
        "breaker_at": when(7),
        "breaker_mitigated_at": when(8),
        "ended_at": when(9),
    }
    return event_table(index, ev[0].astype(np.int64), ev[1].astype(np.int64), cols)


def detect_order_blocks(
    bars: pd.DataFrame,
    *,
    length: int = 3,
    break_on: str = "close",
    atr_period: int = 14,
    max_age: int = 1000,
    capacity: int = 64,
) -> ObResult:
    """Order and breaker blocks from the structure breaks of swings of ``length`` (causal)."""
    a = to_arrays(bars)
    on_close = break_on == "close"
    s = compute_structure(a, length, on_close)
    atr = atr_sma(a.high, a.low, a.close, atr_period)
    kw = {"on_close": on_close, "max_age": max_age, "cap": capacity}
    bu = ob_side(a, atr, s.up, s.up_pivot, bullish=True, **kw)  # type: ignore[arg-type]
    be = ob_side(a, atr, s.dn, s.dn_pivot, bullish=False, **kw)  # type: ignore[arg-type]
    return ObResult(ob_frame(bars.index, bu, be), ob_events(bars.index, bu, be))


__all__ = [
    "ObResult",
    "ObSide",
    "detect_order_blocks",
    "ob_columns",
    "ob_events",
    "ob_flip",
    "ob_frame",
    "ob_side",
    "ob_side_kernel",
    "ob_side_output",
]
