"""Signal-evaluator configuration: the seed's consensus defaults and the tier thresholds (DESIGN §5)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from tradequorum.config.base import Section


class TierThresholds(Section):
    """Quality tiers: A needs both bars and unanimity of the required voters, B no opposition."""

    a_strength: float = Field(0.85, ge=0, le=1)
    a_conviction: float = Field(0.5, ge=0, le=1)
    b_strength: float = Field(0.7, ge=0, le=1)
    b_conviction: float = Field(0.3, ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> TierThresholds:
        if self.a_strength < self.b_strength or self.a_conviction < self.b_conviction:
            raise ValueError("tier A thresholds must be at least tier B's")
        return self


class ConflictConfig(Section):
    """The seed's conflict rules: ``signal_conflict`` and ``model_vs_discretionary``."""

    signal_conflict: Literal["strongest_wins", "no_trade"] = Field(
        "strongest_wins", description="opposing votes: the stronger side wins, or never trade"
    )
    signal_conflict_escalate_below: float = Field(
        0.15, ge=0, le=1, description="escalate when the two sides' confidences differ by less"
    )
    model_vs_discretionary: Literal["defer_to_model", "no_trade"] = Field(
        "defer_to_model", description="model against discretionary: the model's side or no trade"
    )
    model_sources: tuple[str, ...] = ("ml_model",)
    discretionary_sources: tuple[str, ...] = ("smc",)


class ConsensusConfig(Section):
    weights: dict[str, float] = Field(
        default_factory=lambda: {"smc": 0.35, "ml_model": 0.40, "microstructure": 0.25}
    )
    unknown_source_weight: float = Field(0.2, ge=0)
    required: tuple[str, ...] = ("smc", "ml_model")
    optional: tuple[str, ...] = ("microstructure",)
    approval_threshold: float = Field(0.6, ge=0, le=1)
    veto_agents: tuple[str, ...] = ("risk-manager",)
    timeout_s: float = Field(30.0, gt=0)
    tiers: TierThresholds = TierThresholds()
    conflicts: ConflictConfig = ConflictConfig()

    @model_validator(mode="after")
    def _check(self) -> ConsensusConfig:
        bad = {k: v for k, v in self.weights.items() if not (v >= 0 and v < float("inf"))}
        if bad:
            raise ValueError(f"weights must be finite and >= 0: {bad}")
        overlap = set(self.required) & set(self.optional)
        if overlap:
            raise ValueError(f"sources both required and optional: {sorted(overlap)}")
        return self

    def weight(self, source: str) -> float:
        """The configured weight of ``source`` (``unknown_source_weight`` if not listed)."""
        return self.weights.get(source, self.unknown_source_weight)
