"""Shared inputs of the validation tests: real daily BTCUSDT bars and a small SMA space."""

from __future__ import annotations

import pandas as pd

from tests.conftest import shared_file
from tradequorum.validation.search_space import SearchSpace, parse_search_space

DAILY = "binance-spot-daily-btcusdt-2017-2025/BTCUSDT_1d.csv"


def daily_bars(last: int | None = None) -> pd.DataFrame:
    """BTCUSDT 1d from the shared data (skips when absent), optionally only the last rows."""
    path = shared_file(DAILY)
    try:
        from tradequorum.data import load_file
    except ImportError:  # pragma: no cover - the data layer exists on main
        raw = pd.read_csv(path)
        idx = pd.DatetimeIndex(pd.to_datetime(raw["open_time"], utc=True), name="open_time")
        bars = raw[["open", "high", "low", "close", "volume"]].astype("float64")
        bars.index = idx
    else:
        bars = load_file(path)
    return bars.iloc[-last:] if last else bars


def small_space(**over: object) -> SearchSpace:
    data: dict[str, object] = {
        "strategy": "sma_cross",
        "search": "grid",
        "parameters": {
            "fast": {"type": "int", "low": 5, "high": 20, "step": 5},
            "slow": {"type": "int", "low": 30, "high": 90, "step": 30},
        },
        "fixed": {"atr_stop": 2.0},
        "constraints": ["fast < slow"],
    }
    data.update(over)
    return parse_search_space(data)
