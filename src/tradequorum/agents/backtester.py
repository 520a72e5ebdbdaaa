"""The ``backtester`` agent: historical validation, walk-forward, deployment approval.

Actions (``task.params``):

* ``run_backtest``: ``symbol``, ``timeframe``, ``strategy`` (default ``sma_cross``), ``params``
  -> :class:`BacktestSummary`;
* ``walk_forward``: ``symbol``, ``timeframe``, ``space`` (YAML path or mapping), optional
  ``walk_forward`` overrides, ``n_jobs``, ``scheduler`` -> :class:`WfoSummary`; writes
  ``backtests/wfo_results.json`` and ``backtests/wfo_validation.json`` when ``ctx.write_state``;
* ``validate_model``: ``symbol``, ``timeframe`` and ``signals`` (an in-process signal frame),
  ``signals_path`` (a file with ``direction``) or ``predictions_path`` (a ``proba`` column:
  P(up)), optional ``n_trials`` (for the DSR) and ``threshold``
  (default 0.55: long above, short below ``1 - threshold``) -> :class:`ModelValidation`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from tradequorum.agents.base import Agent, AgentContext, Task, require_market
from tradequorum.backtest.engine import EngineSettings, run_backtest
from tradequorum.backtest.metrics import Metrics, result_metrics
from tradequorum.backtest.record import BacktestRecord, make_record
from tradequorum.backtest.strategies import get_strategy, strategy_settings
from tradequorum.config.settings import Settings
from tradequorum.core.bars import fingerprint_bars
from tradequorum.core.errors import AgentError, DataError
from tradequorum.validation.dsr import DeflatedSharpe, deflated_sharpe_from_returns
from tradequorum.validation.search_space import load_search_space, parse_search_space
from tradequorum.validation.walk_forward import Criterion, run_walk_forward, write_wfo


def engine_settings(settings: Settings) -> EngineSettings:
    """Engine settings from the ``backtest`` and ``risk`` configuration sections."""
    return EngineSettings.from_config(settings.backtest, settings.risk)


def backtest_record(
    bars: pd.DataFrame,
    settings: Settings,
    *,
    strategy: str,
    params: dict[str, Any],
    timeframe: str,
    symbol: str,
    data_file: str | None = None,
) -> BacktestRecord:
    """Run ``strategy`` on ``bars`` with the configured costs and sizing; the JSON record."""
    strat = get_strategy(strategy)
    es = strategy_settings(strat, engine_settings(settings))
    signals = strat.signals(bars, params)
    result = run_backtest(bars, signals, es, symbol=symbol)
    metrics = result_metrics(result, timeframe=timeframe, calendar=settings.backtest.calendar)
    return make_record(
        result,
        metrics,
        strategy=strategy,
        params=params,
        settings=es,
        timeframe=timeframe,
        calendar=settings.backtest.calendar,
        data_fingerprint=fingerprint_bars(bars),
        data_file=data_file,
    )


class BacktestSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")
    strategy: str
    symbol: str
    timeframe: str
    params: dict[str, Any]
    data_fingerprint: str
    metrics: Metrics


class WfoSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: str
    approved: bool
    oos_sharpe: float
    pbo: float | None
    parameter_stability: float
    deflated_sharpe: float
    n_trials: int
    criteria: list[Criterion]
    results_path: str | None
    validation_path: str | None


class ModelValidation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    symbol: str
    timeframe: str
    source: str
    n_bars: int
    n_signals: int
    metrics: Metrics
    deflated_sharpe: DeflatedSharpe


def read_signal_file(path: Path, bars: pd.DataFrame, threshold: float = 0.55) -> pd.DataFrame:
    """A signal or prediction file (Parquet or CSV, time index) as a signal frame on ``bars``.

    ``direction`` is used as is; otherwise ``proba`` (P(up)) becomes +1 above ``threshold``,
    -1 below ``1 - threshold``, else 0. Bars missing in the file get NaN (no decision).
    """
    if not path.exists():
        raise DataError(f"signal file not found: {path}")
    frame = (
        pd.read_parquet(path)
        if path.suffix in (".parquet", ".pq")
        else pd.read_csv(path, index_col=0)
    )
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index, utc=True))
    if "direction" in frame.columns:
        out = frame[[c for c in ("direction", "stop", "target") if c in frame.columns]]
    elif "proba" in frame.columns:
        p = frame["proba"].to_numpy(dtype=np.float64)
        d = np.where(p > threshold, 1.0, np.where(p < 1.0 - threshold, -1.0, 0.0))
        out = pd.DataFrame({"direction": np.where(np.isfinite(p), d, np.nan)}, index=frame.index)
    else:
        raise DataError(f"{path} has neither a 'direction' nor a 'proba' column")
    return out.astype(np.float64).reindex(bars.index)


def validate_signal_frame(
    bars: pd.DataFrame,
    signals: pd.DataFrame,
    settings: Settings,
    *,
    timeframe: str,
    n_trials: int = 1,
) -> tuple[Metrics, DeflatedSharpe]:
    """Backtest a model's signal frame with the configured costs: metrics and its DSR."""
    res = run_backtest(bars, signals, engine_settings(settings))
    metrics = result_metrics(res, timeframe=timeframe, calendar=settings.backtest.calendar)
    return metrics, deflated_sharpe_from_returns(res.returns(), n_trials)


