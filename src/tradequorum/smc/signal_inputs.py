"""What the SMC score and its evidence read, per bar: from a full analysis, or only the last bars.

The score at bar t (``signals.side_kernel``) reads the events (sweeps, CHoCH/BOS) and lows/highs
of the last ``signal_lookback`` bars before t and every other input at t only; the evidence list
reads the same. So :func:`latest_inputs` runs the path-dependent kernels (structure, FVG, order
blocks, liquidity, the range, previous day, HTF structure) over the **whole** window — their state
depends on all of it — and keeps only the last ``signal_lookback + 1`` bars of what the score
reads, computing the elementwise values (zones, HTF bias lookup) on those bars only. Every value is
the one :func:`inputs_from_analysis` slices out of the full analysis, bit for bit (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tradequorum.config.smc import SmcConfig
from tradequorum.smc.analysis import SmcAnalysis
from tradequorum.smc.fused import PathOutputs, run_path_kernels
from tradequorum.smc.htf import htf_at
from tradequorum.smc.inputs import F64, BarArrays
from tradequorum.smc.zones import zones_from_range

ROWS: tuple[str, ...] = (
    "high", "low", "close", "atr", "htf_bias", "position", "zone", "leg", "ote_lo", "ote_hi",
    "range_high", "range_low", "pdh", "pdl",
    "bsl_pool", "bsl_single", "bsl_swept", "ssl_pool", "ssl_single", "ssl_swept",
    "int_up", "int_dn", "int_up_level", "int_dn_level",
    "sw_up", "sw_dn", "sw_up_level", "sw_dn_level",
    "bull_ob_top", "bull_ob_bottom", "bull_brk_top", "bull_brk_bottom",
    "bull_fvg_top", "bull_fvg_bottom",
    "bear_ob_top", "bear_ob_bottom", "bear_brk_top", "bear_brk_bottom",
    "bear_fvg_top", "bear_fvg_bottom",
)  # fmt: skip
"""Rows of :attr:`SignalInputs.data`. Structure codes: 1 BOS, 2 CHoCH (``int_`` internal, ``sw_``
swing) with the broken levels; liquidity: nearest resting pool / single level beyond the close and
the level swept at the bar (``bsl`` buy-side, ``ssl`` sell-side); POI hits: top/bottom of a first
touch at the bar (NaN = none), ``brk`` = breaker (a broken block of the other side)."""
ROW = {name: i for i, name in enumerate(ROWS)}


@dataclass(frozen=True, slots=True)
class SignalInputs:
    """The rows of :data:`ROWS` over some last bars of a window (all of them for the frame), as
    one float64 matrix; ``x["close"]`` is a row."""

    data: np.ndarray

    def __getitem__(self, name: str) -> F64:
        return self.data[ROW[name]]  # type: ignore[no-any-return]

    def __len__(self) -> int:
        return int(self.data.shape[1])


def _assemble(k: PathOutputs, start: int, at: dict[str, F64]) -> SignalInputs:
    """Stack the kernel outputs of ``k`` from ``start`` with ``at``, the per-bar values already
    computed on those bars (htf_bias, range_high/low, leg, position, zone, ote_lo/hi, pdh, pdl)."""
    s = start
    a, i_, w_, bs, ss = k.bars, k.internal, k.swing, k.buy_side, k.sell_side
    ob_u, ob_d, fv_u, fv_d = k.ob_bull, k.ob_bear, k.fvg_bull, k.fvg_bear
    rows = {
        "high": a.high, "low": a.low, "close": a.close, "atr": k.atr,
        "bsl_pool": bs.frame[4], "bsl_single": bs.frame[5], "bsl_swept": bs.frame[2],
        "ssl_pool": ss.frame[4], "ssl_single": ss.frame[5], "ssl_swept": ss.frame[2],
        "int_up": i_.up, "int_dn": i_.dn, "int_up_level": i_.up_level, "int_dn_level": i_.dn_level,
        "sw_up": w_.up, "sw_dn": w_.dn, "sw_up_level": w_.up_level, "sw_dn_level": w_.dn_level,
        "bull_ob_top": ob_u.hit[0], "bull_ob_bottom": ob_u.hit[1],
        "bull_brk_top": ob_d.hit[2], "bull_brk_bottom": ob_d.hit[3],
        "bull_fvg_top": fv_u.hit_top, "bull_fvg_bottom": fv_u.hit_bottom,
        "bear_ob_top": ob_d.hit[0], "bear_ob_bottom": ob_d.hit[1],
        "bear_brk_top": ob_u.hit[2], "bear_brk_bottom": ob_u.hit[3],
        "bear_fvg_top": fv_d.hit_top, "bear_fvg_bottom": fv_d.hit_bottom,
    }  # fmt: skip
    data = np.empty((len(ROWS), len(a) - s))
    for name, i in ROW.items():
        data[i] = at[name] if name in at else rows[name][s:]
    return SignalInputs(data)


_ZONES = ("range_high", "range_low", "leg", "position", "zone", "ote_lo", "ote_hi")


def inputs_from_analysis(r: SmcAnalysis, start: int = 0) -> SignalInputs:
    """The score's inputs over bars ``start..`` of a full analysis (views, no copies)."""
    at = {c: r.zones[c][start:] for c in _ZONES}
    at["htf_bias"] = r.htf["htf_bias"][start:]
    at["pdh"], at["pdl"] = r.sessions["pdh"][start:], r.sessions["pdl"][start:]
    return _assemble(r, start, at)


def latest_inputs(
    a: BarArrays, cfg: SmcConfig, *, timeframe: str | None = None
) -> SignalInputs:  # fmt: skip
    """The score's inputs over the last ``signal_lookback + 1`` bars of ``a`` (module docstring):
    equal to ``inputs_from_analysis(analyze_arrays(a, cfg), start)`` with the same start."""
    p = run_path_kernels(a, cfg, timeframe=timeframe)
    m = len(a)
    s = tail_start(m, cfg)
    z = zones_from_range(p.range_high[s:], p.range_low[s:], p.leg[s:], a.close[s:], cfg)
    at = {c: z[c] for c in _ZONES}
    at["htf_bias"] = htf_at(p.htf, np.arange(s, m))["htf_bias"]
    at["pdh"], at["pdl"] = p.pdh[s:], p.pdl[s:]
    return _assemble(p, s, at)


def tail_start(n: int, cfg: SmcConfig) -> int:
    """First bar the latest signal reads of an ``n``-bar window."""
    return max(0, n - 1 - cfg.signal_lookback)


__all__ = ["ROW", "ROWS", "SignalInputs", "inputs_from_analysis", "latest_inputs", "tail_start"]
