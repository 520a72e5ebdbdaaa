"""Labels (triple barrier), purged CV, deterministic LightGBM, calibration, model registry, signals."""

from __future__ import annotations

from tradequorum.ml.artifact import build_artifact, label_config
from tradequorum.ml.calibration import Calibrator, fit_calibrator
from tradequorum.ml.cv import Fold, inner_split, make_folds, purged_kfold, purged_walk_forward
from tradequorum.ml.labels import (
    Labels,
    average_uniqueness,
    barrier_width,
    forward_return_labels,
    make_labels,
    triple_barrier_labels,
)
from tradequorum.ml.model import CLASSES, QuorumClassifier, class_weights
from tradequorum.ml.registry import (
    LoadedModel,
    ModelEntry,
    ModelMetadata,
    ModelRegistry,
    read_model_dir,
)
from tradequorum.ml.signals import SOURCE, compute_signal_frame, latest_signal
from tradequorum.ml.training import (
    Dataset,
    TrainingResult,
    cross_validate,
    prepare_dataset,
    train_model,
)

__all__ = [
    "CLASSES",
    "SOURCE",
    "Calibrator",
    "Dataset",
    "Fold",
    "Labels",
    "LoadedModel",
    "ModelEntry",
    "ModelMetadata",
    "ModelRegistry",
    "QuorumClassifier",
    "TrainingResult",
    "average_uniqueness",
    "barrier_width",
    "build_artifact",
    "class_weights",
    "compute_signal_frame",
    "cross_validate",
    "fit_calibrator",
    "forward_return_labels",
    "inner_split",
    "label_config",
    "latest_signal",
    "make_folds",
    "make_labels",
    "prepare_dataset",
    "purged_kfold",
    "purged_walk_forward",
    "read_model_dir",
    "train_model",
    "triple_barrier_labels",
]
