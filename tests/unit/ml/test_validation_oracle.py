"""The OOF validation backtest trades like the label: an oracle must win, its negation must lose.

The oracle feeds the validation the TRUE triple-barrier labels as out-of-fold "probabilities"
(one-hot): every trade must then reach its target at the label's own barrier bar and level; fed
the negated labels (no calibration, which would otherwise learn the negation away) every trade
must be stopped. This pins the class order (-1, 0, 1) -> direction, the timing (row t trades at
open t+1), the barrier levels (same width and bar as the label), the vertical barrier and the
"one trade at a time, held to its barrier" rule (before the fix, opposite signals flipped the
oracle's positions early: 94 of its 177 trades closed before their barrier, net return ~0).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from tradequorum.backtest import EngineSettings, run_backtest
from tradequorum.config.ml import MlConfig
from tradequorum.data.simulator import SimulatorParams, simulate_bars
from tradequorum.features import default_registry
from tradequorum.ml.labels import make_labels
from tradequorum.ml.training import TrainingResult, train_model
from tradequorum.ml.validation import ValidationOutcome, barrier_plan, validate_candidate

FEATURES = ["ret_5", "ret_60", "vol_60", "taker_imbalance_30"]
CFG = MlConfig(
    n_splits=3, n_estimators=20, num_leaves=8, min_data_in_leaf=50, early_stopping_rounds=5
)
NO_COST = EngineSettings(fee_bps=0.0, slippage_bps=0.0)


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    params = SimulatorParams(flow_drift=0.2, flow_taker_share=0.3)
    return simulate_bars(3 * 1440, seed=7, params=params)


@pytest.fixture(scope="module")
def result(bars: pd.DataFrame) -> TrainingResult:
    return train_model(bars, default_registry(adapters=False), CFG, names=FEATURES)


def _with_oof(result: TrainingResult, proba: np.ndarray) -> TrainingResult:
    return dataclasses.replace(result, oof_raw=np.ascontiguousarray(proba))


def _oracle(result: TrainingResult, *, negate: bool = False) -> TrainingResult:
    y = result.dataset.y[result.oof_rows]
    onehot = np.eye(3)[(y + 1).astype(np.int64)]
    return _with_oof(result, onehot[:, ::-1] if negate else onehot)


def _validate(
    bars: pd.DataFrame, res: TrainingResult, cfg: MlConfig, eng: EngineSettings
) -> ValidationOutcome:
    return validate_candidate(bars, res, cfg, eng, timeframe="1m")


def _first(result: TrainingResult) -> int:
    return int(result.dataset.t0[result.oof_rows][result.oof_fold > 0].min())


def test_validation_oracle_labels_without_costs_hit_every_target(
    bars: pd.DataFrame, result: TrainingResult
) -> None:
    out = _validate(bars, _oracle(result), CFG, NO_COST)
    assert out.backtest is not None
    tr = out.backtest.trades
    assert len(tr) > 50
    assert set(tr["reason"]) == {"target"}
    assert (tr["pnl"] > 0).all()


def test_validation_oracle_labels_with_costs_make_money(
    bars: pd.DataFrame, result: TrainingResult
) -> None:
    eng = EngineSettings()
    out = _validate(bars, _oracle(result), CFG, eng)
    assert out.backtest is not None
    tr = out.backtest.trades
    lab = make_labels(bars, CFG)
    t = tr["entry_bar"].to_numpy() + _first(result) - 1
    d, w = lab.y[t], lab.width[t]
    f, s = eng.fee_bps * 1e-4, eng.slippage_bps * 1e-4
    # entry at open*(1 + d*s), exit at the target open*exp(d*w) (a limit: no slippage), fees
    # on both notionals: the net return is ~ width - 22 bps, whatever the model
    g = np.exp(d * w) / (1.0 + d * s)
    expected = d * (g - 1.0) - f - f * g
    np.testing.assert_allclose(tr["return"].to_numpy(), expected, rtol=1e-9, atol=1e-12)
    cost = 2 * f + s
    assert (tr["pnl"][w > cost + 1e-4] > 0).all() and (tr["pnl"][w < cost - 1e-4] < 0).all()
    assert (tr["pnl"] > 0).mean() > 0.7
    assert out.backtest.equity[-1] > out.backtest.initial_equity
    assert out.report.metrics["sharpe"] > 10.0


def test_validation_negated_labels_are_stopped_every_time(
    bars: pd.DataFrame, result: TrainingResult
) -> None:
    cfg = CFG.model_copy(update={"calibration": "none"})  # isotonic would undo the negation
    out = _validate(bars, _oracle(result, negate=True), cfg, NO_COST)
    assert out.backtest is not None
    tr = out.backtest.trades
    assert len(tr) > 50
    assert set(tr["reason"]) == {"stop"}
    assert out.backtest.equity[-1] < out.backtest.initial_equity
    assert out.report.metrics["sharpe"] < 0.0


def test_validation_oracle_trade_exits_at_the_labels_barrier_bar_and_level(
    bars: pd.DataFrame, result: TrainingResult
) -> None:
    out = _validate(bars, _oracle(result), CFG, NO_COST)
    assert out.backtest is not None
    lab = make_labels(bars, CFG)
    first = _first(result)
    tr = out.backtest.trades
    t = tr["entry_bar"].to_numpy() + first - 1  # the signal row (decided at its close)
    open_ = bars["open"].to_numpy()
    np.testing.assert_array_equal(tr["exit_bar"].to_numpy() + first, lab.t1[t])
    np.testing.assert_array_equal(tr["direction"].to_numpy(), lab.y[t])
    level = open_[t + 1] * np.exp(lab.y[t] * lab.width[t])  # the label's barrier
    np.testing.assert_allclose(tr["exit_price"].to_numpy(), level, rtol=1e-12)
    np.testing.assert_allclose(tr["entry_price"].to_numpy(), open_[t + 1], rtol=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_barrier_plan_random_signals_engine_trades_one_at_a_time_within_horizon(
    seed: int,
) -> None:
    bars = simulate_bars(3000, seed=seed)
    h = 30
    rng = np.random.default_rng(seed)
    close = bars["close"].to_numpy()
    d = rng.choice([-1.0, 0.0, 1.0], size=len(bars), p=[0.05, 0.9, 0.05])
    w = np.full(len(bars), 0.003)
    sig = pd.DataFrame(
        {"direction": d, "stop": close * np.exp(-d * w), "target": close * np.exp(d * w)},
        index=bars.index,
    )
    sig.loc[sig["direction"] == 0.0, ["stop", "target"]] = np.nan
    plan = barrier_plan(bars, sig, h)
    sig["direction"] = plan
    tr = run_backtest(bars, sig, EngineSettings()).trades
    entries = np.flatnonzero(np.abs(plan) == 1.0)
    np.testing.assert_array_equal(tr["entry_bar"].to_numpy(), entries + 1)
    np.testing.assert_array_equal(tr["direction"].to_numpy(), plan[entries])
    held = tr["exit_bar"].to_numpy() - tr["entry_bar"].to_numpy()
    assert (held <= h).all() and (held >= 0).all()
    assert (tr["entry_bar"].to_numpy()[1:] > tr["exit_bar"].to_numpy()[:-1]).all()
    vertical = tr["reason"] == "signal"
    assert (held[vertical.to_numpy()] == h).all()
    assert set(tr["reason"]) <= {"stop", "target", "signal", "open"}
