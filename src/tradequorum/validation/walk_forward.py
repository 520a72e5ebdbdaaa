"""Walk-forward optimization with its approve/reject decision (DESIGN §7).

For each window the parameter set with the best in-sample objective is chosen and evaluated on
the following, never overlapping, test range. The decision combines:

* OOS Sharpe: annualized Sharpe of the stitched test-range returns of the chosen sets;
* PBO by CSCV over the full-span returns of **every** parameter set tried (``T x N``);
* parameter stability of the chosen sets (:mod:`tradequorum.validation.stability`);
* the deflated Sharpe of the stitched OOS returns, deflated by the number of parameter sets
  actually tried and the variance of their Sharpe ratios (reported; a criterion when
  ``criteria.min_dsr`` is set).

A criterion that cannot be computed (e.g. PBO with one parameter set) fails: the decision fails
closed. Output files: ``backtests/wfo_results.json`` and ``backtests/wfo_validation.json``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict

from tradequorum.backtest.engine import EngineSettings
from tradequorum.backtest.kernels import T_PNL, T_RET
from tradequorum.backtest.metrics import Metrics, compute_metrics, sharpe_ratio
from tradequorum.backtest.strategies import get_strategy, strategy_settings
from tradequorum.config.validation import WalkForwardConfig
from tradequorum.core.bars import ensure_bars, fingerprint_bars
from tradequorum.core.errors import DataError
from tradequorum.state.json_store import write_json_atomic
from tradequorum.validation.dsr import DeflatedSharpe, deflated_sharpe_from_returns
from tradequorum.validation.evaluation import (
    ConfigEval,
    EvalContext,
    daily_periods,
    params_key,
    prepare_arrays,
    slice_backtest,
    strategy_signals,
    window_score,
)
from tradequorum.validation.parallel import evaluate_all
from tradequorum.validation.pbo import PboResult, probability_of_backtest_overfitting
from tradequorum.validation.search_space import ParamSet, SearchSpace
from tradequorum.validation.stability import StabilityReport, parameter_stability
from tradequorum.validation.windows import Window, day_starts, make_windows

logger = logging.getLogger(__name__)


class WindowResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    index: int
    train_start: str
    train_end: str
    test_start: str
    test_end: str
    train_bars: int
    test_bars: int
    params: dict[str, Any]
    is_score: float
    is_metrics: Metrics
    oos_metrics: Metrics


class WfoResults(BaseModel):
    """``backtests/wfo_results.json``: every window's ranges, chosen parameters, IS/OOS metrics."""

    model_config = ConfigDict(extra="forbid")
    strategy: str
    symbol: str
    timeframe: str
    calendar: str
    data_fingerprint: str
    walk_forward: WalkForwardConfig
    search: str
    objective: str
    n_configs_tried: int
    windows: list[WindowResult]
    oos_period_times: list[str]
    oos_equity: list[float]


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    value: float | None
    threshold: float | None
    op: Literal[">", "<"]
    passed: bool
    required: bool = True


class WfoValidation(BaseModel):
    """``backtests/wfo_validation.json``: the decision table and the statistics behind it."""

    model_config = ConfigDict(extra="forbid")
    oos_sharpe: float
    oos_total_return: float
    oos_max_drawdown: float
    pbo: PboResult | None
    parameter_stability: StabilityReport
    deflated_sharpe: DeflatedSharpe
    n_trials: int
    criteria: list[Criterion]
    approved: bool
    decision: Literal["approve", "reject"]


@dataclass(frozen=True, slots=True)
class WfoRun:
    results: WfoResults
    validation: WfoValidation


def _metrics(
    ctx: EvalContext, sig: pd.DataFrame, arrays: dict[str, Any], lo: int, hi: int
) -> Metrics:
    pos, _, equity, notional, _, trades = slice_backtest(arrays, sig, lo, hi, ctx.settings)
    tf = pd.DataFrame({"pnl": trades[:, T_PNL], "return": trades[:, T_RET]})
    return compute_metrics(
        equity,
        initial_equity=ctx.settings.initial_equity,
        timeframe=ctx.timeframe,
        calendar=ctx.calendar,
        positions=pos,
        notional=notional,
        trades=tf,
    )