class Backtester(Agent):
    name: ClassVar[str] = "backtester"
    domain: ClassVar[str] = "historical validation, walk-forward optimization, deployment approval"
    actions: ClassVar[tuple[str, ...]] = ("run_backtest", "walk_forward", "validate_model")

    @staticmethod
    def _bars(task: Task, ctx: AgentContext) -> tuple[pd.DataFrame, str, str]:
        symbol = str(task.params.get("symbol", ctx.settings.symbols[0]))
        timeframe = str(task.params.get("timeframe", ctx.settings.timeframe))
        bars = require_market(ctx, Backtester.name).bars(symbol, timeframe)
        return bars, symbol, timeframe

    def run_backtest(self, task: Task, ctx: AgentContext) -> BacktestSummary:
        bars, symbol, timeframe = self._bars(task, ctx)
        strategy = str(task.params.get("strategy", "sma_cross"))
        params = dict(task.params.get("params", {}))
        rec = backtest_record(
            bars, ctx.settings, strategy=strategy, params=params, timeframe=timeframe, symbol=symbol
        )
        return BacktestSummary(
            strategy=strategy,
            symbol=symbol,
            timeframe=timeframe,
            params=params,
            data_fingerprint=rec.data_fingerprint,
            metrics=rec.metrics,
        )

    def walk_forward(self, task: Task, ctx: AgentContext) -> WfoSummary:
        bars, symbol, timeframe = self._bars(task, ctx)
        raw = task.params.get("space")
        if raw is None:
            raise AgentError("walk_forward needs params.space (a YAML path or a mapping)")
        space = parse_search_space(raw) if isinstance(raw, dict) else load_search_space(str(raw))
        wf = ctx.settings.walk_forward.model_validate(
            {**ctx.settings.walk_forward.model_dump(), **dict(task.params.get("walk_forward", {}))}
        )
        run = run_walk_forward(
            bars,
            space,
            wf,
            engine_settings(ctx.settings),
            timeframe=timeframe,
            calendar=ctx.settings.backtest.calendar,
            symbol=symbol,
            n_jobs=int(task.params.get("n_jobs", wf.n_jobs)),
            scheduler=task.params.get("scheduler", wf.scheduler),
        )
        paths: tuple[Path | None, Path | None] = (None, None)
        if ctx.write_state:
            paths = write_wfo(run, ctx.layout.backtests)
        v = run.validation
        return WfoSummary(
            decision=v.decision,
            approved=v.approved,
            oos_sharpe=v.oos_sharpe,
            pbo=None if v.pbo is None else v.pbo.pbo,
            parameter_stability=v.parameter_stability.score,
            deflated_sharpe=v.deflated_sharpe.dsr,
            n_trials=v.n_trials,
            criteria=v.criteria,
            results_path=None if paths[0] is None else str(paths[0]),
            validation_path=None if paths[1] is None else str(paths[1]),
        )

    def validate_model(self, task: Task, ctx: AgentContext) -> ModelValidation:
        bars, symbol, timeframe = self._bars(task, ctx)
        frame = task.params.get("signals")
        src = task.params.get("signals_path") or task.params.get("predictions_path")
        if isinstance(frame, pd.DataFrame) and "direction" in frame.columns:
            signals, src = frame.astype(np.float64).reindex(bars.index), "in-memory frame"
        elif src:
            threshold = float(task.params.get("threshold", 0.55))
            signals = read_signal_file(Path(str(src)), bars, threshold)
        else:
            raise AgentError(
                "validate_model needs params.signals (a frame with 'direction'), "
                "params.signals_path or params.predictions_path"
            )
        n_trials = int(task.params.get("n_trials", 1))
        metrics, dsr = validate_signal_frame(
            bars, signals, ctx.settings, timeframe=timeframe, n_trials=n_trials
        )
        return ModelValidation(
            symbol=symbol,
            timeframe=timeframe,
            source=str(src),
            n_bars=len(bars),
            n_signals=int(signals["direction"].notna().sum()),
            metrics=metrics,
            deflated_sharpe=dsr,
        )


__all__ = [
    "BacktestSummary",
    "Backtester",
    "ModelValidation",
    "WfoSummary",
    "backtest_record",
    "engine_settings",
    "read_signal_file",
    "validate_signal_frame",
]
