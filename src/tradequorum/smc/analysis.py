"""Every SMC primitive on one set of bars, computed once and shared by the signal, agent and chart.

``analyze(bars, cfg)`` runs the kernels on arrays (no pandas in the hot path, so the latest signal
of a 5,000-bar window stays in the millisecond range) and keeps their raw outputs;
``analysis_frame`` and ``analysis_events`` turn them into the per-bar frame (on the bars' index,
causal) and the event tables (``index`` / ``confirmed_at`` per event).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from tradequorum.config.smc import SmcConfig
from tradequorum.core.errors import DataError
from tradequorum.smc.fused import PathOutputs, run_path_kernels
from tradequorum.smc.fvg import fvg_columns, fvg_events
from tradequorum.smc.inputs import F64, BarArrays, frame, to_arrays
from tradequorum.smc.liquidity import liquidity_columns, liquidity_events
from tradequorum.smc.order_blocks import ob_columns, ob_events
from tradequorum.smc.sessions import compute_sessions
from tradequorum.smc.structure import structure_columns, structure_events
from tradequorum.smc.swings import swing_events


@dataclass(frozen=True, slots=True)
class SmcAnalysis(PathOutputs):
    """Raw outputs of all primitives for one bar window (positions 0..n-1): the path kernels'
    (``bars``, ``atr``, ``internal``, ``swing``, ``fvg_*``, ``ob_*``, ``buy_side``,
    ``sell_side``) plus the per-bar ``sessions``, ``zones`` and ``htf`` columns."""

    sessions: dict[str, F64]
    zones: dict[str, F64]
    htf: dict[str, F64]


def analyze_arrays(a: BarArrays, cfg: SmcConfig, *, timeframe: str | None = None) -> SmcAnalysis:
    """Run every kernel once (see the module docstring)."""
    p = run_path_kernels(a, cfg, timeframe=timeframe)
    return SmcAnalysis(
        **{f.name: getattr(p, f.name) for f in fields(PathOutputs)},
        sessions=compute_sessions(a, cfg),
        zones=p.zones,
        htf=p.htf,
    )


def analyze(
    bars: pd.DataFrame, cfg: SmcConfig | None = None, *, timeframe: str | None = None
) -> SmcAnalysis:
    """Validate ``bars`` (DataError on NaN, bad index, fewer than 3 bars) and run every kernel."""
    return analyze_arrays(bar_arrays(bars), cfg or SmcConfig(), timeframe=timeframe)


def bar_arrays(bars: pd.DataFrame) -> BarArrays:
    """The bars as arrays, validated (DataError on NaN, bad index, fewer than 3 bars)."""
    a = to_arrays(bars)
    if len(a) < 3:
        raise DataError(f"SMC analysis needs at least 3 bars, got {len(a)}")
    return a


def analysis_frame(r: SmcAnalysis, index: pd.Index) -> pd.DataFrame:
    """All per-bar columns side by side (internal_*, swing_*, fvg, ob, liquidity, sessions,
    zones, htf, atr)."""
    return frame(
        index,
        {
            **structure_columns(r.internal, "internal_"),
            **structure_columns(r.swing, "swing_"),
            "swing_high": r.swing.swing_high,
            "swing_low": r.swing.swing_low,
            **fvg_columns(r.fvg_bull, r.fvg_bear),
            **ob_columns(r.ob_bull, r.ob_bear),
            **liquidity_columns(r.buy_side, r.sell_side),
            **r.sessions,
            **r.zones,
            **r.htf,
            "atr": r.atr,
        },
    )


def analysis_events(r: SmcAnalysis, index: pd.Index) -> dict[str, pd.DataFrame]:
    """Event tables: swings, internal/swing structure, fvg, order_blocks, liquidity."""
    s = r.swing
    return {
        "swings": swing_events(index, s.swing_high, s.swing_low, s.swing_high_pos, s.swing_low_pos),
        "internal_structure": structure_events(r.internal, index),
        "swing_structure": structure_events(r.swing, index),
        "fvg": fvg_events(index, r.fvg_bull, r.fvg_bear),
        "order_blocks": ob_events(index, r.ob_bull, r.ob_bear),
        "liquidity": liquidity_events(index, r.buy_side, r.sell_side),
    }


__all__ = [
    "SmcAnalysis",
    "analysis_events",
    "analysis_frame",
    "analyze",
    "analyze_arrays",
    "bar_arrays",
]
