"""Swings and market structure: hand-drawn cases, mirror symmetry, confirmation delays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given

from tests.unit.smc.helpers import bars_from, mirror, walk_bars
from tradequorum.core.errors import DataError
from tradequorum.smc import detect_structure, detect_swings

# a peak at bar 2 (high 13), a trough at bar 5 (low 7), flat afterwards
PEAK_TROUGH = [
    (10, 11, 9, 10),
    (10, 12, 9.5, 11),
    (11, 13, 10, 12),
    (12, 12.5, 9, 9.5),
    (9.5, 10, 8, 8.5),
    (8.5, 9, 7, 8),
    (8, 9.5, 7.5, 9),
    (9, 10, 8, 9.5),
    (9.5, 10.5, 8.5, 10),
]


def test_swings_peak_is_confirmed_length_bars_later() -> None:
    res = detect_swings(bars_from(PEAK_TROUGH), length=2)
    ev = res.events
    highs = ev[ev["kind"] == 1]
    assert highs["index_pos"].tolist() == [2]
    assert highs["confirmed_pos"].tolist() == [4]
    assert highs["level"].tolist() == [13.0]
    assert np.isnan(res.frame["swing_high"].iloc[3])  # not knowable yet at bar 3
    assert res.frame["swing_high"].iloc[4] == 13.0
    lows = ev[ev["kind"] == -1]
    assert lows["index_pos"].tolist() == [5]
    assert lows["confirmed_pos"].tolist() == [7]


def test_swings_equal_highs_keep_the_earlier_bar() -> None:
    rows = [(10, 11, 9, 10), (10, 12, 9, 11), (11, 14, 10, 12), (12, 14, 10, 11),
            (11, 12, 9, 10), (10, 11, 8, 9), (9, 10, 8, 9)]  # fmt: skip
    ev = detect_swings(bars_from(rows), length=2).events
    assert ev[ev["kind"] == 1]["index_pos"].tolist() == [2]


def test_swings_lower_second_high_without_low_between_is_ignored() -> None:
    highs = [10, 11, 15, 11, 10.5, 11, 13, 11, 10.6, 11.2, 10.8]
    lows = [9.0 - 0.1 * i for i in range(len(highs))]  # falling lows: no swing low anywhere
    rows = [(lo + 0.05, h, lo, lo + 0.05) for h, lo in zip(highs, lows, strict=True)]
    ev = detect_swings(bars_from(rows), length=2).events
    hs = ev[ev["kind"] == 1]
    assert hs["index_pos"].tolist() == [2]  # 13 at bar 6 is lower and no swing low in between


def test_swings_too_few_bars_give_an_empty_result() -> None:
    res = detect_swings(bars_from(PEAK_TROUGH[:4]), length=2)
    assert res.events.empty
    assert res.frame["swing_high"].isna().all()


def test_swings_flat_prices_give_no_swing() -> None:
    res = detect_swings(bars_from([(5, 5, 5, 5)] * 30), length=3)
    assert res.events.empty


def test_swings_nan_price_raises_data_error() -> None:
    bars = bars_from(PEAK_TROUGH)
    bars.iloc[3, 1] = np.nan
    with pytest.raises(DataError, match="NaN"):
        detect_swings(bars, length=2)


def test_swings_non_frame_raises_data_error() -> None:
    with pytest.raises(DataError):
        detect_swings([1, 2, 3], length=2)  # type: ignore[arg-type]


def _break_case() -> pd.DataFrame:
    rows = list(PEAK_TROUGH)
    rows += [(10, 12.8, 9.8, 12.5), (12.5, 13.6, 12.4, 13.5)]  # bar 10 closes above 13
    rows += [(13.5, 13.7, 12, 12.2), (12.2, 12.4, 11, 11.2), (11.2, 11.4, 8, 8.2),
             (8.2, 8.5, 6.5, 6.8)]  # fmt: skip
    return bars_from(rows)


def test_structure_first_close_above_swing_high_is_bullish_bos() -> None:
    res = detect_structure(_break_case(), length=2)
    ev = res.events
    first = ev.iloc[0]
    assert (first["kind"], first["direction"], first["level"]) == ("BOS", 1.0, 13.0)
    assert (first["index_pos"], first["confirmed_pos"]) == (2, 10)
    assert res.frame["bos_bull"].iloc[10] == 1.0
    assert res.frame["trend"].iloc[10] == 1.0


def test_structure_break_against_bullish_trend_is_bearish_choch() -> None:
    ev = detect_structure(_break_case(), length=2).events
    bear = ev[ev["direction"] == -1.0]
    assert bear.iloc[0]["kind"] == "CHoCH"
    assert bear.iloc[0]["level"] == 7.0  # the trough of bar 5


def test_structure_wick_above_without_close_breaks_only_in_wick_mode() -> None:
    rows = [*list(PEAK_TROUGH), (10, 13.5, 9.8, 12.5), (12.5, 12.6, 12, 12.2)]
    bars = bars_from(rows)
    assert detect_structure(bars, length=2, break_on="close").events.empty
    wick = detect_structure(bars, length=2, break_on="wick").events
    assert wick["confirmed_pos"].tolist() == [9]


@given(walk_bars())
def test_swings_mirrored_prices_swap_highs_and_lows(bars: pd.DataFrame) -> None:
    a = detect_swings(bars, length=3).events
    b = detect_swings(mirror(bars), length=3).events
    for k in (1.0, -1.0):
        x, y = a[a["kind"] == k], b[b["kind"] == -k]
        assert x["index_pos"].tolist() == y["index_pos"].tolist()
        assert x["confirmed_pos"].tolist() == y["confirmed_pos"].tolist()
        np.testing.assert_array_equal(x["level"].to_numpy(), 256.0 - y["level"].to_numpy())


@given(walk_bars())
def test_structure_mirrored_prices_swap_bullish_and_bearish_breaks(bars: pd.DataFrame) -> None:
    a = detect_structure(bars, length=2).events
    b = detect_structure(mirror(bars), length=2).events
    key = ["index_pos", "confirmed_pos", "kind"]
    for d in (1.0, -1.0):
        x = a[a["direction"] == d][key].reset_index(drop=True)
        y = b[b["direction"] == -d][key].reset_index(drop=True)
        pd.testing.assert_frame_equal(x, y)


@given(walk_bars())
def test_swings_and_breaks_are_never_confirmed_before_knowable(bars: pd.DataFrame) -> None:
    sw = detect_swings(bars, length=3).events
    assert (sw["confirmed_pos"] - sw["index_pos"] == 3).all()
    st = detect_structure(bars, length=3).events
    assert (st["confirmed_pos"] >= st["index_pos"] + 3 + 1).all()
