"""Causal market measures the risk manager sizes and limits with: ATR, the volatility regime and
the daily correlation matrix. The value at bar t uses bars with open time <= t only.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd
from numba import njit

from tradequorum.core.bars import ensure_bars
from tradequorum.core.errors import DataError
from tradequorum.core.timeframes import bars_per_year

FloatArray = npt.NDArray[np.float64]


@njit(cache=True)
def _wilder_atr(high: FloatArray, low: FloatArray, close: FloatArray, period: int) -> FloatArray:
    n = high.shape[0]
    out = np.full(n, np.nan)
    if n < period:
        return out
    tr = np.empty(n)
    tr[0] = high[0] - low[0]
    for i in range(1, n):
        tr[i] = max(high[i] - low[i], abs(high[i] - close[i - 1]), abs(low[i] - close[i - 1]))
    acc = 0.0
    for i in range(period):
        acc += tr[i]
    atr = acc / period
    out[period - 1] = atr
    for i in range(period, n):
        atr = (atr * (period - 1) + tr[i]) / period
        out[i] = atr
    return out


def compute_atr(bars: pd.DataFrame, *, period: int = 14) -> pd.Series:
    """Wilder's average true range (price units), NaN for the first ``period - 1`` bars.

    Causal and recursive (Wilder 1978): the seed is the mean of the first ``period`` true ranges,
    so the value depends on where history starts until the smoothing forgets it (about
    ``10 * period`` bars to 1e-9 relative).
    """
    ensure_bars(bars)
    if period < 2:
        raise DataError(f"ATR period must be >= 2, got {period}")
    out = _wilder_atr(
        bars["high"].to_numpy(np.float64),
        bars["low"].to_numpy(np.float64),
        bars["close"].to_numpy(np.float64),
        period,
    )
    return pd.Series(out, index=bars.index, name="atr")


def volatility_regime(
    bars: pd.DataFrame,
    *,
    period: int = 14,
    window_bars: int = 1440,
    extreme_percentile: float = 0.95,
) -> pd.DataFrame:
    """ATR as a fraction of price, its percentile rank in the trailing ``window_bars`` and an
    ``extreme`` flag (rank >= ``extreme_percentile``). Causal: ranks only past values.
    """
    atr = compute_atr(bars, period=period)
    atr_pct = atr / bars["close"]
    rank = atr_pct.rolling(window_bars, min_periods=max(20, period)).rank(pct=True)
    return pd.DataFrame(
        {
            "atr": atr,
            "atr_pct": atr_pct,
            "vol_percentile": rank,
            "extreme": (rank >= extreme_percentile).to_numpy(),
        },
        index=bars.index,
    )


def regime_at_last(
    bars: pd.DataFrame, *, period: int = 14, window_bars: int = 1440
) -> tuple[float, float]:
    """``(atr, vol_percentile)`` of the LAST row of :func:`volatility_regime` on ``bars``,
    without ranking every row: the same ATR kernel, and the average-method percentile rank of
    the last ``atr / close`` among the trailing ``window_bars`` non-NaN values (NaN with fewer
    than ``max(20, period)``). Equal to the full computation bit for bit (tested); the risk
    manager calls it once per order, so it must be cheap.
    """
    if period < 2:
        raise DataError(f"ATR period must be >= 2, got {period}")
    close = bars["close"].to_numpy(np.float64)
    atr = _wilder_atr(
        bars["high"].to_numpy(np.float64), bars["low"].to_numpy(np.float64), close, period
    )
    if len(atr) == 0:
        return float("nan"), float("nan")
    pct = atr[-window_bars:] / close[-window_bars:]
    last = float(pct[-1])
    valid = pct[~np.isnan(pct)]
    if np.isnan(last) or valid.size < max(20, period):
        return float(atr[-1]), float("nan")
    below = float(np.count_nonzero(valid < last))
    equal = float(np.count_nonzero(valid == last))
    return float(atr[-1]), (below + (equal + 1.0) / 2.0) / valid.size


def annualized_volatility(
    bars: pd.DataFrame, *, timeframe: str, window_bars: int = 1440, calendar: str = "crypto"
) -> float:
    """Realized volatility of the last ``window_bars`` log close-to-close returns, annualized
    by the timeframe's bars per year (NaN with fewer than 20 returns). Causal: closed bars only.
    """
    close = bars["close"].to_numpy(np.float64)[-(window_bars + 1) :]
    if close.size < 21 or not np.all(close > 0):
        return float("nan")
    r = np.diff(np.log(close))
    return float(np.std(r, ddof=1) * np.sqrt(bars_per_year(timeframe, calendar=calendar)))


def daily_correlation(
    closes: Mapping[str, pd.Series], *, lookback_days: int = 30, min_days: int = 5
) -> pd.DataFrame:
    """Correlation matrix of daily close-to-close returns over the last ``lookback_days`` days.

    ``closes`` maps symbol -> close prices on a tz-aware UTC index (any bar size). The current,
    still-open UTC day is included with its latest close (known now). Pairs with fewer than
    ``min_days`` common returns are NaN (callers treat them as fully correlated).
    """
    daily = {}
    for sym, s in closes.items():
        if not isinstance(s.index, pd.DatetimeIndex) or s.index.tz is None:
            raise DataError(f"closes of {sym} need a tz-aware DatetimeIndex")
        daily[sym] = s.resample("1D").last().ffill().pct_change(fill_method=None)
    frame = pd.DataFrame(daily).iloc[-lookback_days:]
    return frame.corr(min_periods=min_days)


__all__ = [
    "annualized_volatility",
    "compute_atr",
    "daily_correlation",
    "regime_at_last",
    "volatility_regime",
]
