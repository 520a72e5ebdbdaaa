"""Turn a training result into the registry's artifact: ``model.txt`` text + :class:`ModelMetadata`."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tradequorum.config.ml import MlConfig
from tradequorum.ml.registry import ModelMetadata, library_versions, model_sha256
from tradequorum.ml.training import TrainingResult

LABEL_KEYS = (
    "label",
    "horizon_bars",
    "barrier_multiple",
    "vol_window_bars",
    "forward_return_threshold",
    "sample_weights",
)


def label_config(cfg: MlConfig) -> dict[str, Any]:
    """The label part of the configuration (what a signal needs to rebuild barrier levels)."""
    return {k: getattr(cfg, k) for k in LABEL_KEYS}


def build_artifact(
    result: TrainingResult,
    cfg: MlConfig,
    *,
    created: pd.Timestamp,
    symbol: str = "",
    timeframe: str = "",
    validation: dict[str, Any] | None = None,
) -> tuple[ModelMetadata, str]:
    """Metadata + model text; the version is ``v<created:%Y%m%d%H%M%S>-<sha8 of the model>``."""
    text = result.model.model_string()
    sha = model_sha256(text)
    ds = result.dataset
    training = {
        **result.model.get_params(),
        "cv": cfg.cv,
        "n_splits": cfg.n_splits,
        "embargo_bars": cfg.embargo_bars,
        "calibration": cfg.calibration,
        "best_iteration": result.model.best_iteration_,
    }
    meta = ModelMetadata(
        version=f"v{created.tz_convert('UTC'):%Y%m%d%H%M%S}-{sha[:8]}",
        created=created.to_pydatetime(),
        symbol=symbol,
        timeframe=timeframe,
        features=list(ds.features.features),
        columns=list(ds.columns),
        feature_hash=ds.features.feature_hash,
        warmup_bars=ds.features.warmup_bars,
        data_fingerprint=ds.data_fingerprint,
        data_start=ds.index[0].to_pydatetime() if len(ds.index) else None,
        data_end=ds.index[-1].to_pydatetime() if len(ds.index) else None,
        label=label_config(cfg),
        training=training,
        cv_metrics=result.cv_metrics,
        importances=result.importances,
        stability=None if result.stability != result.stability else result.stability,
        calibration=result.calibrator.to_dict(),
        validation=validation or {},
        library_versions=library_versions(),
        model_sha256=sha,
    )
    return meta, text


__all__ = ["LABEL_KEYS", "build_artifact", "label_config"]
