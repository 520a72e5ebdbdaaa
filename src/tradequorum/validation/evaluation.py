"""Evaluate one parameter set on every walk-forward window (the unit of parallel work).

Signals are computed once per parameter set on the whole history (strategies are causal, so row
``t`` is what a live run would have seen, and indicators are warm at each window's start). Each
train and test range is then backtested on its own, starting flat with the initial equity.
Intraday returns are compounded into periods of one UTC day when the walk-forward span holds at
least 4 days per PBO block (so PBO and the OOS Sharpe use daily returns for 1m bars), else they
are kept per bar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradequorum.backtest.engine import EngineSettings, run_arrays
from tradequorum.backtest.indicators import wilder_atr
from tradequorum.backtest.metrics import compute_metrics, sharpe_ratio
from tradequorum.backtest.strategies import get_strategy
from tradequorum.core.errors import ConfigError
from tradequorum.core.timeframes import bars_per_year, timeframe_seconds
from tradequorum.validation.search_space import ParamSet
from tradequorum.validation.windows import Window, day_starts

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class EvalContext:
    """Everything a worker needs (picklable; sent once per chunk or scattered to Dask)."""

    bars: pd.DataFrame
    strategy: str
    windows: tuple[Window, ...]
    settings: EngineSettings
    timeframe: str
    calendar: str
    objective: str
    daily: bool = False  # compound intraday returns into UTC-day periods (see daily_periods)

    @property
    def periods_per_year(self) -> float:
        tf = "1d" if self.daily else self.timeframe
        return bars_per_year(tf, calendar=self.calendar)


@dataclass(frozen=True, slots=True)
class ConfigEval:
    """One parameter set: IS objective and OOS period returns per window, full-span returns."""

    params: ParamSet
    is_scores: tuple[float, ...]
    oos_returns: tuple[FloatArray, ...]
    span_returns: FloatArray
    valid: bool


def daily_periods(timeframe: str, n_days: int, pbo_blocks: int) -> bool:
    """Aggregate to days when bars are intraday and the span holds >= 4 days per PBO block;
    shorter intraday spans keep per-bar periods so CSCV still has enough rows."""
    return timeframe_seconds(timeframe) < 86400 and n_days >= 4 * pbo_blocks


def to_periods(returns: FloatArray, index: pd.Index, daily: bool) -> FloatArray:
    """Compound per-bar returns into per-UTC-day returns when ``daily``; else return them."""
    if not daily or returns.size == 0:
        return returns
    starts = day_starts(pd.DatetimeIndex(index))[:-1]
    growth = np.multiply.reduceat(1.0 + returns, starts)
    return np.asarray(growth - 1.0, dtype=np.float64)


def _returns(equity: FloatArray, initial: float) -> FloatArray:
    prev = np.concatenate([[initial], equity[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(prev > 0, equity / prev - 1.0, 0.0)
    return np.asarray(r, dtype=np.float64)


def slice_backtest(
    arrays: dict[str, FloatArray], sig: pd.DataFrame, lo: int, hi: int, s: EngineSettings
) -> tuple[FloatArray, ...]:
    """Backtest bars ``[lo, hi)`` starting flat (raw kernel tuple)."""
    ohlc = tuple(arrays[c][lo:hi] for c in ("open", "high", "low", "close"))
    col = {c: sig[c].to_numpy(dtype=np.float64)[lo:hi] for c in sig.columns}
    return run_arrays(
        ohlc,  # type: ignore[arg-type]
        col["direction"],
        s,
        stop=col.get("stop"),
        target=col.get("target"),
        scale=col.get("scale"),
        atr=arrays["atr"][lo:hi],
    )


def objective_value(equity: FloatArray, ctx: EvalContext, lo: int, hi: int) -> float:
    """The in-sample objective of one backtest (higher is better)."""
    s = ctx.settings
    if ctx.objective == "sharpe":
        r = to_periods(_returns(equity, s.initial_equity), ctx.bars.index[lo:hi], ctx.daily)
        return sharpe_ratio(r, ctx.periods_per_year)
    m = compute_metrics(
        equity, initial_equity=s.initial_equity, timeframe=ctx.timeframe, calendar=ctx.calendar
    )
    return float(getattr(m, ctx.objective))


def prepare_arrays(ctx: EvalContext) -> dict[str, FloatArray]:
    b = ctx.bars
    arrays = {c: b[c].to_numpy(dtype=np.float64) for c in ("open", "high", "low", "close")}
    arrays["atr"] = wilder_atr(
        arrays["high"], arrays["low"], arrays["close"], ctx.settings.atr_period
    )
    return arrays


def strategy_signals(ctx: EvalContext, params: ParamSet) -> pd.DataFrame | None:
    """The strategy's signal frame, or None when the parameters are invalid for it."""
    try:
        return get_strategy(ctx.strategy).signals(ctx.bars, params)
    except ConfigError:
        return None


def evaluate_config(
    ctx: EvalContext, params: ParamSet, arrays: dict[str, FloatArray]
) -> ConfigEval:
    """IS objective and OOS returns on every window, and the full-span returns, of ``params``."""
    sig = strategy_signals(ctx, params)
    w0, w1 = ctx.windows[0].train_start, ctx.windows[-1].test_end
    if sig is None:
        n = len(ctx.windows)
        empty = np.empty(0)
        return ConfigEval(params, (-math.inf,) * n, (empty,) * n, empty, False)
    s = ctx.settings
    is_scores, oos = [], []
    for w in ctx.windows:
        eq_is = slice_backtest(arrays, sig, w.train_start, w.train_end, s)[2]
        is_scores.append(objective_value(eq_is, ctx, w.train_start, w.train_end))
        eq_oos = slice_backtest(arrays, sig, w.test_start, w.test_end, s)[2]
        r = _returns(eq_oos, s.initial_equity)
        oos.append(to_periods(r, ctx.bars.index[w.test_start : w.test_end], ctx.daily))
    eq_span = slice_backtest(arrays, sig, w0, w1, s)[2]
    span = to_periods(_returns(eq_span, s.initial_equity), ctx.bars.index[w0:w1], ctx.daily)
    return ConfigEval(params, tuple(is_scores), tuple(oos), span, True)


def evaluate_chunk(ctx: EvalContext, configs: list[ParamSet]) -> list[ConfigEval]:
    """Evaluate a chunk of parameter sets (runs in a worker process or a Dask worker)."""
    arrays = prepare_arrays(ctx)
    return [evaluate_config(ctx, p, arrays) for p in configs]


def window_score(ctx: EvalContext, params: ParamSet, window: Window) -> float:
    """In-sample objective of ``params`` on one window (Optuna's objective)."""
    sig = strategy_signals(ctx, params)
    if sig is None:
        return -math.inf
    eq = slice_backtest(
        prepare_arrays(ctx), sig, window.train_start, window.train_end, ctx.settings
    )[2]
    return objective_value(eq, ctx, window.train_start, window.train_end)


def params_key(params: dict[str, Any]) -> str:
    """A stable key of a parameter set (sorted items)."""
    return repr(sorted(params.items()))


__all__ = [
    "ConfigEval",
    "EvalContext",
    "daily_periods",
    "evaluate_chunk",
    "evaluate_config",
    "objective_value",
    "params_key",
    "prepare_arrays",
    "slice_backtest",
    "strategy_signals",
    "to_periods",
    "window_score",
]
