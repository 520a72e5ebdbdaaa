"""Resampling: exact against a pandas reference, complete buckets only, causal alignment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import load_shared_bars, make_bars
from tradequorum.core.causality import audit_lookahead, audit_recursive, audit_repaint
from tradequorum.core.errors import DataError
from tradequorum.data.resample import align_htf_to_base, last_closed_position, resample_bars

FIL = "binance-um-1m-fil-near-2023h2/FILUSDT-1m-2023-08.csv"


def _reference(bars: pd.DataFrame, rule: str, per_bucket: int) -> pd.DataFrame:
    agg = {c: "sum" for c in bars.columns}
    agg.update({"open": "first", "high": "max", "low": "min", "close": "last"})
    grouped = bars.resample(rule)
    ref = grouped.agg(agg)[list(bars.columns)]
    return ref.loc[grouped.size() == per_bucket]


@given(
    drop=st.lists(st.integers(min_value=0, max_value=599), max_size=30, unique=True),
    start_minute=st.integers(min_value=0, max_value=59),
)
def test_resample_bars_matches_pandas_reference_over_complete_hours(
    drop: list[int], start_minute: int
) -> None:
    bars = make_bars(600, seed=2, start=f"2024-03-01 00:{start_minute:02d}")
    bars = bars.drop(index=bars.index[sorted(drop)])
    got = resample_bars(bars, "1h", base_timeframe="1m")
    ref = _reference(bars, "1h", 60)
    assert got.index.equals(ref.index)
    np.testing.assert_array_equal(
        got[["open", "high", "low", "close"]], ref[["open", "high", "low", "close"]]
    )
    np.testing.assert_allclose(
        got[["volume", "taker_buy_volume", "trades"]],
        ref[["volume", "taker_buy_volume", "trades"]],
        rtol=1e-12,
    )


def test_resample_bars_incomplete_last_hour_is_not_emitted() -> None:
    bars = make_bars(119)  # 00:00 .. 01:58
    htf = resample_bars(bars, "1h")
    assert list(htf.index) == [pd.Timestamp("2024-01-01 00:00", tz="UTC")]
    assert len(resample_bars(bars, "1h", complete_only=False)) == 2


def test_resample_bars_weeks_start_monday_and_match_binance_weekly() -> None:
    daily = load_shared_bars("binance-spot-daily-btcusdt-2017-2025/BTCUSDT_1d.csv")
    weekly = load_shared_bars("binance-spot-daily-btcusdt-2017-2025/BTCUSDT_1wk.csv")
    got = resample_bars(daily, "1w")
    assert (got.index.day_of_week == 0).all()
    common = got.index.intersection(weekly.index)
    assert len(common) > 380
    cols = ["open", "high", "low", "close"]
    np.testing.assert_array_equal(got.loc[common, cols], weekly.loc[common, cols])
    np.testing.assert_allclose(got.loc[common, "volume"], weekly.loc[common, "volume"], rtol=1e-9)


def test_resample_bars_real_minutes_to_4h_match_pandas() -> None:
    bars = load_shared_bars(FIL)
    got = resample_bars(bars, "4h")
    ref = _reference(bars, "4h", 240)
    assert len(got) == 31 * 6
    np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), rtol=1e-12)


@pytest.mark.parametrize(("base", "target"), [("1h", "90m"), ("1m", "1M"), ("5m", "1m")])
def test_resample_bars_impossible_target_raises_data_error(base: str, target: str) -> None:
    bars = make_bars(10, freq=base.replace("m", "min"))
    with pytest.raises(DataError):
        resample_bars(bars, target, base_timeframe=base)


def test_resample_bars_input_not_mutated() -> None:
    bars = make_bars(300)
    before = bars.copy()
    resample_bars(bars, "15m")
    pd.testing.assert_frame_equal(bars, before)


def test_last_closed_position_sees_an_hour_only_at_its_last_minute() -> None:
    base = pd.date_range("2024-01-01 00:58", periods=4, freq="1min", tz="UTC")
    htf = pd.date_range("2024-01-01 00:00", periods=2, freq="1h", tz="UTC")
    assert last_closed_position(base, "1m", htf, "1h").tolist() == [-1, 0, 0, 0]


def _aligned_hourly(bars: pd.DataFrame) -> pd.DataFrame:
    htf = resample_bars(bars, "1h", base_timeframe="1m")
    return align_htf_to_base(htf, pd.DatetimeIndex(bars.index), "1m", "1h")


def test_align_htf_to_base_passes_lookahead_audit_on_real_data() -> None:
    bars = load_shared_bars(FIL, nrows=3000)
    audit_lookahead(_aligned_hourly, bars, name="resample+align 1h", n_points=40).raise_if_failed()


def test_align_htf_to_base_passes_recursive_audit_on_real_data() -> None:
    bars = load_shared_bars(FIL, nrows=3000)
    audit_recursive(_aligned_hourly, bars, warmup=120, name="resample+align 1h").raise_if_failed()


def test_align_htf_to_base_passes_repaint_audit_on_real_data() -> None:
    bars = load_shared_bars(FIL, nrows=400)
    audit_repaint(_aligned_hourly, bars, name="resample+align 1h", start=100).raise_if_failed()


def test_align_htf_to_base_future_bar_would_fail_the_audit() -> None:
    """The audit can fail: aligning on the HTF *open* (a look-ahead bug) is caught."""

    def leaky(bars: pd.DataFrame) -> pd.DataFrame:
        htf = resample_bars(bars, "1h", base_timeframe="1m", complete_only=False)
        pos = (
            np.searchsorted(
                htf.index.as_unit("ns").asi8, bars.index.as_unit("ns").asi8, side="right"
            )
            - 1
        )
        return pd.DataFrame(htf.to_numpy()[pos], index=bars.index, columns=htf.columns)

    bars = load_shared_bars(FIL, nrows=600)
    assert not audit_lookahead(leaky, bars, name="leaky", n_points=20).passed
