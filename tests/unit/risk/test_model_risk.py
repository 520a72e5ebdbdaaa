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
    max_drawdown,
    population_stability,
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
