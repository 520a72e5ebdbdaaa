"""Configuration: one frozen pydantic root with the defaults of DESIGN.md."""

from tradequorum.config.consensus import ConflictConfig, ConsensusConfig, TierThresholds
from tradequorum.config.coordinator import (
    ExecutionConfig,
    FailureConfig,
    NotifyConfig,
    ScheduleConfig,
)
from tradequorum.config.data import DataConfig
from tradequorum.config.microstructure import MicrostructureConfig
from tradequorum.config.ml import MlConfig
from tradequorum.config.risk import RiskConfig
from tradequorum.config.settings import CONFIG_FILE, Settings, load_settings
from tradequorum.config.smc import SmcConfig
from tradequorum.config.validation import BacktestConfig, WalkForwardConfig, WfoCriteria

__all__ = [
    "CONFIG_FILE",
    "BacktestConfig",
    "ConflictConfig",
    "ConsensusConfig",
    "DataConfig",
    "ExecutionConfig",
    "FailureConfig",
    "MicrostructureConfig",
    "MlConfig",
    "NotifyConfig",
    "RiskConfig",
    "ScheduleConfig",
    "Settings",
    "SmcConfig",
    "TierThresholds",
    "WalkForwardConfig",
    "WfoCriteria",
    "load_settings",
]
