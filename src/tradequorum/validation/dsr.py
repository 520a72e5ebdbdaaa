"""Probabilistic and deflated Sharpe ratios.

* PSR (Bailey & López de Prado, "The Sharpe Ratio Efficient Frontier", 2012): the probability
  that the true Sharpe ratio exceeds ``sr_benchmark`` given an estimate from ``n_obs`` returns
  with skewness ``skew`` and (non-excess) kurtosis ``kurt``::

      PSR = Phi((SR - SR*) sqrt(T - 1) / sqrt(1 - skew SR + (kurt - 1) / 4 SR^2))

* DSR (Bailey & López de Prado, "The Deflated Sharpe Ratio", 2014): the PSR against the
  expected maximum Sharpe ratio of ``n_trials`` unskilled trials with variance ``sr_variance``::

      SR0 = sqrt(V) ((1 - g) Phi^-1(1 - 1/N) + g Phi^-1(1 - 1/(N e))),  g = Euler-Mascheroni

All Sharpe ratios here are **per period** (not annualized), as in the papers.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict
from scipy import stats

EULER_GAMMA = 0.5772156649015329
FloatArray = npt.NDArray[np.float64]


def probabilistic_sharpe_ratio(
    sr: float, n_obs: int, skew: float = 0.0, kurt: float = 3.0, sr_benchmark: float = 0.0
) -> float:
    """PSR: P(true SR > ``sr_benchmark``); ``sr`` per period, ``kurt`` non-excess (normal = 3).

    >>> round(probabilistic_sharpe_ratio(1.585 / 12**0.5, 24, -2.448, 10.164), 4)
    0.9132
    """
    if n_obs < 2:
        return 0.5
    var = 1.0 - skew * sr + (kurt - 1.0) / 4.0 * sr * sr
    if not var > 0.0:
        return 0.5
    z = (sr - sr_benchmark) * math.sqrt(n_obs - 1.0) / math.sqrt(var)
    return float(stats.norm.cdf(z))


def expected_max_sharpe(n_trials: int, sr_variance: float) -> float:
    """SR0: expected maximum of ``n_trials`` Sharpe ratios drawn with zero mean and variance
    ``sr_variance`` (both per period). 0 for a single trial."""
    if n_trials <= 1 or not sr_variance > 0.0:
        return 0.0
    n = float(n_trials)
    z1 = stats.norm.ppf(1.0 - 1.0 / n)
    z2 = stats.norm.ppf(1.0 - 1.0 / (n * math.e))
    return float(math.sqrt(sr_variance) * ((1.0 - EULER_GAMMA) * z1 + EULER_GAMMA * z2))


def deflated_sharpe_ratio(
    sr: float, n_obs: int, n_trials: int, sr_variance: float, skew: float = 0.0, kurt: float = 3.0
) -> float:
    """DSR = PSR(SR0); every Sharpe ratio and the variance are per period.

    >>> v = 0.5 / 250  # the paper: annualized variance 0.5 over 250 days a year
    >>> round(deflated_sharpe_ratio(2.5 / 250**0.5, 1250, 100, v, -3.0, 10.0), 4)
    0.9004
    """
    sr0 = expected_max_sharpe(n_trials, sr_variance)
    return probabilistic_sharpe_ratio(sr, n_obs, skew, kurt, sr0)


class DeflatedSharpe(BaseModel):
    """The DSR of a selected strategy's returns, with what it was computed from."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    sharpe_per_period: float
    n_obs: int
    n_trials: int
    sr_variance: float
    sr0: float
    skew: float
    kurtosis: float
    psr: float
    dsr: float


def deflated_sharpe_from_returns(
    returns: FloatArray, n_trials: int, trial_sharpes: FloatArray | None = None
) -> DeflatedSharpe:
    """DSR of ``returns`` (per period) after ``n_trials`` trials; the variance of the trials'
    per-period Sharpe ratios comes from ``trial_sharpes`` (0 when not given or single)."""
    r = np.asarray(returns, dtype=np.float64)
    r = r[np.isfinite(r)]
    sd = float(r.std(ddof=1)) if r.size > 1 else 0.0
    sr = float(r.mean() / sd) if sd > 1e-15 else 0.0
    skew = float(stats.skew(r)) if sd > 1e-15 and r.size > 2 else 0.0
    kurt = float(stats.kurtosis(r, fisher=False)) if sd > 1e-15 and r.size > 3 else 3.0
    ts = np.asarray(trial_sharpes if trial_sharpes is not None else [], dtype=np.float64)
    ts = ts[np.isfinite(ts)]
    var = float(ts.var(ddof=1)) if ts.size > 1 else 0.0
    sr0 = expected_max_sharpe(n_trials, var)
    return DeflatedSharpe(
        sharpe_per_period=sr,
        n_obs=int(r.size),
        n_trials=int(n_trials),
        sr_variance=var,
        sr0=sr0,
        skew=skew,
        kurtosis=kurt,
        psr=probabilistic_sharpe_ratio(sr, int(r.size), skew, kurt, 0.0),
        dsr=probabilistic_sharpe_ratio(sr, int(r.size), skew, kurt, sr0),
    )


__all__ = [
    "EULER_GAMMA",
    "DeflatedSharpe",
    "deflated_sharpe_from_returns",
    "deflated_sharpe_ratio",
    "expected_max_sharpe",
    "probabilistic_sharpe_ratio",
]
