"""Walk-forward optimization, PBO (CSCV), deflated Sharpe and parameter stability (DESIGN §7)."""

from __future__ import annotations

from tradequorum.validation.dsr import (
    DeflatedSharpe,
    deflated_sharpe_from_returns,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    probabilistic_sharpe_ratio,
)
from tradequorum.validation.evaluation import ConfigEval, EvalContext, evaluate_chunk
from tradequorum.validation.parallel import evaluate_all
from tradequorum.validation.pbo import PboResult, n_splits, probability_of_backtest_overfitting
from tradequorum.validation.search_space import (
    ParamSpec,
    SearchSpace,
    load_search_space,
    parse_search_space,
)
from tradequorum.validation.stability import (
    StabilityReport,
    categorical_stability,
    importance_stability,
    numeric_stability,
    parameter_stability,
)
from tradequorum.validation.walk_forward import (
    Criterion,
    WfoResults,
    WfoRun,
    WfoValidation,
    WindowResult,
    decide,
    run_walk_forward,
    write_wfo,
)
from tradequorum.validation.windows import Window, day_starts, make_windows

__all__ = [
    "ConfigEval",
    "Criterion",
    "DeflatedSharpe",
    "EvalContext",
    "ParamSpec",
    "PboResult",
    "SearchSpace",
    "StabilityReport",
    "WfoResults",
    "WfoRun",
    "WfoValidation",
    "Window",
    "WindowResult",
    "categorical_stability",
    "day_starts",
    "decide",
    "deflated_sharpe_from_returns",
    "deflated_sharpe_ratio",
    "evaluate_all",
    "evaluate_chunk",
    "expected_max_sharpe",
    "importance_stability",
    "load_search_space",
    "make_windows",
    "n_splits",
    "numeric_stability",
    "parameter_stability",
    "parse_search_space",
    "probabilistic_sharpe_ratio",
    "probability_of_backtest_overfitting",
    "run_walk_forward",
    "write_wfo",
]
