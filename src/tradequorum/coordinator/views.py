"""The JSON state files the coordinator keeps for people and other processes (views of the journal).

The journal is the source of truth; these files are rewritten atomically after each commit and can
always be regenerated from it. ``coordinator_state.json`` and ``positions.json`` carry a checksum of
their own content: a file that does not parse, fails its model or was edited by hand is reported
as :class:`~tradequorum.core.errors.StateCorrupted`, never trusted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tradequorum.core.errors import StateCorrupted
from tradequorum.core.types import TradingState
from tradequorum.state.json_store import read_json, write_json_atomic
from tradequorum.state.layout import HomeLayout


def _checksum(payload: Mapping[str, Any]) -> str:
    body = {k: v for k, v in payload.items() if k != "checksum"}
    text = json.dumps(body, sort_keys=True, default=str, allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_checked(path: Path, payload: Mapping[str, Any]) -> None:
    """Write ``payload`` with a ``checksum`` of its content (atomic)."""
    body = json.loads(json.dumps(dict(payload), default=str, allow_nan=False))
    body["checksum"] = _checksum(body)
    write_json_atomic(path, body)


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
) -> None:
    """Rewrite the coordinator's views (each atomic)."""
    write_checked(
        layout.coordinator_state, coordinator.model_dump(mode="json", exclude={"checksum"})
    )
    write_json_atomic(layout.decision_log, {"decisions": decisions, "count": len(decisions)})
    write_json_atomic(layout.pending_execution, {"orders": pending})
    write_checked(positions_path(layout), dict(broker))


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


__all__ = [
    "CoordinatorStateFile",
    "positions_path",
    "read_checked",
    "read_coordinator_state",
    "write_checked",
    "write_views",
]
