"""Atomic JSON state files: temp file in the same folder, fsync, rename, fsync the folder.

A reader either sees the old file or the new one, never a torn write. A file that does not parse
(or fails its pydantic model) raises StateCorrupted: it is reported, never trusted.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from tradequorum.core.errors import StateCorrupted

M = TypeVar("M", bound=BaseModel)


def _default(o: Any) -> Any:
    if isinstance(o, BaseModel):
        return o.model_dump(mode="json")
    if hasattr(o, "isoformat"):
        return o.isoformat()
    if hasattr(o, "item"):
        return o.item()
    if isinstance(o, set | frozenset | tuple):
        return list(o)
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON-serializable: {type(o).__name__}")


def dumps(obj: Any) -> str:
    """Strict JSON (NaN/inf refused) with sorted keys."""
    if isinstance(obj, BaseModel):
        obj = obj.model_dump(mode="json")
    return json.dumps(obj, default=_default, indent=2, sort_keys=True, allow_nan=False)


def write_json_atomic(path: Path, obj: Any, *, durable: bool = True) -> None:
    """Write ``obj`` as JSON to ``path`` atomically (temp + fsync + rename + dir fsync).

    Every reader sees the old or the new file whole, even if the writer is killed. ``durable``
    False skips the two fsyncs: still atomic against a killed process (the page cache survives
    it), not against a power cut — the journal's own level (SQLite WAL, ``synchronous=NORMAL``),
    for files rewritten every bar in fast replay.
    """
    text = dumps(obj)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
        if durable:
            dfd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_json(path: Path) -> Any:
    """Parse a state file; StateCorrupted if it exists but is not valid JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise StateCorrupted(
            f"{path} is not valid JSON ({exc.msg} at line {exc.lineno}); not trusted"
        ) from exc


def read_model(path: Path, model: type[M]) -> M:
    """Parse and validate a state file against ``model``; StateCorrupted with the reason otherwise."""
    data = read_json(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise StateCorrupted(
            f"{path} does not match {model.__name__}: {exc.errors()[0]['msg']}"
        ) from exc


__all__ = ["dumps", "read_json", "read_model", "write_json_atomic"]
