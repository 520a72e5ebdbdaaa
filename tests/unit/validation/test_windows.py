"""Walk-forward windows: train and test never overlap; days and bars units; rolling, anchored."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradequorum.config.validation import WalkForwardConfig
from tradequorum.core.errors import DataError
from tradequorum.validation.windows import make_windows


def _index(n: int, freq: str = "1D") -> pd.DatetimeIndex:
    return pd.date_range("2020-01-01", periods=n, freq=freq, tz="UTC")


@given(
    n_windows=st.integers(1, 8),
    train=st.integers(1, 40),
    test=st.integers(1, 20),
    extra=st.integers(0, 30),
    anchored=st.booleans(),
    unit=st.sampled_from(["days", "bars"]),
)
def test_make_windows_train_and_test_never_overlap(
    n_windows: int, train: int, test: int, extra: int, anchored: bool, unit: str
) -> None:
    cfg = WalkForwardConfig(
        n_windows=n_windows, train_period=train, test_period=test, anchored=anchored, unit=unit
    )
    n = train + n_windows * test + extra
    idx = _index(n * 3, "8h") if unit == "days" else _index(n)
    wins = make_windows(idx, cfg)
    assert len(wins) == n_windows
    for i, w in enumerate(wins):
        assert w.train_start < w.train_end == w.test_start < w.test_end
        if i:
            assert w.test_start == wins[i - 1].test_end  # test ranges tile, never overlap
            if anchored:
                assert w.train_start == wins[0].train_start
    assert wins[-1].test_end == len(idx)


def test_make_windows_seed_default_on_four_years_daily() -> None:
    wins = make_windows(_index(1461), WalkForwardConfig())
    assert len(wins) == 12
    assert all(w.train_end - w.train_start == 252 and w.test_end - w.test_start == 63 for w in wins)


def test_make_windows_days_unit_counts_whole_days_of_minute_bars() -> None:
    idx = _index(10 * 1440, "1min")
    cfg = WalkForwardConfig(n_windows=2, train_period=4, test_period=3, unit="days")
    wins = make_windows(idx, cfg)
    assert wins[0].train_end - wins[0].train_start == 4 * 1440
    assert wins[1].test_end - wins[1].test_start == 3 * 1440
    assert idx[wins[0].test_start].hour == 0 and idx[wins[0].test_start].minute == 0


def test_make_windows_too_short_raises_data_error_with_fit() -> None:
    with pytest.raises(DataError, match="window"):
        make_windows(_index(500), WalkForwardConfig())
