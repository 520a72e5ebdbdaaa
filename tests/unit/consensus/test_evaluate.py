"""Hand-worked cases with the seed's defaults: weights smc 0.35, ml_model 0.40,
microstructure 0.25 (unknown 0.2), required smc + ml_model, threshold 0.6."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tradequorum.config import ConsensusConfig
from tradequorum.consensus import ConflictFlags, Resolution, evaluate
from tradequorum.core.errors import DataError
from tradequorum.core.ids import IdSequence
from tradequorum.core.types import ConsensusOutcome, Direction, Tier

TS = "2024-01-01T00:05:00Z"
CFG = ConsensusConfig()


def sig(source: str, direction: str, conf: float, ts: str = TS, **extra: Any) -> dict[str, Any]:
    return {
        "source": source,
        "symbol": "BTC/USDT",
        "timeframe": "1m",
        "timestamp": ts,
        "direction": direction,
        "confidence": conf,
        **extra,
    }


def votes(**spec: tuple[str, float]) -> dict[str, dict[str, Any]]:
    return {k: sig(k, d, c) for k, (d, c) in spec.items()}


def test_evaluate_seed_example_agreement_is_tier_a() -> None:
    # bull = 0.35*0.8 + 0.40*0.7 = 0.56; bear = 0; strength = 1; conviction = 0.56 / 1.00
    ev = evaluate(
        votes(smc=("bullish", 0.8), ml_model=("bullish", 0.7), microstructure=("neutral", 0.5)),
        CFG,
    )
    assert ev.outcome is ConsensusOutcome.BULLISH
    assert ev.bullish_weight == pytest.approx(0.56, abs=1e-12)
    assert ev.strength == 1.0
    assert ev.conviction == pytest.approx(0.56, abs=1e-12)
    assert ev.tier is Tier.A and ev.tradeable
    assert ev.rationale == (
        "bullish: ml_model 0.70 and smc 0.80 agree, microstructure neutral; "
        "strength 1.00, conviction 0.56 → tier A"
    )


def test_evaluate_weak_opposition_from_optional_is_tier_b() -> None:
    # bull = 0.315 + 0.24 = 0.555; bear = 0.25*0.4 = 0.1; strength = 0.555/0.655 = 0.8473
    # side means 0.555/0.75 = 0.74 vs 0.40: gap 0.34 >= 0.15 -> strongest wins; A fails strength
    ev = evaluate(
        votes(smc=("bullish", 0.9), ml_model=("bullish", 0.6), microstructure=("bearish", 0.4)),
        CFG,
    )
    assert ev.strength == pytest.approx(0.555 / 0.655, abs=1e-12)
    assert ev.conviction == pytest.approx(0.555, abs=1e-12)
    assert ev.resolution is Resolution.STRONGEST_WINS
    assert ev.tier is Tier.B


def test_evaluate_equal_weighted_sides_is_no_consensus() -> None:
    # 0.35*0.8 = 0.28 = 0.40*0.7: strength 0.5 < 0.6 -> fallback no trade
    ev = evaluate(votes(smc=("bullish", 0.8), ml_model=("bearish", 0.7)), CFG)
    assert ev.outcome is ConsensusOutcome.NO_CONSENSUS
    assert ev.strength == pytest.approx(0.5, abs=1e-12)
    assert ev.resolution is Resolution.NO_TRADE
    assert ev.tier is Tier.D and not ev.tradeable
    assert "strength 0.50 < 0.60" in ev.rationale


def test_evaluate_close_conflict_escalates_in_seed_shape() -> None:
    # bull = 0.28 + 0.32 = 0.60 (mean 0.80), bear = 0.175 (mean 0.70): strength 0.774,
    # confidences differ by 0.10 < 0.15 -> escalate, no trade
    ev = evaluate(
        votes(smc=("bullish", 0.8), ml_model=("bullish", 0.8), microstructure=("bearish", 0.7)),
        CFG,
        ids=IdSequence(),
    )
    assert ev.outcome is ConsensusOutcome.BULLISH
    assert ev.strength == pytest.approx(0.6 / 0.775, abs=1e-12)
    assert ev.resolution is Resolution.ESCALATE and ev.tier is Tier.D
    assert ev.escalation is not None
    dumped = ev.escalation.model_dump(mode="json")
    assert set(dumped) == {"id", "type", "reason", "options", "created"}
    assert dumped["id"] == "ESC-20240101-001" and dumped["type"] == "signal_conflict"
    assert "differ by 0.10 < 0.15" in ev.rationale


def test_evaluate_model_against_discretionary_model_side_wins_tier_c() -> None:
    # bull = 0.40*0.9 + 0.25*0.9 = 0.585, bear = 0.35*0.3 = 0.105: strength 0.848 -> bullish,
    # the model's side; smc (required) opposes -> neither A nor B -> C
    ev = evaluate(
        votes(smc=("bearish", 0.3), ml_model=("bullish", 0.9), microstructure=("bullish", 0.9)),
        CFG,
    )
    assert ev.resolution is Resolution.DEFER_TO_MODEL
    assert ev.tier is Tier.C and ev.direction is Direction.BULLISH


def test_evaluate_consensus_against_the_model_is_no_trade() -> None:
    ev = evaluate(
        votes(smc=("bearish", 0.9), ml_model=("bullish", 0.3), microstructure=("bearish", 0.9)),
        CFG,
    )
    assert ev.outcome is ConsensusOutcome.BEARISH
    assert ev.resolution is Resolution.MODEL_OVERRULES and ev.tier is Tier.D


def test_evaluate_model_conflict_in_extreme_market_escalates() -> None:
    ev = evaluate(
        votes(smc=("bearish", 0.3), ml_model=("bullish", 0.9), microstructure=("bullish", 0.9)),
        CFG,
        flags=ConflictFlags(news=True),
    )
    assert ev.resolution is Resolution.ESCALATE_MODEL_VS_DISCRETIONARY
    assert ev.escalation is not None and ev.escalation.type == "model_vs_discretionary"
    assert ev.tier is Tier.D


def test_evaluate_failed_required_participant_is_insufficient() -> None:
    ev = evaluate(
        votes(smc=("bullish", 1.0), microstructure=("bullish", 1.0)), CFG, failed=["ml_model"]
    )
    assert ev.outcome is ConsensusOutcome.INSUFFICIENT and ev.tier is Tier.D
    assert "required ml_model unavailable" in ev.rationale
    assert any(v.source == "ml_model" and v.status == "failed" for v in ev.votes)


def test_evaluate_absent_required_participant_is_insufficient() -> None:
    ev = evaluate(votes(smc=("bullish", 1.0)), CFG)
    assert ev.outcome is ConsensusOutcome.INSUFFICIENT and not ev.tradeable


def test_evaluate_stale_required_signal_is_insufficient() -> None:
    sigs = votes(smc=("bullish", 1.0))
    sigs["ml_model"] = sig("ml_model", "bullish", 1.0, ts="2024-01-01T00:04:00Z")
    ev = evaluate(sigs, CFG)
    assert ev.outcome is ConsensusOutcome.INSUFFICIENT


def test_evaluate_all_neutral_is_neutral() -> None:
    ev = evaluate(votes(smc=("neutral", 0.9), ml_model=("neutral", 0.9)), CFG)
    assert ev.outcome is ConsensusOutcome.NEUTRAL and ev.strength == 0.0 and ev.tier is Tier.D


def test_evaluate_unknown_source_gets_default_weight() -> None:
    # external bullish 1.0 weighs 0.2: bull 0.2 + 0.35 = 0.55; conviction 0.55 / (0.35+0.4+0.2)
    ev = evaluate(
        votes(smc=("bullish", 1.0), ml_model=("neutral", 0.5), llm_agent=("bullish", 1.0)), CFG
    )
    assert ev.bullish_weight == pytest.approx(0.55, abs=1e-12)
    assert ev.conviction == pytest.approx(0.55 / 0.95, abs=1e-12)
    assert next(v for v in ev.votes if v.source == "llm_agent").role == "external"


def test_evaluate_max_tier_caps_a_to_b() -> None:
    ev = evaluate(votes(smc=("bullish", 0.8), ml_model=("bullish", 0.7)), CFG, max_tier=Tier.B)
    assert ev.tier is Tier.B and "capped at B" in ev.rationale


def test_evaluate_levels_come_from_strongest_winning_vote() -> None:
    sigs = votes(smc=("bullish", 0.8))
    sigs["ml_model"] = sig("ml_model", "bullish", 0.9, stop=99.0, targets=[110.0])
    sigs["smc"] = sig("smc", "bullish", 0.8, stop=98.0, suggested_entry=(100.0, 101.0))
    ev = evaluate(sigs, CFG)
    assert ev.stop == 99.0 and ev.suggested_entry == (100.0, 101.0) and ev.targets == [110.0]


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("confidence", math.nan, "confidence"),
        ("confidence", 1.5, "confidence"),
        ("direction", "up", "direction"),
    ],
)
def test_evaluate_bad_signal_raises_data_error_naming_the_field(
    field: str, value: Any, needle: str
) -> None:
    sigs = votes(smc=("bullish", 0.8), ml_model=("bullish", 0.7))
    sigs["smc"] = {**sigs["smc"], field: value}
    with pytest.raises(DataError, match=needle):
        evaluate(sigs, CFG)


def test_evaluate_mixed_symbols_raises_data_error() -> None:
    sigs = votes(smc=("bullish", 0.8), ml_model=("bullish", 0.7))
    sigs["smc"] = {**sigs["smc"], "symbol": "ETH/USDT"}
    with pytest.raises(DataError, match="one symbol"):
        evaluate(sigs, CFG)


def test_evaluate_source_key_mismatch_raises_data_error() -> None:
    with pytest.raises(DataError, match="says its source"):
        evaluate({"smc": sig("ml_model", "bullish", 0.5)}, CFG)


def test_evaluate_no_signals_without_context_raises_data_error() -> None:
    with pytest.raises(DataError, match="nothing to evaluate"):
        evaluate({}, CFG, symbol="BTC/USDT", timeframe="1m")


def test_evaluate_result_is_strict_json() -> None:
    ev = evaluate(votes(smc=("bullish", 0.8), ml_model=("bullish", 0.7)), CFG)
    from tradequorum.state import dumps

    assert '"tier": "A"' in dumps(ev)


def test_evaluate_signal_conflict_no_trade_blocks_model_side_too() -> None:
    cfg = ConsensusConfig.model_validate({"conflicts": {"signal_conflict": "no_trade"}})
    ev = evaluate(
        votes(smc=("bearish", 0.3), ml_model=("bullish", 0.9), microstructure=("bullish", 0.9)),
        cfg,
    )
    assert ev.resolution is Resolution.NO_TRADE and ev.tier is Tier.D


def test_evaluate_model_vs_discretionary_no_trade_setting() -> None:
    cfg = ConsensusConfig.model_validate({"conflicts": {"model_vs_discretionary": "no_trade"}})
    ev = evaluate(
        votes(smc=("bearish", 0.3), ml_model=("bullish", 0.9), microstructure=("bullish", 0.9)),
        cfg,
    )
    assert ev.resolution is Resolution.NO_TRADE and not ev.tradeable
