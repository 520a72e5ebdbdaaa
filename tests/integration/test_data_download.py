"""ccxt download against a real HTTP server on 127.0.0.1 answering Binance's /api/v3/klines,
including a 429, a 500, a truncated body and short pages; resume from the last stored bar."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.integration.kline_server import KlineScript, serve
from tradequorum.core.clock import FixedClock
from tradequorum.core.errors import DataUnavailable
from tradequorum.data.download import Downloader, make_exchange
from tradequorum.data.simulator import simulate_bars
from tradequorum.data.store import ParquetStore

SYM = "BTC/USDT"
START = pd.Timestamp("2024-01-01", tz="UTC")


def _bars() -> pd.DataFrame:
    # 8 decimals, as the exchange sends them, so stored values can be compared exactly
    return simulate_bars(300, seed=4, start=START).round(8)


def _downloader(url: str, tmp_path: Path, now: pd.Timestamp, **kw: object) -> Downloader:
    ex = make_exchange("binance", urls={"public": url})
    ex.rateLimit = 1
    return Downloader(
        ex, ParquetStore(tmp_path / "store"), tmp_path / "q", clock=FixedClock(now),
        limit=100, backoff_s=0.0, sleep=lambda _s: None, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_download_survives_429_500_truncated_and_short_pages(tmp_path: Path) -> None:
    bars = _bars()
    script = KlineScript(bars, failures={1: "429", 2: "500", 4: "truncated"}, short_pages={5: 17})
    now = START + pd.Timedelta(minutes=300, seconds=30)  # the 300th bar closed 30 s ago
    with serve(script) as url:
        dl = _downloader(url, tmp_path, now)
        result = dl.download(SYM, "1m", START)
    stored = dl.store.read(SYM, "1m")
    assert result.bars_added == 300 and len(stored) == 300
    np.testing.assert_allclose(stored[bars.columns].to_numpy(), bars.to_numpy(), rtol=0, atol=0)
    assert stored.index.equals(bars.index.as_unit("ns"))
    starts = [int(q["startTime"]) for q in script.requests]
    assert starts == sorted(starts)  # retries repeat the same page, never skip one


def test_download_keeps_only_closed_bars(tmp_path: Path) -> None:
    bars = _bars()
    now = START + pd.Timedelta(minutes=150, seconds=10)  # bar 150 (open 02:30) is still forming
    with serve(KlineScript(bars)) as url:
        dl = _downloader(url, tmp_path, now)
        dl.download(SYM, "1m", START)
    assert dl.store.last_open_time(SYM, "1m") == START + pd.Timedelta(minutes=149)


def test_download_resumes_after_the_last_stored_bar(tmp_path: Path) -> None:
    bars = _bars()
    script = KlineScript(bars)
    with serve(script) as url:
        _downloader(url, tmp_path, START + pd.Timedelta(minutes=120)).download(SYM, "1m", START)
        first_run = len(script.requests)
        later = _downloader(url, tmp_path, START + pd.Timedelta(minutes=300, seconds=1))
        result = later.download(SYM, "1m", START)
    assert int(script.requests[first_run]["startTime"]) == int(
        (START + pd.Timedelta(minutes=120)).value // 1_000_000
    )
    assert result.bars_added == 180 and len(later.store.read(SYM, "1m")) == 300


def test_download_gives_up_with_data_unavailable_after_retries(tmp_path: Path) -> None:
    script = KlineScript(_bars(), failures={k: "500" for k in range(1, 10)})
    with serve(script) as url:
        dl = _downloader(url, tmp_path, START + pd.Timedelta(hours=5), max_retries=3)
        with pytest.raises(DataUnavailable, match="giving up after 3 attempts"):
            dl.download(SYM, "1m", START)
    assert len(script.requests) == 3
    assert dl.store.last_open_time(SYM, "1m") is None
