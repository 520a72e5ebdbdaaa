"""State files: atomic JSON writes always leave a file that parses (old or new, never torn)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradequorum.core.errors import StateCorrupted
from tradequorum.state.json_store import read_json, write_json_atomic

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(first=JSON, second=JSON, durable=st.booleans())
def test_write_json_atomic_round_trips_and_replaces_whole(
    tmp_path_factory: pytest.TempPathFactory, first: Any, second: Any, durable: bool
) -> None:
    path = tmp_path_factory.mktemp("s") / "state.json"
    write_json_atomic(path, first, durable=durable)
    assert read_json(path) == first
    write_json_atomic(path, second, durable=durable)
    assert read_json(path) == second
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]  # no temp file left


def test_write_json_atomic_refusing_nan_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "risk_state.json"
    write_json_atomic(path, {"equity": 1.0})
    with pytest.raises(ValueError):
        write_json_atomic(path, {"equity": float("nan")})
    assert read_json(path) == {"equity": 1.0}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["risk_state.json"]


def test_write_json_atomic_not_durable_skips_fsync_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd))
    write_json_atomic(tmp_path / "a.json", {"x": 1}, durable=False)
    assert calls == []
    write_json_atomic(tmp_path / "b.json", {"x": 1})
    assert len(calls) == 2  # the file, then its folder (the rename)
    assert read_json(tmp_path / "a.json") == read_json(tmp_path / "b.json")


def test_read_json_reports_a_torn_file_as_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "coordinator_state.json"
    path.write_text('{"trading_state": "ACT', encoding="utf-8")
    with pytest.raises(StateCorrupted, match="not trusted"):
        read_json(path)
