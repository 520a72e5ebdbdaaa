"""The workflow runner: boring and small. Sequential steps, parallel steps (external agents at
once, in-process ones in turn: see :meth:`WorkflowRunner._parallel`; every task under its own
deadline), conditions and decision points through the safe evaluator, outputs written to
the step's ``output`` path (keyed by symbol), per-step status and duration in
``state/workflows/active_workflow.json``.

Each task receives ``params = {symbol, timeframe, bar, ..., **step.params, "inputs": {...}}`` where
``inputs`` maps the variable name of every earlier output (the stem of its ``output`` path, e.g.
``smc_signals``) to that output: agents can read what came before without touching files.

Outcomes of a failed task (after the failure protocol's retries): a ``critical`` task halts the
workflow (status ``halted``, the caller notifies); an ``optional`` task is dropped and the run is
marked degraded; any other failure is recorded and the run goes on (the consensus then sees a
missing participant, which the decision logic treats as ``insufficient``).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tradequorum.agents.base import AgentContext, Task, TaskResult, TaskStatus
from tradequorum.coordinator.expressions import Expression, ExpressionError, parse_expression
from tradequorum.coordinator.failure import FailureProtocol, InTurn
from tradequorum.coordinator.registry import AgentRegistry
from tradequorum.coordinator.workers import WorkerPool
from tradequorum.coordinator.workflow import StepSpec, TaskSpec, WorkflowSpec
from tradequorum.core.errors import StateCorrupted
from tradequorum.state.json_store import read_json, write_json_atomic
from tradequorum.state.layout import HomeLayout

logger = logging.getLogger(__name__)

IdFactory = Callable[[str], str]


@dataclass(slots=True)
class StepRecord:
    step: str
    kind: str
    status: str
    duration_ms: float = 0.0
    tasks: list[dict[str, Any]] = field(default_factory=list)
    detail: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "kind": self.kind,
            "status": self.status,
            "duration_ms": round(self.duration_ms, 3),
            "tasks": self.tasks,
            "detail": self.detail,
        }


@dataclass(slots=True)
class RunResult:
    """What a workflow run produced: status, variables (outputs by name), per-step records."""

    workflow_id: str
    workflow: str
    status: str
    variables: dict[str, Any]
    steps: list[StepRecord]
    results: dict[str, TaskResult]
    failed: list[str]
    degraded: list[str]
    halted_reason: str | None = None
    started_at: str = ""
    duration_ms: float = 0.0

    def as_state(self) -> dict[str, Any]:
        return {
            "workflow_id": self.workflow_id,
            "workflow": self.workflow,
            "status": self.status,
            "started_at": self.started_at,
            "duration_ms": round(self.duration_ms, 3),
            "failed_agents": self.failed,
            "degraded": self.degraded,
            "halted_reason": self.halted_reason,
            "steps": [s.as_dict() for s in self.steps],
        }


class OutputWriter:
    """Writes task outputs to state files: read-merge-write keyed by symbol when there is one.

    Files are read once and then kept in memory (this process is their only writer); a file that
    does not parse is reported as StateCorrupted, never silently replaced.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[Path, dict[str, Any]] = {}
        self._dirty: set[Path] = set()
        self._plain: set[Path] = set()
        self._lock = threading.Lock()

    def write(self, rel: str, symbol: str | None, payload: dict[str, Any]) -> None:
        """Stage ``payload`` for ``rel`` (keyed by ``symbol``); :meth:`flush` writes the files."""
        if rel.endswith("/") or not rel.endswith(".json"):
            return  # a folder or a non-JSON artifact: the agent itself owns it
        path = self.root / rel
        with self._lock:
            if symbol is None:
                self._files[path] = payload
                self._plain.add(path)
            else:
                current = self._files.get(path)
                if current is None:
                    current = self._load(path)
                current[symbol] = payload
                self._files[path] = current
            self._dirty.add(path)

    def flush(self, *, durable: bool = True) -> None:
        """Write every staged file atomically (each file parses at every moment)."""
        with self._lock:
            dirty, self._dirty = self._dirty, set()
            for path in sorted(dirty):
                write_json_atomic(path, self._files[path], durable=durable)

    @staticmethod
    def _load(path: Path) -> dict[str, Any]:
        try:
            data = read_json(path)
        except FileNotFoundError:
            return {}
        if not isinstance(data, dict):
            raise StateCorrupted(f"{path} should hold an object keyed by symbol; not trusted")
        return data


