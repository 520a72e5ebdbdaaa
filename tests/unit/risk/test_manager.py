from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from tradequorum.config import RiskConfig
from tradequorum.core.types import TradingState
from tradequorum.risk import (
    MarketInfo,
    OrderRequest,
    Position,
    RiskManager,
    RiskState,
)
from tradequorum.risk.state import KillSwitch
from tradequorum.state import dumps

CFG = RiskConfig()
RM = RiskManager(CFG)
NOW = pd.Timestamp("2024-01-03 12:00", tz="UTC")


def state(**update: Any) -> RiskState:
    return RiskState.fresh(100_000.0).model_copy(update=update)


def pos(symbol: str, units: float, price: float) -> Position:
    return Position(symbol=symbol, units=units, price=price)


def order(**kw: Any) -> OrderRequest:
    base: dict[str, Any] = {"symbol": "BTC/USDT", "direction": "bullish", "tier": "A"}
    return OrderRequest.model_validate({**base, **kw})


def failed_codes(approval: Any) -> set[str]:
    return {c.code for c in approval.checks if not c.passed}


def test_assess_fixed_fraction_capped_by_symbol_notional_is_approved() -> None:
    # 100k * 0.5% / (2 * ATR 100) = 2.5 BTC; symbol cap 25% of equity / 20k = 1.25 BTC
    a = RM.assess(order(), state(), MarketInfo(price=20_000.0, atr=100.0), now=NOW)
    assert a.approved and a.final_units == pytest.approx(1.25, rel=1e-12)
    assert a.id == "APR-20240103-001"
    assert all(c.passed for c in a.checks)
    assert {"RISK_PER_TRADE", "GROSS_EXPOSURE", "NET_EXPOSURE", "CORRELATED_EXPOSURE"} <= {
        c.code for c in a.checks
    }


def test_assess_tier_scales_size() -> None:
    # tier B: 100k * 0.5% * 0.75 / 1000 = 0.375 BTC at 10k (cap 2.5 BTC)
    a = RM.assess(order(tier="B"), state(), MarketInfo(price=10_000.0, atr=500.0))
    assert a.approved and a.final_units == pytest.approx(0.375, rel=1e-12)


def test_assess_gross_exposure_cuts_size_from_1_2_to_0_75() -> None:
    # others: 50k long ETH + 42.5k short SOL, uncorrelated -> gross 92.5k of a 100k limit;
    # 1.2 BTC at 10k = 12k wanted, 7.5k left -> 0.75 BTC (risk 1.2 * 100 = 120 < 500)
    positions = {
        "ETH/USDT": pos("ETH/USDT", 25.0, 2000.0),
        "SOL/USDT": pos("SOL/USDT", -425.0, 100.0),
    }
    market = MarketInfo(price=10_000.0, correlations={"ETH/USDT": 0.1, "SOL/USDT": 0.0})
    a = RM.assess(order(units=1.2, stop=9_900.0), state(positions=positions), market)
    assert a.approved
    assert a.final_units == pytest.approx(0.75, rel=1e-6)
    assert [adj.code for adj in a.adjustments] == ["GROSS_EXPOSURE"]
    assert a.adjustments[0].message == "size cut from 1.2 to 0.75 by gross exposure"
    assert "size cut from 1.2 to 0.75 by gross exposure" in a.rationale


def test_assess_correlated_exposure_cuts_size() -> None:
    # ETH 40k long, corr 0.9 -> counted; limit 50k -> 10k of BTC at 10k = 1 BTC
    positions = {"ETH/USDT": pos("ETH/USDT", 20.0, 2000.0)}
    market = MarketInfo(price=10_000.0, correlations={"ETH/USDT": 0.9})
    a = RM.assess(order(units=2.0, stop=9_900.0), state(positions=positions), market)
    assert a.approved and a.final_units == pytest.approx(1.0, rel=1e-6)
    assert a.adjustments[-1].code == "CORRELATED_EXPOSURE"


