"""The risk manager's logic (DESIGN §6): sizing, limits, the kill switch, approvals made of check
records, risk state and the model risk assessment. Pure functions and values; the agent does I/O.
"""

from tradequorum.risk.daily import DailyRiskReport, daily_risk_update
from tradequorum.risk.manager import RiskManager, is_halted, veto
from tradequorum.risk.model_risk import ModelRiskAssessment, assess_model
from tradequorum.risk.records import (
    Adjustment,
    Approval,
    CheckRecord,
    MarketInfo,
    OrderRequest,
    Position,
)
from tradequorum.risk.sizing import (
    atr_stop_distance,
    kelly_fraction,
    size_fixed_fraction,
    size_kelly,
    size_vol_target,
)
from tradequorum.risk.state import (
    KillSwitch,
    RiskState,
    load_risk_state,
    resume,
    save_risk_state,
    update_equity,
)
from tradequorum.risk.volatility import compute_atr, daily_correlation, volatility_regime

__all__ = [
    "Adjustment",
    "Approval",
    "CheckRecord",
    "DailyRiskReport",
    "KillSwitch",
    "MarketInfo",
    "ModelRiskAssessment",
    "OrderRequest",
    "Position",
    "RiskManager",
    "RiskState",
    "assess_model",
    "atr_stop_distance",
    "compute_atr",
    "daily_correlation",
    "daily_risk_update",
    "is_halted",
    "kelly_fraction",
    "load_risk_state",
    "resume",
    "save_risk_state",
    "size_fixed_fraction",
    "size_kelly",
    "size_vol_target",
    "update_equity",
    "veto",
    "volatility_regime",
]
