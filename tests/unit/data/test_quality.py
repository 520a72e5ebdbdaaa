"""Quality rules: each injected corruption is caught by its named rule; nothing else is touched."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import make_bars
from tradequorum.data.quality import ROW_RULES, infer_timeframe, validate_bars

Corrupt = Callable[[pd.DataFrame], pd.DataFrame]


def _set(col: str, value: float, row: int = 10) -> Corrupt:
    def corrupt(bars: pd.DataFrame) -> pd.DataFrame:
        out = bars.copy()
        out.iloc[row, out.columns.get_loc(col)] = value
        return out

    return corrupt


def _duplicate_row(bars: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([bars.iloc[:11], bars.iloc[10:11], bars.iloc[11:]])


def _duplicate_ts(bars: pd.DataFrame) -> pd.DataFrame:
    other = bars.iloc[10:11].copy()
    other["close"] = other["close"] * 1.0001
    other["high"] = np.maximum(other["high"], other["close"])
    return pd.concat([bars.iloc[:11], other, bars.iloc[11:]])


def _swap(bars: pd.DataFrame) -> pd.DataFrame:
    order = np.arange(len(bars))
    order[[10, 30]] = order[[30, 10]]
    return bars.iloc[order]


CASES: dict[str, tuple[Corrupt, int]] = {
    "non_finite": (_set("close", np.nan), 1),
    "non_positive_price": (_set("low", 0.0), 1),
    "high_below_body": (lambda b: _set("high", float(b["open"].iloc[10]) * 0.9)(b), 1),
    "low_above_body": (lambda b: _set("low", float(b["open"].iloc[10]) * 1.1)(b), 1),
    "negative_volume": (_set("volume", -1.0), 1),
    "taker_buy_exceeds_volume": (
        lambda b: _set("taker_buy_volume", float(b["volume"].iloc[10]) * 2)(b),
        1,
    ),
    "out_of_order": (_swap, 2),
    "duplicate_row": (_duplicate_row, 1),
    "duplicate_timestamp": (_duplicate_ts, 2),
}


def test_quality_every_row_rule_has_a_test_case() -> None:
    assert set(CASES) == set(ROW_RULES)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_validate_bars_injected_corruption_is_quarantined_by_its_rule(rule: str) -> None:
    bars = make_bars(60)
    corrupt, expected = CASES[rule]
    raw = corrupt(bars)
    result = validate_bars(raw, timeframe="1m")
    assert result.report.error_counts() == {rule: expected}
    assert set(result.quarantined["rule"]) == {rule}
    assert len(result.clean) + len(result.quarantined) == len(raw)
    assert result.clean.index.is_monotonic_increasing and result.clean.index.is_unique
    finding = result.report.finding(rule)
    assert finding is not None and finding.first_rows and finding.message


def test_validate_bars_clean_input_passes_and_is_not_mutated() -> None:
    bars = make_bars(500)
    before = bars.copy()
    result = validate_bars(bars, timeframe="1m")
    assert result.report.passed and result.report.rows_valid == 500
    assert result.report.error_counts() == {}
    pd.testing.assert_frame_equal(bars, before)


def test_validate_bars_gap_is_reported_not_removed() -> None:
    bars = make_bars(100).drop(index=make_bars(100).index[40:45])
    report = validate_bars(bars, timeframe="1m").report
    assert report.passed and report.gaps == 1 and report.missing_bars == 5
    assert report.longest_gap_s == 360.0
    assert report.finding("gap") is not None


def test_validate_bars_stale_feed_reported_after_n_bars() -> None:
    bars = make_bars(100)
    last_close = bars.index[-1] + pd.Timedelta(minutes=1)
    fresh = validate_bars(bars, timeframe="1m", now=last_close + pd.Timedelta(minutes=3))
    stale = validate_bars(bars, timeframe="1m", now=last_close + pd.Timedelta(minutes=4))
    assert fresh.report.finding("stale_feed") is None
    assert stale.report.finding("stale_feed") is not None


def test_validate_bars_zero_volume_is_information_only() -> None:
    bars = make_bars(50)
    bars.iloc[5, bars.columns.get_loc("volume")] = 0.0
    bars.iloc[5, bars.columns.get_loc("taker_buy_volume")] = 0.0
    result = validate_bars(bars, timeframe="1m")
    assert result.report.passed
    zero = result.report.finding("zero_volume")
    assert zero is not None and zero.count == 1 and zero.severity == "info"


def test_validate_bars_one_far_future_row_quarantines_only_that_row() -> None:
    bars = make_bars(100)
    idx = bars.index.to_numpy().copy()
    idx[3] = np.datetime64("2099-01-01")
    raw = bars.set_axis(pd.DatetimeIndex(idx, tz="UTC"))
    result = validate_bars(raw, timeframe="1m")
    assert result.report.error_counts() == {"out_of_order": 1}


def test_validate_bars_taker_equal_to_volume_is_valid() -> None:
    bars = make_bars(20)
    bars["taker_buy_volume"] = bars["volume"]
    assert validate_bars(bars, timeframe="1m").report.passed


@given(
    rows=st.lists(st.integers(min_value=0, max_value=199), min_size=1, max_size=8, unique=True),
    rule=st.sampled_from(["non_finite", "non_positive_price", "negative_volume"]),
)
def test_validate_bars_flags_every_injected_row(rows: list[int], rule: str) -> None:
    bars = make_bars(200, seed=1)
    col, value = {
        "non_finite": ("open", np.inf),
        "non_positive_price": ("close", -1.0),
        "negative_volume": ("volume", -5.0),
    }[rule]
    bars.iloc[rows, bars.columns.get_loc(col)] = value
    result = validate_bars(bars, timeframe="1m")
    assert sorted(result.quarantined["row"].tolist()) == sorted(rows)
    assert set(result.quarantined["rule"]) <= {rule, "high_below_body", "low_above_body"}


@pytest.mark.parametrize(
    ("freq", "expected"),
    [("1min", "1m"), ("15min", "15m"), ("1h", "1h"), ("1D", "1d"), ("7D", "1w")],
)
def test_infer_timeframe_from_spacing(freq: str, expected: str) -> None:
    assert infer_timeframe(pd.date_range("2024-01-01", periods=10, freq=freq, tz="UTC")) == expected


def test_validate_bars_misaligned_open_times_are_reported_not_removed() -> None:
    bars = make_bars(10, start="2024-01-01 00:00:30")
    result = validate_bars(bars, timeframe="1m")
    finding = result.report.finding("misaligned_timestamp")
    assert result.report.passed and finding is not None and finding.count == 10
    assert (
        validate_bars(make_bars(10), timeframe="1m").report.finding("misaligned_timestamp") is None
    )
