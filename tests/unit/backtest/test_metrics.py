"""Metrics on hand-made equity curves."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tradequorum.backtest.metrics import compute_metrics, drawdown, sharpe_ratio, sortino_ratio


def test_drawdown_depth_and_longest_underwater_stretch() -> None:
    _, mdd, bars = drawdown(np.array([100, 120, 90, 100, 130, 110, 111, 112, 113]))
    assert mdd == pytest.approx(0.25) and bars == 4


def test_compute_metrics_total_return_cagr_and_calmar_daily_crypto() -> None:
    eq = np.array([100_000.0 * 1.001**i for i in range(1, 366)])
    m = compute_metrics(eq, initial_equity=100_000.0, timeframe="1d")
    assert m.total_return == pytest.approx(1.001**365 - 1)
    assert m.cagr == pytest.approx(m.total_return)  # exactly one crypto year
    assert m.max_drawdown == 0.0 and m.calmar == 0.0 and m.bars_per_year == 365.0


def test_compute_metrics_annualizes_with_the_calendar() -> None:
    r = np.random.default_rng(0).normal(0.001, 0.01, 500)
    eq = np.asarray(1e5 * np.cumprod(1 + r), dtype=np.float64)
    crypto = compute_metrics(eq, initial_equity=1e5, timeframe="1d", calendar="crypto")
    equity = compute_metrics(eq, initial_equity=1e5, timeframe="1d", calendar="equity")
    assert crypto.sharpe / equity.sharpe == pytest.approx(math.sqrt(365 / 252))
    assert crypto.sharpe == pytest.approx(sharpe_ratio(r, 365.0))
    assert crypto.sortino == pytest.approx(sortino_ratio(r, 365.0))


def test_compute_metrics_trade_statistics() -> None:
    trades = pd.DataFrame({"pnl": [100.0, -50.0, 30.0, -10.0], "return": [0.1, -0.05, 0.03, -0.01]})
    pos = np.array([0, 1, 1, 0, 0, 1, 0, 0], dtype=float)
    notional = np.array([0, 1e5, 0, 1e5, 0, 1e5, 1e5, 0])
    eq = np.full(8, 1e5)
    m = compute_metrics(
        eq, initial_equity=1e5, timeframe="1d", positions=pos, notional=notional, trades=trades
    )
    assert m.win_rate == 0.5 and m.profit_factor == pytest.approx(130 / 60)
    assert m.avg_trade == pytest.approx(17.5) and m.trade_count == 4
    assert m.exposure == pytest.approx(3 / 8)
    assert m.turnover == pytest.approx(4.0 / (8 / 365))


def test_sharpe_ratio_constant_returns_is_zero() -> None:
    assert sharpe_ratio(np.full(10, 0.01), 365) == 0.0


def test_compute_metrics_short_spectacular_run_caps_cagr_instead_of_overflowing() -> None:
    m = compute_metrics(np.array([2e5, 4e5]), initial_equity=1e5, timeframe="1m")
    assert m.cagr == 1e9 and math.isfinite(m.calmar)
    wiped = compute_metrics(np.array([5e4, 0.0]), initial_equity=1e5, timeframe="1d")
    assert wiped.cagr == -1.0 and wiped.max_drawdown == 1.0
