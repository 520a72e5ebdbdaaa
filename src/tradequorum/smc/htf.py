"""Higher-timeframe structure bias from resampled bars, counting only closed HTF bars.

Bars are grouped into HTF periods aligned to the epoch (weeks on Monday). HTF bar ``k`` covering
``[T, T+htf)`` is known at the first base bar whose close time reaches ``T+htf`` (its last base bar,
or the first bar after it when that one is missing). A first HTF period that began before the first
loaded bar is partial and dropped. The swing structure of the closed HTF bars (same kernels as the
base timeframe) gives the bias: +1 bullish, -1 bearish, 0 unknown. ``tradequorum.data.resample``
was not available when this was written, so the (causal) resampling is done here (numba).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from tradequorum.core.errors import DataError
from tradequorum.core.timeframes import timeframe_seconds
from tradequorum.smc.inputs import F64, I64, BarArrays, frame, to_arrays
from tradequorum.smc.sessions import DAY_NS
from tradequorum.smc.structure import compute_structure


@dataclass(frozen=True, slots=True)
class HtfBars:
    """Closed-or-not HTF bars and the base-bar position at which each becomes known."""

    bars: BarArrays
    known_at: I64
    start_ns: I64


def base_step_ns(a: BarArrays, timeframe: str | None) -> int:
    """The base bar length: from ``timeframe`` or, if None, the smallest step between bars."""
    smallest = int(np.diff(a.t_ns).min()) if len(a) >= 2 else None
    if timeframe is not None:
        step = timeframe_seconds(timeframe) * 1_000_000_000
        if smallest is not None and smallest < step:
            # a too-long bar length would use HTF bars before they close: refuse it
            raise DataError(
                f"bars are {smallest // 1_000_000_000} s apart, shorter than timeframe {timeframe}"
            )
        return step
    if smallest is None:
        raise DataError("need 2 bars (or an explicit timeframe) to know the bar length")
    return smallest


def htf_period(htf: str, step_ns: int) -> tuple[int, int]:
    """HTF bar length and epoch offset in ns (weeks start on Monday); DataError when ``htf`` is
    not longer than the base bars."""
    htf_ns = timeframe_seconds(htf) * 1_000_000_000
    if htf_ns <= step_ns:
        raise DataError(f"higher timeframe {htf} must be longer than the base bars")
    return htf_ns, 3 * DAY_NS if htf.endswith("w") else 0


@njit(cache=True)
def resample_kernel(  # type: ignore[no-untyped-def]  # pragma: no cover - numba
    t_ns: I64, o: F64, h: F64, lo: F64, c: F64, htf_ns: int, offset: int, step_ns: int
):
    """HTF open/high/low/close, open time, the base position at which each bar is known and the
    first base position of each (a partial first HTF bar is dropped); see the module docstring."""
    n = len(t_ns)
    starts = np.empty(n, np.int64)
    ns = 0
    prev = 0
    for i in range(n):
        p = (t_ns[i] + offset) // htf_ns
        if i == 0 or p != prev:
            starts[ns] = i
            ns += 1
        prev = p
    first = 1 if ns > 0 and t_ns[0] != ((t_ns[0] + offset) // htf_ns) * htf_ns - offset else 0
    k = ns - first
    ho, hh, hl, hc = np.empty(k), np.empty(k), np.empty(k), np.empty(k)
    ht = np.empty(k, np.int64)
    for j in range(k):
        s = starts[first + j]
        e = starts[first + j + 1] if first + j + 1 < ns else n
        mx, mn = h[s], lo[s]
        for i in range(s + 1, e):
            mx = max(mx, h[i])
            mn = min(mn, lo[i])
        ho[j], hh[j], hl[j], hc[j] = o[s], mx, mn, c[e - 1]
        ht[j] = ((t_ns[s] + offset) // htf_ns) * htf_ns - offset
    known = np.searchsorted(t_ns + step_ns, ht + htf_ns).astype(np.int64)  # side="left"
    return ho, hh, hl, hc, ht, known, starts[first:ns].copy()


def resample_closed(a: BarArrays, htf: str, step_ns: int) -> HtfBars:
    """Group base bars into HTF bars (dropping a partial first one); see the module docstring."""
    htf_ns, offset = htf_period(htf, step_ns)
    ho, hh, hl, hc, ht, known, starts = resample_kernel(
        a.t_ns, a.open, a.high, a.low, a.close, htf_ns, offset, step_ns
    )
    vol = np.add.reduceat(a.volume[starts[0] :], starts - starts[0]) if len(starts) else hc.copy()
    return HtfBars(BarArrays(ho, hh, hl, hc, vol, ht), known, ht)


@dataclass(frozen=True, slots=True)
class HtfState:
    """The HTF structure per closed HTF bar and the base position at which each becomes known."""

    known_at: I64
    trend: F64
    last_high: F64
    last_low: F64


def htf_state(
    a: BarArrays, htf: str, length: int, *, on_close: bool = True, timeframe: str | None = None
) -> HtfState | None:
    """Swing structure of the closed HTF bars; None when there is no HTF information (``htf`` not
    longer than the base bars, no complete HTF bar, or one bar without a timeframe)."""
    h = htf_bars(a, htf, timeframe=timeframe)
    if h is None:
        return None
    s = compute_structure(h.bars, length, on_close)
    return HtfState(h.known_at, s.trend, s.last_high, s.last_low)


def htf_bars(a: BarArrays, htf: str, *, timeframe: str | None = None) -> HtfBars | None:
    """The closed-or-not HTF bars (:func:`resample_closed`), or None when there is no HTF
    information (see :func:`htf_state`)."""
    p = htf_params(a, htf, timeframe=timeframe)
    if p is None:
        return None
    h = resample_closed(a, htf, p[2])
    return h if len(h.bars) else None


def htf_params(
    a: BarArrays, htf: str, *, timeframe: str | None = None
) -> tuple[int, int, int] | None:  # fmt: skip
    """HTF bar length, epoch offset and base bar length (ns), or None when ``htf`` gives no HTF
    information (one bar without a timeframe, or not longer than the base bars)."""
    if len(a) < 2 and timeframe is None:
        return None
    step = base_step_ns(a, timeframe)
    if timeframe_seconds(htf) * 1_000_000_000 <= step:
        return None  # the "higher" timeframe is not higher: no HTF information (bias 0)
    return (*htf_period(htf, step), step)


def htf_at(state: HtfState | None, positions: I64) -> dict[str, F64]:
    """``htf_bias`` and HTF swing high/low known at the given base positions (bias 0 and NaN
    levels before the first closed HTF bar, or without HTF information)."""
    if state is None:
        nan = np.full(len(positions), np.nan)
        return {"htf_swing_high": nan, "htf_swing_low": nan.copy(),
                "htf_bias": np.zeros(len(positions))}  # fmt: skip
    hi, lo, bias = htf_lookup(state.known_at, state.trend, state.last_high, state.last_low,
                              positions)  # fmt: skip
    return {"htf_swing_high": hi, "htf_swing_low": lo, "htf_bias": bias}


@njit(cache=True)
def htf_lookup(  # type: ignore[no-untyped-def]  # pragma: no cover - numba
    known_at: I64, trend: F64, last_high: F64, last_low: F64, positions: I64
):
    """HTF swing high, swing low and bias of the last HTF bar known at each base position (NaN,
    NaN, 0 before the first)."""
    count = np.searchsorted(known_at, positions, side="right")
    k = len(positions)
    hi, lo, bias = np.full(k, np.nan), np.full(k, np.nan), np.zeros(k)
    for i in range(k):
        if count[i] > 0:
            j = count[i] - 1
            hi[i], lo[i], bias[i] = last_high[j], last_low[j], trend[j]
    return hi, lo, bias


def compute_htf_bias(
    a: BarArrays, htf: str, length: int, *, on_close: bool = True, timeframe: str | None = None
) -> dict[str, F64]:
    """Per base bar: ``htf_bias`` and the HTF swing high/low levels known then (bias 0 and NaN
    levels when ``htf`` is not longer than the base bars)."""
    state = htf_state(a, htf, length, on_close=on_close, timeframe=timeframe)
    return htf_at(state, np.arange(len(a)))


def detect_htf_bias(
    bars: pd.DataFrame, *, htf: str = "1h", length: int = 3, timeframe: str | None = None
) -> pd.DataFrame:
    """HTF bias per base bar (causal: only HTF bars closed by then count)."""
    a = to_arrays(bars)
    return frame(bars.index, compute_htf_bias(a, htf, length, timeframe=timeframe))


__all__ = [
    "HtfBars",
    "HtfState",
    "base_step_ns",
    "compute_htf_bias",
    "detect_htf_bias",
    "htf_at",
    "htf_bars",
    "htf_lookup",
    "htf_params",
    "htf_period",
    "htf_state",
    "resample_closed",
    "resample_kernel",
]
