"""Hand-computed backtests: fees, slippage, stops and targets, flips, partial sizing."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.unit.backtest.helpers import hand_bars, signal_frame
from tradequorum.backtest import EngineSettings, run_backtest, run_backtest_targets, run_portfolio
from tradequorum.core.errors import DataError
from tradequorum.core.sizing import fixed_fraction_units

NAN = math.nan
NO_STOP = EngineSettings(
    initial_equity=10_000.0,
    fee_bps=0.0,
    slippage_bps=0.0,
    max_notional_fraction=0.5,
    risk_fraction=0.01,
    atr_stop_multiple=0.0,
)


def _with(**kw: Any) -> EngineSettings:
    from dataclasses import replace

    return replace(NO_STOP, **kw)


def test_run_backtest_fee_and_slippage_match_hand_computation() -> None:
    # Arrange: long 50 units (0.5 x 10,000 / close 100) at open 100 + 10 bps, exit at open 120 - 10 bps
    bars = hand_bars([100, 100, 110, 120], [100, 105, 115, 120])
    sig = signal_frame(bars, [1, 1, 0, 0])
    # Act
    res = run_backtest(bars, sig, _with(fee_bps=10.0, slippage_bps=10.0))
    # Assert
    assert res.positions[:, 0].tolist() == [0.0, 50.0, 50.0, 0.0]
    entry_fee, exit_fee = 50 * 100.1 * 1e-3, 50 * 119.88 * 1e-3
    assert res.cash[1] == pytest.approx(10_000 - 50 * 100.1 - entry_fee, abs=1e-9)
    assert res.equity[2] == pytest.approx(res.cash[1] + 50 * 115, abs=1e-9)
    assert res.equity[3] == pytest.approx(10_000 + 50 * (119.88 - 100.1) - entry_fee - exit_fee)
    (trade,) = res.trades.itertuples()
    assert trade.pnl == pytest.approx(res.equity[3] - 10_000, abs=1e-9)
    assert trade.fees == pytest.approx(entry_fee + exit_fee)
    assert trade.reason == "signal" and trade.entry_bar == 1 and trade.exit_bar == 3
    assert res.fees.sum() == pytest.approx(entry_fee + exit_fee)
    assert res.notional[1] == pytest.approx(50 * 100.1)


def test_run_backtest_risk_sizing_uses_shared_fixed_fraction_units() -> None:
    bars = hand_bars([100, 100, 101], [100, 101, 102])
    sig = signal_frame(bars, [1, 1, 1], stop=[95, 95, 95])
    res = run_backtest(bars, sig, NO_STOP)
    expected = fixed_fraction_units(10_000.0, 100.0, 5.0, 0.01, 1.0, 0.5)
    assert expected == pytest.approx(20.0)
    assert res.positions[1, 0] == expected


def test_run_backtest_bar_touching_stop_and_target_is_a_stop() -> None:
    bars = hand_bars([100, 100, 100], [100, 100, 100], highs=[100, 106, 100], lows=[100, 94, 100])
    sig = signal_frame(bars, [1, 1, 1], stop=[95] * 3, target=[105] * 3)
    res = run_backtest(bars, sig, NO_STOP)
    (trade,) = res.trades.itertuples()
    assert trade.reason == "stop" and trade.exit_price == 95.0 and trade.exit_bar == 1
    assert res.equity[1] == pytest.approx(10_000 - 20 * 5)
    assert res.positions[1, 0] == 0.0


def test_run_backtest_target_only_fills_at_target_without_slippage() -> None:
    bars = hand_bars([100, 100, 100], [100, 103, 103], highs=[100, 106, 103], lows=[100, 99, 103])
    sig = signal_frame(bars, [1, 1, 1], stop=[95] * 3, target=[105] * 3)
    res = run_backtest(bars, sig, _with(slippage_bps=10.0))
    (trade,) = res.trades.itertuples()
    assert trade.reason == "target" and trade.exit_price == 105.0


def test_run_backtest_gap_through_stop_fills_at_open_with_slippage() -> None:
    bars = hand_bars(
        [100, 100, 90, 90], [100, 100, 91, 91], highs=[100, 101, 92, 92], lows=[100, 99, 89, 89]
    )
    sig = signal_frame(bars, [1, 1, 1, 1], stop=[95] * 4)
    res = run_backtest(bars, sig, _with(slippage_bps=10.0))
    trade = res.trades.iloc[0]
    assert trade["reason"] == "stop" and trade["exit_bar"] == 2
    assert trade["exit_price"] == pytest.approx(90 * (1 - 1e-3))
    # persistent +1 signal after a stop: no re-entry until the signal changes
    assert len(res.trades) == 1 and res.positions[3, 0] == 0.0


def test_run_backtest_short_stop_is_above_and_gap_up_fills_at_open() -> None:
    bars = hand_bars([100, 100, 110], [100, 100, 110], highs=[100, 101, 111], lows=[100, 99, 109])
    sig = signal_frame(bars, [-1, -1, -1], stop=[105] * 3)
    res = run_backtest(bars, sig, NO_STOP)
    trade = res.trades.iloc[0]
    assert trade["direction"] == -1 and trade["reason"] == "stop" and trade["exit_price"] == 110
    assert trade["pnl"] == pytest.approx(-20 * 10)


def test_run_backtest_flip_long_to_short_closes_and_reopens_at_one_open() -> None:
    bars = hand_bars([100, 100, 110, 100], [100, 110, 105, 100])
    sig = signal_frame(bars, [1, -1, -1, -1])
    res = run_backtest(bars, sig, _with(fee_bps=10.0))
    long_units = 10_000 * 0.5 / 100
    eq1 = 10_000 - long_units * 100 * 1e-3 + long_units * 10
    short_units = eq1 * 0.5 / 110
    assert res.positions[2, 0] == pytest.approx(-short_units)
    first, second = res.trades.iloc[0], res.trades.iloc[1]
    assert first["direction"] == 1 and first["exit_bar"] == 2 and first["exit_price"] == 110
    assert second["direction"] == -1 and second["entry_bar"] == 2 and second["reason"] == "open"
    flip_fee = (long_units + short_units) * 110 * 1e-3
    assert res.fees[2] == pytest.approx(flip_fee)
    assert first["fees"] + second["fees"] == pytest.approx(res.fees.sum())
    assert res.equity[-1] - 10_000 == pytest.approx(first["pnl"] + second["pnl"])


def test_run_backtest_targets_partial_sizing_accumulates_one_trade() -> None:
    bars = hand_bars([100, 100, 102, 104, 106], [100, 101, 103, 105, 106])
    tgt = pd.Series([2.0, NAN, 1.0, 0.0, NAN], index=bars.index)
    res = run_backtest_targets(bars, tgt, _with(fee_bps=10.0), kind="units")
    assert res.positions[:, 0].tolist() == [0.0, 2.0, 2.0, 1.0, 0.0]
    (trade,) = res.trades.itertuples()
    fees = (2 * 100 + 104 + 106) * 1e-3
    assert trade.units == 2.0 and trade.entry_price == 100.0
    assert trade.pnl == pytest.approx(1 * 4 + 1 * 6 - fees)
    assert res.equity[-1] == pytest.approx(10_000 + res.trades["pnl"].iloc[0])


def test_run_backtest_targets_fraction_sizes_from_decision_close() -> None:
    bars = hand_bars([100, 100, 100], [100, 100, 100])
    tgt = pd.Series([0.3, NAN, NAN], index=bars.index)
    res = run_backtest_targets(bars, tgt, NO_STOP, kind="fraction")
    assert res.positions[1, 0] == pytest.approx(10_000 * 0.3 / 100)


def test_run_backtest_neutral_holds_when_neutral_exits_off() -> None:
    bars = hand_bars([100, 100, 100, 100], [100, 100, 100, 100])
    sig = signal_frame(bars, [1, 0, 0, 0])
    held = run_backtest(bars, sig, _with(neutral_exits=False))
    closed = run_backtest(bars, sig, NO_STOP)
    assert held.positions[-1, 0] > 0 and closed.positions[-1, 0] == 0


def test_run_backtest_entry_cancelled_when_open_gaps_through_stop() -> None:
    bars = hand_bars([100, 94, 94], [100, 94, 94])
    sig = signal_frame(bars, [1, NAN, NAN], stop=[95, NAN, NAN])
    res = run_backtest(bars, sig, NO_STOP)
    assert len(res.trades) == 0 and res.equity[-1] == 10_000


def test_run_backtest_long_only_ignores_shorts() -> None:
    bars = hand_bars([100, 100, 100], [100, 100, 100])
    sig = signal_frame(bars, [-1, -1, -1])
    res = run_backtest(bars, sig, _with(allow_short=False))
    assert not res.positions.any()


def test_run_portfolio_shares_cash_and_identity_holds() -> None:
    a = hand_bars([100, 100, 110, 120], [100, 105, 115, 120])
    b = hand_bars([50, 50, 45, 40], [50, 48, 42, 40])
    res = run_portfolio(
        {"A/USDT": a, "B/USDT": b},
        {"A/USDT": signal_frame(a, [1, 1, 1, 1]), "B/USDT": signal_frame(b, [-1, -1, -1, -1])},
        _with(fee_bps=5.0),
    )
    assert res.positions.shape == (4, 2)
    assert res.positions[1, 0] == pytest.approx(50.0) and res.positions[1, 1] == pytest.approx(-100)
    marked = res.cash + (res.positions * res.close).sum(axis=1)
    np.testing.assert_allclose(marked, res.equity, rtol=0, atol=1e-9)
    assert set(res.trades["symbol"]) == {"A/USDT", "B/USDT"}


def test_run_backtest_misaligned_signals_raise_data_error() -> None:
    bars = hand_bars([100, 100, 100], [100, 100, 100])
    with pytest.raises(DataError, match="index"):
        run_backtest(bars, signal_frame(bars, [1, 1, 1]).iloc[:2])


def test_run_backtest_missing_direction_raises_data_error() -> None:
    bars = hand_bars([100, 100], [100, 100])
    with pytest.raises(DataError, match="direction"):
        run_backtest(bars, pd.DataFrame({"x": [1.0, 1.0]}, index=bars.index))


def test_run_backtest_input_frames_are_not_mutated() -> None:
    bars = hand_bars([100, 100, 110, 120], [100, 105, 115, 120])
    sig = signal_frame(bars, [1, 1, 0, 0], stop=[90, 90, 90, 90])
    b0, s0 = bars.copy(), sig.copy()
    run_backtest(bars, sig)
    pd.testing.assert_frame_equal(bars, b0)
    pd.testing.assert_frame_equal(sig, s0)


def test_run_backtest_targets_use_only_explicit_stops() -> None:
    bars = hand_bars([100, 100, 50, 50], [100, 100, 50, 50], lows=[100, 100, 40, 40])
    tgt = pd.Series([1.0, NAN, NAN, NAN], index=bars.index)
    no_stop = run_backtest_targets(bars, tgt, _with(atr_stop_multiple=2.0))
    assert no_stop.positions[-1, 0] == 1.0  # a 50% fall does not stop a target position
    stopped = run_backtest_targets(
        bars, tgt, NO_STOP, stops=pd.Series([90.0, NAN, NAN, NAN], index=bars.index)
    )
    assert stopped.trades.iloc[0]["reason"] == "stop" and stopped.trades.iloc[0]["exit_price"] == 50


def test_run_backtest_tier_scale_column_scales_the_risk_size() -> None:
    bars = hand_bars([100, 100, 101], [100, 101, 102])
    full = run_backtest(bars, signal_frame(bars, [1, 1, 1], stop=[95] * 3), NO_STOP)
    half = run_backtest(
        bars, signal_frame(bars, [1, 1, 1], stop=[95] * 3, scale=[0.5] * 3), NO_STOP
    )
    assert half.positions[1, 0] == fixed_fraction_units(10_000.0, 100.0, 5.0, 0.01, 0.5, 0.5)
    assert half.positions[1, 0] == pytest.approx(full.positions[1, 0] / 2)


def test_run_backtest_atr_stop_default_when_signal_has_no_stop() -> None:
    # ATR(2) at bar 1 = mean true range of bars 0-1 = 2.0; stop = close 100 - 2 x 2 = 96
    bars = hand_bars(
        [100, 100, 100, 100], [100, 100, 100, 100], highs=[101] * 4, lows=[99, 99, 95, 99]
    )
    res = run_backtest(
        bars, signal_frame(bars, [NAN, 1, 1, 1]), _with(atr_stop_multiple=2.0, atr_period=2)
    )
    trade = res.trades.iloc[0]
    assert trade["entry_bar"] == 2 and trade["reason"] == "stop" and trade["exit_price"] == 96.0
    assert trade["units"] == pytest.approx(10_000 * 0.01 / 4.0)


def test_run_backtest_max_units_cap_shrinks_the_entry_and_nan_changes_nothing() -> None:
    # formula: 10,000 x 0.01 / (100 - 95) = 20 units; an approved size of 7 caps the entry at 7
    bars = hand_bars([100, 100, 101, 102], [100, 101, 102, 103])
    base = signal_frame(bars, [1, 1, 1, 1], stop=[95] * 4)
    plain = run_backtest(bars, base, NO_STOP)
    nan_cap = run_backtest(bars, base.assign(max_units=NAN), NO_STOP)
    capped = run_backtest(bars, base.assign(max_units=7.0), NO_STOP)
    loose = run_backtest(bars, base.assign(max_units=1e9), NO_STOP)
    assert plain.positions[1, 0] == 20.0
    np.testing.assert_array_equal(nan_cap.positions, plain.positions)
    np.testing.assert_array_equal(nan_cap.equity, plain.equity)
    np.testing.assert_array_equal(loose.equity, plain.equity)
    assert capped.positions[:, 0].tolist() == [0.0, 7.0, 7.0, 7.0]
    assert capped.cash[1] == 10_000.0 - 7.0 * 100.0
    assert capped.trades.iloc[0]["units"] == 7.0


def test_run_backtest_max_units_zero_or_negative_means_no_entry() -> None:
    bars = hand_bars([100, 100, 101], [100, 101, 102])
    for cap in (0.0, -3.0):
        sig = signal_frame(bars, [1, 1, 1], stop=[95] * 3).assign(max_units=cap)
        res = run_backtest(bars, sig, NO_STOP)
        assert res.positions[:, 0].tolist() == [0.0, 0.0, 0.0]
        assert len(res.trades) == 0 and res.equity[-1] == 10_000.0


def test_run_backtest_max_units_cap_applies_per_row_to_a_short_flip() -> None:
    # long 20 (uncapped row 0), then row 1 flips short capped at 5: the open of bar 2 ends at -5
    bars = hand_bars([100, 100, 100, 100], [100, 100, 100, 100])
    sig = signal_frame(bars, [1, -1, -1, -1], stop=[95, 105, 105, 105])
    res = run_backtest(bars, sig.assign(max_units=[NAN, 5.0, 5.0, 5.0]), NO_STOP)
    assert res.positions[:, 0].tolist() == [0.0, 20.0, -5.0, -5.0]
