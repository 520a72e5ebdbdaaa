"""Value records of the signal evaluator: votes, conflict flags, escalations and the evaluation.

Everything here crosses I/O (``state/signals/evaluated_signal.json``, the decision journal), so
these are pydantic models; NaN never appears in them (strict JSON).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tradequorum.core.types import ConsensusOutcome, Direction, Tier


class Resolution(StrEnum):
    """How the conflict rules settled an evaluation (``none`` when nobody opposed)."""

    NONE = "none"
    STRONGEST_WINS = "strongest_wins"
    NO_TRADE = "no_trade"
    ESCALATE = "escalate"
    DEFER_TO_MODEL = "defer_to_model"
    MODEL_OVERRULES = "model_overrules"
    ESCALATE_MODEL_VS_DISCRETIONARY = "escalate_model_vs_discretionary"


#: resolutions that still allow a trade (when a consensus exists)
TRADEABLE_RESOLUTIONS = frozenset(
    {Resolution.NONE, Resolution.STRONGEST_WINS, Resolution.DEFER_TO_MODEL}
)


class ConflictFlags(BaseModel):
    """Market flags that suspend deference to the model (from the data layer or the user)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    extreme: bool = False
    news: bool = False


class Escalation(BaseModel):
    """A question for a person, in the seed's shape: ``{id, type, reason, options, created}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(pattern=r"^ESC-\d{8}-\d{3,}$")
    type: Literal["signal_conflict", "model_vs_discretionary", "weekly_drawdown"]
    reason: str
    options: list[str]
    created: datetime


class Vote(BaseModel):
    """One participant's contribution to an evaluation."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    source: str
    role: Literal["required", "optional", "external"]
    status: Literal["voted", "failed", "missing"]
    weight: float
    direction: Direction | None = None
    confidence: float | None = None


class Evaluation(BaseModel):
    """The signal evaluator's verdict on one symbol at one bar (DESIGN §5).

    ``tradeable`` is true exactly when ``tier`` is A, B or C; ``direction`` is the consensus side
    (neutral when there is none). ``stop``/``suggested_entry``/``targets`` come from the strongest
    winning vote that carries them. ``notes`` say why a source's signal was not counted.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    symbol: str
    timeframe: str
    timestamp: datetime
    outcome: ConsensusOutcome
    direction: Direction
    strength: float = Field(ge=0, le=1)
    conviction: float = Field(ge=0, le=1)
    tier: Tier
    tradeable: bool
    bullish_weight: float = Field(ge=0)
    bearish_weight: float = Field(ge=0)
    resolution: Resolution
    votes: list[Vote]
    escalation: Escalation | None = None
    rationale: str
    suggested_entry: tuple[float, float] | None = None
    stop: float | None = None
    targets: list[float] | None = None
    notes: list[str] = Field(default_factory=list)


__all__ = [
    "TRADEABLE_RESOLUTIONS",
    "ConflictFlags",
    "Escalation",
    "Evaluation",
    "Resolution",
    "Vote",
]
