"""The microstructure agent cuts its bars at the task's bar exactly like a boolean mask would."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import make_bars
from tradequorum.agents.microstructure import _upto


@pytest.mark.parametrize("pos", [0, 17, 98, 99])
def test_upto_bar_inside_history_equals_mask(pos: int) -> None:
    bars = make_bars(100, seed=2)
    bar = bars.index[pos]
    expected = bars.loc[bars.index <= bar]
    pd.testing.assert_frame_equal(_upto(bars, bar.isoformat()), expected)
    naive = bar.tz_localize(None).isoformat()  # a naive time is read as UTC
    pd.testing.assert_frame_equal(_upto(bars, naive), expected)


def test_upto_none_or_later_bar_keeps_everything_and_earlier_keeps_nothing() -> None:
    bars = make_bars(50, seed=2)
    assert _upto(bars, None) is bars
    assert len(_upto(bars, bars.index[-1] + pd.Timedelta(hours=1))) == 50
    assert len(_upto(bars, bars.index[0] - pd.Timedelta(minutes=1))) == 0
