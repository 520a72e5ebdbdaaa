"""Simulator: seeded, valid bars, volatility clustering, volume/taker flow tied to returns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradequorum.core.bars import ensure_bars
from tradequorum.core.errors import DataError
from tradequorum.data.quality import validate_bars
from tradequorum.data.simulator import SimulatorParams, simulate_bars, simulate_market


def _returns(n: int, **kw: float) -> np.ndarray:
    bars = simulate_bars(n, seed=11, params=SimulatorParams(**kw))  # type: ignore[arg-type]
    return np.diff(np.log(bars["close"].to_numpy()))


def test_simulate_bars_same_seed_same_bars_other_seed_differs() -> None:
    a, b, c = simulate_bars(2000, seed=3), simulate_bars(2000, seed=3), simulate_bars(2000, seed=4)
    assert a.equals(b) and not a.equals(c)


def test_simulate_bars_pass_every_quality_rule() -> None:
    bars = simulate_bars(50_000, seed=5)
    ensure_bars(bars)
    report = validate_bars(bars, timeframe="1m").report
    assert report.passed and report.gaps == 0
    assert bars.attrs["synthetic"] is True


def test_simulate_bars_absolute_returns_cluster_but_returns_do_not() -> None:
    r = _returns(100_000)
    a = np.abs(r)
    assert np.corrcoef(a[1:], a[:-1])[0, 1] > 0.1
    assert abs(np.corrcoef(r[1:], r[:-1])[0, 1]) < 0.02


def test_simulate_bars_planted_signal_makes_returns_predictable() -> None:
    r = _returns(100_000, planted_signal=0.3)
    assert np.corrcoef(r[1:], r[:-1])[0, 1] > 0.1


def test_simulate_bars_volume_and_taker_share_follow_returns() -> None:
    bars = simulate_bars(50_000, seed=9)
    r = np.diff(np.log(bars["close"].to_numpy()))
    vol = bars["volume"].to_numpy()[1:]
    share = (bars["taker_buy_volume"] / bars["volume"]).to_numpy()[1:]
    assert np.corrcoef(vol, np.abs(r))[0, 1] > 0.2
    assert np.corrcoef(share, r)[0, 1] > 0.3


def test_simulate_market_visits_every_regime() -> None:
    market = simulate_market(60_000, seed=2)
    assert set(np.unique(market.regimes)) == {0, 1, 2}


def test_simulate_bars_gaps_are_reported_by_quality() -> None:
    bars = simulate_bars(20_000, seed=1, params=SimulatorParams(gap_probability=0.002))
    report = validate_bars(bars, timeframe="1m").report
    assert len(bars) < 20_000 and report.gaps > 0 and report.passed


@pytest.mark.parametrize("kw", [{"garch_alpha": 0.5, "garch_beta": 0.6}])
def test_simulate_bars_non_stationary_garch_raises(kw: dict[str, float]) -> None:
    with pytest.raises(DataError):
        simulate_bars(10, params=SimulatorParams(**kw))  # type: ignore[arg-type]


def test_simulate_bars_zero_bars_raises() -> None:
    with pytest.raises(DataError):
        simulate_bars(0)


def _flow_vs_forward(bars: pd.DataFrame, window: int = 30) -> float:
    """Correlation of the trailing taker imbalance with the next ``window`` bars' log return."""
    v, tb = bars["volume"].to_numpy(), bars["taker_buy_volume"].to_numpy()
    ones = np.ones(window)
    imb = np.convolve(2 * tb - v, ones, "valid") / np.convolve(v, ones, "valid")
    c = np.log(bars["close"].to_numpy())
    fwd = c[2 * window - 1 :] - c[window - 1 : -window]
    return float(np.corrcoef(imb[:-window], fwd)[0, 1])


def test_simulate_bars_flow_drift_off_leaves_bars_unchanged() -> None:
    base = simulate_bars(5000, seed=4, params=SimulatorParams(planted_signal=0.3))
    same = simulate_bars(
        5000, seed=4, params=SimulatorParams(planted_signal=0.3, flow_taker_share=0.5)
    )
    assert base.equals(same)


def test_simulate_bars_flow_drift_is_announced_by_taker_flow_over_the_horizon() -> None:
    on = simulate_bars(20_000, seed=6, params=SimulatorParams(flow_drift=0.2))
    off = simulate_bars(20_000, seed=6)
    assert _flow_vs_forward(on) > 0.2
    assert abs(_flow_vs_forward(off)) < 0.05
    # one-bar returns stay (nearly) unpredictable from the last return: the effect is slow
    r = np.diff(np.log(on["close"].to_numpy()))
    assert abs(np.corrcoef(r[1:], r[:-1])[0, 1]) < 0.1


def test_simulate_bars_flow_bars_below_one_raises() -> None:
    with pytest.raises(DataError, match="flow_bars"):
        simulate_bars(100, params=SimulatorParams(flow_drift=0.1, flow_bars=0.5))
