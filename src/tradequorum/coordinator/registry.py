"""The agent registry: the specialists by their DESIGN names, each with a health record, plus
external agents speaking the task-delegation JSON (a command or an HTTP endpoint).

An external agent receives :class:`~tradequorum.agents.base.Task` as JSON (on stdin, or as the body
of a POST) and answers with a :class:`~tradequorum.agents.base.TaskResult` JSON, or with a plain
JSON object taken as the output. Deadlines are enforced by the failure protocol like any other
agent's (the subprocess or the HTTP request is also bounded by the task's ``deadline_s``).
"""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from tradequorum.agents.base import AgentContext, Task
from tradequorum.core.errors import AgentError, AgentTimeout, ConfigError


class Handler(Protocol):
    """What the registry runs: anything with ``name``, ``actions`` and ``handle(task, ctx)``."""

    @property
    def name(self) -> Any: ...

    @property
    def actions(self) -> Any: ...

    def handle(self, task: Task, ctx: AgentContext) -> BaseModel: ...


class HealthStatus(StrEnum):
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    UNAVAILABLE = "unavailable"


@dataclass(slots=True)
class Health:
    """Health record of one agent (persisted in coordinator_state.json)."""

    status: HealthStatus = HealthStatus.HEALTHY
    consecutive_errors: int = 0
    tasks: int = 0
    errors: int = 0
    timeouts: int = 0
    last_error: str | None = None
    last_duration_ms: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "consecutive_errors": self.consecutive_errors,
            "tasks": self.tasks,
            "errors": self.errors,
            "timeouts": self.timeouts,
            "last_error": self.last_error,
            "last_duration_ms": round(self.last_duration_ms, 3),
        }


@dataclass(slots=True)
class AgentEntry:
    name: str
    handler: Handler
    actions: tuple[str, ...]
    external: bool = False
    health: Health = field(default_factory=Health)
    #: runs on the caller's thread, without a deadline worker: only the coordinator's own agent
    #: (a deadline cannot protect the coordinator from itself; it saves a thread hop per bar)
    inline: bool = False


class ExternalOutput(BaseModel):
    """The JSON object an external agent returned (any keys)."""

    model_config = ConfigDict(extra="allow")


def _parse_reply(name: str, text: str) -> ExternalOutput:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AgentError(f"external agent {name} wrote invalid JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise AgentError(f"external agent {name} must answer with a JSON object")
    if {"task_id", "status"} <= data.keys():
        if data["status"] != "completed":
            raise AgentError(
                f"external agent {name} reported {data['status']}: {data.get('error')}"
            )
        data = data.get("output") or {}
    return ExternalOutput.model_validate(data)


class CommandAgent:
    """An external program: the task JSON on stdin, the result JSON on stdout."""

    def __init__(self, name: str, command: Sequence[str], actions: Sequence[str]) -> None:
        if not command:
            raise ConfigError(f"external agent {name}: command is empty")
        self.name, self.command, self.actions = name, list(command), tuple(actions)

    def handle(self, task: Task, ctx: AgentContext) -> BaseModel:
        try:
            proc = subprocess.run(
                self.command,
                input=task.model_dump_json(),
                capture_output=True,
                text=True,
                timeout=task.deadline_s,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise AgentTimeout(f"{self.name} did not answer in {task.deadline_s} s") from exc
        except OSError as exc:
            raise AgentError(f"{self.name}: cannot start {self.command[0]!r}: {exc}") from exc
        if proc.returncode != 0:
            raise AgentError(
                f"{self.name} exited with {proc.returncode}: {proc.stderr.strip()[:300]}"
            )
        return _parse_reply(self.name, proc.stdout)


class HttpAgent:
    """An external HTTP endpoint: the task JSON POSTed, the result JSON in the response body."""

    def __init__(self, name: str, url: str, actions: Sequence[str]) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"external agent {name}: url must be http(s), got {url!r}")
        self.name, self.url, self.actions = name, url, tuple(actions)

    def handle(self, task: Task, ctx: AgentContext) -> BaseModel:
        req = urllib.request.Request(
            self.url,
            data=task.model_dump_json().encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=task.deadline_s) as resp:
                body = resp.read().decode("utf-8")
        except TimeoutError as exc:
            raise AgentTimeout(f"{self.name} did not answer in {task.deadline_s} s") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise AgentTimeout(f"{self.name} did not answer in {task.deadline_s} s") from exc
            raise AgentError(f"{self.name}: {exc.reason}") from exc
        return _parse_reply(self.name, body)


class AgentRegistry:
    """Agents by DESIGN name; ``actions()`` is what workflow files are checked against."""

    def __init__(self, handlers: Iterable[Handler] = ()) -> None:
        self._entries: dict[str, AgentEntry] = {}
        for h in handlers:
            self.register(h)

    def register(self, handler: Handler, *, external: bool = False, inline: bool = False) -> None:
        name = str(handler.name)
        if not name:
            raise ConfigError(f"agent {type(handler).__name__} has no name")
        if external and inline:
            raise ConfigError(f"agent {name}: an external agent cannot run inline")
        self._entries[name] = AgentEntry(
            name, handler, tuple(handler.actions), external, inline=inline
        )

    def register_external(self, specs: Mapping[str, Mapping[str, Any]]) -> None:
        """From ``Settings.extra_agents``: ``{name: {command: [...] | url: ..., actions: [...]}}``."""
        for name, spec in specs.items():
            actions = tuple(spec.get("actions") or ())
            if not actions:
                raise ConfigError(f"external agent {name}: list its actions")
            if "command" in spec:
                cmd = spec["command"]
                handler: Handler = CommandAgent(
                    name, cmd.split() if isinstance(cmd, str) else cmd, actions
                )
            elif "url" in spec:
                handler = HttpAgent(name, str(spec["url"]), actions)
            else:
                raise ConfigError(f"external agent {name}: needs 'command' or 'url'")
            self.register(handler, external=True)

    def get(self, name: str) -> AgentEntry:
        try:
            return self._entries[name]
        except KeyError:
            raise AgentError(f"no agent named {name!r} (have {sorted(self._entries)})") from None

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def names(self) -> list[str]:
        return sorted(self._entries)

    def actions(self) -> dict[str, tuple[str, ...]]:
        return {n: e.actions for n, e in self._entries.items()}

    def health(self) -> dict[str, dict[str, Any]]:
        return {n: e.health.as_dict() for n, e in sorted(self._entries.items())}

    def restore_health(self, saved: Mapping[str, Mapping[str, Any]]) -> None:
        for name, rec in saved.items():
            if name in self._entries:
                h = self._entries[name].health
                h.status = HealthStatus(rec.get("status", "healthy"))
                h.consecutive_errors = int(rec.get("consecutive_errors", 0))
                h.tasks, h.errors = int(rec.get("tasks", 0)), int(rec.get("errors", 0))
                h.timeouts = int(rec.get("timeouts", 0))
                h.last_error = rec.get("last_error")


__all__ = [
    "AgentEntry",
    "AgentRegistry",
    "CommandAgent",
    "ExternalOutput",
    "Handler",
    "Health",
    "HealthStatus",
    "HttpAgent",
]
