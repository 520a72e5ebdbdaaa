"""The ``coordinator`` as an agent of its own workflows: it makes the final decision of each bar
(``finalize_decision``) and runs the daily health check and pipeline start (``daily_operations``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd
from pydantic import BaseModel, ConfigDict

from tradequorum.agents.base import Agent, AgentContext, Task
from tradequorum.coordinator.decisions import (
    Decision,
    DecisionInputs,
    DecisionRecord,
    decide,
    rationale_text,
    read_verdict,
)
from tradequorum.coordinator.trading import effective_state
from tradequorum.core.bars import fingerprint_bars
from tradequorum.core.types import TradingState

if TYPE_CHECKING:
    from tradequorum.coordinator.runner import RunResult
    from tradequorum.coordinator.service import Coordinator

VOTE_VARS = ("smc_signals", "ml_signals", "microstructure_signals")


class FinalizeOutput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision_id: str
    symbol: str
    bar: str
    action: str
    tier: str
    trading_state: str
    reasons: list[str]


class JsonOutput(BaseModel):
    model_config = ConfigDict(extra="allow")


def _feature_vector(output: Any, symbol: str) -> dict[str, float] | None:
    """The symbol's feature values from the feature engineer's output (finite floats only)."""
    if not isinstance(output, dict):
        return None
    node = (
        output.get("symbols", {}).get(symbol, output)
        if isinstance(output.get("symbols"), dict)
        else output
    )
    src = node.get("values") or node.get("features") if isinstance(node, dict) else None
    if not isinstance(src, dict):
        return None
    vec = {}
    for k, v in src.items():
        if isinstance(v, int | float) and math.isfinite(float(v)):
            vec[str(k)] = float(v)
    return vec or None


def _model_version(output: Any) -> str | None:
    if not isinstance(output, dict):
        return None
    for key in ("model_version", "version", "model_id"):
        if output.get(key):
            return str(output[key])
    sig = output.get("signal")
    return _model_version(sig) if isinstance(sig, dict) else None


class CoordinatorAgent(Agent):
    """Decides; never analyses. Its state lives in the :class:`Coordinator` it belongs to."""

    name: ClassVar[str] = "coordinator"
    domain: ClassVar[str] = "orchestration"
    actions: ClassVar[tuple[str, ...]] = (
        "finalize_decision",
        "system_health_check",
        "market_context",
        "initialize_realtime",
    )

    def __init__(self, coordinator: Coordinator) -> None:
        self.coordinator = coordinator

    def finalize_decision(self, task: Task, ctx: AgentContext) -> FinalizeOutput:
        """Apply the decision rule to this run's outputs and stage the record for the commit."""
        c = self.coordinator
        p = task.params
        inputs: dict[str, Any] = p.get("inputs") or {}
        symbol, bar = str(p["symbol"]), str(p["bar"])
        failed = [str(a) for a in p.get("failed_agents") or []]
        eff = effective_state(c.standing_state, failed)
        evaluation = inputs.get(str(p.get("evaluation", "evaluated_signal")))
        verdict_out = inputs.get(str(p.get("verdict", "trade_approvals")))
        position = c.broker.position(symbol)
        decision = decide(
            DecisionInputs(
                evaluation=evaluation,
                verdict=read_verdict(verdict_out),
                failed_agents=failed,
                state=eff.state,
                tier_cap=eff.tier_cap,
                position=position,
                required_sources=c.settings.consensus.required,
                tier_scale=c.settings.risk.tier_scale,
            )
        )
        rec = self._record(
            task, decision, inputs, failed, eff.state.value, eff.tier_cap.value, position
        )
        rec.degraded = list(p.get("degraded") or []) + list(eff.notes)
        c.stage(rec)
        return FinalizeOutput(
            decision_id=rec.decision_id,
            symbol=symbol,
            bar=bar,
            action=decision.action,
            tier=decision.tier,
            trading_state=eff.state.value,
            reasons=decision.reasons,
        )

    def _record(
        self,
        task: Task,
        decision: Decision,
        inputs: dict[str, Any],
        failed: list[str],
        state: str,
        cap: str,
        position: float,
    ) -> DecisionRecord:
        c = self.coordinator
        p = task.params
        symbol, tf = str(p["symbol"]), str(p["timeframe"])
        evaluation = inputs.get(str(p.get("evaluation", "evaluated_signal")))
        verdict_out = inputs.get(str(p.get("verdict", "trade_approvals")))
        bars = c.market.bars(symbol, tf)
        return DecisionRecord(
            decision_id=c._new_id("DEC"),
            workflow_id=task.workflow_id,
            symbol=symbol,
            timeframe=tf,
            bar=str(p["bar"]),
            decided_at=c.clock.now().isoformat(),
            input_fingerprint=fingerprint_bars(bars) if len(bars) else None,
            feature_vector=_feature_vector(inputs.get("combined_features"), symbol),
            model_version=_model_version(inputs.get("ml_signals")),
            config_hash=c.config_hash,
            votes={k: inputs[k] for k in VOTE_VARS if k in inputs},
            failed_agents=failed,
            consensus=evaluation if isinstance(evaluation, dict) else None,
            risk_verdict=verdict_out if isinstance(verdict_out, dict) else None,
            trading_state=state,
            tier_cap=cap,
            position_before=position,
            decision=decision,
            mode=c.settings.execution.mode.value,
            rationale=rationale_text(
                decision, evaluation if isinstance(evaluation, dict) else None
            ),
        )

    def halted_decision(self, run: RunResult, symbol: str, bar: pd.Timestamp) -> DecisionRecord:
        """The ``no_trade`` record of a bar whose workflow stopped before the final step."""
        c = self.coordinator
        reason = f"workflow {run.status}: {run.halted_reason}"
        decision = Decision(action="no_trade", reasons=[reason])
        ev = run.variables.get("evaluated_signal")
        return DecisionRecord(
            decision_id=c._new_id("DEC"),
            workflow_id=run.workflow_id,
            symbol=symbol,
            timeframe=c.settings.timeframe,
            bar=bar.isoformat(),
            decided_at=c.clock.now().isoformat(),
            input_fingerprint=None,
            config_hash=c.config_hash,
            failed_agents=list(run.failed),
            degraded=list(run.degraded),
            consensus=ev if isinstance(ev, dict) and "tier" in ev else None,
            trading_state=TradingState.HALTED.value,
            position_before=c.broker.position(symbol),
            decision=decision,
            mode=c.settings.execution.mode.value,
            rationale=f"Decision: no_trade ({reason})",
            workflow_status=run.status,
        )

    def system_health_check(self, task: Task, ctx: AgentContext) -> JsonOutput:
        from tradequorum.coordinator.daily_ops import health_check

        return JsonOutput.model_validate(health_check(self.coordinator))

    def market_context(self, task: Task, ctx: AgentContext) -> JsonOutput:
        from tradequorum.coordinator.daily_ops import market_context

        return JsonOutput.model_validate(market_context(self.coordinator))

    def initialize_realtime(self, task: Task, ctx: AgentContext) -> JsonOutput:
        c = self.coordinator
        spec = c.workflow("realtime_signal_generation")
        return JsonOutput(
            initialized=True,
            workflow=spec.workflow,
            symbols=list(c.settings.symbols),
            timeframe=c.settings.timeframe,
            trading_state=c.standing_state.value,
            at=c.clock.now().isoformat(),
        )


__all__ = ["CoordinatorAgent", "FinalizeOutput", "JsonOutput"]
