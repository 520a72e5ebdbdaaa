"""Backtest engine (numba), the shared fill model, metrics and built-in strategies (DESIGN §7)."""

from __future__ import annotations

from tradequorum.backtest.engine import (
    TRADE_COLUMNS,
    BacktestResult,
    EngineSettings,
    run_arrays,
    run_backtest,
    run_backtest_targets,
    run_portfolio,
)
from tradequorum.backtest.fills import (
    EXIT_REASONS,
    exit_fill_price,
    fee,
    fill_price,
    slippage,
    stop_target_exit,
)
from tradequorum.backtest.indicators import sma, wilder_atr
from tradequorum.backtest.metrics import (
    Metrics,
    compute_metrics,
    drawdown,
    result_metrics,
    sharpe_ratio,
    sortino_ratio,
)
from tradequorum.backtest.strategies import (
    STRATEGIES,
    AnalystStrategy,
    SmaCross,
    Strategy,
    get_strategy,
    strategy_settings,
)

__all__ = [
    "EXIT_REASONS",
    "STRATEGIES",
    "TRADE_COLUMNS",
    "AnalystStrategy",
    "BacktestResult",
    "EngineSettings",
    "Metrics",
    "SmaCross",
    "Strategy",
    "compute_metrics",
    "drawdown",
    "exit_fill_price",
    "fee",
    "fill_price",
    "get_strategy",
    "result_metrics",
    "run_arrays",
    "run_backtest",
    "run_backtest_targets",
    "run_portfolio",
    "sharpe_ratio",
    "slippage",
    "sma",
    "sortino_ratio",
    "stop_target_exit",
    "strategy_settings",
    "wilder_atr",
]
