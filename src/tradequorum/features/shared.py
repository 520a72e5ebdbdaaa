"""Sharing within one matrix build: bar columns and HTF aggregates computed once per build.

Many features read the same bar columns (``close`` ~20 times per build; each DataFrame column
access costs several microseconds under pandas 3) and the HTF features of one timeframe
aggregate the same bars. :func:`shared_build` opens a memo for one
:func:`~tradequorum.features.matrix.compute_columns` call; :func:`memoized` serves a value
computed from the *same bars object* (identity checked, so a reused ``id`` cannot hit) and the
memo ends with the block: nothing is ever shared across bars or builds. Outside a block every
call computes afresh. Values handed out from the memo are read-only arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from tradequorum.core.bars import FloatArray, column

T = TypeVar("T")
_Memo = dict[tuple[int, int, Hashable], tuple[pd.DataFrame, Any]]
# per thread/context, set only inside `shared_build()`
_MEMO: ContextVar[_Memo | None] = ContextVar("feature_build_memo", default=None)


@contextmanager
def shared_build() -> Iterator[None]:
    """Within the block, :func:`memoized` values of the same bars are computed once."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def in_shared_build() -> bool:
    """Whether a :func:`shared_build` block is open in this thread/context."""
    return _MEMO.get() is not None


def memoized(bars: pd.DataFrame, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per ``(bars object, key)`` inside :func:`shared_build`, else each time.

    ``compute`` must be a pure function of ``bars`` and ``key``, returning read-only data or data
    no caller mutates (the memo freezes numpy arrays it stores at the top level).
    """
    memo = _MEMO.get()
    if memo is None:
        return compute()
    slot = (id(bars), len(bars), key)
    hit = memo.get(slot)
    if hit is not None and hit[0] is bars:
        return hit[1]  # type: ignore[no-any-return]
    out = compute()
    if isinstance(out, np.ndarray):
        out.flags.writeable = False
    memo[slot] = (bars, out)
    return out


def bar_column(bars: pd.DataFrame, name: str) -> FloatArray:
    """:func:`tradequorum.core.bars.column`, shared within a build (read-only there)."""
    return memoized(bars, ("column", name), lambda: column(bars, name))


__all__ = ["bar_column", "in_shared_build", "memoized", "shared_build"]
