"""Model risk assessment for the training workflow (``state/risk/model_risk_assessment.json``).

A candidate model passes when its validation behaviour is acceptable on every count:

* **drawdown**: peak-to-trough of the validation equity curve built from per-bar returns;
* **turnover**: sum of |position change| per day (positions in units of equity);
* **calibration**: expected calibration error over 10 equal-width bins (Naeini et al. 2015) and the
  Brier score (Brier 1950) of the predicted probability of the realized class;
* **drift**: population stability index of each feature, live/recent sample vs training sample,
  over the training sample's quantile bins (Siddiqi 2006; > 0.25 is the usual "shifted"),
  **only where the recent sample is large enough to tell** (see :func:`feature_drift`);
* **concentration**: the largest share of total (absolute) feature importance.

Every count is a :class:`CheckRecord`; a count without data is reported as skipped (passed, value
None) rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict

from tradequorum.config.risk import ModelRiskConfig
from tradequorum.core.errors import DataError
from tradequorum.risk.records import CheckRecord

FloatArray = npt.NDArray[np.float64]


class ModelRiskAssessment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    model_version: str
    approved: bool
    checks: list[CheckRecord]
    reasons: list[str]
    drift_by_feature: dict[str, float]
    drift_not_assessable: dict[str, str] = {}
    created: datetime | None = None


def max_drawdown(returns: npt.ArrayLike) -> float:
    """Peak-to-trough drawdown (fraction) of the compounded equity curve of simple returns.

    >>> round(max_drawdown([0.1, -0.5, 0.2]), 6)
    0.5
    """
    r = np.asarray(returns, dtype=np.float64)
    if r.size == 0:
        return 0.0
    if not np.isfinite(r).all() or (r <= -1).any():
        raise DataError("validation returns must be finite and > -1")
    equity = np.concatenate([[1.0], np.cumprod(1.0 + r)])
    peak = np.maximum.accumulate(equity)
    return float(np.max(1.0 - equity / peak))


def daily_turnover(positions: pd.Series) -> float:
    """Mean of sum |position change| per UTC day over the days spanned (positions as equity units)."""
    if len(positions) < 2:
        return 0.0
    if not isinstance(positions.index, pd.DatetimeIndex):
        raise DataError("positions need a DatetimeIndex to measure turnover per day")
    change = positions.astype(np.float64).diff().abs().fillna(0.0)
    span_days = max((positions.index[-1] - positions.index[0]) / pd.Timedelta(days=1), 1.0)
    return float(change.sum() / span_days)


def calibration_error(
    probabilities: npt.ArrayLike, outcomes: npt.ArrayLike, *, bins: int = 10
) -> tuple[float, float]:
    """(ECE, Brier) of predicted probabilities against 0/1 outcomes.

    >>> calibration_error([0.8, 0.8, 0.2, 0.2], [1, 1, 0, 0])
    (0.2, 0.04)
    """
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(outcomes, dtype=np.float64)
    if p.shape != y.shape or p.size == 0:
        raise DataError("probabilities and outcomes must be non-empty and of equal length")
    if not (np.isfinite(p).all() and ((p >= 0) & (p <= 1)).all() and np.isin(y, (0.0, 1.0)).all()):
        raise DataError("probabilities must lie in [0, 1] and outcomes be 0 or 1")
    which = np.minimum((p * bins).astype(np.int64), bins - 1)
    ece = 0.0
    for b in range(bins):
        m = which == b
        if m.any():
            ece += abs(float(y[m].mean()) - float(p[m].mean())) * m.sum() / p.size
    brier = float(np.mean((p - y) ** 2))
    return round(float(ece), 12), round(brier, 12)


def population_stability(expected: FloatArray, actual: FloatArray, *, bins: int = 10) -> float:
    """PSI of ``actual`` against ``expected`` over ``expected``'s quantile bins (eps 1e-6)."""
    e = expected[np.isfinite(expected)]
    a = actual[np.isfinite(actual)]
    if e.size == 0 or a.size == 0:
        return float("nan")
    edges = np.unique(np.quantile(e, np.linspace(0, 1, bins + 1)[1:-1]))
    pe = np.bincount(np.searchsorted(edges, e, side="right"), minlength=edges.size + 1) / e.size
    pa = np.bincount(np.searchsorted(edges, a, side="right"), minlength=edges.size + 1) / a.size
    pe, pa = np.maximum(pe, 1e-6), np.maximum(pa, 1e-6)
    return float(np.sum((pa - pe) * np.log(pa / pe)))


