"""Probability calibration fitted on out-of-fold predictions (never on the training fit).

One-vs-rest per class, then rows renormalised to sum to 1: isotonic regression (Zadrozny & Elkan
2002) or Platt scaling (a logistic fit on the logit of the raw probability, Platt 1999). The fitted
maps are plain arrays (isotonic knots, Platt ``a, b``), stored in the model's metadata JSON and
applied with ``np.interp`` / a sigmoid, so a single-row prediction stays in microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from tradequorum.core.bars import FloatArray
from tradequorum.core.errors import ModelError

_EPS = 1e-6


def _logit(p: FloatArray) -> FloatArray:
    q = np.clip(p, _EPS, 1 - _EPS)
    out: FloatArray = np.log(q / (1 - q))
    return out


@dataclass(frozen=True, slots=True)
class Calibrator:
    """Per-class maps from raw to calibrated probability (``method`` none|isotonic|sigmoid)."""

    method: str = "none"
    params: list[dict[str, list[float]]] = field(default_factory=list)

    def transform(self, proba: FloatArray) -> FloatArray:
        """Calibrated probabilities (rows sum to 1), columns (-1, 0, 1)."""
        p = np.asarray(proba, dtype=np.float64).reshape(-1, 3)
        if self.method == "none":
            return p
        out = np.empty_like(p)
        for k, prm in enumerate(self.params):
            if self.method == "isotonic":
                out[:, k] = np.interp(p[:, k], prm["x"], prm["y"])
            else:
                a, b = prm["ab"]
                out[:, k] = 1.0 / (1.0 + np.exp(-(a * _logit(p[:, k]) + b)))
        tot = out.sum(axis=1, keepdims=True)
        res: FloatArray = np.where(tot > 0, out / np.where(tot > 0, tot, 1.0), 1.0 / 3.0)
        return res

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "params": self.params}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibrator:
        method = str(data.get("method", "none"))
        params = list(data.get("params", []))
        if method not in {"none", "isotonic", "sigmoid"} or (method != "none" and len(params) != 3):
            raise ModelError(f"invalid calibrator in metadata: method {method!r}")
        return cls(method, params)


def fit_calibrator(proba: FloatArray, y: FloatArray, method: str) -> Calibrator:
    """Fit per-class maps on out-of-fold ``proba`` (n x 3) against labels ``y`` in {-1, 0, 1}."""
    p = np.asarray(proba, dtype=np.float64).reshape(-1, 3)
    if method == "none" or p.shape[0] < 30:
        return Calibrator("none", [])
    params: list[dict[str, list[float]]] = []
    for k, cls in enumerate((-1.0, 0.0, 1.0)):
        target = (np.asarray(y) == cls).astype(np.float64)
        if method == "isotonic":
            iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
            iso.fit(p[:, k], target)
            params.append({"x": iso.X_thresholds_.tolist(), "y": iso.y_thresholds_.tolist()})
        else:
            if target.min() == target.max():
                params.append({"ab": [1.0, 0.0]})
                continue
            lr = LogisticRegression(C=1e6)
            lr.fit(_logit(p[:, k]).reshape(-1, 1), target)
            params.append({"ab": [float(lr.coef_[0, 0]), float(lr.intercept_[0])]})
    return Calibrator(method, params)


__all__ = ["Calibrator", "fit_calibrator"]
