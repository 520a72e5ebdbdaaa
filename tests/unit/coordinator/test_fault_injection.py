"""Inject a hang and an exception into each agent: outcomes follow the failure protocol, and a
failed risk manager or required analyst never yields a trade."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import make_bars
from tests.unit.coordinator.conftest import build
from tests.unit.coordinator.pipeline_fakes import FaultPlan
from tradequorum.coordinator.replay import replay_index, run_replay
from tradequorum.notify import NotificationType

BARS = make_bars(200, seed=3)
ENTRIES = {"enter_long", "enter_short"}
NO_TRADE_WHEN_DOWN = {
    "risk-manager",
    "smc-pattern-recognizer",
    "ml-model-engineer",
    "signal-evaluator",
    "data-pipeline-manager",
}
FAST = {"failure": {"agent_timeout_s": 0.1, "backoff_base_s": 0.0, "data_wait_s": 0.0}}


def _run(home: Path, faults: FaultPlan, start: int, n: int) -> tuple[list[dict], object]:
    coord, clock, notifier = build(home, BARS, faults=faults, **FAST)
    idx = replay_index({"BTC/USDT": BARS}, BARS.index[start], BARS.index[start + n - 1])
    run_replay(coord, clock, idx)
    decisions = coord.journal.decisions()
    orders = coord.journal.count("orders")
    coord.close()
    return decisions, (orders, notifier)


@pytest.fixture(scope="module")
def window(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, int]:
    """A short window where the healthy system does enter trades."""
    decisions, _ = _run(tmp_path_factory.mktemp("base"), FaultPlan(), 40, 120)
    bars = [pd.Timestamp(d["bar"]) for d in decisions if d["decision"]["action"] in ENTRIES]
    assert bars, "baseline must trade"
    first = BARS.index.get_loc(bars[0])
    return first - 1, 6


@pytest.mark.parametrize("kind", ["raise", "hang"])
@pytest.mark.parametrize(
    "agent",
    [
        "data-pipeline-manager",
        "feature-engineer",
        "market-microstructure-analyst",
        "smc-pattern-recognizer",
        "ml-model-engineer",
        "signal-evaluator",
        "risk-manager",
    ],
)
def test_fault_in_agent_follows_protocol(
    tmp_path: Path, window: tuple[int, int], agent: str, kind: str
) -> None:
    start, n = window
    decisions, (orders, notifier) = _run(tmp_path, FaultPlan({agent: kind}, hang_s=0.4), start, n)
    assert len(decisions) == n, "every bar gets a decision, even when an agent is down"
    actions = [d["decision"]["action"] for d in decisions]
    ran = [
        d for d in decisions if agent != "risk-manager" or (d["consensus"] or {}).get("tradeable")
    ]
    assert ran and all(agent in d["failed_agents"] for d in ran)
    if agent in NO_TRADE_WHEN_DOWN:
        assert not set(actions) & ENTRIES
        assert orders == 0
    if agent in {"signal-evaluator", "data-pipeline-manager"}:
        assert all(d["workflow_status"] == "halted" for d in decisions)
        kinds = {m.type for m in notifier.messages}  # type: ignore[attr-defined]
        assert NotificationType.HALT in kinds
    if agent == "market-microstructure-analyst":
        assert any("market-microstructure-analyst" in d["degraded"] for d in decisions)
    if agent == "feature-engineer":
        assert all(d["tier_cap"] == "B" for d in decisions)
        assert all(d["decision"]["tier"] in {"B", "C", "D"} for d in decisions)
