"""Exception tree of TradeQuorum.

TradeQuorumError
├── ConfigError                 fatal at start-up; message names the field path
├── DataError                   bad or missing market data
│   ├── DataUnavailable         retryable (network, feed not yet updated)
│   └── DataQualityError        a named validation rule failed (``rule`` attribute)
├── AgentError                  an agent failed to complete a task
│   ├── AgentTimeout            retryable once by the failure protocol
│   └── AgentUnhealthy          too many consecutive errors
├── WorkflowHalted              a critical step failed; the workflow stops
├── BrokerError
│   ├── OrderRejected
│   └── TemporaryBrokerError    retryable
├── ModelError                  model registry / feature-hash mismatch
└── StateCorrupted              a state file does not parse or fails its checks: fail fast

Retryability is a class attribute, never inferred from message text. Vetoes and quality findings
are values (check records), not exceptions.
"""

from __future__ import annotations

from typing import ClassVar


class TradeQuorumError(Exception):
    """Root of every error raised on purpose by TradeQuorum."""

    retryable: ClassVar[bool] = False


class ConfigError(TradeQuorumError):
    """Configuration is invalid; the message names the field path and the reason."""


class DataError(TradeQuorumError):
    """Market data is malformed, inconsistent or missing."""


class DataUnavailable(DataError):
    """Data could not be fetched now; retrying later may succeed."""

    retryable: ClassVar[bool] = True


class DataQualityError(DataError):
    """A named validation rule rejected the data."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"[{rule}] {message}")
        self.rule = rule


class AgentError(TradeQuorumError):
    """An agent failed to complete a task."""


class AgentTimeout(AgentError):
    """An agent did not answer within its deadline."""

    retryable: ClassVar[bool] = True


class AgentUnhealthy(AgentError):
    """An agent has failed too many consecutive tasks."""


class WorkflowHalted(TradeQuorumError):
    """A critical workflow step failed; the workflow was stopped."""


class BrokerError(TradeQuorumError):
    """A broker refused or failed an operation."""


class OrderRejected(BrokerError):
    """The broker rejected an order."""


class TemporaryBrokerError(BrokerError):
    """A transient broker failure; retrying may succeed."""

    retryable: ClassVar[bool] = True


class ModelError(TradeQuorumError):
    """A model artifact is missing, inconsistent or does not match the live features."""


class StateCorrupted(TradeQuorumError):
    """A state file does not parse or fails its integrity checks; it is not trusted."""


__all__ = [
    "AgentError",
    "AgentTimeout",
    "AgentUnhealthy",
    "BrokerError",
    "ConfigError",
    "DataError",
    "DataQualityError",
    "DataUnavailable",
    "ModelError",
    "OrderRejected",
    "StateCorrupted",
    "TemporaryBrokerError",
    "TradeQuorumError",
    "WorkflowHalted",
]
