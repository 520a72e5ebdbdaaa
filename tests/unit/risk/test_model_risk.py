from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradequorum.config.risk import ModelRiskConfig
from tradequorum.core.errors import DataError
from tradequorum.risk.model_risk import (
    assess_model,
    calibration_error,
    daily_turnover,
    feature_drift,
    integrated_autocorr_time,
    max_drawdown,
    population_stability,
    psi_noise_quantile,
)

CFG = ModelRiskConfig()


def test_population_stability_same_distribution_is_near_zero_shift_is_large() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, 20_000)
    assert population_stability(a, rng.normal(0, 1, 20_000)) < 0.01
    assert population_stability(a, rng.normal(1.0, 1, 20_000)) > 0.25


def test_daily_turnover_counts_position_changes_per_day() -> None:
    idx = pd.date_range("2024-01-01", periods=3, freq="12h", tz="UTC")
    assert daily_turnover(pd.Series([0.0, 1.0, -1.0], index=idx)) == pytest.approx(3.0)


def test_calibration_error_rejects_bad_probabilities() -> None:
    with pytest.raises(DataError, match="probabilities"):
        calibration_error([1.2], [1])


def test_assess_model_good_candidate_is_approved() -> None:
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 1, 5000)
    y = (rng.uniform(0, 1, 5000) < p).astype(float)
    feats = pd.DataFrame({"f1": rng.normal(size=3000), "f2": rng.normal(size=3000)})
    res = assess_model(
        "v1",
        CFG,
        returns=rng.normal(0.0005, 0.005, 1000),
        probabilities=p,
        outcomes=y,
        train_features=feats,
        recent_features=feats.sample(frac=0.5, random_state=0),
        importances={"f1": 0.4, "f2": 0.35, "f3": 0.25},
    )
    assert res.approved, res.reasons
    assert max_drawdown([0.1, -0.5, 0.2]) == pytest.approx(0.5)


def test_assess_model_drift_and_concentration_are_rejected_with_reasons() -> None:
    rng = np.random.default_rng(2)
    train = pd.DataFrame({"f1": rng.normal(size=3000)})
    recent = pd.DataFrame({"f1": rng.normal(2.0, 1.0, size=3000)})
    res = assess_model(
        "v2", CFG, train_features=train, recent_features=recent, importances={"f1": 9, "f2": 1}
    )
    assert not res.approved
    codes = {c.code for c in res.checks if not c.passed}
    assert codes == {"FEATURE_DRIFT", "CONCENTRATION"}
    assert any("PSI f1" in r for r in res.reasons)


def test_assess_model_without_data_skips_counts() -> None:
    res = assess_model("v3", CFG)
    assert res.approved and all(c.value is None for c in res.checks)


def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    from scipy.signal import lfilter

    eta = rng.normal(size=n)
    eta[0] /= np.sqrt(1 - phi * phi)
    return np.asarray(lfilter([np.sqrt(1 - phi * phi)], [1.0, -phi], eta))


def _split(x: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    cut = int(x.size * 0.8)  # the model-trainer's 80/20 split
    return pd.DataFrame({"f": x[:cut]}), pd.DataFrame({"f": x[cut:]})


def test_integrated_autocorr_time_iid_near_one_ar1_near_theory() -> None:
    rng = np.random.default_rng(3)
    assert integrated_autocorr_time(rng.normal(size=20_000)) == pytest.approx(1.0, abs=0.2)
    # AR(1): tau = (1 + phi) / (1 - phi) = 19 for phi = 0.9
    assert integrated_autocorr_time(_ar1(rng, 50_000, 0.9)) == pytest.approx(19.0, rel=0.2)


def test_feature_drift_stationary_slow_feature_is_not_flagged() -> None:
    rng = np.random.default_rng(4)
    slow = _ar1(rng, 6000, 0.995)  # a 240-bar-return-like feature: ~400-bar memory
    htf = np.repeat(rng.normal(size=25), 240)  # a 4h feature on 1m bars: constant per HTF bar
    for x in (slow, htf):
        res = assess_model("v", CFG, train_features=_split(x)[0], recent_features=_split(x)[1])
        assert res.approved, res.reasons
        assert "f" in res.drift_not_assessable and "f" not in res.drift_by_feature
        assert "no feature assessable" in res.checks[4].message


def test_feature_drift_shifted_feature_is_caught_even_if_autocorrelated() -> None:
    rng = np.random.default_rng(5)
    for phi in (0.0, 0.8):
        x = _ar1(rng, 25_000, phi)
        x[20_000:] += 1.5  # a real shift of the recent slice
        res = assess_model("v", CFG, train_features=_split(x)[0], recent_features=_split(x)[1])
        assert not res.approved and res.drift_by_feature["f"] > CFG.max_psi
    x = rng.normal(size=25_000)
    x[20_000:] = 0.3  # a feature that stopped moving is drift, not "too few observations"
    res = assess_model("v", CFG, train_features=_split(x)[0], recent_features=_split(x)[1])
    assert not res.approved and "f" in res.drift_by_feature


def test_feature_drift_stationary_iid_feature_is_assessed_and_passes() -> None:
    rng = np.random.default_rng(6)
    train, recent = _split(rng.normal(size=8000))
    psi, skipped = feature_drift(train, recent, CFG)
    assert not skipped and psi["f"] < psi_noise_quantile(6400, 1600, 10, 0.01) < CFG.max_psi
