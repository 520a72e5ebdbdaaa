from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest

from tests.unit.coordinator.fakes import echo
from tradequorum.agents.base import AgentContext, Task, TaskStatus
from tradequorum.config.coordinator import FailureConfig
from tradequorum.config.settings import Settings
from tradequorum.coordinator.failure import FailureProtocol
from tradequorum.coordinator.registry import AgentEntry, AgentRegistry, HealthStatus
from tradequorum.core.clock import FixedClock
from tradequorum.core.errors import ConfigError, TemporaryBrokerError
from tradequorum.state.layout import HomeLayout


def _ctx(tmp_path: Path) -> AgentContext:
    return AgentContext(
        FixedClock(pd.Timestamp("2024-01-01", tz="UTC")), Settings(), HomeLayout(tmp_path)
    )


def _task(action: str, n: int = 1, deadline: float = 30.0) -> Task:
    return Task(
        task_id=f"TASK-20240101-{n:03d}",
        agent="a",
        action=action,
        params={"symbol": "X/Y"},
        deadline_s=deadline,
    )


def _setup(**cfg: float) -> tuple[FailureProtocol, AgentEntry, list[float]]:
    slept: list[float] = []
    registry = AgentRegistry([echo("a", hang_s=2.0)])
    proto = FailureProtocol(FailureConfig(**cfg), sleep=slept.append)
    return proto, registry.get("a"), slept


def test_execute_timeout_retries_once_then_skips(tmp_path: Path) -> None:
    proto, entry, _ = _setup(agent_timeout_s=0.05)
    result = proto.execute(entry, _task("hang"), _ctx(tmp_path))
    assert result.status is TaskStatus.TIMEOUT
    assert result.attempts == 2
    assert entry.handler.calls["hang"] == 2  # type: ignore[attr-defined]
    assert entry.health.timeouts == 1


def test_execute_plain_exception_fails_without_retry(tmp_path: Path) -> None:
    proto, entry, slept = _setup()
    result = proto.execute(entry, _task("fail"), _ctx(tmp_path))
    assert result.status is TaskStatus.FAILED
    assert result.attempts == 1 and slept == []
    assert "boom" in (result.error or "")


def test_execute_three_consecutive_errors_marks_unhealthy_and_notifies_once(tmp_path: Path) -> None:
    proto, entry, _ = _setup()
    seen: list[str] = []
    proto.on_unhealthy = lambda e: seen.append(e.name)
    for i in range(4):
        proto.execute(entry, _task("fail", i), _ctx(tmp_path))
    assert entry.health.status is HealthStatus.UNHEALTHY
    assert seen == ["a"]
    proto.execute(entry, _task("run", 9), _ctx(tmp_path))
    assert entry.health.status is HealthStatus.HEALTHY
    assert entry.health.consecutive_errors == 0


def test_execute_retryable_error_backs_off_exponentially_up_to_limit(tmp_path: Path) -> None:
    proto, entry, slept = _setup(backoff_base_s=0.5, auto_retry_max=3)

    def broken(task: Task, ctx: AgentContext) -> object:
        raise TemporaryBrokerError("exchange busy")

    entry.handler.run = broken  # type: ignore[attr-defined]
    result = proto.execute(entry, _task("run"), _ctx(tmp_path))
    assert result.status is TaskStatus.FAILED
    assert result.attempts == 4
    assert slept == [0.5, 1.0, 2.0]


def test_execute_data_unavailable_waits_then_recovers(tmp_path: Path) -> None:
    proto, entry, slept = _setup(backoff_base_s=1.0, data_wait_s=60.0)
    entry.handler.flaky_failures = 3  # type: ignore[attr-defined]
    result = proto.execute(entry, _task("flaky"), _ctx(tmp_path))
    assert result.status is TaskStatus.COMPLETED
    assert result.output == {"ok": 4}
    assert slept == [1.0, 2.0, 4.0]


def test_execute_data_unavailable_past_wait_uses_cached_output_marked_stale(tmp_path: Path) -> None:
    proto, entry, slept = _setup(backoff_base_s=10.0, data_wait_s=60.0)
    first = proto.execute(entry, _task("nodata", 1), _ctx(tmp_path))
    assert first.output == {"price": 1.0}
    second = proto.execute(entry, _task("nodata", 2), _ctx(tmp_path))
    assert second.status is TaskStatus.COMPLETED
    assert second.output == {"price": 1.0, "stale": True}
    assert sum(slept) == 60.0


def test_execute_data_unavailable_without_cache_fails(tmp_path: Path) -> None:
    proto, entry, _ = _setup(backoff_base_s=1.0, data_wait_s=3.0)
    entry.handler.flaky_failures = 100  # type: ignore[attr-defined]
    result = proto.execute(entry, _task("flaky"), _ctx(tmp_path))
    assert result.status is TaskStatus.FAILED


class _WhereAmI:
    """Records the thread each call ran on; raises on action ``boom``."""

    name = "who"
    actions = ("where", "boom")

    def __init__(self) -> None:
        self.threads: list[int] = []

    def handle(self, task: Task, ctx: AgentContext) -> FailureConfig:
        self.threads.append(threading.get_ident())
        if task.action == "boom":
            raise RuntimeError("injected")
        return FailureConfig()


def test_inline_entry_runs_on_the_callers_thread_under_the_protocol(tmp_path: Path) -> None:
    worker, inline = _WhereAmI(), _WhereAmI()
    registry = AgentRegistry([])
    registry.register(worker)
    proto = FailureProtocol(FailureConfig())
    res = proto.execute(registry.get("who"), _task("where"), _ctx(tmp_path))
    assert res.status is TaskStatus.COMPLETED and worker.threads[0] != threading.get_ident()
    registry.register(inline, inline=True)
    assert proto.execute(registry.get("who"), _task("where"), _ctx(tmp_path)).status.value == (
        "completed"
    )
    assert inline.threads == [threading.get_ident()]
    failed = proto.execute(registry.get("who"), _task("boom"), _ctx(tmp_path))
    assert failed.status is TaskStatus.FAILED and "injected" in (failed.error or "")
    with pytest.raises(ConfigError, match="cannot run inline"):
        registry.register(inline, external=True, inline=True)


def test_coordinator_registers_its_own_agent_inline_and_specialists_not(tmp_path: Path) -> None:
    from tests.conftest import make_bars
    from tests.unit.coordinator.conftest import build

    coord, _clock, _notes = build(tmp_path, make_bars(60))
    try:
        assert coord.registry.get("coordinator").inline
        assert not any(
            coord.registry.get(n).inline for n in coord.registry.names() if n != "coordinator"
        )
    finally:
        coord.close()
