"""Read OHLCV files (CSV, gzip CSV, Parquet) of any layout into the DESIGN §2 bar schema.

Two steps, kept apart so nothing invalid is silently dropped:

* :func:`read_bars` parses a file into *raw* bars: schema columns as float64 on a UTC index of bar
  open times, **in file order, with every row** (duplicates, out-of-order rows, NaN kept);
* :func:`load_file` then runs the quality rules (:mod:`tradequorum.data.quality`) and returns only
  valid bars. Invalid rows raise :class:`DataQualityError` by default, or are dropped with
  ``on_invalid="drop"`` (counted per rule in ``bars.attrs["invalid_rows"]``); ``quorum data import``
  quarantines them to a side file instead.

Layout detection: header or not (a numeric first field means no header), delimiter
(``, ; tab |``), gzip by magic bytes, Parquet by magic bytes, a data row with one more field than
the header (backtrader's ``date,time,...``), column aliases (:mod:`tradequorum.data.columns`).
Timestamps: see :mod:`tradequorum.data.timestamps`.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from tradequorum.core.bars import ALL_COLUMNS
from tradequorum.core.errors import DataError, DataQualityError
from tradequorum.data.columns import ALIASES, HEADERLESS, TIME, canonical_names
from tradequorum.data.timestamps import parse_timestamps

_DELIMITERS = (",", ";", "\t", "|")
# Files whose naive timestamps are documented to be in a zone other than UTC (by SHA-256).
KNOWN_NAIVE_ZONES: dict[str, str] = {
    # binance-spot-1m-btcusdt-2026-06/BTCUSDT_1m.parquet: Korea time (shared/data/README §6)
    "84e8aa924ab64b9b066aa0df123557fb5afc03cc452a2efc0a84c38ea6a5faad": "Asia/Seoul",
}


def _head_text(raw: bytes, n_lines: int = 3) -> list[str]:
    text = raw[:65536].decode("utf-8", errors="strict") if raw else ""
    return [ln for ln in text.splitlines()[:n_lines] if ln.strip()]


def _is_number(field: str) -> bool:
    try:
        float(field.strip().strip('"'))
    except ValueError:
        return False
    return True


def _sniff(lines: list[str]) -> tuple[str, bool, int, int]:
    """(delimiter, has_header, header_fields, data_fields) from the first lines."""
    first = lines[0]
    delim = max(_DELIMITERS, key=first.count)
    if first.count(delim) == 0:
        raise DataError("cannot find a delimiter (, ; tab |) in the first line; not an OHLCV table")
    head = first.split(delim)
    has_header = not _is_number(head[0])
    data_line = lines[1] if has_header and len(lines) > 1 else first
    return delim, has_header, len(head), len(data_line.split(delim))


def _decompress(raw: bytes) -> bytes:
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(f"gzip stream is damaged: {exc}") from exc
    return raw


def _read_csv(raw: bytes) -> pd.DataFrame:
    try:
        lines = _head_text(raw)
    except UnicodeDecodeError as exc:
        raise DataError("file is neither UTF-8 text, gzip nor Parquet") from exc
    if not lines:
        raise DataError("the file is empty")
    delim, has_header, n_head, n_data = _sniff(lines)
    buf = io.BytesIO(raw)
    if not has_header:
        names = HEADERLESS.get(n_data)
        if names is None:
            raise DataError(
                f"header-less file with {n_data} fields; known layouts have "
                f"{sorted(HEADERLESS)} fields (pass a column mapping with a header row instead)"
            )
        return pd.read_csv(buf, sep=delim, header=None, names=list(names), engine="c")
    if n_data == n_head + 1:  # backtrader: 'Date,Open,...' header over 'date,time,open,...' rows
        head = [h.strip() for h in lines[0].split(delim)]
        cols = [head[0] or "date", "clock", *head[1:]]
        frame = pd.read_csv(buf, sep=delim, header=None, skiprows=1, names=cols, dtype=str)
        frame[cols[0]] = frame[cols[0]].str.strip() + " " + frame["clock"].str.strip()
        frame = frame.drop(columns="clock")
        return frame
    # time columns stay text: pyarrow would otherwise convert offsets to UTC and lose the
    # local session date of daily files (see timestamps.py)
    header = [h.strip().strip('"') for h in lines[0].split(delim)]
    as_text = {h: str for h in header if ALIASES.get(h.lower().replace(" ", "_")) == TIME}
    try:
        return pd.read_csv(buf, sep=delim, engine="pyarrow", dtype=as_text)
    except Exception:  # pyarrow is strict about ragged rows: retry with the C parser
        buf.seek(0)
        return pd.read_csv(buf, sep=delim, engine="c", on_bad_lines="error", dtype=as_text)


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV, gzip CSV or Parquet file into a raw table (no schema applied)."""
    if not path.exists():
        raise DataError(f"no such file: {path}")
    if path.is_dir():
        raise DataError(f"{path} is a folder, not a data file")
    raw = path.read_bytes()
    if raw[:4] == b"PAR1":
        return pd.read_parquet(io.BytesIO(raw))
    if raw[:2] == b"PK":
        raise DataError(f"{path.name} is a zip archive; unzip it first")
    return _read_csv(_decompress(raw))


