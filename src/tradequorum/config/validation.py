"""Backtest and walk-forward configuration (DESIGN §7)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tradequorum.config.base import Section


class BacktestConfig(Section):
    initial_equity: float = Field(100_000.0, gt=0)
    fee_bps: float = Field(10.0, ge=0, description="per side, on notional")
    slippage_bps: float = Field(2.0, ge=0)
    slippage_atr_fraction: float = Field(0.0, ge=0)
    calendar: Literal["crypto", "equity", "fx"] = "crypto"


class WfoCriteria(Section):
    min_oos_sharpe: float = 1.0
    max_pbo: float = 0.5
    min_parameter_stability: float = 0.7
    min_dsr: float | None = None


class WalkForwardConfig(Section):
    n_windows: int = Field(12, ge=1)
    train_period: int = Field(252, ge=1)
    test_period: int = Field(63, ge=1)
    unit: Literal["days", "bars"] = "days"
    anchored: bool = False
    pbo_blocks: int = Field(16, ge=2)
    search: Literal["grid", "random", "optuna"] = "grid"
    max_trials: int = Field(200, ge=1)
    n_jobs: int = Field(1, ge=-1, description="local worker processes (-1: all cores)")
    scheduler: str | None = Field(None, description="Dask scheduler address, e.g. tcp://host:8786")
    criteria: WfoCriteria = WfoCriteria()
