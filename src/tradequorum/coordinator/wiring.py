"""Wiring the real specialists into a coordinator (live, paper, replay and the demo).

Live and replay use the same agents; only the data source differs (Nautilus's kernel idea): in
live the data-pipeline-manager pulls new bars into the Parquet store, in replay the bars are
already in memory, so :class:`ReplayDataAgent` reports on the replay's market view under the same
name, action and result model.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, ClassVar

from tradequorum.agents.base import Agent, AgentContext, MarketView, Task, require_market
from tradequorum.agents.data_pipeline import EnsureLatestResult, LatestOhlcv
from tradequorum.config.settings import Settings
from tradequorum.coordinator.failure import Sleep
from tradequorum.coordinator.registry import AgentRegistry
from tradequorum.coordinator.service import Coordinator
from tradequorum.core.clock import Clock
from tradequorum.core.timeframes import timeframe_delta
from tradequorum.notify.notifiers import Notifier
from tradequorum.state.layout import HomeLayout


class ReplayDataAgent(Agent):
    """The data-pipeline-manager during replay: the bars are in memory already."""

    name: ClassVar[str] = "data-pipeline-manager"
    domain: ClassVar[str] = "market data (replay view)"
    actions: ClassVar[tuple[str, ...]] = ("ensure_latest_data",)

    def ensure_latest_data(self, task: Task, ctx: AgentContext) -> EnsureLatestResult:
        tf = str(task.params.get("timeframe", ctx.settings.timeframe))
        symbols = (
            [str(task.params["symbol"])] if "symbol" in task.params else list(ctx.settings.symbols)
        )
        market = require_market(ctx, self.name)
        now = ctx.clock.now()
        entries = {}
        for sym in symbols:
            bars = market.bars(sym, tf)
            last = bars.index[-1] if len(bars) else None
            age = (
                (now - (last + timeframe_delta(tf))) / timeframe_delta(tf)
                if last is not None
                else None
            )
            stale = last is None or bool(
                age is not None and age > ctx.settings.data.stale_after_bars
            )
            entries[sym] = LatestOhlcv(
                symbol=sym,
                timeframe=tf,
                as_of=now.isoformat(),
                source="replay",
                new_bars=1 if last is not None else 0,
                bars_available=len(bars),
                last_open_time=last.isoformat() if last is not None else None,
                last_close=float(bars["close"].iloc[-1]) if len(bars) else None,
                stale=stale,
                stale_reason="no bars" if last is None else None,
            )
        return EnsureLatestResult(
            timeframe=tf, symbols=entries, stale=any(e.stale for e in entries.values())
        )


def real_agents(*, replay: bool) -> list[Any]:
    """Every specialist by its DESIGN name (the coordinator registers itself)."""
    from tradequorum.agents.backtester import Backtester
    from tradequorum.agents.data_pipeline import DataPipelineManager
    from tradequorum.agents.feature_engineer import FeatureEngineerAgent
    from tradequorum.agents.microstructure import MicrostructureAgent
    from tradequorum.agents.ml_model import MlModelAgent
    from tradequorum.agents.model_trainer import ModelTrainerAgent
    from tradequorum.agents.risk_manager import RiskManagerAgent
    from tradequorum.agents.signal_evaluator import SignalEvaluator
    from tradequorum.agents.smc_pattern import SmcPatternRecognizer

    data: Agent = ReplayDataAgent() if replay else DataPipelineManager()
    return [
        data,
        FeatureEngineerAgent(),
        MicrostructureAgent(),
        SmcPatternRecognizer(),
        MlModelAgent(),
        SignalEvaluator(),
        RiskManagerAgent(),
        Backtester(),
        ModelTrainerAgent(),
    ]


def build_coordinator(
    settings: Settings,
    *,
    market: MarketView,
    clock: Clock,
    replay: bool,
    home: Path | None = None,
    notifier: Notifier | None = None,
    sleep: Sleep = time.sleep,
    views_every: int = 1,
    agent_state_files: bool = True,
    async_views: bool = False,
) -> Coordinator:
    """A coordinator over the real agents plus the external agents from ``extra_agents``."""
    registry = AgentRegistry(real_agents(replay=replay))
    registry.register_external(settings.extra_agents)
    return Coordinator(
        settings,
        HomeLayout(home or settings.home_path),
        registry,
        market,
        clock,
        notifier=notifier,
        sleep=sleep,
        views_every=views_every,
        agent_state_files=agent_state_files,
        async_views=async_views,
    )


__all__ = ["ReplayDataAgent", "build_coordinator", "real_agents"]
