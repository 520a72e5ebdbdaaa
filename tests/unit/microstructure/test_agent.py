"""The market-microstructure-analyst agent: signals state keyed by symbol, inputs reported."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import load_shared_bars, shared_file
from tradequorum.agents.base import AgentContext, Task
from tradequorum.agents.microstructure import MicrostructureAgent
from tradequorum.config.settings import Settings
from tradequorum.core.clock import FixedClock
from tradequorum.core.errors import AgentError
from tradequorum.state.layout import HomeLayout

BTC = "binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv"
ETH = "binance-spot-1m-btc-eth-taker-2025-10/ETHUSDT_1m.csv"


class _Market:
    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.frames = frames

    def bars(self, symbol: str, timeframe: str) -> pd.DataFrame:
        return self.frames[symbol]


def _ctx(tmp_path: Path, frames: dict[str, pd.DataFrame]) -> AgentContext:
    settings = Settings(symbols=tuple(frames))
    return AgentContext(
        clock=FixedClock("2025-11-01T04:22:00Z"),
        settings=settings,
        layout=HomeLayout(tmp_path),
        market=_Market(frames),
    )


def test_agent_analyze_writes_signals_keyed_by_symbol_and_merges(tmp_path: Path) -> None:
    btc = load_shared_bars(BTC)
    eth = load_shared_bars(ETH).drop(columns=["taker_buy_volume"])
    ctx = _ctx(tmp_path, {"BTC/USDT": btc, "ETH/USDT": eth})
    agent = MicrostructureAgent()
    res = agent.handle(
        Task(task_id="T1", agent=agent.name, action="analyze", params={"symbol": "BTC/USDT"}), ctx
    )
    assert res.symbols["BTC/USDT"].inputs == ["taker_flow"]  # type: ignore[attr-defined]
    agent.handle(
        Task(task_id="T2", agent=agent.name, action="analyze", params={"symbol": "ETH/USDT"}), ctx
    )
    state = json.loads(ctx.layout.signals("microstructure_signals").read_text())
    assert set(state) == {"BTC/USDT", "ETH/USDT"}
    assert state["ETH/USDT"]["inputs"] == ["bvc"]
    assert state["BTC/USDT"]["signal"]["source"] == "microstructure"
    assert state["BTC/USDT"]["features"]["ms_exact_flow"] == 1.0


def test_agent_analyze_with_trades_bars_and_depth_reports_all_inputs(tmp_path: Path) -> None:
    from tradequorum.microstructure.depth_feeds import load_binance_ws_capture
    from tradequorum.microstructure.trades import aggregate_trades

    paths = [str(shared_file("hftbacktest-binance-ws-2024-08-08/spot_btcusdt_20240808.gz"))]
    _, trades = load_binance_ws_capture([Path(p) for p in paths])
    bars = aggregate_trades(trades, timeframe="1s")
    ctx = _ctx(tmp_path, {"BTC/USDT": bars})
    ctx.write_state = False
    agent = MicrostructureAgent()
    res = agent.analyze(
        Task(
            task_id="T",
            agent=agent.name,
            action="analyze",
            params={"timeframe": "1s", "depth": paths},
        ),
        ctx,
    )
    entry = res.symbols["BTC/USDT"]
    assert entry.inputs == ["taker_flow", "trades", "depth"]
    assert any(e.kind == "depth" for e in entry.signal.evidence)
    assert not ctx.layout.signals("microstructure_signals").exists()


def test_agent_volume_profile_gives_poc_inside_value_area(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, {"BTC/USDT": load_shared_bars(BTC)})
    agent = MicrostructureAgent()
    res = agent.volume_profile(Task(task_id="T", agent=agent.name, action="volume_profile"), ctx)
    prof = res.symbols["BTC/USDT"]
    for lv in (prof.last_session, prof.developing_session, prof.rolling):
        assert lv is not None and lv.va_low <= lv.poc <= lv.va_high
    assert prof.last_session is not None and prof.last_session.start.startswith("2025-10-31 00:00")


def test_agent_unknown_action_and_missing_market_raise_agent_error(tmp_path: Path) -> None:
    agent = MicrostructureAgent()
    ctx = _ctx(tmp_path, {"BTC/USDT": load_shared_bars(BTC)})
    with pytest.raises(AgentError):
        agent.handle(Task(task_id="T", agent=agent.name, action="trade"), ctx)
    ctx.market = None
    with pytest.raises(AgentError, match="market data"):
        agent.handle(Task(task_id="T", agent=agent.name, action="analyze"), ctx)


def test_agent_names_match_design() -> None:
    assert MicrostructureAgent.name == "market-microstructure-analyst"
    assert MicrostructureAgent.actions == ("analyze", "analyze_order_flow", "volume_profile")


def test_agent_analyze_order_flow_is_the_seed_name_of_analyze(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, {"BTC/USDT": load_shared_bars(BTC)})
    ctx.write_state = False
    agent = MicrostructureAgent()
    task = Task(
        task_id="T",
        agent=agent.name,
        action="analyze_order_flow",
        params={"symbol": "BTC/USDT", "timeframe": "1m", "bar": "2025-11-01T04:21:00+00:00"},
    )
    a = agent.handle(task, ctx)
    b = agent.analyze(task, ctx)
    assert a.model_dump() == b.model_dump()


def test_agent_analyze_never_reads_past_the_task_bar(tmp_path: Path) -> None:
    bars = load_shared_bars(BTC)
    ctx = _ctx(tmp_path, {"BTC/USDT": bars})
    ctx.write_state = False
    agent = MicrostructureAgent()
    cut = bars.index[3000]
    res = agent.analyze(
        Task(
            task_id="T",
            agent=agent.name,
            action="analyze",
            params={"symbol": "BTC/USDT", "bar": cut.isoformat()},
        ),
        ctx,
    )
    entry = res.symbols["BTC/USDT"]
    assert entry.signal.ts == cut and entry.bars_used == 3001


def test_agent_answers_every_action_the_shipped_workflows_ask_of_it() -> None:
    import yaml

    import tradequorum

    asked: set[str] = set()
    for path in (Path(tradequorum.__file__).parent / "workflows").glob("*.yaml"):
        spec = yaml.safe_load(path.read_text())
        for step in spec.get("steps", []):
            for t in [step, *step.get("tasks", [])]:
                if t.get("agent") == MicrostructureAgent.name:
                    asked.add(str(t["action"]))
    assert asked, "no workflow step asks the microstructure analyst anything"
    assert asked <= set(MicrostructureAgent.actions)


def test_signal_evaluator_finds_the_signal_in_the_analyst_output(tmp_path: Path) -> None:
    from tradequorum.agents.signal_evaluator import find_signal

    ctx = _ctx(tmp_path, {"BTC/USDT": load_shared_bars(BTC)})
    ctx.write_state = False
    agent = MicrostructureAgent()
    out = agent.analyze(
        Task(task_id="T", agent=agent.name, action="analyze", params={"symbol": "BTC/USDT"}), ctx
    ).model_dump(mode="json")
    sig = find_signal(out, "BTC/USDT")
    assert sig is not None and sig["source"] == "microstructure"
    assert sig["direction"] in {"bullish", "bearish", "neutral"}


def test_agent_analyze_without_features_gives_same_signal_and_empty_features(
    tmp_path: Path,
) -> None:
    bars = load_shared_bars(BTC).iloc[:3000]
    ctx = _ctx(tmp_path, {"BTC/USDT": bars})
    ctx.write_state = False
    agent = MicrostructureAgent()
    params = {"symbol": "BTC/USDT", "timeframe": "1m"}
    full = agent.analyze(Task(task_id="A", agent=agent.name, action="analyze", params=params), ctx)
    lean = agent.analyze(
        Task(task_id="B", agent=agent.name, action="analyze", params={**params, "features": False}),
        ctx,
    )
    a, b = full.symbols["BTC/USDT"], lean.symbols["BTC/USDT"]
    assert a.features and b.features == {}
    assert a.signal == b.signal and a.inputs == b.inputs and a.bars_used == b.bars_used


def test_realtime_workflow_turns_the_informational_feature_row_off() -> None:
    import tradequorum
    from tradequorum.coordinator.workflow import load_workflow

    path = Path(tradequorum.__file__).parent / "workflows" / "realtime_signal_generation.yaml"
    spec = load_workflow(path)
    tasks = [t for s in spec.steps for t in s.task_specs() if t.agent == MicrostructureAgent.name]
    assert tasks and all(t.params.get("features") is False for t in tasks)
