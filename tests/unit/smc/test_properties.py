"""Hypothesis: no event is known before its ``confirmed_at`` bar, and each is known from it on."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.smc.helpers import walk_bars
from tradequorum import smc
from tradequorum.config.smc import SmcConfig

CFG = SmcConfig(internal_length=2, swing_length=3, liquidity_swing_length=2, atr_period=5)


@given(walk_bars(min_n=30, max_n=150), st.floats(0.2, 0.95))
def test_events_of_a_prefix_are_exactly_those_confirmed_inside_it(
    bars: pd.DataFrame, f: float
) -> None:
    cut = max(3, int(len(bars) * f))
    full = smc.analysis_events(smc.analyze(bars, CFG, timeframe="1m"), bars.index)
    part = smc.analysis_events(smc.analyze(bars.iloc[:cut], CFG, timeframe="1m"), bars.index[:cut])
    for name, ev in full.items():
        known = ev[ev["confirmed_pos"] < cut].reset_index(drop=True)
        ident = ["index", "confirmed_at"] + [
            c for c in ("kind", "direction", "side", "top", "bottom") if c in ev.columns
        ]
        pd.testing.assert_frame_equal(part[name][ident], known[ident], check_dtype=False)
        assert (ev["confirmed_pos"] >= ev["index_pos"]).all()
