"""System backtest with the real risk manager (coordinator/system_risk.py).

Target: a day of 1m bars (1,440 replayed bars, history before them for the warm-up) with the
risk manager called on every tradeable bar, well under 1 s on one core. Analysts are small
vectorized stand-ins (an SMA cross with stops/targets and a momentum vote): the figure measures
the consensus, the risk event loop and the engine, not an analyst.
"""

from __future__ import annotations

import tempfile
import time
from typing import Any

import numpy as np
import pandas as pd

from tradequorum.config.settings import Settings
from tradequorum.coordinator.system_backtest import run_system_backtest
from tradequorum.data.simulator import simulate_bars

DAY = 1440
WARM = 200


def _frame(bars: pd.DataFrame, d: np.ndarray, conf: np.ndarray, with_levels: bool) -> pd.DataFrame:
    c = bars["close"].to_numpy()
    nan = np.full(len(bars), np.nan)
    return pd.DataFrame(
        {
            "direction": d,
            "confidence": np.where(d == 0, 0.0, conf),
            "stop": np.where(d != 0, c * (1 - 0.005 * d), np.nan) if with_levels else nan,
            "entry_lo": nan,
            "entry_hi": nan,
            "target": np.where(d != 0, c * (1 + 0.01 * d), np.nan) if with_levels else nan,
        },
        index=bars.index,
    )


def _sma(bars: pd.DataFrame) -> pd.DataFrame:
    c = bars["close"]
    gap = (c.rolling(5).mean() - c.rolling(20).mean()).to_numpy()
    d = np.nan_to_num(np.sign(gap))
    return _frame(bars, d, np.clip(np.nan_to_num(np.abs(gap) / c.to_numpy()) * 400, 0, 1), True)


def _momentum(bars: pd.DataFrame) -> pd.DataFrame:
    r = (bars["close"] / bars["close"].shift(10) - 1.0).to_numpy()
    d = np.nan_to_num(np.sign(r))
    return _frame(bars, d, np.clip(np.nan_to_num(np.abs(r)) * 300, 0, 1), False)


def run() -> dict[str, Any]:
    bars = simulate_bars(WARM + DAY, seed=7, start="2024-01-01", timeframe="1m")
    analysts = {"smc": _sma, "ml_model": _momentum}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.model_validate({"home": tmp, "symbols": ["BTC/USDT"]})
        start = bars.index[WARM]
        run_system_backtest(bars.iloc[: WARM + 50], analysts, settings, start=start)  # warm numba
        best, calls = float("inf"), 0
        for _ in range(2):
            t0 = time.perf_counter()
            sb = run_system_backtest(bars, analysts, settings, start=start, symbol="BTC/USDT")
            best = min(best, time.perf_counter() - t0)
            calls = int((sb.decisions["verdict"] != "").sum())
    return {
        "system_backtest_day_1m_with_risk_s": {
            "value": round(best, 4),
            "target": 1.0,
            "unit": "s",
            "passed": best < 1.0,
            "note": f"best of 2; {calls} risk-manager calls",
        }
    }
