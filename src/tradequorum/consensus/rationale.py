"""Plain-words rationale of an evaluation, e.g.
``bullish: smc 0.80 and ml_model 0.70 agree, microstructure neutral; strength 1.00, conviction 0.56 → tier A``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tradequorum.config.consensus import ConsensusConfig
from tradequorum.consensus.records import Resolution, Vote
from tradequorum.core.types import ConsensusOutcome, Direction, Tier


@dataclass(frozen=True, slots=True)
class RationaleFacts:
    """The numbers a rationale is written from (one bar of the kernel's output)."""

    outcome: ConsensusOutcome
    side: Direction
    strength: float
    conviction: float
    tier: Tier
    resolution: Resolution
    bull_mean: float
    bear_mean: float
    escalation_id: str | None
    capped_at: Tier | None


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _voters(votes: Sequence[Vote], direction: Direction) -> list[str]:
    return [
        f"{v.source} {v.confidence:.2f}"
        for v in votes
        if v.status == "voted" and v.direction == direction
    ]


def _vote_summary(votes: Sequence[Vote], side: Direction) -> str:
    parts: list[str] = []
    if side is not Direction.NEUTRAL:
        agree = _voters(votes, side)
        parts.append(_join(agree) + (" agree" if len(agree) > 1 else ""))
        against = _voters(votes, side.opposite())
        if against:
            parts.append(f"{_join(against)} {side.opposite().value} against")
    else:
        for d in (Direction.BULLISH, Direction.BEARISH):
            named = _voters(votes, d)
            if named:
                parts.append(f"{d.value} {_join(named)}")
    neutral = [v.source for v in votes if v.status == "voted" and v.direction is Direction.NEUTRAL]
    if neutral:
        parts.append(f"{_join(neutral)} neutral")
    gone = [f"{v.source} {v.status}" for v in votes if v.status != "voted"]
    if gone:
        parts.append(_join(gone))
    return ", ".join(p for p in parts if p) or "no votes"


def _conflict_note(f: RationaleFacts, cfg: ConsensusConfig) -> str:
    gap = abs(f.bull_mean - f.bear_mean)
    limit = cfg.conflicts.signal_conflict_escalate_below
    models = _join(list(cfg.conflicts.model_sources))
    notes = {
        Resolution.STRONGEST_WINS: "conflict: the stronger side wins",
        Resolution.NO_TRADE: "conflict: fallback no trade",
        Resolution.ESCALATE: (
            f"conflict: side confidences {f.bull_mean:.2f} vs {f.bear_mean:.2f} differ by "
            f"{gap:.2f} < {limit:.2f} → escalated {f.escalation_id or ''}".rstrip()
        ),
        Resolution.DEFER_TO_MODEL: f"model vs discretionary: deferred to {models}",
        Resolution.MODEL_OVERRULES: f"model vs discretionary: {models} opposes the consensus",
        Resolution.ESCALATE_MODEL_VS_DISCRETIONARY: (
            "model vs discretionary in extreme conditions or news → escalated "
            f"{f.escalation_id or ''}".rstrip()
        ),
    }
    return notes.get(f.resolution, "")


def write_rationale(votes: Sequence[Vote], facts: RationaleFacts, cfg: ConsensusConfig) -> str:
    """One line saying what was decided and why, with the numbers that decided it."""
    f = facts
    head = f.outcome.value.replace("_", " ")
    body = _vote_summary(votes, f.side)
    if f.outcome is ConsensusOutcome.INSUFFICIENT:
        req = [v.source for v in votes if v.role == "required" and v.status != "voted"]
        return f"insufficient: required {_join(req)} unavailable ({body}) → tier D, no trade"
    if f.outcome is ConsensusOutcome.NEUTRAL:
        return f"neutral: no directional vote ({body}) → tier D, no trade"
    nums = f"strength {f.strength:.2f}, conviction {f.conviction:.2f}"
    if f.outcome is ConsensusOutcome.NO_CONSENSUS:
        nums = f"strength {f.strength:.2f} < {cfg.approval_threshold:.2f}"
    note = _conflict_note(f, cfg)
    tail = f"tier {f.tier.value}" + ("" if f.tier is not Tier.D else ", no trade")
    if f.capped_at is not None and f.tier is f.capped_at:
        tail += f" (capped at {f.capped_at.value}, degraded)"
    return f"{head}: {body}; {nums}" + (f"; {note}" if note else "") + f" → {tail}"


__all__ = ["RationaleFacts", "write_rationale"]
