"""Sharing within one matrix build: bar columns and HTF aggregates computed once per build.

Many features read the same bar columns (``close`` ~20 times per build; each DataFrame column
access costs several microseconds under pandas 3) and the HTF features of one timeframe
aggregate the same bars. :func:`shared_build` opens a memo for one
:func:`~tradequorum.features.matrix.compute_columns` call; :func:`memoized` serves a value
computed from the *same bars object* (identity checked, so a reused ``id`` cannot hit) and the
memo ends with the block: nothing is ever shared across bars or builds. Outside a block every
call computes afresh. Values handed out from the memo are read-only arrays.

:class:`BarArrays` is the bars as plain arrays, for the last-row path
(:mod:`tradequorum.features.lastrow`): features that declare ``arrays=True`` read their columns
and open times through :func:`bar_column`, :func:`open_ns` and :func:`index_i8`, which accept
either form and return the same values.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradequorum.core.bars import FloatArray, column
from tradequorum.core.errors import DataError
from tradequorum.data.quality import epoch_ns

T = TypeVar("T")
IntArray = npt.NDArray[np.int64]
_Memo = dict[tuple[int, int, Hashable], tuple[object, Any]]
# per thread/context, set only inside `shared_build()`
_MEMO: ContextVar[_Memo | None] = ContextVar("feature_build_memo", default=None)


@dataclass(frozen=True, slots=True)
class BarArrays:
    """Bars as read-only arrays: what ``arrays=True`` features receive on the last-row path.

    ``values`` holds the columns ``names`` (rows x columns, float64, each column contiguous),
    ``index_i8`` the index's int64 values in its own unit (``DatetimeIndex.asi8``) and ``open_ns``
    the open times in ns since the epoch. :meth:`tail` is a view of the last rows (no copy).
    """

    names: tuple[str, ...]
    positions: Mapping[str, int]
    values: FloatArray
    index_i8: IntArray
    open_ns: IntArray
    _columns: dict[str, FloatArray] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_frame(cls, bars: pd.DataFrame) -> BarArrays:
        """Views of a valid bars frame (one float64 matrix when it is one; else column by column)."""
        names = tuple(str(c) for c in bars.columns.to_numpy(dtype=object))
        try:
            values = np.asarray(bars.to_numpy(dtype=np.float64, copy=False))
        except (TypeError, ValueError):  # a non-numeric extra column: read the numeric ones
            names = tuple(c for c in names if pd.api.types.is_numeric_dtype(bars[c].dtype))
            cols = [column(bars, c) for c in names]
            values = np.asfortranarray(np.column_stack(cols) if cols else np.empty((len(bars), 0)))
        values = values.view()
        values.flags.writeable = False
        idx = (
            bars.index if isinstance(bars.index, pd.DatetimeIndex) else pd.DatetimeIndex(bars.index)
        )
        raw = np.asarray(idx.asi8, dtype=np.int64)
        ns = raw if idx.unit == "ns" else np.asarray(epoch_ns(idx), dtype=np.int64)
        return cls(names, {c: i for i, c in enumerate(names)}, values, raw, ns)

    def __len__(self) -> int:
        return int(self.open_ns.size)

    def column(self, name: str) -> FloatArray:
        """Column ``name`` as a contiguous read-only float64 array (made once per object)."""
        hit = self._columns.get(name)
        if hit is not None:
            return hit
        pos = self.positions.get(name)
        if pos is None:
            raise DataError(f"bars have no column {name!r}")
        out = np.ascontiguousarray(self.values[:, pos])  # a view for the usual one-block frame
        out.flags.writeable = False
        self._columns[name] = out
        return out

    def tail(self, rows: int) -> BarArrays:
        """The last ``rows`` rows (all of them when ``rows >= len(self)``), as views."""
        if rows >= len(self):
            return self
        start = len(self) - max(rows, 0)
        return BarArrays(
            self.names,
            self.positions,
            self.values[start:],
            self.index_i8[start:],
            self.open_ns[start:],
        )


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


def memoized(bars: pd.DataFrame | BarArrays, key: Hashable, compute: Callable[[], T]) -> T:
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


def bar_column(bars: pd.DataFrame | BarArrays, name: str) -> FloatArray:
    """:func:`tradequorum.core.bars.column`, shared within a build (read-only there)."""
    if isinstance(bars, BarArrays):
        return bars.column(name)
    return memoized(bars, ("column", name), lambda: column(bars, name))


def open_ns(bars: pd.DataFrame | BarArrays) -> IntArray:
    """Open times as int64 ns since the epoch, whatever the index's unit."""
    if isinstance(bars, BarArrays):
        return bars.open_ns
    return np.asarray(epoch_ns(bars.index), dtype=np.int64)


def index_i8(bars: pd.DataFrame | BarArrays) -> IntArray:
    """The index's int64 values in its own unit (``DatetimeIndex.asi8``)."""
    if isinstance(bars, BarArrays):
        return bars.index_i8
    return np.asarray(pd.DatetimeIndex(bars.index).asi8, dtype=np.int64)


__all__ = [
    "BarArrays",
    "bar_column",
    "in_shared_build",
    "index_i8",
    "memoized",
    "open_ns",
    "shared_build",
]
