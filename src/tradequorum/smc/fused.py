"""Every path-dependent SMC kernel in one numba call (shared by the full analysis and the latest
signal).

ATR, internal and swing structure, fair value gaps, order blocks, liquidity (both sides; the
bearish/sell side on negated prices, flipped back, as the one-sided wrappers do), the dealing
range and its zones, the previous UTC day's high/low, HTF resampling, structure and lookup, and for
the latest signal the score's input matrix and the score on the last ``signal_lookback + 1`` bars.
The kernels are the modules' own (called from numba, so their code is compiled into this one
function): the values are exactly those of calling them one by one (tested). One call instead of
~20 saves the per-call dispatch and the per-function cost of loading cached machine code in a fresh
process. Each state here depends on the whole window: nothing is cut.

Caution: numba's on-disk cache is keyed on *this* file's content only. After editing a kernel in
another module (fvg, order_blocks, liquidity, structure, swings, zones, sessions, htf, score,
inputs), clear ``src/tradequorum/smc/__pycache__`` (or change this file) so that this function is
recompiled; a fresh checkout (CI) always compiles. A stale cache shows as a failure of
``test_fused_kernels_equal_the_one_by_one_kernels_on_real_data`` (the one-by-one kernels are
recompiled from their own files).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from tradequorum.config.smc import SmcConfig
from tradequorum.smc.fvg import FvgSide, fvg_flip, fvg_side_kernel
from tradequorum.smc.htf import htf_lookup, htf_params, resample_kernel
from tradequorum.smc.inputs import F64, BarArrays, atr_sma
from tradequorum.smc.liquidity import LiquiditySide, liquidity_flip, liquidity_side_kernel
from tradequorum.smc.order_blocks import ObSide, ob_flip, ob_side_kernel
from tradequorum.smc.score import ROWS, SIGNAL_ROWS, assemble_rows, score_weights, signal_kernel
from tradequorum.smc.sessions import DAY_NS, period_levels
from tradequorum.smc.structure import StructureArrays, structure_kernel
from tradequorum.smc.swings import swing_kernel
from tradequorum.smc.zones import range_kernel, zones_dict, zones_kernel


@njit(cache=True)
def _structure(o: F64, h: F64, lo: F64, c: F64, n: int, on_close: bool):  # type: ignore[no-untyped-def]  # pragma: no cover - numba
    sw = swing_kernel(o, h, lo, c, n, True)
    st = structure_kernel(o, h, lo, c, sw[0], sw[1], sw[2], sw[3], on_close)
    return sw, st


@njit(cache=True)
def _path_all(  # type: ignore[no-untyped-def]  # pragma: no cover - numba
    o: F64, h: F64, lo: F64, c: F64, v: F64, t_ns: np.ndarray,
    ints: np.ndarray, floats: np.ndarray, flags: np.ndarray,
):  # fmt: skip
    """``ints``: atr_period, internal, swing, liquidity and HTF swing lengths, max_age, capacity,
    HTF bar length, HTF epoch offset, base bar length (ns), first bar of the tail, signal
    lookback; ``floats``: fvg_min_atr, liquidity tolerance (ATR), OTE low/high, stop buffer
    (ATR), min confidence, the six score weights; ``flags``: on_close, OBs from internal
    structure, join FVGs, sweep single levels, HTF information present, score the tail (the
    latest signal), require structure."""
    # writable copies: the mirrored side's arrays are fresh (writable) too, so every kernel is
    # compiled for one array type only (half the machine code to load in a fresh process)
    o, h, lo, c, v, t_ns = o.copy(), h.copy(), lo.copy(), c.copy(), v.copy(), t_ns.copy()
    on_close, ob_int, join, single = flags[0], flags[1], flags[2], flags[3]
    age, cap = ints[5], ints[6]
    atr = atr_sma(h, lo, c, ints[0])
    si, ti = _structure(o, h, lo, c, ints[1], on_close)
    ss, ts = _structure(o, h, lo, c, ints[2], on_close)
    no, nh, nl, nc = -o, -lo, -h, -c  # mirrored bars: highs become lows
    fb = fvg_side_kernel(o, h, lo, c, atr, floats[0], join, age, cap)
    fs = fvg_flip(fvg_side_kernel(no, nh, nl, nc, atr, floats[0], join, age, cap))
    src = ti if ob_int else ts
    obb = ob_side_kernel(o, h, lo, c, v, atr, src[1], src[5], on_close, age, cap)
    obs = ob_side_kernel(no, nh, nl, nc, v, atr, src[2], src[6], on_close, age, cap)
    ob_flip(obs[0], obs[1], obs[2])
    pb = swing_kernel(o, h, lo, c, ints[3], False)
    lqb = liquidity_side_kernel(h, c, pb[0], pb[2], atr, floats[1], single, age, cap)
    ps = swing_kernel(no, nh, nl, nc, ints[3], False)
    lqs = liquidity_side_kernel(nh, nc, ps[0], ps[2], atr, floats[1], single, age, cap)
    liquidity_flip(lqs[0], lqs[1])
    rng = range_kernel(h, lo, ss[0], ss[2], ss[1], ss[3])
    day = t_ns // DAY_NS
    pd_ = period_levels(day, day * DAY_NS, t_ns, h, lo)
    if flags[4]:
        ho, hh, hl, hc, _ht, known, _st = resample_kernel(
            t_ns, o, h, lo, c, ints[7], ints[8], ints[9]
        )
    else:
        ho, hh, hl, hc, known = (
            np.empty(0),
            np.empty(0),
            np.empty(0),
            np.empty(0),
            np.empty(0, np.int64),
        )
    hsw, hst = _structure(ho, hh, hl, hc, ints[4], on_close)
    start, m = ints[10], len(c)
    rt = (rng[0][start:], rng[1][start:], rng[2][start:])
    z = zones_kernel(rt[0], rt[1], rt[2], c[start:], floats[2], floats[3])
    if len(known):
        hz = htf_lookup(known, hst[0], hsw[4], hsw[5], np.arange(start, m))
    else:
        hz = (np.full(m - start, np.nan), np.full(m - start, np.nan), np.zeros(m - start))
    if flags[5]:  # the score's inputs and the score on bars start.. (the latest signal)
        at = np.empty((10, m - start))  # AT_ROWS
        for t in range(m - start):
            at[0, t], at[1, t], at[2, t], at[3, t] = hz[2][t], z[1][t], z[2][t], rt[2][t]
            at[4, t], at[5, t], at[6, t], at[7, t] = z[3][t], z[4][t], rt[0][t], rt[1][t]
            at[8, t], at[9, t] = pd_[2][start + t], pd_[3][start + t]
        x = assemble_rows(start, h, lo, c, atr, at, lqb[0], lqs[0], ti, ts, obb[1], obs[1],
                          fb[7], fb[8], fs[7], fs[8])  # fmt: skip
        sig = signal_kernel(x, floats[6:12], ints[11], floats[4], floats[5], flags[6])
    else:
        x, sig = np.empty((len(ROWS), 0)), np.empty((len(SIGNAL_ROWS), 0))
    return (atr, si, ti, ss, ts, fb, fs, obb, obs, lqb, lqs, rt, z, hz, pd_[2], pd_[3],
            x, sig)  # fmt: skip


@njit(cache=True)
def path_kernel(  # type: ignore[no-untyped-def]  # pragma: no cover - numba
    o: F64, h: F64, lo: F64, c: F64, v: F64, t_ns: np.ndarray,
    ints: np.ndarray, floats: np.ndarray, flags: np.ndarray,
):  # fmt: skip
    """Every output of :func:`_path_all` (for :class:`PathState`)."""
    return _path_all(o, h, lo, c, v, t_ns, ints, floats, flags)


@njit(cache=True)
def latest_kernel(  # type: ignore[no-untyped-def]  # pragma: no cover - numba
    o: F64, h: F64, lo: F64, c: F64, v: F64, t_ns: np.ndarray,
    ints: np.ndarray, floats: np.ndarray, flags: np.ndarray,
):  # fmt: skip
    """Only the score's input matrix and the score (``flags[5]`` set): the same computation, but
    ~80 fewer arrays handed back to Python, and a smaller library to load in a fresh process."""
    r = _path_all(o, h, lo, c, v, t_ns, ints, floats, flags)
    return r[16], r[17]


@dataclass(frozen=True, slots=True)
class PathOutputs:
    """Outputs of the path-dependent kernels over a window (positions 0..n-1), wrapped as the
    modules' own result types (shared by :class:`PathState` and ``SmcAnalysis``)."""

    bars: BarArrays
    atr: F64
    internal: StructureArrays
    swing: StructureArrays
    fvg_bull: FvgSide
    fvg_bear: FvgSide
    ob_bull: ObSide
    ob_bear: ObSide
    buy_side: LiquiditySide
    sell_side: LiquiditySide


