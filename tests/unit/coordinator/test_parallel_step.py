"""A parallel step: in-process agents in turn (each under its deadline), external ones at once."""

from __future__ import annotations

import itertools
import sys
import threading
import time
from pathlib import Path
from typing import ClassVar

from tests.unit.coordinator.fakes import Out
from tradequorum.agents.base import Agent, AgentContext, Task
from tradequorum.config.coordinator import FailureConfig
from tradequorum.config.settings import Settings
from tradequorum.coordinator.failure import FailureProtocol
from tradequorum.coordinator.registry import AgentRegistry, CommandAgent
from tradequorum.coordinator.runner import RunResult, WorkflowRunner
from tradequorum.coordinator.workflow import parse_workflow
from tradequorum.core.clock import FixedClock
from tradequorum.state.layout import HomeLayout


class _Busy(Agent):
    """Records when it ran; ``hang`` waits past any deadline."""

    domain: ClassVar[str] = "test"
    actions: ClassVar[tuple[str, ...]] = ("work", "hang")

    def __init__(self, log: list[tuple[str, float, float]]) -> None:
        self.log = log

    def work(self, task: Task, ctx: AgentContext) -> Out:
        t0 = time.perf_counter()
        time.sleep(0.05)
        self.log.append((self.name, t0, time.perf_counter()))
        return Out(agent=self.name, seen=sorted(task.params.get("inputs", {})))

    def hang(self, task: Task, ctx: AgentContext) -> Out:
        threading.Event().wait(2.0)
        return Out(late=True)


def _busy(name: str, log: list[tuple[str, float, float]]) -> _Busy:
    return type(f"B_{name}", (_Busy,), {"name": name})(log)  # type: ignore[no-any-return]


def _run(tmp_path: Path, registry: AgentRegistry, tasks: str, timeout_s: float = 0.2) -> RunResult:
    text = f"workflow: t\ntrigger: manual\nsteps:\n  - step: 1\n    parallel: true\n    tasks:\n{tasks}"
    spec = parse_workflow(text, source="t.yaml", agents=registry.actions())
    layout = HomeLayout(tmp_path)
    layout.create()
    ctx = AgentContext(clock=FixedClock("2024-01-01T00:00:00Z"), settings=Settings(), layout=layout)
    ids = itertools.count()
    runner = WorkflowRunner(
        registry,
        FailureProtocol(FailureConfig(agent_timeout_s=timeout_s), sleep=lambda s: None),
        layout,
        ctx,
        new_id=lambda p: f"{p}-{next(ids)}",
        write_outputs=False,
    )
    return runner.run(spec, {})


def test_parallel_step_in_process_agents_run_in_turn_and_a_hang_times_out(tmp_path: Path) -> None:
    log: list[tuple[str, float, float]] = []
    reg = AgentRegistry([_busy("a", log), _busy("b", log), _busy("c", log)])
    tasks = (
        "      - {agent: a, action: work, name: ra}\n"
        "      - {agent: b, action: hang, name: rb, optional: true}\n"
        "      - {agent: c, action: work, name: rc}\n"
    )
    res = _run(tmp_path, reg, tasks)
    assert [n for n, _, _ in log] == ["a", "c"]
    (_, _, a_end), (_, c_start, _) = log
    assert c_start >= a_end  # one after another: no GIL contention between analysts
    assert res.results["rb"].status.value == "timeout" and res.results["rb"].attempts == 2
    assert res.variables["rc"]["seen"] == []  # the inputs of before the step, not ra's output
    assert res.steps[0].status == "degraded" and res.degraded == ["b"]


