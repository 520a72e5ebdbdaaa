"""Invariants over generated inputs (hypothesis) and edge cases of every entry point."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import make_bars
from tradequorum.config.microstructure import MicrostructureConfig
from tradequorum.core.errors import DataError
from tradequorum.microstructure import (
    aggregate_trades,
    compute_signal_frame,
    latest_signal,
    microstructure_features,
    rolling_profile,
    volume_profile,
    vpin,
)
from tradequorum.microstructure.trades import Trades

CFG = MicrostructureConfig()


@given(st.integers(0, 10_000), st.integers(5, 40), st.integers(1, 300))
def test_vpin_is_within_zero_one_for_any_flow(seed: int, n_buckets: int, per_day: int) -> None:
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2024-01-01", periods=3 * 1440, freq="1min", tz="UTC")
    vol = rng.lognormal(0, 1, len(idx)) * (rng.random(len(idx)) > 0.1)
    buy = vol * rng.random(len(idx))
    v, change = vpin(idx, vol, buy, n_buckets=n_buckets, buckets_per_day=per_day)
    ok = np.isfinite(v)
    assert ((v[ok] >= -1e-12) & (v[ok] <= 1 + 1e-12)).all()
    assert np.isnan(v[:1440]).all()
    assert (np.abs(change[np.isfinite(change)]) <= 1 + 1e-12).all()


@given(st.integers(0, 10_000), st.integers(2, 200), st.floats(1.0, 50.0))
def test_volume_profile_value_area_holds_share_and_contains_poc(
    seed: int, n: int, bin_bps: float
) -> None:
    bars = make_bars(n, seed=seed)
    vp = volume_profile(bars, bin_bps=bin_bps)
    inside = (vp.bin_prices >= vp.va_low) & (vp.bin_prices <= vp.va_high)
    assert vp.bin_volume[inside].sum() >= 0.7 * vp.total_volume * (1 - 1e-9)
    assert vp.va_low <= vp.poc <= vp.va_high
    assert vp.va_low >= bars["low"].min() * (1 - bin_bps * 1e-4)
    assert vp.va_high <= bars["high"].max() * (1 + bin_bps * 1e-4)
    last = rolling_profile(bars, window=n, bin_bps=bin_bps).iloc[-1]
    assert last["poc"] == vp.poc


@given(
    st.lists(
        st.tuples(st.integers(0, 600_000), st.floats(0.001, 3.0), st.booleans()),
        min_size=1,
        max_size=150,
    ),
)
def test_aggregate_time_bars_conserve_volume_and_taker_flow(
    prints: list[tuple[int, float, bool]],
) -> None:
    prints.sort(key=lambda p: p[0])
    ts = np.array([p[0] for p in prints], dtype=np.int64) * 1_000_000
    qty = np.array([p[1] for p in prints])
    maker = np.array([p[2] for p in prints])
    price = 100.0 + np.arange(len(prints)) * 0.01
    bars = aggregate_trades(Trades(ts, price, qty, maker), timeframe="1m")
    assert bars["volume"].sum() == pytest.approx(qty.sum(), rel=1e-12)
    assert bars["taker_buy_volume"].sum() == pytest.approx(qty[~maker].sum(), rel=1e-12, abs=1e-12)
    assert bars["trades"].sum() == len(prints)
    assert (bars["high"] >= bars[["open", "close"]].max(axis=1)).all()
    assert (bars["low"] <= bars[["open", "close"]].min(axis=1)).all()
    steps = np.diff(bars.index.asi8)
    assert (steps == 60_000_000_000).all()


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_features_and_signal_on_very_short_bars_are_defined(n: int) -> None:
    bars = make_bars(5).iloc[:n]
    feats = microstructure_features(bars, CFG)
    frame = compute_signal_frame(bars, CFG)
    assert len(feats) == n and len(frame) == n
    assert (frame["direction"] == 0).all()
    if n:
        sig = latest_signal(bars, CFG, symbol="BTC/USDT", timeframe="1m")
        assert sig.direction.value == "neutral" and sig.confidence == 0.0


def test_features_are_float64_prefixed_and_include_large_trade_share_from_prints() -> None:
    rng = np.random.default_rng(0)
    n = 50_000
    tr = Trades(
        np.sort(rng.integers(0, 86_400 * 10**9, n)).astype(np.int64),
        30000.0 + rng.normal(0, 5, n).cumsum() * 0.01,
        rng.lognormal(-3, 2, n),
        rng.random(n) < 0.5,
    )
    bars = aggregate_trades(tr, timeframe="1m", large_trade_notional=50_000.0)
    feats = microstructure_features(bars, CFG)
    assert all(c.startswith("ms_") for c in feats.columns)
    assert (feats.dtypes == np.float64).all()
    assert feats.index.equals(bars.index)
    share = feats["ms_large_trade_share"]
    assert share.between(0, 1).all() and share.max() > 0


def test_features_non_positive_price_raises_data_error() -> None:
    bars = make_bars(20)
    bars.iloc[5, bars.columns.get_loc("low")] = 0.0
    with pytest.raises(DataError, match="non-positive"):
        microstructure_features(bars, CFG)
    with pytest.raises(DataError, match="non-positive"):
        volume_profile(bars)


@given(st.lists(st.integers(-50, 50), min_size=1, max_size=120), st.integers(1, 30))
def test_profile_window_bounds_equal_brute_force_min_max(values: list[int], window: int) -> None:
    from tradequorum.microstructure.profile import _window_bounds

    lo = np.array(values, dtype=np.int64)
    hi = lo + 3
    wlo, whi = _window_bounds(lo, hi, window)
    for t in range(len(values)):
        s = max(0, t - window + 1)
        assert wlo[t] == lo[s : t + 1].min() and whi[t] == hi[s : t + 1].max()
