"""Small fake agents for coordinator tests (fakes over mocks)."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from tradequorum.agents.base import Agent, AgentContext, Task
from tradequorum.core.errors import DataUnavailable


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class EchoAgent(Agent):
    """Returns its params (minus inputs) and counts calls; behaviour switchable per action."""

    name: ClassVar[str] = "echo"
    domain: ClassVar[str] = "test"
    actions: ClassVar[tuple[str, ...]] = ("run", "fail", "hang", "flaky", "nodata", "value")

    def __init__(self, value: Any = 1, hang_s: float = 5.0) -> None:
        self.result_value = value
        self.calls: dict[str, int] = {}
        self.hang_s = hang_s
        self.flaky_failures = 0

    def _count(self, action: str) -> int:
        self.calls[action] = self.calls.get(action, 0) + 1
        return self.calls[action]

    def run(self, task: Task, ctx: AgentContext) -> Out:
        self._count("run")
        return Out(
            agent=self.name,
            symbol=task.params.get("symbol"),
            seen=sorted(task.params.get("inputs", {})),
        )

    def value(self, task: Task, ctx: AgentContext) -> Out:
        self._count("value")
        return Out(value=self.result_value)

    def fail(self, task: Task, ctx: AgentContext) -> Out:
        self._count("fail")
        raise RuntimeError("boom")

    def hang(self, task: Task, ctx: AgentContext) -> Out:
        self._count("hang")
        threading.Event().wait(self.hang_s)
        return Out(late=True)

    def flaky(self, task: Task, ctx: AgentContext) -> Out:
        n = self._count("flaky")
        if n <= self.flaky_failures:
            raise DataUnavailable("feed not updated yet")
        return Out(ok=n)

    def nodata(self, task: Task, ctx: AgentContext) -> Out:
        n = self._count("nodata")
        if n == 1:
            return Out(price=1.0)
        raise DataUnavailable("exchange down")


def echo(name: str, **kw: Any) -> EchoAgent:
    """An EchoAgent registered under ``name``."""
    cls = type(f"Echo_{name.replace('-', '_')}", (EchoAgent,), {"name": name})
    return cls(**kw)  # type: ignore[no-any-return]