def test_assess_hedge_with_negatively_correlated_short_is_not_counted_against() -> None:
    positions = {"ETH/USDT": pos("ETH/USDT", 20.0, 2000.0)}
    market = MarketInfo(price=10_000.0, correlations={"ETH/USDT": -0.9})
    a = RM.assess(order(units=2.0, stop=9_900.0), state(positions=positions), market)
    assert a.approved and a.final_units == pytest.approx(2.0)


def test_assess_unknown_correlation_counts_as_fully_correlated() -> None:
    positions = {"ETH/USDT": pos("ETH/USDT", -25.0, 2000.0)}
    a = RM.assess(
        order(units=2.0, stop=9_900.0), state(positions=positions), MarketInfo(price=10_000.0)
    )
    # short ETH 50k counted as +50k in the order's direction: the 50k limit is used up
    assert not a.approved and "size cut from 2 to 0 by correlated exposure" in a.rationale


def test_assess_extreme_volatility_halves_size() -> None:
    a = RM.assess(
        order(tier="B"), state(), MarketInfo(price=10_000.0, atr=500.0, vol_percentile=0.99)
    )
    assert a.approved and a.final_units == pytest.approx(0.1875, rel=1e-12)
    assert a.adjustments[0].code == "EXTREME_VOLATILITY"


def test_assess_latched_kill_switch_vetoes() -> None:
    st = state(kill_switch=KillSwitch(latched=True, reason="dd"), trading_state=TradingState.HALTED)
    a = RM.assess(order(), st, MarketInfo(price=10_000.0, atr=100.0))
    assert not a.approved and a.final_units == 0.0 and "KILL_SWITCH" in failed_codes(a)
    assert "quorum resume --confirm" in a.rationale


def test_assess_tier_d_vetoes() -> None:
    a = RM.assess(order(tier="D"), state(), MarketInfo(price=10_000.0, atr=100.0))
    assert not a.approved and "TIER" in failed_codes(a)


def test_assess_daily_loss_reached_allows_only_reducing_orders() -> None:
    positions = {"BTC/USDT": pos("BTC/USDT", 0.5, 10_000.0)}
    st = state(positions=positions)
    market = MarketInfo(price=10_000.0, atr=100.0)
    new = RM.assess(order(), st, market, equity=97_000.0)
    assert not new.approved and "TRADING_STATE" in failed_codes(new)
    cut = RM.assess(order(direction="bearish", units=2.0), st, market, equity=97_000.0)
    assert cut.approved and cut.final_units == pytest.approx(0.5)
    assert cut.adjustments[-1].code == "REDUCE_ONLY"


def test_assess_open_position_count_blocks_a_new_symbol_only() -> None:
    positions = {f"S{i}/USDT": pos(f"S{i}/USDT", 1.0, 100.0) for i in range(5)}
    st = state(positions=positions)
    market = MarketInfo(price=100.0, atr=1.0, correlations={s: 0.0 for s in positions})
    assert "OPEN_POSITIONS" in failed_codes(RM.assess(order(), st, market))
    assert RM.assess(order(symbol="S0/USDT"), st, market).approved


def test_assess_weekly_drawdown_near_limit_escalates() -> None:
    st = state(week_peak_equity=104_500.0, peak_equity=104_500.0)
    # weekly drawdown 1 - 100/104.5 = 4.3% >= 0.8 * 5%
    a = RM.assess(order(), st, MarketInfo(price=10_000.0, atr=100.0), now=NOW)
    assert a.approved and a.escalation is not None
    assert a.escalation.type == "weekly_drawdown" and a.escalation.id.startswith("ESC-20240103")


