"""Accounting identities of the backtest engine hold for any bars, signals and costs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tradequorum.backtest.engine import EngineSettings, run_backtest, run_portfolio

N = 60


def _bars(moves: np.ndarray, spans: np.ndarray, gaps: np.ndarray) -> pd.DataFrame:
    close = 100.0 * np.exp(np.cumsum(moves))
    open_ = np.concatenate([[100.0], close[:-1]]) * np.exp(gaps)
    high = np.maximum(open_, close) * (1 + spans)
    low = np.minimum(open_, close) * (1 - spans)
    idx = pd.date_range("2024-01-01", periods=len(close), freq="1h", tz="UTC")
    return pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": 1.0}, index=idx
    )


bars_st = st.builds(
    _bars,
    arrays(np.float64, N, elements=st.floats(-0.05, 0.05)),
    arrays(np.float64, N, elements=st.floats(0.0, 0.03)),
    arrays(np.float64, N, elements=st.floats(-0.02, 0.02)),
)
dir_st = arrays(np.float64, N, elements=st.sampled_from([-1.0, 0.0, 1.0, np.nan]))
stop_st = arrays(np.float64, N, elements=st.one_of(st.just(np.nan), st.floats(0.005, 0.1)))
settings_st = st.builds(
    EngineSettings,
    initial_equity=st.floats(1e3, 1e6),
    fee_bps=st.floats(0, 50),
    slippage_bps=st.floats(0, 50),
    slippage_atr_fraction=st.floats(0, 0.5),
    risk_fraction=st.floats(0.001, 0.05),
    max_notional_fraction=st.floats(0.05, 2.0),
    atr_stop_multiple=st.floats(0, 3),
    atr_period=st.integers(2, 20),
    neutral_exits=st.booleans(),
    allow_short=st.booleans(),
)


def _signals(bars: pd.DataFrame, d: np.ndarray, stop_pct: np.ndarray, tgt: bool) -> pd.DataFrame:
    close = bars["close"].to_numpy()
    stop = close * (1 - np.sign(d) * stop_pct)
    target = close * (1 + np.sign(d) * 2 * stop_pct) if tgt else np.full(N, np.nan)
    return pd.DataFrame({"direction": d, "stop": stop, "target": target}, index=bars.index)


@given(bars=bars_st, d=dir_st, stop_pct=stop_st, tgt=st.booleans(), s=settings_st)
def test_accounting_equity_is_cash_plus_marked_positions_every_bar(
    bars: pd.DataFrame, d: np.ndarray, stop_pct: np.ndarray, tgt: bool, s: EngineSettings
) -> None:
    res = run_backtest(bars, _signals(bars, d, stop_pct, tgt), s)
    marked = res.cash + (res.positions * res.close).sum(axis=1)
    np.testing.assert_allclose(res.equity, marked, rtol=1e-12, atol=1e-9 * s.initial_equity)


@given(bars=bars_st, d=dir_st, stop_pct=stop_st, tgt=st.booleans(), s=settings_st)
def test_accounting_trade_pnl_and_fees_add_up_to_equity_change(
    bars: pd.DataFrame, d: np.ndarray, stop_pct: np.ndarray, tgt: bool, s: EngineSettings
) -> None:
    res = run_backtest(bars, _signals(bars, d, stop_pct, tgt), s)
    tol = 1e-9 * s.initial_equity
    assert abs(res.trades["pnl"].sum() - (res.equity[-1] - s.initial_equity)) < tol
    assert abs(res.trades["fees"].sum() - res.fees.sum()) < tol
    assert (res.fees >= 0).all() and (res.notional >= 0).all()
    changed = np.flatnonzero(np.diff(res.positions[:, 0], prepend=0.0) != 0)
    assert (res.notional[changed] > 0).all()  # a position never changes without a fill


@given(bars=bars_st, d=dir_st, s=settings_st)
def test_accounting_no_position_before_first_decision_and_signal_row_t_acts_at_t_plus_1(
    bars: pd.DataFrame, d: np.ndarray, s: EngineSettings
) -> None:
    sig = pd.DataFrame({"direction": d}, index=bars.index)
    res = run_backtest(bars, sig, s)
    assert res.positions[0, 0] == 0.0
    # changing the last signal row (only actionable after the data ends) changes nothing
    d2 = d.copy()
    d2[-1] = 1.0 if d[-1] != 1.0 else -1.0
    res2 = run_backtest(bars, pd.DataFrame({"direction": d2}, index=bars.index), s)
    np.testing.assert_array_equal(res.equity, res2.equity)


@given(bars=bars_st, d=dir_st, d2=dir_st, s=settings_st)
def test_accounting_portfolio_identity_with_two_symbols(
    bars: pd.DataFrame, d: np.ndarray, d2: np.ndarray, s: EngineSettings
) -> None:
    other = bars * 0.5
    res = run_portfolio(
        {"A/USDT": bars, "B/USDT": other},
        {
            "A/USDT": pd.DataFrame({"direction": d}, index=bars.index),
            "B/USDT": pd.DataFrame({"direction": d2}, index=bars.index),
        },
        s,
    )
    marked = res.cash + (res.positions * res.close).sum(axis=1)
    np.testing.assert_allclose(res.equity, marked, rtol=1e-12, atol=1e-9 * s.initial_equity)
    assert (
        abs(res.trades["pnl"].sum() - (res.equity[-1] - s.initial_equity)) < 1e-9 * s.initial_equity
    )


@given(bars=bars_st, d=dir_st, stop_pct=stop_st, tgt=st.booleans(), s=settings_st)
def test_engine_equals_plain_python_reference_replay(
    bars: pd.DataFrame, d: np.ndarray, stop_pct: np.ndarray, tgt: bool, s: EngineSettings
) -> None:
    from tests.unit.backtest.reference import reference_equity
    from tradequorum.backtest.indicators import wilder_atr

    sig = _signals(bars, d, stop_pct, tgt)
    res = run_backtest(bars, sig, s)
    ohlc = tuple(bars[c].to_numpy() for c in ("open", "high", "low", "close"))
    atr = wilder_atr(ohlc[1], ohlc[2], ohlc[3], s.atr_period)
    pos, eq = reference_equity(ohlc, atr, d, sig["stop"].to_numpy(), sig["target"].to_numpy(), s)
    np.testing.assert_array_equal(res.positions[:, 0], pos)
    np.testing.assert_array_equal(res.equity, eq)


units_st = arrays(
    np.float64, N, elements=st.one_of(st.just(np.nan), st.just(0.0), st.floats(-50.0, 50.0))
)


@given(bars=bars_st, units=units_st, stop_pct=stop_st, tgt=st.booleans(), s=settings_st)
def test_engine_target_units_equal_plain_python_reference_replay(
    bars: pd.DataFrame, units: np.ndarray, stop_pct: np.ndarray, tgt: bool, s: EngineSettings
) -> None:
    from tests.unit.backtest.reference import reference_equity
    from tradequorum.backtest.engine import run_arrays
    from tradequorum.backtest.kernels import MODE_TARGET_UNITS

    sig = _signals(bars, np.sign(units), stop_pct, tgt)
    ohlc = tuple(bars[c].to_numpy() for c in ("open", "high", "low", "close"))
    pos, _, equity, _, _, _ = run_arrays(
        ohlc,  # type: ignore[arg-type]
        units,
        s,
        mode=MODE_TARGET_UNITS,
        stop=sig["stop"].to_numpy(),
        target=sig["target"].to_numpy(),
    )
    from tradequorum.backtest.indicators import wilder_atr

    atr = wilder_atr(ohlc[1], ohlc[2], ohlc[3], s.atr_period)
    ref_pos, ref_eq = reference_equity(
        ohlc,
        atr,
        units,
        sig["stop"].to_numpy(),
        sig["target"].to_numpy(),
        s,
        units_mode=True,
    )
    np.testing.assert_array_equal(pos[:, 0], ref_pos)
    np.testing.assert_array_equal(equity, ref_eq)
