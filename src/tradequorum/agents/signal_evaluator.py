"""signal-evaluator: weighted consensus, quality tier, conflict rules and rationale (DESIGN §5).

Action ``evaluate`` (alias ``evaluate_consensus``, the seed workflow's name): params ``symbol``,
``timeframe``, optional ``bar`` (ISO open time of the bar being decided: older signals are
stale), ``inputs`` (earlier workflow outputs by variable name: ``smc_signals``, ``ml_signals``,
``microstructure_signals``, any external agent's output), ``failed_agents``, ``flags``
(``{extreme, news}``) and ``max_tier``. Without inputs it reads the analysts' state files.
Returns the :class:`~tradequorum.consensus.Evaluation` and read-merge-writes
``state/signals/evaluated_signal.json`` keyed by symbol.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import pandas as pd
from pydantic import ValidationError

from tradequorum.agents.base import Agent, AgentContext, Task
from tradequorum.consensus import ConflictFlags, Evaluation, evaluate
from tradequorum.core.errors import AgentError, StateCorrupted
from tradequorum.core.ids import IdSequence
from tradequorum.core.types import Signal, Tier
from tradequorum.state.json_store import read_json, write_json_atomic

STATE_NAME = "evaluated_signal"
#: consensus source -> the workflow variable (and state file stem) holding its signals
SOURCE_VARS: dict[str, str] = {
    "smc": "smc_signals",
    "ml_model": "ml_signals",
    "microstructure": "microstructure_signals",
}
#: agent name -> the consensus source it speaks for (a failed agent = a failed source)
AGENT_SOURCES: dict[str, str] = {
    "smc-pattern-recognizer": "smc",
    "ml-model-engineer": "ml_model",
    "feature-engineer": "ml_model",
    "market-microstructure-analyst": "microstructure",
}
_FAILED = {"failed", "timeout", "skipped"}


def find_signal(obj: Any, symbol: str) -> dict[str, Any] | None:
    """The signal for ``symbol`` inside any analyst output shape (flat signal, ``{signal}``,
    ``{signals: {sym}}``, ``{symbols: {sym}}`` or a state file keyed by symbol)."""
    if not isinstance(obj, Mapping):
        return None
    if "direction" in obj and "source" in obj:
        return dict(obj)
    for key in ("signal",):
        if key in obj:
            return find_signal(obj[key], symbol)
    for key in ("signals", "symbols"):
        inner = obj.get(key)
        if isinstance(inner, Mapping) and symbol in inner:
            return find_signal(inner[symbol], symbol)
    if symbol in obj:
        return find_signal(obj[symbol], symbol)
    return None


def is_failed(obj: Any) -> bool:
    return isinstance(obj, Mapping) and str(obj.get("status", "")) in _FAILED


def bar_ids(
    prefix: str, ts: pd.Timestamp, symbol: str, symbols: tuple[str, ...], slot: int
) -> IdSequence:
    """An id sequence whose next ``prefix`` id is unique per (bar minute, symbol, slot) and
    deterministic (replay gives the same ids): number ``minute_of_day * 100 + slot * 50 +
    symbol index + 1``, e.g. ``ESC-20240101-78501`` for 13:05 UTC, first symbol, slot 0."""
    ts = ts.tz_convert("UTC")
    index = symbols.index(symbol) if symbol in symbols else len(symbols)
    n = (ts.hour * 60 + ts.minute) * 100 + slot * 50 + min(index, 48)
    return IdSequence({f"{prefix}-{ts:%Y%m%d}": n})


def _gather(task: Task, ctx: AgentContext, symbol: str) -> tuple[dict[str, Any], set[str]]:
    p = task.params
    inputs: Mapping[str, Any] = p.get("inputs") or {}
    signals: dict[str, Any] = {}
    failed = {AGENT_SOURCES[a] for a in p.get("failed_agents") or [] if a in AGENT_SOURCES}
    for source, var in SOURCE_VARS.items():
        obj = inputs.get(var) if inputs else _read_state(ctx, var)
        if is_failed(obj):
            failed.add(source)
        sig = find_signal(obj, symbol)
        if sig is not None:
            signals[str(sig["source"])] = sig
    for var, obj in inputs.items():  # external agents: any other output carrying a signal
        sig = find_signal(obj, symbol)
        if (
            sig is not None
            and var not in SOURCE_VARS.values()
            and str(sig["source"]) not in signals
        ):
            signals[str(sig["source"])] = sig
    for source, sig in p.get("signals", {}).items():
        signals[str(source)] = sig
    return signals, failed


def _validated(
    raw: Mapping[str, Any], symbol: str, timeframe: str, failed: set[str]
) -> tuple[dict[str, Signal], list[str]]:
    """Parse every gathered signal; a malformed, foreign or mislabelled one counts as a failed
    source (with a note saying why) instead of failing the whole evaluation."""
    good: dict[str, Signal] = {}
    notes: list[str] = []
    for source, value in raw.items():
        data = dict(value) if isinstance(value, Mapping) else value
        if isinstance(data, dict) and source not in SOURCE_VARS:  # external: drop unknown keys
            data = {k: v for k, v in data.items() if k in Signal.model_fields}
        try:
            sig = data if isinstance(data, Signal) else Signal.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(x) for x in err["loc"])
            notes.append(f"{source}: signal rejected ({loc}: {err['msg']})")
            failed.add(source)
            continue
        if (sig.source, sig.symbol, sig.timeframe) != (source, symbol, timeframe):
            notes.append(f"{source}: signal for {sig.source}/{sig.symbol}/{sig.timeframe} ignored")
            failed.add(source)
            continue
        good[source] = sig
    return good, notes


def _read_state(ctx: AgentContext, var: str) -> Any:
    path = ctx.layout.signals(var)
    if not path.exists():
        return None
    try:
        return read_json(path)
    except StateCorrupted:
        return {"status": "failed"}


def _flags(task: Task) -> ConflictFlags:
    p = task.params
    raw = dict(p.get("flags") or {})
    ctx_in = (p.get("inputs") or {}).get("market_context") or {}
    market_extreme = ctx_in.get("extreme", ctx_in.get("extreme_volatility", False))
    extreme = bool(raw.get("extreme", p.get("extreme", market_extreme)))
    news = bool(raw.get("news", p.get("news", ctx_in.get("news", False))))
    return ConflictFlags(extreme=extreme, news=news)


def merge_keyed(path: Any, symbol: str, entry: dict[str, Any]) -> None:
    """Read-merge-write a JSON object keyed by symbol (a corrupt file is replaced)."""
    current: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = read_json(path)
            current = dict(loaded) if isinstance(loaded, dict) else {}
        except StateCorrupted:
            current = {}
    current[symbol] = entry
    write_json_atomic(path, current)


def task_symbol(task: Task, ctx: AgentContext, agent: str) -> str:
    if "symbol" in task.params:
        return str(task.params["symbol"])
    if len(ctx.settings.symbols) == 1:
        return ctx.settings.symbols[0]
    raise AgentError(f"{agent}: params need a symbol (several are configured)")


class SignalEvaluator(Agent):
    """Aggregates the specialists' votes into one evaluation per symbol and bar."""

    name: ClassVar[str] = "signal-evaluator"
    domain: ClassVar[str] = "aggregation, quality assessment, conflict resolution, final scoring"
    actions: ClassVar[tuple[str, ...]] = ("evaluate", "evaluate_consensus")

    def evaluate(self, task: Task, ctx: AgentContext) -> Evaluation:
        symbol = task_symbol(task, ctx, self.name)
        tf = str(task.params.get("timeframe", ctx.settings.timeframe))
        raw, failed = _gather(task, ctx, symbol)
        signals, notes = _validated(raw, symbol, tf, failed)
        bar = task.params.get("bar")
        ts = pd.Timestamp(bar) if bar else None
        ids = None
        if ts is not None or signals:
            stamp = ts if ts is not None else max(s.ts for s in signals.values())
            ids = bar_ids("ESC", stamp, symbol, ctx.settings.symbols, 0)
        cap = task.params.get("max_tier")
        ev = evaluate(
            signals,
            ctx.settings.consensus,
            failed=failed,
            flags=_flags(task),
            symbol=symbol,
            timeframe=tf,
            timestamp=ts,
            ids=ids,
            max_tier=Tier(str(cap)) if cap else Tier.A,
        )
        if notes:
            ev = ev.model_copy(update={"notes": notes})
        if ctx.write_state:
            merge_keyed(ctx.layout.signals(STATE_NAME), symbol, ev.model_dump(mode="json"))
        return ev

    def evaluate_consensus(self, task: Task, ctx: AgentContext) -> Evaluation:
        return self.evaluate(task, ctx)


__all__ = [
    "AGENT_SOURCES",
    "SOURCE_VARS",
    "STATE_NAME",
    "SignalEvaluator",
    "bar_ids",
    "find_signal",
    "merge_keyed",
    "task_symbol",
]