@dataclass(frozen=True, slots=True)
class PathState(PathOutputs):
    """:class:`PathOutputs` plus, over bars ``start..``: the zone columns (``zones_dict``), the
    HTF columns (``htf_at``), and for the latest signal the score's :data:`ROWS` matrix
    ``inputs`` and its :data:`SIGNAL_ROWS` ``signal`` (else empty); previous day over all bars."""

    start: int
    zones: dict[str, F64]
    htf: dict[str, F64]
    pdh: F64
    pdl: F64
    inputs: np.ndarray
    signal: np.ndarray


def _structure_arrays(sw: tuple[F64, ...], st: tuple[F64, ...]) -> StructureArrays:
    return StructureArrays(*st, *sw)  # type: ignore[arg-type]


def _ro(x: np.ndarray) -> np.ndarray:
    """A read-only C-contiguous view (a copy only if not contiguous): one numba signature for
    every caller, so one compiled (and cached) specialization."""
    v = np.ascontiguousarray(x).view()
    v.flags.writeable = False
    return v


def _kernel_args(
    a: BarArrays, cfg: SmcConfig, timeframe: str | None, latest: bool
) -> tuple[np.ndarray, ...]:  # fmt: skip
    """The arguments of :func:`path_kernel` / :func:`latest_kernel` (see :func:`_path_all`)."""
    hp = htf_params(a, cfg.htf_timeframe, timeframe=timeframe)
    htf_ns, offset, step = hp if hp is not None else (1, 0, 0)
    start = max(0, len(a) - 1 - cfg.signal_lookback) if latest else 0
    ints = np.array([cfg.atr_period, cfg.internal_length, cfg.swing_length,
                     cfg.liquidity_swing_length, cfg.htf_swing_length, cfg.zone_max_age,
                     cfg.zone_capacity, htf_ns, offset, step, start, cfg.signal_lookback],
                    dtype=np.int64)  # fmt: skip
    floats = np.concatenate([[cfg.fvg_min_atr, cfg.liquidity_tolerance_atr, cfg.ote_low,
                              cfg.ote_high, cfg.stop_buffer_atr, cfg.min_confidence],
                             score_weights(cfg)])  # fmt: skip
    flags = np.array([cfg.break_on == "close", cfg.ob_structure == "internal",
                      cfg.fvg_join_consecutive, cfg.sweep_single_swings, hp is not None, latest,
                      cfg.require_structure], dtype=np.bool_)  # fmt: skip
    bx = (a.open, a.high, a.low, a.close, a.volume, a.t_ns)
    return (*map(_ro, bx), ints, floats, flags)


