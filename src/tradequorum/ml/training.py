"""Training: features + labels -> purged CV (out-of-fold predictions) -> calibration -> final fit.

The out-of-fold (OOF) probabilities come from models that never saw a sample whose label horizon
overlaps the predicted one (purged CV with embargo); the calibrator is fitted on them, and the
final model is refitted on every labelled row. Feature importances per fold feed the stability
figure (:func:`tradequorum.validation.stability.importance_stability`: mean Spearman correlation
between consecutive folds, clipped to [0, 1], DESIGN §7).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score, log_loss

from tradequorum.config.ml import MlConfig
from tradequorum.core.bars import FloatArray, ensure_bars, fingerprint_bars
from tradequorum.core.errors import DataError
from tradequorum.features import FeatureRegistry, FeatureSet, build_feature_matrix, feature_set
from tradequorum.features.selection import SelectionReport, select_features
from tradequorum.ml.calibration import Calibrator, fit_calibrator
from tradequorum.ml.cv import Fold, make_folds
from tradequorum.ml.labels import average_uniqueness, make_labels
from tradequorum.ml.model import QuorumClassifier
from tradequorum.validation.stability import importance_stability


@dataclass(frozen=True, slots=True)
class Dataset:
    """Labelled rows past the warm-up: X, y in {-1,0,1}, weights, bar positions t0 and t1."""

    X: FloatArray
    y: FloatArray
    weight: FloatArray
    t0: npt.NDArray[np.int64]
    t1: npt.NDArray[np.int64]
    columns: tuple[str, ...]
    index: pd.DatetimeIndex
    features: FeatureSet
    data_fingerprint: str


@dataclass(slots=True)
class TrainingResult:
    model: QuorumClassifier
    calibrator: Calibrator
    dataset: Dataset
    oof_proba: FloatArray
    oof_rows: npt.NDArray[np.int64]
    oof_fold: npt.NDArray[np.int64]
    oof_raw: FloatArray
    cv_metrics: dict[str, Any]
    importances: dict[str, float]
    fold_importances: list[dict[str, float]] = field(default_factory=list)
    stability: float = float("nan")


#: a default feature must leave at least this share of the history past its warm-up
MIN_USABLE_SHARE = 0.5


def default_feature_names(
    registry: FeatureRegistry, bars: pd.DataFrame, cfg: MlConfig
) -> list[str]:
    """``cfg.features`` if set, else every available feature whose warm-up leaves at least half
    of the history usable (a 1d-HTF feature needs days of 1m bars)."""
    if cfg.features:
        return list(cfg.features)
    limit = int(len(bars) * (1.0 - MIN_USABLE_SHARE))
    return [n for n in registry.available(bars) if registry.warmup(n) <= limit]


def prepare_dataset(
    bars: pd.DataFrame, registry: FeatureRegistry, cfg: MlConfig, names: Sequence[str] | None = None
) -> Dataset:
    """Feature matrix and labels, rows past the longest warm-up with a known label."""
    ensure_bars(bars)
    wanted = list(names) if names else default_feature_names(registry, bars, cfg)
    frame = build_feature_matrix(bars, registry, wanted)
    fs = feature_set(registry, wanted, list(frame.columns))
    labels = make_labels(bars, cfg)
    pos = np.arange(len(bars), dtype=np.int64)
    keep = labels.valid & (pos >= fs.warmup_bars)
    if keep.sum() < 50:
        raise DataError(
            f"only {int(keep.sum())} labelled rows after the {fs.warmup_bars}-bar warm-up; "
            "load more history"
        )
    t0, t1 = pos[keep], labels.t1[keep]
    w = average_uniqueness(t0, t1, len(bars)) if cfg.sample_weights else np.ones(t0.size)
    return Dataset(
        X=np.ascontiguousarray(frame.to_numpy()[keep]),
        y=labels.y[keep],
        weight=w,
        t0=t0,
        t1=t1,
        columns=tuple(frame.columns),
        index=pd.DatetimeIndex(bars.index[keep]),
        features=fs,
        data_fingerprint=fingerprint_bars(bars),
    )


def restrict(ds: Dataset, columns: Sequence[str]) -> Dataset:
    """The dataset on a subset of its columns (feature selection's output)."""
    idx = [ds.columns.index(c) for c in columns]
    return replace(ds, X=np.ascontiguousarray(ds.X[:, idx]), columns=tuple(columns))


def select_columns(ds: Dataset, cfg: MlConfig, rng: np.random.Generator) -> SelectionReport:
    """Redundancy filter + permutation importance on the purged folds of ``ds``."""
    folds = make_folds(
        ds.t0, ds.t1, kind=cfg.cv, n_splits=cfg.n_splits, embargo_bars=cfg.embargo_bars
    )
    est = QuorumClassifier.from_config(cfg)

    def fit(model: QuorumClassifier, X: FloatArray, f: Fold) -> QuorumClassifier:
        return model.fit(
            X[f.train], ds.y[f.train], ds.weight[f.train], t0=ds.t0[f.train], t1=ds.t1[f.train]
        )

    frame = pd.DataFrame(ds.X, columns=list(ds.columns))
    return select_features(
        frame,
        ds.y,
        ds.weight,
        folds,
        est,
        corr_threshold=cfg.corr_threshold,
        repeats=cfg.permutation_repeats,
        rng=rng,
        fit=fit,
    )


def _fold_metrics(y: FloatArray, proba: FloatArray) -> dict[str, float]:
    pred = np.array([-1.0, 0.0, 1.0])[np.argmax(proba, axis=1)]
    return {
        "accuracy": float(np.mean(pred == y)),
        "balanced_accuracy": float(balanced_accuracy_score(y, pred)),
        "log_loss": float(log_loss(y, np.clip(proba, 1e-12, 1.0), labels=[-1.0, 0.0, 1.0])),
        "n": float(y.size),
    }


def cross_validate(
    ds: Dataset, estimator: QuorumClassifier, cfg: MlConfig, folds: list[Fold] | None = None
) -> tuple[FloatArray, npt.NDArray[np.int64], list[dict[str, float]], list[dict[str, float]]]:
    """OOF probabilities (rows of the test folds), per-fold metrics and importances."""
    folds = folds or make_folds(
        ds.t0, ds.t1, kind=cfg.cv, n_splits=cfg.n_splits, embargo_bars=cfg.embargo_bars
    )
    if not folds:
        raise DataError("no usable CV fold: the history is too short for the horizon and embargo")
    probas, rows, metrics, imps = [], [], [], []
    for f in folds:
        m = clone(estimator).fit(
            ds.X[f.train], ds.y[f.train], ds.weight[f.train], t0=ds.t0[f.train], t1=ds.t1[f.train]
        )
        p = m.predict_proba(ds.X[f.test])
        probas.append(p)
        rows.append(f.test)
        metrics.append(_fold_metrics(ds.y[f.test], p))
        imps.append(m.importances(list(ds.columns)))
    return np.vstack(probas), np.concatenate(rows), metrics, imps


def train_model(
    bars: pd.DataFrame,
    registry: FeatureRegistry,
    cfg: MlConfig,
    *,
    names: Sequence[str] | None = None,
    params: dict[str, Any] | None = None,
    columns: Sequence[str] | None = None,
) -> TrainingResult:
    """The whole fit: dataset, purged CV, calibration on OOF, final model on all rows.

    ``columns``: train on this subset of the feature columns (e.g. a selection's ``kept``).
    """
    ds = prepare_dataset(bars, registry, cfg, names)
    if columns is not None:
        ds = restrict(ds, columns)
    est = QuorumClassifier.from_config(cfg, **(params or {}))
    oof, rows, fold_metrics, fold_imps = cross_validate(ds, est, cfg)
    calibrator = fit_calibrator(oof, ds.y[rows], cfg.calibration)
    sizes = [int(f["n"]) for f in fold_metrics]
    fold_of = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    summary = _fold_metrics(ds.y[rows], oof)
    cal_summary = _fold_metrics(ds.y[rows], calibrator.transform(oof))
    final = clone(est).fit(ds.X, ds.y, ds.weight, t0=ds.t0, t1=ds.t1)
    counts = {str(int(c)): int((ds.y == c).sum()) for c in (-1, 0, 1)}
    cv_metrics: dict[str, Any] = {
        "oof": summary,
        "oof_calibrated": cal_summary,
        "folds": fold_metrics,
        "kind": cfg.cv,
        "n_rows": int(ds.y.size),
        "class_counts": counts,
        "best_iteration": final.best_iteration_,
    }
    return TrainingResult(
        model=final,
        calibrator=calibrator,
        dataset=ds,
        oof_proba=calibrator.transform(oof),
        oof_rows=rows,
        oof_fold=fold_of,
        oof_raw=oof,
        cv_metrics=cv_metrics,
        importances=final.importances(list(ds.columns)),
        fold_importances=fold_imps,
        stability=importance_stability(fold_imps),
    )


__all__ = [
    "Dataset",
    "TrainingResult",
    "cross_validate",
    "default_feature_names",
    "prepare_dataset",
    "restrict",
    "select_columns",
    "train_model",
]
