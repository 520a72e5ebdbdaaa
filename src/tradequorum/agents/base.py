"""What every specialist agent is: a ``name``, a ``domain``, named actions ``(task, ctx) -> result``.

Agents are thin adapters: they read bars through ``ctx.market``, call pure analysis functions and
return pydantic results (JSON-able). No I/O in ``__init__``, no globals: everything from outside
(clock, configuration, home folder, market data, randomness) arrives in the :class:`AgentContext`.

The task-delegation JSON (also what an external agent reads on stdin) is :class:`Task`; the answer
is :class:`TaskResult`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Protocol

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from tradequorum.config.settings import Settings
from tradequorum.core.clock import Clock
from tradequorum.core.errors import AgentError
from tradequorum.state.layout import HomeLayout


class MarketView(Protocol):
    """Closed bars up to the clock's now: the one data path for live, replay and backtest."""

    def bars(self, symbol: str, timeframe: str) -> pd.DataFrame:
        """All closed bars known now (at most ``data.lookback_bars`` in live mode)."""
        ...


class Task(BaseModel):
    """A delegated task (the seed's task-delegation JSON)."""

    model_config = ConfigDict(extra="forbid")
    task_id: str
    agent: str
    action: str
    params: dict[str, Any] = Field(default_factory=dict)
    workflow_id: str | None = None
    deadline_s: float = Field(30.0, gt=0)
    created_at: datetime | None = None


class TaskStatus(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    TIMEOUT = "timeout"
    SKIPPED = "skipped"


class TaskResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task_id: str
    agent: str
    action: str
    status: TaskStatus
    output: dict[str, Any] | None = None
    error: str | None = None
    duration_ms: float = 0.0
    attempts: int = 1


@dataclass(slots=True)
class AgentContext:
    """Everything an agent may use from outside. Built by the coordinator (or a test)."""

    clock: Clock
    settings: Settings
    layout: HomeLayout
    market: MarketView | None = None
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))
    write_state: bool = True


Action = Callable[[Task, AgentContext], BaseModel]


class Agent:
    """Base of the specialists. Subclasses set ``name``, ``domain``, ``actions`` and define a
    method per action name."""

    name: ClassVar[str] = ""
    domain: ClassVar[str] = ""
    actions: ClassVar[tuple[str, ...]] = ()

    def handle(self, task: Task, ctx: AgentContext) -> BaseModel:
        if task.action not in self.actions:
            raise AgentError(
                f"{self.name} has no action {task.action!r} (has {list(self.actions)})"
            )
        method: Action = getattr(self, task.action)
        return method(task, ctx)


def require_market(ctx: AgentContext, agent: str) -> MarketView:
    if ctx.market is None:
        raise AgentError(f"{agent} needs market data but the context has none")
    return ctx.market


__all__ = [
    "Action",
    "Agent",
    "AgentContext",
    "MarketView",
    "Task",
    "TaskResult",
    "TaskStatus",
    "require_market",
]
