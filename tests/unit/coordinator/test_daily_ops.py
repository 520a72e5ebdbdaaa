from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_bars
from tests.unit.coordinator.conftest import build
from tradequorum.coordinator.daily_ops import health_check, market_context
from tradequorum.coordinator.registry import AgentRegistry
from tradequorum.coordinator.wiring import real_agents
from tradequorum.coordinator.workflow import builtin_workflow_dir, load_workflow

BARS = make_bars(3 * 1440, seed=5)


WORKFLOWS = (
    "realtime_signal_generation",
    "model_training_cycle",
    "walk_forward_optimization",
    "daily_operations",
)
# Replay wiring has no training data source, so only the bar-driven workflows are checked there.
CASES = [(name, False) for name in WORKFLOWS] + [
    (name, True) for name in ("realtime_signal_generation", "daily_operations")
]


@pytest.mark.parametrize(("name", "replay"), CASES)
def test_shipped_workflow_checks_against_real_agents(name: str, replay: bool) -> None:
    registry = AgentRegistry(real_agents(replay=replay))
    actions = {
        **registry.actions(),
        "coordinator": (
            "finalize_decision",
            "system_health_check",
            "market_context",
            "initialize_realtime",
        ),
    }
    spec = load_workflow(builtin_workflow_dir() / f"{name}.yaml", agents=actions)
    assert spec.workflow == name


def test_health_check_reports_fresh_feed_and_missing_model(tmp_path: Path) -> None:
    coord, clock, _ = build(tmp_path, BARS)
    clock.set(BARS.index[-1] + (BARS.index[1] - BARS.index[0]))
    report = health_check(coord)
    assert report["feeds"]["BTC/USDT"]["status"] == "fresh"
    assert report["model"]["status"] == "missing"
    assert report["status"] == "degraded"
    assert any("model" in p for p in report["problems"])
    coord.close()


def test_health_check_stale_feed_is_reported(tmp_path: Path) -> None:
    coord, clock, _ = build(tmp_path, BARS)
    clock.set(BARS.index[-1] + 10 * (BARS.index[1] - BARS.index[0]))
    assert health_check(coord)["feeds"]["BTC/USDT"]["status"] == "stale"
    coord.close()


def test_market_context_levels_and_regime_from_closed_bars(tmp_path: Path) -> None:
    coord, clock, _ = build(tmp_path, BARS)
    clock.set(BARS.index[-1] + (BARS.index[1] - BARS.index[0]))
    ctx = market_context(coord)
    sym = ctx["symbols"]["BTC/USDT"]
    day = BARS.loc["2024-01-03"]  # now is 2024-01-04 00:00: the previous UTC day
    assert sym["levels"]["prev_day_high"] == pytest.approx(float(day["high"].max()))
    assert sym["levels"]["prev_day_low"] == pytest.approx(float(day["low"].min()))
    va = sym["levels"]["value_area"]
    assert va["va_low"] <= va["poc"] <= va["va_high"]
    assert sym["volatility"]["regime"] in {"low", "normal", "high", "extreme", "unknown"}
    coord.close()
