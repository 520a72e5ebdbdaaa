from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.conftest import load_shared_bars
from tradequorum.config import RiskConfig
from tradequorum.core.causality import audit_lookahead, audit_recursive, audit_repaint
from tradequorum.core.errors import DataError, StateCorrupted
from tradequorum.core.types import TradingState
from tradequorum.risk import (
    RiskState,
    compute_atr,
    daily_correlation,
    load_risk_state,
    resume,
    save_risk_state,
    update_equity,
    volatility_regime,
)
from tradequorum.risk.daily import daily_risk_update
from tradequorum.risk.volatility import annualized_volatility

CFG = RiskConfig()
T0 = pd.Timestamp("2024-01-01 00:00", tz="UTC")  # a Monday


def test_update_equity_rolls_day_and_tracks_pnl() -> None:
    s = update_equity(RiskState.fresh(100_000.0), 100_000.0, T0, CFG)
    s = update_equity(s, 99_000.0, T0 + pd.Timedelta(hours=5), CFG)
    assert s.daily_pnl == -1_000.0 and s.daily_loss == pytest.approx(0.01)
    s = update_equity(s, 99_500.0, T0 + pd.Timedelta(days=1, hours=1), CFG)
    assert s.day_start_equity == 99_000.0 and s.daily_pnl == 500.0
    assert s.weekly_pnl == -500.0


def test_update_equity_daily_loss_limit_sets_reducing() -> None:
    s = update_equity(RiskState.fresh(100_000.0), 100_000.0, T0, CFG)
    s = update_equity(s, 97_900.0, T0 + pd.Timedelta(hours=1), CFG)
    assert s.trading_state is TradingState.REDUCING
    s = update_equity(s, 97_900.0, T0 + pd.Timedelta(days=1), CFG)
    assert s.trading_state is TradingState.ACTIVE  # new day, weekly drawdown 2.1% < 5%


def test_kill_switch_latches_and_stays_latched_until_resume() -> None:
    s = update_equity(RiskState.fresh(100_000.0), 100_000.0, T0, CFG)
    s = update_equity(s, 84_000.0, T0 + pd.Timedelta(days=1), CFG)
    assert s.kill_switch.latched and s.trading_state is TradingState.HALTED
    assert "16.00%" in (s.kill_switch.reason or "")
    s = update_equity(s, 120_000.0, T0 + pd.Timedelta(days=20), CFG)
    assert s.kill_switch.latched and s.trading_state is TradingState.HALTED
    r = resume(s, T0 + pd.Timedelta(days=21), CFG, by="operator")
    assert not r.kill_switch.latched and r.trading_state is TradingState.ACTIVE
    assert r.peak_equity == 120_000.0 and r.kill_switch.reenabled_by == "operator"


@pytest.mark.parametrize("equity", [math.nan, -1.0, 0.0, math.inf])
def test_update_equity_bad_equity_raises_data_error(equity: float) -> None:
    with pytest.raises(DataError, match="equity"):
        update_equity(RiskState.fresh(100.0), equity, T0, CFG)


def test_risk_state_round_trips_through_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "state" / "risk" / "risk_state.json"
    s = update_equity(RiskState.fresh(100_000.0), 84_000.0, T0, CFG)
    save_risk_state(path, s)
    assert load_risk_state(path, initial_equity=1.0) == s
    assert load_risk_state(tmp_path / "absent.json", initial_equity=5.0).equity == 5.0


def test_risk_state_corrupted_file_raises_state_corrupted(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "risk_state.json"
    path.write_text('{"equity": "lots"}')
    with pytest.raises(StateCorrupted):
        load_risk_state(path, initial_equity=1.0)


def test_daily_risk_update_reports_budget_and_escalates_near_weekly_limit() -> None:
    s = update_equity(RiskState.fresh(100_000.0), 100_000.0, T0, CFG)
    s = update_equity(s, 99_500.0, T0 + pd.Timedelta(hours=2), CFG)
    rep = daily_risk_update(s, CFG, T0 + pd.Timedelta(hours=2))
    assert rep.budget.daily_loss_budget == 2_000.0 and rep.budget.remaining == 1_500.0
    assert rep.budget.trades_at_full_risk == 3  # 1,500 // (99,500 * 0.5%)
    assert rep.drawdown.status == "ok" and rep.escalation is None
    s = update_equity(s, 95_800.0, T0 + pd.Timedelta(days=2), CFG)  # weekly 4.2% >= 4%
    rep = daily_risk_update(s, CFG, T0 + pd.Timedelta(days=2))
    assert rep.drawdown.status == "escalate" and rep.escalation is not None


def test_compute_atr_matches_hand_values() -> None:
    idx = pd.date_range(T0, periods=4, freq="1min")
    bars = pd.DataFrame(
        {
            "open": [10.0, 11.0, 12.0, 11.0],
            "high": [11.0, 13.0, 12.5, 11.5],
            "low": [9.0, 10.5, 11.0, 9.5],
            "close": [10.5, 12.0, 11.5, 10.0],
            "volume": [1.0] * 4,
        },
        index=idx,
    )
    # TR: 2, max(2.5, 2.5, 0)=2.5, max(1.5, .5, 1)=1.5, max(2, 0, 2)=2; seed (2+2.5)/2 = 2.25
    atr = compute_atr(bars, period=2)
    assert math.isnan(atr.iloc[0])
    assert atr.iloc[1:].tolist() == [2.25, 1.875, 1.9375]


def test_atr_and_regime_on_real_bars_pass_causality_audits() -> None:
    bars = load_shared_bars("binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv", nrows=1500)
    audit_lookahead(lambda b: compute_atr(b, period=14), bars, name="atr").raise_if_failed()
    audit_recursive(
        lambda b: compute_atr(b, period=14), bars, warmup=400, name="atr"
    ).raise_if_failed()

    def regime(b: pd.DataFrame) -> pd.DataFrame:
        return volatility_regime(b, window_bars=200)

    audit_lookahead(regime, bars, name="vol regime").raise_if_failed()
    audit_repaint(regime, bars, name="vol regime", start=1450).raise_if_failed()


def test_daily_correlation_on_real_pairs() -> None:
    btc = load_shared_bars("binance-spot-1m-btc-eth-bnb-2024-01/BTCUSDT_1min_sample.csv")
    eth = load_shared_bars("binance-spot-1m-btc-eth-bnb-2024-01/ETHUSDT_1min_sample.csv")
    corr = daily_correlation({"BTC/USDT": btc["close"], "ETH/USDT": eth["close"]})
    assert 0.3 < corr.loc["BTC/USDT", "ETH/USDT"] <= 1.0


def test_annualized_volatility_recovers_the_simulated_sigma() -> None:
    import numpy as np

    rng = np.random.default_rng(5)
    n = 20_000
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.001, n)))
    idx = pd.date_range(T0, periods=n, freq="1min")
    bars = pd.DataFrame(
        {"open": close, "high": close, "low": close, "close": close, "volume": 1.0}, index=idx
    )
    vol = annualized_volatility(bars, timeframe="1m", window_bars=n)
    assert vol == pytest.approx(0.001 * math.sqrt(365 * 1440), rel=0.02)
    assert math.isnan(annualized_volatility(bars.iloc[:10], timeframe="1m"))
