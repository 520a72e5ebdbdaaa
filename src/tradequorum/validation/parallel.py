"""Run parameter sets x windows in parallel: local processes, or a Dask distributed cluster.

The work is split into chunks of parameter sets; each chunk evaluates its sets on every window
(:func:`tradequorum.validation.evaluation.evaluate_chunk`). Results come back in the order of the
input, so a local run, a process-pool run and a Dask run give identical output.

* ``n_jobs == 1`` and no scheduler: in the calling process (no pickling);
* ``n_jobs > 1``: ``concurrent.futures.ProcessPoolExecutor`` with the ``spawn`` start method (safe
  with threads and numba); the context is pickled once per chunk;
* ``scheduler`` (``"tcp://host:8786"`` or a ``distributed.Client``): the context is scattered to
  every worker once, and chunks are submitted as tasks.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from tradequorum.core.errors import ConfigError
from tradequorum.validation.evaluation import ConfigEval, EvalContext, evaluate_chunk
from tradequorum.validation.search_space import ParamSet


def chunked(items: list[ParamSet], n_chunks: int) -> list[list[ParamSet]]:
    """Split ``items`` into at most ``n_chunks`` contiguous, non-empty chunks, in order.

    >>> chunked([{"a": i} for i in range(5)], 2)
    [[{'a': 0}, {'a': 1}, {'a': 2}], [{'a': 3}, {'a': 4}]]
    """
    n = max(1, min(n_chunks, len(items)))
    size, extra = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        stop = start + size + (1 if i < extra else 0)
        if stop > start:
            out.append(items[start:stop])
        start = stop
    return out


def resolve_jobs(n_jobs: int) -> int:
    """``-1`` means all cores; otherwise at least 1."""
    if n_jobs < 0:
        return os.cpu_count() or 1
    return max(1, n_jobs)


def _run_dask(ctx: EvalContext, chunks: list[list[ParamSet]], scheduler: Any) -> list[ConfigEval]:
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - distributed is an optional extra
        raise ConfigError("a Dask scheduler was given but 'distributed' is not installed") from exc
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler  # type: ignore[no-untyped-call]
    try:
        [ctx_future] = client.scatter([ctx], broadcast=True)
        futures = [client.submit(evaluate_chunk, ctx_future, c, pure=False) for c in chunks]
        results: list[list[ConfigEval]] = client.gather(futures)
    finally:
        if own:
            client.close()
    return [r for chunk in results for r in chunk]


def evaluate_all(
    ctx: EvalContext, configs: list[ParamSet], *, n_jobs: int = 1, scheduler: Any = None
) -> list[ConfigEval]:
    """Evaluate every parameter set on every window; results in the order of ``configs``."""
    if not configs:
        return []
    if scheduler is not None:
        n_chunks = max(2, resolve_jobs(n_jobs)) * 2
        return _run_dask(ctx, chunked(configs, n_chunks), scheduler)
    jobs = resolve_jobs(n_jobs)
    if jobs == 1 or len(configs) < 2:
        return evaluate_chunk(ctx, configs)
    chunks = chunked(configs, jobs * 2)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=spawn) as pool:
        parts = list(pool.map(evaluate_chunk, [ctx] * len(chunks), chunks))
    return [r for part in parts for r in part]


__all__ = ["chunked", "evaluate_all", "resolve_jobs"]