def _optuna_choices(ctx: EvalContext, space: SearchSpace) -> tuple[list[ParamSet], list[ParamSet]]:
    """Per-window Optuna studies; returns (chosen per window, union of every set tried)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    chosen: list[ParamSet] = []
    tried: dict[str, ParamSet] = {}
    for w in ctx.windows:
        sampler = optuna.samplers.TPESampler(seed=space.seed + w.index)
        study = optuna.create_study(direction="maximize", sampler=sampler)

        def objective(trial: Any, window: Window = w) -> float:
            p = space.suggest(trial)
            tried.setdefault(params_key(p), p)
            score = window_score(ctx, p, window)
            return score if math.isfinite(score) else -1e9

        study.optimize(objective, n_trials=space.max_trials)
        chosen.append({**space.fixed, **study.best_params})
    return chosen, list(tried.values())


def _select(evals: list[ConfigEval], n_windows: int) -> list[int]:
    """Index of the best IS objective per window (first of equals; invalid sets never win)."""
    scores = np.array([e.is_scores for e in evals], dtype=np.float64).reshape(-1, n_windows)
    scores = np.where(np.isfinite(scores), scores, -np.inf)
    return [int(i) for i in np.argmax(scores, axis=0)]


def _iso(index: pd.DatetimeIndex, pos: int) -> str:
    return (
        index[min(pos, len(index) - 1)].isoformat() if pos < len(index) else index[-1].isoformat()
    )


def _window_results(
    ctx: EvalContext, chosen: list[ParamSet], is_scores: list[float]
) -> list[WindowResult]:
    arrays = prepare_arrays(ctx)
    idx = pd.DatetimeIndex(ctx.bars.index)
    out = []
    for w, params, score in zip(ctx.windows, chosen, is_scores, strict=True):
        sig = strategy_signals(ctx, params)
        if sig is None:
            raise DataError(f"window {w.index}: the chosen parameters {params} are invalid")
        out.append(
            WindowResult(
                index=w.index,
                train_start=_iso(idx, w.train_start),
                train_end=_iso(idx, w.train_end - 1),
                test_start=_iso(idx, w.test_start),
                test_end=_iso(idx, w.test_end - 1),
                train_bars=w.train_end - w.train_start,
                test_bars=w.test_end - w.test_start,
                params=params,
                is_score=float(score) if math.isfinite(score) else -1e9,
                is_metrics=_metrics(ctx, sig, arrays, w.train_start, w.train_end),
                oos_metrics=_metrics(ctx, sig, arrays, w.test_start, w.test_end),
            )
        )
    return out


def _period_times(ctx: EvalContext) -> list[str]:
    out: list[str] = []
    for w in ctx.windows:
        idx = pd.DatetimeIndex(ctx.bars.index[w.test_start : w.test_end])
        pos = day_starts(idx)[:-1] if ctx.daily else np.arange(len(idx))
        out.extend(t.isoformat() for t in idx[pos])
    return out


def decide(
    oos_sharpe: float,
    pbo: PboResult | None,
    stability: StabilityReport,
    dsr: DeflatedSharpe,
    cfg: WalkForwardConfig,
) -> tuple[list[Criterion], bool]:
    """The decision table: each criterion's value, threshold and verdict; approve when every
    required criterion passes (a value that could not be computed fails)."""
    c = cfg.criteria
    rows = [
        Criterion(
            name="oos_sharpe",
            value=oos_sharpe,
            threshold=c.min_oos_sharpe,
            op=">",
            passed=oos_sharpe > c.min_oos_sharpe,
        ),
        Criterion(
            name="pbo",
            value=None if pbo is None else pbo.pbo,
            threshold=c.max_pbo,
            op="<",
            passed=pbo is not None and pbo.pbo < c.max_pbo,
        ),
        Criterion(
            name="parameter_stability",
            value=stability.score,
            threshold=c.min_parameter_stability,
            op=">",
            passed=stability.score > c.min_parameter_stability,
        ),
        Criterion(
            name="deflated_sharpe",
            value=dsr.dsr,
            threshold=c.min_dsr,
            op=">",
            passed=c.min_dsr is None or dsr.dsr > c.min_dsr,
            required=c.min_dsr is not None,
        ),
    ]
    return rows, all(r.passed for r in rows if r.required)


def _pbo(evals: list[ConfigEval], blocks: int) -> PboResult | None:
    valid = [e.span_returns for e in evals if e.valid]
    if len(valid) < 2:
        return None
    try:
        return probability_of_backtest_overfitting(np.column_stack(valid), blocks)
    except DataError as exc:
        logger.warning("pbo not computed: %s", exc)
        return None


def _context(
    bars: pd.DataFrame,
    space: SearchSpace,
    cfg: WalkForwardConfig,
    settings: EngineSettings,
    timeframe: str,
    calendar: str,
) -> EvalContext:
    windows = tuple(make_windows(pd.DatetimeIndex(bars.index), cfg))
    span = pd.DatetimeIndex(bars.index)[windows[0].train_start : windows[-1].test_end]
    daily = daily_periods(timeframe, len(day_starts(span)) - 1, cfg.pbo_blocks)
    settings = strategy_settings(get_strategy(space.strategy), settings)
    return EvalContext(
        bars, space.strategy, windows, settings, timeframe, calendar, space.objective, daily
    )


def _search(
    ctx: EvalContext, space: SearchSpace, n_jobs: int, scheduler: Any
) -> tuple[list[ConfigEval], list[ParamSet]]:
    """Every parameter set evaluated, and the set chosen in-sample for each window."""
    if space.search == "optuna":
        chosen, configs = _optuna_choices(ctx, space)
    else:
        configs = space.candidates()
    evals = evaluate_all(ctx, configs, n_jobs=n_jobs, scheduler=scheduler)
    if not any(e.valid for e in evals):
        raise DataError(f"no parameter set of the search space is valid for {space.strategy}")
    if space.search != "optuna":
        chosen = [evals[i].params for i in _select(evals, len(ctx.windows))]
    return evals, chosen


def _validate(
    evals: list[ConfigEval],
    oos: npt.NDArray[np.float64],
    chosen: list[ParamSet],
    ctx: EvalContext,
    space: SearchSpace,
    cfg: WalkForwardConfig,
) -> WfoValidation:
    """OOS figures, PBO, stability and DSR of a finished search, and the decision."""
    initial = ctx.settings.initial_equity
    curve = initial * np.cumprod(np.concatenate([[1.0], 1.0 + oos]))
    oos_sharpe = sharpe_ratio(oos, ctx.periods_per_year)
    valid = [e for e in evals if e.valid]  # sets actually backtested: the DSR's trials
    trial_sr = np.array([sharpe_ratio(e.span_returns) for e in valid])
    dsr = deflated_sharpe_from_returns(oos, len(valid), trial_sr)
    searched = [{k: p[k] for k in space.parameters} for p in chosen]
    stability = parameter_stability(searched, space.numeric_ranges())
    pbo = _pbo(evals, cfg.pbo_blocks)
    criteria, approved = decide(oos_sharpe, pbo, stability, dsr, cfg)
    return WfoValidation(
        oos_sharpe=oos_sharpe,
        oos_total_return=float(curve[-1] / initial - 1.0),
        oos_max_drawdown=float(-(curve / np.maximum.accumulate(curve) - 1.0).min()),
        pbo=pbo,
        parameter_stability=stability,
        deflated_sharpe=dsr,
        n_trials=len(valid),
        criteria=criteria,
        approved=approved,
        decision="approve" if approved else "reject",
    )


def run_walk_forward(
    bars: pd.DataFrame,
    space: SearchSpace,
    cfg: WalkForwardConfig,
    settings: EngineSettings,
    *,
    timeframe: str,
    calendar: str = "crypto",
    symbol: str = "asset",
    n_jobs: int = 1,
    scheduler: Any = None,
) -> WfoRun:
    """Run the walk-forward optimization of ``space.strategy`` on ``bars`` and decide."""
    ensure_bars(bars)
    ctx = _context(bars, space, cfg, settings, timeframe, calendar)
    evals, chosen = _search(ctx, space, n_jobs, scheduler)
    by_key = {params_key(e.params): e for e in evals}
    picked = [(by_key[params_key(p)], w) for p, w in zip(chosen, ctx.windows, strict=True)]
    oos = np.concatenate([e.oos_returns[w.index] for e, w in picked])
    validation = _validate(evals, oos, chosen, ctx, space, cfg)
    results = WfoResults(
        strategy=space.strategy,
        symbol=symbol,
        timeframe=timeframe,
        calendar=calendar,
        data_fingerprint=fingerprint_bars(bars),
        walk_forward=cfg,
        search=space.search,
        objective=space.objective,
        n_configs_tried=validation.n_trials,
        windows=_window_results(ctx, chosen, [e.is_scores[w.index] for e, w in picked]),
        oos_period_times=_period_times(ctx),
        oos_equity=[float(x) for x in ctx.settings.initial_equity * np.cumprod(1.0 + oos)],
    )
    return WfoRun(results=results, validation=validation)


def write_wfo(run: WfoRun, backtests_dir: Path) -> tuple[Path, Path]:
    """Write ``wfo_results.json`` and ``wfo_validation.json`` atomically into ``backtests_dir``."""
    results_path = backtests_dir / "wfo_results.json"
    validation_path = backtests_dir / "wfo_validation.json"
    write_json_atomic(results_path, run.results)
    write_json_atomic(validation_path, run.validation)
    return results_path, validation_path


__all__ = [
    "Criterion",
    "WfoResults",
    "WfoRun",
    "WfoValidation",
    "WindowResult",
    "decide",
    "run_walk_forward",
    "write_wfo",
]
