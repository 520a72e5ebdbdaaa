"""``quorum explain DEC-…``: re-derive a past decision from the journal and show it is identical.

From the journal record alone (plus the configuration stored under its hash), the consensus is
recomputed from the recorded votes with :func:`tradequorum.consensus.evaluate`, and the final
decision from the recorded consensus, risk verdict and trading state with
:func:`~tradequorum.coordinator.decisions.decide`. Any field that differs is listed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import ValidationError

from tradequorum.config.settings import Settings
from tradequorum.consensus import evaluate
from tradequorum.coordinator.decisions import Decision, DecisionRecord, decide, inputs_from_record
from tradequorum.core.errors import StateCorrupted, TradeQuorumError
from tradequorum.core.types import Signal
from tradequorum.state.journal import Journal

_CONSENSUS_FIELDS = ("outcome", "direction", "strength", "conviction", "tier", "tradeable", "stop")
_SIGNAL_FIELDS = set(Signal.model_fields)
_VOTE_SOURCES = {
    "smc": "smc_signals",
    "ml_model": "ml_signals",
    "microstructure": "microstructure_signals",
}


@dataclass
class Explanation:
    record: DecisionRecord
    decision: Decision
    consensus: dict[str, Any] | None
    differences: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.differences


def extract_signal(output: Any) -> Signal | None:
    """The Signal inside an analyst's output (the output itself, or its ``signal`` field)."""
    if not isinstance(output, dict):
        return None
    if isinstance(output.get("signal"), dict):
        return extract_signal(output["signal"])
    if "source" not in output or "direction" not in output:
        return None
    try:
        return Signal.model_validate({k: v for k, v in output.items() if k in _SIGNAL_FIELDS})
    except ValidationError:
        return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


def _rederive_consensus(
    rec: DecisionRecord, settings: Settings
) -> tuple[dict[str, Any] | None, list[str]]:
    if rec.consensus is None:
        return None, []
    from tradequorum.agents.signal_evaluator import AGENT_SOURCES, find_signal, is_failed

    signals: dict[str, Signal] = {}
    failed = {AGENT_SOURCES[a] for a in rec.failed_agents if a in AGENT_SOURCES}
    for out in rec.votes.values():
        found = find_signal(out, rec.symbol)
        sig = extract_signal(found) if found is not None else None
        if sig is not None:
            signals[sig.source] = sig
        elif is_failed(out):
            failed |= {s for s, v in _VOTE_SOURCES.items() if rec.votes.get(v) is out}
    cfg = settings.consensus
    ev = evaluate(
        signals,
        cfg,
        failed=sorted(failed),
        symbol=rec.symbol,
        timeframe=rec.timeframe,
        timestamp=pd.Timestamp(rec.bar),
    ).model_dump(mode="json")
    diffs = [
        f"consensus.{k}: recorded {rec.consensus.get(k)!r}, re-derived {ev.get(k)!r}"
        for k in _CONSENSUS_FIELDS
        if not _same(rec.consensus.get(k), ev.get(k))
    ]
    return ev, diffs


def settings_for(journal: Journal, config_hash: str) -> Settings:
    """The configuration a decision was made with (stored in the journal under its hash)."""
    dumped = journal.value(f"config:{config_hash}")
    if dumped is None:
        raise TradeQuorumError(f"the journal has no configuration with hash {config_hash}")
    return Settings.model_validate(dumped)


def explain(journal: Journal, decision_id: str) -> Explanation:
    """Re-derive ``decision_id``; the result lists every difference (none when identical)."""
    raw = journal.decision(decision_id)
    if raw is None:
        raise TradeQuorumError(f"no decision {decision_id} in {journal.path}")
    try:
        rec = DecisionRecord.model_validate(raw)
    except ValidationError as exc:
        raise StateCorrupted(
            f"decision {decision_id} in the journal does not parse: {exc}"
        ) from exc
    settings = settings_for(journal, rec.config_hash)
    consensus, diffs = _rederive_consensus(rec, settings)
    inputs = inputs_from_record(rec, settings.consensus.required, settings.risk.tier_scale)
    decision = decide(inputs) if rec.workflow_status == "completed" else rec.decision
    if decision != rec.decision:
        diffs.append(f"decision: recorded {rec.decision!r}, re-derived {decision!r}")
    return Explanation(record=rec, decision=decision, consensus=consensus, differences=diffs)


__all__ = ["Explanation", "explain", "extract_signal", "settings_for"]
