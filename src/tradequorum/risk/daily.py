"""The daily risk update of the daily-operations workflow: drawdown status, position limits and
the daily risk budget, written to ``state/risk/daily_risk.json``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict

from tradequorum.config.risk import RiskConfig
from tradequorum.consensus.records import Escalation
from tradequorum.core.ids import IdSequence
from tradequorum.core.types import TradingState
from tradequorum.risk.sizing import per_trade_risk_fraction
from tradequorum.risk.state import RiskState


class DrawdownStatus(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    status: Literal["ok", "warning", "escalate", "halted"]
    drawdown: float
    kill_switch_at: float
    daily_loss: float
    daily_loss_limit: float
    weekly_drawdown: float
    weekly_drawdown_limit: float
    weekly_escalate_at: float


class PositionLimits(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    open_positions: int
    max_open_positions: int
    gross_exposure: float
    gross_limit: float
    net_exposure: float
    net_limit: float


class RiskBudget(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    daily_loss_budget: float
    used: float
    remaining: float
    per_trade_risk: float
    trades_at_full_risk: int


class DailyRiskReport(BaseModel):
    """What the daily operations workflow reports about risk (quote currency, fractions)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    created: datetime
    equity: float
    peak_equity: float
    daily_pnl: float
    weekly_pnl: float
    trading_state: TradingState
    kill_switch_latched: bool
    drawdown: DrawdownStatus
    positions: PositionLimits
    budget: RiskBudget
    escalation: Escalation | None = None
    summary: str


def _status(state: RiskState, cfg: RiskConfig) -> DrawdownStatus:
    weekly = state.weekly_drawdown
    escalate_at = cfg.weekly_drawdown_escalate_at * cfg.weekly_drawdown_limit
    status: Literal["ok", "warning", "escalate", "halted"] = "ok"
    if state.kill_switch.latched:
        status = "halted"
    elif weekly >= escalate_at:
        status = "escalate"
    elif (
        state.trading_state is TradingState.REDUCING
        or state.drawdown >= 0.5 * cfg.kill_switch_drawdown
    ):
        status = "warning"
    return DrawdownStatus(
        status=status,
        drawdown=state.drawdown,
        kill_switch_at=cfg.kill_switch_drawdown,
        daily_loss=state.daily_loss,
        daily_loss_limit=cfg.daily_loss_limit,
        weekly_drawdown=weekly,
        weekly_drawdown_limit=cfg.weekly_drawdown_limit,
        weekly_escalate_at=escalate_at,
    )


def daily_risk_update(
    state: RiskState, cfg: RiskConfig, now: pd.Timestamp, *, ids: IdSequence | None = None
) -> DailyRiskReport:
    """Summarize drawdown, limits and today's remaining loss budget; escalate near the weekly limit."""
    eq = state.equity
    held = [p for p in state.positions.values() if p.units != 0]
    gross = sum(abs(p.notional) for p in held)
    net = sum(p.notional for p in held)
    budget_total = cfg.daily_loss_limit * state.day_start_equity
    used = max(0.0, -state.daily_pnl)
    remaining = max(0.0, budget_total - used)
    per_trade = eq * per_trade_risk_fraction(cfg)
    dd = _status(state, cfg)
    escalation = None
    if dd.status == "escalate":
        escalation = Escalation(
            id=(ids or IdSequence()).next("ESC", now),
            type="weekly_drawdown",
            reason=f"weekly drawdown {dd.weekly_drawdown:.2%} is approaching the "
            f"{cfg.weekly_drawdown_limit:.2%} limit",
            options=["continue", "reduce_risk", "halt_trading"],
            created=now.to_pydatetime(),
        )
    summary = (
        f"{state.trading_state.value}: equity {eq:,.2f}, drawdown {dd.drawdown:.2%} "
        f"(kill switch at {dd.kill_switch_at:.0%}), weekly {dd.weekly_drawdown:.2%} of "
        f"{dd.weekly_drawdown_limit:.0%}, {len(held)}/{cfg.max_open_positions} positions, "
        f"daily budget {remaining:,.2f} left -> {dd.status}"
    )
    return DailyRiskReport(
        created=now.to_pydatetime(),
        equity=eq,
        peak_equity=state.peak_equity,
        daily_pnl=state.daily_pnl,
        weekly_pnl=state.weekly_pnl,
        trading_state=state.trading_state,
        kill_switch_latched=state.kill_switch.latched,
        drawdown=dd,
        positions=PositionLimits(
            open_positions=len(held),
            max_open_positions=cfg.max_open_positions,
            gross_exposure=gross,
            gross_limit=cfg.max_gross_exposure_fraction * eq,
            net_exposure=net,
            net_limit=cfg.max_net_exposure_fraction * eq,
        ),
        budget=RiskBudget(
            daily_loss_budget=budget_total,
            used=used,
            remaining=remaining,
            per_trade_risk=per_trade,
            trades_at_full_risk=int(remaining // per_trade) if per_trade > 0 else 0,
        ),
        escalation=escalation,
        summary=summary,
    )


__all__ = ["DailyRiskReport", "DrawdownStatus", "PositionLimits", "RiskBudget", "daily_risk_update"]
