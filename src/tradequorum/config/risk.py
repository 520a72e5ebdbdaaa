"""Risk-manager configuration (DESIGN §6). Fractions are of current equity."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from tradequorum.config.base import Section


class ModelRiskConfig(Section):
    """Gates a candidate model must pass in the training workflow (risk-manager ``assess_model``)."""

    max_validation_drawdown: float = Field(0.2, gt=0, le=1, description="peak-to-trough, fraction")
    max_daily_turnover: float = Field(
        50.0, gt=0, description="sum |position change| per day, in units of equity"
    )
    max_ece: float = Field(0.1, gt=0, le=1, description="expected calibration error, 10 bins")
    max_brier: float = Field(0.25, gt=0, le=1)
    max_psi: float = Field(0.25, gt=0, description="population stability index, any feature")
    max_top_importance_share: float = Field(0.5, gt=0, le=1, description="largest feature share")
    psi_bins: int = Field(10, ge=2)
    psi_false_alarm: float = Field(
        0.01, gt=0, lt=1,
        description="chance a stationary feature set fails the PSI gate; features whose "
        "effective sample cannot keep it are reported as not assessable",
    )  # fmt: skip


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
    correlation_lookback_days: int = Field(30, ge=5)
    daily_loss_limit: float = Field(0.02, gt=0, le=1)
    weekly_drawdown_limit: float = Field(0.05, gt=0, le=1)
    weekly_drawdown_escalate_at: float = Field(
        0.8, gt=0, le=1, description="share of the weekly limit that escalates"
    )
    kill_switch_drawdown: float = Field(0.15, gt=0, le=1)
    extreme_vol_percentile: float = Field(0.95, gt=0, le=1)
    extreme_vol_size_scale: float = Field(0.5, ge=0, le=1)
    vol_regime_window_bars: int = Field(1440, ge=20, description="history ranked for the regime")
    min_notional_usd: float = Field(10.0, ge=0, description="smaller orders are vetoed")
    model: ModelRiskConfig = ModelRiskConfig()

    @model_validator(mode="after")
    def _check(self) -> RiskConfig:
        bad = {k: v for k, v in self.tier_scale.items() if k not in "ABCD" or not 0 <= v <= 1}
        if bad or set(self.tier_scale) != set("ABCD"):
            raise ValueError(f"tier_scale needs A, B, C, D each in [0, 1]; got {self.tier_scale}")
        return self

    def scale_for(self, tier: str) -> float:
        """Size multiplier of a tier (0 for D)."""
        return self.tier_scale[tier]
