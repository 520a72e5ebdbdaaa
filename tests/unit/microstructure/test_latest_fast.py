"""The last-bar fast path (``latest_core``) equals the full computation's last row exactly.

``latest_signal`` computes the score on the last ``tail_bars(cfg)`` bars only, in one numba pass
(``last_row.last_row``), VPIN's buyer volume only where its last buckets read it (BVC), the
levels in a numba kernel shared with the full path, and reads the columns once. Every field of the
core (flow ratio, components, score, VPIN and its change, ATR, levels) must be *identical* (not
close) to the last element of :func:`signal_core` on the same bars: on real windows (taker, BVC,
tick; VPIN active), and on hypothesis bars with gaps, zero-volume bars and small windows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import load_shared_bars, make_bars
from tradequorum.agents.base import AgentContext, Task
from tradequorum.agents.microstructure import MicrostructureAgent
from tradequorum.config.microstructure import MicrostructureConfig
from tradequorum.config.settings import Settings
from tradequorum.core.clock import FixedClock
from tradequorum.core.errors import DataError
from tradequorum.microstructure.signals import (
    SignalCore,
    latest_core,
    latest_signal,
    signal_at_last,
    signal_core,
)
from tradequorum.microstructure.toxicity import vpin, vpin_first_needed
from tradequorum.state.layout import HomeLayout

BTC = "binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv"
FIL = "binance-um-1m-fil-near-2023h2/FILUSDT-1m-2023-08.csv"
# small buckets so VPIN and its change are live inside a 2,000-5,000 bar window
VPINNY = MicrostructureConfig(vpin_buckets=5, vpin_buckets_per_day=50, vpin_change_buckets=2)


def _assert_last_equal(fast: SignalCore, full: SignalCore) -> None:
    assert fast.method == full.method

    def same(a: np.ndarray, b: np.ndarray, what: str) -> None:
        assert a.shape == (1,), what
        np.testing.assert_array_equal(a, b[-1:], err_msg=what, strict=True)

    same(fast.flow_ratio, full.flow_ratio, "flow_ratio")
    same(fast.score, full.score, "score")
    same(fast.vpin, full.vpin, "vpin")
    same(fast.vpin_change, full.vpin_change, "vpin_change")
    same(fast.atr, full.atr, "atr")
    assert fast.components.keys() == full.components.keys()
    for k in full.components:
        same(fast.components[k], full.components[k], k)
    assert fast.levels.keys() == full.levels.keys()
    for k in full.levels:
        same(fast.levels[k], full.levels[k], k)


def _check_windows(bars: pd.DataFrame, cfg: MicrostructureConfig, size: int, ends: range) -> None:
    for end in ends:
        window = bars.iloc[max(0, end - size) : end]
        _assert_last_equal(latest_core(window, cfg), signal_core(window, cfg))


@pytest.mark.parametrize("taker", [True, False])
@pytest.mark.parametrize("method", ["auto", "tick"])
def test_latest_core_real_btc_1000_bar_windows_equal_full_last_row(
    taker: bool, method: str
) -> None:
    bars = load_shared_bars(BTC)
    bars = bars if taker else bars.drop(columns=["taker_buy_volume"])
    cfg = MicrostructureConfig(flow_method=method)  # type: ignore[arg-type]
    _check_windows(bars, cfg, 1000, range(2950, 3050))
    _check_windows(bars, cfg, 1000, range(40, 140))  # short windows: partial rolling windows


@pytest.mark.parametrize("taker", [True, False])
@pytest.mark.parametrize("cfg", [MicrostructureConfig(), VPINNY], ids=["default", "vpinny"])
def test_latest_core_real_fil_5000_bar_windows_with_live_vpin_equal_full_last_row(
    taker: bool, cfg: MicrostructureConfig
) -> None:
    bars = load_shared_bars(FIL)
    bars = bars if taker else bars.drop(columns=["taker_buy_volume"])
    ends = range(9000, 9040)
    _check_windows(bars, cfg, 5000, ends)
    live = signal_core(bars.iloc[ends[-1] - 5000 : ends[-1]], cfg)
    assert np.isfinite(live.vpin[-1]) and np.isfinite(live.vpin_change[-1])  # the path is exercised
    # windows starting at midnight: the first day is complete, the second one is bucketed
    _check_windows(bars, VPINNY, 2000, range(2870, 2950))


def test_vpin_first_needed_buy_before_it_does_not_change_the_last_value() -> None:
    bars = load_shared_bars(FIL).iloc[4000:9000]
    vol = bars["volume"].to_numpy()
    buy = bars["taker_buy_volume"].to_numpy()
    kw = {"n_buckets": 50, "buckets_per_day": 200, "change_buckets": 10}
    first = vpin_first_needed(bars.index, vol, **kw)
    assert 0 < first < len(bars)
    scrambled = buy.copy()
    scrambled[:first] = vol[:first] * 0.123
    full = vpin(bars.index, vol, buy, **kw)
    cut = vpin(bars.index, vol, scrambled, **kw)
    assert np.isfinite(full[0][-1]) and np.isfinite(full[1][-1])
    assert (full[0][-1], full[1][-1]) == (cut[0][-1], cut[1][-1])
    # and the bar before it does matter for some buy: it is not needlessly late
    scrambled[first] = vol[first] * (0.9 if buy[first] < 0.5 * vol[first] else 0.1)
    changed = vpin(bars.index, vol, scrambled, **kw)
    assert (changed[0][-1], changed[1][-1]) != (full[0][-1], full[1][-1])


@st.composite
def _case(draw: st.DrawFn) -> tuple[pd.DataFrame, MicrostructureConfig]:
    n = draw(st.integers(1, 400))
    bars = make_bars(n, seed=draw(st.integers(0, 10_000)), freq="15min", taker=draw(st.booleans()))
    keep = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    if any(keep) and draw(st.booleans()):  # gaps (missing bars, whole days sometimes)
        bars = bars[np.asarray(keep)]
    if draw(st.booleans()):  # zero-volume bars: NaN ratios, no imbalance
        zero = np.asarray(draw(st.lists(st.booleans(), min_size=len(bars), max_size=len(bars))))
        bars = bars.copy()
        bars.loc[zero, "volume"] = 0.0
        if "taker_buy_volume" in bars.columns:
            bars.loc[zero, "taker_buy_volume"] = 0.0
    cfg = MicrostructureConfig(
        flow_method=draw(st.sampled_from(["auto", "bvc", "tick"])),
        bvc_window=draw(st.integers(2, 12)),
        bvc_distribution=draw(st.sampled_from(["t", "normal"])),
        window_bars=draw(st.integers(5, 25)),
        divergence_bars=draw(st.integers(3, 15)),
        event_memory_bars=draw(st.integers(1, 6)),
        atr_bars=draw(st.integers(2, 20)),
        vpin_buckets=draw(st.integers(5, 8)),
        vpin_buckets_per_day=draw(st.integers(5, 40)),
        vpin_change_buckets=draw(st.integers(1, 4)),
        heavy_volume_ratio=draw(st.floats(1.01, 1.5)),
        climax_volume_ratio=draw(st.floats(1.01, 1.5)),
        exhaustion_move_sigma=draw(st.floats(0.1, 1.0)),
        score_threshold=draw(st.floats(0.01, 0.3)),
    )
    return bars, cfg


@given(_case())
def test_latest_core_hypothesis_bars_with_gaps_and_zero_volume_equal_full_last_row(
    case: tuple[pd.DataFrame, MicrostructureConfig],
) -> None:
    bars, cfg = case
    if len(bars) == 0:
        return
    _assert_last_equal(latest_core(bars, cfg), signal_core(bars, cfg))


def _tick_bars(rng: np.random.Generator, n: int, flat_share: float) -> pd.DataFrame:
    """Ties at every comparison: prices on a coarse tick grid with flat stretches (zero sigma,
    zero move), flat bars (zero range), volume 10 with spikes of exactly 1.5x, 2x and 3x."""
    tick = 10.0
    close = 1000.0 + tick * np.cumsum(rng.choice([-1, 0, 0, 0, 1], n))
    open_ = np.concatenate(([close[0]], close[:-1]))
    high = np.maximum(open_, close) + tick * rng.integers(0, 3, n)
    low = np.minimum(open_, close) - tick * rng.integers(0, 3, n)
    flat = rng.random(n) < flat_share
    open_[flat] = high[flat] = low[flat] = close[flat]
    spike = rng.choice([1.0, 1.5, 2.0, 3.0], n, p=[0.85, 0.05, 0.05, 0.05])
    volume = 10.0 * spike
    taker = volume * rng.choice([0.0, 0.25, 0.5, 0.75, 1.0], n)
    idx = pd.date_range("2024-01-01", periods=n, freq="15min", tz="UTC")
    frame = {"open": open_, "high": high, "low": low, "close": close, "volume": volume}
    return pd.DataFrame({**frame, "taker_buy_volume": taker}, index=idx)


@given(
    st.integers(1, 300),
    st.integers(0, 10_000),
    st.sampled_from([0.0, 0.1, 0.4]),
    st.sampled_from([0.25, 0.35, 0.5]),
    st.integers(5, 15),
    st.integers(3, 8),
)
def test_latest_core_hypothesis_tick_grid_ties_and_flat_bars_equal_full_last_row(
    n: int, seed: int, flat_share: float, share: float, window: int, lookback: int
) -> None:
    bars = _tick_bars(np.random.default_rng(seed), n, flat_share)
    cfg = MicrostructureConfig(
        window_bars=window,
        divergence_bars=lookback,
        event_memory_bars=3,
        at_extreme_position=share,
        heavy_volume_ratio=1.5,  # exactly a spike's ratio to a calm window
        climax_volume_ratio=2.0,
        exhaustion_move_sigma=0.5,
        small_range_ratio=1.0,
        vpin_buckets=5,
        vpin_buckets_per_day=20,
        vpin_change_buckets=2,
    )
    for i in range(max(1, n - 20), n + 1):  # the last 20 windows: events enter and leave memory
        window_bars = bars.iloc[:i]
        _assert_last_equal(latest_core(window_bars, cfg), signal_core(window_bars, cfg))


def _flat_bars(n: int) -> pd.DataFrame:
    """Close 1035 throughout (zero sigma, zero move), range 20, volume 10, balanced taker flow."""
    close = np.full(n, 1035.0)
    idx = pd.date_range("2024-01-01", periods=n, freq="1min", tz="UTC")
    return pd.DataFrame(
        {
            "open": close.copy(),
            "high": close + 10.0,
            "low": close - 10.0,
            "close": close,
            "volume": np.full(n, 10.0),
            "taker_buy_volume": np.full(n, 5.0),
        },
        index=idx,
    )


@pytest.mark.parametrize(
    ("high_ext", "low_ext", "expected"),
    [(10.0, 0.0, -1.0), (0.0, 10.0, 1.0), (0.0, 0.0, 0.0), (10.0, 10.0, 0.0)],
)
def test_latest_core_exhaustion_ties_at_zero_sigma_equal_full_path(
    high_ext: float, low_ext: float, expected: float
) -> None:
    """Zero sigma and zero move meet both move tests; the close's place in the bar decides."""
    bars = _flat_bars(120)
    last = bars.index[-1]
    bars.loc[last, ["high", "low", "volume"]] = [1035.0 + high_ext, 1035.0 - low_ext, 30.0]
    bars.loc[last, "taker_buy_volume"] = 15.0
    cfg = MicrostructureConfig()
    full = signal_core(bars, cfg)
    assert full.components["exhaustion"][-1] == expected
    _assert_last_equal(latest_core(bars, cfg), full)


