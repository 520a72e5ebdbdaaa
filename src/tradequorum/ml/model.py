"""A deterministic, sklearn-style LightGBM classifier for long / flat / short (classes -1, 0, 1).

Determinism (a model trained twice on the same inputs is byte-identical): ``seed``,
``deterministic=True``, a forced histogram layout and a fixed ``num_threads``. The layout is
row-wise (``force_row_wise``), not col-wise: on our 2-core machine col-wise multiclass training
was 19x slower (100k x 100: 64.6 s vs 3.4 s, docs/ml.md); either forced layout is deterministic. Early stopping uses an
inner validation split taken from the *end* of the training set and purged of overlapping labels
(:func:`tradequorum.ml.cv.inner_split`). Class balance multiplies sample weights by
``n / (3 n_class)``. Follows the sklearn estimator rules: ``__init__`` only stores parameters,
learned state lives in ``*_`` attributes, ``clone()`` gives an unfitted copy.
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator

from tradequorum.config.ml import MlConfig
from tradequorum.core.bars import FloatArray
from tradequorum.core.errors import DataError, ModelError
from tradequorum.ml.cv import inner_split

CLASSES: tuple[int, int, int] = (-1, 0, 1)


def class_weights(y_idx: npt.NDArray[np.int64], n_classes: int = 3) -> FloatArray:
    """Balanced per-sample weights ``n / (k * count[class])`` over the classes present."""
    counts = np.bincount(y_idx, minlength=n_classes).astype(np.float64)
    present = counts > 0
    w = np.zeros(n_classes)
    w[present] = y_idx.size / (present.sum() * counts[present])
    out: FloatArray = w[y_idx]
    return out


class QuorumClassifier(BaseEstimator):  # type: ignore[misc]
    """LightGBM multiclass (3) with early stopping, class balance and deterministic training."""

    def __init__(
        self,
        *,
        n_estimators: int = 300,
        learning_rate: float = 0.05,
        num_leaves: int = 31,
        min_data_in_leaf: int = 100,
        feature_fraction: float = 0.8,
        bagging_fraction: float = 0.8,
        lambda_l2: float = 1.0,
        max_bin: int = 63,
        early_stopping_rounds: int = 30,
        validation_fraction: float = 0.15,
        class_balance: bool = True,
        seed: int = 42,
        num_threads: int = 2,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_data_in_leaf = min_data_in_leaf
        self.feature_fraction = feature_fraction
        self.bagging_fraction = bagging_fraction
        self.lambda_l2 = lambda_l2
        self.max_bin = max_bin
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_fraction = validation_fraction
        self.class_balance = class_balance
        self.seed = seed
        self.num_threads = num_threads

    @classmethod
    def from_config(cls, cfg: MlConfig, **overrides: Any) -> QuorumClassifier:
        keys = cls().get_params()
        params = {k: getattr(cfg, k) for k in keys if hasattr(cfg, k)}
        params.update(overrides)
        return cls(**params)

    def lgb_params(self) -> dict[str, Any]:
        """The LightGBM parameters (everything that makes training reproducible is here)."""
        return {
            "objective": "multiclass",
            "num_class": 3,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": 1 if self.bagging_fraction < 1.0 else 0,
            "lambda_l2": self.lambda_l2,
            "max_bin": self.max_bin,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": self.num_threads,
            "verbosity": -1,
        }

    def fit(
        self,
        X: FloatArray,
        y: FloatArray,
        sample_weight: FloatArray | None = None,
        *,
        t0: npt.NDArray[np.int64] | None = None,
        t1: npt.NDArray[np.int64] | None = None,
    ) -> QuorumClassifier:
        """Fit on ``y`` in {-1, 0, 1}; ``t0``/``t1`` (label horizons) purge the inner split."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] != y.size or y.size < 20:
            raise DataError(f"need a 2-D X with one row per label and >= 20 rows, got {X.shape}")
        if not np.isin(y, CLASSES).all():
            raise DataError("labels must be -1, 0 or 1 (NaN labels must be dropped first)")
        y_idx = (y + 1).astype(np.int64)
        w = np.ones(y.size) if sample_weight is None else np.asarray(sample_weight, np.float64)
        if self.class_balance:
            w = w * class_weights(y_idx)
        pos = np.arange(y.size, dtype=np.int64)
        a = pos if t0 is None else np.asarray(t0, dtype=np.int64)
        b = pos if t1 is None else np.asarray(t1, dtype=np.int64)
        fit_idx, val_idx = inner_split(a, b, self.validation_fraction)
        params = self.lgb_params()
        ds_params = {"verbosity": -1, "max_bin": self.max_bin}
        train = lgb.Dataset(X[fit_idx], y_idx[fit_idx], weight=w[fit_idx], params=ds_params)
        valid = lgb.Dataset(X[val_idx], y_idx[val_idx], weight=w[val_idx], reference=train)
        booster = lgb.train(
            params,
            train,
            num_boost_round=self.n_estimators,
            valid_sets=[valid],
            callbacks=[lgb.early_stopping(self.early_stopping_rounds, verbose=False)],
        )
        best = booster.best_iteration or booster.current_iteration()
        self.booster_ = lgb.Booster(model_str=booster.model_to_string(num_iteration=best))
        self.best_iteration_ = int(best)
        self.n_features_in_ = X.shape[1]
        self.classes_ = np.array(CLASSES)
        return self

    def _check_fitted(self) -> lgb.Booster:
        booster: lgb.Booster | None = getattr(self, "booster_", None)
        if booster is None:
            raise ModelError("the classifier is not fitted")
        return booster

    def predict_proba(self, X: FloatArray) -> FloatArray:
        """Raw class probabilities, columns in the order (-1, 0, 1)."""
        booster = self._check_fitted()
        out: FloatArray = np.asarray(booster.predict(np.asarray(X, dtype=np.float64)))
        return out.reshape(-1, 3)

    def predict(self, X: FloatArray) -> FloatArray:
        out: FloatArray = self.classes_[np.argmax(self.predict_proba(X), axis=1)].astype(np.float64)
        return out

    def model_string(self) -> str:
        """The LightGBM model text (what the registry stores as ``model.txt``)."""
        return str(self._check_fitted().model_to_string())

    def importances(self, columns: list[str]) -> dict[str, float]:
        """Total gain per feature, normalised to sum to 1."""
        gain = np.asarray(self._check_fitted().feature_importance("gain"), dtype=np.float64)
        tot = gain.sum()
        share = gain / tot if tot > 0 else gain
        return {c: float(v) for c, v in zip(columns, share, strict=True)}


__all__ = ["CLASSES", "QuorumClassifier", "class_weights"]
