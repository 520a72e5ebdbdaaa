"""Bad input for every SMC entry point: too few bars, flat prices, NaN, wrong schema."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given

from tests.unit.smc.helpers import bars_from, mirror, walk_bars
from tradequorum import smc
from tradequorum.config.smc import SmcConfig
from tradequorum.core.errors import DataError

ENTRY: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "swings": lambda b: smc.detect_swings(b, length=3).frame,
    "structure": lambda b: smc.detect_internal_and_swing(b),
    "fvg": lambda b: smc.detect_fvg(b).frame,
    "order_blocks": lambda b: smc.detect_order_blocks(b).frame,
    "liquidity": lambda b: smc.detect_liquidity(b).frame,
    "sessions": lambda b: smc.detect_sessions(b),
    "zones": lambda b: smc.detect_zones(b),
    "htf": lambda b: smc.detect_htf_bias(b, timeframe="1m"),
}


@pytest.mark.parametrize("name", ENTRY)
@pytest.mark.parametrize("n", [1, 2, 5])
def test_primitive_with_too_few_bars_returns_rows_without_events(name: str, n: int) -> None:
    bars = bars_from([(10, 11, 9, 10.5)] * n)
    out = ENTRY[name](bars)
    assert len(out) == n and out.index.equals(bars.index)


@pytest.mark.parametrize("name", ENTRY)
def test_primitive_with_flat_prices_reports_no_event(name: str) -> None:
    out = ENTRY[name](bars_from([(5, 5, 5, 5)] * 300))
    flags = [c for c in ("fvg", "ob", "eqh", "eql", "swing_high", "internal_bos_bull") if c in out]
    for c in flags:
        assert not (out[c].fillna(0) != 0).any(), c


@pytest.mark.parametrize("name", ENTRY)
def test_primitive_with_nan_price_raises_data_error(name: str) -> None:
    bars = bars_from([(10, 11, 9, 10.5)] * 50)
    bars.iloc[20, 2] = np.nan
    with pytest.raises(DataError, match="NaN"):
        ENTRY[name](bars)


@pytest.mark.parametrize("name", ENTRY)
def test_primitive_with_naive_index_raises_data_error(name: str) -> None:
    bars = bars_from([(10, 11, 9, 10.5)] * 10)
    bars.index = bars.index.tz_localize(None)
    with pytest.raises(DataError, match="UTC"):
        ENTRY[name](bars)


@pytest.mark.parametrize("name", ENTRY)
def test_primitive_with_unsorted_index_raises_data_error(name: str) -> None:
    bars = bars_from([(10, 11, 9, 10.5)] * 10).iloc[::-1]
    with pytest.raises(DataError, match="increasing"):
        ENTRY[name](bars)


def test_integer_prices_raise_data_error() -> None:
    bars = bars_from([(10, 11, 9, 10)] * 10).astype({"close": np.int64})
    with pytest.raises(DataError, match="float64"):
        smc.detect_fvg(bars)


def test_missing_column_raises_data_error() -> None:
    with pytest.raises(DataError, match="missing"):
        smc.detect_swings(bars_from([(10, 11, 9, 10)] * 10).drop(columns="volume"))


@given(walk_bars(min_n=40, max_n=200))
def test_signal_on_mirrored_prices_takes_the_opposite_side(bars: pd.DataFrame) -> None:
    cfg = SmcConfig(htf_timeframe="15m", min_confidence=0.3)
    a = smc.compute_signal_frame(bars, cfg, timeframe="1m")
    b = smc.compute_signal_frame(mirror(bars), cfg, timeframe="1m")
    pos = smc.detect_zones(bars, cfg)["position"].to_numpy()
    clear = ~np.isclose(pos, 0.5) | np.isnan(pos)  # equilibrium itself cannot be mirrored exactly
    np.testing.assert_array_equal(
        a["direction"].to_numpy()[clear], -b["direction"].to_numpy()[clear]
    )
    np.testing.assert_allclose(
        a["confidence"].to_numpy()[clear], b["confidence"].to_numpy()[clear], rtol=1e-12
    )
    on = clear & (a["direction"].to_numpy() != 0)
    for x, y in (("stop", "stop"), ("entry_lo", "entry_hi"), ("target", "target")):
        np.testing.assert_allclose(
            a[x].to_numpy()[on], 256.0 - b[y].to_numpy()[on], rtol=1e-12, atol=1e-9
        )
