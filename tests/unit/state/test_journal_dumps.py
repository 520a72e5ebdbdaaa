"""Journal rows: the direct encoding gives the text the convert-then-encode path gave."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from tradequorum.core.types import Direction, Tier
from tradequorum.state.journal import dumps


def _reference(obj: Any) -> str:
    return json.dumps(
        to_jsonable_python(obj), separators=(",", ":"), sort_keys=True, allow_nan=False
    )


class _Row(BaseModel):
    at: dt.datetime
    tier: Tier


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from([Tier.A, Direction.BEARISH, (1, "x")])
    | st.datetimes(timezones=st.just(dt.UTC))
)
ROWS = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=6) | st.integers(0, 9), inner, max_size=4)
    ),
    max_leaves=25,
)


@given(ROWS)
def test_journal_dumps_equals_converting_first(row: Any) -> None:
    assert dumps(row) == _reference(row)


def test_journal_dumps_models_timestamps_and_refuses_nan() -> None:
    at = pd.Timestamp("2024-01-01 13:05", tz="UTC")
    row = {"model": _Row(at=at.to_pydatetime(), tier=Tier.B), "ts": at, 3: "int key"}
    assert dumps(row) == _reference(row)
    with pytest.raises(ValueError):
        dumps({"x": float("nan")})
