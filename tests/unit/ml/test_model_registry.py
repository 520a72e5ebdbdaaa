"""Deterministic LightGBM, calibration, the model registry and the feature-hash guard."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import make_bars
from tradequorum.config.ml import MlConfig
from tradequorum.core.errors import ModelError
from tradequorum.features import FeatureSpec, default_registry
from tradequorum.ml.artifact import build_artifact
from tradequorum.ml.calibration import fit_calibrator
from tradequorum.ml.registry import MODEL_FILE, ModelRegistry
from tradequorum.ml.training import TrainingResult, train_model
from tradequorum.state.layout import HomeLayout

FEATURES = ["ret_1", "ret_15", "vol_15", "rsi_14", "bb_pos_20", "htf_1h_ret_1"]
CFG = MlConfig(
    horizon_bars=10,
    vol_window_bars=30,
    barrier_multiple=1.0,
    n_splits=3,
    embargo_bars=10,
    n_estimators=30,
    num_leaves=8,
    min_data_in_leaf=30,
    early_stopping_rounds=5,
)
T0 = pd.Timestamp("2026-01-01", tz="UTC")


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return make_bars(3000, seed=7)


@pytest.fixture(scope="module")
def trained(bars: pd.DataFrame) -> TrainingResult:
    return train_model(bars, default_registry(adapters=False), CFG, names=FEATURES)


def test_model_trained_twice_same_inputs_is_byte_identical(
    bars: pd.DataFrame, trained: TrainingResult, tmp_path: Path
) -> None:
    again = train_model(bars, default_registry(adapters=False), CFG, names=FEATURES)
    assert again.model.model_string() == trained.model.model_string()
    files = []
    for name, res in (("a", trained), ("b", again)):
        reg = ModelRegistry(HomeLayout(tmp_path / name))
        reg.save_candidate(*build_artifact(res, CFG, created=T0, timeframe="1m"))
        files.append((tmp_path / name / "models" / "candidate_model" / MODEL_FILE).read_bytes())
    assert files[0] == files[1]
    assert np.array_equal(again.oof_raw, trained.oof_raw)


def test_model_predict_proba_rows_sum_to_one(trained: TrainingResult) -> None:
    p = trained.model.predict_proba(trained.dataset.X[:50])
    assert p.shape == (50, 3) and np.allclose(p.sum(axis=1), 1.0)


@pytest.mark.parametrize("method", ["isotonic", "sigmoid"])
def test_calibrator_fitted_on_oof_is_probability_and_roundtrips(
    trained: TrainingResult, method: str
) -> None:
    y = trained.dataset.y[trained.oof_rows]
    cal = fit_calibrator(trained.oof_raw, y, method)
    p = cal.transform(trained.oof_raw)
    assert np.allclose(p.sum(axis=1), 1.0) and (p >= 0).all()
    again = type(cal).from_dict(cal.to_dict())
    assert np.array_equal(again.transform(trained.oof_raw), p)


def test_registry_promote_archive_rollback_cycle(trained: TrainingResult, tmp_path: Path) -> None:
    reg = ModelRegistry(HomeLayout(tmp_path))
    with pytest.raises(ModelError, match="no candidate"):
        reg.promote(reason="x", at=T0.to_pydatetime())
    reg.save_candidate(*build_artifact(trained, CFG, created=T0, timeframe="1m"))
    v1 = reg.promote(reason="first", at=T0.to_pydatetime())
    assert reg.candidate() is None and reg.production().version == v1  # type: ignore[union-attr]
    t1 = T0 + pd.Timedelta("1D")
    reg.save_candidate(*build_artifact(trained, CFG, created=t1, timeframe="1m"))
    v2 = reg.promote(reason="second", at=t1.to_pydatetime())
    assert v2 != v1 and [e.version for e in reg.list() if e.location == "archive"] == [v1]
    back = reg.rollback(reason="bad live results", at=t1.to_pydatetime())
    assert back == v1 and reg.production().version == v1  # type: ignore[union-attr]
    assert {e.version for e in reg.list() if e.location == "archive"} == {v1, v2}
    assert not [p for p in (tmp_path / "models").iterdir() if p.name.startswith(".")]


def test_loaded_model_feature_hash_mismatch_refuses_with_clear_error(
    trained: TrainingResult, tmp_path: Path
) -> None:
    reg = ModelRegistry(HomeLayout(tmp_path))
    reg.save_candidate(*build_artifact(trained, CFG, created=T0, timeframe="1m"))
    model = reg.candidate()
    assert model is not None
    live = default_registry(adapters=False)
    model.check_features(live)
    old = live.get("rsi_14")
    live.register(FeatureSpec("rsi_14", old.fn, {"period": 21}, old.warmup_bars), replace=True)
    with pytest.raises(ModelError, match="live feature set"):
        model.check_features(live)


def test_loaded_model_tampered_model_file_is_refused(
    trained: TrainingResult, tmp_path: Path
) -> None:
    reg = ModelRegistry(HomeLayout(tmp_path))
    path = reg.save_candidate(*build_artifact(trained, CFG, created=T0, timeframe="1m"))
    text = (path / MODEL_FILE).read_text()
    (path / MODEL_FILE).write_text(text.replace("learning_rate", "learning_rate ", 1))
    with pytest.raises(ModelError, match="recorded hash"):
        reg.candidate()


def test_tuning_bounded_trials_is_reproducible(trained: TrainingResult) -> None:
    from tradequorum.ml.tuning import SEARCH_SPACE, tune_hyperparameters

    a = tune_hyperparameters(trained.dataset, CFG, n_trials=2)
    b = tune_hyperparameters(trained.dataset, CFG, n_trials=2)
    assert a.n_trials == 2 and a.best_params == b.best_params
    assert set(a.best_params) == set(SEARCH_SPACE) and np.isfinite(a.best_log_loss)


def test_honest_oof_calibration_of_a_fold_ignores_later_folds(trained: TrainingResult) -> None:
    from dataclasses import replace

    from tradequorum.ml.validation import honest_oof_proba

    proba, keep = honest_oof_proba(trained, "isotonic")
    assert not keep[trained.oof_fold == 0].any() and keep[trained.oof_fold > 0].all()
    later = trained.oof_fold == trained.oof_fold.max()
    noisy = trained.oof_raw.copy()
    noisy[later] = np.random.default_rng(0).dirichlet([1, 1, 1], int(later.sum()))
    again, _ = honest_oof_proba(replace(trained, oof_raw=noisy), "isotonic")
    assert np.array_equal(again[~later & keep], proba[~later & keep])
    assert not np.array_equal(again[later], proba[later])
