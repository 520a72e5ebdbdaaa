from __future__ import annotations

import pandas as pd

from tests.conftest import make_bars
from tradequorum.core.causality import audit_lookahead, audit_recursive, audit_repaint


def causal_sma(bars: pd.DataFrame) -> pd.DataFrame:
    return bars["close"].rolling(10).mean().to_frame("sma")


def leaky_centered(bars: pd.DataFrame) -> pd.DataFrame:
    return bars["close"].rolling(5, center=True).mean().to_frame("centered")


def full_history_norm(bars: pd.DataFrame) -> pd.DataFrame:
    return (bars["close"] - bars["close"].mean()).to_frame("demeaned")


def test_lookahead_audit_causal_feature_passes() -> None:
    report = audit_lookahead(causal_sma, make_bars(300), name="sma")
    assert report.passed, report.summary()
    assert report.comparisons > 0


def test_lookahead_audit_centered_window_fails_with_first_bar() -> None:
    report = audit_lookahead(leaky_centered, make_bars(300), name="centered")
    assert not report.passed
    assert report.first is not None and report.first.column == "centered"


def test_recursive_audit_ewm_without_warmup_fails_and_sma_passes() -> None:
    bars = make_bars(600)
    ewm = lambda b: b["close"].ewm(span=50, adjust=False).mean().to_frame("ewm")  # noqa: E731
    assert audit_recursive(causal_sma, bars, warmup=10).passed
    assert not audit_recursive(ewm, bars, warmup=5).passed


def test_repaint_audit_counts_rewritten_values() -> None:
    bars = make_bars(200)
    assert audit_repaint(causal_sma, bars, start=150).passed
    report = audit_repaint(full_history_norm, bars, start=150)
    assert not report.passed and report.differing_values > 0
