"""Bar feeds: bring the store up to the clock's now from one source (``data.source``).

* :class:`SimulatorFeed` extends a seeded synthetic series (offline; **synthetic data**);
* :class:`CcxtFeed` downloads from an exchange with :class:`~tradequorum.data.download.Downloader`;
* :class:`StoreFeed` adds nothing (the store is filled by ``quorum data import``).

``update`` returns the number of bars added, or raises :class:`DataUnavailable` (retryable).
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from tradequorum.config.settings import Settings
from tradequorum.core.clock import Clock
from tradequorum.core.timeframes import timeframe_delta
from tradequorum.data.simulator import SimulatorParams, simulate_bars
from tradequorum.data.store import ParquetStore

if TYPE_CHECKING:  # ccxt is imported only when a ccxt feed is built
    from tradequorum.data.download import Downloader


class BarFeed(Protocol):
    def update(self, symbol: str, timeframe: str) -> int:
        """Append new closed bars of ``symbol``/``timeframe`` to the store; bars added."""
        ...


class StoreFeed:
    """Nothing to fetch: the store is the source."""

    def update(self, symbol: str, timeframe: str) -> int:
        return 0


class SimulatorFeed:
    """Continue a seeded synthetic series up to the clock's now (closed bars only).

    The first call creates ``history_bars`` bars ending at now; later calls continue from the last
    stored close (after a long pause only the last ``history_bars`` bars are simulated, leaving a
    gap that the quality report shows). Each continuation is seeded from (seed, symbol, start), so a run is reproducible.
    """

    def __init__(self, store: ParquetStore, clock: Clock, *, seed: int, history_bars: int) -> None:
        self._store = store
        self._clock = clock
        self._seed = seed
        self._history = history_bars

    def update(self, symbol: str, timeframe: str) -> int:
        step = timeframe_delta(timeframe)
        now = self._clock.now()
        last_open = now.floor(step) - step  # newest bar that has closed
        last = self._store.last_open_time(symbol, timeframe)
        earliest = last_open - step * (self._history - 1)  # never simulate more than the history
        start = max(last + step, earliest) if last is not None else earliest
        n = int((last_open - start) / step) + 1
        if n <= 0:
            return 0
        price = 30_000.0
        if last is not None:
            tail = self._store.read(symbol, timeframe, start=last, end=last)
            price = float(tail["close"].iloc[-1])
        entropy = [self._seed, zlib.crc32(symbol.encode()), int(start.value // 60_000_000_000)]
        seed = int(np.random.SeedSequence(entropy).generate_state(1)[0])
        bars = simulate_bars(n, seed=seed, start=start, timeframe=timeframe,
                             params=SimulatorParams(start_price=price))  # fmt: skip
        return self._store.append(bars, symbol, timeframe).added


class CcxtFeed:
    """Download new closed bars with ccxt (resume from the last stored bar)."""

    def __init__(self, downloader: Downloader, *, history_bars: int) -> None:
        self._dl = downloader
        self._history = history_bars

    def update(self, symbol: str, timeframe: str) -> int:
        since = self._dl.clock.now() - timeframe_delta(timeframe) * self._history
        return self._dl.download(symbol, timeframe, since).bars_added


def feed_from_settings(
    settings: Settings, store: ParquetStore, quarantine: Path, clock: Clock
) -> BarFeed:
    """The feed named by ``settings.data.source``."""
    cfg = settings.data
    if cfg.source == "simulator":
        return SimulatorFeed(store, clock, seed=cfg.simulator_seed, history_bars=cfg.lookback_bars)
    if cfg.source == "ccxt":
        from tradequorum.data.download import Downloader, make_exchange

        dl = Downloader(make_exchange(cfg.exchange), store, quarantine, clock=clock)
        return CcxtFeed(dl, history_bars=cfg.lookback_bars)
    return StoreFeed()


__all__ = ["BarFeed", "CcxtFeed", "SimulatorFeed", "StoreFeed", "feed_from_settings"]
