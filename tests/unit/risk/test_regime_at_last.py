"""regime_at_last equals the last row of volatility_regime bit for bit (the risk manager's fast path)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.conftest import load_shared_bars, make_bars
from tradequorum.risk.volatility import regime_at_last, volatility_regime


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _check(window: pd.DataFrame) -> None:
    full = volatility_regime(window, period=14, window_bars=1440)
    atr, pct = regime_at_last(window, period=14, window_bars=1440)
    assert _same(atr, float(full["atr"].iloc[-1]))
    assert _same(pct, float(full["vol_percentile"].iloc[-1]))


@pytest.mark.parametrize("end", [5, 14, 20, 33, 300, 1500, 1720, 2000])
def test_regime_at_last_random_bars_equals_full_regime_last_row(end: int) -> None:
    bars = make_bars(2000, seed=end)
    _check(bars.iloc[max(0, end - 1720) : end])


def test_regime_at_last_flat_prices_ties_equal_full_regime() -> None:
    bars = make_bars(300, seed=1)
    bars[["open", "high", "low", "close"]] = 100.0
    _check(bars)


def test_regime_at_last_real_btc_windows_equal_full_regime() -> None:
    bars = load_shared_bars("binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv", nrows=4000)
    for end in (100, 1719, 1720, 2500, 4000):
        _check(bars.iloc[max(0, end - 1720) : end])
