"""Build the feature matrix: every requested feature over the whole history, in one pass.

Each feature function runs once on the full arrays (numba kernels), dependencies first; the
result is a float64 DataFrame on the bars' index. Row ``t`` depends on bars ``<= t`` only (the
truncation test checks the whole matrix). 1,000,000 1m bars take a few seconds (benchmarks/bench_ml).
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradequorum.core.bars import FloatArray, ensure_bars
from tradequorum.core.errors import DataError
from tradequorum.features.registry import FeatureOutput, FeatureRegistry, FeatureSpec
from tradequorum.features.shared import shared_build


@dataclass(frozen=True, slots=True)
class FeatureSet:
    """Which features, their columns, warm-up and hash: what a model is trained on."""

    features: tuple[str, ...]
    columns: tuple[str, ...]
    warmup_bars: int
    feature_hash: str


def output_columns(spec: FeatureSpec, out: FeatureOutput, n: int) -> dict[str, FloatArray]:
    """A feature function's output as ``{column: float64 array of length n}`` (checked)."""
    if isinstance(out, pd.DataFrame):
        out = {str(c): out[c].to_numpy(dtype=np.float64) for c in out.columns}
    if isinstance(out, Mapping):
        if not spec.multi_output:
            raise DataError(f"feature {spec.name!r} returned several columns but is single-output")
        cols = {f"{spec.name}__{c}": np.asarray(v, dtype=np.float64) for c, v in out.items()}
    else:
        cols = {spec.name: np.asarray(out, dtype=np.float64)}
    for c, v in cols.items():
        if v.shape != (n,):
            raise DataError(f"feature column {c!r} has shape {v.shape}, expected ({n},)")
    return cols


def compute_columns(
    bars: pd.DataFrame, registry: FeatureRegistry, names: Iterable[str]
) -> dict[str, FloatArray]:
    """Columns of ``names`` (and their dependencies) as float64 arrays, in resolution order."""
    wanted = list(names)
    n = len(bars)
    cols: dict[str, FloatArray] = {}
    with shared_build():  # bar columns and HTF aggregates computed once per build
        for spec in registry.resolve(wanted):
            check_requires(spec, bars.columns)
            deps = {d: cols[d] for d in spec.depends_on}
            out = spec.fn(bars, deps, spec.params) if n else np.empty(0)
            cols.update(output_columns(spec, out, n))
    return requested_columns(registry, wanted, cols)


def check_requires(spec: FeatureSpec, present: Container[str]) -> None:
    """DataError when ``spec`` needs bar columns that are not ``present``."""
    missing = [c for c in spec.requires if c not in present]
    if missing:
        raise DataError(f"feature {spec.name!r} needs bar columns {missing}")


def requested_columns(
    registry: FeatureRegistry, wanted: Iterable[str], cols: Mapping[str, FloatArray]
) -> dict[str, FloatArray]:
    """The columns of the ``wanted`` features (not their dependencies), in request order."""
    keep: dict[str, FloatArray] = {}
    for name in wanted:
        spec = registry.get(name)
        if spec.multi_output:
            keep.update({c: v for c, v in cols.items() if c.startswith(f"{name}__")})
        else:
            keep[name] = cols[name]
    return keep


def build_feature_matrix(
    bars: pd.DataFrame,
    registry: FeatureRegistry,
    names: Sequence[str] | None = None,
    *,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The float64 feature matrix on ``bars.index``.

    Parameters
    ----------
    names : features to compute; default every feature available for these bars.
    columns : if given, the exact column order to return (a model's training columns); a missing
        column raises DataError.
    """
    ensure_bars(bars)
    wanted = list(names) if names is not None else registry.available(bars)
    cols = compute_columns(bars, registry, wanted)
    if columns is not None:
        absent = [c for c in columns if c not in cols]
        if absent:
            raise DataError(f"feature columns {absent} were not produced by the live registry")
        cols = {c: cols[c] for c in columns}
    frame = pd.DataFrame(cols, index=bars.index, dtype=np.float64, copy=False)
    return frame


def feature_set(
    registry: FeatureRegistry, names: Sequence[str], columns: Sequence[str]
) -> FeatureSet:
    """Describe a trained feature set (names, columns, longest warm-up, hash)."""
    return FeatureSet(
        features=tuple(names),
        columns=tuple(columns),
        warmup_bars=max((registry.warmup(n) for n in names), default=0),
        feature_hash=registry.feature_hash(names),
    )


__all__ = [
    "FeatureSet",
    "build_feature_matrix",
    "check_requires",
    "compute_columns",
    "feature_set",
    "output_columns",
    "requested_columns",
]