def test_latest_core_absorption_close_exactly_at_the_extreme_share_equals_full_path() -> None:
    """Bullish absorption with the close at exactly 35% of the window's range counts (<=)."""
    bars = _flat_bars(120)
    bars.iloc[80, bars.columns.get_loc("high")] = 1100.0  # window range 1000..1100
    bars.iloc[90, bars.columns.get_loc("low")] = 1000.0
    last = bars.index[-1]
    bars.loc[last, ["high", "low", "volume", "taker_buy_volume"]] = [1040.0, 1030.0, 30.0, 0.0]
    cfg = MicrostructureConfig()
    full = signal_core(bars, cfg)
    assert full.components["absorption"][-1] == 1.0
    _assert_last_equal(latest_core(bars, cfg), full)


def test_latest_core_nan_volume_raises_like_the_full_path() -> None:
    bars = make_bars(300, seed=4)
    bars.iloc[10, bars.columns.get_loc("volume")] = np.nan
    with pytest.raises(DataError, match="NaN or infinite volume") as fast:
        latest_core(bars, MicrostructureConfig())
    with pytest.raises(DataError) as full:
        signal_core(bars, MicrostructureConfig())
    assert str(fast.value) == str(full.value)


def _expected(window: pd.DataFrame, cfg: MicrostructureConfig) -> dict[str, object]:
    full = signal_core(window, cfg)
    return signal_at_last(full, window, symbol="X/USDT", timeframe="1m").model_dump()


