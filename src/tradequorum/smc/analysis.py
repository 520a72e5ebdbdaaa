"""Every SMC primitive on one set of bars, computed once and shared by the signal, agent and chart.

``analyze(bars, cfg)`` runs the kernels on arrays (no pandas in the hot path, so the latest signal
of a 5,000-bar window stays in the millisecond range) and keeps their raw outputs;
``analysis_frame`` and ``analysis_events`` turn them into the per-bar frame (on the bars' index,
causal) and the event tables (``index`` / ``confirmed_at`` per event).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tradequorum.config.smc import SmcConfig
from tradequorum.core.errors import DataError
from tradequorum.smc.fvg import FvgSide, fvg_columns, fvg_events, fvg_side
from tradequorum.smc.htf import compute_htf_bias
from tradequorum.smc.inputs import F64, BarArrays, atr_sma, frame, to_arrays
from tradequorum.smc.liquidity import (
    LiquiditySide,
    liquidity_columns,
    liquidity_events,
    liquidity_side,
)
from tradequorum.smc.order_blocks import ObSide, ob_columns, ob_events, ob_side
from tradequorum.smc.sessions import compute_sessions
from tradequorum.smc.structure import (
    StructureArrays,
    compute_structure,
    structure_columns,
    structure_events,
)
from tradequorum.smc.swings import swing_events
from tradequorum.smc.zones import zones_from_swings


@dataclass(frozen=True, slots=True)
class SmcAnalysis:
    """Raw outputs of all primitives for one bar window (positions 0..n-1)."""

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
    sessions: dict[str, F64]
    zones: dict[str, F64]
    htf: dict[str, F64]


def analyze_arrays(a: BarArrays, cfg: SmcConfig, *, timeframe: str | None = None) -> SmcAnalysis:
    """Run every kernel once (see the module docstring)."""
    on_close = cfg.break_on == "close"
    atr = atr_sma(a.high, a.low, a.close, cfg.atr_period)
    internal = compute_structure(a, cfg.internal_length, on_close)
    swing = compute_structure(a, cfg.swing_length, on_close)
    src = internal if cfg.ob_structure == "internal" else swing
    zk = {"max_age": cfg.zone_max_age, "cap": cfg.zone_capacity}
    fk = {"min_atr": cfg.fvg_min_atr, "join": cfg.fvg_join_consecutive, **zk}
    lk = {"tol_atr": cfg.liquidity_tolerance_atr, "sweep_single": cfg.sweep_single_swings, **zk}
    n = cfg.liquidity_swing_length
    return SmcAnalysis(
        bars=a,
        atr=atr,
        internal=internal,
        swing=swing,
        fvg_bull=fvg_side(a, atr, bullish=True, **fk),  # type: ignore[arg-type]
        fvg_bear=fvg_side(a, atr, bullish=False, **fk),  # type: ignore[arg-type]
        ob_bull=ob_side(a, atr, src.up, src.up_pivot, bullish=True, on_close=on_close, **zk),
        ob_bear=ob_side(a, atr, src.dn, src.dn_pivot, bullish=False, on_close=on_close, **zk),
        buy_side=liquidity_side(a, atr, n, buy_side=True, **lk),  # type: ignore[arg-type]
        sell_side=liquidity_side(a, atr, n, buy_side=False, **lk),  # type: ignore[arg-type]
        sessions=compute_sessions(a, cfg),
        zones=zones_from_swings(
            a, swing.swing_high, swing.swing_high_pos, swing.swing_low, swing.swing_low_pos, cfg
        ),
        htf=compute_htf_bias(
            a, cfg.htf_timeframe, cfg.htf_swing_length, on_close=on_close, timeframe=timeframe
        ),
    )


def analyze(
    bars: pd.DataFrame, cfg: SmcConfig | None = None, *, timeframe: str | None = None
) -> SmcAnalysis:
    """Validate ``bars`` (DataError on NaN, bad index, fewer than 3 bars) and run every kernel."""
    a = to_arrays(bars)
    if len(a) < 3:
        raise DataError(f"SMC analysis needs at least 3 bars, got {len(a)}")
    return analyze_arrays(a, cfg or SmcConfig(), timeframe=timeframe)


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


__all__ = ["SmcAnalysis", "analysis_events", "analysis_frame", "analyze", "analyze_arrays"]
