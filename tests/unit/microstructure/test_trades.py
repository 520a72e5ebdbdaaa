"""Trade prints into time, volume and dollar bars: exact against a pandas groupby reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import shared_file
from tradequorum.core.bars import ensure_bars
from tradequorum.core.errors import DataError
from tradequorum.microstructure.trades import Trades, aggregate_trades, normalize_trades


def _reference(tr: Trades, freq: str, big: float) -> pd.DataFrame:
    df = pd.DataFrame(
        {"price": tr.price, "qty": tr.qty, "m": tr.buyer_is_maker},
        index=pd.to_datetime(tr.ts_ns, unit="ns", utc=True),
    )
    df["quote"] = df.price * df.qty
    df["tb"] = np.where(df.m, 0.0, df.qty)
    df["tbq"] = np.where(df.m, 0.0, df.quote)
    df["big"] = np.where(df.quote >= big, df.qty, 0.0)
    g = df.groupby(df.index.floor(freq))
    return pd.DataFrame(
        {
            "open": g.price.first(),
            "high": g.price.max(),
            "low": g.price.min(),
            "close": g.price.last(),
            "volume": g.qty.sum(),
            "quote_volume": g.quote.sum(),
            "trades": g.price.size().astype(float),
            "taker_buy_volume": g.tb.sum(),
            "taker_buy_quote_volume": g.tbq.sum(),
            "large_trade_volume": g.big.sum(),
        }
    )


def _check_against_reference(bars: pd.DataFrame, ref: pd.DataFrame) -> None:
    got = bars.loc[bars["trades"] > 0]
    assert got.index.equals(ref.index)
    for c in ("open", "high", "low", "close", "trades"):
        np.testing.assert_array_equal(got[c].to_numpy(), ref[c].to_numpy(), err_msg=c)
    for c in (
        "volume",
        "quote_volume",
        "taker_buy_volume",
        "taker_buy_quote_volume",
        "large_trade_volume",
    ):
        np.testing.assert_allclose(got[c].to_numpy(), ref[c].to_numpy(), rtol=1e-12, err_msg=c)


def test_aggregate_trades_nautilus_prints_match_pandas_groupby() -> None:
    raw = pd.read_parquet(shared_file("nautilus-test-data/btcusdt-trades.parquet"))
    tr = normalize_trades(raw)
    assert int((~tr.buyer_is_maker).sum()) == 1087  # string "False" = buyer was the taker
    bars = aggregate_trades(tr, timeframe="1s", large_trade_notional=5_000.0)
    ensure_bars(bars)
    _check_against_reference(bars, _reference(tr, "1s", 5_000.0))


def test_aggregate_trades_freqtrade_side_column_is_taker_side() -> None:
    raw = pd.read_csv(shared_file("freqtrade-trades/public_trades_list.csv"))
    tr = normalize_trades(raw)
    assert int((~tr.buyer_is_maker).sum()) == 527
    bars = aggregate_trades(tr, timeframe="1m")
    _check_against_reference(bars, _reference(tr, "1min", 100_000.0))
    assert bars["taker_buy_volume"].sum() == pytest.approx(
        raw.loc[raw.side == "buy", "amount"].sum()
    )


def test_aggregate_trades_empty_intervals_become_zero_volume_bars_at_previous_close() -> None:
    ts = pd.to_datetime(["2024-01-01 00:00:10", "2024-01-01 00:03:05"], utc=True)
    df = pd.DataFrame(
        {"timestamp": ts, "price": [10.0, 12.0], "qty": [1.0, 2.0], "m": [True, False]}
    )
    bars = aggregate_trades(df, timeframe="1m")
    assert len(bars) == 4
    assert bars["volume"].tolist() == [1.0, 0.0, 0.0, 2.0]
    assert bars["close"].tolist() == [10.0, 10.0, 10.0, 12.0]
    assert bars["taker_buy_volume"].tolist() == [0.0, 0.0, 0.0, 2.0]
    assert len(aggregate_trades(df, timeframe="1m", drop_last=True)) == 3


@given(
    st.lists(st.floats(0.001, 5.0), min_size=1, max_size=200),
    st.floats(0.5, 20.0),
)
def test_aggregate_trades_volume_bars_conserve_volume_and_close_at_threshold(
    qty: list[float], size: float
) -> None:
    n = len(qty)
    tr = Trades(
        np.arange(n, dtype=np.int64) * 1_000_000,
        np.linspace(100, 101, n),
        np.array(qty),
        np.arange(n) % 3 == 0,
    )
    bars = aggregate_trades(tr, kind="volume", size=size)
    cum = np.cumsum(qty)
    n_full = 0
    acc = 0.0
    for q in qty:
        acc += q
        if acc >= size:
            n_full += 1
            acc = 0.0
    assert len(bars) == n_full
    assert (bars["volume"] >= size).all()
    assert bars["volume"].sum() <= cum[-1] + 1e-9
    assert bars.index.is_monotonic_increasing and bars.index.is_unique


def test_aggregate_trades_dollar_bars_same_millisecond_keep_index_strictly_increasing() -> None:
    tr = Trades(np.zeros(10, dtype=np.int64), np.full(10, 100.0), np.ones(10), np.zeros(10, bool))
    bars = aggregate_trades(tr, kind="dollar", size=100.0)
    assert len(bars) == 10
    assert bars.index.is_unique and bars.index.is_monotonic_increasing
    assert (bars["taker_buy_quote_volume"] == 100.0).all()


def test_normalize_trades_backwards_time_raises_data_error() -> None:
    df = pd.DataFrame(
        {"timestamp": [2000, 1000], "price": [1.0, 1.0], "qty": [1.0, 1.0], "m": [True, False]}
    )
    with pytest.raises(DataError, match="backwards"):
        normalize_trades(df)


@pytest.mark.parametrize(
    ("column", "value", "match"),
    [("price", np.nan, "NaN"), ("price", -1.0, "positive"), ("qty", -2.0, "non-negative")],
)
def test_normalize_trades_bad_values_raise_data_error(
    column: str, value: float, match: str
) -> None:
    df = pd.DataFrame(
        {"timestamp": [1000, 2000], "price": [1.0, 1.0], "qty": [1.0, 1.0], "m": [True, False]}
    )
    df.loc[1, column] = value
    with pytest.raises(DataError, match=match):
        normalize_trades(df)


def test_normalize_trades_without_side_information_raises_data_error() -> None:
    df = pd.DataFrame({"timestamp": [1000], "price": [1.0], "qty": [1.0]})
    with pytest.raises(DataError, match="buyer-is-maker"):
        normalize_trades(df)


def test_aggregate_trades_zero_size_and_unknown_kind_raise_data_error() -> None:
    df = pd.DataFrame({"timestamp": [1000], "price": [1.0], "qty": [1.0], "m": [True]})
    with pytest.raises(DataError, match="positive size"):
        aggregate_trades(df, kind="volume")
    with pytest.raises(DataError, match="unknown bar kind"):
        aggregate_trades(df, kind="tick")  # type: ignore[arg-type]


def test_aggregate_trades_empty_input_gives_empty_schema_frame() -> None:
    df = pd.DataFrame({"timestamp": pd.Series([], dtype=np.int64), "price": [], "qty": [], "m": []})
    bars = aggregate_trades(df)
    assert bars.empty and "taker_buy_volume" in bars.columns


@pytest.mark.parametrize("scale", [1, 1_000, 1_000_000, 1_000_000_000])
def test_normalize_trades_numeric_timestamps_any_unit_read_as_the_same_instant(scale: int) -> None:
    seconds = 1_700_000_000
    df = pd.DataFrame({"timestamp": [seconds * scale], "price": [1.0], "qty": [1.0], "m": [True]})
    assert normalize_trades(df).ts_ns[0] == seconds * 1_000_000_000
