"""Causal Smart Money Concepts / ICT engine: swings, structure, FVG, order blocks, liquidity,
sessions, premium/discount, HTF bias and the SMC signal.

Every event carries ``index`` (the bar it refers to) and ``confirmed_at`` (the first bar at which
it is knowable); every per-bar frame is on the bars' index and uses bars <= t only.
"""

from __future__ import annotations

from tradequorum.smc.analysis import SmcAnalysis, analysis_events, analysis_frame, analyze
from tradequorum.smc.daily_map import DailyStructureMap, daily_structure_map
from tradequorum.smc.fvg import FvgResult, detect_fvg
from tradequorum.smc.htf import detect_htf_bias
from tradequorum.smc.liquidity import LiquidityResult, detect_liquidity
from tradequorum.smc.order_blocks import ObResult, detect_order_blocks
from tradequorum.smc.sessions import detect_sessions
from tradequorum.smc.signals import compute_signal_frame, latest_signal
from tradequorum.smc.structure import StructureResult, detect_internal_and_swing, detect_structure
from tradequorum.smc.swings import SwingResult, detect_swings
from tradequorum.smc.zones import detect_zones

__all__ = [
    "DailyStructureMap",
    "FvgResult",
    "LiquidityResult",
    "ObResult",
    "SmcAnalysis",
    "StructureResult",
    "SwingResult",
    "analysis_events",
    "analysis_frame",
    "analyze",
    "compute_signal_frame",
    "daily_structure_map",
    "detect_fvg",
    "detect_htf_bias",
    "detect_internal_and_swing",
    "detect_liquidity",
    "detect_order_blocks",
    "detect_sessions",
    "detect_structure",
    "detect_swings",
    "detect_zones",
    "latest_signal",
]
