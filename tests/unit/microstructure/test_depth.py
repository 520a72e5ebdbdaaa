"""Order-book depth: the real Binance websocket capture, Tardis snapshots, hand-computed values."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.conftest import shared_file
from tradequorum.core.errors import DataError
from tradequorum.microstructure.depth import (
    BookSnapshots,
    depth_at_bars,
    depth_metrics,
    snapshots_from_quotes,
    snapshots_from_tardis,
)
from tradequorum.microstructure.depth_feeds import load_binance_ws_capture, parse_binance_ws_lines
from tradequorum.microstructure.trades import aggregate_trades

WS = "hftbacktest-binance-ws-2024-08-08"


def test_binance_ws_capture_rebuilds_an_uncrossed_book_and_its_trades() -> None:
    paths = [
        shared_file(f"{WS}/spot_btcusdt_20240808.gz"),
        shared_file(f"{WS}/spot_btcusdt_20240809.gz"),
    ]
    snaps, trades = load_binance_ws_capture(paths, levels=10)
    assert len(snaps) > 6000
    assert len(trades) == 9757 + 10147
    m = depth_metrics(snaps, levels=10)
    assert (m["spread"] > 0).all()
    assert ((m["microprice"] >= m["best_bid"]) & (m["microprice"] <= m["best_ask"])).all()
    assert m["imbalance_10"].between(-1, 1).all()
    assert np.isfinite(snaps.bid_px).all() and (np.diff(snaps.bid_px, axis=1) < 0).all()
    # trades printed at the touch: every trade lies within [bid - spread, ask + spread] of the
    # book snapshot before it (the capture is consistent)
    bars = aggregate_trades(trades, timeframe="1m")
    near = depth_at_bars(m, bars.index, 60_000_000_000)
    assert (np.abs(near["mid"] / bars["close"] - 1) < 5e-4).all()


def test_binance_ws_lines_gap_in_update_ids_raises_data_error() -> None:
    snap = {"lastUpdateId": 10, "bids": [["1.0", "1"]], "asks": [["2.0", "1"]]}
    d1 = {"data": {"e": "depthUpdate", "E": 1, "U": 9, "u": 12, "b": [], "a": []}}
    d2 = {"data": {"e": "depthUpdate", "E": 2, "U": 14, "u": 15, "b": [], "a": []}}
    lines = [f"0 {json.dumps(x)}" for x in (snap, d1, d2)]
    with pytest.raises(DataError, match="gap"):
        parse_binance_ws_lines(lines)


def test_binance_ws_lines_buffer_diffs_received_before_the_snapshot() -> None:
    d1 = {"data": {"e": "depthUpdate", "E": 5, "U": 9, "u": 12, "b": [["1.5", "2"]], "a": []}}
    snap = {"lastUpdateId": 10, "bids": [["1.0", "1"]], "asks": [["2.0", "3"]]}
    snaps, _ = parse_binance_ws_lines([f"0 {json.dumps(d1)}", f"0 {json.dumps(snap)}"], levels=2)
    assert len(snaps) == 1
    assert snaps.bid_px[0].tolist() == [1.5, 1.0] and snaps.bid_qty[0].tolist() == [2.0, 1.0]
    assert snaps.ask_px[0, 0] == 2.0 and np.isnan(snaps.ask_px[0, 1])


def test_binance_ws_lines_without_snapshot_raise_data_error() -> None:
    with pytest.raises(DataError, match="snapshot"):
        parse_binance_ws_lines(
            ['0 {"data": {"e": "trade", "T": 1, "p": "1", "q": "1", "m": true}}']
        )


def test_depth_metrics_hand_computed_microprice_and_imbalance() -> None:
    snaps = BookSnapshots(
        np.array([0], dtype=np.int64),
        np.array([[99.0, 98.0]]),
        np.array([[3.0, 5.0]]),
        np.array([[101.0, 102.0]]),
        np.array([[1.0, 1.0]]),
    )
    m = depth_metrics(snaps, levels=2).iloc[0]
    assert m["microprice"] == pytest.approx((99 * 1 + 101 * 3) / 4)
    assert m["imbalance_1"] == pytest.approx(0.5)
    assert m["imbalance_2"] == pytest.approx((8 - 2) / 10)
    assert m["spread_bps"] == pytest.approx(2 / 100 * 1e4)


def test_depth_metrics_crossed_book_raises_data_error() -> None:
    snaps = BookSnapshots(
        np.array([0], dtype=np.int64),
        np.array([[101.0]]),
        np.array([[1.0]]),
        np.array([[100.0]]),
        np.array([[1.0]]),
    )
    with pytest.raises(DataError, match="crossed"):
        depth_metrics(snaps)


def test_snapshots_from_tardis_reads_real_sample() -> None:
    df = pd.read_csv(
        shared_file("nautilus-test-data/tardis/binance-futures_book_snapshot_25_BTCUSDT.csv")
    )
    snaps = snapshots_from_tardis(df)
    assert snaps.levels == 25 and len(snaps) == len(df)
    m = depth_metrics(snaps, levels=25)
    assert m["best_bid"].iloc[0] == df["bids[0].price"].iloc[0]
    assert (m["spread"] > 0).all()


def test_snapshots_from_tardis_wrong_frame_raises_data_error() -> None:
    with pytest.raises(DataError, match="Tardis"):
        snapshots_from_tardis(pd.DataFrame({"x": [1]}))


def test_snapshots_from_quotes_reads_nautilus_bbo_sample() -> None:
    df = pd.read_parquet(shared_file("nautilus-test-data/btcusdt-quotes.parquet"))
    m = depth_metrics(snapshots_from_quotes(df), levels=5)
    assert len(m) == len(df) == 451
    assert m["imbalance_1"].equals(m.iloc[:, -1])  # one level only: N is capped at 1
    assert ((m["microprice"] >= m["best_bid"]) & (m["microprice"] <= m["best_ask"])).all()
    assert m.index[0] == df["timestamp"].iloc[0]


def test_snapshots_from_quotes_missing_columns_raise_data_error() -> None:
    with pytest.raises(DataError, match="quotes need"):
        snapshots_from_quotes(pd.DataFrame({"timestamp": [1], "bid": [1.0]}))


def test_freqtrade_xrp_eth_trades_aggregate_with_taker_side() -> None:
    raw = pd.read_parquet(shared_file("freqtrade-trades/XRP_ETH-trades.parquet"))
    bars = aggregate_trades(raw, timeframe="1h")
    assert bars["trades"].sum() == len(raw) == 12477
    assert bars["taker_buy_volume"].sum() == pytest.approx(
        raw.loc[raw.side == "buy", "amount"].sum()
    )
