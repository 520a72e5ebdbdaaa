"""Bounded hyper-parameter search with Optuna; the objective is the purged-CV log loss.

Bounded twice: ``n_trials`` and ``timeout_s``. The sampler is seeded (TPE, ``seed``), so the same
data and budget give the same trials. The number of trials actually run is returned: it is what a
deflated Sharpe ratio must deflate by (DESIGN §7).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import optuna

from tradequorum.config.ml import MlConfig
from tradequorum.ml.cv import make_folds
from tradequorum.ml.model import QuorumClassifier
from tradequorum.ml.training import Dataset, cross_validate

SEARCH_SPACE: dict[str, tuple[str, float, float]] = {
    "learning_rate": ("log", 0.01, 0.2),
    "num_leaves": ("int", 7, 63),
    "min_data_in_leaf": ("int", 20, 500),
    "feature_fraction": ("float", 0.4, 1.0),
    "lambda_l2": ("log", 1e-3, 10.0),
}


@dataclass(frozen=True, slots=True)
class TuningResult:
    best_params: dict[str, Any]
    best_log_loss: float
    n_trials: int


def _suggest(trial: optuna.Trial) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (kind, lo, hi) in SEARCH_SPACE.items():
        if kind == "int":
            out[name] = trial.suggest_int(name, int(lo), int(hi))
        else:
            out[name] = trial.suggest_float(name, lo, hi, log=kind == "log")
    return out


def tune_hyperparameters(
    ds: Dataset, cfg: MlConfig, *, n_trials: int, timeout_s: float | None = None
) -> TuningResult:
    """Search :data:`SEARCH_SPACE`; each trial's score is the mean OOF log loss of purged CV."""
    folds = make_folds(
        ds.t0, ds.t1, kind=cfg.cv, n_splits=cfg.n_splits, embargo_bars=cfg.embargo_bars
    )

    def objective(trial: optuna.Trial) -> float:
        est = QuorumClassifier.from_config(cfg, **_suggest(trial))
        _, _, metrics, _ = cross_validate(ds, est, cfg, folds)
        return float(np.mean([m["log_loss"] for m in metrics]))

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="minimize", sampler=optuna.samplers.TPESampler(seed=cfg.seed)
    )
    study.optimize(objective, n_trials=n_trials, timeout=timeout_s)
    return TuningResult(dict(study.best_params), float(study.best_value), len(study.trials))


__all__ = ["SEARCH_SPACE", "TuningResult", "tune_hyperparameters"]
