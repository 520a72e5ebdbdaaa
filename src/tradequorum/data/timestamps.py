"""Turn a raw timestamp column into tz-aware UTC bar open times.

Accepted inputs: epoch numbers in seconds, milliseconds, microseconds or nanoseconds (the unit is
chosen from the magnitude), ISO-8601 strings with or without offsets (``Z``, ``+01:00``), the
Dukascopy (``DD.MM.YYYY HH:MM:SS.fff``) and MetaTrader (``YYYY.MM.DD HH:MM:SS``) layouts, and
datetime columns (naive or tz-aware). Naive times are taken in ``tz`` (default UTC).

Daily data with offsets (yfinance writes New-York or London midnight, e.g.
``1980-12-12 00:00:00-05:00``) is mapped to the *session date* at 00:00 UTC, as the data's README
recommends; intraday data with offsets is converted to UTC.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import pandas as pd

from tradequorum.core.errors import DataError

# epoch magnitude -> unit: 1e11 s is the year 5138; ms of 1973+ exceed it.
EpochUnit = Literal["s", "ms", "us", "ns"]
_EPOCH_UNITS: tuple[tuple[float, EpochUnit], ...] = ((1e11, "s"), (1e14, "ms"), (1e17, "us"))
_OFFSET_RE = re.compile(r"(Z|[+-]\d\d:?\d\d)$")
_EXPLICIT_FORMATS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d\.\d+$"), "%d.%m.%Y %H:%M:%S.%f"),
    (re.compile(r"^\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d$"), "%d.%m.%Y %H:%M:%S"),
    (re.compile(r"^\d{4}\.\d\d\.\d\d \d\d:\d\d:\d\d$"), "%Y.%m.%d %H:%M:%S"),
    (re.compile(r"^\d{4}\.\d\d\.\d\d \d\d:\d\d$"), "%Y.%m.%d %H:%M"),
    (re.compile(r"^\d{4}\.\d\d\.\d\d$"), "%Y.%m.%d"),
)


def epoch_unit(values: np.ndarray) -> EpochUnit:
    """The epoch unit (``s``, ``ms``, ``us``, ``ns``) implied by the largest absolute value."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        raise DataError("the timestamp column has no finite values")
    top = float(np.abs(finite).max())
    for limit, unit in _EPOCH_UNITS:
        if top < limit:
            return unit
    return "ns"


def _from_epoch(col: pd.Series) -> pd.DatetimeIndex:
    values = col.to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(values).all():
        raise DataError("the timestamp column has missing or non-numeric values")
    unit = epoch_unit(values)
    if (values < 0).any():
        raise DataError("the timestamp column has negative epoch values")
    if float(values.max()) >= 2.0**62:
        raise DataError("the timestamp column has epoch values out of range")
    if np.all(values == np.floor(values)):
        ints = pd.Index(col.to_numpy(dtype=np.int64))
        return pd.DatetimeIndex(pd.to_datetime(ints, unit=unit, utc=True))
    return pd.DatetimeIndex(pd.to_datetime(pd.Index(values), unit=unit, utc=True))


def _localize(idx: pd.DatetimeIndex, tz: str | None) -> pd.DatetimeIndex:
    if idx.tz is not None:
        return idx.tz_convert("UTC")
    zone = tz or "UTC"
    try:
        return idx.tz_localize(zone, ambiguous="raise", nonexistent="raise").tz_convert("UTC")
    except (ValueError, TypeError) as exc:  # unknown zone, DST ambiguity
        raise DataError(f"cannot localize naive timestamps in {zone!r}: {exc}") from exc


def _session_dates(text: pd.Series) -> pd.DatetimeIndex | None:
    """Local midnight with offsets (yfinance daily) -> session date at 00:00 UTC, else None."""
    clock = text.str.slice(10, 19)
    if not bool((clock.isin([" 00:00:00", "T00:00:00"])).all()):
        return None
    dates = pd.to_datetime(text.str.slice(0, 10), format="%Y-%m-%d")
    return pd.DatetimeIndex(dates).tz_localize("UTC")


def _from_text(col: pd.Series, tz: str | None) -> pd.DatetimeIndex:
    text = col.astype("str").str.strip()
    if text.isna().any() or (text == "").any():
        raise DataError("the timestamp column has empty values")
    first = str(text.iloc[0])
    for pattern, fmt in _EXPLICIT_FORMATS:
        if pattern.match(first):
            return _localize(pd.DatetimeIndex(pd.to_datetime(text, format=fmt)), tz)
    if _OFFSET_RE.search(first):
        session = _session_dates(text)
        if session is not None:
            return session
        return pd.DatetimeIndex(pd.to_datetime(text, format="ISO8601", utc=True))
    return _localize(pd.DatetimeIndex(pd.to_datetime(text, format="ISO8601")), tz)


def parse_timestamps(col: pd.Series, *, tz: str | None = None) -> pd.DatetimeIndex:
    """Parse one timestamp column into a tz-aware UTC DatetimeIndex (order kept, nothing dropped).

    Parameters
    ----------
    col
        Epoch numbers, strings or datetimes.
    tz
        Zone of naive timestamps (e.g. ``"Asia/Seoul"``); ignored for values with an offset.

    Raises
    ------
    DataError
        If any value cannot be parsed (the message shows the first bad value).
    """
    if len(col) == 0:
        raise DataError("the file has no rows")
    try:
        if pd.api.types.is_datetime64_any_dtype(col):
            return _localize(pd.DatetimeIndex(col), tz)
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            return _from_epoch(col)
        numeric = pd.to_numeric(col, errors="coerce")
        if numeric.notna().all():
            return _from_epoch(numeric)
        return _from_text(col, tz)
    except DataError:
        raise
    except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime) as exc:
        sample = str(col.iloc[0])[:40]
        raise DataError(
            f"cannot parse timestamps (first value {sample!r}): {str(exc)[:200]}"
        ) from exc


__all__ = ["epoch_unit", "parse_timestamps"]
