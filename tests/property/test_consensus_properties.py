"""Invariants of the signal evaluator (DESIGN §5), checked by hypothesis."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from tradequorum.config import ConsensusConfig
from tradequorum.consensus import ConflictFlags, evaluate, evaluate_frame
from tradequorum.core.types import Signal

CFG = ConsensusConfig()
SOURCES = ("smc", "ml_model", "microstructure", "llm_agent")
TS0 = pd.Timestamp("2024-03-01", tz="UTC")
TIER_RANK = {"A": 0, "B": 1, "C": 2, "D": 3}

# one vote: direction -1/0/+1 or NaN (unavailable), confidence in [0, 1]
vote = st.tuples(
    st.sampled_from([-1.0, 0.0, 1.0, math.nan]),
    st.one_of(st.sampled_from([0.0, 0.3, 0.5, 0.7, 1.0]), st.floats(0.0, 1.0)),
)
votes_st = st.fixed_dictionaries({s: vote for s in SOURCES})
configs = st.builds(
    lambda thr, esc, sc, mvd: ConsensusConfig.model_validate(
        {
            "approval_threshold": thr,
            "conflicts": {
                "signal_conflict_escalate_below": esc,
                "signal_conflict": sc,
                "model_vs_discretionary": mvd,
            },
        }
    ),
    st.sampled_from([0.0, 0.5, 0.6, 0.75, 1.0]),
    st.sampled_from([0.0, 0.15, 0.5]),
    st.sampled_from(["strongest_wins", "strongest_wins", "no_trade"]),
    st.sampled_from(["defer_to_model", "defer_to_model", "no_trade"]),
)


def _signal(source: str, d: float, c: float, ts: pd.Timestamp) -> Signal:
    return Signal(
        source=source,
        symbol="BTC/USDT",
        timeframe="1m",
        timestamp=ts.to_pydatetime(),
        direction={-1.0: "bearish", 0.0: "neutral", 1.0: "bullish"}[d],
        confidence=c,
    )


def _evaluate(votes: dict[str, tuple[float, float]], cfg: ConsensusConfig, **kw: object):
    sigs = {s: _signal(s, d, c, TS0) for s, (d, c) in votes.items() if not math.isnan(d)}
    failed = [s for s, (d, _) in votes.items() if math.isnan(d)]
    return evaluate(
        sigs, cfg, failed=failed, symbol="BTC/USDT", timeframe="1m", timestamp=TS0, **kw
    )  # type: ignore[arg-type]


@given(
    rows=st.lists(votes_st, min_size=1, max_size=12),
    cfg=configs,
    flags=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_frame_and_per_bar_agree_exactly_row_by_row(
    rows: list[dict[str, tuple[float, float]]], cfg: ConsensusConfig, flags: list[bool]
) -> None:
    idx = pd.date_range(TS0, periods=len(rows), freq="1min", tz="UTC")
    frames = {
        s: pd.DataFrame(
            {"direction": [r[s][0] for r in rows], "confidence": [r[s][1] for r in rows]},
            index=idx,
        )
        for s in SOURCES
    }
    out = evaluate_frame(frames, cfg, extreme=np.array(flags[: len(rows)]))
    for i, row in enumerate(rows):
        sigs = {s: _signal(s, d, c, idx[i]) for s, (d, c) in row.items() if not math.isnan(d)}
        failed = [s for s, (d, _) in row.items() if math.isnan(d)]
        ev = evaluate(
            sigs,
            cfg,
            failed=failed,
            flags=ConflictFlags(extreme=flags[i]),
            symbol="BTC/USDT",
            timeframe="1m",
            timestamp=idx[i],
        )
        got = out.iloc[i]
        assert got["outcome"] == ev.outcome.value
        assert got["direction"] == ev.direction.sign
        assert got["strength"] == ev.strength
        assert got["conviction"] == ev.conviction
        assert got["tier"] == ev.tier.value
        assert bool(got["tradeable"]) == ev.tradeable
        assert got["bullish_weight"] == ev.bullish_weight
        assert got["bearish_weight"] == ev.bearish_weight
        assert got["resolution"] == ev.resolution.value
        assert bool(got["escalate"]) == (ev.escalation is not None)


@given(votes=votes_st, cfg=configs, flag=st.booleans())
def test_consensus_symmetric_under_bullish_bearish_swap(
    votes: dict[str, tuple[float, float]], cfg: ConsensusConfig, flag: bool
) -> None:
    swapped = {s: (-d if not math.isnan(d) else d, c) for s, (d, c) in votes.items()}
    a = _evaluate(votes, cfg, flags=ConflictFlags(extreme=flag))
    b = _evaluate(swapped, cfg, flags=ConflictFlags(extreme=flag))
    assert b.direction == a.direction.opposite()
    assert (a.strength, a.conviction, a.tier, a.resolution) == (
        b.strength,
        b.conviction,
        b.tier,
        b.resolution,
    )
    assert a.bullish_weight == b.bearish_weight and a.bearish_weight == b.bullish_weight
    swap = {"bullish": "bearish", "bearish": "bullish"}
    assert b.outcome.value == swap.get(a.outcome.value, a.outcome.value)


@given(
    votes=votes_st,
    cfg=configs,
    conf=st.floats(0.0, 1.0),
    name=st.sampled_from(["microstructure", "llm_agent", "news_bot"]),
)
def test_adding_a_neutral_voter_never_raises_the_tier(
    votes: dict[str, tuple[float, float]], cfg: ConsensusConfig, conf: float, name: str
) -> None:
    before = {s: v for s, v in votes.items() if s != name}
    after = {**before, name: (0.0, conf)}
    a, b = _evaluate(before, cfg), _evaluate(after, cfg)
    assert TIER_RANK[b.tier.value] >= TIER_RANK[a.tier.value]
    assert b.strength == a.strength
    assert b.conviction <= a.conviction


@given(votes=votes_st, cfg=configs, which=st.sampled_from(["smc", "ml_model"]))
def test_failed_required_participant_never_yields_a_trade(
    votes: dict[str, tuple[float, float]], cfg: ConsensusConfig, which: str
) -> None:
    ev = _evaluate({**votes, which: (math.nan, 0.0)}, cfg)
    assert ev.outcome.value == "insufficient"
    assert not ev.tradeable and ev.tier.value == "D"


@given(votes=votes_st, cfg=configs)
def test_strength_and_conviction_lie_in_unit_interval(
    votes: dict[str, tuple[float, float]], cfg: ConsensusConfig
) -> None:
    ev = _evaluate(votes, cfg)
    assert 0.0 <= ev.strength <= 1.0 and 0.0 <= ev.conviction <= 1.0
    assert ev.tradeable == (ev.tier.value != "D")
    if ev.tradeable:
        assert ev.strength >= cfg.approval_threshold
