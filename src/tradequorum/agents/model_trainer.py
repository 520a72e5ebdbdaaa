"""model-trainer: the training cycle (DESIGN §7, §8; the seed's ``model_training_cycle``).

``train_cycle`` (also what ``quorum train`` runs): prepare data (the latest ``ml.training_bars``
closed bars), features (optional selection), optional bounded Optuna tuning, train with purged
walk-forward CV, validate the out-of-fold signals with the backtest engine, assess model risk
(:func:`tradequorum.risk.model_risk.assess_model`), save the candidate, and promote it only if
validation passed **and** risk approved, with the reasons written down. Writes
``models/parameter_analysis.json`` (Spearman stability of importances across CV windows).

The seed workflow's split steps are here too: ``train_models`` (everything but the promotion) and
``promote_model`` (promotes the candidate only if its recorded validation and risk passed; the
workflow's ``deployment_gate`` decides before it is called).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from tradequorum.agents.base import Agent, AgentContext, MarketView, Task, require_market
from tradequorum.agents.feature_engineer import registry_for, symbols_of
from tradequorum.backtest import EngineSettings
from tradequorum.config.settings import Settings
from tradequorum.core.bars import ensure_bars, fingerprint_bars
from tradequorum.core.errors import AgentError, DataError
from tradequorum.data.views import closed_until
from tradequorum.features.calendar import calendar_specs
from tradequorum.ml.artifact import build_artifact
from tradequorum.ml.registry import ModelRegistry
from tradequorum.ml.training import (
    TrainingResult,
    default_feature_names,
    prepare_dataset,
    select_columns,
    train_model,
)
from tradequorum.ml.tuning import tune_hyperparameters
from tradequorum.ml.validation import ValidationOutcome, validate_candidate
from tradequorum.risk.model_risk import ModelRiskAssessment, assess_model
from tradequorum.state.json_store import write_json_atomic
from tradequorum.validation.stability import importance_stability

CALENDAR_COLUMNS = frozenset(s.name for s in calendar_specs())


class TrainCycleResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    symbol: str
    timeframe: str
    version: str
    promoted: bool
    reasons: list[str]
    validation: dict[str, Any]
    risk: dict[str, Any]
    cv: dict[str, Any]
    stability: float
    n_trials: int
    columns: list[str]


class PromoteResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    promoted: bool
    reasons: list[str]


def _risk(
    version: str, settings: Settings, res: TrainingResult, val: ValidationOutcome, now: pd.Timestamp
) -> ModelRiskAssessment:
    """Model risk on the validation backtest, calibration of honest OOF probabilities and drift."""
    bt = val.backtest
    returns = positions = None
    if bt is not None:
        returns = bt.returns()
        eq = np.where(bt.equity > 0, bt.equity, np.nan)
        expo = bt.positions.reshape(len(bt.index), -1)[:, 0] * bt.close.reshape(-1) / eq
        positions = pd.Series(np.nan_to_num(expo), index=bt.index)
    X = pd.DataFrame(res.dataset.X, columns=list(res.dataset.columns))
    # calendar features (time of day/week, sessions) are deterministic clocks: their "drift"
    # between two time spans is by construction, not a change in the market
    X = X[[c for c in X.columns if c not in CALENDAR_COLUMNS]]
    cut = int(len(X) * 0.8)
    return assess_model(
        version,
        settings.risk.model,
        returns=returns,
        positions=positions,
        probabilities=val.proba if val.proba.size else None,
        outcomes=val.outcomes if val.outcomes.size else None,
        train_features=X.iloc[:cut],
        recent_features=X.iloc[cut:],
        importances=res.importances,
        now=now,
    )


def _parameter_analysis(
    res: TrainingResult, params: dict[str, Any], n_trials: int
) -> dict[str, Any]:
    return {
        "importance_stability_spearman": importance_stability(res.fold_importances),
        "definition": "mean Spearman rank correlation of gain importances between consecutive "
        "purged walk-forward CV windows, clipped to [0, 1] (DESIGN §7)",
        "fold_importances": res.fold_importances,
        "importances": res.importances,
        "params": params,
        "n_trials": n_trials,
    }


def _training_bars(
    task: Task, ctx: AgentContext, market: MarketView, symbol: str, tf: str
) -> pd.DataFrame:
    """The last ``ml.training_bars`` bars to train on: the dataset the data-pipeline-manager
    prepared in this workflow (``inputs.training_data``, the seed's step 1) when it is of this
    symbol and timeframe, else the market view (whose live look-back may be much shorter)."""
    cfg = ctx.settings.ml
    inputs = task.params.get("inputs")
    prepared = inputs.get("training_data") if isinstance(inputs, dict) else None
    if (
        isinstance(prepared, dict)
        and prepared.get("symbol") == symbol
        and prepared.get("timeframe") == tf
        and Path(str(prepared.get("path", ""))).is_file()
    ):
        try:
            bars = pd.read_parquet(str(prepared["path"]))
        except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
            raise DataError(f"{prepared['path']} cannot be read as Parquet: {exc}") from exc
        if fingerprint_bars(bars) != prepared.get("fingerprint"):
            raise DataError(
                f"{prepared['path']} does not match the fingerprint the data-pipeline-manager "
                "recorded for it: not trained on"
            )
        bars = closed_until(bars, tf, ctx.clock.now(), None)  # never a bar after now
    else:
        bars = market.bars(symbol, tf)
    return bars.iloc[-cfg.training_bars :]


class ModelTrainerAgent(Agent):
    """The model-trainer."""

    name: ClassVar[str] = "model-trainer"
    domain: ClassVar[str] = "training-cycle orchestration, retraining schedules"
    actions: ClassVar[tuple[str, ...]] = ("train_cycle", "train_models", "promote_model")

    def train_cycle(self, task: Task, ctx: AgentContext) -> TrainCycleResult:
        return self._run(task, ctx, promote=bool(task.params.get("promote", True)))

    def train_models(self, task: Task, ctx: AgentContext) -> TrainCycleResult:
        result = self._run(task, ctx, promote=False)
        if ctx.write_state:  # the training cycle's step-3 output, read by its deployment gate
            write_json_atomic(ctx.layout.features("training_run"), result)
        return result

    def promote_model(self, task: Task, ctx: AgentContext) -> PromoteResult:
        reg = ModelRegistry(ctx.layout)
        cand = reg.candidate()
        if cand is None:
            raise AgentError("no candidate model to promote")
        val = cand.meta.validation
        ok = bool(val.get("passed")) and bool(val.get("risk_approved"))
        if not ok:
            refused = PromoteResult(
                version=cand.version,
                promoted=False,
                reasons=[
                    "candidate's recorded validation or risk did not pass",
                    *val.get("reasons", []),
                ],
            )
            if ctx.write_state:
                write_json_atomic(ctx.layout.features("promotion"), refused)
            return refused
        reason = str(task.params.get("reason", "deployment gate passed"))
        reg.promote(reason=reason, at=ctx.clock.now().to_pydatetime())
        result = PromoteResult(version=cand.version, promoted=True, reasons=[reason])
        if ctx.write_state:
            write_json_atomic(ctx.layout.features("promotion"), result)
        return result

    def _run(self, task: Task, ctx: AgentContext, *, promote: bool) -> TrainCycleResult:
        market = require_market(ctx, self.name)
        cfg = ctx.settings.ml
        tf = str(task.params.get("timeframe", ctx.settings.timeframe))
        sym = symbols_of(task, ctx)[0]
        bars = ensure_bars(_training_bars(task, ctx, market, sym, tf), min_rows=500)
        reg = registry_for(ctx.settings, tf)
        names = default_feature_names(reg, bars, cfg)
        ds = prepare_dataset(bars, reg, cfg, names)
        columns = select_columns(ds, cfg, ctx.rng).kept if cfg.select_features else None
        params: dict[str, Any] = {}
        n_trials = 1
        if cfg.tuning_trials > 0:
            tuned = tune_hyperparameters(
                ds, cfg, n_trials=cfg.tuning_trials, timeout_s=cfg.tuning_timeout_s
            )
            params, n_trials = tuned.best_params, tuned.n_trials
        res = train_model(bars, reg, cfg, names=names, params=params, columns=columns)
        engine = EngineSettings.from_config(ctx.settings.backtest, ctx.settings.risk)
        val = validate_candidate(bars, res, cfg, engine, timeframe=tf)
        now = ctx.clock.now()
        meta, text = build_artifact(res, cfg, created=now, symbol=sym, timeframe=tf)
        risk = _risk(meta.version, ctx.settings, res, val, now)
        reasons = list(val.report.reasons) + (
            ["model risk approved"] if risk.approved else [f"model risk: {r}" for r in risk.reasons]
        )
        record = {
            **val.report.model_dump(mode="json"),
            "risk_approved": risk.approved,
            "reasons": reasons,
            "n_trials": n_trials,
        }
        meta = meta.model_copy(update={"validation": record})
        registry = ModelRegistry(ctx.layout)
        registry.save_candidate(meta, text)
        ok = val.report.passed and risk.approved
        promoted = False
        if promote and ok:
            registry.promote(reason="; ".join(reasons), at=now.to_pydatetime())
            promoted = True
        if ctx.write_state:
            write_json_atomic(
                ctx.layout.models / "parameter_analysis.json",
                _parameter_analysis(res, params, n_trials),
            )
            write_json_atomic(ctx.layout.risk("model_risk_assessment"), risk)
        if not ok:
            reasons.append("not promoted: validation and risk must both pass")
        elif not promote:
            reasons.append("candidate saved; promotion left to the deployment gate")
        return TrainCycleResult(
            symbol=sym,
            timeframe=tf,
            version=meta.version,
            promoted=promoted,
            reasons=reasons,
            # what the deployment gate reads (``training_run.validation.passed``), with the metrics
            validation={
                **val.report.metrics,
                "passed": bool(val.report.passed),
                "reasons": list(val.report.reasons),
            },
            risk=risk.model_dump(mode="json"),
            cv={
                "oof": res.cv_metrics["oof"],
                "n_rows": res.cv_metrics["n_rows"],
                "class_counts": res.cv_metrics["class_counts"],
            },
            stability=res.stability,
            n_trials=n_trials,
            columns=list(res.dataset.columns),
        )


__all__ = ["ModelTrainerAgent", "PromoteResult", "TrainCycleResult"]
