"""The signal-evaluator and risk-manager agents on real shared bars, through their tasks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.conftest import load_shared_bars
from tradequorum.agents.base import AgentContext, Task
from tradequorum.agents.risk_manager import RiskManagerAgent
from tradequorum.agents.signal_evaluator import SignalEvaluator
from tradequorum.config import Settings
from tradequorum.core.clock import FixedClock
from tradequorum.core.errors import DataError
from tradequorum.risk import daily_correlation
from tradequorum.state import HomeLayout, read_json, write_json_atomic

DATA = "binance-spot-1m-btc-eth-taker-2025-10/{}_1m.csv"


class Market:
    def __init__(self, bars: dict[str, pd.DataFrame]) -> None:
        self._bars = bars

    def bars(self, symbol: str, timeframe: str) -> pd.DataFrame:
        if symbol not in self._bars:
            raise DataError(f"no bars for {symbol}")
        return self._bars[symbol]


@pytest.fixture(scope="module")
def market() -> Market:
    return Market(
        {
            "BTC/USDT": load_shared_bars(DATA.format("BTCUSDT"), nrows=3000),
            "ETH/USDT": load_shared_bars(DATA.format("ETHUSDT"), nrows=3000),
        }
    )


def ctx_for(tmp_path: Path, market: Market) -> AgentContext:
    bar = market.bars("BTC/USDT", "1m").index[-1]
    settings = Settings(home=tmp_path, symbols=("BTC/USDT", "ETH/USDT"))
    return AgentContext(
        clock=FixedClock(bar + pd.Timedelta(minutes=1)),
        settings=settings,
        layout=HomeLayout(tmp_path),
        market=market,
    )


def sig(
    source: str, direction: str, conf: float, bar: pd.Timestamp, symbol: str = "BTC/USDT", **kw: Any
) -> dict[str, Any]:
    return {
        "source": source,
        "symbol": symbol,
        "timeframe": "1m",
        "timestamp": bar.isoformat(),
        "direction": direction,
        "confidence": conf,
        **kw,
    }


def task(agent: str, action: str, **params: Any) -> Task:
    return Task(task_id="TASK-20251101-001", agent=agent, action=action, params=params)


def evaluate_btc(ctx: AgentContext, market: Market, direction: str = "bullish") -> dict[str, Any]:
    bar = market.bars("BTC/USDT", "1m").index[-1]
    close = float(market.bars("BTC/USDT", "1m")["close"].iloc[-1])
    stop = close * (0.99 if direction == "bullish" else 1.01)
    inputs = {
        "smc_signals": {"signals": {"BTC/USDT": sig("smc", direction, 0.8, bar, stop=stop)}},
        "ml_signals": sig("ml_model", direction, 0.7, bar),
        "microstructure_signals": {
            "symbols": {"BTC/USDT": {"signal": sig("microstructure", "neutral", 0.4, bar)}}
        },
    }
    ev = SignalEvaluator().handle(
        task(
            "signal-evaluator",
            "evaluate_consensus",
            symbol="BTC/USDT",
            timeframe="1m",
            bar=bar.isoformat(),
            inputs=inputs,
        ),
        ctx,
    )
    return ev.model_dump(mode="json")


def test_signal_evaluator_reads_every_analyst_output_shape(tmp_path: Path, market: Market) -> None:
    ctx = ctx_for(tmp_path, market)
    ev = evaluate_btc(ctx, market)
    assert ev["tier"] == "A" and ev["tradeable"] and ev["direction"] == "bullish"
    assert ev["rationale"].startswith("bullish: ml_model 0.70 and smc 0.80 agree")
    saved = read_json(ctx.layout.signals("evaluated_signal"))
    assert saved["BTC/USDT"]["tier"] == "A"


def test_signal_evaluator_failed_required_agent_is_insufficient(
    tmp_path: Path, market: Market
) -> None:
    ctx = ctx_for(tmp_path, market)
    bar = market.bars("BTC/USDT", "1m").index[-1]
    inputs = {
        "smc_signals": sig("smc", "bullish", 0.9, bar),
        "ml_signals": {"status": "timeout", "error": "deadline"},
    }
    ev = SignalEvaluator().handle(
        task(
            "signal-evaluator",
            "evaluate",
            symbol="BTC/USDT",
            bar=bar.isoformat(),
            inputs=inputs,
            failed_agents=["ml-model-engineer"],
        ),
        ctx,
    )
    assert ev.outcome.value == "insufficient" and not ev.tradeable  # type: ignore[attr-defined]


def test_signal_evaluator_reads_state_files_without_inputs(tmp_path: Path, market: Market) -> None:
    ctx = ctx_for(tmp_path, market)
    bar = market.bars("BTC/USDT", "1m").index[-1]
    write_json_atomic(
        ctx.layout.signals("smc_signals"), {"BTC/USDT": sig("smc", "bearish", 0.9, bar)}
    )
    write_json_atomic(
        ctx.layout.signals("ml_signals"), {"BTC/USDT": sig("ml_model", "bearish", 0.9, bar)}
    )
    ev = SignalEvaluator().handle(task("signal-evaluator", "evaluate", symbol="BTC/USDT"), ctx)
    assert ev.direction.value == "bearish" and ev.tier.value == "A"  # type: ignore[attr-defined]


def test_risk_manager_approves_a_tier_a_evaluation_on_real_bars(
    tmp_path: Path, market: Market
) -> None:
    ctx = ctx_for(tmp_path, market)
    ev = evaluate_btc(ctx, market)
    bar = market.bars("BTC/USDT", "1m").index[-1]
    out = (
        RiskManagerAgent()
        .handle(
            task(
                "risk-manager",
                "assess_trade",
                symbol="BTC/USDT",
                timeframe="1m",
                bar=bar.isoformat(),
                inputs={"evaluated_signal": ev},
                portfolio={"equity": 100_000.0, "positions": {"ETH/USDT": 3.0}},
            ),
            ctx,
        )
        .model_dump(mode="json")
    )
    assert out["approved"] and out["units"] > 0 and out["stop"] == ev["stop"]
    assert {c["code"] for c in out["checks"]} >= {
        "GROSS_EXPOSURE",
        "CORRELATED_EXPOSURE",
        "KILL_SWITCH",
    }
    assert out["id"].startswith("APR-")
    saved = read_json(ctx.layout.risk("trade_approvals"))
    assert saved["BTC/USDT"]["approved"] is True
    state = read_json(ctx.layout.risk("risk_state"))
    assert state["positions"]["ETH/USDT"]["units"] == 3.0


def test_risk_manager_vetoes_an_untradeable_evaluation(tmp_path: Path, market: Market) -> None:
    ctx = ctx_for(tmp_path, market)
    out = RiskManagerAgent().handle(
        task(
            "risk-manager",
            "assess_trade",
            symbol="BTC/USDT",
            inputs={"evaluated_signal": {"tier": "D", "tradeable": False}},
        ),
        ctx,
    )
    assert not out.approved and "not tradeable (tier D)" in out.rationale  # type: ignore[attr-defined]


def test_risk_manager_kill_switch_latch_survives_restart(tmp_path: Path, market: Market) -> None:
    ctx = ctx_for(tmp_path, market)
    agent = RiskManagerAgent()
    ev = evaluate_btc(ctx, market)
    params = {"symbol": "BTC/USDT", "inputs": {"evaluated_signal": ev}}
    agent.handle(
        task("risk-manager", "assess_trade", portfolio={"equity": 100_000.0}, **params), ctx
    )
    hit = agent.handle(
        task("risk-manager", "assess_trade", portfolio={"equity": 80_000.0}, **params), ctx
    )
    assert not hit.approved  # type: ignore[attr-defined]
    again = RiskManagerAgent().handle(
        task("risk-manager", "assess_trade", portfolio={"equity": 130_000.0}, **params), ctx
    )
    assert not again.approved and "quorum resume --confirm" in again.rationale  # type: ignore[attr-defined]
    assert read_json(ctx.layout.risk("risk_state"))["kill_switch"]["latched"] is True


def test_risk_manager_daily_update_writes_report(tmp_path: Path, market: Market) -> None:
    ctx = ctx_for(tmp_path, market)
    rep = RiskManagerAgent().handle(
        task("risk-manager", "update_risk_state", portfolio={"equity": 99_000.0}), ctx
    )
    saved = read_json(ctx.layout.risk("daily_risk"))
    assert saved["budget"]["daily_loss_budget"] == pytest.approx(2_000.0)
    assert rep.trading_state.value == "ACTIVE"  # type: ignore[attr-defined]


def test_risk_manager_assess_model_passes_training_record_and_fails_closed_without(
    tmp_path: Path, market: Market
) -> None:
    ctx = ctx_for(tmp_path, market)
    agent = RiskManagerAgent()
    none = agent.handle(task("risk-manager", "assess_model_risk"), ctx)
    assert not none.approved and "fail closed" in none.reasons[0]  # type: ignore[attr-defined]
    record = {
        "model_version": "v1",
        "approved": True,
        "checks": [],
        "reasons": [],
        "drift_by_feature": {},
    }
    ok = agent.handle(
        task("risk-manager", "assess_model", inputs={"training_run": {"risk": record}}), ctx
    )
    assert ok.approved  # type: ignore[attr-defined]
    inline = agent.handle(
        task(
            "risk-manager",
            "assess_model",
            model_version="v2",
            model_risk={"returns": [0.01, -0.5], "importances": {"a": 1.0, "b": 1.0}},
        ),
        ctx,
    )
    assert not inline.approved and inline.checks[0].code == "VALIDATION_DRAWDOWN"  # type: ignore[attr-defined]
    assert read_json(ctx.layout.risk("model_risk_assessment"))["model_version"] == "v2"


@pytest.mark.parametrize(
    ("portfolio", "needle"),
    [
        ({"equity": -5.0}, "equity must be a finite positive"),
        ({"equity": float("nan")}, "equity must be a finite positive"),
        ({"equity": 100_000.0, "positions": {"DOGE/USDT": 10.0}}, "cannot price the held"),
    ],
)
def test_risk_manager_bad_portfolio_is_vetoed_not_raised(
    tmp_path: Path, market: Market, portfolio: dict[str, Any], needle: str
) -> None:
    ctx = ctx_for(tmp_path, market)
    ev = evaluate_btc(ctx, market)
    out = RiskManagerAgent().handle(
        task(
            "risk-manager",
            "assess_trade",
            symbol="BTC/USDT",
            portfolio=portfolio,
            inputs={"evaluated_signal": ev},
        ),
        ctx,
    )
    assert not out.approved and needle in out.rationale  # type: ignore[attr-defined]
    assert out.checks[0].code == "INPUT_PORTFOLIO"  # type: ignore[attr-defined]


def test_signal_evaluator_malformed_optional_signal_counts_as_failed_with_a_note(
    tmp_path: Path, market: Market
) -> None:
    ctx = ctx_for(tmp_path, market)
    bar = market.bars("BTC/USDT", "1m").index[-1]
    inputs = {
        "smc_signals": sig("smc", "bullish", 0.8, bar),
        "ml_signals": sig("ml_model", "bullish", 0.7, bar),
        "microstructure_signals": sig("microstructure", "sideways", 0.4, bar),
        "llm_agent": {**sig("llm_agent", "bullish", 0.9, bar), "thoughts": "long BTC"},
    }
    ev = SignalEvaluator().handle(
        task("signal-evaluator", "evaluate", symbol="BTC/USDT", bar=bar.isoformat(), inputs=inputs),
        ctx,
    )
    assert ev.tradeable and ev.notes[0].startswith("microstructure: signal rejected (direction")  # type: ignore[attr-defined]
    roles = {v.source: (v.role, v.status) for v in ev.votes}  # type: ignore[attr-defined]
    assert roles["microstructure"] == ("optional", "failed")
    assert roles["llm_agent"] == ("external", "voted")


def test_risk_manager_correlated_exposure_uses_daily_correlation_of_real_pairs(
    tmp_path: Path,
) -> None:
    folder = "binance-spot-1m-btc-eth-bnb-2024-01/{}_1min_sample.csv"
    month = Market(
        {
            "BTC/USDT": load_shared_bars(folder.format("BTCUSDT")),
            "ETH/USDT": load_shared_bars(folder.format("ETHUSDT")),
        }
    )
    ctx = ctx_for(tmp_path, month)
    ev = evaluate_btc(ctx, month)
    bar = month.bars("BTC/USDT", "1m").index[-1]
    out = RiskManagerAgent().handle(
        task(
            "risk-manager",
            "assess_trade",
            symbol="BTC/USDT",
            bar=bar.isoformat(),
            inputs={"evaluated_signal": ev},
            portfolio={"equity": 100_000.0, "positions": {"ETH/USDT": 5.0}},
        ),
        ctx,
    )
    rho = daily_correlation(
        {s: month.bars(s, "1m")["close"] for s in ("BTC/USDT", "ETH/USDT")}
    ).loc["BTC/USDT", "ETH/USDT"]
    eth = 5.0 * float(month.bars("ETH/USDT", "1m")["close"].iloc[-1])
    btc = out.final_notional  # type: ignore[attr-defined]
    check = next(c for c in out.checks if c.code == "CORRELATED_EXPOSURE")  # type: ignore[attr-defined]
    expected = btc + eth if rho >= 0.7 else btc
    assert out.approved and check.value == pytest.approx(expected, rel=1e-9)  # type: ignore[attr-defined]


def test_risk_manager_vol_target_sizing_uses_realized_volatility(
    tmp_path: Path, market: Market
) -> None:
    ctx = ctx_for(tmp_path, market)
    ctx.settings = Settings(home=tmp_path, symbols=("BTC/USDT",), risk={"sizing": "vol_target"})
    ev = evaluate_btc(ctx, market)
    out = RiskManagerAgent().handle(
        task(
            "risk-manager",
            "assess_trade",
            symbol="BTC/USDT",
            inputs={"evaluated_signal": ev},
            portfolio={"equity": 100_000.0},
        ),
        ctx,
    )
    assert out.approved and out.final_units > 0  # type: ignore[attr-defined]