def integrated_autocorr_time(x: FloatArray, *, window_c: float = 5.0) -> float:
    """Integrated autocorrelation time ``1 + 2 sum_k rho_k`` (bars, >= 1) with Sokal's automatic
    window (the first lag ``M >= window_c * tau(M)``; Sokal 1997); ``x.size`` if no window fits
    or ``x`` is constant. ``n / tau`` is the effective number of independent observations.

    >>> integrated_autocorr_time(np.array([1.0, -1.0] * 50))
    1.0
    """
    x = x[np.isfinite(x)]
    n = x.size
    d = x - x.mean()
    var = float(d @ d)
    if n < 2 or var <= 0.0:
        return float(max(n, 1))
    spec = np.fft.rfft(d, 2 * n)
    acf = np.fft.irfft(spec * np.conj(spec))[:n] / var
    taus = 2.0 * np.cumsum(acf) - 1.0
    ok = np.flatnonzero(np.arange(n) >= window_c * taus)
    if ok.size == 0:
        return float(n)
    return float(min(max(taus[ok[0]], 1.0), n))


def psi_noise_quantile(n_expected: float, n_actual: float, n_bins: int, alpha: float) -> float:
    """The ``1 - alpha`` quantile of PSI between two samples of one distribution: PSI is the
    symmetric (Jeffreys) divergence, asymptotically ``(1/n_e + 1/n_a) * chi2(n_bins - 1)`` for
    independent draws; pass effective (not raw) sizes for autocorrelated series."""
    from scipy.stats import chi2

    return float(chi2.ppf(1.0 - alpha, max(n_bins - 1, 1)) * (1.0 / n_expected + 1.0 / n_actual))


def feature_drift(
    train: pd.DataFrame, recent: pd.DataFrame, cfg: ModelRiskConfig
) -> tuple[dict[str, float], dict[str, str]]:
    """PSI per shared column where the recent sample can tell a shift from noise, and the reason
    for every column where it cannot.

    Slow features (240-bar returns, higher-timeframe values constant for hours) carry far fewer
    independent observations than rows: a 2-day recent slice of a 4h feature is a dozen values,
    which land in one or two of the reference's deciles and give a PSI of 10 on a stationary
    series. So each column's effective sizes are ``n / tau`` with ``tau`` the integrated
    autocorrelation time of the *training* sample (the null: the recent slice behaves like it),
    bins are the training sample's distinct quantiles, and the column is assessed only if the
    PSI a stationary column would exceed with chance ``cfg.psi_false_alarm / n_columns``
    (Bonferroni) stays within ``cfg.max_psi``. A recent slice that stopped moving still counts
    as drift: the sizes do not depend on the recent values.
    """
    cols = [str(c) for c in train.columns.intersection(recent.columns)]
    alpha = cfg.psi_false_alarm / max(len(cols), 1)
    psi: dict[str, float] = {}
    skipped: dict[str, str] = {}
    for col in cols:
        e = train[col].to_numpy(np.float64)
        a = recent[col].to_numpy(np.float64)
        e, a = e[np.isfinite(e)], a[np.isfinite(a)]
        if a.size == 0 or np.unique(e).size < 2:
            skipped[col] = "no recent values or fewer than 2 distinct training values"
            continue
        edges = np.unique(np.quantile(e, np.linspace(0, 1, cfg.psi_bins + 1)[1:-1]))
        tau = integrated_autocorr_time(e)
        n_e, n_a = e.size / tau, a.size / tau
        noise = psi_noise_quantile(n_e, n_a, edges.size + 1, alpha)
        if noise > cfg.max_psi:
            skipped[col] = (
                f"not assessable: ~{n_a:.0f} effective recent observations "
                f"(autocorrelation time {tau:.0f} bars); a stationary feature's PSI could reach "
                f"{noise:.3g} > {cfg.max_psi:.3g}"
            )
            continue
        psi[col] = population_stability(e, a, bins=cfg.psi_bins)
    return psi, skipped


