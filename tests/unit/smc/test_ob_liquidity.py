"""Order/breaker blocks and liquidity pools: hand-drawn cases and mirror symmetry."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given

from tests.unit.smc.helpers import bars_from, mirror, walk_bars
from tests.unit.smc.test_swings_structure import _break_case
from tradequorum.smc import detect_liquidity, detect_order_blocks


def test_order_block_is_last_down_candle_of_the_leg_before_the_break() -> None:
    res = detect_order_blocks(_break_case(), length=2)
    bull = res.events[res.events["direction"] == 1.0].iloc[0]
    assert (bull["index_pos"], bull["confirmed_pos"]) == (5, 10)
    assert (bull["top"], bull["bottom"]) == (9.0, 7.0)
    assert res.frame["ob"].iloc[10] == 1.0
    assert res.frame["bull_ob_top"].iloc[10] == 9.0


def test_order_block_is_mitigated_then_becomes_a_breaker_on_close_below() -> None:
    bars = _break_case()
    res = detect_order_blocks(bars, length=2)
    bull = res.events[res.events["direction"] == 1.0].iloc[0]
    assert bull["mitigated_at"] == bars.index[13]
    assert bull["breaker_at"] == bars.index[14]
    fr = res.frame
    assert fr["ob_mitigated"].iloc[13] >= 1.0
    assert fr["ob_to_breaker"].iloc[14] == 1.0
    assert fr["bear_breaker_top"].iloc[14] == 9.0
    assert np.isnan(fr["bull_ob_top"].iloc[14])


def test_order_block_volume_and_strength_are_reported() -> None:
    ev = detect_order_blocks(_break_case(), length=2, atr_period=3).events.iloc[0]
    assert ev["volume"] == 3.0  # bars t-2..t with volume 1
    assert ev["strength"] > 0


EQUAL_HIGHS = [
    (10, 10.5, 9.5, 10), (10, 11, 9.8, 10.8), (10.8, 12, 10.5, 11.5), (11.5, 11.6, 10, 10.2),
    (10.2, 10.4, 9, 9.2), (9.2, 10.5, 9.1, 10.4), (10.4, 12, 10.2, 11.8), (11.8, 11.9, 10.5, 10.6),
    (10.6, 10.8, 9.6, 9.8), (9.8, 11, 9.7, 10.9), (10.9, 12.3, 10.8, 11.9), (11.9, 12, 11, 11.2),
]  # fmt: skip


def test_liquidity_equal_highs_form_a_pool_then_a_wick_above_sweeps_it() -> None:
    bars = bars_from(EQUAL_HIGHS)
    res = detect_liquidity(bars, length=2, tolerance_atr=0.0)
    pool = res.events.iloc[0]
    assert (pool["side"], pool["level"], pool["members"]) == (1.0, 12.0, 2.0)
    assert (pool["index_pos"], pool["confirmed_pos"]) == (2, 8)
    assert pool["swept_at"] == bars.index[10]  # high 12.3 > 12, close 11.9 back below
    assert res.frame["bsl_swept"].iloc[10] == 12.0
    assert res.frame["bsl_pool"].iloc[9] == 12.0


def test_liquidity_close_beyond_the_pool_takes_it_without_a_sweep() -> None:
    rows = list(EQUAL_HIGHS)
    rows[10] = (10.9, 12.4, 10.8, 12.3)
    res = detect_liquidity(bars_from(rows), length=2, tolerance_atr=0.0)
    pool = res.events.iloc[0]
    assert pd.isna(pool["swept_at"])
    assert not pd.isna(pool["taken_at"])
    assert np.isnan(res.frame["bsl_swept"].iloc[10])


def test_liquidity_flat_prices_make_no_pool() -> None:
    res = detect_liquidity(bars_from([(5, 5, 5, 5)] * 40), length=2)
    assert res.events.empty


@given(walk_bars())
def test_order_blocks_mirrored_prices_swap_sides(bars: pd.DataFrame) -> None:
    a = detect_order_blocks(bars, length=2).events
    b = detect_order_blocks(mirror(bars), length=2).events
    for d in (1.0, -1.0):
        x, y = a[a["direction"] == d], b[b["direction"] == -d]
        assert x["index_pos"].tolist() == y["index_pos"].tolist()
        assert x["breaker_at"].tolist() == y["breaker_at"].tolist()
        np.testing.assert_array_equal(x["top"].to_numpy(), 256.0 - y["bottom"].to_numpy())


@given(walk_bars())
def test_liquidity_mirrored_prices_swap_sides(bars: pd.DataFrame) -> None:
    a = detect_liquidity(bars, length=2, tolerance_atr=0.5).events
    b = detect_liquidity(mirror(bars), length=2, tolerance_atr=0.5).events
    for s in (1.0, -1.0):
        x, y = a[a["side"] == s], b[b["side"] == -s]
        assert x["confirmed_pos"].tolist() == y["confirmed_pos"].tolist()
        assert x["swept_at"].tolist() == y["swept_at"].tolist()


@given(walk_bars())
def test_blocks_and_pools_are_never_confirmed_before_knowable(bars: pd.DataFrame) -> None:
    ob = detect_order_blocks(bars, length=2).events
    assert (ob["confirmed_pos"] > ob["index_pos"]).all()
    liq = detect_liquidity(bars, length=2, tolerance_atr=0.5).events
    assert (liq["confirmed_pos"] >= liq["index_pos"] + 2).all()


def test_order_block_skips_an_up_close_low_candle_for_the_down_candle_before_it() -> None:
    bars = _break_case()
    bars.iloc[5, :4] = [8.0, 9.0, 7.0, 8.6]  # the lowest candle now closes up
    ev = detect_order_blocks(bars, length=2).events
    bull = ev[ev["direction"] == 1.0].iloc[0]
    assert bull["index_pos"] == 4  # (9.5 -> 8.5): the last down-close candle of the leg
    assert (bull["top"], bull["bottom"]) == (10.0, 8.0)


def test_liquidity_tolerance_in_atr_decides_what_counts_as_equal() -> None:
    rows = list(EQUAL_HIGHS)
    rows[6] = (10.4, 11.9, 10.2, 11.8)  # second high 0.1 below the first
    bars = bars_from(rows)
    assert detect_liquidity(bars, length=2, tolerance_atr=0.0, atr_period=3).events.empty
    pools = detect_liquidity(bars, length=2, tolerance_atr=0.2, atr_period=3).events
    assert pools.iloc[0]["level"] == 12.0 and pools.iloc[0]["members"] == 2.0
