"""The Parquet bar store: one folder per symbol and timeframe, one file per calendar year.

Layout: ``<home>/data/store/<SYMBOL-KEY>/<timeframe>/<YYYY>.parquet`` plus ``_partition.json``
naming the ccxt symbol (``BTC/USDT`` -> ``BTC-USDT``; ``BTC/USDT:USDT`` -> ``BTC-USDT_USDT``).

* Appends are **idempotent**: rows already stored with the same values change nothing and no file
  is rewritten. Overlaps are de-duplicated by open time; a stored bar whose values differ from the
  new one is a *conflict*: the stored bar is kept (``on_conflict="keep"``, default) or replaced
  (``"replace"``), and the count is reported either way.
* Only valid bars enter: every append runs the quality rules and refuses any invalid row
  (:class:`DataQualityError`); quarantine happens upstream (:mod:`tradequorum.data.ingest`).
* Writes are atomic per file (temp file + rename). Reads by time range open only the years needed.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tradequorum.core.bars import ALL_COLUMNS, ensure_bars
from tradequorum.core.errors import DataError, DataQualityError
from tradequorum.data.quality import QualityReport, epoch_ns, validate_bars

_META = "_partition.json"


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What an append did: rows added, already present, conflicting; files rewritten."""

    added: int
    unchanged: int
    conflicts: int
    files_written: int


@dataclass(frozen=True, slots=True)
class PartitionInfo:
    symbol: str
    timeframe: str
    rows: int
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    gaps: int
    missing_bars: int
    columns: tuple[str, ...]


def symbol_key(symbol: str) -> str:
    """Folder name of a ccxt symbol: ``BTC/USDT`` -> ``BTC-USDT``; refuses path tricks."""
    key = symbol.strip().replace("/", "-").replace(":", "_")
    if not key or key.startswith(".") or any(ch in key for ch in "\\ \0"):
        raise DataError(f"not a usable symbol: {symbol!r}")
    return key


