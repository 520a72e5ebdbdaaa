"""Leakage canary: OOF accuracy is at chance on a random walk and above it with a planted signal.

Labels are 1-bar forward returns (horizon 1, dead band 0), so on an i.i.d. random walk each label
is independent of everything known at t. Conditional on the OOF predictions, each hit is then an
independent Bernoulli with probability ``P(y = pred_i)``; the expected accuracy is
``p0 = mean_i P(y = pred_i)`` and its binomial standard error ``sqrt(p0 (1 - p0) / n)``. We allow
4 standard errors (two-sided false-alarm rate ~6e-5): a leak that lets the model see the next bar
lifts accuracy by far more (the planted signal below is found at > 8 SE).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.conftest import make_bars
from tradequorum.config.ml import MlConfig
from tradequorum.features import default_registry
from tradequorum.ml.training import train_model

FEATURES = ["ret_1", "ret_5", "ret_15", "vol_15", "rsi_14", "close_pos", "tod_sin"]
CFG = MlConfig(
    label="forward_return",
    horizon_bars=1,
    forward_return_threshold=0.0,
    sample_weights=False,
    embargo_bars=0,
    n_splits=3,
    n_estimators=40,
    num_leaves=15,
    min_data_in_leaf=50,
    early_stopping_rounds=10,
    calibration="none",
)


def _oof_accuracy_z(bars: pd.DataFrame) -> tuple[float, float]:
    res = train_model(bars, default_registry(adapters=False), CFG, names=FEATURES)
    y = res.dataset.y[res.oof_rows]
    pred = np.array([-1.0, 0.0, 1.0])[np.argmax(res.oof_raw, axis=1)]
    acc = float(np.mean(pred == y))
    prior = {c: float(np.mean(y == c)) for c in (-1.0, 0.0, 1.0)}
    p0 = float(np.mean([prior[p] for p in pred]))
    se = np.sqrt(p0 * (1 - p0) / y.size)
    return acc, (acc - p0) / se


def _planted(n: int, seed: int) -> pd.DataFrame:
    """Next return = 0.35 sigma x sign(last 5-bar return) + noise: momentum a model can learn."""
    rng = np.random.default_rng(seed)
    sigma = 0.001
    r = np.zeros(n)
    noise = rng.normal(0, sigma, n)
    for t in range(6, n):
        r[t] = 0.35 * sigma * np.sign(r[t - 5 : t].sum()) + noise[t]
    close = 100.0 * np.exp(np.cumsum(r))
    open_ = np.concatenate([[100.0], close[:-1]])
    span = np.abs(rng.normal(0, sigma / 2, n)) * close
    idx = pd.date_range("2024-01-01", periods=n, freq="1min", tz="UTC")
    return pd.DataFrame(
        {
            "open": open_,
            "high": np.maximum(open_, close) + span,
            "low": np.minimum(open_, close) - span,
            "close": close,
            "volume": np.ones(n),
        },
        index=idx,
    )


def test_canary_random_walk_oof_accuracy_is_at_chance() -> None:
    acc, z = _oof_accuracy_z(make_bars(8000, seed=11, taker=False))
    assert abs(z) < 4.0, f"OOF accuracy {acc:.4f} is {z:.1f} SE from chance: leakage?"


def test_canary_planted_signal_is_found() -> None:
    acc, z = _oof_accuracy_z(_planted(8000, seed=5))
    assert z > 8.0, f"planted momentum not found: accuracy {acc:.4f}, {z:.1f} SE"


def _simulated(planted: float) -> pd.DataFrame:
    from tradequorum.data.simulator import SimulatorParams, simulate_bars

    # zero regime drifts: with planted = 0 the sign of the next return is unpredictable
    params = SimulatorParams(planted_signal=planted, drifts=(0.0, 0.0, 0.0))
    return simulate_bars(8000, seed=21, params=params)


def test_canary_simulator_without_signal_is_at_chance_and_with_signal_is_found() -> None:
    acc0, z0 = _oof_accuracy_z(_simulated(0.0))
    assert abs(z0) < 4.0, f"simulator s=0: OOF accuracy {acc0:.4f} is {z0:.1f} SE from chance"
    acc1, z1 = _oof_accuracy_z(_simulated(0.3))
    assert z1 > 6.0, f"simulator planted s=0.3 not found: accuracy {acc1:.4f}, {z1:.1f} SE"