def test_assess_daily_loss_budget_caps_risk() -> None:
    # 1.9% lost today: 100 left of a 2,000 budget -> 100 / 200 stop = 0.5 BTC
    a = RM.assess(order(), state(), MarketInfo(price=10_000.0, atr=100.0), equity=98_100.0)
    assert a.approved and a.final_units == pytest.approx(0.5, rel=1e-9)
    assert a.adjustments[-1].code == "DAILY_LOSS_BUDGET"


@pytest.mark.parametrize(
    ("kwargs", "market", "equity", "code", "needle"),
    [
        ({}, {"price": 10_000.0, "atr": 100.0}, math.nan, "INPUT_EQUITY", "equity nan"),
        ({}, {"price": 10_000.0, "atr": 100.0}, -5.0, "INPUT_EQUITY", "not a finite positive"),
        ({}, {"price": None, "atr": 100.0}, None, "INPUT_PRICE", "price None is missing"),
        ({}, {"price": math.nan, "atr": 100.0}, None, "INPUT_PRICE", "price nan"),
        ({"direction": "sideways"}, {"price": 1.0, "atr": 0.1}, None, "INPUT_DIRECTION", "unknown"),
        ({"tier": "S"}, {"price": 1.0, "atr": 0.1}, None, "INPUT_TIER", "tier 'S'"),
        ({"units": math.nan}, {"price": 1.0, "atr": 0.1}, None, "INPUT_UNITS", "units nan"),
        ({}, {"price": 10_000.0}, None, "INPUT_STOP", "no usable ATR"),
        ({"stop": 10_100.0}, {"price": 10_000.0}, None, "INPUT_STOP", "protective side"),
    ],
)
def test_assess_bad_input_is_vetoed_with_reason(
    kwargs: dict[str, Any], market: dict[str, Any], equity: float | None, code: str, needle: str
) -> None:
    a = RM.assess(order(**kwargs), state(), market, equity=equity)
    assert a.status == "vetoed" and a.final_units == 0.0 and a.final_notional == 0.0
    assert code in failed_codes(a)
    assert needle in a.rationale
    dumps(a)  # strict JSON even with NaN inputs


def test_assess_invalid_state_mapping_is_vetoed() -> None:
    bad = {
        "equity": -1.0,
        "peak_equity": 1.0,
        "day_start_equity": 1.0,
        "week_start_equity": 1.0,
        "week_peak_equity": 1.0,
    }
    a = RM.assess(order(), bad, {"price": 1.0, "atr": 0.1})
    assert not a.approved and a.checks[0].code == "INPUT_RISK_STATE" and "equity" in a.rationale


def test_assess_invalid_order_mapping_is_vetoed() -> None:
    a = RM.assess(
        {"symbol": "BTC/USDT", "direction": "bullish", "units": "lots"}, state(), {"price": 1.0}
    )
    assert not a.approved and a.checks[0].code == "INPUT_ORDER"


def test_assess_vol_target_sizing() -> None:
    cfg = RiskConfig(sizing="vol_target")
    # 20% / 80% = 25% of equity = 25k -> 2.5 units at 10k (symbol cap 25k)
    a = RiskManager(cfg).assess(
        order(stop=9_000.0), state(), MarketInfo(price=10_000.0, annual_volatility=0.8)
    )
    assert a.final_units == pytest.approx(0.5)  # risk per trade: 500 / 1000 stop
    assert a.adjustments[0].code == "RISK_PER_TRADE"


def test_assess_kelly_sizing_needs_edge() -> None:
    cfg = RiskConfig(sizing="kelly")
    rm = RiskManager(cfg)
    market = MarketInfo(price=10_000.0, atr=500.0)
    # kelly 0.25 * (0.52 - 0.48) = 1% of 100k over a 1,000 stop = 1 unit
    a = rm.assess(order(win_probability=0.52, payoff_ratio=1.0), state(), market)
    assert a.approved and a.final_units == pytest.approx(1.0, rel=1e-9)
    assert not rm.assess(order(win_probability=0.4, payoff_ratio=1.0), state(), market).approved
