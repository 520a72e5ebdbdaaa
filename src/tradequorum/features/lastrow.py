"""The last rows of the feature matrix without computing the whole of it (the live path).

Live agents need only the last bar's features, every bar. :func:`compute_last_row` returns
exactly the last row of :func:`~tradequorum.features.matrix.compute_columns` on the same bars,
bit for bit, but computes each feature only on the rows it needs:

* a feature with an exact positional window (``FeatureSpec.lookback``, with ``arrays``) runs on
  the last ``need + lookback`` rows only, where ``need`` is how many of its values are used (1 for
  a requested feature, ``window`` values for a transform's input). Its kernel computes row ``t``
  from rows ``t - lookback .. t`` in the same order whatever precedes them, so the values agree;
* every other feature (exponential smoothers, HTF buckets, adapters, user features) runs on all
  the bars, as in the matrix build; ``arrays`` features read them as plain arrays
  (:class:`~tradequorum.features.shared.BarArrays`), the others get the DataFrame.

No value is kept between calls (only the plan, which depends on the specs alone, is memoized by
the registry) and no history is cut where a value could depend on it: the window lengths are the
features' own exact look-backs. ``tests/unit/features`` checks equality
with the full build on real and synthetic bars (gaps, NaN volumes, short windows).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TypeGuard

import numpy as np
import pandas as pd

from tradequorum.core.bars import FloatArray
from tradequorum.core.errors import DataError
from tradequorum.features.matrix import check_requires, output_columns, requested_columns
from tradequorum.features.registry import FeatureRegistry, FeatureSpec
from tradequorum.features.shared import BarArrays, shared_build

_ALL = sys.maxsize  # "every row" before capping at the number of bars


def _rows_read(spec: FeatureSpec, need: int, n: int) -> int:
    """Rows of bars (and of each dependency) ``spec`` must see to produce its last ``need``."""
    if spec.arrays and spec.lookback is not None and spec.last_fn is None:
        return min(n, need + spec.lookback)
    return n


def _needs(specs: list[FeatureSpec], wanted: list[str], rows: int) -> dict[str, int]:
    """How many trailing values of each feature are used, for any number of bars (``_ALL``:
    every one; callers cap at the bars they have, which is the same as capping every step)."""
    need = dict.fromkeys((s.name for s in specs), 0)
    for name in wanted:
        need[name] = max(need[name], rows)
    for spec in reversed(specs):  # resolve order puts dependencies first
        k = _rows_read(spec, need[spec.name], _ALL)
        for d in spec.depends_on:
            need[d] = max(need[d], k)
    return need


def _plan(
    registry: FeatureRegistry, wanted: list[str], rows: int
) -> tuple[list[FeatureSpec], dict[str, int]]:
    """Specs in dependency order and how many trailing values of each are used."""
    specs = registry.resolve(wanted)
    return specs, _needs(specs, wanted, rows)


class _Tails:
    """The bars as arrays and their tails by length, for one call (views, made once each)."""

    def __init__(self, bars: pd.DataFrame) -> None:
        self.full = BarArrays.from_frame(bars)
        self._tails: dict[int, BarArrays] = {}

    def get(self, rows: int) -> BarArrays:
        hit = self._tails.get(rows)
        if hit is None:
            hit = self._tails[rows] = self.full.tail(rows)
        return hit


def _is_column(out: object, k: int) -> TypeGuard[FloatArray]:
    return isinstance(out, np.ndarray) and out.dtype == np.float64 and out.shape == (k,)


def _evaluate(
    spec: FeatureSpec, bars: pd.DataFrame, tails: _Tails, cols: dict[str, FloatArray], m: int
) -> dict[str, FloatArray]:
    """The last ``m`` values of ``spec``'s column(s), from the rows it needs."""
    n = len(tails.full)
    if m == 1 and spec.last_fn is not None and not spec.multi_output:
        deps = {d: cols[d] for d in spec.depends_on}
        return {spec.name: np.full(1, spec.last_fn(tails.full, deps, spec.params))}
    k = _rows_read(spec, m, n)
    deps = {d: cols[d][-k:] for d in spec.depends_on}
    src: pd.DataFrame | BarArrays = tails.get(k) if spec.arrays else bars
    out = spec.fn(src, deps, spec.params)  # type: ignore[arg-type]
    if not spec.multi_output and _is_column(out, k):  # the usual case: one float64 column
        return {spec.name: out[-m:]}
    return {c: v[-m:] for c, v in output_columns(spec, out, k).items()}


def compute_tail_columns(
    bars: pd.DataFrame, registry: FeatureRegistry, names: Iterable[str], rows: int = 1
) -> dict[str, FloatArray]:
    """The last ``rows`` values of each column of ``names``: equal to ``compute_columns(bars,
    registry, names)[c][-rows:]`` bit for bit (``bars`` valid and non-empty)."""
    n = len(bars)
    if n == 0 or rows < 1:
        raise DataError("the last-row feature path needs at least one bar and one row")
    wanted = list(names)
    specs, need = registry.derived(
        ("last_rows_plan", tuple(wanted), rows), lambda: _plan(registry, wanted, rows)
    )
    tails = _Tails(bars)
    cols: dict[str, FloatArray] = {}
    with shared_build():  # DataFrame reads and HTF aggregates shared, as in the matrix build
        for spec in specs:
            if spec.requires:
                check_requires(spec, tails.full.positions)
            cols.update(_evaluate(spec, bars, tails, cols, min(need[spec.name], n)))
    last = min(rows, n)  # a requested feature may also feed a transform (more rows computed)
    return {c: v[-last:] for c, v in requested_columns(registry, wanted, cols).items()}


def compute_last_row(
    bars: pd.DataFrame, registry: FeatureRegistry, names: Iterable[str]
) -> dict[str, float]:
    """The last row of the feature matrix as ``{column: value}`` (NaN kept), computed on the
    rows each feature needs only. Equal to the full build's last row, bit for bit."""
    return {c: float(v[-1]) for c, v in compute_tail_columns(bars, registry, names).items()}


__all__ = ["compute_last_row", "compute_tail_columns"]
