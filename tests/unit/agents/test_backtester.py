"""The backtester agent: its three actions on real daily bars, state files, JSON output."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.unit.validation.helpers import daily_bars
from tradequorum.agents.backtester import Backtester, read_signal_file
from tradequorum.agents.base import AgentContext, Task
from tradequorum.config.settings import Settings
from tradequorum.core.clock import FixedClock
from tradequorum.core.errors import AgentError, DataError
from tradequorum.state.layout import HomeLayout

SPACE = {
    "strategy": "sma_cross",
    "parameters": {
        "fast": {"type": "int", "low": 5, "high": 20, "step": 5},
        "slow": {"type": "int", "low": 30, "high": 90, "step": 30},
    },
    "constraints": ["fast < slow"],
}


class _Market:
    def __init__(self, bars: pd.DataFrame) -> None:
        self._bars = bars

    def bars(self, symbol: str, timeframe: str) -> pd.DataFrame:
        return self._bars


def _ctx(tmp_path: Path, bars: pd.DataFrame, write: bool = True) -> AgentContext:
    return AgentContext(
        clock=FixedClock(pd.Timestamp("2025-03-01", tz="UTC")),
        settings=Settings(home=tmp_path, timeframe="1d"),
        layout=HomeLayout(tmp_path),
        market=_Market(bars),
        write_state=write,
    )


def _task(action: str, **params: object) -> Task:
    return Task(task_id="TASK-1", agent="backtester", action=action, params=params)


def test_backtester_declares_name_domain_and_actions() -> None:
    agent = Backtester()
    assert agent.name == "backtester" and "walk-forward" in agent.domain
    assert agent.actions == ("run_backtest", "walk_forward", "validate_model")


def test_backtester_run_backtest_returns_json_able_metrics(tmp_path: Path) -> None:
    out = Backtester().run_backtest(
        _task("run_backtest", symbol="BTC/USDT", timeframe="1d", params={"fast": 10, "slow": 40}),
        _ctx(tmp_path, daily_bars()),
    )
    data = json.loads(out.model_dump_json())
    assert data["metrics"]["n_bars"] == 2750 and data["metrics"]["trade_count"] > 0


def test_backtester_walk_forward_writes_both_backtest_files(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, daily_bars())
    out = Backtester().walk_forward(_task("walk_forward", timeframe="1d", space=SPACE), ctx)
    assert out.decision in ("approve", "reject") and out.n_trials == 12
    results = json.loads((tmp_path / "backtests" / "wfo_results.json").read_text())
    validation = json.loads((tmp_path / "backtests" / "wfo_validation.json").read_text())
    assert len(results["windows"]) == 12
    assert validation["decision"] == out.decision
    assert [c["name"] for c in validation["criteria"]][:3] == [
        "oos_sharpe",
        "pbo",
        "parameter_stability",
    ]


def test_backtester_walk_forward_without_write_state_writes_nothing(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, daily_bars(), write=False)
    out = Backtester().walk_forward(_task("walk_forward", timeframe="1d", space=SPACE), ctx)
    assert out.results_path is None and not (tmp_path / "backtests").exists()


def test_backtester_validate_model_from_predictions_file(tmp_path: Path) -> None:
    bars = daily_bars(last=500)
    proba = pd.Series(
        np.where(bars["close"].pct_change().fillna(0) > 0, 0.7, 0.3), index=bars.index
    )
    path = tmp_path / "pred.csv"
    proba.to_frame("proba").to_csv(path)
    out = Backtester().validate_model(
        _task("validate_model", timeframe="1d", predictions_path=str(path), n_trials=5),
        _ctx(tmp_path, bars),
    )
    assert out.n_signals == 500 and out.deflated_sharpe.n_trials == 5
    assert out.metrics.trade_count > 10


def test_read_signal_file_without_known_column_raises_data_error(tmp_path: Path) -> None:
    bars = daily_bars(last=10)
    path = tmp_path / "x.csv"
    pd.DataFrame({"x": 1.0}, index=bars.index).to_csv(path)
    with pytest.raises(DataError, match="proba"):
        read_signal_file(path, bars)


def test_backtester_validate_model_without_path_raises_agent_error(tmp_path: Path) -> None:
    with pytest.raises(AgentError, match="signals_path"):
        Backtester().handle(_task("validate_model"), _ctx(tmp_path, daily_bars(last=10)))


def test_backtester_validate_model_accepts_an_in_memory_signal_frame(tmp_path: Path) -> None:
    from tradequorum.backtest import get_strategy

    bars = daily_bars(last=400)
    frame = get_strategy("sma_cross").signals(bars, {})
    out = Backtester().validate_model(
        _task("validate_model", timeframe="1d", signals=frame), _ctx(tmp_path, bars)
    )
    assert out.source == "in-memory frame" and out.metrics.trade_count > 0
