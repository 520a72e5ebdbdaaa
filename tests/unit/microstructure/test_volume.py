"""Relative volume, absorption, exhaustion, institutional flags and the volume profile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import load_shared_bars, make_bars
from tradequorum.core.errors import DataError
from tradequorum.microstructure.profile import rolling_profile, session_profile, volume_profile
from tradequorum.microstructure.volume import (
    absorption,
    exhaustion,
    institutional_activity,
    ratio_to_prev,
    relative_volume,
)

BTC = "binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv"


def test_relative_volume_uses_same_minute_of_earlier_days_only() -> None:
    idx = pd.date_range("2024-01-01", periods=4 * 1440, freq="1min", tz="UTC")
    vol = np.ones(len(idx))
    vol[1440 * 3 + 600] = 4.0  # day 4, minute 600
    vol[1440 * 2 + 600] = 2.0  # day 3, minute 600
    rv = relative_volume(idx, vol, days=2)
    assert np.isnan(rv[: 2 * 1440]).all()
    assert rv[1440 * 2 + 600] == 2.0  # vs days 1, 2 (both 1)
    assert rv[1440 * 3 + 600] == pytest.approx(4.0 / 1.5)  # vs days 2 (1) and 3 (2)
    assert rv[1440 * 3 + 601] == 1.0


def test_relative_volume_zero_baseline_is_nan_not_inf() -> None:
    idx = pd.date_range("2024-01-01", periods=3 * 1440, freq="1min", tz="UTC")
    rv = relative_volume(idx, np.zeros(len(idx)), days=1)
    assert np.isnan(rv).all()


def _flat(n: int = 80) -> dict[str, np.ndarray]:
    close = np.full(n, 100.0)
    return {
        "open": close.copy(),
        "high": close + 1.0,
        "low": close - 1.0,
        "close": close,
        "volume": np.full(n, 10.0),
    }


def test_absorption_heavy_selling_held_price_is_bullish() -> None:
    b = _flat()
    b["volume"][-1] = 50.0
    b["high"][-1], b["low"][-1] = 100.5, 99.5
    b["open"][-1], b["close"][-1] = 99.9, 100.1
    delta = np.zeros(80)
    delta[-1] = -30.0
    vr = ratio_to_prev(b["volume"], 60)
    out = absorption(b["open"], b["high"], b["low"], b["close"], vr, delta, window=60)
    assert out[-1] == 1.0 and (out[:-1] == 0).all()
    delta[-1] = 30.0
    b["open"][-1], b["close"][-1] = 100.1, 99.9
    out = absorption(b["open"], b["high"], b["low"], b["close"], vr, delta, window=60)
    assert out[-1] == -1.0


def test_exhaustion_climax_after_rally_closing_low_is_bearish() -> None:
    n = 120
    rng = np.random.default_rng(0)
    r = rng.normal(0, 0.001, n)
    r[-30:] = 0.004  # a strong rally over the last 30 bars
    close = 100.0 * np.exp(np.cumsum(r))
    high, low = close * 1.002, close * 0.998
    high[-1] = close[-1] * 1.01  # long upper wick: the close sits in the lower half
    vol = np.full(n, 10.0)
    vol[-1] = 100.0
    out = exhaustion(high, low, close, ratio_to_prev(vol, 60), r, window=60, lookback=30)
    assert out[-1] == -1.0
    assert (out[:-1] == 0).all()


def test_institutional_activity_flags_volume_spike_with_delta_sign() -> None:
    rng = np.random.default_rng(1)
    vol = rng.lognormal(2, 0.2, 200)
    trades = np.round(vol * 10) * rng.lognormal(0, 0.1, 200)
    vol[150] *= 20
    delta = np.full(200, -1.0)
    vz, sz, flag = institutional_activity(vol, trades, delta, window=60, outlier_z=3.5)
    assert flag[150] == -1.0 and vz[150] > 3.5
    assert np.flatnonzero(flag).tolist() == [150]
    # same trade count, 20x volume: the mean trade size is an outlier too
    assert sz[150] > 3.5
    _, sz_none, _ = institutional_activity(vol, None, delta, window=60)
    assert np.isnan(sz_none).all()


def test_volume_profile_poc_is_heaviest_bin_and_value_area_holds_70_percent() -> None:
    bars = load_shared_bars(BTC).iloc[:1440]
    vp = volume_profile(bars, bin_bps=5.0)
    k = int(np.argmax(vp.bin_volume))
    assert vp.poc == pytest.approx(vp.bin_prices[k])
    inside = (vp.bin_prices >= vp.va_low) & (vp.bin_prices <= vp.va_high)
    assert vp.bin_volume[inside].sum() >= 0.7 * vp.total_volume * (1 - 1e-12)
    assert vp.bin_volume.sum() == pytest.approx(vp.total_volume, rel=1e-12)
    assert vp.va_low <= vp.poc <= vp.va_high


def test_volume_profile_matches_last_row_of_rolling_and_session_profiles() -> None:
    bars = load_shared_bars(BTC)
    day = bars[bars.index.floor("D") == pd.Timestamp("2025-10-30", tz="UTC")]
    vp = volume_profile(day)
    sess = session_profile(bars)
    last = sess.loc[day.index[-1]]
    assert (last["poc"], last["va_low"], last["va_high"]) == pytest.approx(
        (vp.poc, vp.va_low, vp.va_high), rel=1e-12
    )
    roll = rolling_profile(day, window=len(day)).iloc[-1]
    assert roll["poc"] == pytest.approx(vp.poc, rel=1e-12)


def test_volume_profile_zero_volume_raises_data_error() -> None:
    bars = make_bars(30, taker=False)
    bars["volume"] = 0.0
    with pytest.raises(DataError, match="positive"):
        volume_profile(bars)
