from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from tests.conftest import make_bars
from tradequorum.backtest.engine import EngineSettings, run_backtest
from tradequorum.config.coordinator import ExecutionConfig
from tradequorum.core.errors import ConfigError, OrderRejected, StateCorrupted
from tradequorum.execution import CcxtBroker, Order, PaperBroker


def _order(
    n: int,
    direction: int = 1,
    approval: str | None = "APR-1",
    stop: float | None = None,
    quantity: float = 1.0,
) -> Order:
    return Order(
        client_order_id=f"TQ-DEC-20240101-{n:03d}-0",
        decision_id=f"DEC-20240101-{n:03d}",
        approval_id=approval,
        symbol="BTC/USDT",
        side="buy" if direction > 0 else "sell",
        direction=direction,
        quantity=quantity,
        stop=stop,
        scale=1.0,
        bar="2024-01-01T00:00:00+00:00",
    )


def test_paper_submit_without_approval_is_refused() -> None:
    broker = PaperBroker(["BTC/USDT"], EngineSettings())
    with pytest.raises(OrderRejected, match="no risk approval"):
        broker.submit(_order(1, approval=None))


def test_paper_submit_same_client_id_twice_sends_once() -> None:
    broker = PaperBroker(["BTC/USDT"], EngineSettings())
    assert broker.submit(_order(1))
    assert not broker.submit(_order(1))


def test_paper_fills_equal_engine_on_same_orders() -> None:
    bars = make_bars(300, seed=5)
    rng = np.random.default_rng(1)
    sig = np.where(rng.random(len(bars)) < 0.05, rng.choice([-1.0, 1.0], len(bars)), np.nan)
    import pandas as pd

    # approved sizes: some bind (below the formula's <= 0.86 units: 25% notional), some do not
    caps = np.where(rng.random(len(bars)) < 0.5, rng.uniform(0.05, 0.5, len(bars)), 1e6)
    frame = pd.DataFrame({"direction": sig, "scale": 1.0, "max_units": caps}, index=bars.index)
    settings = EngineSettings()
    expected = run_backtest(bars, frame, settings)
    broker = PaperBroker(["BTC/USDT"], settings)
    positions, equity = [], []
    for t, (ts, row) in enumerate(bars.iterrows()):
        broker.process_bar(
            ts.isoformat(), {"BTC/USDT": (row["open"], row["high"], row["low"], row["close"])}
        )
        positions.append(broker.position("BTC/USDT"))
        equity.append(broker.equity)
        if math.isfinite(sig[t]):
            broker.submit(_order(t, int(sig[t]), quantity=float(caps[t])))
    held = np.abs(expected.positions[:, 0])
    assert ((held > 0) & (held <= 0.5)).any() and (held > 0.5).any(), "caps bind and not"
    np.testing.assert_array_equal(positions, expected.positions[:, 0])
    np.testing.assert_array_equal(equity, expected.equity)


def test_paper_snapshot_round_trip_resumes_identically() -> None:
    bars = make_bars(120, seed=2)
    rows = [
        (ts.isoformat(), (r["open"], r["high"], r["low"], r["close"])) for ts, r in bars.iterrows()
    ]
    a = PaperBroker(["BTC/USDT"], EngineSettings())
    for i, (ts, ohlc) in enumerate(rows[:60]):
        a.process_bar(ts, {"BTC/USDT": ohlc})
        if i == 30:
            a.submit(_order(i, 1))
    b = PaperBroker(["BTC/USDT"], EngineSettings())
    b.restore(a.snapshot())
    for ts, ohlc in rows[60:]:
        a.process_bar(ts, {"BTC/USDT": ohlc})
        b.process_bar(ts, {"BTC/USDT": ohlc})
    assert a.snapshot() == b.snapshot()


def test_paper_restore_garbage_raises_state_corrupted() -> None:
    broker = PaperBroker(["BTC/USDT"], EngineSettings())
    with pytest.raises(StateCorrupted):
        broker.restore({"symbols": ["BTC/USDT"], "state": "nonsense"})


def test_ccxt_broker_refuses_without_opt_in() -> None:
    with pytest.raises(ConfigError, match="live_trading_opt_in"):
        CcxtBroker("binance", ExecutionConfig())


def test_ccxt_broker_refuses_without_env_keys() -> None:
    with pytest.raises(ConfigError, match="API_KEY"):
        CcxtBroker("binance", ExecutionConfig(live_trading_opt_in=True))


def test_paper_submit_entry_without_approved_quantity_is_refused() -> None:
    broker = PaperBroker(["BTC/USDT"], EngineSettings())
    for q in (0.0, math.inf):
        with pytest.raises(OrderRejected, match="no approved quantity"):
            broker.submit(_order(1, quantity=q))
    assert broker.pending == {}


@hyp_settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    quantity=st.floats(1e-6, 5.0, allow_nan=False, allow_infinity=False),
    direction=st.sampled_from([-1, 1]),
)
def test_paper_never_fills_more_than_the_approved_quantity(
    seed: int, quantity: float, direction: int
) -> None:
    bars = make_bars(40, seed=seed)
    broker = PaperBroker(["BTC/USDT"], EngineSettings())
    fills = []
    for t, (ts, row) in enumerate(bars.iterrows()):
        ohlc = (row["open"], row["high"], row["low"], row["close"])
        fills += broker.process_bar(ts.isoformat(), {"BTC/USDT": ohlc})
        assert abs(broker.position("BTC/USDT")) <= quantity
        if t % 7 == 3:  # alternate entries; a flip closes, then opens at most ``quantity``
            broker.submit(_order(t, direction if t % 14 == 3 else -direction, quantity=quantity))
    entries = [f for f in fills if f.reason == "entry"]
    assert entries, "the scenario must enter"
    for f in entries:
        assert f.quantity <= 2 * quantity  # a flip fill = closing <= q plus opening <= q