@pytest.mark.parametrize("taker", [True, False])
def test_latest_signal_real_consecutive_windows_equal_signal_from_full_core(taker: bool) -> None:
    bars = load_shared_bars(BTC)
    bars = bars if taker else bars.drop(columns=["taker_buy_volume"])
    cfg = MicrostructureConfig()
    for end in range(3000, 3150):
        window = bars.iloc[end - 1000 : end]
        got = latest_signal(window, cfg, symbol="X/USDT", timeframe="1m").model_dump()
        assert got == _expected(window, cfg)


class _Market:
    def __init__(self) -> None:
        self.frame = pd.DataFrame()

    def bars(self, symbol: str, timeframe: str) -> pd.DataFrame:
        return self.frame


@pytest.mark.parametrize("taker", [True, False])
def test_agent_analyze_without_features_equals_full_computation_field_for_field(
    tmp_path: Path, taker: bool
) -> None:
    """The real-time workflow's call (features=false), on 5,000-bar windows with live VPIN."""
    bars = load_shared_bars(FIL)
    bars = bars if taker else bars.drop(columns=["taker_buy_volume"])
    market = _Market()
    settings = Settings(symbols=("X/USDT",))
    ctx = AgentContext(
        clock=FixedClock("2026-01-01T00:00:00Z"),
        settings=settings,
        layout=HomeLayout(tmp_path),
        market=market,
        write_state=False,
    )
    agent = MicrostructureAgent()
    for end in range(9000, 9080):
        market.frame = bars.iloc[end - 5000 : end]
        params = {"symbol": "X/USDT", "features": False, "bar": str(bars.index[end - 1])}
        res = agent.handle(
            Task(task_id="T", agent=agent.name, action="analyze", params=params), ctx
        )
        entry = res.model_dump()["symbols"]["X/USDT"]  # type: ignore[index]
        assert entry == {
            "signal": _expected(market.frame, settings.microstructure),
            "inputs": ["taker_flow" if taker else "bvc"],
            "flow_method": "taker" if taker else "bvc",
            "bars_used": 5000,
            "features": {},
        }
