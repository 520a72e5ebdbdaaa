"""Fuzz of the loaders: only DataError (with a message) ever escapes, and a failed import leaves
the store exactly as it was."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import make_bars
from tradequorum.core.bars import ensure_bars
from tradequorum.core.errors import DataError
from tradequorum.data import load_file
from tradequorum.data.ingest import import_file
from tradequorum.data.store import ParquetStore

HEADERS = [
    "open_time,open,high,low,close,volume",
    "timestamp;open;high;low;close;volume",
    "Date,Open,High,Low,Close,Volume",
    "",
]
CELLS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "nan", "inf", "-", "abc", "2024-01-01", "2024-13-45 99:99", "1e400", '"']),
    st.sampled_from(["1704067200000", "1704067200", "1704067200000000", "2024-01-01T00:00:00Z"]),
    st.text(max_size=6),
)
LINES = st.lists(CELLS, min_size=0, max_size=8).flatmap(
    lambda cells: st.sampled_from([",", ";", "\t", " "]).map(lambda d: d.join(cells))
)
CSV_TEXT = st.builds(
    lambda header, lines, cut: ("\n".join([header, *lines]))[: cut or None],
    st.sampled_from(HEADERS),
    st.lists(LINES, max_size=6),
    st.integers(min_value=0, max_value=200),
)
_VALID = make_bars(12, taker=False)
_VALID_TEXT = "timestamp,open,high,low,close,volume\n" + "".join(
    f"{t:%Y-%m-%d %H:%M:%S},{o!r},{h!r},{lo!r},{c!r},{v!r}\n"
    for t, o, h, lo, c, v in _VALID.itertuples()
)


def _mutate(text: str, cut: int, pos: int, junk: str, delim: str) -> str:
    """A valid file, truncated, with one cell of junk and maybe the wrong delimiter."""
    lines = text[: max(cut, 1)].split("\n")
    k = pos % len(lines)
    cells = lines[k].split(",")
    cells[pos % len(cells)] = junk
    lines[k] = ",".join(cells)
    return "\n".join(lines).replace(",", delim)


MUTATED = st.builds(
    _mutate,
    st.just(_VALID_TEXT),
    st.integers(min_value=1, max_value=len(_VALID_TEXT)),
    st.integers(min_value=0, max_value=200),
    CELLS,
    st.sampled_from([",", ",", ";", "\t", "|"]),
)
CONTENT = st.one_of(
    st.binary(max_size=400),
    CSV_TEXT.map(lambda t: t.encode("utf-8")),
    MUTATED.map(lambda t: t.encode("utf-8")),
)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@given(content=CONTENT)
def test_load_file_fuzz_only_data_error_or_valid_bars(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.csv"
        path.write_bytes(content)
        try:
            bars = load_file(path)
        except DataError as exc:
            assert str(exc)
            return
        ensure_bars(bars)
        assert np.isfinite(bars.to_numpy()).all()


@given(content=CONTENT)
def test_import_file_fuzz_failure_leaves_store_unchanged(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = ParquetStore(root / "store")
        store.append(make_bars(50), "BTC/USDT", "1m")
        before = _snapshot(root / "store")
        path = root / "fuzz.csv"
        path.write_bytes(content)
        try:
            import_file(path, store, root / "quarantine", symbol="BTC/USDT", timeframe="1m")
        except DataError as exc:
            assert str(exc)
            assert _snapshot(root / "store") == before
            return
        stored = store.read("BTC/USDT", "1m")
        ensure_bars(stored)
        assert np.isfinite(stored.to_numpy()).all()
