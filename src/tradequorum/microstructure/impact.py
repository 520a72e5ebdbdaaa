"""Price impact and spread estimators over rolling windows of bars (causal: bars <= t).

* Kyle's lambda (Kyle 1985; estimated as in Hasbrouck 2009): slope of the OLS regression of the
  close-to-close price change on the bar's signed volume, ``dp_t = lambda * delta_t + e``, over the
  last ``window`` bars. Units: price per base unit.
* Amihud (2002) illiquidity: mean of ``|r_t| / quote volume_t`` over the window, zero-volume bars
  skipped; reported per one million quote units.
* Roll (1984) spread: ``2 * sqrt(-cov(dp_t, dp_{t-1}))`` over the window, 0 when the covariance
  is non-negative (no bounce detected); price units.
* Corwin & Schultz (2012) high-low spread from bars t-1 and t, negative estimates set to 0 (as
  the paper does), averaged over the window; a fraction of price.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from tradequorum.core.bars import FloatArray
from tradequorum.microstructure.windows import rolling_cov_var, rolling_mean


def kyle_lambda(close: FloatArray, open_: FloatArray, delta: FloatArray, window: int) -> FloatArray:
    """Rolling OLS slope of price change on signed volume (price per base unit); NaN if delta is flat."""
    dp = np.empty_like(close)
    if close.size:
        dp[0] = close[0] - open_[0]
        dp[1:] = np.diff(close)
    cov, var = rolling_cov_var(delta, dp, window, window)
    out = np.full_like(close, np.nan)
    ok = np.isfinite(var) & (var > 0)
    out[ok] = cov[ok] / var[ok]
    return out


def amihud_illiquidity(log_change: FloatArray, quote_volume: FloatArray, window: int) -> FloatArray:
    """Rolling mean of |r| per 1e6 quote units of traded value; zero-volume bars are skipped."""
    ratio = np.full_like(log_change, np.nan)
    ok = quote_volume > 0
    ratio[ok] = np.abs(log_change[ok]) / quote_volume[ok] * 1e6
    return rolling_mean(ratio, window, max(2, window // 2), 0)


def roll_spread(close: FloatArray, window: int) -> FloatArray:
    """Roll (1984) effective spread in price units from the serial covariance of price changes."""
    dp = np.full_like(close, np.nan)
    dp[1:] = np.diff(close)
    lagged = np.full_like(close, np.nan)
    lagged[1:] = dp[:-1]
    cov, _ = rolling_cov_var(lagged, dp, window, window - 2)
    out = np.where(np.isnan(cov), np.nan, 0.0)
    neg = cov < 0
    out[neg] = 2.0 * np.sqrt(-cov[neg])
    return out


@njit(cache=True)
def _cs_two_bar(high: FloatArray, low: FloatArray) -> FloatArray:
    n = high.shape[0]
    out = np.full(n, np.nan)
    k = 3.0 - 2.0 * np.sqrt(2.0)
    for t in range(1, n):
        b1 = np.log(high[t - 1] / low[t - 1])
        b2 = np.log(high[t] / low[t])
        beta = b1 * b1 + b2 * b2
        g = np.log(max(high[t], high[t - 1]) / min(low[t], low[t - 1]))
        gamma = g * g
        alpha = (np.sqrt(2.0 * beta) - np.sqrt(beta)) / k - np.sqrt(gamma / k)
        s = 2.0 * (np.exp(alpha) - 1.0) / (1.0 + np.exp(alpha))
        out[t] = s if s > 0.0 else 0.0
    return out


def corwin_schultz_spread(high: FloatArray, low: FloatArray, window: int) -> FloatArray:
    """Corwin-Schultz (2012) spread as a fraction of price, two-bar estimates averaged over the window."""
    two = _cs_two_bar(
        np.ascontiguousarray(high, dtype=np.float64), np.ascontiguousarray(low, dtype=np.float64)
    )
    return rolling_mean(two, window, window - 1, 0)


__all__ = ["amihud_illiquidity", "corwin_schultz_spread", "kyle_lambda", "roll_spread"]