def _utc(ts: pd.Timestamp | str | None) -> pd.Timestamp | None:
    if ts is None:
        return None
    stamp = pd.Timestamp(ts)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _write_atomic(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _to_table(bars: pd.DataFrame) -> pa.Table:
    frame = bars.copy()
    frame.index = pd.DatetimeIndex(frame.index).as_unit("ns").rename("open_time")
    return pa.Table.from_pandas(frame, preserve_index=True)


class ParquetStore:
    """Bars by symbol and timeframe under ``root`` (usually ``HomeLayout.store``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def partition(self, symbol: str, timeframe: str) -> Path:
        return self.root / symbol_key(symbol) / timeframe

    def _years(self, symbol: str, timeframe: str) -> list[Path]:
        part = self.partition(symbol, timeframe)
        return sorted(part.glob("[0-9][0-9][0-9][0-9].parquet")) if part.exists() else []

    def _read_file(
        self, path: Path, start: pd.Timestamp | None, end: pd.Timestamp | None
    ) -> pd.DataFrame:
        filters = []
        if start is not None:
            filters.append(("open_time", ">=", start))
        if end is not None:
            filters.append(("open_time", "<=", end))
        table = pq.read_table(path, filters=filters or None)
        frame: pd.DataFrame = table.to_pandas()
        frame.index = pd.DatetimeIndex(frame.index).as_unit("ns").tz_convert("UTC")
        return frame

    def read(
        self,
        symbol: str,
        timeframe: str,
        *,
        start: pd.Timestamp | str | None = None,
        end: pd.Timestamp | str | None = None,
    ) -> pd.DataFrame:
        """Stored bars with ``start <= open time <= end`` (UTC), in the bar schema.

        Raises DataError when the partition does not exist.
        """
        files = self._years(symbol, timeframe)
        if not files:
            raise DataError(f"no {timeframe} bars stored for {symbol} under {self.root}")
        lo, hi = _utc(start), _utc(end)
        wanted = [
            f
            for f in files
            if (lo is None or int(f.stem) >= lo.year) and (hi is None or int(f.stem) <= hi.year)
        ]
        frames = [self._read_file(f, lo, hi) for f in wanted]
        frames = [f for f in frames if len(f)]
        if not frames:
            cols = self.columns(symbol, timeframe)
            empty = pd.DataFrame({c: np.empty(0) for c in cols})
            empty.index = pd.DatetimeIndex([], tz="UTC", name="open_time").as_unit("ns")
            return empty
        bars = frames[0] if len(frames) == 1 else pd.concat(frames)
        bars.index.name = "open_time"
        return bars

    def columns(self, symbol: str, timeframe: str) -> tuple[str, ...]:
        meta = self.partition(symbol, timeframe) / _META
        if not meta.exists():
            return ()
        return tuple(json.loads(meta.read_text(encoding="utf-8"))["columns"])

    def last_open_time(self, symbol: str, timeframe: str) -> pd.Timestamp | None:
        """Open time of the newest stored bar, or None when nothing is stored."""
        files = self._years(symbol, timeframe)
        if not files:
            return None
        idx = self._read_file(files[-1], None, None).index
        return idx[-1] if len(idx) else None

    def _check(self, bars: pd.DataFrame, symbol: str, timeframe: str) -> list[str]:
        ensure_bars(bars)
        result = validate_bars(bars, timeframe=timeframe, symbol=symbol)
        if len(result.quarantined):
            rule = str(result.quarantined["rule"].iloc[0])
            raise DataQualityError(
                rule, f"refusing to store {len(result.quarantined)} invalid rows for {symbol}"
            )
        stored = self.columns(symbol, timeframe)
        cols = [c for c in ALL_COLUMNS if c in bars.columns]
        if stored:
            missing = [c for c in stored if c not in bars.columns]
            if missing:
                raise DataError(
                    f"{symbol} {timeframe} is stored with {missing}; new bars lack them"
                )
            return list(stored)
        return cols

    def append(
        self,
        bars: pd.DataFrame,
        symbol: str,
        timeframe: str,
        *,
        on_conflict: Literal["keep", "replace"] = "keep",
    ) -> AppendResult:
        """Merge valid ``bars`` into the partition (idempotent; see the module docstring)."""
        cols = self._check(bars, symbol, timeframe)
        if len(bars) == 0:
            return AppendResult(0, 0, 0, 0)
        part = self.partition(symbol, timeframe)
        new = bars[cols]
        years = pd.DatetimeIndex(new.index).year
        added = unchanged = conflicts = written = 0
        for year in np.unique(years):
            chunk = new.loc[years == year]
            path = part / f"{int(year)}.parquet"
            a, u, c, merged = _merge(
                self._read_file(path, None, None) if path.exists() else None, chunk, on_conflict
            )
            added, unchanged, conflicts = added + a, unchanged + u, conflicts + c
            if merged is not None:
                _write_atomic(_to_table(merged), path)
                written += 1
        meta = part / _META
        if not meta.exists():
            text = json.dumps({"symbol": symbol, "timeframe": timeframe, "columns": cols})
            meta.write_text(text, encoding="utf-8")
        return AppendResult(added, unchanged, conflicts, written)

    def partitions(self) -> list[tuple[str, str]]:
        """(symbol, timeframe) of every stored partition."""
        out = []
        for meta in sorted(self.root.glob(f"*/*/{_META}")):
            data = json.loads(meta.read_text(encoding="utf-8"))
            out.append((str(data["symbol"]), str(data["timeframe"])))
        return out

    def info(self, symbol: str, timeframe: str) -> PartitionInfo:
        bars = self.read(symbol, timeframe)
        report: QualityReport = validate_bars(bars, timeframe=timeframe, symbol=symbol).report
        return PartitionInfo(
            symbol=symbol,
            timeframe=timeframe,
            rows=len(bars),
            first=bars.index[0] if len(bars) else None,
            last=bars.index[-1] if len(bars) else None,
            gaps=report.gaps,
            missing_bars=report.missing_bars,
            columns=tuple(bars.columns),
        )


def _merge(
    old: pd.DataFrame | None, new: pd.DataFrame, on_conflict: str
) -> tuple[int, int, int, pd.DataFrame | None]:
    """(added, unchanged, conflicts, merged frame or None when nothing changes)."""
    if old is None or len(old) == 0:
        return len(new), 0, 0, new
    old = old[list(new.columns)]
    old_ns, new_ns = epoch_ns(old.index), epoch_ns(new.index)
    present = np.isin(new_ns, old_ns)
    pos = np.searchsorted(old_ns, new_ns[present])
    a = old.to_numpy(dtype=np.float64)[pos]
    b = new.to_numpy(dtype=np.float64)[present]
    same = np.all((a == b) | (np.isnan(a) & np.isnan(b)), axis=1)
    n_conflict = int((~same).sum())
    added = int((~present).sum())
    if added == 0 and (n_conflict == 0 or on_conflict == "keep"):
        return 0, int(same.sum()), n_conflict, None
    if on_conflict == "replace" and n_conflict:
        old = old.drop(index=old.index[pos[~same]])
        fresh = pd.concat([new.loc[~present], new.loc[present].loc[~same]])
    else:
        fresh = new.loc[~present]
    merged = pd.concat([old, fresh]).sort_index()
    return added, int(same.sum()), n_conflict, merged


__all__ = ["AppendResult", "ParquetStore", "PartitionInfo", "symbol_key"]
