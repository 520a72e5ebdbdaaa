"""Sessions, previous day/week levels, premium/discount, OTE and the HTF bias."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import load_shared_bars, make_bars
from tests.unit.smc.helpers import bars_from
from tradequorum.config.smc import SmcConfig
from tradequorum.core.errors import DataError
from tradequorum.smc import detect_htf_bias, detect_sessions, detect_zones
from tradequorum.smc.htf import resample_closed
from tradequorum.smc.inputs import to_arrays
from tradequorum.smc.structure import compute_structure

BTC = "binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv"


def test_sessions_previous_day_high_low_equal_the_last_full_utc_day() -> None:
    bars = make_bars(3 * 1440, start="2024-01-01")
    fr = detect_sessions(bars)
    day2 = bars.loc["2024-01-02"]
    assert fr.loc["2024-01-03", "pdh"].eq(day2["high"].max()).all()
    assert fr.loc["2024-01-03", "pdl"].eq(day2["low"].min()).all()
    assert fr.loc["2024-01-01", "pdh"].isna().all()


def test_sessions_partial_first_day_is_never_reported() -> None:
    bars = make_bars(3 * 1440, start="2024-01-01 06:00")
    fr = detect_sessions(bars)
    assert fr.loc["2024-01-02", "pdh"].isna().all()  # 2024-01-01 was loaded from 06:00 only
    assert fr.loc["2024-01-03", "pdh"].notna().all()


def test_sessions_killzone_codes_and_levels_follow_utc_config() -> None:
    bars = make_bars(2 * 1440, start="2024-01-01")
    cfg = SmcConfig(london_utc=("08:00", "09:00"))
    fr = detect_sessions(bars, cfg)
    assert fr.loc["2024-01-01 08:30", "session"] == 2.0
    assert fr.loc["2024-01-01 07:30", "session"] == 0.0
    london = bars.loc["2024-01-01 08:00":"2024-01-01 08:59"]
    assert fr.loc["2024-01-01 12:00", "london_high"] == london["high"].max()
    assert fr.loc["2024-01-01 08:59", "session_high"] == london["high"].max()


def test_zones_position_is_close_within_the_trailing_swing_range() -> None:
    bars = load_shared_bars(BTC)
    fr = detect_zones(bars, SmcConfig())
    ok = fr["range_high"] > fr["range_low"]
    pos = (bars["close"] - fr["range_low"]) / (fr["range_high"] - fr["range_low"])
    np.testing.assert_allclose(fr.loc[ok, "position"], pos[ok], rtol=1e-12)
    assert ((fr["position"] >= 0) & (fr["position"] <= 1))[ok].all()
    assert set(np.unique(fr["zone"])) <= {-1.0, 0.0, 1.0}


def test_zones_bullish_ote_is_the_62_to_79_retracement_of_an_up_leg() -> None:
    fr = detect_zones(load_shared_bars(BTC), SmcConfig())
    up = fr[fr["leg"] > 0].dropna(subset=["ote_lo"])
    width = up["range_high"] - up["range_low"]
    np.testing.assert_allclose(up["ote_hi"], up["range_high"] - 0.62 * width, rtol=1e-12)
    np.testing.assert_allclose(up["ote_lo"], up["range_high"] - 0.79 * width, rtol=1e-12)


def test_htf_bias_uses_only_closed_hours() -> None:
    bars = load_shared_bars(BTC)
    fr = detect_htf_bias(bars, htf="1h", length=2, timeframe="1m")
    a = to_arrays(bars)
    h = resample_closed(a, "1h", 60 * 10**9)
    trend = compute_structure(h.bars, 2, True).trend
    hourly = bars.resample("1h").agg({"high": "max", "low": "min"}).iloc[1:]  # first hour partial
    np.testing.assert_array_equal(h.bars.high[: len(hourly)], hourly["high"].to_numpy())
    for k in (5, 20, 40):
        last_bar = h.known_at[k]
        assert bars.index[last_bar] == pd.Timestamp(h.start_ns[k], tz="UTC") + pd.Timedelta("59min")
        assert fr["htf_bias"].iloc[last_bar] == trend[k]
        assert fr["htf_bias"].iloc[last_bar - 1] == trend[k - 1]


def test_htf_not_longer_than_base_gives_no_bias() -> None:
    bars = make_bars(300, freq="1h")
    assert (detect_htf_bias(bars, htf="1h", timeframe="1h")["htf_bias"] == 0).all()


def test_htf_single_bar_without_timeframe_raises_data_error() -> None:
    bars = bars_from([(1, 2, 0.5, 1.5)])
    out = detect_htf_bias(bars, htf="1h", timeframe="1m")
    assert out["htf_bias"].tolist() == [0.0]
    with pytest.raises(DataError):
        from tradequorum.smc.htf import base_step_ns

        base_step_ns(to_arrays(bars), None)


def test_htf_with_a_timeframe_longer_than_the_bars_raises_data_error() -> None:
    bars = make_bars(300)
    with pytest.raises(DataError, match="shorter than timeframe 15m"):
        detect_htf_bias(bars, htf="1h", timeframe="15m")


def test_sessions_wrapping_midnight_belong_to_the_day_they_start() -> None:
    bars = make_bars(3 * 1440, start="2024-01-01")
    fr = detect_sessions(bars, SmcConfig(asia_utc=("22:00", "02:00")))
    assert fr.loc["2024-01-01 23:30", "session"] == 1.0
    assert fr.loc["2024-01-02 01:30", "session"] == 1.0
    night = bars.loc["2024-01-01 22:00":"2024-01-02 01:59"]
    assert fr.loc["2024-01-02 03:00", "asia_high"] == night["high"].max()
    assert fr.loc["2024-01-02 01:59", "session_low"] == night["low"].min()
