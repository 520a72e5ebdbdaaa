"""Feature registry: pure, causal feature functions over bars (DESIGN §3, §7)."""

from __future__ import annotations

from tradequorum.features.catalog import DEFAULT_HTF, default_registry
from tradequorum.features.htf import aggregate_htf, align_htf
from tradequorum.features.lastrow import compute_last_row, compute_tail_columns
from tradequorum.features.matrix import (
    FeatureSet,
    build_feature_matrix,
    compute_columns,
    feature_set,
)
from tradequorum.features.registry import FeatureFn, FeatureRegistry, FeatureSpec, LastFn
from tradequorum.features.shared import BarArrays
from tradequorum.features.transforms import transform_spec

__all__ = [
    "DEFAULT_HTF",
    "BarArrays",
    "FeatureFn",
    "FeatureRegistry",
    "FeatureSet",
    "FeatureSpec",
    "LastFn",
    "aggregate_htf",
    "align_htf",
    "build_feature_matrix",
    "compute_columns",
    "compute_last_row",
    "compute_tail_columns",
    "default_registry",
    "feature_set",
    "transform_spec",
]
