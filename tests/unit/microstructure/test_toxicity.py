"""VPIN: bounds, known extremes, bucket anchoring and causality of bucket completion."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.conftest import load_shared_bars
from tradequorum.microstructure.signed_volume import classify_volume
from tradequorum.microstructure.toxicity import daily_bucket_size, vpin
from tradequorum.microstructure.windows import index_ns

FIL = "binance-um-1m-fil-near-2023h2/FILUSDT-1m-2023-09.csv"


def _index(days: int, start: str = "2024-01-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=days * 1440, freq="1min", tz="UTC")


def test_vpin_all_buys_is_one_and_balanced_flow_is_zero() -> None:
    idx = _index(3)
    vol = np.ones(len(idx))
    all_buy, _ = vpin(idx, vol, vol.copy(), n_buckets=10, buckets_per_day=100)
    balanced, _ = vpin(idx, vol, vol / 2, n_buckets=10, buckets_per_day=100)
    assert np.nanmax(np.abs(all_buy[np.isfinite(all_buy)] - 1.0)) < 1e-12
    assert np.nanmax(balanced) < 1e-12


def test_vpin_first_day_has_no_buckets_and_second_day_fills_them() -> None:
    idx = _index(2)
    vol = np.ones(len(idx))
    v, change = vpin(idx, vol, vol * 0.75, n_buckets=5, buckets_per_day=144, change_buckets=2)
    assert np.isnan(v[:1440]).all()
    # bucket size = 1440 / 144 = 10 bars; the 5th bucket completes at the 50th bar of day 2
    assert np.isnan(v[1440 + 48]) and np.isfinite(v[1440 + 49])
    assert v[1440 + 49] == 0.5
    assert np.isnan(change[1440 + 49 + 19]) and change[1440 + 49 + 20] == 0.0


def test_vpin_partial_previous_day_gives_no_bucket_size() -> None:
    idx = pd.date_range("2024-01-01 12:00", periods=1440 * 2, freq="1min", tz="UTC")
    size = daily_bucket_size(index_ns(idx), np.ones(len(idx)), 50)
    day2 = idx.floor("D") == pd.Timestamp("2024-01-02", tz="UTC")
    day3 = idx.floor("D") == pd.Timestamp("2024-01-03", tz="UTC")
    assert np.isnan(size[day2]).all()
    assert (size[day3] == 1440 / 50).all()


def test_vpin_value_changes_only_when_a_bucket_completes() -> None:
    bars = load_shared_bars(FIL, nrows=4 * 1440)
    sv = classify_volume(bars)
    vol = bars["volume"].to_numpy()
    v, _ = vpin(bars.index, vol, sv.buy_volume, n_buckets=20, buckets_per_day=100)
    ok = np.isfinite(v)
    assert ok.sum() > 1000
    assert ((v[ok] >= 0) & (v[ok] <= 1)).all()
    # zero-volume bars can never complete a bucket, so they never change VPIN
    zero = np.flatnonzero(vol == 0)
    zero = zero[(zero > 0) & ok[zero] & ok[zero - 1]]
    assert (v[zero] == v[zero - 1]).all()


def test_vpin_future_volume_does_not_change_past_values() -> None:
    bars = load_shared_bars(FIL, nrows=3 * 1440)
    vol = bars["volume"].to_numpy().copy()
    buy = classify_volume(bars).buy_volume
    base, _ = vpin(bars.index, vol, buy, n_buckets=10, buckets_per_day=100)
    vol2, buy2 = vol.copy(), buy.copy()
    vol2[-100:] *= 50
    buy2[-100:] = vol2[-100:]
    moved, _ = vpin(bars.index, vol2, buy2, n_buckets=10, buckets_per_day=100)
    np.testing.assert_array_equal(base[:-100], moved[:-100])
    assert not np.array_equal(base[-100:], moved[-100:])
