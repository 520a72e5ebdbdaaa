"""Performance metrics of a backtest, annualized from the timeframe and the market's calendar.

Conventions (documented in docs/backtest.md):

* returns are simple per-bar returns of equity (``equity[t] / equity[t-1] - 1``);
* Sharpe = ``mean / std(ddof=1) * sqrt(bars_per_year)`` (risk-free rate 0); Sortino uses the
  downside deviation ``sqrt(mean(min(r, 0)^2))``; ``bars_per_year`` comes from
  :func:`tradequorum.core.timeframes.bars_per_year` (crypto 365 x 24 h);
* CAGR uses ``years = n_bars / bars_per_year`` (capped at 1e9 for tiny spans); Calmar = CAGR /
  max drawdown;
* max drawdown is a positive fraction of the running peak; its duration is the longest stretch
  (bars) spent below a previous peak;
* exposure = share of bars with an open position; turnover = traded notional / mean equity,
  per year; trade statistics use each round trip's net P&L (fees included).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict

from tradequorum.backtest.engine import BacktestResult
from tradequorum.core.timeframes import bars_per_year

FloatArray = npt.NDArray[np.float64]


class Metrics(BaseModel):
    """Headline figures of one backtest (fractions, not percent; durations in bars)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    total_return: float
    cagr: float
    sharpe: float
    sortino: float
    max_drawdown: float
    max_drawdown_bars: int
    calmar: float
    win_rate: float
    profit_factor: float
    exposure: float
    turnover: float
    avg_trade: float
    avg_trade_return: float
    trade_count: int
    n_bars: int
    bars_per_year: float


def sharpe_ratio(returns: FloatArray, periods_per_year: float = 1.0) -> float:
    """Annualized Sharpe ratio (0 when fewer than 2 returns or zero variance).

    >>> round(sharpe_ratio(np.array([0.01, -0.005, 0.02, 0.0]), 1.0), 4)
    0.5637
    """
    r = np.asarray(returns, dtype=np.float64)
    if r.size < 2:
        return 0.0
    sd = float(r.std(ddof=1))
    if not sd > 1e-15:
        return 0.0
    return float(r.mean() / sd * math.sqrt(periods_per_year))


def sortino_ratio(returns: FloatArray, periods_per_year: float = 1.0) -> float:
    """Annualized Sortino ratio with downside deviation ``sqrt(mean(min(r, 0)^2))``."""
    r = np.asarray(returns, dtype=np.float64)
    if r.size < 2:
        return 0.0
    dd = float(np.sqrt(np.mean(np.minimum(r, 0.0) ** 2)))
    if not dd > 1e-15:
        return 0.0
    return float(r.mean() / dd * math.sqrt(periods_per_year))


def drawdown(equity: FloatArray) -> tuple[FloatArray, float, int]:
    """Drawdown path (<= 0), max drawdown (positive fraction), longest underwater stretch (bars)."""
    eq = np.asarray(equity, dtype=np.float64)
    if eq.size == 0:
        return eq.copy(), 0.0, 0
    peak = np.maximum.accumulate(eq)
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(peak > 0, eq / peak - 1.0, 0.0)
    under = dd < 0
    longest = 0
    if under.any():
        # lengths of runs of True
        edges = np.diff(np.concatenate([[0], under.astype(np.int8), [0]]))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        longest = int((ends - starts).max())
    return dd, float(-dd.min()), longest


def _cagr(growth: float, years: float) -> float:
    """Compound annual growth; -1 when wiped out, capped at 1e9 (very short, very good runs)."""
    if not (years > 0 and growth > 0):
        return -1.0
    log_rate = math.log(growth) / years
    return math.expm1(log_rate) if log_rate < math.log(1e9) else 1e9


def _trade_stats(pnl: FloatArray, ret: FloatArray) -> tuple[float, float, float, float]:
    if pnl.size == 0:
        return 0.0, 0.0, 0.0, 0.0
    wins, losses = pnl[pnl > 0].sum(), -pnl[pnl < 0].sum()
    pf = float(wins / losses) if losses > 0 else (math.inf if wins > 0 else 0.0)
    return float((pnl > 0).mean()), pf, float(pnl.mean()), float(ret.mean())


def compute_metrics(
    equity: FloatArray,
    *,
    initial_equity: float,
    timeframe: str,
    calendar: str = "crypto",
    positions: FloatArray | None = None,
    notional: FloatArray | None = None,
    trades: pd.DataFrame | None = None,
) -> Metrics:
    """All metrics from an equity curve (and optionally positions, traded notional, trades)."""
    eq = np.asarray(equity, dtype=np.float64)
    n = int(eq.size)
    bpy = bars_per_year(timeframe, calendar=calendar)
    prev = np.concatenate([[initial_equity], eq[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(prev > 0, eq / prev - 1.0, 0.0)
    final = float(eq[-1]) if n else initial_equity
    total = final / initial_equity - 1.0
    years = n / bpy if n else 0.0
    cagr = _cagr(final / initial_equity, years)
    _, mdd, mdd_bars = drawdown(np.concatenate([[initial_equity], eq]))
    exposure = 0.0
    if positions is not None and n:
        pos = np.asarray(positions).reshape(n, -1)
        exposure = float((np.abs(pos).sum(axis=1) > 0).mean())
    turnover = 0.0
    if notional is not None and n and years > 0:
        turnover = float(np.sum(notional) / max(float(np.mean(eq)), 1e-12) / years)
    pnl = np.empty(0) if trades is None else trades["pnl"].to_numpy(dtype=np.float64)
    ret = np.empty(0) if trades is None else trades["return"].to_numpy(dtype=np.float64)
    win, pf, avg, avg_ret = _trade_stats(pnl, ret)
    return Metrics(
        total_return=float(total),
        cagr=float(cagr),
        sharpe=sharpe_ratio(r, bpy),
        sortino=sortino_ratio(r, bpy),
        max_drawdown=mdd,
        max_drawdown_bars=mdd_bars,
        calmar=float(cagr / mdd) if mdd > 0 else 0.0,
        win_rate=win,
        profit_factor=pf if math.isfinite(pf) else 1e9,
        exposure=exposure,
        turnover=turnover,
        avg_trade=avg,
        avg_trade_return=avg_ret,
        trade_count=int(pnl.size),
        n_bars=n,
        bars_per_year=bpy,
    )


def result_metrics(result: BacktestResult, *, timeframe: str, calendar: str = "crypto") -> Metrics:
    """Metrics of an engine result (equity, positions, traded notional and trades)."""
    return compute_metrics(
        result.equity,
        initial_equity=result.initial_equity,
        timeframe=timeframe,
        calendar=calendar,
        positions=result.positions,
        notional=result.notional,
        trades=result.trades,
    )


__all__ = [
    "Metrics",
    "compute_metrics",
    "drawdown",
    "result_metrics",
    "sharpe_ratio",
    "sortino_ratio",
]
