"""Loaders: every layout of ../shared/data in miniature, plus bad input -> DataError."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradequorum.core.bars import ensure_bars
from tradequorum.core.errors import DataError, DataQualityError
from tradequorum.data import load_file, read_bars
from tradequorum.data.ingest import guess_symbol

ROWS = [
    ("2024-01-01 00:00:00", 10.0, 11.0, 9.5, 10.5, 100.0),
    ("2024-01-01 00:01:00", 10.5, 10.8, 10.1, 10.2, 50.0),
    ("2024-01-01 00:02:00", 10.2, 10.4, 10.0, 10.3, 0.0),
]
T0 = pd.Timestamp("2024-01-01", tz="UTC")
MS0 = int(T0.value // 1_000_000)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _expect_three_minutes(bars: pd.DataFrame) -> None:
    ensure_bars(bars)
    assert list(bars.index) == [T0 + pd.Timedelta(minutes=k) for k in range(3)]
    assert bars["close"].tolist() == [10.5, 10.2, 10.3]


def test_load_file_binance_um_header_ms_keeps_taker_and_trades(tmp_path: Path) -> None:
    head = "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
    head += "taker_buy_volume,taker_buy_quote_volume,ignore\n"
    body = "".join(
        f"{MS0 + 60000 * k},{o},{h},{lo},{c},{v},{MS0 + 60000 * k + 59999},1,7,{v / 2},0.5,0\n"
        for k, (_, o, h, lo, c, v) in enumerate(ROWS)
    )
    bars = load_file(_write(tmp_path, "X-1m.csv", head + body))
    _expect_three_minutes(bars)
    assert bars["taker_buy_volume"].tolist() == [50.0, 25.0, 0.0]
    assert bars["trades"].tolist() == [7.0, 7.0, 7.0]
    assert bars.attrs["timeframe"] == "1m"


@pytest.mark.parametrize("scale", [1000, 1_000_000], ids=["ms", "us"])
def test_load_file_binance_raw_12_columns_no_header_detects_unit(
    tmp_path: Path, scale: int
) -> None:
    s0 = int(T0.value // 1_000_000_000)
    body = "".join(
        f"{(s0 + 60 * k) * scale},{o},{h},{lo},{c},{v},{(s0 + 60 * k + 59) * scale},1,3,{v},0.5,0\n"
        for k, (_, o, h, lo, c, v) in enumerate(ROWS)
    )
    bars = load_file(_write(tmp_path, "BTCUSDT-1m.csv", body))
    _expect_three_minutes(bars)
    assert "taker_buy_volume" in bars.columns


def test_load_file_kraken_seconds_no_header_keeps_trade_count(tmp_path: Path) -> None:
    s0 = int(T0.value // 1_000_000_000)
    body = "".join(
        f"{s0 + 60 * k},{o},{h},{lo},{c},{v},{k + 1}\n"
        for k, (_, o, h, lo, c, v) in enumerate(ROWS)
    )
    bars = load_file(_write(tmp_path, "k.csv", body))
    _expect_three_minutes(bars)
    assert bars["trades"].tolist() == [1.0, 2.0, 3.0]


def test_load_file_iso_with_offset_converts_to_utc(tmp_path: Path) -> None:
    body = "open_time,open,high,low,close,volume\n" + "".join(
        f"{(pd.Timestamp(t) + pd.Timedelta(hours=1)).isoformat()}+01:00,{o},{h},{lo},{c},{v}\n"
        for t, o, h, lo, c, v in ROWS
    )
    _expect_three_minutes(load_file(_write(tmp_path, "iso.csv", body)))


def test_load_file_yahoo_daily_offsets_map_to_session_date(tmp_path: Path) -> None:
    body = "Date,Close,High,Low,Open,Volume\n"
    body += "2024-01-02 00:00:00-05:00,10,11,9,10,1\n2024-01-03 00:00:00-05:00,10,11,9,10,1\n"
    bars = load_file(_write(tmp_path, "AAPL_1d.csv", body))
    assert list(bars.index) == [
        pd.Timestamp("2024-01-02", tz="UTC"),
        pd.Timestamp("2024-01-03", tz="UTC"),
    ]
    assert bars.attrs["timeframe"] == "1d"


def test_load_file_naive_strings_take_the_tz_hint(tmp_path: Path) -> None:
    body = "timestamp,open,high,low,close,volume\n" + "".join(
        f"{(pd.Timestamp(t) + pd.Timedelta(hours=9))},{o},{h},{lo},{c},{v}\n"
        for t, o, h, lo, c, v in ROWS
    )
    _expect_three_minutes(load_file(_write(tmp_path, "kst.csv", body), tz="Asia/Seoul"))


def test_load_file_backtrader_header_one_field_short_joins_date_and_time(tmp_path: Path) -> None:
    body = "Date,Open,High,Low,Close,Volume,OpenInterest\n" + "".join(
        f"{t[:10]},{t[11:]},{o},{h},{lo},{c},{v},0\n" for t, o, h, lo, c, v in ROWS
    )
    _expect_three_minutes(load_file(_write(tmp_path, "bt.txt", body)))


@pytest.mark.parametrize(
    ("fmt", "head"),
    [("%d.%m.%Y %H:%M:%S.000", "Time"), ("%Y.%m.%d %H:%M:%S", "Date")],
    ids=["dukascopy", "metatrader"],
)
def test_load_file_dukascopy_and_metatrader_formats(tmp_path: Path, fmt: str, head: str) -> None:
    body = f"{head},Open,High,Low,Close,Volume\n" + "".join(
        f"{pd.Timestamp(t).strftime(fmt)},{o},{h},{lo},{c},{v}\n" for t, o, h, lo, c, v in ROWS
    )
    _expect_three_minutes(load_file(_write(tmp_path, "fx.csv", body)))


def test_load_file_unnamed_index_column_and_named_date_prefers_date(tmp_path: Path) -> None:
    body = ",date,open,high,low,close,volume\n" + "".join(
        f"{k},{t},{o},{h},{lo},{c},{v}\n" for k, (t, o, h, lo, c, v) in enumerate(ROWS)
    )
    _expect_three_minutes(load_file(_write(tmp_path, "spy.csv", body)))


def test_load_file_gzip_semicolon_and_mapping(tmp_path: Path) -> None:
    body = "when;o_;hi;lo_;cl;qty\n" + "".join(
        f"{t};{o};{h};{lo};{c};{v}\n" for t, o, h, lo, c, v in ROWS
    )
    path = tmp_path / "x.csv.gz"
    path.write_bytes(gzip.compress(body.encode()))
    mapping = {
        "time": "when",
        "open": "o_",
        "high": "hi",
        "low": "lo_",
        "close": "cl",
        "volume": "qty",
    }
    _expect_three_minutes(load_file(path, mapping=mapping))


def test_load_file_parquet_naive_datetime_column(tmp_path: Path) -> None:
    frame = pd.DataFrame(ROWS, columns=["timestamp", "open", "high", "low", "close", "volume"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    frame["symbol"] = "BTCUSDT"
    path = tmp_path / "x.parquet"
    frame.to_parquet(path)
    _expect_three_minutes(load_file(path))


def test_load_file_quote_only_feed_gets_zero_volume(tmp_path: Path) -> None:
    body = "timestamp,open,high,low,close\n" + "".join(
        f"{t}+00:00,{o},{h},{lo},{c}\n" for t, o, h, lo, c, _ in ROWS
    )
    bars = load_file(_write(tmp_path, "bid.csv", body))
    assert bars["volume"].tolist() == [0.0, 0.0, 0.0]


def test_load_file_metatrader_tick_volume_used_when_volume_is_all_zero(tmp_path: Path) -> None:
    body = "Date,Open,High,Low,Close,Tickvol,Volume,Spread\n" + "".join(
        f"{pd.Timestamp(t).strftime('%Y.%m.%d %H:%M:%S')},{o},{h},{lo},{c},{k + 5},0,20\n"
        for k, (t, o, h, lo, c, _) in enumerate(ROWS)
    )
    bars = load_file(_write(tmp_path, "mt.csv", body))
    assert bars["volume"].tolist() == [5.0, 6.0, 7.0]


def test_load_file_invalid_row_raises_quality_error_naming_the_rule(tmp_path: Path) -> None:
    body = "timestamp,open,high,low,close,volume\n" + "".join(
        f"{t},{o},{h},{lo},{c},{v}\n" for t, o, h, lo, c, v in ROWS
    )
    body += "2024-01-01 00:03:00,10,9,9.5,10,1\n"  # high below body
    path = _write(tmp_path, "bad.csv", body)
    with pytest.raises(DataQualityError) as info:
        load_file(path)
    assert info.value.rule == "high_below_body"
    bars = load_file(path, on_invalid="drop")
    assert len(bars) == 3 and bars.attrs["invalid_rows"] == {"high_below_body": 1}


def test_read_bars_keeps_every_row_in_file_order(tmp_path: Path) -> None:
    body = "timestamp,open,high,low,close,volume\n" + "".join(
        f"{t},{o},{h},{lo},{c},{v}\n" for t, o, h, lo, c, v in reversed(ROWS)
    )
    raw = read_bars(_write(tmp_path, "rev.csv", body))
    assert len(raw) == 3 and raw.index[0] > raw.index[-1]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty"),
        ("a,b,c\n1,2,3\n", "no time column"),
        ("timestamp,price,amount\n1,2,3\n", "not a bar file"),
        ("timestamp,open,high,low,close,volume\nyesterday,1,1,1,1,1\n", "timestamp"),
        ("1,2\n3,4\n", "header-less"),
        ("just words\n", "delimiter"),
    ],
    ids=["empty", "no-time", "trades", "bad-time", "two-fields", "no-delimiter"],
)
def test_load_file_bad_input_raises_data_error_with_message(
    tmp_path: Path, text: str, needle: str
) -> None:
    with pytest.raises(DataError, match=needle):
        load_file(_write(tmp_path, "bad.csv", text))


def test_load_file_missing_file_raises_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        load_file(tmp_path / "absent.csv")


def test_load_file_binary_garbage_raises_data_error(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(np.random.default_rng(0).bytes(300))
    with pytest.raises(DataError):
        load_file(path)


@pytest.mark.parametrize(
    ("name", "symbol"),
    [("BTCUSDT_1m.csv", "BTC/USDT"), ("FILUSDT-1m-2023-08.csv", "FIL/USDT"), ("SPY_D.csv", "SPY")],
)
def test_guess_symbol_from_file_name(name: str, symbol: str) -> None:
    assert guess_symbol(Path(name)) == symbol


def test_load_file_spaced_header_and_zulu_times(tmp_path: Path) -> None:
    body = "Open time,Open,High,Low,Close,Volume\n" + "".join(
        f"{t.replace(' ', 'T')}Z,{o},{h},{lo},{c},{v}\n" for t, o, h, lo, c, v in ROWS
    )
    _expect_three_minutes(load_file(_write(tmp_path, "z.csv", body)))


def test_load_file_known_korea_time_parquet_is_localized_by_hash() -> None:
    from tests.conftest import shared_file

    bars = load_file(shared_file("binance-spot-1m-btcusdt-2026-06/BTCUSDT_1m.parquet"))
    assert bars.index[0] == pd.Timestamp("2026-05-31 15:00", tz="UTC")
    assert bars.index[-1] == pd.Timestamp("2026-07-09 15:00", tz="UTC")
