"""Signal-evaluator configuration: the seed's consensus defaults and the tier thresholds (DESIGN §5)."""

from __future__ import annotations

from pydantic import Field, model_validator

from tradequorum.config.base import Section


class TierThresholds(Section):
    a_strength: float = Field(0.85, ge=0, le=1)
    a_conviction: float = Field(0.5, ge=0, le=1)
    b_strength: float = Field(0.7, ge=0, le=1)
    b_conviction: float = Field(0.3, ge=0, le=1)


class ConflictConfig(Section):
    signal_conflict_escalate_below: float = Field(0.15, ge=0, le=1)
    model_vs_discretionary: str = "defer_to_model"


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
        bad = {k: v for k, v in self.weights.items() if not (v >= 0)}
        if bad:
            raise ValueError(f"weights must be >= 0: {bad}")
        overlap = set(self.required) & set(self.optional)
        if overlap:
            raise ValueError(f"sources both required and optional: {sorted(overlap)}")
        return self
