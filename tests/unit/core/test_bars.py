from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import make_bars
from tradequorum.core.bars import ensure_bars, fingerprint_bars
from tradequorum.core.errors import DataError


def test_fingerprint_does_not_depend_on_index_unit() -> None:
    bars = make_bars(50)
    as_ns = bars.set_axis(pd.DatetimeIndex(bars.index).as_unit("ns"))
    as_us = bars.set_axis(pd.DatetimeIndex(bars.index).as_unit("us"))
    assert fingerprint_bars(as_ns) == fingerprint_bars(as_us)
    changed = bars.copy()
    changed.iloc[10, changed.columns.get_loc("close")] += 1.0
    assert fingerprint_bars(changed) != fingerprint_bars(bars)


def test_ensure_bars_rejects_naive_index_and_wrong_dtype() -> None:
    bars = make_bars(20)
    with pytest.raises(DataError, match="UTC"):
        ensure_bars(bars.tz_localize(None))
    with pytest.raises(DataError, match="float64"):
        ensure_bars(bars.astype({"volume": "float32"}))
    with pytest.raises(DataError, match="strictly increasing"):
        ensure_bars(bars.iloc[::-1])


@pytest.mark.parametrize("col", ["open", "high", "low", "close"])
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
@pytest.mark.parametrize("extra", [None, "label"])
def test_ensure_bars_non_finite_price_raises_on_both_paths(
    col: str, bad: float, extra: str | None
) -> None:
    """The all-float64 fast path (one matrix) and the mixed-dtype path find the same bad price."""
    bars = make_bars(30)
    if extra is not None:
        bars = bars.assign(**{extra: "x"})  # a non-float extra column: the column-by-column path
    bad_bars = bars.copy()
    bad_bars.iloc[17, bad_bars.columns.get_loc(col)] = bad
    assert ensure_bars(bars) is bars
    with pytest.raises(DataError, match="NaN or infinite prices"):
        ensure_bars(bad_bars)


def test_ensure_bars_accepts_nan_volume_and_rejects_duplicate_columns() -> None:
    bars = make_bars(30)
    gappy = bars.copy()
    gappy.iloc[3, gappy.columns.get_loc("volume")] = float("nan")  # volume is not a price
    assert ensure_bars(gappy) is gappy
    with pytest.raises(DataError, match="duplicate column"):
        ensure_bars(pd.concat([bars, bars[["close"]]], axis=1))
    with pytest.raises(DataError, match="at least 40"):
        ensure_bars(bars, min_rows=40)


def test_fingerprint_same_on_matrix_and_column_paths() -> None:
    """An all-float64 frame is hashed from its matrix, a mixed one column by column: same digest."""
    bars = make_bars(64)
    assert fingerprint_bars(bars) == fingerprint_bars(bars.assign(label="x"))
    assert fingerprint_bars(bars.iloc[5:40]) == fingerprint_bars(bars.iloc[5:40].assign(label="x"))