class WorkflowRunner:
    """Runs a :class:`WorkflowSpec` against a registry under the failure protocol."""

    def __init__(
        self,
        registry: AgentRegistry,
        protocol: FailureProtocol,
        layout: HomeLayout,
        context: AgentContext,
        *,
        new_id: IdFactory,
        on_task: Callable[[TaskResult, str], None] | None = None,
        write_outputs: bool = True,
        state_owners: frozenset[str] | None = None,
    ) -> None:
        self.registry = registry
        self.protocol = protocol
        self.layout = layout
        self.context = context
        self.new_id = new_id
        self.on_task = on_task
        self.write_outputs = write_outputs
        # agents that write their own state files (ctx.write_state True); None = every agent
        self.state_owners = state_owners
        self._owner_ctx = dataclasses.replace(context, write_state=True)
        self._plain_ctx = dataclasses.replace(context, write_state=False)
        self.writer = OutputWriter(layout.root)
        self._fanout = WorkerPool("step")
        self._expressions: dict[str, Expression] = {}

    def run(self, spec: WorkflowSpec, params: Mapping[str, Any]) -> RunResult:
        t0 = time.perf_counter()
        run = RunResult(
            workflow_id=self.new_id("WF"),
            workflow=spec.workflow,
            status="running",
            variables={
                "params": {**spec.parameters, **params},
                "symbol": params.get("symbol"),
                "timeframe": params.get("timeframe"),
                "workflow": spec.workflow,
            },
            steps=[],
            results={},
            failed=[],
            degraded=[],
            started_at=self.context.clock.now().isoformat(),
        )
        for step in spec.steps:
            record = self._run_step(step, run)
            run.steps.append(record)
            if record.status in {"halted", "stopped"}:
                run.status = record.status
                run.halted_reason = record.detail
                break
        if run.status == "running":
            run.status = "completed"
        run.duration_ms = (time.perf_counter() - t0) * 1e3
        return run

    def write_active(self, run: RunResult) -> None:
        write_json_atomic(self.layout.active_workflow, run.as_state())

    # -- steps ---------------------------------------------------------------------------------
    def _run_step(self, step: StepSpec, run: RunResult) -> StepRecord:
        t0 = time.perf_counter()
        sid = str(step.step)
        if step.condition and not self._truth(step.condition, run):
            return StepRecord(
                sid, "condition", "skipped", detail=f"condition false: {step.condition}"
            )
        if step.decision_point is not None:
            rec = self._decision_point(step, run)
        else:
            rec = self._tasks_step(step, run)
        rec.duration_ms = (time.perf_counter() - t0) * 1e3
        return rec

    def _truth(self, source: str, run: RunResult) -> bool:
        try:
            expr = self._expressions.get(source)
            if expr is None:  # parsed once per runner: the same few conditions every bar
                expr = self._expressions[source] = parse_expression(source)
            return expr.truth(run.variables)
        except ExpressionError as exc:
            logger.warning(
                "condition %r could not be evaluated (%s): treated as false", source, exc
            )
            return False

    def _decision_point(self, step: StepSpec, run: RunResult) -> StepRecord:
        results = {name: self._truth(expr, run) for name, expr in step.criteria_items()}
        passed = all(results.values())
        assert step.decision_point is not None
        run.variables[step.decision_point] = {"passed": passed, "criteria": results}
        status = (
            "passed" if passed else ("continued" if step.on_fail == "continue" else step.on_fail)
        )
        if status == "stop":
            status = "stopped"
        if status == "halt":
            status = "halted"
        failed = [n for n, ok in results.items() if not ok]
        detail = None if passed else f"decision point {step.decision_point} failed: {failed}"
        return StepRecord(str(step.step), "decision_point", status, detail=detail)

    def _tasks_step(self, step: StepSpec, run: RunResult) -> StepRecord:
        specs = [t for t in step.task_specs() if not t.condition or self._truth(t.condition, run)]
        inputs = {k: v for k, v in run.variables.items() if isinstance(v, dict) and k != "params"}
        tasks = [self._make_task(t, run, inputs) for t in specs]
        if step.parallel and len(tasks) > 1:
            results = self._parallel(tasks)
        else:
            results = [self._execute(t) for t in tasks]
        rec = StepRecord(str(step.step), "parallel" if step.parallel else "task", "completed")
        for spec, task, res in zip(specs, tasks, results, strict=True):
            rec.tasks.append(self._absorb(spec, task, res, run))
            if res.status is not TaskStatus.COMPLETED:
                if spec.critical or step.critical:
                    rec.status = "halted"
                    rec.detail = (
                        f"critical task {spec.agent}.{spec.action} {res.status.value}: {res.error}"
                    )
                elif spec.optional or step.optional:
                    run.degraded.append(spec.agent)
                    logger.warning("optional agent=%s unavailable; proceeding degraded", spec.agent)
                    if rec.status == "completed":
                        rec.status = "degraded"
                else:
                    rec.status = "failed" if rec.status != "halted" else rec.status
        return rec

    def _make_task(self, spec: TaskSpec, run: RunResult, inputs: dict[str, Any]) -> Task:
        params = {
            **run.variables["params"],
            **spec.params,
            "inputs": inputs,
            "failed_agents": list(run.failed),
            "degraded": list(run.degraded),
        }
        deadline = spec.deadline_s or self.protocol.config.agent_timeout_s
        return Task(
            task_id=self.new_id("TASK"),
            agent=spec.agent,
            action=spec.action,
            params=params,
            workflow_id=run.workflow_id,
            deadline_s=deadline,
            created_at=self.context.clock.now().to_pydatetime(),
        )

    def _execute(self, task: Task, first: tuple[InTurn, int] | None = None) -> TaskResult:
        entry = self.registry.get(task.agent)
        result = self.protocol.execute(entry, task, self._context_for(task.agent), first=first)
        if self.on_task is not None:
            self.on_task(result, task.workflow_id or "")
        return result

    def owns_state(self, agent: str) -> bool:
        """Whether ``agent`` writes its own state files (then the runner does not)."""
        return self.state_owners is None or agent in self.state_owners

    def _context_for(self, agent: str) -> AgentContext:
        return self._owner_ctx if self.owns_state(agent) else self._plain_ctx

    def _parallel(self, tasks: list[Task]) -> list[TaskResult]:
        """External agents (a process or an endpoint: they wait on I/O) run concurrently;
        in-process agents run one after another, their first attempts chained on one deadline
        worker (``FailureProtocol.in_turn``: one thread hand-off for the step, each task still
        under its own deadline and the whole failure protocol). Python analysts cannot compute at once under the GIL, and three
        of them contending for it made the step ~20 % slower than running them in turn
        (docs/coordinator.md, Performance). Every task gets the inputs of before the step."""
        jobs = {
            i: self._fanout.submit(functools.partial(self._execute, t))
            for i, t in enumerate(tasks)
            if t.agent in self.registry and self.registry.get(t.agent).external
        }
        turn = [
            i
            for i, t in enumerate(tasks)
            if i not in jobs and t.agent in self.registry and not self.registry.get(t.agent).inline
        ]
        chain = None
        if len(turn) > 1:  # their first attempts on one worker job: one thread hand-off, not n
            chain = self.protocol.in_turn(
                [(self.registry.get(tasks[i].agent), tasks[i], self._context_for(tasks[i].agent))
                 for i in turn]
            )  # fmt: skip
        place = {i: k for k, i in enumerate(turn)}
        local = {
            i: self._execute(t, (chain, place[i]) if chain is not None and i in place else None)
            for i, t in enumerate(tasks)
            if i not in jobs
        }
        return [local[i] if i in local else jobs[i].wait(None)[1] for i in range(len(tasks))]

    def _absorb(
        self, spec: TaskSpec, task: Task, res: TaskResult, run: RunResult
    ) -> dict[str, Any]:
        var = spec.var_name
        run.results[var] = res
        symbol = task.params.get("symbol")
        if res.status is TaskStatus.COMPLETED and res.output is not None:
            run.variables[var] = res.output
            if res.output.get("stale"):
                run.degraded.append(f"{spec.agent}:stale")
            payload: dict[str, Any] = res.output
        else:
            run.failed.append(spec.agent)
            run.variables[var] = {"status": res.status.value, "error": res.error}
            payload = {
                "status": res.status.value,
                "error": res.error,
                "bar": task.params.get("bar"),
            }
        if self.write_outputs and spec.output and not self.owns_state(spec.agent):
            self.writer.write(spec.output, symbol if isinstance(symbol, str) else None, payload)
        return {
            "task_id": res.task_id,
            "agent": spec.agent,
            "action": spec.action,
            "status": res.status.value,
            "duration_ms": round(res.duration_ms, 3),
            "attempts": res.attempts,
            "error": res.error,
            "output": spec.output,
        }


def bar_params(symbol: str, timeframe: str, bar: pd.Timestamp) -> dict[str, Any]:
    """The standard parameters of a real-time run for one symbol at one closed bar."""
    return {"symbol": symbol, "timeframe": timeframe, "bar": bar.isoformat()}


__all__ = ["OutputWriter", "RunResult", "StepRecord", "WorkflowRunner", "bar_params"]