def latest_score(
    a: BarArrays, cfg: SmcConfig, *, timeframe: str | None = None
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The score's :data:`ROWS` matrix and :data:`SIGNAL_ROWS` over the last
    ``signal_lookback + 1`` bars of ``a``: ``run_path_kernels(..., latest=True)``'s ``inputs`` and
    ``signal``, from :func:`latest_kernel`."""
    x, sig = latest_kernel(*_kernel_args(a, cfg, timeframe, True))  # type: ignore[call-arg]
    return x, sig


def run_path_kernels(
    a: BarArrays, cfg: SmcConfig, *, timeframe: str | None = None, latest: bool = False
) -> PathState:  # fmt: skip
    """Run :func:`path_kernel` on ``a`` with ``cfg`` (and the HTF bars of ``cfg.htf_timeframe``):
    zones and HTF columns over all bars, or with ``latest`` over the last ``signal_lookback + 1``
    bars only, with the score's inputs and the score there."""
    args = _kernel_args(a, cfg, timeframe, latest)
    r = path_kernel(*args)  # type: ignore[call-arg]
    start = int(args[6][10])
    (atr, si, ti, ss, ts, fb, fs, obb, obs, lqb, lqs, rt, z, hz, pdh, pdl, x, sig) = r
    return PathState(
        bars=a,
        atr=atr,
        internal=_structure_arrays(si, ti),
        swing=_structure_arrays(ss, ts),
        fvg_bull=FvgSide(*fb),
        fvg_bear=FvgSide(*fs),  # the bearish/sell sides were flipped back in the kernel
        ob_bull=ObSide(*obb),
        ob_bear=ObSide(*obs),
        buy_side=LiquiditySide(*lqb),
        sell_side=LiquiditySide(*lqs),
        start=start,
        zones=zones_dict(rt[0], rt[1], rt[2], z),
        htf=dict(zip(("htf_swing_high", "htf_swing_low", "htf_bias"), hz, strict=True)),
        pdh=pdh,
        pdl=pdl,
        inputs=x,
        signal=sig,
    )


__all__ = [
    "PathOutputs",
    "PathState",
    "latest_kernel",
    "latest_score",
    "path_kernel",
    "run_path_kernels",
]
