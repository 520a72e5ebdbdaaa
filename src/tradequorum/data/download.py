"""Download closed bars with ccxt into the store: pagination, rate limit, resume, retries, progress.

* **Resume**: the download starts after the newest stored bar (or at ``since`` if later), and each
  page is validated and appended as soon as it arrives, so an interrupted run loses nothing.
* **Pagination** moves on from the last bar received, never assuming full pages: a short page in
  the middle (exchanges truncate) does not end the download; an empty page does.
* **Rate limit**: ccxt's own throttler (``enableRateLimit``) paces requests.
* **Retries**: network errors, HTTP 429/5xx and unparsable bodies are retried with exponential
  backoff (tenacity); after ``max_retries`` attempts :class:`DataUnavailable` is raised.
* **Closed bars only**: a bar whose close time is after the clock's now is dropped.
* Binance spot keeps the full kline (trades, quote and taker-buy volumes) through the raw
  ``/api/v3/klines`` endpoint; other exchanges use ccxt's unified ``fetch_ohlcv`` (OHLCV only).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ccxt
import numpy as np
import pandas as pd
from rich.progress import Progress
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from tradequorum.core.clock import Clock, SystemClock
from tradequorum.core.errors import DataError, DataUnavailable
from tradequorum.core.timeframes import timeframe_seconds
from tradequorum.data.columns import HEADERLESS
from tradequorum.data.ingest import write_quarantine
from tradequorum.data.quality import epoch_ns, validate_bars
from tradequorum.data.store import ParquetStore

logger = logging.getLogger(__name__)
RETRYABLE = (ccxt.NetworkError, ccxt.ExchangeNotAvailable, ccxt.BadResponse, ValueError)
_RAW_KLINE_EXCHANGES = ("binance", "binanceus")


@dataclass(frozen=True, slots=True)
class DownloadResult:
    symbol: str
    timeframe: str
    requests: int
    bars_added: int
    quarantined: int
    first: pd.Timestamp | None
    last: pd.Timestamp | None


def make_exchange(
    exchange_id: str,
    *,
    urls: dict[str, str] | None = None,
    market_types: tuple[str, ...] = ("spot",),
) -> ccxt.Exchange:
    """A ccxt exchange with rate limiting on.

    ``market_types`` limits which markets are loaded (ccxt's ``fetchMarkets`` option, e.g.
    ``("spot", "linear")`` for Binance USD-M perpetuals); ``urls`` overrides API base URLs (tests).
    """
    klass = getattr(ccxt, exchange_id, None)
    if klass is None:
        raise DataError(f"ccxt has no exchange {exchange_id!r}")
    options = {"fetchMarkets": list(market_types)}
    ex: ccxt.Exchange = klass({"enableRateLimit": True, "options": options})
    if urls:
        ex.urls["api"].update(urls)
    return ex


def _fetch_page(
    ex: ccxt.Exchange, symbol: str, timeframe: str, since_ms: int, limit: int
) -> list[list[Any]]:
    if ex.id in _RAW_KLINE_EXCHANGES and ex.market(symbol).get("spot"):
        market_id = ex.market(symbol)["id"]
        params = {"symbol": market_id, "interval": timeframe, "startTime": since_ms, "limit": limit}
        rows: list[list[Any]] = ex.publicGetKlines(params)
    else:
        rows = ex.fetch_ohlcv(symbol, timeframe, since=since_ms, limit=limit)
    if not isinstance(rows, list) or any(not isinstance(r, list) or len(r) < 6 for r in rows):
        raise ccxt.BadResponse(f"unexpected kline page from {ex.id}: {str(rows)[:120]}")
    return rows


def rows_to_bars(rows: list[list[Any]]) -> pd.DataFrame:
    """Kline rows (6 unified fields or Binance's 12) -> raw bars (UTC open-time index)."""
    width = 12 if rows and len(rows[0]) >= 12 else 6
    names = HEADERLESS[width]
    arr = np.array([r[:width] for r in rows], dtype=np.float64).reshape(-1, width)
    index = pd.to_datetime(arr[:, 0].astype(np.int64), unit="ms", utc=True).as_unit("ns")
    data = {n: arr[:, k] for k, n in enumerate(names) if k and n not in ("close_time", "ignore")}
    return pd.DataFrame(data, index=pd.DatetimeIndex(index, name="open_time"))


@dataclass(slots=True)
class Downloader:
    """Pages through an exchange's klines into a :class:`ParquetStore`."""

    exchange: ccxt.Exchange
    store: ParquetStore
    quarantine_dir: Path
    clock: Clock = field(default_factory=SystemClock)
    limit: int = 1000
    max_retries: int = 5
    backoff_s: float = 1.0
    sleep: Callable[[float], None] | None = None  # tenacity's sleep; injectable for tests

    def _retrying(self) -> Retrying:
        kwargs: dict[str, Any] = {
            "stop": stop_after_attempt(self.max_retries),
            "wait": wait_exponential(multiplier=self.backoff_s, max=60),
            "retry": retry_if_exception_type(RETRYABLE),
            "reraise": False,
        }
        if self.sleep is not None:
            kwargs["sleep"] = self.sleep
        return Retrying(**kwargs)

    def _page(self, symbol: str, timeframe: str, since_ms: int) -> list[list[Any]]:
        try:
            for attempt in self._retrying():
                with attempt:
                    return _fetch_page(self.exchange, symbol, timeframe, since_ms, self.limit)
        except RetryError as exc:
            cause = exc.last_attempt.exception()
            raise DataUnavailable(
                f"{self.exchange.id} {symbol} {timeframe}: giving up after {self.max_retries} "
                f"attempts ({type(cause).__name__}: {str(cause)[:160]})"
            ) from cause
        except ccxt.BaseError as exc:
            raise DataError(f"{self.exchange.id} refused the request: {str(exc)[:200]}") from exc
        raise DataUnavailable("no attempt was made")  # pragma: no cover

    def _start_ms(self, symbol: str, timeframe: str, since: pd.Timestamp) -> int:
        last = self.store.last_open_time(symbol, timeframe)
        step = pd.Timedelta(seconds=timeframe_seconds(timeframe))
        start = max(since, last + step) if last is not None else since
        return int(start.value // 1_000_000)

    def _load_markets(self) -> None:
        try:
            for attempt in self._retrying():
                with attempt:
                    self.exchange.load_markets()
        except RetryError as exc:
            raise DataUnavailable(f"{self.exchange.id}: cannot load markets") from exc

    def download(
        self,
        symbol: str,
        timeframe: str,
        since: pd.Timestamp,
        *,
        until: pd.Timestamp | None = None,
        progress: Progress | None = None,
    ) -> DownloadResult:
        """Fetch closed bars from ``since`` (or after the newest stored bar) up to ``until``/now."""
        self._load_markets()
        if symbol not in self.exchange.markets:
            raise DataError(f"{self.exchange.id} has no market {symbol!r}")
        step_ms = timeframe_seconds(timeframe) * 1000
        now = self.clock.now()
        end = min(until, now) if until is not None else now
        end_ms = int(end.value // 1_000_000)
        cursor = self._start_ms(symbol, timeframe, since)
        task = (
            progress.add_task(f"{symbol} {timeframe}", total=max((end_ms - cursor) // step_ms, 1))
            if progress
            else None
        )
        requests = added = quarantined = 0
        first: pd.Timestamp | None = None
        last: pd.Timestamp | None = None
        while cursor + step_ms <= end_ms:
            rows = self._page(symbol, timeframe, cursor)
            requests += 1
            if not rows:
                break
            raw = rows_to_bars(rows)
            open_ms = epoch_ns(raw.index) // 1_000_000
            closed = raw.loc[(open_ms + step_ms <= end_ms) & (open_ms >= cursor)]
            if len(closed):
                result = validate_bars(closed, timeframe=timeframe, symbol=symbol)
                label = f"download-{self.exchange.id}-{cursor}"
                write_quarantine(
                    result.quarantined,
                    self.quarantine_dir,
                    symbol=symbol,
                    timeframe=timeframe,
                    label=label,
                )
                added += self.store.append(result.clean, symbol, timeframe).added
                quarantined += len(result.quarantined)
                first = first if first is not None else closed.index[0]
                last = closed.index[-1]
            next_cursor = int(raw.index[-1].value // 1_000_000) + step_ms
            if progress is not None and task is not None:
                progress.update(task, advance=max((next_cursor - cursor) // step_ms, 0))
            if next_cursor <= cursor or len(closed) == 0:
                break
            cursor = next_cursor
        logger.info(
            "download symbol=%s timeframe=%s requests=%s added=%s",
            symbol,
            timeframe,
            requests,
            added,
        )
        return DownloadResult(symbol, timeframe, requests, added, quarantined, first, last)


__all__ = ["DownloadResult", "Downloader", "make_exchange", "rows_to_bars"]
