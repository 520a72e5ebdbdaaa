"""smc-pattern-recognizer: order blocks, fair value gaps, market structure, liquidity sweeps.

Actions
-------
``analyze``
    params ``symbol`` (or ``symbols``), ``timeframe`` (default: settings.timeframe). Computes the
    latest SMC signal per symbol and, when ``ctx.write_state``, read-merge-writes
    ``state/signals/smc_signals.json`` keyed by symbol.
``daily_structure_map``
    Same params. HTF bias per ``settings.htf_timeframes``, key points of interest and liquidity
    levels, for the daily-operations workflow; read-merge-writes
    ``state/signals/smc_daily_structure.json`` keyed by symbol.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from tradequorum.agents.base import Agent, AgentContext, Task, require_market
from tradequorum.core.errors import AgentError, StateCorrupted
from tradequorum.core.timeframes import timeframe_seconds
from tradequorum.core.types import Signal
from tradequorum.smc.daily_map import DailyStructureMap, daily_structure_map
from tradequorum.smc.signals import latest_signal
from tradequorum.state.json_store import read_json, write_json_atomic

SIGNAL_FILE = "smc_signals"
MAP_FILE = "smc_daily_structure"


class SmcAnalyzeResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    signals: dict[str, Signal]


class SmcDailyMapResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    maps: dict[str, DailyStructureMap]


def _symbols(task: Task, ctx: AgentContext) -> list[str]:
    p = task.params
    if "symbols" in p:
        syms = p["symbols"]
        return [syms] if isinstance(syms, str) else list(syms)
    if "symbol" in p:
        return [str(p["symbol"])]
    return list(ctx.settings.symbols)


def _merge_write(ctx: AgentContext, entries: Mapping[str, BaseModel], name: str) -> None:
    """Read-merge-write ``state/signals/<name>.json`` keyed by symbol."""
    path = ctx.layout.signals(name)
    current: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = read_json(path)
            current = loaded if isinstance(loaded, dict) else {}
        except StateCorrupted:
            current = {}  # a corrupt file is replaced by fresh, valid signals
    for sym, entry in entries.items():
        current[sym] = entry.model_dump(mode="json")
    write_json_atomic(path, current)


class SmcPatternRecognizer(Agent):
    """Runs the causal SMC engine (tradequorum.smc) on the closed bars of each symbol."""

    name: ClassVar[str] = "smc-pattern-recognizer"
    domain: ClassVar[str] = "order blocks, fair value gaps, market structure, liquidity sweeps"
    actions: ClassVar[tuple[str, ...]] = ("analyze", "daily_structure_map")

    def analyze(self, task: Task, ctx: AgentContext) -> SmcAnalyzeResult:
        market = require_market(ctx, self.name)
        tf = str(task.params.get("timeframe", ctx.settings.timeframe))
        cfg = ctx.settings.smc
        out: dict[str, Signal] = {}
        for sym in _symbols(task, ctx):
            bars = market.bars(sym, tf)
            if len(bars) < 3:
                raise AgentError(f"{self.name}: {sym} {tf} has {len(bars)} bars; need at least 3")
            out[sym] = latest_signal(bars, cfg, symbol=sym, timeframe=tf)
        if ctx.write_state:
            _merge_write(ctx, out, SIGNAL_FILE)
        return SmcAnalyzeResult(signals=out)

    def daily_structure_map(self, task: Task, ctx: AgentContext) -> SmcDailyMapResult:
        market = require_market(ctx, self.name)
        tf = str(task.params.get("timeframe", ctx.settings.timeframe))
        maps = {}
        for sym in _symbols(task, ctx):
            bars = market.bars(sym, tf)
            if len(bars) < 3:
                raise AgentError(f"{self.name}: {sym} {tf} has {len(bars)} bars; need at least 3")
            htfs = tuple(
                h
                for h in ctx.settings.htf_timeframes
                if timeframe_seconds(h) > timeframe_seconds(tf)
            )
            maps[sym] = daily_structure_map(
                bars, ctx.settings.smc, symbol=sym, timeframe=tf, htf_timeframes=htfs
            )
        if ctx.write_state:
            _merge_write(ctx, maps, MAP_FILE)
        return SmcDailyMapResult(maps=maps)


__all__ = [
    "MAP_FILE",
    "SIGNAL_FILE",
    "SmcAnalyzeResult",
    "SmcDailyMapResult",
    "SmcPatternRecognizer",
]
