"""Risk state (equity, peak, day/week start, P&L, kill switch, trading state, positions),
persisted to ``state/risk/risk_state.json`` and restored on restart, and the daily risk update
written to ``state/risk/daily_risk.json``.

Trading states follow NautilusTrader: ``ACTIVE``; ``REDUCING`` (only orders that shrink
exposure) once the daily loss or weekly drawdown limit is reached; ``HALTED`` once the peak
drawdown kill switch latches. The latch holds until a person re-enables trading
(``quorum resume --confirm``); re-enabling re-bases the peak at the current equity.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from tradequorum.config.risk import RiskConfig
from tradequorum.core.errors import DataError
from tradequorum.core.types import TradingState
from tradequorum.risk.records import Position
from tradequorum.state.json_store import read_model, write_json_atomic


class KillSwitch(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    latched: bool = False
    reason: str | None = None
    latched_at: datetime | None = None
    reenabled_at: datetime | None = None
    reenabled_by: str | None = None


class RiskState(BaseModel):
    """Everything the risk manager must remember between bars and restarts."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    equity: float = Field(gt=0)
    peak_equity: float = Field(gt=0)
    day_start_equity: float = Field(gt=0)
    week_start_equity: float = Field(gt=0)
    week_peak_equity: float = Field(gt=0)
    day: date | None = None
    week: date | None = None
    kill_switch: KillSwitch = KillSwitch()
    trading_state: TradingState = TradingState.ACTIVE
    positions: dict[str, Position] = Field(default_factory=dict)
    updated_at: datetime | None = None

    @classmethod
    def fresh(cls, equity: float) -> RiskState:
        """A new state with every reference at ``equity``."""
        _check_equity(equity)
        return cls(
            equity=equity,
            peak_equity=equity,
            day_start_equity=equity,
            week_start_equity=equity,
            week_peak_equity=equity,
        )

    @property
    def daily_pnl(self) -> float:
        return self.equity - self.day_start_equity

    @property
    def weekly_pnl(self) -> float:
        return self.equity - self.week_start_equity

    @property
    def daily_loss(self) -> float:
        """Loss since the UTC day started, as a fraction of the day's start equity (>= 0)."""
        return max(0.0, -self.daily_pnl / self.day_start_equity)

    @property
    def weekly_drawdown(self) -> float:
        """Drawdown from the week's peak (weeks start Monday 00:00 UTC), fraction >= 0."""
        return max(0.0, 1.0 - self.equity / self.week_peak_equity)

    @property
    def drawdown(self) -> float:
        """Drawdown from the all-time (or since re-enable) peak, fraction >= 0."""
        return max(0.0, 1.0 - self.equity / self.peak_equity)


def _check_equity(equity: float) -> None:
    if not (isinstance(equity, int | float) and math.isfinite(equity) and equity > 0):
        raise DataError(f"equity must be a finite positive amount, got {equity!r}")


def trading_state_for(state: RiskState, cfg: RiskConfig) -> TradingState:
    """HALTED if the kill switch is latched, REDUCING past a loss limit, else ACTIVE."""
    if state.kill_switch.latched:
        return TradingState.HALTED
    if (
        state.daily_loss >= cfg.daily_loss_limit
        or state.weekly_drawdown >= cfg.weekly_drawdown_limit
    ):
        return TradingState.REDUCING
    return TradingState.ACTIVE


def update_equity(
    state: RiskState,
    equity: float,
    now: pd.Timestamp,
    cfg: RiskConfig,
    *,
    positions: dict[str, Position] | None = None,
) -> RiskState:
    """Mark the state to ``equity`` at ``now``: roll the UTC day and ISO week, track the peaks,
    latch the kill switch when the drawdown from peak reaches ``kill_switch_drawdown``.

    Pure: returns a new state. Raises DataError for a NaN, infinite or non-positive equity.
    """
    _check_equity(equity)
    today = now.tz_convert("UTC").date()
    monday = (now.tz_convert("UTC") - pd.Timedelta(days=now.tz_convert("UTC").weekday())).date()
    day_start = state.day_start_equity if state.day == today else state.equity
    new_week = state.week != monday
    week_start = state.equity if new_week else state.week_start_equity
    week_peak = max(week_start if new_week else state.week_peak_equity, equity)
    peak = max(state.peak_equity, equity)
    switch = state.kill_switch
    drawdown = 1.0 - equity / peak
    if not switch.latched and drawdown >= cfg.kill_switch_drawdown:
        switch = KillSwitch(
            latched=True,
            reason=f"drawdown {drawdown:.2%} from peak {peak:,.2f} reached the "
            f"{cfg.kill_switch_drawdown:.2%} kill switch",
            latched_at=now.to_pydatetime(),
        )
    new = state.model_copy(
        update={
            "equity": equity,
            "peak_equity": peak,
            "day_start_equity": day_start,
            "week_start_equity": week_start,
            "week_peak_equity": week_peak,
            "day": today,
            "week": monday,
            "kill_switch": switch,
            "positions": state.positions if positions is None else positions,
            "updated_at": now.to_pydatetime(),
        }
    )
    return new.model_copy(update={"trading_state": trading_state_for(new, cfg)})


def resume(state: RiskState, now: pd.Timestamp, cfg: RiskConfig, *, by: str) -> RiskState:
    """Re-enable trading after the kill switch (a person's decision): unlatch and re-base the
    peak at the current equity so the same drawdown does not latch it again at once."""
    switch = KillSwitch(
        latched=False,
        reason=state.kill_switch.reason,
        latched_at=state.kill_switch.latched_at,
        reenabled_at=now.to_pydatetime(),
        reenabled_by=by,
    )
    new = state.model_copy(
        update={
            "kill_switch": switch,
            "peak_equity": state.equity,
            "updated_at": now.to_pydatetime(),
        }
    )
    return new.model_copy(update={"trading_state": trading_state_for(new, cfg)})


def load_risk_state(path: Path, *, initial_equity: float) -> RiskState:
    """Restore the state from ``path`` (StateCorrupted if unreadable), or a fresh one."""
    if not path.exists():
        return RiskState.fresh(initial_equity)
    return read_model(path, RiskState)


def save_risk_state(path: Path, state: RiskState, *, durable: bool = True) -> None:
    """Atomic write; ``durable`` False skips the fsyncs (fast replay: see write_json_atomic)."""
    write_json_atomic(path, state, durable=durable)


__all__ = [
    "KillSwitch",
    "RiskState",
    "load_risk_state",
    "resume",
    "save_risk_state",
    "trading_state_for",
    "update_equity",
]
