"""Model registry on disk: ``models/candidate_model/``, ``models/production/``,
``models/archive/<version>/`` (DESIGN §7, §8), each holding ``model.txt`` (LightGBM text) and
``metadata.json`` (version, created, features + hash, data fingerprint, label and training
configuration, CV metrics, importances, calibration, library versions).

Every change is atomic at the folder level: a new folder is written under a temporary name in
``models/`` and renamed into place (rename is atomic on one file system), so a reader sees the old
model or the new one, never half of each. Promotions and rollbacks are appended to
``models/registry_log.json`` with their reason. A loaded model refuses to predict when the live
feature registry's hash of its features differs from the one it was trained with.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from tradequorum.core.bars import FloatArray
from tradequorum.core.errors import ModelError, StateCorrupted
from tradequorum.features import FeatureRegistry
from tradequorum.ml.calibration import Calibrator
from tradequorum.state.json_store import read_json, read_model, write_json_atomic
from tradequorum.state.layout import HomeLayout

MODEL_FILE = "model.txt"
SMALL_BATCH_ROWS = 1000
META_FILE = "metadata.json"


class ModelMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    created: datetime
    symbol: str = ""
    timeframe: str = ""
    features: list[str]
    columns: list[str]
    feature_hash: str
    warmup_bars: int = Field(ge=0)
    data_fingerprint: str
    data_start: datetime | None = None
    data_end: datetime | None = None
    label: dict[str, Any]
    training: dict[str, Any]
    cv_metrics: dict[str, Any]
    importances: dict[str, float]
    stability: float | None = None
    calibration: dict[str, Any]
    validation: dict[str, Any] = Field(default_factory=dict)
    library_versions: dict[str, str]
    model_sha256: str


def library_versions() -> dict[str, str]:
    import numba
    import sklearn

    import tradequorum

    return {
        "lightgbm": lgb.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "numba": numba.__version__,
        "scikit-learn": sklearn.__version__,
        "tradequorum": getattr(tradequorum, "__version__", "0"),
    }


def model_sha256(model_text: str) -> str:
    return hashlib.sha256(model_text.encode()).hexdigest()


class LoadedModel:
    """A model read from the registry: booster, calibrator and metadata, ready to predict."""

    def __init__(self, meta: ModelMetadata, model_text: str) -> None:
        if model_sha256(model_text) != meta.model_sha256:
            raise ModelError(f"model {meta.version}: model.txt does not match its recorded hash")
        self.meta = meta
        self.model_text = model_text
        self.booster = lgb.Booster(model_str=model_text)
        self.calibrator = Calibrator.from_dict(meta.calibration)
        if self.booster.num_feature() != len(meta.columns):
            raise ModelError(f"model {meta.version}: booster and metadata disagree on features")

    @property
    def version(self) -> str:
        return self.meta.version

    def check_features(self, registry: FeatureRegistry) -> None:
        """Raise ModelError unless the live registry defines the trained features identically."""
        missing = [f for f in self.meta.features if f not in registry]
        if missing:
            raise ModelError(
                f"model {self.version} needs features {missing} that the live registry lacks"
            )
        live = registry.feature_hash(self.meta.features)
        if live != self.meta.feature_hash:
            raise ModelError(
                f"model {self.version} was trained on feature set {self.meta.feature_hash} but the "
                f"live feature set is {live} (a feature's parameters or version changed); "
                "retrain the model or restore the feature definitions"
            )

    def predict_proba(self, X: FloatArray) -> FloatArray:
        """Calibrated probabilities (n x 3, columns -1, 0, 1) from rows in ``meta.columns`` order.

        Small batches (the live single row) predict on one thread: OpenMP start-up and barriers
        on a busy 2-core machine cost milliseconds for microseconds of work. Each row's result does
        not depend on the thread count.
        """
        rows = np.asarray(X, dtype=np.float64).reshape(-1, len(self.meta.columns))
        if rows.shape[0] < SMALL_BATCH_ROWS:
            raw = np.asarray(self.booster.predict(rows, num_threads=1))
        else:
            raw = np.asarray(self.booster.predict(rows))
        return self.calibrator.transform(raw.reshape(-1, 3))


def write_model_dir(target: Path, meta: ModelMetadata, model_text: str) -> None:
    """Write ``model.txt`` + ``metadata.json`` into a temp folder next to ``target``, then rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        (tmp / MODEL_FILE).write_text(model_text, encoding="utf-8")
        write_json_atomic(tmp / META_FILE, meta)
        _swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_in(new: Path, target: Path) -> None:
    """Rename ``new`` onto ``target``; a non-empty old ``target`` is moved aside and deleted."""
    old: Path | None = None
    if target.exists() and any(target.iterdir()):
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.replace(target, old / "x")
    elif target.exists():
        target.rmdir()
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def read_model_dir(path: Path) -> LoadedModel | None:
    """The model in ``path`` (None when the folder is empty or absent)."""
    if not (path / META_FILE).exists():
        return None
    meta = read_model(path / META_FILE, ModelMetadata)
    try:
        text = (path / MODEL_FILE).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise StateCorrupted(f"{path} has metadata but no {MODEL_FILE}") from exc
    return LoadedModel(meta, text)


class ModelEntry(BaseModel):
    """One row of ``quorum model list``."""

    location: str
    version: str
    created: datetime
    feature_hash: str
    oof_balanced_accuracy: float | None = None
    validation_passed: bool | None = None


