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
