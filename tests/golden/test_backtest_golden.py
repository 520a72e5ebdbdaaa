"""Golden backtest and walk-forward figures on the shared BTCUSDT daily file.

Update after a deliberate change of semantics with ``QUORUM_UPDATE_GOLDEN=1 pytest
tests/golden/test_backtest_golden.py`` (or ``pytest --update-golden`` once the shared conftest
defines that option) and review the JSON diff in the commit.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.unit.validation.helpers import daily_bars, small_space
from tradequorum.agents.backtester import backtest_record
from tradequorum.backtest.engine import EngineSettings
from tradequorum.config.settings import Settings
from tradequorum.config.validation import WalkForwardConfig
from tradequorum.validation.walk_forward import run_walk_forward

HERE = Path(__file__).resolve().parent


@pytest.fixture
def update(request: pytest.FixtureRequest) -> bool:
    flag = bool(request.config.getoption("--update-golden", default=False))
    return flag or os.environ.get("QUORUM_UPDATE_GOLDEN") == "1"


def _check(name: str, actual: dict[str, Any], update: bool) -> None:
    path = HERE / name
    if update or not path.exists():
        path.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
        if not update:
            pytest.fail(
                f"golden file {name} was missing and has been written; review and commit it"
            )
    expected = json.loads(path.read_text())
    assert set(expected) == set(actual)
    for key, value in expected.items():
        if isinstance(value, float):
            assert actual[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
        else:
            assert actual[key] == value, key


def test_golden_sma_cross_backtest_metrics_on_btcusdt_daily(update: bool) -> None:
    rec = backtest_record(
        daily_bars(),
        Settings(),
        strategy="sma_cross",
        params={"fast": 10, "slow": 30, "atr_stop": 2.0},
        timeframe="1d",
        symbol="BTC/USDT",
    )
    _check("backtest_sma_cross_btcusdt_1d.json", rec.metrics.model_dump(), update)


def test_golden_walk_forward_decision_on_btcusdt_daily(update: bool) -> None:
    run = run_walk_forward(
        daily_bars(last=1461), small_space(), WalkForwardConfig(), EngineSettings(), timeframe="1d"
    )
    v = run.validation
    actual: dict[str, Any] = {
        "decision": v.decision,
        "oos_sharpe": v.oos_sharpe,
        "pbo": None if v.pbo is None else v.pbo.pbo,
        "parameter_stability": v.parameter_stability.score,
        "dsr": v.deflated_sharpe.dsr,
        "n_trials": v.n_trials,
        "chosen": [w.params for w in run.results.windows],
    }
    _check("wfo_sma_cross_btcusdt_1d.json", actual, update)
