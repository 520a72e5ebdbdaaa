"""Final decisions: a pure rule from (consensus, risk verdict, trading state) to an action, the
record written for every bar, and its re-derivation for ``quorum explain``.

The rule (fail closed at each step):

1. effective state ``HALTED`` -> ``no_trade``;
2. no evaluation, or a required analyst failed this cycle -> ``no_trade`` (insufficient);
3. tier (capped by the degraded modes) ``D`` or not tradeable -> ``no_trade``;
4. no risk approval record -> ``no_trade``; a veto -> ``vetoed``;
5. ``REDUCING`` -> no entries (``no_trade``);
6. otherwise ``enter_long``/``enter_short`` (``hold`` when already positioned that way); an
   entry whose approval carries no positive finite size (``units``) -> ``no_trade``.

An entry becomes the backtest engine's signal row ``(direction, stop, target, scale, max_units)``
with ``scale = risk.tier_scale[tier]`` and ``max_units`` = the approval's final size, which caps
the entry (the order's ``quantity``: risk always wins, nothing trades beyond its approval);
every other action is "no decision" (NaN): positions are then managed by their stop and target,
exactly as in the vectorized system backtest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from tradequorum.core.ids import client_order_id
from tradequorum.core.types import ExecutionMode, Tier, TradingState
from tradequorum.execution.orders import Order, OrderStatus

#: analyst agent -> its consensus source name
ANALYST_SOURCES: dict[str, str] = {
    "smc-pattern-recognizer": "smc",
    "ml-model-engineer": "ml_model",
    "market-microstructure-analyst": "microstructure",
    "feature-engineer": "ml_model",
}


class Verdict(BaseModel):
    """The part of a risk verdict a decision needs (read leniently from the risk manager's output)."""

    model_config = ConfigDict(frozen=True)
    approved: bool
    units: float = 0.0
    stop: float | None = None
    target: float | None = None
    reason: str = ""


def read_verdict(output: Mapping[str, Any] | None) -> Verdict | None:
    """Extract the approval from a risk-manager output; None when there is no usable record."""
    if not output or output.get("status") in {"failed", "timeout"}:
        return None
    approved = output.get("approved")
    if approved is None and "decision" in output:
        approved = str(output["decision"]).lower() in {"approved", "approve", "shrunk"}
    if not isinstance(approved, bool):
        return None
    units = output.get("units", output.get("quantity", 0.0))
    reasons = output.get("reasons") or output.get("reason") or ""
    return Verdict(
        approved=approved,
        units=float(units or 0.0),
        stop=_num(output.get("stop")),
        target=_num(output.get("target")),
        reason="; ".join(map(str, reasons)) if isinstance(reasons, list) else str(reasons),
    )


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


class Decision(BaseModel):
    """The outcome of the rule; ``direction`` is NaN-free: 0 means "no decision" here."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    action: str
    direction: int = 0
    tier: str = "D"
    stop: float | None = None
    target: float | None = None
    scale: float = 0.0
    units: float = 0.0
    reasons: list[str] = Field(default_factory=list)

    def signal_row(self) -> tuple[float, float, float, float, float]:
        """The engine's row: (direction, stop, target, scale, max_units); NaN = no decision."""
        if self.action not in {"enter_long", "enter_short", "hold"}:
            return (math.nan, math.nan, math.nan, math.nan, math.nan)
        nan = math.nan
        return (
            float(self.direction),
            self.stop if self.stop is not None else nan,
            self.target if self.target is not None else nan,
            self.scale,
            self.units,
        )


@dataclass(frozen=True, slots=True)
class DecisionInputs:
    evaluation: Mapping[str, Any] | None
    verdict: Verdict | None
    failed_agents: Sequence[str]
    state: TradingState
    tier_cap: Tier
    position: float
    required_sources: Sequence[str]
    tier_scale: Mapping[str, float]


def _tier(evaluation: Mapping[str, Any], cap: Tier) -> Tier:
    from tradequorum.coordinator.trading import cap_tier

    return cap_tier(Tier(str(evaluation.get("tier", "D"))), cap)


def decide(inp: DecisionInputs) -> Decision:
    """Apply the fail-closed rule of the module docstring."""
    ev = inp.evaluation
    if inp.state is TradingState.HALTED:
        return Decision(action="no_trade", reasons=["trading state HALTED"])
    if not ev or ev.get("status") in {"failed", "timeout"}:
        return Decision(action="no_trade", reasons=["no consensus evaluation"])
    missing = sorted(
        {ANALYST_SOURCES[a] for a in inp.failed_agents if a in ANALYST_SOURCES}
        & set(inp.required_sources)
    )
    if missing:
        return Decision(action="no_trade", reasons=[f"required participant failed: {missing}"])
    tier = _tier(ev, inp.tier_cap)
    direction = {"bullish": 1, "bearish": -1}.get(str(ev.get("direction")), 0)
    if tier is Tier.D or not ev.get("tradeable") or direction == 0:
        return Decision(
            action="no_trade", tier=tier.value, reasons=[f"tier {tier.value}: no trade"]
        )
    if inp.verdict is None:
        return Decision(
            action="no_trade", tier=tier.value, reasons=["no risk approval record (fail closed)"]
        )
    if not inp.verdict.approved:
        return Decision(
            action="vetoed", tier=tier.value, reasons=[f"risk veto: {inp.verdict.reason}"]
        )
    if inp.state is TradingState.REDUCING:
        return Decision(action="no_trade", tier=tier.value, reasons=["REDUCING: no new entries"])
    targets = ev.get("targets") or []
    stop = _num(ev.get("stop"))  # the winning signal's own levels; NaN -> the engine's ATR stop
    target = _num(targets[0]) if targets else None
    held = (inp.position > 0 and direction > 0) or (inp.position < 0 and direction < 0)
    units = inp.verdict.units
    if not held and not (math.isfinite(units) and units > 0):
        return Decision(
            action="no_trade",
            tier=tier.value,
            reasons=[f"risk approval without a size ({units}): fail closed"],
        )
    action = "hold" if held else ("enter_long" if direction > 0 else "enter_short")
    return Decision(
        action=action,
        direction=direction,
        tier=tier.value,
        stop=stop,
        target=target,
        scale=float(inp.tier_scale.get(tier.value, 0.0)),
        units=units,
        reasons=[f"tier {tier.value} {ev.get('direction')} approved by risk"],
    )


class DecisionRecord(BaseModel):
    """What the journal keeps for every bar (DESIGN §8): enough to re-derive the decision."""

    model_config = ConfigDict(extra="forbid")
    decision_id: str
    workflow_id: str | None
    symbol: str
    timeframe: str
    bar: str
    decided_at: str
    input_fingerprint: str | None
    feature_vector: dict[str, float] | None = None
    model_version: str | None = None
    config_hash: str
    votes: dict[str, Any] = Field(default_factory=dict)
    failed_agents: list[str] = Field(default_factory=list)
    degraded: list[str] = Field(default_factory=list)
    consensus: dict[str, Any] | None = None
    risk_verdict: dict[str, Any] | None = None
    trading_state: str
    tier_cap: str = "A"
    position_before: float = 0.0
    decision: Decision
    mode: str
    order: dict[str, Any] | None = None
    rationale: str
    workflow_status: str = "completed"


def inputs_from_record(
    rec: DecisionRecord, settings_required: Sequence[str], tier_scale: Mapping[str, float]
) -> DecisionInputs:
    """Rebuild the rule's inputs from a journal record (for ``explain``)."""
    return DecisionInputs(
        evaluation=rec.consensus,
        verdict=read_verdict(rec.risk_verdict),
        failed_agents=rec.failed_agents,
        state=TradingState(rec.trading_state),
        tier_cap=Tier(rec.tier_cap),
        position=rec.position_before,
        required_sources=settings_required,
        tier_scale=tier_scale,
    )


def rationale_text(decision: Decision, evaluation: Mapping[str, Any] | None) -> str:
    """One paragraph for people: the consensus rationale followed by the decision's reasons."""
    head = str(evaluation.get("rationale", "")) if evaluation else ""
    tail = f"Decision: {decision.action}" + (
        f" ({'; '.join(decision.reasons)})" if decision.reasons else ""
    )
    return f"{head} {tail}".strip()


def order_for(rec: DecisionRecord, now: pd.Timestamp, confirm_expiry_s: float) -> Order | None:
    """The entry order of a decision in its execution mode (None when nothing is to be sent)."""
    d = rec.decision
    if d.action not in {"enter_long", "enter_short"}:
        return None
    mode = ExecutionMode(rec.mode)
    status = {
        ExecutionMode.AUTO: OrderStatus.SUBMITTED,
        ExecutionMode.CONFIRM: OrderStatus.AWAITING_CONFIRMATION,
        ExecutionMode.SIGNAL_ONLY: OrderStatus.SIGNAL_ONLY,
    }[mode]
    expires = None
    if mode is ExecutionMode.CONFIRM:
        expires = (now + pd.Timedelta(seconds=confirm_expiry_s)).isoformat()
    return Order(
        client_order_id=client_order_id(rec.decision_id),
        decision_id=rec.decision_id,
        approval_id=(rec.risk_verdict or {}).get("approval_id") or f"APR-{rec.decision_id}",
        symbol=rec.symbol,
        side="buy" if d.direction > 0 else "sell",
        direction=d.direction,
        quantity=d.units,
        stop=d.stop,
        target=d.target,
        scale=d.scale,
        bar=rec.bar,
        status=status,
        expires_at=expires,
    )


__all__ = [
    "ANALYST_SOURCES",
    "Decision",
    "DecisionInputs",
    "DecisionRecord",
    "Verdict",
    "decide",
    "inputs_from_record",
    "order_for",
    "rationale_text",
    "read_verdict",
]
