"""The array-only HTF aggregation equals the data layer's resample_bars + last_closed_position."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import make_bars
from tradequorum.core.timeframes import timeframe_seconds
from tradequorum.data.resample import last_closed_position, resample_bars
from tradequorum.features.htf import aggregate_htf


@pytest.mark.parametrize(("tf", "start", "drop"), [("1h", 0, ()), ("4h", 7, (50, 51, 300)),
                                                   ("1h", 13, (0, 61, 62, 999)), ("1d", 0, (5,))])  # fmt: skip
def test_aggregate_htf_gappy_bars_equals_resample_bars(
    tf: str, start: int, drop: tuple[int, ...]
) -> None:
    full = make_bars(3000, seed=3).iloc[start:]
    bars = full.drop(full.index[list(drop)]) if drop else full
    got = aggregate_htf(bars, tf, "1m")
    ref = resample_bars(bars, tf, base_timeframe="1m")
    idx = pd.DatetimeIndex(ref.index)
    for c in ("open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(got, c), ref[c].to_numpy())
    last = last_closed_position(pd.DatetimeIndex(bars.index), "1m", idx, tf)
    np.testing.assert_array_equal(got.last_complete, last)
    np.testing.assert_array_equal(
        got.end_ns, idx.as_unit("ns").asi8 + timeframe_seconds(tf) * 1_000_000_000
    )


def test_aggregate_htf_empty_bars_gives_empty_arrays() -> None:
    got = aggregate_htf(make_bars(10, seed=1).iloc[:0], "1h", "1m")
    assert got.close.size == 0 and got.last_complete.size == 0


def test_shared_build_htf_same_bars_computed_once_other_bars_not_shared() -> None:
    from tradequorum.features.shared import shared_build

    bars = make_bars(3000, seed=4)
    other = bars.iloc[1:]  # another window (the next bar's): never served from the memo
    with shared_build():
        a = aggregate_htf(bars, "1h", "1m")
        assert aggregate_htf(bars, "1h", "1m") is a
        assert aggregate_htf(bars, "4h", "1m") is not a
        b = aggregate_htf(other, "1h", "1m")
        assert not a.close.flags.writeable
    assert b is not a and aggregate_htf(bars, "1h", "1m") is not a  # the memo ended
    plain = aggregate_htf(bars, "1h", "1m")
    ref = aggregate_htf(other, "1h", "1m")
    for c in ("open", "high", "low", "close", "volume", "end_ns", "last_complete"):
        np.testing.assert_array_equal(getattr(a, c), getattr(plain, c))
        np.testing.assert_array_equal(getattr(b, c), getattr(ref, c))


def test_shared_build_bar_column_same_bars_shared_other_bars_and_outside_fresh() -> None:
    from tradequorum.core.bars import column
    from tradequorum.features.shared import bar_column, shared_build

    bars = make_bars(500, seed=6)
    other = bars.iloc[:-1]
    with shared_build():
        a = bar_column(bars, "close")
        assert bar_column(bars, "close") is a and not a.flags.writeable
        assert bar_column(other, "close") is not a
        assert bar_column(bars, "open") is not a
    assert bar_column(bars, "close") is not a
    np.testing.assert_array_equal(a, column(bars, "close"))


def test_feature_matrix_with_shared_build_equals_per_feature_builds() -> None:
    from tradequorum.features import default_registry
    from tradequorum.features.matrix import build_feature_matrix

    bars = make_bars(3000, seed=5)
    reg = default_registry()
    names = reg.available(bars)
    assert sum(n.startswith("htf_") for n in names) >= 3
    whole = build_feature_matrix(bars, reg, names)
    for n in names:
        one = build_feature_matrix(bars, reg, [n])
        for c in one.columns:  # a multi-output feature gives several columns
            np.testing.assert_array_equal(whole[c].to_numpy(), one[c].to_numpy())
