"""Market views: only closed bars at the clock's now, at most the lookback, HTF causal."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import load_shared_bars, make_bars
from tradequorum.core.clock import FixedClock
from tradequorum.core.errors import DataUnavailable
from tradequorum.data.resample import resample_bars
from tradequorum.data.store import ParquetStore
from tradequorum.data.views import FrameMarketView, StoreMarketView

SYM = "BTC/USDT"
T0 = pd.Timestamp("2024-01-01", tz="UTC")


def test_frame_view_hides_the_forming_bar() -> None:
    bars = make_bars(300)
    clock = FixedClock(T0 + pd.Timedelta(minutes=100, seconds=59))
    view = FrameMarketView({(SYM, "1m"): bars}, clock)
    assert view.bars(SYM, "1m").index[-1] == T0 + pd.Timedelta(minutes=99)
    clock.set(T0 + pd.Timedelta(minutes=101))
    assert view.bars(SYM, "1m").index[-1] == T0 + pd.Timedelta(minutes=100)


def test_frame_view_hour_appears_only_once_its_last_minute_closed() -> None:
    bars = make_bars(300)
    clock = FixedClock(T0 + pd.Timedelta(minutes=119, seconds=30))
    view = FrameMarketView({(SYM, "1m"): bars}, clock)
    assert list(view.bars(SYM, "1h").index) == [T0]
    clock.set(T0 + pd.Timedelta(minutes=120))
    assert list(view.bars(SYM, "1h").index) == [T0, T0 + pd.Timedelta(hours=1)]


def test_frame_view_lookback_caps_rows() -> None:
    view = FrameMarketView(
        {(SYM, "1m"): make_bars(300)}, FixedClock(T0 + pd.Timedelta(hours=9)), lookback=50
    )
    assert len(view.bars(SYM, "1m")) == 50


def test_frame_view_unknown_symbol_is_data_unavailable() -> None:
    view = FrameMarketView({(SYM, "1m"): make_bars(10)}, FixedClock(T0))
    with pytest.raises(DataUnavailable):
        view.bars("ETH/USDT", "1m")


def test_frame_view_replay_equals_truncated_history_on_real_data() -> None:
    """Replaying the view bar by bar gives exactly the prefix of the full resample (no look-ahead)."""
    bars = load_shared_bars("binance-um-1m-fil-near-2023h2/FILUSDT-1m-2023-08.csv", nrows=2000)
    full = resample_bars(bars, "15m")
    clock = FixedClock(bars.index[0])
    view = FrameMarketView({(SYM, "1m"): bars}, clock)
    for k in range(0, 2000, 37):
        clock.set(bars.index[k] + pd.Timedelta(minutes=1))
        seen = view.bars(SYM, "15m")
        expected = resample_bars(bars.iloc[: k + 1], "15m", base_timeframe="1m")
        pd.testing.assert_frame_equal(seen, expected)
        assert len(seen) == 0 or seen.index[-1] in full.index


def test_store_view_reads_closed_bars_and_resamples(tmp_path: Path) -> None:
    store = ParquetStore(tmp_path)
    bars = make_bars(600)
    store.append(bars, SYM, "1m")
    clock = FixedClock(T0 + pd.Timedelta(minutes=300, seconds=5))
    view = StoreMarketView(store, clock, lookback=100)
    got = view.bars(SYM, "1m")
    assert len(got) == 100 and got.index[-1] == T0 + pd.Timedelta(minutes=299)
    hours = view.bars(SYM, "1h")
    assert list(hours.index) == [T0 + pd.Timedelta(hours=h) for h in range(5)]
    with pytest.raises(DataUnavailable):
        view.bars("ETH/USDT", "1m")


def test_frame_view_same_moment_same_window_in_separate_objects() -> None:
    """Every agent of a bar gets the one cut (computed once), each in its own object: a column
    added by one caller never reaches another, and the next moment is cut afresh."""
    bars = make_bars(300)
    clock = FixedClock(T0 + pd.Timedelta(minutes=100))
    view = FrameMarketView({(SYM, "1m"): bars}, clock, lookback=50)
    a, b = view.bars(SYM, "1m"), view.bars(SYM, "1m")
    assert a is not b
    pd.testing.assert_frame_equal(a, b)
    a["scratch"] = 1.0  # a careless caller
    a.loc[a.index[-1], "close"] = -1.0
    c = view.bars(SYM, "1m")
    assert "scratch" not in c.columns and "scratch" not in b.columns
    assert c["close"].iloc[-1] == bars["close"].iloc[99] == b["close"].iloc[-1]
    clock.set(T0 + pd.Timedelta(minutes=101))
    assert view.bars(SYM, "1m").index[-1] == T0 + pd.Timedelta(minutes=100)
