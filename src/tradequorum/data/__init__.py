"""Market data (DESIGN §2, §3): loaders for every OHLCV layout, the named quality rules and the
quality report, exact causal resampling, the Parquet store, file import with quarantine, the seeded
market simulator (synthetic data), ccxt download, bar feeds and market views.

``Downloader``/``make_exchange`` are imported lazily (ccxt is slow to import).
"""

from __future__ import annotations

from typing import Any

from tradequorum.data.feeds import BarFeed, SimulatorFeed, StoreFeed, feed_from_settings
from tradequorum.data.ingest import ImportResult, import_file, write_quarantine
from tradequorum.data.loaders import load_file, read_bars
from tradequorum.data.quality import (
    Finding,
    QualityReport,
    ValidationResult,
    infer_timeframe,
    validate_bars,
)
from tradequorum.data.resample import align_htf_to_base, last_closed_position, resample_bars
from tradequorum.data.simulator import (
    SimulatedMarket,
    SimulatorParams,
    simulate_bars,
    simulate_market,
)
from tradequorum.data.store import AppendResult, ParquetStore, PartitionInfo
from tradequorum.data.views import FrameMarketView, StoreMarketView, closed_until
from tradequorum.data.windows import WfoWindow, walk_forward_windows

_LAZY = {"Downloader", "DownloadResult", "make_exchange"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from tradequorum.data import download

        return getattr(download, name)
    raise AttributeError(f"module 'tradequorum.data' has no attribute {name!r}")


__all__ = [
    "AppendResult",
    "BarFeed",
    "DownloadResult",
    "Downloader",
    "Finding",
    "FrameMarketView",
    "ImportResult",
    "ParquetStore",
    "PartitionInfo",
    "QualityReport",
    "SimulatedMarket",
    "SimulatorFeed",
    "SimulatorParams",
    "StoreFeed",
    "StoreMarketView",
    "ValidationResult",
    "WfoWindow",
    "align_htf_to_base",
    "closed_until",
    "feed_from_settings",
    "import_file",
    "infer_timeframe",
    "last_closed_position",
    "load_file",
    "make_exchange",
    "read_bars",
    "resample_bars",
    "simulate_bars",
    "simulate_market",
    "validate_bars",
    "walk_forward_windows",
    "write_quarantine",
]
