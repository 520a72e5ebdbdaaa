"""Workflow files in the seed's YAML shape, parsed into pydantic models and checked at load time.

Shape (DESIGN §8)::

    workflow: realtime_signal_generation
    trigger: new_bar_close
    steps:
      - step: 1
        agent: data-pipeline-manager
        action: fetch_latest_data
        output: state/data/latest_bars.json
      - step: 2
        parallel: true
        tasks:
          - {agent: smc-pattern-recognizer, action: analyze, output: state/signals/smc_signals.json}
      - step: 5
        agent: risk-manager
        action: assess_trade
        condition: "evaluated_signal.tier in ['A', 'B', 'C']"
      - step: 7
        decision_point: deploy
        criteria: ["model_validation.sharpe > 1.0"]

Every ``agent``/``action`` is checked against the registry, every ``output`` must be a relative path
inside the home, and every ``condition``/``criteria`` is parsed by the safe evaluator; a name it
reads must be produced by an earlier step (the stem of its ``output``, or its ``name``) or be one of
the run's built-ins. Errors name the file and line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tradequorum.coordinator.expressions import ExpressionError, parse_expression
from tradequorum.core.errors import ConfigError

BUILTIN_NAMES = frozenset({"params", "symbol", "timeframe", "now", "workflow", "state"})


class TaskSpec(BaseModel):
    """One delegated task: an agent, one of its actions, where its output goes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    agent: str
    action: str
    output: str | None = None
    name: str | None = Field(None, description="variable name of the output (default: output stem)")
    params: dict[str, Any] = Field(default_factory=dict)
    input: str | list[str] | None = None
    condition: str | None = None
    critical: bool = False
    optional: bool = False
    deadline_s: float | None = Field(None, gt=0)
    description: str | None = None

    @property
    def var_name(self) -> str:
        if self.name:
            return self.name
        if self.output:
            return PurePosixPath(self.output.rstrip("/")).stem
        return self.action


class StepSpec(BaseModel):
    """A step: one task, several tasks in parallel, or a decision point over criteria."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    step: int | str
    name: str | None = None
    agent: str | None = None
    action: str | None = None
    output: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    input: str | list[str] | None = None
    condition: str | None = None
    parallel: bool = False
    tasks: list[TaskSpec] = Field(default_factory=list)
    decision_point: str | None = None
    criteria: list[str] | dict[str, str] = Field(default_factory=list)
    on_fail: str = Field("stop", pattern="^(stop|halt|continue)$")
    critical: bool = False
    optional: bool = False
    deadline_s: float | None = Field(None, gt=0)
    description: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> StepSpec:
        kinds = [self.agent is not None, bool(self.tasks), self.decision_point is not None]
        if sum(kinds) != 1:
            raise ValueError(
                "a step has exactly one of: agent+action, parallel tasks, or decision_point"
            )
        if self.agent is not None and self.action is None:
            raise ValueError("a step with an agent needs an action")
        if self.tasks and not self.parallel:
            raise ValueError("tasks need parallel: true")
        if self.decision_point is not None and not self.criteria:
            raise ValueError("a decision_point needs criteria")
        return self

    def task_specs(self) -> list[TaskSpec]:
        """The tasks this step delegates (one for a plain step, none for a decision point)."""
        if self.tasks:
            return list(self.tasks)
        if self.agent is None or self.action is None:
            return []
        return [
            TaskSpec(
                agent=self.agent,
                action=self.action,
                output=self.output,
                name=self.name,
                params=self.params,
                input=self.input,
                critical=self.critical,
                optional=self.optional,
                deadline_s=self.deadline_s,
            )
        ]

    def criteria_items(self) -> list[tuple[str, str]]:
        if isinstance(self.criteria, dict):
            return list(self.criteria.items())
        return [(c, c) for c in self.criteria]


class WorkflowSpec(BaseModel):
    """A whole workflow file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    workflow: str = Field(pattern=r"^[a-z0-9_\-]+$")
    description: str | None = None
    trigger: str | dict[str, Any] = "manual"
    parameters: dict[str, Any] = Field(default_factory=dict)
    steps: list[StepSpec] = Field(min_length=1)
    source: str = Field("<memory>", exclude=True)


