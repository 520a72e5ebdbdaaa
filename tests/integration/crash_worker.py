"""Subprocess for the crash test: replay a fixed range with fake agents into ``argv[1]``.

Writes the JSON views every bar (``views_every=1``) so that kills land during state writes too.
Imports neither pytest nor hypothesis, to start fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from tests.unit.coordinator.pipeline_fakes import fake_agents
from tradequorum.config.settings import Settings
from tradequorum.coordinator.registry import AgentRegistry
from tradequorum.coordinator.replay import FrameMarket, replay_index, run_replay
from tradequorum.coordinator.service import Coordinator
from tradequorum.core.clock import FixedClock
from tradequorum.notify import RecordingNotifier
from tradequorum.state.layout import HomeLayout

START, END = 40, 899


def bars() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = END + 1
    ret = rng.standard_t(4, n) * 0.0008
    close = 30000.0 * np.exp(np.cumsum(ret))
    open_ = np.concatenate([[30000.0], close[:-1]])
    span = np.abs(rng.normal(0, 0.0006, n)) * close
    volume = rng.lognormal(2.0, 0.6, n)
    frame = pd.DataFrame(
        {
            "open": open_,
            "high": np.maximum(open_, close) + span * rng.random(n),
            "low": np.minimum(open_, close) - span * rng.random(n),
            "close": close,
            "volume": volume,
            "taker_buy_volume": volume * np.clip(0.5 + 20 * ret, 0.0, 1.0),
        },
        index=pd.date_range("2024-01-01", periods=n, freq="1min", tz="UTC"),
    )
    return frame


BARS = bars()


def main(home: str) -> None:
    settings = Settings.model_validate(
        {"home": home, "execution": {"mode": "auto"}, "notify": {"console": False}}
    )
    clock = FixedClock(BARS.index[0])
    coord = Coordinator(
        settings,
        HomeLayout(Path(home)),
        AgentRegistry(fake_agents()),
        FrameMarket({"BTC/USDT": BARS}, "1m", clock),
        clock,
        notifier=RecordingNotifier(),
        views_every=1,
        agent_state_files=False,
    )
    idx = replay_index({"BTC/USDT": BARS}, BARS.index[START], BARS.index[END])
    summary = run_replay(coord, clock, idx)
    coord.close()
    print(f"done {summary.bars} skipped {summary.skipped}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
