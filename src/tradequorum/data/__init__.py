"""Market data: loaders for every OHLCV layout, quality rules, resampling, the Parquet store,
the seeded simulator, ccxt download and market views (DESIGN §2, §3)."""

from __future__ import annotations

from tradequorum.data.loaders import load_file, read_bars
from tradequorum.data.quality import (
    Finding,
    QualityReport,
    ValidationResult,
    infer_timeframe,
    validate_bars,
)

__all__ = [
    "Finding",
    "QualityReport",
    "ValidationResult",
    "infer_timeframe",
    "load_file",
    "read_bars",
    "validate_bars",
]
