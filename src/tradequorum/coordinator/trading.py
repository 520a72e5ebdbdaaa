"""Trading states (as in NautilusTrader) and the declared degraded modes of DESIGN §8.

* ``ACTIVE``: any order the risk manager approved;
* ``REDUCING``: only orders that shrink exposure (no new entries, no flips);
* ``HALTED``: nothing but cancels.

The *standing* state is set by a person (``quorum halt``/``quorum resume``) or by the risk
manager's kill switch, and persisted. Each cycle's *effective* state is the stricter of the standing
state and what the declared degraded modes say about the agents that failed this cycle or are
unhealthy. Degraded modes are declared here, never improvised: an agent without a declared mode
that fails makes the cycle ``HALTED`` (fail closed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from tradequorum.core.types import Tier, TradingState

Effect = Literal["proceed", "cap_tier", "reduce", "halt"]

_STRICTNESS = {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}
_TIER_ORDER = {Tier.A: 0, Tier.B: 1, Tier.C: 2, Tier.D: 3}


@dataclass(frozen=True, slots=True)
class DegradedMode:
    """What the coordinator does when ``agent`` is down."""

    agent: str
    effect: Effect
    tier_cap: Tier | None = None
    note: str = ""


DEFAULT_DEGRADED_MODES: tuple[DegradedMode, ...] = (
    DegradedMode("ml-model-engineer", "cap_tier", Tier.B, "ML down: tier capped at B"),
    DegradedMode("feature-engineer", "cap_tier", Tier.B, "features down: ML unusable, tier <= B"),
    DegradedMode("market-microstructure-analyst", "proceed", None, "optional analyst skipped"),
    DegradedMode(
        "smc-pattern-recognizer", "proceed", None, "required analyst missing: insufficient"
    ),
    DegradedMode("risk-manager", "halt", None, "risk manager down: HALTED (fail closed)"),
    DegradedMode("signal-evaluator", "halt", None, "no consensus possible: HALTED"),
    DegradedMode("data-pipeline-manager", "halt", None, "no data: HALTED"),
)


@dataclass(frozen=True, slots=True)
class EffectiveState:
    state: TradingState
    tier_cap: Tier
    notes: tuple[str, ...]


def stricter(a: TradingState, b: TradingState) -> TradingState:
    return a if _STRICTNESS[a] >= _STRICTNESS[b] else b


def cap_tier(tier: Tier, cap: Tier) -> Tier:
    """The worse of ``tier`` and ``cap`` (A best, D worst)."""
    return tier if _TIER_ORDER[tier] >= _TIER_ORDER[cap] else cap


def effective_state(
    standing: TradingState,
    down_agents: Iterable[str],
    modes: Mapping[str, DegradedMode] | None = None,
) -> EffectiveState:
    """Combine the standing state with the degraded modes of the agents that are down."""
    table = modes if modes is not None else {m.agent: m for m in DEFAULT_DEGRADED_MODES}
    state, cap, notes = standing, Tier.A, []
    for agent in sorted(set(down_agents)):
        mode = table.get(agent)
        if mode is None:
            state = TradingState.HALTED
            notes.append(f"{agent} down and no degraded mode declared: HALTED")
            continue
        notes.append(mode.note or f"{agent}: {mode.effect}")
        if mode.effect == "halt":
            state = TradingState.HALTED
        elif mode.effect == "reduce":
            state = stricter(state, TradingState.REDUCING)
        elif mode.effect == "cap_tier" and mode.tier_cap is not None:
            cap = cap_tier(cap, mode.tier_cap)
    return EffectiveState(state, cap, tuple(notes))


def order_allowed(state: TradingState, position: float, target: float) -> bool:
    """Whether moving from ``position`` to ``target`` units is allowed in ``state``."""
    if state is TradingState.ACTIVE:
        return True
    if state is TradingState.HALTED:
        return False
    shrinks = abs(target) < abs(position) and (target == 0 or (target > 0) == (position > 0))
    return bool(shrinks)


__all__ = [
    "DEFAULT_DEGRADED_MODES",
    "DegradedMode",
    "EffectiveState",
    "cap_tier",
    "effective_state",
    "order_allowed",
    "stricter",
]
