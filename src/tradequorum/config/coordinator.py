"""Coordinator, execution, notification and failure-protocol configuration (DESIGN §8)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from tradequorum.config.base import Section
from tradequorum.core.types import ExecutionMode


class FailureConfig(Section):
    agent_timeout_s: float = Field(30.0, gt=0)
    retries_on_timeout: int = Field(1, ge=0)
    unhealthy_after_errors: int = Field(3, ge=1)
    auto_retry_max: int = Field(3, ge=0)
    backoff_base_s: float = Field(0.5, ge=0)
    data_wait_s: float = Field(60.0, ge=0)


class ExecutionConfig(Section):
    mode: ExecutionMode = ExecutionMode.SIGNAL_ONLY
    broker: str = "paper"
    live_trading_opt_in: bool = False
    confirm_expiry_s: float = Field(300.0, gt=0)
    api_key: SecretStr | None = Field(None, description="from QUORUM_EXECUTION__API_KEY only")
    api_secret: SecretStr | None = Field(None, description="from QUORUM_EXECUTION__API_SECRET only")


class NotifyConfig(Section):
    console: bool = True
    apprise_urls: tuple[str, ...] = ()
    min_priority: str = "low"


class ScheduleConfig(Section):
    bar_close_grace_s: float = Field(2.0, ge=0)
    training_cron: str = "0 2 * * sun"
    daily_ops_utc: str = "00:05"
