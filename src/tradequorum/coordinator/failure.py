"""The failure protocol of DESIGN §8, driven by ``FailureConfig`` and tenacity.

* agent timeout (``agent_timeout_s`` or the task's own deadline) -> retry ``retries_on_timeout``
  times, then the task is skipped (status ``timeout``);
* retryable errors (``TradeQuorumError.retryable``) -> retry up to ``auto_retry_max`` times with
  exponential backoff ``backoff_base_s * 2**k``;
* :class:`~tradequorum.core.errors.DataUnavailable` -> keep retrying (same backoff) until
  ``data_wait_s`` of waiting has passed, then return the last good output of the same task marked
  ``stale: true`` (or fail if there is none);
* any other error fails the task at once (no retry: retrying a deterministic bug only hides it);
* ``unhealthy_after_errors`` consecutive failed tasks mark the agent unhealthy and call
  ``on_unhealthy`` once; the next success marks it healthy again.

The sleep function is injected, so tests of minutes of back-off run in microseconds. A hung agent
is abandoned on its daemon worker (Python threads cannot be killed); its late answer is ignored.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import tenacity
from pydantic import BaseModel

from tradequorum.agents.base import AgentContext, Task, TaskResult, TaskStatus
from tradequorum.config.coordinator import FailureConfig
from tradequorum.coordinator.registry import AgentEntry, HealthStatus
from tradequorum.coordinator.workers import WorkerPool
from tradequorum.core.errors import AgentError, AgentTimeout, DataUnavailable, TradeQuorumError

logger = logging.getLogger(__name__)

Sleep = Callable[[float], None]


def _call_with_deadline(
    entry: AgentEntry, task: Task, ctx: AgentContext, deadline_s: float, pool: WorkerPool
) -> BaseModel:
    """Run ``entry.handler.handle`` on a daemon worker; AgentTimeout after ``deadline_s``.

    An ``inline`` entry (the coordinator's own agent) runs on the calling thread instead.
    """
    if entry.inline:
        out = entry.handler.handle(task, ctx)
    else:
        job = pool.submit(lambda: entry.handler.handle(task, ctx))
        finished, out = job.wait(deadline_s)
        if not finished:
            raise _timeout(entry, task, deadline_s)
    return _checked(entry, task, out)


def _timeout(entry: AgentEntry, task: Task, deadline_s: float) -> AgentTimeout:
    return AgentTimeout(f"{entry.name}.{task.action} exceeded its {deadline_s:g} s deadline")


def _checked(entry: AgentEntry, task: Task, out: Any) -> BaseModel:
    if not isinstance(out, BaseModel):
        raise AgentError(f"{entry.name}.{task.action} returned {type(out).__name__}, not a model")
    return out


class InTurn:
    """The first attempts of several in-process tasks, run one after another on ONE worker job.

    Saves a thread hand-off per task (each costs a wake-up of a sleeping thread: ~60 us on a
    quiet machine, up to a scheduler slice under load). Each task keeps its own deadline,
    counted from its own start on the worker. When one times out the chain stops: the tasks
    after it were never started and run as usual (:meth:`first_attempt` falls back to a fresh
    deadline job), so the protocol's outcomes are those of running them in turn one by one.
    """

    def __init__(
        self, items: Sequence[tuple[AgentEntry, Task, AgentContext]], pool: WorkerPool
    ) -> None:
        self._items = list(items)
        self._pool = pool
        n = len(self._items)
        self._lock = threading.Lock()
        self._stopped = False
        self._started: list[float | None] = [None] * n
        self._done = [threading.Event() for _ in range(n)]
        self._value: list[Any] = [None] * n
        self._exc: list[BaseException | None] = [None] * n
        pool.submit(self._run)

    def _run(self) -> None:
        for i, (entry, task, ctx) in enumerate(self._items):
            with self._lock:
                if self._stopped:
                    return
                self._started[i] = time.perf_counter()
            try:
                self._value[i] = entry.handler.handle(task, ctx)
            except BaseException as exc:
                self._exc[i] = exc
            finally:
                self._done[i].set()

    def started_at(self, i: int) -> float | None:
        return self._started[i]

    def first_attempt(self, i: int, deadline_s: float) -> BaseModel:
        """Item ``i``'s result from the chain (AgentTimeout past its deadline, its exception
        re-raised), or a fresh deadline call when the chain stopped before reaching it."""
        entry, task, ctx = self._items[i]
        with self._lock:
            if self._started[i] is None and self._stopped:
                return _call_with_deadline(entry, task, ctx, deadline_s, self._pool)
            begun = self._started[i]
        # not begun yet: the item before it has finished, so it starts now (deadline from here)
        start = begun if begun is not None else time.perf_counter()
        if not self._done[i].wait(max(start + deadline_s - time.perf_counter(), 0.0)):
            with self._lock:
                self._stopped = True  # the worker is stuck in item i: later items run fresh
            raise _timeout(entry, task, deadline_s)
        exc = self._exc[i]
        if exc is not None:
            raise exc
        return _checked(entry, task, self._value[i])


@dataclass(slots=True)
class _Attempts:
    timeouts: int = 0
    retryable: int = 0
    waited_s: float = 0.0
    last: BaseException | None = None


@dataclass
class FailureProtocol:
    """Executes tasks under the protocol; keeps the last good output per task key for staleness."""

    config: FailureConfig
    sleep: Sleep = time.sleep
    on_unhealthy: Callable[[AgentEntry], None] | None = None
    pool: WorkerPool = field(default_factory=lambda: WorkerPool("agent"))
    _cache: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def deadline(self, task: Task) -> float:
        return min(task.deadline_s, self.config.agent_timeout_s)

    def in_turn(self, items: Sequence[tuple[AgentEntry, Task, AgentContext]]) -> InTurn:
        """Start the first attempts of ``items`` one after another on one worker (see InTurn);
        pass ``(chain, i)`` to :meth:`execute` as ``first`` for each, in order."""
        return InTurn(items, self.pool)

    def execute(
        self,
        entry: AgentEntry,
        task: Task,
        ctx: AgentContext,
        *,
        first: tuple[InTurn, int] | None = None,
    ) -> TaskResult:
        """Run ``task`` on ``entry`` and return a TaskResult (never raises for agent failures).

        ``first``: the task's first attempt is item ``i`` of an :class:`InTurn` chain (its
        retries, if any, are fresh deadline calls as usual).
        """
        deadline = self.deadline(task)
        state = _Attempts()
        t0 = time.perf_counter()
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(lambda e: self._should_retry(e, state)),
            wait=tenacity.wait_exponential(multiplier=self.config.backoff_base_s, min=0, max=3600),
            stop=tenacity.stop_never,
            sleep=lambda s: self._sleep(s, state),
            reraise=True,
        )
        attempts = 0
        try:
            for attempt in retrying:
                with attempt:
                    attempts += 1
                    if first is not None and attempts == 1:
                        out = first[0].first_attempt(first[1], deadline)
                    else:
                        out = _call_with_deadline(entry, task, ctx, deadline, self.pool)
        except BaseException as exc:
            return self._failed(entry, task, exc, attempts, t0)
        if first is not None and attempts == 1:  # its run began on the chain, maybe before t0
            t0 = min(t0, first[0].started_at(first[1]) or t0)
        output = out.model_dump(mode="json")
        with self._lock:
            self._cache[self._key(task)] = output
        self._record_ok(entry, t0)
        return TaskResult(
            task_id=task.task_id,
            agent=entry.name,
            action=task.action,
            status=TaskStatus.COMPLETED,
            output=output,
            duration_ms=(time.perf_counter() - t0) * 1e3,
            attempts=attempts,
        )

    # -- classification ------------------------------------------------------------------------
    def _should_retry(self, exc: BaseException, state: _Attempts) -> bool:
        state.last = exc
        if isinstance(exc, AgentTimeout):
            state.timeouts += 1
            return state.timeouts <= self.config.retries_on_timeout
        if isinstance(exc, DataUnavailable):
            return state.waited_s < self.config.data_wait_s
        if isinstance(exc, TradeQuorumError) and exc.retryable:
            state.retryable += 1
            return state.retryable <= self.config.auto_retry_max
        return False

    def _sleep(self, seconds: float, state: _Attempts) -> None:
        if isinstance(state.last, AgentTimeout):
            return  # a timed-out task is retried at once: its deadline was the wait
        if isinstance(state.last, DataUnavailable):
            seconds = min(seconds, max(self.config.data_wait_s - state.waited_s, 0.0))
        state.waited_s += seconds
        self.sleep(seconds)

    def _failed(
        self, entry: AgentEntry, task: Task, exc: BaseException, attempts: int, t0: float
    ) -> TaskResult:
        duration = (time.perf_counter() - t0) * 1e3
        if isinstance(exc, DataUnavailable):
            with self._lock:
                cached = self._cache.get(self._key(task))
            if cached is not None:
                logger.warning("data unavailable agent=%s; using cached output (stale)", entry.name)
                return TaskResult(
                    task_id=task.task_id,
                    agent=entry.name,
                    action=task.action,
                    status=TaskStatus.COMPLETED,
                    output={**cached, "stale": True},
                    duration_ms=duration,
                    attempts=attempts,
                )
        timed_out = isinstance(exc, AgentTimeout)
        self._record_error(entry, exc, timed_out, duration)
        return TaskResult(
            task_id=task.task_id,
            agent=entry.name,
            action=task.action,
            status=TaskStatus.TIMEOUT if timed_out else TaskStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}",
            duration_ms=duration,
            attempts=attempts,
        )

    @staticmethod
    def _key(task: Task) -> str:
        return (
            f"{task.agent}|{task.action}|{task.params.get('symbol')}|{task.params.get('timeframe')}"
        )

    # -- health --------------------------------------------------------------------------------
    def _record_ok(self, entry: AgentEntry, t0: float) -> None:
        with self._lock:
            h = entry.health
            h.tasks += 1
            h.consecutive_errors = 0
            h.last_duration_ms = (time.perf_counter() - t0) * 1e3
            if h.status is HealthStatus.UNHEALTHY:
                logger.info("agent=%s healthy again", entry.name)
            h.status = HealthStatus.HEALTHY

    def _record_error(
        self, entry: AgentEntry, exc: BaseException, timed_out: bool, duration: float
    ) -> None:
        with self._lock:
            h = entry.health
            h.tasks += 1
            h.errors += 1
            h.timeouts += int(timed_out)
            h.consecutive_errors += 1
            h.last_error = f"{type(exc).__name__}: {exc}"[:500]
            h.last_duration_ms = duration
            became = (
                h.status is not HealthStatus.UNHEALTHY
                and h.consecutive_errors >= self.config.unhealthy_after_errors
            )
            if became:
                h.status = HealthStatus.UNHEALTHY
        # the first failure of a streak is a warning; the rest of the streak is debug noise
        level = logging.WARNING if h.consecutive_errors == 1 else logging.DEBUG
        logger.log(level, "agent=%s task failed: %s", entry.name, exc)
        if became:
            logger.error(
                "agent=%s unhealthy after %d consecutive errors", entry.name, h.consecutive_errors
            )
            if self.on_unhealthy is not None:
                self.on_unhealthy(entry)


__all__ = ["FailureProtocol", "InTurn", "Sleep"]
