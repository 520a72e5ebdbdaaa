from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import make_bars
from tests.unit.coordinator.pipeline_fakes import FaultPlan, fake_agents
from tradequorum.config.settings import Settings
from tradequorum.coordinator.registry import AgentRegistry
from tradequorum.coordinator.replay import FrameMarket
from tradequorum.coordinator.service import Coordinator
from tradequorum.core.clock import FixedClock
from tradequorum.notify import RecordingNotifier
from tradequorum.state.layout import HomeLayout


def make_settings(home: Path, **over: object) -> Settings:
    base: dict[str, object] = {
        "home": str(home),
        "execution": {"mode": "auto"},
        "notify": {"console": False},
        "failure": {"agent_timeout_s": 1.0, "backoff_base_s": 0.0, "data_wait_s": 1.0},
    }
    base.update(over)
    return Settings.model_validate(base)


def build(
    home: Path,
    bars: pd.DataFrame,
    *,
    faults: FaultPlan | None = None,
    symbol: str = "BTC/USDT",
    views_every: int = 50,
    async_views: bool = False,
    **over: object,
) -> tuple[Coordinator, FixedClock, RecordingNotifier]:
    settings = make_settings(home, symbols=[symbol], **over)
    clock = FixedClock(bars.index[0])
    market = FrameMarket({symbol: bars}, settings.timeframe, clock)
    notifier = RecordingNotifier()
    coord = Coordinator(
        settings,
        HomeLayout(home),
        AgentRegistry(fake_agents(faults)),
        market,
        clock,
        notifier=notifier,
        sleep=lambda s: None,
        views_every=views_every,
        agent_state_files=False,
        async_views=async_views,
    )
    return coord, clock, notifier


@pytest.fixture
def small_bars() -> pd.DataFrame:
    return make_bars(260, seed=3)
