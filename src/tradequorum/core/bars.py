"""The bar schema of DESIGN §2 and the one boundary check every analysis entry point uses.

Bars: a DataFrame indexed by the bar's **open** time (tz-aware UTC, strictly increasing) with
float64 ``open high low close volume`` and optional ``quote_volume trades taker_buy_volume
taker_buy_quote_volume``. Full quality rules (quarantine, gaps, stale feeds) live in
``tradequorum.data.quality``; this module only refuses frames that break the schema.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradequorum.core.errors import DataError

OHLCV: tuple[str, ...] = ("open", "high", "low", "close", "volume")
OPTIONAL: tuple[str, ...] = ("quote_volume", "trades", "taker_buy_volume", "taker_buy_quote_volume")
ALL_COLUMNS: tuple[str, ...] = OHLCV + OPTIONAL

FloatArray = npt.NDArray[np.float64]


def ensure_bars(bars: pd.DataFrame, *, min_rows: int = 0, name: str = "bars") -> pd.DataFrame:
    """Check the schema and return ``bars`` unchanged (never copies, never fixes).

    Raises
    ------
    DataError
        With a message naming what is wrong: not a DataFrame, index not tz-aware UTC or not
        strictly increasing, a missing or non-float64 column, non-finite prices, too few rows.
    """
    if not isinstance(bars, pd.DataFrame):
        raise DataError(f"{name} must be a pandas DataFrame, got {type(bars).__name__}")
    idx = bars.index
    if not isinstance(idx, pd.DatetimeIndex):
        raise DataError(f"{name} index must be a DatetimeIndex of bar open times")
    if idx.tz is None or str(idx.tz) != "UTC":
        raise DataError(f"{name} index must be tz-aware UTC (got tz={idx.tz})")
    if (len(idx) > 1 and not idx.is_monotonic_increasing) or not idx.is_unique:
        raise DataError(
            f"{name} index must be strictly increasing (duplicates or out-of-order rows)"
        )
    missing = [c for c in OHLCV if c not in bars.columns]
    if missing:
        raise DataError(f"{name} is missing columns {missing}")
    for c in ALL_COLUMNS:
        if c in bars.columns and bars[c].dtype != np.float64:
            raise DataError(f"{name} column {c!r} must be float64, got {bars[c].dtype}")
    if len(bars) < min_rows:
        raise DataError(f"{name} has {len(bars)} rows; at least {min_rows} are needed")
    for c in ("open", "high", "low", "close"):  # column by column: no frame copy on the hot path
        if not np.isfinite(bars[c].to_numpy()).all():
            raise DataError(f"{name} contains NaN or infinite prices; run the quality check first")
    return bars


def column(bars: pd.DataFrame, name: str) -> FloatArray:
    """A contiguous float64 view/copy of one column, for numba kernels."""
    return np.ascontiguousarray(bars[name].to_numpy(dtype=np.float64))


def has_taker_flow(bars: pd.DataFrame) -> bool:
    """True when the frame carries taker-buy volume with no missing values."""
    return "taker_buy_volume" in bars.columns and bool(bars["taker_buy_volume"].notna().all())


def fingerprint_bars(bars: pd.DataFrame) -> str:
    """SHA-256 (hex, 16 chars) of index and OHLCV values: identifies the exact input of a decision."""
    h = hashlib.sha256()
    h.update(pd.DatetimeIndex(bars.index).as_unit("ns").asi8.tobytes())
    for c in OHLCV:
        if c in bars.columns:
            h.update(np.ascontiguousarray(bars[c].to_numpy(dtype=np.float64)).tobytes())
    return h.hexdigest()[:16]


__all__ = [
    "ALL_COLUMNS",
    "OHLCV",
    "OPTIONAL",
    "FloatArray",
    "column",
    "ensure_bars",
    "fingerprint_bars",
    "has_taker_flow",
]