def _node_line(root: yaml.Node | None, loc: Sequence[int | str]) -> int | None:
    """Line (1-based) of the deepest YAML node found along pydantic error location ``loc``."""
    line = root.start_mark.line + 1 if root is not None else None
    for depth in range(1, len(loc) + 1):
        node = _node_at(root, loc[:depth])
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _node_at(root: yaml.Node | None, loc: Sequence[int | str]) -> yaml.Node | None:
    node = root
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            node = node.value[key] if key < len(node.value) else None
        else:
            return None
    return node


def _check_output(path: str, where: str) -> None:
    p = PurePosixPath(path)
    if p.is_absolute() or ".." in p.parts:
        raise ConfigError(f"{where}: output {path!r} must be a relative path inside the home")


def check_workflow(
    spec: WorkflowSpec,
    agents: Mapping[str, Sequence[str]],
    *,
    root: yaml.Node | None = None,
) -> None:
    """Check agents/actions, outputs and expressions of ``spec``; ConfigError at file:line."""
    known = set(BUILTIN_NAMES)

    def where(i: int, key: str, task: int | None = None) -> str:
        loc: list[int | str] = ["steps", i]
        if task is not None:
            loc += ["tasks", task]
        loc.append(key)
        line = _node_line(root, loc) if root is not None else None
        return f"{spec.source}:{line or '?'} (step {spec.steps[i].step})"

    for i, step in enumerate(spec.steps):
        produced: set[str] = set()
        for j, task in enumerate(step.task_specs()):
            tj = j if step.tasks else None
            if task.agent not in agents:
                raise ConfigError(
                    f"{where(i, 'agent', tj)}: unknown agent {task.agent!r} "
                    f"(registered: {sorted(agents)})"
                )
            if task.action not in agents[task.agent]:
                raise ConfigError(
                    f"{where(i, 'action', tj)}: agent {task.agent!r} has no action "
                    f"{task.action!r} (has {list(agents[task.agent])})"
                )
            if task.output:
                _check_output(task.output, where(i, "output", tj))
            if task.condition:
                _check_expr(task.condition, known, where(i, "condition", tj))
            produced.add(task.var_name)
        if step.condition:
            _check_expr(step.condition, known, where(i, "condition"))
        for _, expr in step.criteria_items():
            _check_expr(expr, known, where(i, "criteria"))
        known |= produced
        if step.decision_point:
            known.add(step.decision_point)


def _check_expr(source: str, known: set[str], where: str) -> None:
    try:
        expr = parse_expression(source)
    except ExpressionError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    unknown = sorted(expr.names - known)
    if unknown:
        raise ConfigError(
            f"{where}: condition {source!r} reads {unknown}, which no earlier step produces "
            f"(available: {sorted(known)})"
        )


def parse_workflow(
    text: str, *, source: str = "<memory>", agents: Mapping[str, Sequence[str]] | None = None
) -> WorkflowSpec:
    """Parse YAML text into a checked :class:`WorkflowSpec`; ConfigError at ``source:line``."""
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{source}{line}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}:1: a workflow file holds a mapping with 'workflow' and 'steps'"
        )
    try:
        spec = WorkflowSpec.model_validate({**data, "source": source})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        at = _node_line(root, loc) or 1
        path = ".".join(str(p) for p in loc) or "<root>"
        raise ConfigError(f"{source}:{at}: {path}: {err['msg']}") from None
    if agents is not None:
        check_workflow(spec, agents, root=root)
    return spec


def load_workflow(path: Path, *, agents: Mapping[str, Sequence[str]] | None = None) -> WorkflowSpec:
    """Read and check a workflow file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"workflow file not found: {path}") from None
    return parse_workflow(text, source=str(path), agents=agents)


def builtin_workflow_dir() -> Path:
    """Folder of the seed's four workflow files shipped with the package."""
    return Path(__file__).resolve().parents[1] / "workflows"


def find_workflow(name: str, home_workflows: Path | None = None) -> Path:
    """A user's ``<home>/workflows/<name>.yaml`` wins over the shipped one."""
    for folder in (home_workflows, builtin_workflow_dir()):
        if folder is not None and (folder / f"{name}.yaml").exists():
            return folder / f"{name}.yaml"
    raise ConfigError(f"no workflow named {name!r} (looked in {home_workflows} and the package)")


__all__ = [
    "BUILTIN_NAMES",
    "StepSpec",
    "TaskSpec",
    "WorkflowSpec",
    "builtin_workflow_dir",
    "check_workflow",
    "find_workflow",
    "load_workflow",
    "parse_workflow",
]
