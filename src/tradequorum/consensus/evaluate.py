"""The per-bar signal evaluator: signals of one symbol at one bar -> :class:`Evaluation`.

Used by the real-time workflow and replay. It runs the very same vectorized kernel as
:func:`tradequorum.consensus.frame.evaluate_frame` (on one column), so both agree exactly.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from tradequorum.config.consensus import ConsensusConfig
from tradequorum.consensus.kernel import (
    OUTCOME_NAMES,
    RESOLUTION_NAMES,
    TIER_NAMES,
    ConsensusArrays,
    aggregate,
    source_spec,
)
from tradequorum.consensus.rationale import RationaleFacts, write_rationale
from tradequorum.consensus.records import (
    ConflictFlags,
    Escalation,
    Evaluation,
    Resolution,
    Vote,
)
from tradequorum.core.errors import DataError
from tradequorum.core.ids import IdSequence
from tradequorum.core.types import ConsensusOutcome, Direction, Signal, Tier

_ESCALATION_OPTIONS = {
    "signal_conflict": ["take_consensus_side", "no_trade"],
    "model_vs_discretionary": ["follow_model", "follow_discretionary", "no_trade"],
}


def _as_signal(source: str, value: Signal | Mapping[str, Any]) -> Signal:
    try:
        sig = value if isinstance(value, Signal) else Signal.model_validate(value)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "signal"
        raise DataError(
            f"signal from {source!r} rejected: {loc}: {err['msg']} (got {err.get('input')!r})"
        ) from None
    if sig.source != source:
        raise DataError(f"signal filed under {source!r} says its source is {sig.source!r}")
    return sig


def _context(
    signals: Mapping[str, Signal], symbol: str | None, timeframe: str | None
) -> tuple[str, str, pd.Timestamp | None]:
    symbols = {s.symbol for s in signals.values()} | ({symbol} if symbol else set())
    frames = {s.timeframe for s in signals.values()} | ({timeframe} if timeframe else set())
    if len(symbols) != 1 or len(frames) != 1:
        raise DataError(
            f"one evaluation needs one symbol and one timeframe, got {sorted(symbols)} / "
            f"{sorted(frames)}"
        )
    stamps = [s.ts for s in signals.values()]
    return symbols.pop(), frames.pop(), max(stamps) if stamps else None


def _role(source: str, cfg: ConsensusConfig) -> str:
    if source in cfg.required:
        return "required"
    return "optional" if source in cfg.optional else "external"


def _votes(
    names: tuple[str, ...],
    live: Mapping[str, Signal],
    failed: Collection[str],
    cfg: ConsensusConfig,
) -> list[Vote]:
    out: list[Vote] = []
    for name in names:
        sig = live.get(name)
        status = "voted" if sig is not None else ("failed" if name in failed else "missing")
        out.append(
            Vote.model_validate(
                {
                    "source": name,
                    "role": _role(name, cfg),
                    "status": status,
                    "weight": cfg.weight(name),
                    "direction": sig.direction if sig else None,
                    "confidence": sig.confidence if sig else None,
                }
            )
        )
    return out


def _levels(
    votes: list[Vote], live: Mapping[str, Signal], side: Direction
) -> tuple[tuple[float, float] | None, float | None, list[float] | None]:
    ranked = sorted(
        (v for v in votes if v.status == "voted" and v.direction == side),
        key=lambda v: (-(v.weight * (v.confidence or 0.0)), v.source),
    )
    entry = next(
        (live[v.source].suggested_entry for v in ranked if live[v.source].suggested_entry), None
    )
    stop = next((live[v.source].stop for v in ranked if live[v.source].stop is not None), None)
    targets = next((live[v.source].targets for v in ranked if live[v.source].targets), None)
    return entry, stop, targets


def _escalation(
    arr: ConsensusArrays, now: pd.Timestamp, symbol: str, ids: IdSequence
) -> Escalation | None:
    if not arr.escalate[0]:
        return None
    res = Resolution(str(RESOLUTION_NAMES[arr.resolution[0]]))
    kind = "signal_conflict" if res is Resolution.ESCALATE else "model_vs_discretionary"
    if kind == "signal_conflict":
        reason = (
            f"{symbol}: opposing signals with close confidences "
            f"({arr.bull_mean[0]:.2f} bullish vs {arr.bear_mean[0]:.2f} bearish)"
        )
    else:
        reason = f"{symbol}: model and discretionary signals disagree in extreme conditions or news"
    return Escalation(
        id=ids.next("ESC", now),
        type=kind,  # type: ignore[arg-type]
        reason=reason,
        options=list(_ESCALATION_OPTIONS[kind]),
        created=now.to_pydatetime(),
    )


def evaluate(
    signals: Mapping[str, Signal | Mapping[str, Any]],
    cfg: ConsensusConfig,
    *,
    failed: Collection[str] = (),
    flags: ConflictFlags = ConflictFlags(),  # noqa: B008 - frozen value
    symbol: str | None = None,
    timeframe: str | None = None,
    timestamp: pd.Timestamp | None = None,
    ids: IdSequence | None = None,
    max_tier: Tier = Tier.A,
) -> Evaluation:
    """Weighted consensus, conflict rules, tier and rationale for one symbol at one bar.

    ``signals`` maps source name -> its signal (or the signal's JSON); ``failed`` names sources
    that failed or timed out (a name in both counts as failed). A signal stamped before the
    newest one is stale and counts as missing. Required participants that did not vote make the
    result ``insufficient``. Raises DataError for malformed signals (NaN confidence, unknown
    direction, mixed symbols). Causal: uses only the signals given.
    """
    parsed = {name: _as_signal(name, value) for name, value in signals.items()}
    sym, tf, newest = _context(parsed, symbol, timeframe)
    ts = timestamp if timestamp is not None else newest
    if ts is None:
        raise DataError("no signals and no timestamp: nothing to evaluate")
    ts = pd.Timestamp(ts).tz_convert("UTC")
    live = {n: s for n, s in parsed.items() if n not in failed and s.ts == ts}
    names = tuple(sorted(set(parsed) | set(failed) | set(cfg.required)))
    arr = _run_kernel(names, live, flags, cfg, max_tier)
    votes = _votes(names, live, failed, cfg)
    escalation = _escalation(arr, ts, sym, ids if ids is not None else IdSequence())
    facts = _facts(arr, escalation, max_tier)
    entry, stop, targets = _levels(votes, live, facts.side)
    return Evaluation(
        symbol=sym,
        timeframe=tf,
        timestamp=ts.to_pydatetime(),
        outcome=facts.outcome,
        direction=facts.side,
        strength=facts.strength,
        conviction=facts.conviction,
        tier=facts.tier,
        tradeable=bool(arr.tradeable[0]),
        bullish_weight=float(arr.bull[0]),
        bearish_weight=float(arr.bear[0]),
        resolution=facts.resolution,
        votes=votes,
        escalation=escalation,
        rationale=write_rationale(votes, facts, cfg),
        suggested_entry=entry,
        stop=stop,
        targets=targets,
    )


def _run_kernel(
    names: tuple[str, ...],
    live: Mapping[str, Signal],
    flags: ConflictFlags,
    cfg: ConsensusConfig,
    max_tier: Tier,
) -> ConsensusArrays:
    """The shared kernel on one column (names are already sorted, as the kernel expects)."""
    shape = (len(names), 1)
    direction = np.array([float(live[n].direction.sign) if n in live else 0.0 for n in names])
    confidence = np.array([live[n].confidence if n in live else 0.0 for n in names])
    available = np.array([n in live for n in names], dtype=np.bool_)
    return aggregate(
        source_spec(names, cfg),
        direction.reshape(shape),
        confidence.reshape(shape),
        available.reshape(shape),
        np.array([flags.extreme or flags.news]),
        cfg,
        max_tier=list(Tier).index(max_tier),
    )


def _facts(arr: ConsensusArrays, escalation: Escalation | None, max_tier: Tier) -> RationaleFacts:
    return RationaleFacts(
        outcome=ConsensusOutcome(str(OUTCOME_NAMES[arr.outcome[0]])),
        side=Direction.from_sign(float(arr.side[0])),
        strength=float(arr.strength[0]),
        conviction=float(arr.conviction[0]),
        tier=Tier(str(TIER_NAMES[arr.tier[0]])),
        resolution=Resolution(str(RESOLUTION_NAMES[arr.resolution[0]])),
        bull_mean=float(arr.bull_mean[0]),
        bear_mean=float(arr.bear_mean[0]),
        escalation_id=escalation.id if escalation else None,
        capped_at=max_tier if max_tier is not Tier.A else None,
    )


__all__ = ["evaluate"]
