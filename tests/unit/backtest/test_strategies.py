"""Built-in strategy and indicators: causal on real data (look-ahead, recursive, repaint)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.unit.validation.helpers import daily_bars
from tradequorum.backtest import EngineSettings, get_strategy, run_backtest, sma, wilder_atr
from tradequorum.core.causality import audit_lookahead, audit_recursive, audit_repaint
from tradequorum.core.errors import ConfigError

PARAMS = {"fast": 10, "slow": 30, "atr_stop": 2.0}


def _signals(bars: pd.DataFrame) -> pd.DataFrame:
    return get_strategy("sma_cross").signals(bars, PARAMS)


def _backtest_frame(bars: pd.DataFrame) -> pd.DataFrame:
    res = run_backtest(bars, _signals(bars), EngineSettings())
    return pd.DataFrame(
        {"equity": res.equity, "position": res.positions[:, 0], "cash": res.cash}, index=bars.index
    )


def test_sma_cross_signals_pass_lookahead_audit_on_real_daily_data() -> None:
    bars = daily_bars(last=800)
    audit_lookahead(_signals, bars, name="sma_cross", n_points=25, min_bars=40).raise_if_failed()


def test_sma_cross_signals_pass_recursive_audit_on_real_daily_data() -> None:
    bars = daily_bars(last=1500)
    audit_recursive(_signals, bars, warmup=400, name="sma_cross").raise_if_failed()


def test_sma_cross_signals_pass_repaint_audit_on_real_daily_data() -> None:
    bars = daily_bars(last=300)
    audit_repaint(_signals, bars, name="sma_cross", start=200).raise_if_failed()


def test_backtest_equity_and_positions_pass_lookahead_and_repaint_audits() -> None:
    bars = daily_bars(last=600)
    audit_lookahead(_backtest_frame, bars, name="backtest", n_points=20).raise_if_failed()
    audit_repaint(_backtest_frame, bars, name="backtest", start=520).raise_if_failed()


def test_sma_matches_pandas_rolling_mean() -> None:
    x = daily_bars(last=500)["close"].to_numpy()
    np.testing.assert_allclose(sma(x, 20), pd.Series(x).rolling(20).mean().to_numpy(), rtol=1e-12)


def test_wilder_atr_seed_and_recursion_hand_computed() -> None:
    high, low = np.array([11.0, 12.0, 13.0]), np.array([9.0, 10.0, 10.0])
    close = np.array([10.0, 11.0, 12.0])
    atr = wilder_atr(high, low, close, 2)
    assert np.isnan(atr[0]) and atr[1] == 2.0 and atr[2] == pytest.approx(2.0 + (3.0 - 2.0) / 2)


def test_sma_cross_long_only_never_shorts_and_stop_is_below_close() -> None:
    bars = daily_bars(last=400)
    sig = get_strategy("sma_cross").signals(bars, {**PARAMS, "long_only": True})
    assert (sig["direction"].dropna() >= 0).all()
    longs = sig["direction"] == 1
    assert (sig.loc[longs, "stop"] < bars.loc[longs, "close"]).all()


@pytest.mark.parametrize("params", [{"fast": 30, "slow": 10}, {"nope": 1}])
def test_sma_cross_bad_params_raise_config_error(params: dict[str, int]) -> None:
    with pytest.raises(ConfigError):
        get_strategy("sma_cross").signals(daily_bars(last=100), params)


def test_get_strategy_unknown_name_lists_known() -> None:
    with pytest.raises(ConfigError, match="sma_cross"):
        get_strategy("nope")


def test_analyst_strategy_smc_backtests_with_neutral_rows_holding() -> None:
    pytest.importorskip("tradequorum.smc.signals")
    from tradequorum.backtest import strategy_settings

    strat = get_strategy("smc")
    bars = daily_bars(last=600)
    sig = strat.signals(bars, {"swing_length": 5})
    assert list(sig.columns) == ["direction", "stop", "target"]
    s = strategy_settings(strat, EngineSettings())
    assert s.neutral_exits is False
    assert strategy_settings(get_strategy("sma_cross"), EngineSettings()).neutral_exits is True
    res = run_backtest(bars, sig, s)
    assert len(res.trades) > 0


def test_analyst_strategy_bad_parameter_raises_a_config_error() -> None:
    pytest.importorskip("tradequorum.smc.signals")
    with pytest.raises(ConfigError):
        get_strategy("smc").signals(daily_bars(last=100), {"swing_length": 0})
