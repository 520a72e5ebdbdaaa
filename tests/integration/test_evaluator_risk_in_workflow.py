"""The real signal-evaluator and risk-manager inside the real-time workflow, replayed on shared
data: every bar is evaluated and explained, every entry carries an approval that explains itself,
and the per-bar evaluations equal the vectorized consensus the system backtest uses."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.conftest import load_shared_bars
from tests.unit.coordinator.conftest import make_settings
from tests.unit.coordinator.pipeline_fakes import ANALYST_FRAMES, fake_agents
from tradequorum.agents.risk_manager import RiskManagerAgent
from tradequorum.agents.signal_evaluator import SignalEvaluator
from tradequorum.consensus import evaluate_frame
from tradequorum.coordinator.registry import AgentRegistry
from tradequorum.coordinator.replay import FrameMarket, replay_index, run_replay
from tradequorum.coordinator.service import Coordinator
from tradequorum.core.clock import FixedClock
from tradequorum.notify import RecordingNotifier
from tradequorum.state import HomeLayout, read_json

SYMBOL = "BTC/USDT"


def test_real_evaluator_and_risk_manager_run_the_realtime_workflow_on_shared_data(
    tmp_path: Path,
) -> None:
    bars = load_shared_bars("binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv", nrows=420)
    settings = make_settings(tmp_path, symbols=[SYMBOL])
    clock = FixedClock(bars.index[0])
    agents = [a for a in fake_agents() if a.name not in {"signal-evaluator", "risk-manager"}]
    registry = AgentRegistry([*agents, SignalEvaluator(), RiskManagerAgent()])
    coord = Coordinator(
        settings,
        HomeLayout(tmp_path),
        registry,
        FrameMarket({SYMBOL: bars}, settings.timeframe, clock),
        clock,
        notifier=RecordingNotifier(),
        sleep=lambda s: None,
        views_every=50,
    )
    start = bars.index[60]
    summary = run_replay(coord, clock, replay_index({SYMBOL: bars}, start))
    decisions = coord.journal.decisions()
    assert len(decisions) == summary.bars > 300

    frames = {src: fn(bars) for src, fn in ANALYST_FRAMES.items()}
    vectorized = evaluate_frame(frames, settings.consensus)
    entries = 0
    for rec in decisions:
        ev = rec["consensus"]
        assert ev is not None and ev["rationale"]
        row = vectorized.loc[pd.Timestamp(rec["bar"])]
        assert (ev["tier"], ev["outcome"], ev["strength"], ev["conviction"]) == (
            row["tier"],
            row["outcome"],
            row["strength"],
            row["conviction"],
        )
        if rec["decision"]["action"] in {"enter_long", "enter_short"}:
            entries += 1
            verdict = rec["risk_verdict"]
            assert verdict["approved"] and verdict["units"] > 0
            assert verdict["checks"] and all(c["passed"] for c in verdict["checks"])
            assert verdict["rationale"].startswith("approved")
    assert entries > 0, "the scenario must trade"
    layout = HomeLayout(tmp_path)
    assert SYMBOL in read_json(layout.signals("evaluated_signal"))
    assert SYMBOL in read_json(layout.risk("trade_approvals"))
    assert read_json(layout.risk("risk_state"))["trading_state"] in {"ACTIVE", "REDUCING"}
    coord.close()


def _replay_files(home: Path, bars: pd.DataFrame, *, agent_state_files: bool) -> tuple:
    settings = make_settings(home, symbols=[SYMBOL])
    clock = FixedClock(bars.index[0])
    agents = [a for a in fake_agents() if a.name not in {"signal-evaluator", "risk-manager"}]
    coord = Coordinator(
        settings,
        HomeLayout(home),
        AgentRegistry([*agents, SignalEvaluator(), RiskManagerAgent()]),
        FrameMarket({SYMBOL: bars}, settings.timeframe, clock),
        clock,
        notifier=RecordingNotifier(),
        sleep=lambda s: None,
        views_every=1 if agent_state_files else 50,
        agent_state_files=agent_state_files,
    )
    run_replay(coord, clock, replay_index({SYMBOL: bars}, bars.index[60]))
    actions = [d["decision"]["action"] for d in coord.journal.decisions()]
    coord.close()
    layout = HomeLayout(home)
    return actions, read_json(layout.risk("trade_approvals")), read_json(layout.risk("risk_state"))


def test_fast_replay_risk_files_equal_live_style_ones(tmp_path: Path) -> None:
    """Fast replay: the runner writes trade_approvals.json at the flush, the risk manager its
    risk_state.json on every call; both end equal to a run where the agent writes its own."""
    bars = load_shared_bars("binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv", nrows=260)
    live = _replay_files(tmp_path / "live", bars, agent_state_files=True)
    fast = _replay_files(tmp_path / "fast", bars, agent_state_files=False)
    assert SYMBOL in live[1] and live[1] == fast[1]
    assert live[2] == fast[2] and live[0] == fast[0]
