"""The JSON state files the coordinator keeps for people and other processes (views of the journal).

The journal is the source of truth; these files are rewritten atomically after each commit and can
always be regenerated from it. ``coordinator_state.json`` and ``positions.json`` carry a checksum of
their own content: a file that does not parse, fails its model or was edited by hand is reported
as :class:`~tradequorum.core.errors.StateCorrupted`, never trusted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from tradequorum.core.errors import StateCorrupted
from tradequorum.core.types import TradingState
from tradequorum.state.json_store import read_json, write_json_atomic
from tradequorum.state.layout import HomeLayout

if TYPE_CHECKING:
    from tradequorum.coordinator.service import Coordinator


def _checksum(payload: Mapping[str, Any]) -> str:
    body = {k: v for k, v in payload.items() if k != "checksum"}
    text = json.dumps(body, sort_keys=True, default=str, allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_checked(path: Path, payload: Mapping[str, Any], *, durable: bool = True) -> None:
    """Write ``payload`` with a ``checksum`` of its content (atomic; fsynced when ``durable``)."""
    body = json.loads(json.dumps(dict(payload), default=str, allow_nan=False))
    body["checksum"] = _checksum(body)
    write_json_atomic(path, body, durable=durable)


def read_checked(path: Path) -> dict[str, Any]:
    """Read a checked file; StateCorrupted when it does not parse or its checksum disagrees."""
    data = read_json(path)
    if not isinstance(data, dict) or "checksum" not in data:
        raise StateCorrupted(f"{path} has no checksum; not trusted")
    if data["checksum"] != _checksum(data):
        raise StateCorrupted(
            f"{path} was modified outside TradeQuorum (checksum mismatch); not trusted"
        )
    return data


class CoordinatorStateFile(BaseModel):
    """``state/system/coordinator_state.json``."""

    model_config = ConfigDict(extra="forbid")
    trading_state: TradingState
    state_reason: str = ""
    mode: str
    config_hash: str
    updated_at: str
    last_bars: dict[str, str] = Field(default_factory=dict)
    agents: dict[str, dict[str, Any]] = Field(default_factory=dict)
    decisions: int = 0
    orders: int = 0
    fills: int = 0
    equity: float | None = None
    checksum: str | None = None


def positions_path(layout: HomeLayout) -> Path:
    return layout.state / "trades" / "positions.json"


def write_views(
    layout: HomeLayout,
    *,
    coordinator: CoordinatorStateFile,
    decisions: list[dict[str, Any]],
    pending: list[dict[str, Any]],
    broker: Mapping[str, Any],
    durable: bool = True,
) -> None:
    """Rewrite the coordinator's views (each atomic; fsynced when ``durable``)."""
    write_checked(
        layout.coordinator_state,
        coordinator.model_dump(mode="json", exclude={"checksum"}),
        durable=durable,
    )
    write_json_atomic(
        layout.decision_log, {"decisions": decisions, "count": len(decisions)}, durable=durable
    )
    write_json_atomic(layout.pending_execution, {"orders": pending}, durable=durable)
    write_checked(positions_path(layout), dict(broker), durable=durable)


def read_coordinator_state(layout: HomeLayout) -> CoordinatorStateFile | None:
    """The last coordinator state, or None if there is none yet; StateCorrupted if not trusted."""
    path = layout.coordinator_state
    if not path.exists():
        return None
    data = read_checked(path)
    try:
        return CoordinatorStateFile.model_validate(data)
    except ValueError as exc:
        raise StateCorrupted(f"{path} does not match its model: {exc}") from exc


def collect_views(c: Coordinator) -> Callable[[], None]:
    """Snapshot the views' content now; the returned call writes the files (any thread)."""
    last = {s: b.isoformat() for s in c.settings.symbols if (b := c.completed_bar(s)) is not None}
    state = CoordinatorStateFile(
        trading_state=c.standing_state,
        state_reason=c.state_reason,
        mode=c.settings.execution.mode.value,
        config_hash=c.config_hash,
        updated_at=c.clock.now().isoformat(),
        last_bars=last,
        agents=c.registry.health(),
        decisions=c.journal.count("decisions"),
        orders=c.journal.count("orders"),
        fills=c.journal.count("fills"),
        equity=c.broker.equity,
    )
    pending = [
        o
        for status in ("awaiting_confirmation", "confirmed", "submitted")
        for o in c.journal.orders(status=status)
    ]
    decisions = c.recent_decisions()
    broker = {
        "equity": c.broker.equity,
        "cash": c.broker.cash,
        "positions": c.broker.positions(),
        "last_bars": last,
    }
    active = c.last_run.as_state() if c.last_run is not None else None

    durable = c.durable_views

    def write() -> None:
        write_views(
            c.layout,
            coordinator=state,
            decisions=decisions,
            pending=pending,
            broker=broker,
            durable=durable,
        )
        c.runner.writer.flush(durable=durable)
        if active is not None:
            write_json_atomic(c.layout.active_workflow, active, durable=durable)

    return write


def decision_summary(rec: Mapping[str, Any]) -> dict[str, Any]:
    """The line a decision gets in ``decision_log.json``."""
    d = rec.get("decision") or {}
    return {
        "decision_id": rec.get("decision_id"),
        "symbol": rec.get("symbol"),
        "bar": rec.get("bar"),
        "action": d.get("action"),
        "tier": d.get("tier"),
        "direction": d.get("direction"),
        "trading_state": rec.get("trading_state"),
        "rationale": rec.get("rationale"),
    }


__all__ = [
    "CoordinatorStateFile",
    "collect_views",
    "decision_summary",
    "positions_path",
    "read_checked",
    "read_coordinator_state",
    "write_checked",
    "write_views",
]