def _numeric(col: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(col):
        raise DataError(f"column {col.name!r} holds booleans, not numbers")
    if pd.api.types.is_numeric_dtype(col):
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    values = pd.to_numeric(col.astype("str").str.strip(), errors="coerce")
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _zone_hint(path: Path, table: pd.DataFrame, tz: str | None, time_col: str) -> str | None:
    if tz is not None or not pd.api.types.is_datetime64_any_dtype(table[time_col]):
        return tz
    if getattr(table[time_col].dtype, "tz", None) is not None:
        return tz
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return KNOWN_NAIVE_ZONES.get(digest)


def frame_to_bars(
    table: pd.DataFrame,
    *,
    tz: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Apply the schema to a raw table: canonical float64 columns on a UTC open-time index.

    Rows are kept in file order (validation decides what is valid). Raises DataError when there
    is no time column or no OHLC columns.
    """
    names = canonical_names([str(c) for c in table.columns], mapping)
    table = table.rename(columns={c: str(c) for c in table.columns})
    by_canonical = {v: k for k, v in names.items()}
    if TIME not in by_canonical:
        raise DataError(f"no time column found among {list(table.columns)} (use a column mapping)")
    missing = [c for c in ("open", "high", "low", "close") if c not in by_canonical]
    if missing:
        raise DataError(f"not a bar file: no {missing} columns among {list(table.columns)}")
    index = parse_timestamps(table[by_canonical[TIME]], tz=tz)
    data: dict[str, np.ndarray] = {}
    for col in ALL_COLUMNS:
        if col in by_canonical:
            data[col] = _numeric(table[by_canonical[col]])
    if "tick_volume" in by_canonical and not np.any(data.get("volume", np.zeros(1)) != 0):
        data["volume"] = _numeric(table[by_canonical["tick_volume"]])
    if "volume" not in data:
        data["volume"] = np.zeros(len(table))  # quote-only feeds (FX bid/ask): volume unknown
    bars = pd.DataFrame(data, index=pd.DatetimeIndex(index, name="open_time").as_unit("ns"))
    return bars[[c for c in ALL_COLUMNS if c in bars.columns]]


def read_bars(
    path: Path | str,
    *,
    tz: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Parse any supported file into raw bars (schema columns, UTC index, file order, every row).

    Raises
    ------
    DataError
        With a message (never a parser traceback) when the file cannot be read as bars.
    """
    p = Path(path)
    try:
        table = read_table(p)
        if len(table) == 0:
            raise DataError(f"{p.name} has no rows")
        names = canonical_names([str(c) for c in table.columns], mapping)
        time_col = next((k for k, v in names.items() if v == TIME), None)
        if time_col is not None:
            tz = _zone_hint(p, table.rename(columns=str), tz, time_col)
        bars = frame_to_bars(table, tz=tz, mapping=mapping)
    except DataError as exc:
        raise DataError(f"{p.name}: {exc}") from exc
    except Exception as exc:  # the boundary: parser internals become DataError
        raise DataError(f"{p.name}: cannot read as OHLCV ({type(exc).__name__}: {exc})") from exc
    bars.attrs["source"] = str(p)
    return bars


def load_file(
    path: Path | str,
    *,
    symbol: str | None = None,
    timeframe: str | None = None,
    tz: str | None = None,
    mapping: Mapping[str, str] | None = None,
    on_invalid: Literal["raise", "drop"] = "raise",
) -> pd.DataFrame:
    """Load a bar file and return **valid** bars in the DESIGN §2 schema.

    Parameters
    ----------
    path
        CSV, gzip CSV or Parquet in any layout of ``../shared/data`` or a generic OHLCV table.
    symbol, timeframe
        Recorded in ``attrs``; the timeframe is inferred from the spacing when omitted.
    tz
        Zone of naive timestamps (default UTC; known non-UTC files are recognised by hash).
    mapping
        ``{canonical: source_column}``, e.g. ``{"time": "Date", "volume": "Tickvol"}``.
    on_invalid
        ``"raise"`` (default): any row failing a quality rule raises DataQualityError naming the
        rule; ``"drop"``: such rows are left out and counted in ``attrs["invalid_rows"]``.
    """
    from tradequorum.data.quality import infer_timeframe, validate_bars

    raw = read_bars(path, tz=tz, mapping=mapping)
    tf = timeframe or infer_timeframe(pd.DatetimeIndex(raw.index))
    result = validate_bars(raw, timeframe=tf, symbol=symbol)
    if len(result.quarantined) and on_invalid == "raise":
        worst = next(f for f in result.report.findings if f.severity == "error")
        raise DataQualityError(
            worst.rule,
            f"{Path(path).name}: {len(result.quarantined)} invalid rows "
            f"({result.report.error_summary()}); import it to quarantine them, "
            "or load with on_invalid='drop'",
        )
    bars = result.clean
    bars.attrs.update(
        {
            "source": str(path),
            "symbol": symbol,
            "timeframe": tf,
            "invalid_rows": result.report.error_counts(),
        }
    )
    return bars


__all__ = ["KNOWN_NAIVE_ZONES", "frame_to_bars", "load_file", "read_bars", "read_table"]
