"""The SMC signal contract: frame columns, latest == last row exactly, levels, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import load_shared_bars
from tests.unit.smc.helpers import bars_from
from tradequorum.config.smc import SmcConfig, SmcWeights
from tradequorum.core.errors import DataError
from tradequorum.core.types import Direction
from tradequorum.smc import compute_signal_frame, latest_signal

BTC = "binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv"
COLS = ["direction", "confidence", "stop", "entry_lo", "entry_hi", "target"]


@pytest.fixture(scope="module")
def btc() -> pd.DataFrame:
    return load_shared_bars(BTC)


@pytest.fixture(scope="module")
def frame(btc: pd.DataFrame) -> pd.DataFrame:
    return compute_signal_frame(btc, SmcConfig(), timeframe="1m")


def test_signal_frame_has_contract_columns_on_the_bars_index(
    btc: pd.DataFrame, frame: pd.DataFrame
) -> None:
    assert list(frame.columns) == COLS
    assert frame.index.equals(btc.index)
    assert all(frame[c].dtype == np.float64 for c in COLS)
    assert set(np.unique(frame["direction"])) == {-1.0, 0.0, 1.0}
    assert frame["confidence"].between(0, 1).all()


def test_signal_levels_sit_on_the_right_side(frame: pd.DataFrame) -> None:
    bull = frame[frame["direction"] == 1]
    bear = frame[frame["direction"] == -1]
    assert (bull["stop"] < bull["entry_lo"]).all() and (bull["entry_lo"] <= bull["entry_hi"]).all()
    assert (bear["stop"] > bear["entry_hi"]).all() and (bear["entry_lo"] <= bear["entry_hi"]).all()
    neutral = frame[frame["direction"] == 0]
    assert neutral[["stop", "entry_lo", "entry_hi", "target"]].isna().all().all()


@pytest.mark.parametrize("cut", [1500, 2777, 3456, 4320])
def test_latest_signal_equals_last_row_of_the_frame_exactly(btc: pd.DataFrame, cut: int) -> None:
    bars = btc.iloc[:cut]
    row = compute_signal_frame(bars, SmcConfig(), timeframe="1m").iloc[-1]
    sig = latest_signal(bars, SmcConfig(), symbol="BTC/USDT", timeframe="1m")
    assert sig.direction == Direction.from_sign(row["direction"])
    assert sig.confidence == row["confidence"]
    assert sig.timestamp == bars.index[-1]
    if row["direction"] != 0:
        assert sig.stop == row["stop"]
        assert sig.suggested_entry == (row["entry_lo"], row["entry_hi"])
        assert sig.targets == ([row["target"]] if np.isfinite(row["target"]) else None)
        kinds = {e.kind for e in sig.evidence}
        assert {"htf_bias", "premium_discount", "liquidity"} <= kinds
        assert kinds & {"choch", "bos"}
    else:
        assert sig.stop is None and sig.suggested_entry is None


def test_latest_signal_matches_frame_on_every_directional_bar_sampled(
    btc: pd.DataFrame, frame: pd.DataFrame
) -> None:
    hits = np.flatnonzero(frame["direction"].to_numpy() != 0)
    for t in hits[:: max(1, len(hits) // 6)][:6]:
        sig = latest_signal(btc.iloc[: t + 1], SmcConfig(), symbol="BTC/USDT", timeframe="1m")
        assert sig.direction.sign == frame["direction"].iloc[t]
        assert sig.stop == frame["stop"].iloc[t]


def test_signal_min_confidence_one_gives_only_full_confluence(btc: pd.DataFrame) -> None:
    fr = compute_signal_frame(btc, SmcConfig(min_confidence=1.0), timeframe="1m")
    assert (fr.loc[fr["direction"] != 0, "confidence"] == 1.0).all()


def test_signal_weights_change_the_score(btc: pd.DataFrame, frame: pd.DataFrame) -> None:
    cfg = SmcConfig(weights=SmcWeights(htf_bias=0.0))
    other = compute_signal_frame(btc, cfg, timeframe="1m")
    assert not other["confidence"].equals(frame["confidence"])


def test_signal_too_few_bars_raise_data_error() -> None:
    with pytest.raises(DataError, match="at least 3"):
        compute_signal_frame(bars_from([(1, 2, 0.5, 1.5), (1.5, 2, 1, 1.2)]))


def test_signal_flat_prices_are_neutral() -> None:
    fr = compute_signal_frame(bars_from([(5, 5, 5, 5)] * 200), timeframe="1m")
    assert (fr["direction"] == 0).all()


def test_signal_nan_input_raises_data_error(btc: pd.DataFrame) -> None:
    bars = btc.iloc[:100].copy()
    bars.iloc[50, 3] = np.nan
    with pytest.raises(DataError):
        latest_signal(bars, symbol="BTC/USDT", timeframe="1m")
