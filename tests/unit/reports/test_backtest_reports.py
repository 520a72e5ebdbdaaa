"""HTML reports are self-contained (plotly.js inline once) and show every required section."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.unit.validation.helpers import daily_bars, small_space
from tradequorum.agents.backtester import backtest_record
from tradequorum.backtest.engine import EngineSettings
from tradequorum.config.settings import Settings
from tradequorum.config.validation import WalkForwardConfig
from tradequorum.reports.backtest_report import monthly_returns, write_backtest_report
from tradequorum.reports.wfo_report import wfo_report_html
from tradequorum.validation.walk_forward import run_walk_forward

PLOTLY_JS_MARK = "plotly.js v"


def test_backtest_report_is_self_contained_with_all_sections(tmp_path: Path) -> None:
    bars = daily_bars(last=700)
    rec = backtest_record(
        bars, Settings(), strategy="sma_cross", params={}, timeframe="1d", symbol="BTC/USDT"
    )
    path = write_backtest_report(tmp_path / "r" / "bt.html", rec, bars)
    text = path.read_text()
    assert text.count(PLOTLY_JS_MARK) == 1  # plotly.js inlined once
    assert "<script src=" not in text  # nothing loaded from the network
    for heading in (
        "Equity and drawdown",
        "Trades on the price chart",
        "Monthly returns",
        "Metrics",
    ):
        assert heading in text


def test_monthly_returns_compound_to_total_return() -> None:
    bars = daily_bars(last=400)
    rec = backtest_record(
        bars, Settings(), strategy="sma_cross", params={}, timeframe="1d", symbol="BTC/USDT"
    )
    piv = monthly_returns(pd.DatetimeIndex(rec.times), np.array(rec.equity), 100_000.0)
    growth = np.nanprod(1 + piv.to_numpy())
    assert growth - 1 == pytest.approx(rec.metrics.total_return, rel=1e-9)


def test_wfo_report_shows_decision_windows_and_pbo_histogram() -> None:
    run = run_walk_forward(
        daily_bars(last=1461), small_space(), WalkForwardConfig(), EngineSettings(), timeframe="1d"
    )
    text = wfo_report_html(run.results, run.validation)
    assert text.count(PLOTLY_JS_MARK) == 1
    for s in ("decision:", "oos_sharpe", "parameter_stability", "PBO: logit distribution", "W11"):
        assert s in text
