"""Feature kernels against pandas references, the registry, HTF alignment and selection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tradequorum.features as features_pkg
from tests.conftest import make_bars
from tradequorum.core.errors import DataError
from tradequorum.features import (
    FeatureRegistry,
    FeatureSpec,
    build_feature_matrix,
    default_registry,
)
from tradequorum.features import kernels as k
from tradequorum.features.htf import aggregate_htf
from tradequorum.features.selection import redundancy_filter, select_features


def test_exported_members_are_public_and_listed() -> None:
    for name in features_pkg.__all__:
        assert hasattr(features_pkg, name)


@given(st.integers(2, 40), st.integers(0, 10_000))
def test_rolling_kernels_match_pandas(w: int, seed: int) -> None:
    x = np.random.default_rng(seed).normal(size=120)
    s = pd.Series(x)
    np.testing.assert_allclose(k.rolling_mean(x, w), s.rolling(w).mean(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(k.rolling_std(x, w), s.rolling(w).std(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(k.rolling_max(x, w), s.rolling(w).max())
    z = (s - s.rolling(w).mean()) / s.rolling(w).std()
    np.testing.assert_allclose(k.rolling_zscore(x, w), z, rtol=1e-8, atol=1e-10)
    rank = s.rolling(w).rank(pct=False).to_numpy()
    np.testing.assert_allclose(k.rolling_rank(x, w), (rank - 0.5) / w, rtol=1e-12)


def test_rsi_matches_wilder_ewm_reference() -> None:
    c = make_bars(500, seed=3)["close"]
    d = c.diff()
    up = d.clip(lower=0).iloc[1:].ewm(alpha=1 / 14, adjust=False).mean()
    dn = (-d).clip(lower=0).iloc[1:].ewm(alpha=1 / 14, adjust=False).mean()
    ref = 100 * up / (up + dn)
    np.testing.assert_allclose(k.rsi(c.to_numpy(), 14)[1:], ref.to_numpy(), rtol=1e-9)


def test_ema_warmup_bounds_seed_dependence() -> None:
    x = make_bars(3000, seed=5)["close"].to_numpy()
    alpha = 2 / 27
    w = k.ema_warmup(alpha)
    full, late = k.ema(x, alpha), k.ema(x[1000:], alpha)
    np.testing.assert_allclose(late[w:], full[1000 + w :], rtol=1e-12)


def test_htf_value_visible_only_at_the_bar_closing_its_hour() -> None:
    bars = make_bars(200, seed=1, start="2024-01-01 00:00")
    h = aggregate_htf(bars, "1h", "1m")
    pos = {str(t): i for i, t in enumerate(bars.index)}
    assert h.last_complete[pos["2024-01-01 00:58:00+00:00"]] == -1
    assert h.last_complete[pos["2024-01-01 00:59:00+00:00"]] == 0
    assert h.last_complete[pos["2024-01-01 01:59:00+00:00"]] == 1
    assert h.close[0] == bars["close"].iat[59] and h.high[0] == bars["high"].iloc[:60].max()


def test_registry_rejects_duplicates_unknown_dependencies_and_bad_names() -> None:
    reg = FeatureRegistry()
    spec = FeatureSpec("a", lambda b, d, p: b["close"].to_numpy())
    reg.register(spec)
    with pytest.raises(DataError, match="already registered"):
        reg.register(spec)
    with pytest.raises(DataError, match="unknown feature"):
        reg.register(FeatureSpec("b", spec.fn, depends_on=("zzz",)))
    with pytest.raises(DataError, match="no '__'"):
        reg.register(FeatureSpec("x__y", spec.fn))


def test_registry_warmup_adds_dependency_warmup_and_hash_tracks_params() -> None:
    reg = default_registry(adapters=False)
    assert reg.warmup("zscore_240_ret_60") == 60 + 239
    h = reg.feature_hash(["rsi_14"])
    old = reg.get("rsi_14")
    reg.register(FeatureSpec("rsi_14", old.fn, {"period": 10}, old.warmup_bars), replace=True)
    assert reg.feature_hash(["rsi_14"]) != h


def test_matrix_is_float64_on_index_and_does_not_mutate_bars() -> None:
    bars = make_bars(800, seed=2)
    before = bars.copy()
    m = build_feature_matrix(bars, default_registry(adapters=False))
    pd.testing.assert_frame_equal(bars, before)
    assert m.index.equals(bars.index) and (m.dtypes == np.float64).all()
    assert "taker_imbalance_30" in m.columns
    no_taker = make_bars(800, seed=2, taker=False)
    assert "taker_imbalance_30" not in build_feature_matrix(
        no_taker, default_registry(adapters=False)
    )


def test_matrix_missing_required_column_raises_data_error() -> None:
    with pytest.raises(DataError, match="taker_buy_volume"):
        build_feature_matrix(
            make_bars(100, taker=False), default_registry(), ["taker_imbalance_30"]
        )


def test_redundancy_filter_drops_constant_duplicate_and_correlated_with_reasons() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=500)
    X = pd.DataFrame(
        {
            "a": a,
            "const": np.ones(500),
            "dup": a.copy(),
            "near": a + rng.normal(0, 0.01, 500),
            "b": rng.normal(size=500),
        }
    )
    kept, decisions = redundancy_filter(X, corr_threshold=0.95)
    assert kept == ["a", "b"]
    why = {d.column: (d.reason, d.other) for d in decisions}
    assert why["const"][0] == "constant" and why["dup"] == ("duplicate", "a")
    assert why["near"] == ("correlated", "a")


def test_select_features_keeps_the_informative_column() -> None:
    from sklearn.linear_model import LogisticRegression

    from tradequorum.ml.cv import purged_kfold

    rng = np.random.default_rng(1)
    n = 1500
    sig, noise = rng.normal(size=n), rng.normal(size=n)
    y = np.where(sig + 0.3 * rng.normal(size=n) > 0, 1.0, -1.0)
    X = pd.DataFrame({"signal": sig, "noise": noise})
    t = np.arange(n, dtype=np.int64)
    folds = purged_kfold(t, t, n_splits=3, embargo_bars=0)
    rep = select_features(
        X,
        y,
        np.ones(n),
        folds,
        LogisticRegression(),
        corr_threshold=0.95,
        repeats=2,
        rng=np.random.default_rng(0),
        min_importance=0.005,
    )
    assert rep.kept == ["signal"]
    assert {d.column: d.reason for d in rep.decisions}["noise"] == "no out-of-sample importance"


@settings(max_examples=8, deadline=None)
@given(st.integers(300, 700), st.integers(0, 10_000), st.integers(0, 1439))
def test_matrix_truncation_on_random_bars_matches_full(n: int, seed: int, minute: int) -> None:
    start = pd.Timestamp("2024-03-01", tz="UTC") + pd.Timedelta(minutes=minute)
    bars = make_bars(n, seed=seed, start=str(start.tz_localize(None)))
    reg = default_registry(adapters=False)
    full = build_feature_matrix(bars, reg)
    for t in (n // 3, n // 2, n - 2):
        part = build_feature_matrix(bars.iloc[: t + 1], reg)
        pd.testing.assert_frame_equal(part, full.iloc[: t + 1], check_exact=True)
