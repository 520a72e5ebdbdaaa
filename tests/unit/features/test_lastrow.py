"""The last-row path equals the full matrix build's last rows, bit for bit.

``compute_last_row`` / ``compute_tail_columns`` compute each feature on the rows it needs only
(exact positional windows, HTF buckets walked back from the last bar); these tests compare them
with ``compute_columns`` on real data and on synthetic bars with gaps, NaN volumes, off-grid
timestamps, other index units and user features that only take DataFrames.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import load_shared_bars, make_bars
from tradequorum.core.bars import FloatArray
from tradequorum.core.errors import DataError
from tradequorum.features import (
    BarArrays,
    FeatureRegistry,
    FeatureSpec,
    compute_columns,
    compute_last_row,
    compute_tail_columns,
    default_registry,
    transform_spec,
)

BTC = "binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv"
FIL = "binance-um-1m-fil-near-2023h2/FILUSDT-1m-2023-08.csv"
PLAIN = default_registry(adapters=False)


def _assert_tail_equal(
    bars: pd.DataFrame, reg: FeatureRegistry, names: list[str], rows: int
) -> None:
    full = compute_columns(bars, reg, names)
    tail = compute_tail_columns(bars, reg, names, rows)
    assert list(tail) == list(full)
    for c, v in full.items():
        np.testing.assert_array_equal(tail[c], v[-rows:], err_msg=c, strict=True)


def _assert_last_equal(bars: pd.DataFrame, reg: FeatureRegistry, names: list[str]) -> None:
    full = compute_columns(bars, reg, names)
    last = compute_last_row(bars, reg, names)
    assert list(last) == list(full)
    got = np.array(list(last.values()))
    want = np.array([v[-1] for v in full.values()])
    np.testing.assert_array_equal(got, want, err_msg=str(list(full)))


@pytest.fixture(scope="module")
def btc() -> pd.DataFrame:
    return load_shared_bars(BTC)


def test_last_row_real_btc_many_windows_equals_full_build(btc: pd.DataFrame) -> None:
    names = PLAIN.available(btc)
    for end in [1, 2, 7, 61, 241, 481, 999, 1000, 1441, *range(1700, 4320, 97), 4320]:
        for length in (end, 1000):  # growing history and the live 1,000-bar window
            _assert_last_equal(btc.iloc[max(0, end - length) : end], PLAIN, names)


def test_last_row_real_fil_with_adapters_equals_full_build() -> None:
    fil = load_shared_bars(FIL, nrows=3000)
    reg = default_registry()
    names = reg.available(fil)
    assert "smc" in names and "microstructure" in names  # DataFrame-only features: whole bars
    for end in (1200, 2999, 3000):
        _assert_last_equal(fil.iloc[end - 1200 : end], reg, names)


def test_tail_columns_real_data_many_rows_equal_full_build(btc: pd.DataFrame) -> None:
    names = PLAIN.available(btc)
    for rows in (1, 2, 239, 240, 241, 1000, 5000):
        _assert_tail_equal(btc.iloc[-2000:], PLAIN, names, rows)


def _gappy(n: int, seed: int, drop: list[int], nan_volume: list[int], minute: int) -> pd.DataFrame:
    bars = make_bars(n + minute, seed=seed).iloc[minute:]
    keep = np.ones(len(bars), dtype=bool)
    keep[[d % len(bars) for d in drop]] = False
    keep[-1] = True
    bars = bars[keep].copy()
    for i in nan_volume:
        bars.iloc[i % len(bars), bars.columns.get_loc("taker_buy_volume")] = np.nan
        bars.iloc[(i * 7) % len(bars), bars.columns.get_loc("volume")] = np.nan
    return bars


@settings(max_examples=25, deadline=None)
@given(
    st.integers(1, 1600),
    st.integers(0, 10_000),
    st.lists(st.integers(0, 5000), max_size=40),
    st.lists(st.integers(0, 5000), max_size=4),
    st.integers(0, 239),
    st.sampled_from([1, 3, 250]),
)
def test_tail_columns_gappy_nan_bars_equal_full_build(
    n: int, seed: int, drop: list[int], nans: list[int], minute: int, rows: int
) -> None:
    bars = _gappy(n, seed, drop, nans, minute)
    names = PLAIN.names()
    _assert_tail_equal(bars, PLAIN, names, min(rows, len(bars)))
    _assert_last_equal(bars, PLAIN, names)


@settings(max_examples=15, deadline=None)
@given(st.integers(2, 3000), st.integers(0, 1000), st.lists(st.integers(0, 3000), max_size=30))
def test_htf_last_value_hourly_base_weekly_and_daily_buckets_equal_full(
    n: int, seed: int, drop: list[int]
) -> None:
    reg = default_registry("1h", ("4h", "1d", "1w"), adapters=False)
    bars = make_bars(n, seed=seed, freq="1h", start="2024-01-03 05:00")
    keep = np.ones(n, dtype=bool)
    keep[[d % n for d in drop]] = False
    keep[-1] = True
    _assert_last_equal(bars[keep], reg, reg.names(group="htf"))


def test_htf_last_value_off_grid_timestamps_equal_full() -> None:
    bars = make_bars(3000, seed=5)
    idx = bars.index.to_series()
    idx.iloc[1000:1003] += pd.Timedelta(seconds=17)  # three bars off the minute grid
    off = bars.set_axis(pd.DatetimeIndex(idx))
    names = PLAIN.names(group="htf")
    for end in (1010, 1060, 1300, 3000):
        _assert_last_equal(off.iloc[:end], PLAIN, names)


@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_last_row_non_ns_index_unit_equals_full(unit: str) -> None:
    bars = make_bars(1500, seed=2)
    bars = bars.set_axis(pd.DatetimeIndex(bars.index).as_unit(unit))
    _assert_last_equal(bars, PLAIN, PLAIN.names())


def _df_only(
    bars: pd.DataFrame, deps: Mapping[str, FloatArray], p: Mapping[str, Any]
) -> FloatArray:
    assert isinstance(bars, pd.DataFrame)  # a user feature: never handed BarArrays
    out: FloatArray = bars["close"].cumsum().to_numpy() / np.arange(1.0, len(bars) + 1)
    return out


def _multi(bars: pd.DataFrame, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> Any:
    return pd.DataFrame({"a": bars["high"] - bars["low"], "b": deps["ret_1"]}, index=bars.index)


def test_last_row_user_dataframe_features_and_transforms_equal_full() -> None:
    reg = default_registry(adapters=False)
    reg.register(FeatureSpec("running_mean", _df_only))
    reg.register(transform_spec("zscore", "running_mean", 30))
    reg.register(FeatureSpec("pair", _multi, depends_on=("ret_1",), multi_output=True))
    reg.register(transform_spec("rank", "vol_15", 50))
    bars = make_bars(700, seed=9)
    names = ["zscore_30_running_mean", "pair", "rank_50_vol_15", "running_mean", "ret_1"]
    _assert_last_equal(bars, reg, names)
    _assert_tail_equal(bars, reg, names, 40)


def test_last_row_no_bars_or_missing_column_raises_data_error() -> None:
    with pytest.raises(DataError):
        compute_last_row(make_bars(10).iloc[:0], PLAIN, ["ret_1"])
    with pytest.raises(DataError, match="taker_buy_volume"):
        compute_last_row(make_bars(100, taker=False), PLAIN, ["taker_imbalance_30"])


def test_bar_arrays_views_equal_columns_and_tail_is_suffix() -> None:
    bars = make_bars(50, seed=1)
    bars["note"] = "x"  # a non-numeric extra column: the numeric ones are still read
    arr = BarArrays.from_frame(bars)
    assert "note" not in arr.names and len(arr) == 50
    np.testing.assert_array_equal(arr.column("close"), bars["close"].to_numpy())
    t = arr.tail(5)
    np.testing.assert_array_equal(t.column("high"), bars["high"].to_numpy()[-5:])
    np.testing.assert_array_equal(t.open_ns, arr.open_ns[-5:])
    assert arr.tail(50) is arr and not arr.column("low").flags.writeable
    with pytest.raises(DataError):
        arr.column("nope")


def test_registry_hash_and_warmup_memo_follow_replaced_specs() -> None:
    reg = default_registry(adapters=False)
    names = ["ret_5", "zscore_240_ret_15"]
    h, w = reg.feature_hash(names), reg.warmup("zscore_240_ret_15")
    assert reg.feature_hash(names) == h
    spec = reg.get("ret_15")
    reg.register(FeatureSpec("ret_15", spec.fn, {"horizon": 16}, 16), replace=True)
    assert reg.feature_hash(names) != h and reg.warmup("zscore_240_ret_15") == w + 1
