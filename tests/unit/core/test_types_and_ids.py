from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tradequorum.core.ids import IdSequence, client_order_id, format_id, parse_id, utc_day
from tradequorum.core.types import Direction, Signal


def test_signal_rejects_naive_timestamp_and_bad_confidence() -> None:
    with pytest.raises(ValidationError):
        Signal(
            source="smc",
            symbol="BTC/USDT",
            timeframe="1m",
            timestamp=pd.Timestamp("2024-01-01").to_pydatetime(),
            direction=Direction.BULLISH,
            confidence=0.5,
        )
    with pytest.raises(ValidationError):
        Signal(
            source="smc",
            symbol="BTC/USDT",
            timeframe="1m",
            timestamp=pd.Timestamp("2024-01-01", tz="UTC"),
            direction=Direction.BULLISH,
            confidence=float("nan"),
        )


def test_id_sequence_is_day_scoped_and_parses() -> None:
    seq = IdSequence()
    t = pd.Timestamp("2024-03-05 10:00", tz="UTC")
    a, b = seq.next("DEC", t), seq.next("DEC", t)
    assert (a, b) == ("DEC-20240305-001", "DEC-20240305-002")
    assert seq.next("DEC", t + pd.Timedelta(days=1)) == "DEC-20240306-001"
    assert parse_id(a) == ("DEC", "20240305", 1)
    assert client_order_id(a) == "TQ-DEC-20240305-001-0"


@given(
    ns=st.integers(-(10**18), 4 * 10**18),
    tz=st.sampled_from(["UTC", "Asia/Tokyo", "America/New_York", "Europe/London"]),
)
def test_id_day_equals_the_utc_calendar_day_in_any_zone(ns: int, tz: str) -> None:
    ts = pd.Timestamp(ns, tz="UTC").tz_convert(tz)
    assert utc_day(ts) == f"{ts.tz_convert('UTC'):%Y%m%d}"
    seq = IdSequence()
    assert seq.next("DEC", ts) == format_id("DEC", ts, 1)
    assert seq.next("DEC", ts) == format_id("DEC", ts, 2)
