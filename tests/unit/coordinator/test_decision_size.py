"""The risk approval's final size reaches the engine row and the order (risk always wins)."""

from __future__ import annotations

import math

import pandas as pd

from tradequorum.coordinator.decisions import (
    DecisionInputs,
    DecisionRecord,
    Verdict,
    decide,
    order_for,
)
from tradequorum.core.types import Tier, TradingState

EV = {"direction": "bullish", "tier": "A", "tradeable": True, "stop": 95.0, "targets": [110.0]}


def _inputs(verdict: Verdict, position: float = 0.0) -> DecisionInputs:
    return DecisionInputs(
        evaluation=EV,
        verdict=verdict,
        failed_agents=[],
        state=TradingState.ACTIVE,
        tier_cap=Tier.A,
        position=position,
        required_sources=[],
        tier_scale={"A": 1.0},
    )


def test_decide_approved_entry_carries_final_size_to_row_and_order() -> None:
    d = decide(_inputs(Verdict(approved=True, units=0.25)))
    assert d.action == "enter_long" and d.units == 0.25
    assert d.signal_row() == (1.0, 95.0, 110.0, 1.0, 0.25)  # max_units = the approved size
    rec = DecisionRecord(
        decision_id="DEC-20240101-001",
        workflow_id=None,
        symbol="BTC/USDT",
        timeframe="1m",
        bar="2024-01-01T00:00:00+00:00",
        decided_at="2024-01-01T00:01:00+00:00",
        input_fingerprint=None,
        config_hash="x",
        trading_state="ACTIVE",
        decision=d,
        mode="auto",
        rationale="",
    )
    order = order_for(rec, pd.Timestamp("2024-01-01T00:01:00+00:00"), 60.0)
    assert order is not None and order.quantity == 0.25


def test_decide_approval_without_size_is_no_trade_fail_closed() -> None:
    for units in (0.0, -1.0, math.inf, math.nan):
        d = decide(_inputs(Verdict(approved=True, units=units)))
        assert d.action == "no_trade" and "without a size" in d.reasons[0]
        assert all(math.isnan(v) for v in d.signal_row())


def test_decide_hold_keeps_its_action_whatever_the_size() -> None:
    assert decide(_inputs(Verdict(approved=True, units=0.0), position=1.0)).action == "hold"
