"""The microstructure signal: latest equals the frame's last row, scoring behaves as documented."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import load_shared_bars, make_bars
from tradequorum.config.microstructure import MicrostructureConfig
from tradequorum.core.errors import DataError
from tradequorum.core.types import Direction
from tradequorum.microstructure.signals import (
    SIGNAL_COLUMNS,
    compute_signal_frame,
    latest_signal,
    signal_core,
)

BTC = "binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv"
FAST = MicrostructureConfig(vpin_buckets=20, vpin_buckets_per_day=400, rvol_days=1)


@pytest.mark.parametrize("cut", [300, 1500, 2900, 4320])
def test_latest_signal_equals_last_row_of_signal_frame(cut: int) -> None:
    bars = load_shared_bars(BTC).iloc[:cut]
    frame = compute_signal_frame(bars, FAST)
    sig = latest_signal(bars, FAST, symbol="BTC/USDT", timeframe="1m")
    last = frame.iloc[-1]
    assert sig.direction.sign == last["direction"]
    assert sig.confidence == last["confidence"]
    assert sig.timestamp == bars.index[-1]
    if sig.direction is Direction.NEUTRAL:
        assert sig.stop is None and sig.targets is None and sig.suggested_entry is None
    else:
        assert sig.stop == last["stop"] and sig.targets == [last["target"]]
        assert sig.suggested_entry == (last["entry_lo"], last["entry_hi"])
    assert sig.source == "microstructure"
    kinds = {e.kind for e in sig.evidence}
    assert {"order_flow", "vpin", "score"} <= kinds


def test_signal_frame_columns_float64_and_levels_consistent() -> None:
    bars = load_shared_bars(BTC)
    frame = compute_signal_frame(bars, FAST)
    assert tuple(frame.columns) == SIGNAL_COLUMNS
    assert (frame.dtypes == np.float64).all()
    assert set(np.unique(frame["direction"])) <= {-1.0, 0.0, 1.0}
    assert frame["confidence"].between(0, 1).all()
    assert (frame.loc[frame.direction == 0, "confidence"] == 0).all()
    longs = frame[frame.direction == 1].dropna()
    shorts = frame[frame.direction == -1].dropna()
    assert len(longs) > 100 and len(shorts) > 100
    assert (longs.stop < longs.entry_lo).all() and (longs.entry_hi < longs.target).all()
    assert (shorts.stop > shorts.entry_hi).all() and (shorts.entry_lo > shorts.target).all()


def test_signal_strong_buying_with_absorption_at_lows_is_confident_bullish() -> None:
    bars = make_bars(300, seed=3)
    n = len(bars)
    bars["taker_buy_volume"] = bars["volume"] * 0.5
    # a decline into a low, then heavy selling absorbed on a tight bar, then persistent buying
    base = 30000.0 * np.exp(np.r_[np.linspace(0, -0.02, 270), np.full(30, -0.02)])
    bars["open"] = np.r_[base[0], base[:-1]]
    bars["close"] = base
    bars["high"] = np.maximum(bars["open"], bars["close"]) * 1.0005
    bars["low"] = np.minimum(bars["open"], bars["close"]) * 0.9995
    k = n - 3
    bars.iloc[k, bars.columns.get_loc("volume")] = bars["volume"].iloc[k - 60 : k].mean() * 4
    bars.iloc[k, bars.columns.get_loc("open")] = bars["close"].iat[k] * 0.99995
    bars.iloc[k, bars.columns.get_loc("high")] = bars["close"].iat[k] * 1.0001
    bars.iloc[k, bars.columns.get_loc("low")] = bars["close"].iat[k] * 0.9999
    bars.iloc[k, bars.columns.get_loc("taker_buy_volume")] = bars["volume"].iat[k] * 0.2
    bars.iloc[-60:, bars.columns.get_loc("taker_buy_volume")] = bars["volume"].iloc[-60:] * 0.7
    bars.iloc[k, bars.columns.get_loc("taker_buy_volume")] = bars["volume"].iat[k] * 0.2
    core = signal_core(bars, MicrostructureConfig())
    assert core.components["absorption"][-1] == 1.0
    assert core.components["flow"][-1] > 0.5
    sig = latest_signal(bars, MicrostructureConfig(), symbol="BTC/USDT", timeframe="1m")
    assert sig.direction is Direction.BULLISH
    assert sig.confidence > 0.5
    assert any(e.kind == "absorption" for e in sig.evidence)


def test_signal_rising_vpin_cuts_confidence_by_the_configured_penalty() -> None:
    bars = load_shared_bars(BTC)
    cfg = FAST
    core = signal_core(bars, cfg)
    rising = np.nan_to_num(core.vpin_change) > 0
    live = core.levels["direction"] != 0
    sel = rising & live
    assert sel.sum() > 0
    np.testing.assert_allclose(
        core.levels["confidence"][sel],
        np.abs(core.score[sel]) * (1 - cfg.vpin_rising_penalty),
    )


def test_signal_all_weights_zero_raises_data_error() -> None:
    cfg = MicrostructureConfig(w_flow=0, w_absorption=0, w_divergence=0, w_exhaustion=0)
    with pytest.raises(DataError, match="weights"):
        compute_signal_frame(make_bars(100), cfg)


def test_latest_signal_empty_bars_raises_data_error() -> None:
    with pytest.raises(DataError):
        latest_signal(make_bars(10).iloc[:0], FAST, symbol="BTC/USDT", timeframe="1m")


def test_signal_without_taker_flow_uses_bvc_and_says_so() -> None:
    bars = load_shared_bars(BTC).drop(columns=["taker_buy_volume"])
    sig = latest_signal(bars, FAST, symbol="BTC/USDT", timeframe="1m")
    flow = next(e for e in sig.evidence if e.kind == "order_flow")
    assert (flow.model_extra or {})["method"] == "bvc"
    assert isinstance(pd.Timestamp(sig.timestamp), pd.Timestamp)