def _gate(code: str, name: str, value: float | None, limit: float) -> CheckRecord:
    if value is None or not np.isfinite(value):
        return CheckRecord(
            code=code,
            name=name,
            value=None,
            limit=limit,
            passed=True,
            message=f"{name}: no data, skipped",
        )
    ok = value <= limit
    return CheckRecord(
        code=code,
        name=name,
        value=value,
        limit=limit,
        passed=ok,
        message=f"{name} {value:.4g} " + ("within" if ok else "exceeds") + f" {limit:.4g}",
    )


def _drift_gate(
    worst_name: str, worst: float | None, limit: float, assessed: int, skipped: Mapping[str, str]
) -> CheckRecord:
    rec = _gate("FEATURE_DRIFT", f"worst feature PSI {worst_name}".strip(), worst, limit)
    if not skipped:
        return rec
    note = f" ({assessed} features assessed, {len(skipped)} not assessable: too few effective observations)"
    if worst is None:
        note = f"feature drift: no feature assessable ({len(skipped)} with too few effective observations), skipped"
        return rec.model_copy(update={"message": note})
    return rec.model_copy(update={"message": rec.message + note})


def assess_model(
    model_version: str,
    cfg: ModelRiskConfig,
    *,
    returns: npt.ArrayLike | None = None,
    positions: pd.Series | None = None,
    probabilities: npt.ArrayLike | None = None,
    outcomes: npt.ArrayLike | None = None,
    train_features: pd.DataFrame | None = None,
    recent_features: pd.DataFrame | None = None,
    importances: Mapping[str, float] | None = None,
    now: pd.Timestamp | None = None,
) -> ModelRiskAssessment:
    """Approve or reject a candidate model; each count is a check with value and limit."""
    dd = max_drawdown(returns) if returns is not None else None
    turnover = daily_turnover(positions) if positions is not None else None
    ece = brier = None
    if probabilities is not None and outcomes is not None:
        ece, brier = calibration_error(probabilities, outcomes)
    drift: dict[str, float] = {}
    skipped: dict[str, str] = {}
    if train_features is not None and recent_features is not None:
        drift, skipped = feature_drift(train_features, recent_features, cfg)
    finite = [v for v in drift.values() if np.isfinite(v)]
    worst = max(finite) if finite else None
    top = None
    if importances:
        vals = np.abs(np.array(list(importances.values()), dtype=np.float64))
        top = float(vals.max() / vals.sum()) if vals.sum() > 0 else None
    worst_name = (
        max(drift, key=lambda k: drift[k] if np.isfinite(drift[k]) else -1) if finite else ""
    )
    checks = [
        _gate("VALIDATION_DRAWDOWN", "validation drawdown", dd, cfg.max_validation_drawdown),
        _gate("TURNOVER", "daily turnover", turnover, cfg.max_daily_turnover),
        _gate("CALIBRATION_ECE", "expected calibration error", ece, cfg.max_ece),
        _gate("CALIBRATION_BRIER", "Brier score", brier, cfg.max_brier),
        _drift_gate(worst_name, worst, cfg.max_psi, len(finite), skipped),
        _gate("CONCENTRATION", "top feature importance share", top, cfg.max_top_importance_share),
    ]
    reasons = [c.message for c in checks if not c.passed]
    return ModelRiskAssessment(
        model_version=model_version,
        approved=not reasons,
        checks=checks,
        reasons=reasons,
        drift_by_feature={k: v for k, v in drift.items() if np.isfinite(v)},
        drift_not_assessable=skipped,
        created=now.to_pydatetime() if now is not None else None,
    )


__all__ = [
    "ModelRiskAssessment",
    "assess_model",
    "calibration_error",
    "daily_turnover",
    "feature_drift",
    "integrated_autocorr_time",
    "max_drawdown",
    "population_stability",
    "psi_noise_quantile",
]
