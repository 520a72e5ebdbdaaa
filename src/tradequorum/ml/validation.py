"""Validation of a candidate on its out-of-fold predictions, with the backtest engine.

Honest probabilities: the calibrator applied to fold ``k`` is fitted on folds ``< k`` only
(walk-forward calibration), so fold 0 is not traded. Those probabilities become signals
(:func:`tradequorum.ml.signals.frame_from_proba`) on the bars of the folds, and the shared engine
(:func:`tradequorum.backtest.run_backtest`: next-open fills, fees, slippage, stop before target)
trades them. A trade follows its label exactly (:func:`barrier_plan`): entered at ``open[t+1]``
from row ``t``, it lives until its stop or target (the horizontal barriers) or its vertical
barrier (an exit decided at the close of ``t+h``, filled at ``open[t+h+1]``); signals during a
trade are ignored (no flips: an opposite signal would close it before its barrier, and a flipped
position has no vertical barrier). Neutral rows are "no decision", not exits (closing on every
neutral bar churned 4,485 trades in three weeks of simulated 1m bars and validated fees, not the
model). Gates (configurable): OOF balanced accuracy ``>= min_balanced_accuracy`` (chance is 1/3)
and annualized Sharpe ``>= min_oof_sharpe``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numba import njit
from pydantic import BaseModel

from tradequorum.backtest import BacktestResult, EngineSettings, result_metrics, run_backtest
from tradequorum.backtest.fills import EXIT_NONE, stop_target_exit
from tradequorum.config.ml import MlConfig
from tradequorum.core.bars import FloatArray, column
from tradequorum.ml.calibration import fit_calibrator
from tradequorum.ml.labels import make_labels
from tradequorum.ml.signals import frame_from_proba
from tradequorum.ml.training import TrainingResult


class ValidationReport(BaseModel):
    passed: bool
    reasons: list[str]
    metrics: dict[str, Any]
    method: str = "oof_backtest"


@dataclass(frozen=True, slots=True)
class ValidationOutcome:
    """The report plus what model risk needs: the backtest and the honest OOF probabilities."""

    report: ValidationReport
    backtest: BacktestResult | None
    proba: FloatArray
    outcomes: FloatArray


def honest_oof_proba(result: TrainingResult, method: str) -> tuple[FloatArray, np.ndarray]:
    """Fold-k probabilities calibrated on folds < k; returns (proba, mask of rows kept)."""
    y = result.dataset.y[result.oof_rows]
    out = np.full_like(result.oof_raw, np.nan)
    for k in np.unique(result.oof_fold)[1:]:
        past, cur = result.oof_fold < k, result.oof_fold == k
        cal = fit_calibrator(result.oof_raw[past], y[past], method)
        out[cur] = cal.transform(result.oof_raw[cur])
    keep = result.oof_fold > 0
    return out, keep


@njit(cache=True)
def _barrier_plan(
    d: FloatArray,
    open_: FloatArray,
    high: FloatArray,
    low: FloatArray,
    stop: FloatArray,
    target: FloatArray,
    h: int,
) -> FloatArray:  # pragma: no cover - numba
    n = d.size
    plan = np.full(n, np.nan)
    t = 0
    while t < n - 1:
        side, stp, tgt, o1 = d[t], stop[t], target[t], open_[t + 1]
        if (
            not (side == 1.0 or side == -1.0)
            or side * (o1 - stp) <= 0.0
            or side * (tgt - o1) <= 0.0
        ):
            t += 1  # no signal, or the engine cancels the entry (fill bar opens through a level)
            continue
        plan[t] = side
        end = min(t + h, n - 1)
        j = t + 1
        while j <= end:
            kind, _ = stop_target_exit(open_[j], high[j], low[j], side, stp, tgt)
            if kind != EXIT_NONE:
                break
            j += 1
        if j <= end:  # a horizontal barrier at bar j; a neutral row resets the re-entry block
            plan[j] = 0.0
            t = j + 1
        elif end == t + h:  # the vertical barrier: exit decided at the close of t+h
            plan[end] = 0.0
            t = end + 1
        else:
            break  # runs past the data: the engine reports it as an open trade
    return plan


def barrier_plan(bars: pd.DataFrame, signals: pd.DataFrame, horizon_bars: int) -> FloatArray:
    """The direction column that makes the engine trade like the label (one trade at a time).

    Row ``t`` with direction +-1 while flat enters at ``open[t+1]`` with the row's stop and
    target; the trade ends at the first bar touching one of them (the engine's fill rules: a bar
    touching both is a stop) or, at the latest, by an exit decided at the close of
    ``t + horizon_bars`` (a 0 row, filled at the next open: the vertical barrier). Signals during
    a trade are ignored; NaN elsewhere ("no decision"). Causal as a simulation: which rows trade
    depends on earlier rows and the bars up to the exit only.
    """
    return np.asarray(
        _barrier_plan(
            signals["direction"].to_numpy(dtype=np.float64),
            column(bars, "open"),
            column(bars, "high"),
            column(bars, "low"),
            signals["stop"].to_numpy(dtype=np.float64),
            signals["target"].to_numpy(dtype=np.float64),
            int(horizon_bars),
        ),
        dtype=np.float64,
    )


def oof_signal_frame(bars: pd.DataFrame, result: TrainingResult, cfg: MlConfig) -> pd.DataFrame:
    """Signals from honest OOF probabilities on the bars they cover (0 = no position elsewhere)."""
    proba, keep = honest_oof_proba(result, cfg.calibration)
    n = len(bars)
    full = np.tile([0.0, 1.0, 0.0], (n, 1))
    pos = result.dataset.t0[result.oof_rows][keep]
    full[pos] = proba[keep]
    width = make_labels(bars, cfg).width
    cols = frame_from_proba(full, column(bars, "close"), width, cfg.min_probability)
    return pd.DataFrame(cols, index=bars.index)


def validate_candidate(
    bars: pd.DataFrame,
    result: TrainingResult,
    cfg: MlConfig,
    engine: EngineSettings,
    *,
    timeframe: str,
) -> ValidationOutcome:
    """Backtest the honest OOF signals over the traded folds and apply the gates."""
    proba, keep = honest_oof_proba(result, cfg.calibration)
    if not keep.any():
        rep = ValidationReport(
            passed=False, reasons=["fewer than 2 CV folds: nothing to validate"], metrics={}
        )
        return ValidationOutcome(rep, None, np.empty(0), np.empty(0))
    y = result.dataset.y[result.oof_rows][keep]
    pred = np.array([-1.0, 0.0, 1.0])[np.argmax(proba[keep], axis=1)]
    from sklearn.metrics import balanced_accuracy_score

    bal = float(balanced_accuracy_score(y, pred)) if y.size else 0.0
    first = int(result.dataset.t0[result.oof_rows][keep].min())
    sub = bars.iloc[first:]
    signals = oof_signal_frame(bars, result, cfg).iloc[first:]
    # the model predicts which barrier is hit first: each trade lives like its label, until its
    # stop, target or vertical barrier (signals meanwhile ignored, neutral rows no decision)
    signals["direction"] = barrier_plan(sub, signals, cfg.horizon_bars)
    bt = run_backtest(sub, signals, replace(engine, neutral_exits=True))
    m = result_metrics(bt, timeframe=timeframe)
    reasons = []
    if bal < cfg.min_balanced_accuracy:
        reasons.append(f"OOF balanced accuracy {bal:.4f} < {cfg.min_balanced_accuracy}")
    if m.sharpe < cfg.min_oof_sharpe:
        reasons.append(f"OOF backtest Sharpe {m.sharpe:.3f} < {cfg.min_oof_sharpe}")
    metrics = {
        k: (v if not isinstance(v, float) or np.isfinite(v) else None)
        for k, v in {"balanced_accuracy": bal, "rows": int(y.size), **m.model_dump()}.items()
    }
    passed = not reasons
    if passed:
        reasons.append(
            f"OOF balanced accuracy {bal:.4f} >= {cfg.min_balanced_accuracy} and "
            f"Sharpe {m.sharpe:.3f} >= {cfg.min_oof_sharpe}"
        )
    rep = ValidationReport(passed=passed, reasons=reasons, metrics=metrics)
    hits = (pred == y).astype(np.float64)
    return ValidationOutcome(rep, bt, proba[keep].max(axis=1), hits)


__all__ = [
    "ValidationOutcome",
    "ValidationReport",
    "barrier_plan",
    "honest_oof_proba",
    "oof_signal_frame",
    "validate_candidate",
]