def test_parallel_step_external_agents_run_at_once(tmp_path: Path) -> None:
    code = "import sys, time; sys.stdin.read(); time.sleep(0.6); print('{\"ok\": true}')"
    reg = AgentRegistry()
    for name in ("x", "y"):
        reg.register(CommandAgent(name, [sys.executable, "-c", code], ("ask",)), external=True)
    tasks = "      - {agent: x, action: ask, name: rx}\n      - {agent: y, action: ask, name: ry}\n"
    t0 = time.perf_counter()
    res = _run(tmp_path, reg, tasks, timeout_s=5.0)
    elapsed = time.perf_counter() - t0
    assert res.variables["rx"] == {"ok": True} and res.variables["ry"] == {"ok": True}
    assert elapsed < 1.1  # in turn would take at least 1.2 s


class _Where(Agent):
    """Records its thread; ``boom`` raises, ``hang`` waits past any deadline."""

    domain: ClassVar[str] = "test"
    actions: ClassVar[tuple[str, ...]] = ("work", "boom", "hang")

    def __init__(self, seen: list[tuple[str, int]]) -> None:
        self.seen = seen

    def work(self, task: Task, ctx: AgentContext) -> Out:
        self.seen.append((self.name, threading.get_ident()))
        return Out(agent=self.name)

    def boom(self, task: Task, ctx: AgentContext) -> Out:
        self.seen.append((self.name, threading.get_ident()))
        raise RuntimeError(f"injected in {self.name}")

    def hang(self, task: Task, ctx: AgentContext) -> Out:
        self.seen.append((self.name, threading.get_ident()))
        threading.Event().wait(2.0)
        return Out(late=True)


def _where(names: str, seen: list[tuple[str, int]]) -> AgentRegistry:
    return AgentRegistry([type(f"W_{n}", (_Where,), {"name": n})(seen) for n in names])


def test_parallel_step_first_attempts_share_one_worker_thread(tmp_path: Path) -> None:
    seen: list[tuple[str, int]] = []
    tasks = "".join(f"      - {{agent: {n}, action: work, name: r{n}}}\n" for n in "abc")
    res = _run(tmp_path, _where("abc", seen), tasks)
    assert [n for n, _ in seen] == ["a", "b", "c"]
    assert len({t for _, t in seen}) == 1 and seen[0][1] != threading.get_ident()
    assert all(res.results[f"r{n}"].status.value == "completed" for n in "abc")


def test_parallel_step_chain_exception_fails_only_its_task(tmp_path: Path) -> None:
    seen: list[tuple[str, int]] = []
    tasks = (
        "      - {agent: a, action: work, name: ra}\n"
        "      - {agent: b, action: boom, name: rb, optional: true}\n"
        "      - {agent: c, action: work, name: rc}\n"
    )
    res = _run(tmp_path, _where("abc", seen), tasks)
    assert res.results["rb"].status.value == "failed" and "injected in b" in (
        res.results["rb"].error or ""
    )
    assert res.results["rb"].attempts == 1  # a plain bug is not retried
    assert res.results["ra"].status.value == res.results["rc"].status.value == "completed"
    assert len({t for _, t in seen}) == 1  # c still ran on the chain after b raised


def test_parallel_step_chain_hang_times_out_then_the_rest_run_fresh(tmp_path: Path) -> None:
    seen: list[tuple[str, int]] = []
    tasks = (
        "      - {agent: a, action: hang, name: ra, optional: true}\n"
        "      - {agent: b, action: work, name: rb}\n"
        "      - {agent: c, action: work, name: rc}\n"
    )
    t0 = time.perf_counter()
    res = _run(tmp_path, _where("abc", seen), tasks, timeout_s=0.2)
    assert time.perf_counter() - t0 < 1.5  # two 0.2 s deadlines, not the 2 s hang
    assert res.results["ra"].status.value == "timeout" and res.results["ra"].attempts == 2
    assert res.results["rb"].status.value == res.results["rc"].status.value == "completed"
    assert [n for n, _ in seen] == ["a", "a", "b", "c"]  # the retry, then b and c afresh
    chain_thread = seen[0][1]
    assert seen[2][1] != chain_thread  # the chain's worker is stuck in a: b runs elsewhere
