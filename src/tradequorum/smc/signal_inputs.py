"""What the SMC score and its evidence read, per bar: from a full analysis, or only the last bars.

The score at bar t (``score.side_kernel``) reads the events (sweeps, CHoCH/BOS) and lows/highs of
the last ``signal_lookback`` bars before t and every other input at t only; the evidence list
reads the same. So :func:`latest_inputs` runs the path-dependent kernels (structure, FVG, order
blocks, liquidity, the range, previous day, HTF structure) over the **whole** window — their state
depends on all of it — and keeps only the last ``signal_lookback + 1`` bars of what the score
reads, computing the elementwise values (zones, HTF bias lookup) on those bars only (all inside
``fused.path_kernel``). Every value is the one :func:`inputs_from_analysis` takes from the full
analysis, bit for bit (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tradequorum.config.smc import SmcConfig
from tradequorum.smc.analysis import SmcAnalysis
from tradequorum.smc.fused import latest_score
from tradequorum.smc.inputs import F64, BarArrays
from tradequorum.smc.score import AT_ROWS, ROW, ROWS, assemble_rows
from tradequorum.smc.structure import StructureArrays


@dataclass(frozen=True, slots=True)
class SignalInputs:
    """The rows of :data:`ROWS` over some last bars of a window (all of them for the frame), as
    one float64 matrix; ``x["close"]`` is a row."""

    data: np.ndarray

    def __getitem__(self, name: str) -> F64:
        return self.data[ROW[name]]  # type: ignore[no-any-return]

    def __len__(self) -> int:
        return int(self.data.shape[1])


def _structure_tuple(s: StructureArrays) -> tuple[np.ndarray, ...]:
    """A structure kernel's output tuple (trend, up, dn, up/dn level, up/dn pivot)."""
    return (s.trend, s.up, s.dn, s.up_level, s.dn_level, s.up_pivot, s.dn_pivot)


def inputs_from_analysis(r: SmcAnalysis, start: int = 0) -> SignalInputs:
    """The score's inputs over bars ``start..`` of a full analysis."""
    cols = {**r.zones, "htf_bias": r.htf["htf_bias"], "pdh": r.sessions["pdh"],
            "pdl": r.sessions["pdl"]}  # fmt: skip
    at = np.vstack([cols[c][start:] for c in AT_ROWS])
    a = r.bars
    data = assemble_rows(
        start, a.high, a.low, a.close, r.atr, at, r.buy_side.frame, r.sell_side.frame,
        _structure_tuple(r.internal), _structure_tuple(r.swing), r.ob_bull.hit, r.ob_bear.hit,
        r.fvg_bull.hit_top, r.fvg_bull.hit_bottom, r.fvg_bear.hit_top, r.fvg_bear.hit_bottom,
    )  # fmt: skip
    return SignalInputs(data)


def latest_inputs(
    a: BarArrays, cfg: SmcConfig, *, timeframe: str | None = None
) -> SignalInputs:  # fmt: skip
    """The score's inputs over the last ``signal_lookback + 1`` bars of ``a`` (module docstring):
    equal to ``inputs_from_analysis(analyze_arrays(a, cfg), tail_start(len(a), cfg))``."""
    return SignalInputs(latest_score(a, cfg, timeframe=timeframe)[0])


def tail_start(n: int, cfg: SmcConfig) -> int:
    """First bar the latest signal reads of an ``n``-bar window."""
    return max(0, n - 1 - cfg.signal_lookback)


__all__ = ["ROW", "ROWS", "SignalInputs", "inputs_from_analysis", "latest_inputs", "tail_start"]
