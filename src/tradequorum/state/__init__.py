"""State: the home layout, atomic JSON files and (coordinator) the SQLite journal."""

from tradequorum.state.json_store import dumps, read_json, read_model, write_json_atomic
from tradequorum.state.layout import HomeLayout

__all__ = ["HomeLayout", "dumps", "read_json", "read_model", "write_json_atomic"]
