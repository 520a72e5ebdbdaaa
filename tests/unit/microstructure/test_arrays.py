"""flow_arrays reads the same columns whatever the frame's layout, and checks like before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import make_bars
from tradequorum.core.errors import DataError
from tradequorum.microstructure.arrays import flow_arrays

NAMES = ("open", "high", "low", "close", "volume")


def _frames() -> list[pd.DataFrame]:
    small = make_bars(500, seed=3)
    mixed = small.assign(note="x")  # a str column: no float matrix, read column by column
    return [small, mixed, make_bars(30_000, seed=4), small.drop(columns=["taker_buy_volume"])]


@pytest.mark.parametrize("i", range(4))
def test_flow_arrays_any_layout_equals_column_reads(i: int) -> None:
    bars = _frames()[i]
    a = flow_arrays(bars)
    for name in NAMES:
        np.testing.assert_array_equal(getattr(a, name), bars[name].to_numpy(), strict=True)
        assert getattr(a, name).flags.c_contiguous
    if "taker_buy_volume" in bars.columns:
        assert a.taker is not None
        np.testing.assert_array_equal(a.taker, bars["taker_buy_volume"].to_numpy())
    else:
        assert a.taker is None
    assert a.times_ns.dtype == np.int64
    np.testing.assert_array_equal(a.times_ns, bars.index.as_unit("ns").asi8)


def test_flow_arrays_times_in_ns_whatever_the_index_unit() -> None:
    bars = make_bars(50, seed=5)
    coarse = bars.set_axis(bars.index.as_unit("s"))
    np.testing.assert_array_equal(
        flow_arrays(coarse).times_ns, bars.index.as_unit("ns").asi8, strict=True
    )


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("low", 0.0, "non-positive prices"),
        ("volume", np.inf, "NaN or infinite volume"),
        ("volume", -1.0, "negative volume"),
        ("taker_buy_volume", np.nan, "taker_buy_volume contains NaN"),
        ("taker_buy_volume", 1e12, r"lie in \[0, volume\]"),
        ("taker_buy_volume", -1.0, r"lie in \[0, volume\]"),
    ],
)
def test_flow_arrays_bad_values_raise_data_error(column: str, value: float, message: str) -> None:
    bars = make_bars(40, seed=6)
    bars.iloc[17, bars.columns.get_loc(column)] = value
    with pytest.raises(DataError, match=message):
        flow_arrays(bars)
