from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import load_shared_bars
from tradequorum.config import ConsensusConfig
from tradequorum.consensus import FRAME_COLUMNS, evaluate_frame
from tradequorum.core.causality import audit_lookahead, audit_repaint
from tradequorum.core.errors import DataError

CFG = ConsensusConfig()
IDX = pd.date_range("2024-01-01", periods=3, freq="1min", tz="UTC")


def frame(direction: list[float], confidence: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"direction": direction, "confidence": confidence}, index=IDX)


def test_evaluate_frame_seed_rows_match_hand_values() -> None:
    out = evaluate_frame(
        {
            "smc": frame([1, 1, 1], [0.8, 0.8, 0.8]),
            "ml_model": frame([1, -1, np.nan], [0.7, 0.7, np.nan]),
            "microstructure": frame([0, 0, 0], [np.nan, np.nan, np.nan]),
        },
        CFG,
    )
    assert tuple(out.columns) == FRAME_COLUMNS
    assert out["outcome"].tolist() == ["bullish", "no_consensus", "insufficient"]
    assert out["tier"].tolist() == ["A", "D", "D"]
    assert out["conviction"].iloc[0] == pytest.approx(0.56, abs=1e-12)
    assert out["strength"].iloc[1] == pytest.approx(0.5, abs=1e-12)
    assert out["direction"].tolist() == [1.0, 0.0, 0.0]


def test_evaluate_frame_missing_required_frame_is_insufficient_everywhere() -> None:
    out = evaluate_frame({"smc": frame([1, 1, 1], [1, 1, 1])}, CFG)
    assert (out["outcome"] == "insufficient").all() and not out["tradeable"].any()


def test_evaluate_frame_unknown_direction_raises_data_error() -> None:
    with pytest.raises(DataError, match="direction must be -1, 0 or \\+1"):
        evaluate_frame({"smc": frame([1, 2, 1], [1, 1, 1])}, CFG)


def test_evaluate_frame_nan_confidence_on_directional_row_raises_data_error() -> None:
    with pytest.raises(DataError, match="confidence"):
        evaluate_frame({"smc": frame([1, -1, 1], [1, np.nan, 1])}, CFG)


def test_evaluate_frame_naive_index_raises_data_error() -> None:
    bad = frame([1, 1, 1], [1, 1, 1]).tz_localize(None)
    with pytest.raises(DataError, match="tz-aware"):
        evaluate_frame({"smc": bad}, CFG)


def test_evaluate_frame_inputs_not_mutated() -> None:
    smc = frame([1, 1, 1], [0.8, 0.8, 0.8])
    before = smc.copy()
    evaluate_frame({"smc": smc, "ml_model": frame([1, 0, -1], [0.5, 0.5, 0.5])}, CFG)
    pd.testing.assert_frame_equal(smc, before)


def test_evaluate_frame_flags_series_escalates_model_conflicts() -> None:
    frames = {
        "smc": frame([-1, -1, -1], [0.3] * 3),
        "ml_model": frame([1, 1, 1], [0.9] * 3),
        "microstructure": frame([1, 1, 1], [0.9] * 3),
    }
    news = pd.Series([False, True, False], index=IDX)
    out = evaluate_frame(frames, CFG, news=news)
    assert out["resolution"].tolist() == [
        "defer_to_model",
        "escalate_model_vs_discretionary",
        "defer_to_model",
    ]
    assert out["escalate"].tolist() == [False, True, False]


def _momentum_frames(bars: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Three causal toy voters built from real bars (past returns only)."""
    close = bars["close"]
    out = {}
    for name, span in (("smc", 5), ("ml_model", 15), ("microstructure", 30)):
        ret = close.pct_change(span)
        scale = ret.abs().rolling(100, min_periods=1).max()
        out[name] = pd.DataFrame(
            {"direction": np.sign(ret), "confidence": (ret.abs() / scale).clip(0, 1)},
            index=bars.index,
        )
    return out


def test_evaluate_frame_on_real_bars_passes_lookahead_and_repaint_audits() -> None:
    bars = load_shared_bars("binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv", nrows=600)

    def fn(b: pd.DataFrame) -> pd.DataFrame:
        return evaluate_frame(_momentum_frames(b), CFG)

    audit_lookahead(fn, bars, name="consensus").raise_if_failed()
    audit_repaint(fn, bars, name="consensus", start=560).raise_if_failed()
    assert (fn(bars)["tier"] != "D").any()
