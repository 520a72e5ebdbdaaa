"""Signed volume: exact delta, BVC, tick rule, CVD, divergence and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import load_shared_bars, make_bars
from tradequorum.core.errors import DataError
from tradequorum.microstructure.signed_volume import (
    bvc_buy_fraction,
    classify_volume,
    delta_divergence,
    order_flow,
)

BTC = "binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv"
FIL = "binance-um-1m-fil-near-2023h2/FILUSDT-1m-2023-09.csv"


def test_classify_volume_taker_column_exact_delta_is_two_taker_minus_volume() -> None:
    bars = load_shared_bars(BTC)
    sv = classify_volume(bars)
    assert sv.method == "taker"
    expected = 2.0 * bars["taker_buy_volume"].to_numpy() - bars["volume"].to_numpy()
    np.testing.assert_array_equal(sv.delta, expected)


def test_classify_volume_missing_taker_column_uses_bvc_and_reports_it() -> None:
    bars = load_shared_bars(BTC).drop(columns=["taker_buy_volume"])
    sv = classify_volume(bars)
    assert sv.method == "bvc"
    assert np.all((sv.buy_volume >= 0) & (sv.buy_volume <= bars["volume"].to_numpy()))


def test_classify_volume_bvc_on_real_data_agrees_in_sign_with_exact_delta() -> None:
    bars = load_shared_bars(BTC)
    exact = classify_volume(bars).delta
    est = classify_volume(bars, method="bvc").delta
    assert np.corrcoef(exact, est)[0, 1] > 0.3


def test_bvc_symmetric_moves_give_half_buys() -> None:
    n = 400
    steps = np.tile([1.0, -1.0], n // 2) * 0.001
    close = 100.0 * np.exp(np.cumsum(steps))
    open_ = np.r_[100.0, close[:-1]]
    for dist in ("t", "normal"):
        frac = bvc_buy_fraction(open_, close, window=20, distribution=dist)
        assert frac[20:].mean() == pytest.approx(0.5, abs=1e-12)
        assert (frac[20:][steps[20:] > 0] > 0.5).all()


def test_bvc_flat_prices_give_exactly_half() -> None:
    close = np.full(50, 10.0)
    assert np.all(bvc_buy_fraction(close, close, window=10) == 0.5)


def test_classify_volume_tick_rule_carries_last_sign() -> None:
    bars = make_bars(6, taker=False)
    bars["close"] = [1.0, 2.0, 2.0, 1.5, 1.5, 3.0]
    bars["open"] = bars["close"]
    bars["high"] = bars["close"] + 0.1
    bars["low"] = bars["close"] - 0.1
    bars["volume"] = 1.0
    sv = classify_volume(bars, method="tick")
    np.testing.assert_array_equal(sv.delta, [0.0, 1.0, 1.0, -1.0, -1.0, 1.0])


def test_classify_volume_taker_requested_without_column_raises_data_error() -> None:
    with pytest.raises(DataError, match="taker_buy_volume"):
        classify_volume(make_bars(50, taker=False), method="taker")


def test_classify_volume_nan_volume_raises_data_error() -> None:
    bars = make_bars(50)
    bars.iloc[10, bars.columns.get_loc("volume")] = np.nan
    with pytest.raises(DataError, match="NaN"):
        classify_volume(bars)


def test_classify_volume_nan_taker_raises_data_error() -> None:
    bars = make_bars(50)
    bars.iloc[3, bars.columns.get_loc("taker_buy_volume")] = np.nan
    with pytest.raises(DataError, match="taker_buy_volume"):
        classify_volume(bars)


def test_classify_volume_taker_above_volume_raises_data_error() -> None:
    bars = make_bars(50)
    bars.iloc[3, bars.columns.get_loc("taker_buy_volume")] = bars["volume"].iat[3] * 2
    with pytest.raises(DataError, match=r"\[0, volume\]"):
        classify_volume(bars)


def test_classify_volume_not_a_frame_raises_data_error() -> None:
    with pytest.raises(DataError):
        classify_volume([1, 2, 3])  # type: ignore[arg-type]


def test_order_flow_zero_volume_bars_have_zero_delta_and_ratio() -> None:
    bars = load_shared_bars(FIL)
    zero = bars["volume"].to_numpy() == 0
    assert zero.sum() > 0
    for method in ("auto", "bvc", "tick"):
        frame, _ = order_flow(bars, method=method)  # type: ignore[arg-type]
        assert (frame["delta"].to_numpy()[zero] == 0).all()
        assert (frame["delta_ratio"].to_numpy()[zero] == 0).all()
        assert np.isfinite(frame["delta_ratio"]).all()


def test_order_flow_session_cvd_restarts_each_utc_day() -> None:
    bars = load_shared_bars(BTC)
    frame, method = order_flow(bars)
    assert method == "taker"
    day = bars.index.floor("D")
    expected = frame["delta"].groupby(day).cumsum()
    np.testing.assert_allclose(frame["cvd_session"], expected, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(frame["cvd"], frame["delta"].cumsum(), rtol=1e-12, atol=1e-9)


def test_delta_divergence_new_high_on_selling_is_bearish() -> None:
    close = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    delta = np.array([-1.0, -1.0, -1.0, -1.0, -1.0])
    out = delta_divergence(close, delta, 3)
    np.testing.assert_array_equal(out, [0, 0, -1, -1, -1])
    np.testing.assert_array_equal(delta_divergence(close[::-1].copy(), -delta, 3), [0, 0, 1, 1, 1])


@given(st.integers(min_value=5, max_value=300), st.integers(min_value=0, max_value=10_000))
def test_order_flow_buy_plus_sell_equals_volume_for_any_bars(n: int, seed: int) -> None:
    bars = make_bars(n, seed=seed, taker=seed % 2 == 0)
    frame, _ = order_flow(bars, window=5, divergence_bars=3, bvc_window=5)
    total = frame["buy_volume"] + frame["sell_volume"]
    np.testing.assert_allclose(total, bars["volume"], rtol=1e-12)
    assert (frame["delta_ratio"].abs() <= 1 + 1e-12).all()
    assert isinstance(frame.index, pd.DatetimeIndex)
