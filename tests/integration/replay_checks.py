"""What the replay-equals-backtest tests read back from a replay's journal."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tests.unit.coordinator.pipeline_fakes import (
    FakeData,
    FakeEvaluator,
    FakeFeatures,
    FakeFlow,
    FakeMl,
    FakeSmc,
)
from tradequorum.agents.risk_manager import RiskManagerAgent
from tradequorum.config.settings import Settings
from tradequorum.coordinator.registry import AgentRegistry
from tradequorum.coordinator.replay import FrameMarket, replay_index, run_replay
from tradequorum.coordinator.service import Coordinator
from tradequorum.core.clock import FixedClock
from tradequorum.notify import RecordingNotifier
from tradequorum.state.layout import HomeLayout


def decision_frame(coord: Coordinator, symbol: str | None = None) -> pd.DataFrame:
    """Per bar (of ``symbol``, or of every decision): action, state, verdict and the engine row
    the decision stands for (NaN where it does not trade)."""
    out = {}
    nan = np.nan
    for rec in coord.journal.decisions():
        if symbol is not None and rec["symbol"] != symbol:
            continue
        d = rec["decision"]
        live = d["action"] in {"enter_long", "enter_short", "hold"}
        verdict = rec["risk_verdict"]
        out[pd.Timestamp(rec["bar"])] = {
            "action": d["action"],
            "state": rec["trading_state"],
            "verdict": "" if verdict is None else ("approved" if verdict["approved"] else "vetoed"),
            "units": float(d["units"]),
            "direction": float(d["direction"]) if live else nan,
            "stop": (nan if d["stop"] is None else d["stop"]) if live else nan,
            "target": (nan if d["target"] is None else d["target"]) if live else nan,
            "scale": float(d["scale"]) if live else nan,
        }
    return pd.DataFrame.from_dict(out, orient="index").sort_index()


def fees_per_bar(coord: Coordinator, index: pd.DatetimeIndex) -> pd.Series:
    """The paper broker's fees summed per bar on ``index`` (0 where nothing filled)."""
    fills = pd.DataFrame(coord.journal.fills())
    fees = pd.Series(0.0, index=index)
    if len(fills):
        by_bar = fills.groupby("bar")["fee"].sum()
        fees.loc[pd.DatetimeIndex(by_bar.index)] = by_bar.to_numpy()
    return fees


def replay_with_real_risk(
    settings: Settings, frames: dict[str, pd.DataFrame], start: pd.Timestamp
) -> tuple[Coordinator, pd.DataFrame]:
    """Replay ``frames`` from ``start`` through the fake analysts and the REAL risk manager
    (fast-replay settings); per bar: the broker's equity and each symbol's position."""
    clock = FixedClock(next(iter(frames.values())).index[0])
    agents = [cls() for cls in (FakeData, FakeFeatures, FakeSmc, FakeMl, FakeFlow, FakeEvaluator)]
    coord = Coordinator(
        settings,
        HomeLayout(settings.home_path),
        AgentRegistry([*agents, RiskManagerAgent()]),
        FrameMarket(frames, settings.timeframe, clock),
        clock,
        notifier=RecordingNotifier(),
        sleep=lambda s: None,
        views_every=100,
        agent_state_files=False,
    )
    rows: list[dict[str, Any]] = []

    def on_bar(ts: pd.Timestamp) -> None:
        rows.append({"bar": ts, "equity": coord.broker.equity, **coord.broker.positions()})

    run_replay(coord, clock, replay_index(frames, start), on_bar=on_bar)
    return coord, pd.DataFrame(rows).set_index("bar")
