"""Risk-manager configuration (DESIGN §6). Fractions are of current equity."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tradequorum.config.base import Section


class RiskConfig(Section):
    sizing: Literal["fixed_fraction", "vol_target", "kelly"] = "fixed_fraction"
    risk_fraction: float = Field(0.005, gt=0, le=0.1, description="equity at risk per trade")
    tier_scale: dict[str, float] = Field(
        default_factory=lambda: {"A": 1.0, "B": 0.75, "C": 0.5, "D": 0.0}
    )
    atr_period: int = Field(14, ge=2)
    atr_stop_multiple: float = Field(2.0, gt=0)
    vol_target_annual: float = Field(0.2, gt=0)
    kelly_fraction: float = Field(0.25, gt=0, le=1)
    kelly_cap: float = Field(0.02, gt=0, le=1)
    max_symbol_notional_fraction: float = Field(0.25, gt=0)
    max_gross_exposure_fraction: float = Field(1.0, gt=0)
    max_net_exposure_fraction: float = Field(1.0, gt=0)
    max_open_positions: int = Field(5, ge=1)
    max_correlated_exposure_fraction: float = Field(0.5, gt=0)
    correlation_threshold: float = Field(0.7, ge=0, le=1)
    daily_loss_limit: float = Field(0.02, gt=0, le=1)
    weekly_drawdown_limit: float = Field(0.05, gt=0, le=1)
    weekly_drawdown_escalate_at: float = Field(
        0.8, gt=0, le=1, description="share of the weekly limit that escalates"
    )
    kill_switch_drawdown: float = Field(0.15, gt=0, le=1)
    extreme_vol_percentile: float = Field(0.95, gt=0, le=1)
    extreme_vol_size_scale: float = Field(0.5, ge=0, le=1)
