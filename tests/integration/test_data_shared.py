"""Every file of ../shared/data imports cleanly, and the quality report agrees with its README
(rows, first bar, gaps, duplicates, zero-volume bars). Parametrized over MANIFEST.tsv."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import SHARED_DATA, shared_file
from tradequorum.core.errors import DataError
from tradequorum.data import infer_timeframe, read_bars, validate_bars

NOT_BARS = ("trades", "depth", "quotes", "ticks", "tardis/", "hftbacktest", "ob500", "metadata_")

# Steps longer than one bar, as counted in shared/data/README.md.
README_GAPS: dict[str, int] = {
    "kraken-1m-btcusdc-2023q1/BTCUSDC_1m_20230301_20230321.csv": 26746,
    "nautilus-test-data/6EH4.XCME_1min_bars_20240101_20240131.csv.gz": 375,
    "nautilus-test-data/gbpusd-m1-bid-2012.csv": 111,
    "nautilus-test-data/gbpusd-m1-ask-2012.csv": 111,
    "smc-eurusd-15m-2022-2023/EURUSD_15M.csv": 52,  # 51 weekends/holidays + 1
    "yahoo-intraday-fx/EURUSD_5m.csv": 22,
    "yahoo-intraday-fx/EURUSD_15m.csv": 19,
    "yahoo-intraday-fx/GBPUSD_15m.csv": 15,
    "yahoo-intraday-fx/USDJPY_15m.csv": 18,
    "yahoo-intraday-fx/EURUSD_1h.csv": 152,
    "backtesting-py-0.6.6/EURUSD.csv": 42,
    "gym-anytrading-2.0.0/FOREX_EURUSD_1H_ASK.csv": 52,
    "backtrader-datas/2006-01-02-volume-min-001.txt": 765,  # 40 breaks + 725 in-session
    "nautilus-test-data/btc-perp-20211231-20220201_1m.csv": 0,
    "yahoo-daily-stocks-crypto-fx/BTC-USD_1d.csv": 0,
    "yahoo-daily-stocks-crypto-fx/ETH-USD_1d.csv": 0,
}
README_LONGEST_DAYS: dict[str, float] = {
    "spy-daily-1999-2020/SPY_D.csv": 7,
    "backtrader-datas/orcl-1995-2014.txt": 7,
    "backtrader-datas/nvda-1999-2014.txt": 7,
    "backtrader-datas/yhoo-1996-2015.txt": 7,
    "yahoo-daily-stocks-crypto-fx/EURUSD_1d.csv": 18,
}
README_ZERO_VOLUME: dict[str, int] = {
    "binance-um-1m-fil-near-2023h2/FILUSDT-1m-2023-08.csv": 11,
    "binance-um-1m-fil-near-2023h2/FILUSDT-1m-2023-09.csv": 41,
    "binance-um-1m-fil-near-2023h2/FILUSDT-1m-2023-10.csv": 24,
    "binance-um-1m-fil-near-2023h2/FILUSDT-1m-2023-11.csv": 3,
    "binance-um-1m-fil-near-2023h2/NEARUSDT-1m-2023-08.csv": 69,
    "binance-um-1m-fil-near-2023h2/NEARUSDT-1m-2023-09.csv": 144,
    "binance-um-1m-fil-near-2023h2/NEARUSDT-1m-2023-10.csv": 58,
}
# Rows our rules reject that the README does not discuss (found by this test suite; see docs/data.md).
KNOWN_INVALID: dict[str, dict[str, int]] = {
    "yahoo-daily-stocks-crypto-fx/JPM_1d.csv": {"non_positive_price": 959},
    "yahoo-daily-stocks-crypto-fx/EURUSD_1d.csv": {"high_below_body": 48, "low_above_body": 65},
}
# First bar in UTC where the file's own stamps are not UTC.
FIRST_UTC: dict[str, str] = {
    "binance-spot-1m-btcusdt-2026-06/BTCUSDT_1m.parquet": "2026-05-31 15:00",
    "yahoo-daily-stocks-crypto-fx/AAPL_1d.csv": "1980-12-12",
    "yahoo-daily-stocks-crypto-fx/GOOGL_1d.csv": "2004-08-19",
    "yahoo-daily-stocks-crypto-fx/JPM_1d.csv": "1980-03-17",
    "yahoo-daily-stocks-crypto-fx/MSFT_1d.csv": "1986-03-13",
}


def _manifest() -> list[tuple[str, int, str]]:
    path = SHARED_DATA / "MANIFEST.tsv"
    if not path.exists():
        return []
    rows = [line.split("\t") for line in path.read_text().splitlines()[1:]]
    return [(r[0], int(r[3]), r[4]) for r in rows]


MANIFEST = _manifest()
BAR_FILES = [m for m in MANIFEST if not any(k in m[0] for k in NOT_BARS)]
OTHER_FILES = [m[0] for m in MANIFEST if any(k in m[0] for k in NOT_BARS)]


@pytest.mark.parametrize(("rel", "rows", "first"), BAR_FILES, ids=[m[0] for m in BAR_FILES])
def test_shared_bar_file_imports_and_matches_readme(rel: str, rows: int, first: str) -> None:
    raw = read_bars(shared_file(rel))
    tf = infer_timeframe(pd.DatetimeIndex(raw.index))
    report = validate_bars(raw, timeframe=tf).report
    assert report.rows_in == rows
    expected_first = pd.Timestamp(FIRST_UTC.get(rel, first))
    if expected_first.tzinfo is None:
        expected_first = expected_first.tz_localize("UTC")
    assert raw.index[0] == expected_first
    assert report.finding("duplicate_row") is None and report.finding("duplicate_timestamp") is None
    assert report.error_counts() == KNOWN_INVALID.get(rel, {})
    assert report.finding("misaligned_timestamp") is None
    if rel in README_GAPS:
        assert report.gaps == README_GAPS[rel]
    elif tf in ("1m", "1w") or "binance" in rel:
        assert report.gaps == 0
    if rel in README_LONGEST_DAYS:
        assert report.longest_gap_s == README_LONGEST_DAYS[rel] * 86400
    if rel in README_ZERO_VOLUME:
        zero = report.finding("zero_volume")
        assert zero is not None and zero.count == README_ZERO_VOLUME[rel]


@pytest.mark.parametrize("rel", OTHER_FILES)
def test_shared_non_bar_file_is_refused_with_a_data_error(rel: str) -> None:
    with pytest.raises(DataError):
        read_bars(shared_file(rel))


def test_shared_manifest_lists_bar_files() -> None:
    if not MANIFEST:
        pytest.skip("shared data absent")
    assert len(BAR_FILES) >= 55
