"""Import a file into the store: parse, validate, quarantine invalid rows, append valid bars.

Nothing is dropped silently: every invalid row goes to a side file
``<home>/data/quarantine/<SYMBOL-KEY>/<timeframe>/<file stem>-<sha8>.parquet`` with the ``rule``
that caught it and its ``row`` number in the source; the report counts it. Nothing invalid reaches the
store. Parsing errors raise :class:`DataError` before anything is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tradequorum.data.loaders import read_bars
from tradequorum.data.quality import QualityReport, infer_timeframe, validate_bars
from tradequorum.data.store import AppendResult, ParquetStore, symbol_key


@dataclass(frozen=True, slots=True)
class ImportResult:
    symbol: str
    timeframe: str
    report: QualityReport
    appended: AppendResult
    quarantine_file: Path | None


def write_quarantine(
    quarantined: pd.DataFrame, folder: Path, *, symbol: str, timeframe: str, label: str
) -> Path | None:
    """Write quarantined rows (with ``rule`` and ``row``) to ``<folder>/<symbol>/<tf>/<label>.parquet``.

    Returns None (and writes nothing) when there is nothing to quarantine. Callers put a content
    hash in ``label`` so that re-importing the same input rewrites the same side file.
    """
    if len(quarantined) == 0:
        return None
    path = folder / symbol_key(symbol) / timeframe / f"{label}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = quarantined.copy()
    frame.index = pd.DatetimeIndex(frame.index).as_unit("ns")
    frame["source"] = label
    frame.to_parquet(path)
    return path


def guess_symbol(path: Path) -> str:
    """A ccxt symbol from a file name (``BTCUSDT_1m.csv`` -> ``BTC/USDT``), else the stem."""
    stem = path.name.split(".")[0].upper()
    token = stem.replace("-", "_").split("_")[0]
    for quote in ("USDT", "USDC", "BUSD", "FDUSD", "USD", "EUR", "BTC", "ETH"):
        if token.endswith(quote) and len(token) > len(quote):
            return f"{token[: -len(quote)]}/{quote}"
    return token or "UNKNOWN"


def import_file(
    path: Path | str,
    store: ParquetStore,
    quarantine_dir: Path,
    *,
    symbol: str | None = None,
    timeframe: str | None = None,
    tz: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> ImportResult:
    """Parse ``path``, quarantine invalid rows, append the valid bars to ``store`` (idempotent)."""
    src = Path(path)
    raw = read_bars(src, tz=tz, mapping=mapping)
    sym = symbol or guess_symbol(src)
    tf = timeframe or infer_timeframe(pd.DatetimeIndex(raw.index))
    result = validate_bars(raw, timeframe=tf, symbol=sym)
    label = f"{src.stem}-{hashlib.sha256(src.read_bytes()).hexdigest()[:8]}"
    qfile = write_quarantine(
        result.quarantined, quarantine_dir, symbol=sym, timeframe=tf, label=label
    )
    appended = store.append(result.clean, sym, tf)
    return ImportResult(sym, tf, result.report, appended, qfile)


__all__ = ["ImportResult", "guess_symbol", "import_file", "write_quarantine"]
