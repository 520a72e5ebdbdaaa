"""A small pool of daemon worker threads with per-job deadlines.

``concurrent.futures.ThreadPoolExecutor`` joins its threads at interpreter exit, so one hung agent
would keep ``quorum run`` from stopping; these workers are daemons and a job past its deadline is
simply abandoned (its late result is dropped). Starting a thread per task costs ~0.5 ms; handing a
job to a waiting worker costs ~20 µs, which matters at replay speed.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any


class Job:
    """One submitted call; :meth:`wait` returns its result or raises its exception."""

    __slots__ = ("_done", "_exc", "_fn", "_value")

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._fn = fn
        self._done = threading.Event()
        self._value: Any = None
        self._exc: BaseException | None = None

    def run(self) -> None:
        try:
            self._value = self._fn()
        except BaseException as exc:
            self._exc = exc
        finally:
            self._done.set()

    def wait(self, timeout: float | None) -> tuple[bool, Any]:
        """(finished, value); re-raises the job's exception when it finished with one."""
        if not self._done.wait(timeout):
            return False, None
        if self._exc is not None:
            raise self._exc
        return True, self._value


class WorkerPool:
    """Daemon workers; grows (up to ``max_workers``) while every worker is busy or hung."""

    def __init__(self, name: str, max_workers: int = 64) -> None:
        self.name = name
        self.max_workers = max_workers
        self._queue: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._workers = 0
        self._idle = 0
        self._threads: list[threading.Thread] = []

    def submit(self, fn: Callable[[], Any]) -> Job:
        job = Job(fn)
        with self._lock:
            if self._idle == 0 and self._workers < self.max_workers:
                self._workers += 1
                thread = threading.Thread(
                    target=self._loop, name=f"{self.name}-{self._workers}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
            else:
                self._idle -= 1 if self._idle > 0 else 0
        self._queue.put(job)
        return job

    def native_ids(self) -> list[int]:
        """The OS thread ids of the live workers (for CPU affinity)."""
        with self._lock:
            return [t.native_id for t in self._threads if t.is_alive() and t.native_id]

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            job.run()
            with self._lock:
                self._idle += 1


class LatestWriter:
    """One daemon thread running the latest submitted job; older pending jobs are dropped.

    For state views: each job writes a complete snapshot, so only the newest matters.
    :meth:`drain` waits until nothing is pending or running (call it before reading or closing).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._cond = threading.Condition()
        self._pending: Callable[[], Any] | None = None
        self._busy = False
        self._thread: threading.Thread | None = None

    def submit(self, fn: Callable[[], Any]) -> None:
        with self._cond:
            self._pending = fn
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._pending is None:
                    self._cond.wait()
                fn, self._pending = self._pending, None
                self._busy = True
            try:
                fn()
            except Exception:
                import logging

                logging.getLogger(__name__).exception("%s: background write failed", self.name)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def drain(self) -> None:
        with self._cond:
            while self._pending is not None or self._busy:
                self._cond.wait()


__all__ = ["Job", "LatestWriter", "WorkerPool"]