class ModelRegistry:
    """Candidate, production and archive folders of one home (``HomeLayout``)."""

    def __init__(self, layout: HomeLayout) -> None:
        self.layout = layout

    @property
    def log_path(self) -> Path:
        return self.layout.models / "registry_log.json"

    def candidate(self) -> LoadedModel | None:
        return read_model_dir(self.layout.candidate_model)

    def production(self) -> LoadedModel | None:
        return read_model_dir(self.layout.production_model)

    def archived(self, version: str) -> LoadedModel | None:
        return read_model_dir(self.layout.model_archive / version)

    def save_candidate(self, meta: ModelMetadata, model_text: str) -> Path:
        """Write (replace) the candidate atomically."""
        write_model_dir(self.layout.candidate_model, meta, model_text)
        return self.layout.candidate_model

    def _log(self, action: str, version: str, reason: str, at: datetime) -> None:
        entries: list[Any] = read_json(self.log_path) if self.log_path.exists() else []
        entries.append({"action": action, "version": version, "reason": reason, "at": at})
        write_json_atomic(self.log_path, entries[-500:])

    def _archive_production(self) -> str | None:
        prod = self.production()
        if prod is None:
            return None
        dest = self.layout.model_archive / prod.version
        if dest.exists() and any(dest.iterdir()):
            shutil.rmtree(self.layout.production_model)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.exists():
                dest.rmdir()
            os.replace(self.layout.production_model, dest)
        return prod.version

    def _install(self, source: Path) -> None:
        """Copy ``source`` to a temp folder, archive the production model, rename the copy in."""
        models = self.layout.models
        tmp = Path(tempfile.mkdtemp(prefix=".production.", dir=models))
        shutil.copytree(source, tmp, dirs_exist_ok=True)
        self._archive_production()
        _swap_in(tmp, self.layout.production_model)

    def promote(self, *, reason: str, at: datetime) -> str:
        """Candidate -> production (the old production goes to the archive). Returns the version."""
        cand = self.candidate()
        if cand is None:
            raise ModelError("no candidate model to promote; run `quorum train` first")
        self._install(self.layout.candidate_model)
        shutil.rmtree(self.layout.candidate_model)
        self.layout.candidate_model.mkdir(parents=True, exist_ok=True)
        self._log("promote", cand.version, reason, at)
        return cand.version

    def rollback(self, *, version: str | None = None, reason: str, at: datetime) -> str:
        """Put an archived model (default: the newest other than production) back in production."""
        prod = self.production()
        current = prod.version if prod is not None else None
        choices = [e for e in self.list() if e.location == "archive" and e.version != current]
        if version is not None:
            choices = [e for e in choices if e.version == version]
        if not choices:
            raise ModelError(
                f"no archived model {version or ''} to roll back to".replace("  ", " ")
            )
        target = max(choices, key=lambda e: e.created).version
        self._install(self.layout.model_archive / target)
        self._log("rollback", target, reason, at)
        return target

    def list(self) -> list[ModelEntry]:
        """Candidate, production and every archived model."""
        places = [
            ("candidate", self.layout.candidate_model),
            ("production", self.layout.production_model),
        ]
        if self.layout.model_archive.exists():
            places += [
                ("archive", p) for p in sorted(self.layout.model_archive.iterdir()) if p.is_dir()
            ]
        out = []
        for where, path in places:
            m = read_model_dir(path)
            if m is None:
                continue
            oof = m.meta.cv_metrics.get("oof", {})
            out.append(
                ModelEntry(
                    location=where,
                    version=m.version,
                    created=m.meta.created,
                    feature_hash=m.meta.feature_hash,
                    oof_balanced_accuracy=oof.get("balanced_accuracy"),
                    validation_passed=m.meta.validation.get("passed"),
                )
            )
        return out


class ProductionModelCache:
    """The production model of a home, re-read only when its files change.

    Held by an agent instance (no module state). The key is the folder path plus identity
    (inode), modification time (ns) and size of ``metadata.json`` and ``model.txt``: a promotion
    or rollback renames a new folder into place (new version, new files), so the key changes and
    the next call reloads. One ``os.stat`` pair per call instead of parsing the booster.
    """

    def __init__(self) -> None:
        self._key: tuple[object, ...] | None = None
        self._model: LoadedModel | None = None

    def production(self, layout: HomeLayout) -> LoadedModel | None:
        path = layout.production_model
        try:
            meta, text = (path / META_FILE).stat(), (path / MODEL_FILE).stat()
        except FileNotFoundError:
            self._key, self._model = None, None
            return read_model_dir(path)  # None, or StateCorrupted for metadata without a model
        key: tuple[object, ...] = (str(path), meta.st_ino, meta.st_mtime_ns, meta.st_size)
        key += (text.st_ino, text.st_mtime_ns, text.st_size)
        if key != self._key or self._model is None:
            self._model = read_model_dir(path)
            self._key = key
        return self._model


__all__ = [
    "META_FILE",
    "MODEL_FILE",
    "LoadedModel",
    "ModelEntry",
    "ModelMetadata",
    "ModelRegistry",
    "ProductionModelCache",
    "library_versions",
    "model_sha256",
    "read_model_dir",
    "write_model_dir",
]
