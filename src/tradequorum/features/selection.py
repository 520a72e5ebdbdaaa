"""Feature selection with a written reason for every feature kept or dropped.

1. **constant**: no variation over the labelled rows (all NaN, or one value);
2. **duplicate**: bit-identical to a feature earlier in registration order;
3. **correlated**: ``|Pearson r| > corr_threshold`` with a feature already kept (the earlier one
   stays, so the choice is deterministic);
4. **permutation importance on purged CV** (Breiman 2001; AFML §8.4.1, whose point is that the
   importance must be out-of-sample): for each purged fold, the model is fitted on the training
   part, and each feature's test column is shuffled; importance = mean increase in log loss.
   Features with importance ``<= min_importance`` are dropped.

Pure: the estimator and the folds are passed in; randomness comes from the given Generator.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel
from sklearn.base import clone
from sklearn.metrics import log_loss

from tradequorum.core.bars import FloatArray


class FeatureDecision(BaseModel):
    column: str
    kept: bool
    reason: str
    value: float | None = None
    other: str | None = None


class SelectionReport(BaseModel):
    kept: list[str]
    decisions: list[FeatureDecision]
    corr_threshold: float
    min_importance: float

    def dropped(self) -> list[FeatureDecision]:
        return [d for d in self.decisions if not d.kept]


def redundancy_filter(
    X: pd.DataFrame, *, corr_threshold: float, max_rows: int = 50_000
) -> tuple[list[str], list[FeatureDecision]]:
    """Drop constant, duplicate and highly correlated columns (earlier columns win)."""
    sample = X.iloc[-max_rows:]
    values = sample.to_numpy(dtype=np.float64)
    kept: list[int] = []
    decisions: list[FeatureDecision] = []
    seen: dict[bytes, str] = {}
    filled = _mean_filled(values)
    for j, col in enumerate(sample.columns):
        x = values[:, j]
        finite = x[np.isfinite(x)]
        if finite.size == 0 or np.ptp(finite) == 0:
            decisions.append(FeatureDecision(column=col, kept=False, reason="constant"))
            continue
        key = x.tobytes()
        if key in seen:
            decisions.append(
                FeatureDecision(column=col, kept=False, reason="duplicate", other=seen[key])
            )
            continue
        seen[key] = col
        best, other = 0.0, None
        for i in kept:
            r = _corr(filled[:, j], filled[:, i])
            if abs(r) > abs(best):
                best, other = r, str(sample.columns[i])
        if abs(best) > corr_threshold:
            decisions.append(
                FeatureDecision(
                    column=col, kept=False, reason="correlated", value=best, other=other
                )
            )
            continue
        kept.append(j)
        decisions.append(
            FeatureDecision(column=col, kept=True, reason="not redundant", value=best, other=other)
        )
    return [str(sample.columns[i]) for i in kept], decisions


def _mean_filled(values: FloatArray) -> FloatArray:
    """Non-finite cells replaced by their column's finite mean (0 for an all-NaN column)."""
    ok = np.isfinite(values)
    cnt = ok.sum(axis=0)
    tot = np.where(ok, values, 0.0).sum(axis=0)
    means = np.divide(tot, cnt, out=np.zeros_like(tot), where=cnt > 0)
    out: FloatArray = np.where(ok, values, means)
    return out


def _corr(a: FloatArray, b: FloatArray) -> float:
    sa, sb = a.std(), b.std()
    if sa == 0 or sb == 0 or not np.isfinite(sa * sb):
        return 0.0
    return float(np.mean((a - a.mean()) * (b - b.mean())) / (sa * sb))


def permutation_importance_cv(
    X: FloatArray,
    y: FloatArray,
    weight: FloatArray,
    folds: Sequence[Any],
    estimator: Any,
    *,
    repeats: int,
    rng: np.random.Generator,
    fit: Callable[[Any, FloatArray, Any], Any] | None = None,
) -> FloatArray:
    """Mean increase of test log loss when each column is shuffled, over purged folds."""
    imp = np.zeros(X.shape[1])
    for f in folds:
        model = fit(clone(estimator), X, f) if fit else clone(estimator).fit(X[f.train], y[f.train])
        Xt, yt = X[f.test].copy(), y[f.test]
        labels = list(getattr(model, "classes_", [-1.0, 0.0, 1.0]))
        base = log_loss(yt, model.predict_proba(Xt), labels=labels)
        for j in range(X.shape[1]):
            orig = Xt[:, j].copy()
            for _ in range(repeats):
                Xt[:, j] = orig[rng.permutation(orig.size)]
                imp[j] += log_loss(yt, model.predict_proba(Xt), labels=labels) - base
            Xt[:, j] = orig
    out: FloatArray = imp / max(1, len(folds) * repeats)
    return out


def select_features(
    X: pd.DataFrame,
    y: FloatArray,
    weight: FloatArray,
    folds: Sequence[Any],
    estimator: Any,
    *,
    corr_threshold: float,
    repeats: int,
    rng: np.random.Generator,
    min_importance: float = 0.0,
    fit: Callable[[Any, FloatArray, Any], Any] | None = None,
) -> SelectionReport:
    """Redundancy filter, then permutation importance on the purged folds; every decision has a reason."""
    kept, decisions = redundancy_filter(X, corr_threshold=corr_threshold)
    Xk = np.ascontiguousarray(X[kept].to_numpy(dtype=np.float64))
    imp = permutation_importance_cv(
        Xk, y, weight, folds, estimator, repeats=repeats, rng=rng, fit=fit
    )
    final: list[str] = []
    by_col = {d.column: d for d in decisions}
    for c, v in zip(kept, imp, strict=True):
        keep = bool(v > min_importance)
        reason = "permutation importance > threshold" if keep else "no out-of-sample importance"
        by_col[c] = FeatureDecision(column=c, kept=keep, reason=reason, value=float(v))
        if keep:
            final.append(c)
    return SelectionReport(
        kept=final,
        decisions=[by_col[c] for c in X.columns],
        corr_threshold=corr_threshold,
        min_importance=min_importance,
    )


__all__ = [
    "FeatureDecision",
    "SelectionReport",
    "permutation_importance_cv",
    "redundancy_filter",
    "select_features",
]
