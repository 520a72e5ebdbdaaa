"""smc-pattern-recognizer: signals on the shared BTC data, state file, daily structure map."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import load_shared_bars
from tradequorum.agents.base import AgentContext, Task
from tradequorum.agents.smc_pattern import SmcPatternRecognizer
from tradequorum.config.settings import Settings
from tradequorum.core.clock import FixedClock
from tradequorum.core.errors import AgentError
from tradequorum.core.types import Signal
from tradequorum.smc import latest_signal
from tradequorum.state.layout import HomeLayout


class FakeMarket:
    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.frames = frames

    def bars(self, symbol: str, timeframe: str) -> pd.DataFrame:
        return self.frames[symbol]


@pytest.fixture(scope="module")
def btc() -> pd.DataFrame:
    return load_shared_bars("binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv")


def _ctx(tmp_path: Path, frames: dict[str, pd.DataFrame], write: bool = True) -> AgentContext:
    return AgentContext(
        clock=FixedClock("2025-11-01T04:22:00Z"),
        settings=Settings(symbols=tuple(frames)),
        layout=HomeLayout(tmp_path),
        market=FakeMarket(frames),
        write_state=write,
    )


def test_agent_has_design_name_domain_and_actions() -> None:
    a = SmcPatternRecognizer()
    assert a.name == "smc-pattern-recognizer"
    assert "order blocks" in a.domain and "liquidity sweeps" in a.domain
    assert a.actions == ("analyze", "daily_structure_map")


def test_agent_analyze_writes_signals_keyed_by_symbol(tmp_path: Path, btc: pd.DataFrame) -> None:
    eth = load_shared_bars("binance-spot-1m-btc-eth-taker-2025-10/ETHUSDT_1m.csv")
    ctx = _ctx(tmp_path, {"BTC/USDT": btc, "ETH/USDT": eth})
    before = btc.copy()
    out = SmcPatternRecognizer().handle(Task(task_id="T1", agent="x", action="analyze"), ctx)
    pd.testing.assert_frame_equal(btc, before)  # input not mutated
    path = ctx.layout.signals("smc_signals")
    data = json.loads(path.read_text())
    assert set(data) == {"BTC/USDT", "ETH/USDT"}
    sig = Signal.model_validate(data["BTC/USDT"])
    assert sig.source == "smc"
    assert sig == out.signals["BTC/USDT"]  # type: ignore[attr-defined]
    assert sig == latest_signal(btc, Settings().smc, symbol="BTC/USDT", timeframe="1m")


def test_agent_analyze_merges_with_existing_symbols(tmp_path: Path, btc: pd.DataFrame) -> None:
    path = HomeLayout(tmp_path).signals("smc_signals")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"SOL/USDT": {"keep": True}}))
    ctx = _ctx(tmp_path, {"BTC/USDT": btc})
    task = Task(task_id="T2", agent="x", action="analyze", params={"symbol": "BTC/USDT"})
    SmcPatternRecognizer().handle(task, ctx)
    assert set(json.loads(path.read_text())) == {"SOL/USDT", "BTC/USDT"}


def test_agent_without_write_state_leaves_home_untouched(tmp_path: Path, btc: pd.DataFrame) -> None:
    ctx = _ctx(tmp_path, {"BTC/USDT": btc}, write=False)
    SmcPatternRecognizer().handle(Task(task_id="T3", agent="x", action="analyze"), ctx)
    assert not ctx.layout.signals("smc_signals").exists()


def test_agent_daily_structure_map_lists_bias_pois_and_liquidity(
    tmp_path: Path, btc: pd.DataFrame
) -> None:
    ctx = _ctx(tmp_path, {"BTC/USDT": btc})
    task = Task(task_id="T4", agent="x", action="daily_structure_map")
    out = SmcPatternRecognizer().handle(task, ctx).model_dump(mode="json")
    m = out["maps"]["BTC/USDT"]
    assert set(m["htf_bias"]) == {"1h", "4h", "1d"}
    assert m["points_of_interest"] and m["liquidity"]
    assert {lv["name"] for lv in m["liquidity"]} >= {"pdh", "pdl"}
    json.dumps(out)
    written = json.loads(ctx.layout.signals("smc_daily_structure").read_text())
    assert written["BTC/USDT"] == m


def test_agent_with_too_few_bars_fails_with_agent_error(tmp_path: Path, btc: pd.DataFrame) -> None:
    ctx = _ctx(tmp_path, {"BTC/USDT": btc.iloc[:2]})
    with pytest.raises(AgentError, match="at least 3"):
        SmcPatternRecognizer().handle(Task(task_id="T5", agent="x", action="analyze"), ctx)
