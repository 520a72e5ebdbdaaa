"""Parquet store: round trip, idempotent appends, overlap de-dup, conflicts, range reads."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import make_bars
from tradequorum.core.errors import DataError, DataQualityError
from tradequorum.data.ingest import import_file
from tradequorum.data.store import ParquetStore, symbol_key

SYM = "BTC/USDT"


def _files(store: ParquetStore) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in store.root.rglob("*.parquet")}


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    b = b[list(a.columns)].set_axis(pd.DatetimeIndex(b.index).as_unit("ns").rename("open_time"))
    pd.testing.assert_frame_equal(a, b, check_freq=False)


def test_store_round_trip_across_years(tmp_path: Path) -> None:
    store = ParquetStore(tmp_path)
    bars = make_bars(3000, start="2023-12-31 23:00")
    result = store.append(bars, SYM, "1m")
    assert (result.added, result.files_written) == (3000, 2)
    _same(store.read(SYM, "1m"), bars)


def test_store_append_same_bars_twice_changes_nothing(tmp_path: Path) -> None:
    store = ParquetStore(tmp_path)
    bars = make_bars(2000)
    store.append(bars, SYM, "1m")
    before = _files(store)
    again = store.append(bars, SYM, "1m")
    assert (again.added, again.unchanged, again.files_written) == (0, 2000, 0)
    assert _files(store) == before


def test_store_overlapping_append_adds_only_new_bars(tmp_path: Path) -> None:
    store = ParquetStore(tmp_path)
    bars = make_bars(1000)
    store.append(bars.iloc[:600], SYM, "1m")
    result = store.append(bars.iloc[400:], SYM, "1m")
    assert (result.added, result.unchanged, result.conflicts) == (400, 200, 0)
    _same(store.read(SYM, "1m"), bars)


def test_store_conflicting_bar_kept_or_replaced_and_counted(tmp_path: Path) -> None:
    store = ParquetStore(tmp_path)
    bars = make_bars(100)
    store.append(bars, SYM, "1m")
    changed = bars.iloc[50:51].copy()
    changed["volume"] = changed["volume"] + 1.0
    keep = store.append(changed, SYM, "1m")
    assert (keep.conflicts, keep.files_written) == (1, 0)
    assert store.read(SYM, "1m")["volume"].iloc[50] == bars["volume"].iloc[50]
    replace = store.append(changed, SYM, "1m", on_conflict="replace")
    assert replace.conflicts == 1
    stored = store.read(SYM, "1m")
    assert len(stored) == 100 and stored["volume"].iloc[50] == changed["volume"].iloc[0]


def test_store_refuses_invalid_bars_and_stays_unchanged(tmp_path: Path) -> None:
    store = ParquetStore(tmp_path)
    store.append(make_bars(100), SYM, "1m")
    before = _files(store)
    bad = make_bars(100, start="2024-02-01")
    bad.iloc[3, bad.columns.get_loc("taker_buy_volume")] = 1e9
    with pytest.raises(DataQualityError) as info:
        store.append(bad, SYM, "1m")
    assert info.value.rule == "taker_buy_exceeds_volume"
    assert _files(store) == before


def test_store_range_read_and_last_open_time(tmp_path: Path) -> None:
    store = ParquetStore(tmp_path)
    bars = make_bars(5000, start="2024-12-30")
    store.append(bars, SYM, "1m")
    part = store.read(SYM, "1m", start="2024-12-31 10:00", end="2025-01-01 00:09")
    assert part.index[0] == pd.Timestamp("2024-12-31 10:00", tz="UTC")
    assert part.index[-1] == pd.Timestamp("2025-01-01 00:09", tz="UTC")
    assert len(part) == 14 * 60 + 10
    assert store.last_open_time(SYM, "1m") == bars.index[-1]
    assert store.last_open_time("ETH/USDT", "1m") is None


def test_store_read_unknown_partition_raises_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no 1h bars stored"):
        ParquetStore(tmp_path).read(SYM, "1h")


def test_store_info_reports_range_count_and_gaps(tmp_path: Path) -> None:
    store = ParquetStore(tmp_path)
    bars = make_bars(300)
    store.append(bars.drop(index=bars.index[100:110]), SYM, "1m")
    info = store.info(SYM, "1m")
    assert (info.rows, info.gaps, info.missing_bars) == (290, 1, 10)
    assert store.partitions() == [(SYM, "1m")]


@pytest.mark.parametrize(
    ("symbol", "key"), [("BTC/USDT", "BTC-USDT"), ("BTC/USDT:USDT", "BTC-USDT_USDT")]
)
def test_symbol_key_is_a_safe_folder_name(symbol: str, key: str) -> None:
    assert symbol_key(symbol) == key


@pytest.mark.parametrize("bad", ["", "../x", "a b"])
def test_symbol_key_refuses_unsafe_names(bad: str) -> None:
    with pytest.raises(DataError):
        symbol_key(bad)


def test_import_file_quarantines_invalid_rows_and_stores_the_rest(tmp_path: Path) -> None:
    bars = make_bars(50, taker=False)
    bars.iloc[7, bars.columns.get_loc("close")] = -1.0
    raw = bars.reset_index(names="timestamp")
    raw["timestamp"] = raw["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S")
    src = tmp_path / "ETHUSDT_1m.csv"
    raw.to_csv(src, index=False)
    store = ParquetStore(tmp_path / "store")
    result = import_file(src, store, tmp_path / "quarantine")
    assert (result.symbol, result.timeframe) == ("ETH/USDT", "1m")
    assert result.appended.added == 49 and result.report.rows_quarantined == 1
    assert result.quarantine_file is not None
    q = pd.read_parquet(result.quarantine_file)
    assert q["rule"].tolist() == ["non_positive_price"] and q["row"].tolist() == [7]
    again = import_file(src, store, tmp_path / "quarantine")
    assert again.appended.added == 0 and again.quarantine_file == result.quarantine_file
    assert len(store.read("ETH/USDT", "1m")) == 49
    assert np.isfinite(store.read("ETH/USDT", "1m").to_numpy()).all()


_BARS = make_bars(400, start="2024-12-31 22:00")


@given(chunks=st.lists(st.tuples(st.integers(0, 399), st.integers(1, 200)), min_size=1, max_size=6))
def test_store_any_order_of_overlapping_appends_gives_the_union(
    chunks: list[tuple[int, int]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = ParquetStore(Path(tmp))
        covered = np.zeros(len(_BARS), dtype=bool)
        for start, length in chunks:
            store.append(_BARS.iloc[start : start + length], SYM, "1m")
            covered[start : start + length] = True
        _same(store.read(SYM, "1m"), _BARS.loc[covered])
        again = store.append(_BARS.loc[covered], SYM, "1m")
        assert again.added == 0 and again.files_written == 0
