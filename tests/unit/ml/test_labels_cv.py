"""Labels (triple barrier, forward return, uniqueness) and purged CV (no horizon overlap)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import load_shared_bars, make_bars
from tradequorum.config.ml import MlConfig
from tradequorum.core.causality import audit_lookahead
from tradequorum.ml.cv import inner_split, purged_kfold, purged_walk_forward
from tradequorum.ml.labels import (
    average_uniqueness,
    barrier_width,
    forward_return_labels,
    triple_barrier_labels,
)


def _bars(opens: list[float], highs: list[float], lows: list[float]) -> pd.DataFrame:
    n = len(opens)
    idx = pd.date_range("2024-01-01", periods=n, freq="1min", tz="UTC")
    c = np.array(opens, dtype=np.float64)
    return pd.DataFrame(
        {
            "open": c,
            "high": np.array(highs),
            "low": np.array(lows),
            "close": c,
            "volume": np.ones(n),
        },
        index=idx,
    )


def test_triple_barrier_upper_hit_first_labels_long_with_hit_bar() -> None:
    bars = make_bars(400, seed=1)
    cfg = MlConfig(horizon_bars=10, vol_window_bars=20, barrier_multiple=1.0)
    lab = triple_barrier_labels(bars, cfg)
    t = 200
    entry, w = bars["open"].iat[t + 1], lab.width[t]
    hi, lo = bars["high"].to_numpy(), bars["low"].to_numpy()
    for j in range(t + 1, t + 11):
        up, dn = hi[j] >= entry * np.exp(w), lo[j] <= entry * np.exp(-w)
        if up or dn:
            assert lab.t1[t] == j
            assert lab.y[t] == (0.0 if up and dn else (1.0 if up else -1.0))
            break
    else:
        assert lab.t1[t] == t + 10 and lab.y[t] == 0.0


def test_triple_barrier_tail_without_hit_is_unknown() -> None:
    bars = make_bars(300, seed=2)
    cfg = MlConfig(horizon_bars=20, vol_window_bars=20, barrier_multiple=50.0)
    lab = triple_barrier_labels(bars, cfg)
    assert np.isnan(lab.y[-20:]).all()
    assert (lab.y[20:-20] == 0.0).all() and (lab.t1[20:-20] == np.arange(40, 300)).all()
    assert np.isnan(lab.y[:20]).all()


def test_forward_return_labels_threshold_band_is_flat() -> None:
    bars = make_bars(200, seed=3)
    cfg = MlConfig(label="forward_return", horizon_bars=5, forward_return_threshold=0.001)
    lab = forward_return_labels(bars, cfg)
    r = np.log(bars["close"].to_numpy()[5:] / bars["open"].to_numpy()[1:196])
    exp = np.where(r > 0.001, 1.0, np.where(r < -0.001, -1.0, 0.0))
    assert np.array_equal(lab.y[:195], exp) and np.isnan(lab.y[195:]).all()


def test_barrier_width_on_real_data_is_causal() -> None:
    bars = load_shared_bars("binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv")
    cfg = MlConfig(vol_window_bars=50)
    fn = lambda b: pd.Series(barrier_width(b, cfg), index=b.index)  # noqa: E731
    audit_lookahead(fn, bars, n_points=10).raise_if_failed()


def test_average_uniqueness_non_overlapping_is_one_and_overlap_halves() -> None:
    t0 = np.array([0, 2, 4], dtype=np.int64)
    t1 = np.array([2, 4, 6], dtype=np.int64)  # horizons [1,2] [3,4] [5,6]
    assert np.allclose(average_uniqueness(t0, t1, 8), 1.0)
    t0b = np.array([0, 0], dtype=np.int64)
    t1b = np.array([3, 3], dtype=np.int64)
    assert np.allclose(average_uniqueness(t0b, t1b, 8), 0.5)


def _assert_purged(t0: np.ndarray, t1: np.ndarray, folds: list, embargo: int, kind: str) -> None:
    for f in folds:
        assert np.intersect1d(f.train, f.test).size == 0
        lo, hi = t0[f.test[0]], t1[f.test].max()
        tr0, tr1 = t0[f.train], t1[f.train]
        overlaps = (tr0 <= hi) & (tr1 >= lo)
        assert not overlaps.any(), "a training label horizon overlaps the test span"
        if kind == "kfold":
            after = tr0 > hi
            assert (tr0[after] > hi + embargo).all()
        else:
            assert (tr1 + embargo < lo).all()


@given(
    n=st.integers(60, 400),
    h=st.integers(1, 30),
    embargo=st.integers(0, 20),
    k=st.integers(2, 5),
    seed=st.integers(0, 1000),
)
def test_purged_cv_random_horizons_no_train_overlaps_test(
    n: int, h: int, embargo: int, k: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    t0 = np.arange(n, dtype=np.int64) * 2
    t1 = t0 + rng.integers(0, 2 * h + 1, n)
    _assert_purged(t0, t1, purged_kfold(t0, t1, n_splits=k, embargo_bars=embargo), embargo, "kfold")
    wf = purged_walk_forward(t0, t1, n_splits=k, embargo_bars=embargo)
    _assert_purged(t0, t1, wf, embargo, "walk_forward")
    for f in wf:
        assert f.train.max() < f.test.min()


def test_purged_kfold_without_purging_would_overlap() -> None:
    t0 = np.arange(100, dtype=np.int64)
    t1 = t0 + 10
    folds = purged_kfold(t0, t1, n_splits=4, embargo_bars=5)
    f = folds[1]  # test 25..49 spans bars 25..59
    assert 20 not in f.train and 14 in f.train  # 15..24 purged (horizon reaches 25)
    assert 60 not in f.train and 64 not in f.train and 65 in f.train  # embargo 60..64


def test_inner_split_validation_is_last_fraction_and_purged() -> None:
    t0 = np.arange(100, dtype=np.int64)
    fit, val = inner_split(t0, t0 + 5, 0.2)
    assert val[0] == 80 and fit.max() == 74


def test_triple_barrier_hand_made_paths_give_expected_labels() -> None:
    # flat 100 for the vol window, then: bar 21 up-hit, bar 31 both-hit, bar 41 nothing
    n = 60
    o = [100.0 + 0.01 * (i % 2) for i in range(n)]  # sigma ~ 1e-4 per bar
    hi = [x + 0.001 for x in o]
    lo = [x - 0.001 for x in o]
    hi[22], lo[32], hi[32] = 101.0, 99.0, 101.0
    bars = _bars(o, hi, lo)
    cfg = MlConfig(horizon_bars=3, vol_window_bars=10, barrier_multiple=1.0)
    lab = triple_barrier_labels(bars, cfg)
    assert 1e-4 < lab.width[20] < 3e-4  # 1.0 x sigma x sqrt(3)
    assert (lab.y[20], lab.t1[20]) == (1.0, 22)  # enters at open[21], high[22] crosses
    assert (lab.y[30], lab.t1[30]) == (0.0, 32)  # both barriers inside bar 32: unknown order
    assert (lab.y[40], lab.t1[40]) == (0.0, 43)  # vertical barrier


def test_triple_barrier_zero_volatility_gives_no_label() -> None:
    bars = _bars([100.0] * 40, [100.0] * 40, [100.0] * 40)
    lab = triple_barrier_labels(bars, MlConfig(horizon_bars=3, vol_window_bars=10))
    assert np.isnan(lab.y).all()
