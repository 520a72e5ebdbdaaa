"""Benchmarks of the signal evaluator and the risk manager (targets checked here, not in tests).

No peer: none of the peers in ../shared/notes/peers.md has a weighted consensus or a per-order
risk manager with check records to compare against.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from tradequorum.config import ConsensusConfig, RiskConfig
from tradequorum.consensus import evaluate, evaluate_frame
from tradequorum.core.types import Signal
from tradequorum.risk import MarketInfo, OrderRequest, Position, RiskManager, RiskState
from tradequorum.risk.volatility import volatility_regime


def _best(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _per_call(fn: Callable[[], object], n: int) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def _target(value: float, target: float, unit: str) -> dict[str, object]:
    return {"value": round(value, 6), "target": target, "unit": unit, "passed": value <= target}


def _frames(n: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(0)
    idx = pd.date_range("2020-01-01", periods=n, freq="1min", tz="UTC")
    out = {}
    for name in ("smc", "ml_model", "microstructure"):
        d = rng.choice([-1.0, 0.0, 1.0, np.nan], size=n, p=[0.3, 0.3, 0.35, 0.05])
        out[name] = pd.DataFrame({"direction": d, "confidence": rng.uniform(0, 1, n)}, index=idx)
    return out


def run() -> dict[str, object]:
    ccfg, rcfg = ConsensusConfig(), RiskConfig()
    frames = _frames(1_000_000)
    t_frame = _best(lambda: evaluate_frame(frames, ccfg))
    ts = pd.Timestamp("2024-01-01", tz="UTC")
    sigs = {
        s: Signal(
            source=s, symbol="BTC/USDT", timeframe="1m", timestamp=ts, direction=d, confidence=c
        )
        for s, d, c in (
            ("smc", "bullish", 0.8),
            ("ml_model", "bullish", 0.7),
            ("microstructure", "bearish", 0.3),
        )
    }
    t_eval = _per_call(lambda: evaluate(sigs, ccfg), 500)
    rm = RiskManager(rcfg)
    positions = {
        f"S{i}/USDT": Position(symbol=f"S{i}/USDT", units=10.0, price=100.0) for i in range(4)
    }
    state = RiskState.fresh(100_000.0).model_copy(update={"positions": positions})
    order = OrderRequest(symbol="BTC/USDT", direction="bullish", tier="A")
    market = MarketInfo(price=50_000.0, atr=100.0, correlations={s: 0.5 for s in positions})
    t_assess = _per_call(lambda: rm.assess(order, state, market), 500)
    idx = pd.date_range("2024-01-01", periods=5000, freq="1min", tz="UTC")
    close = 30_000 * np.exp(np.cumsum(np.random.default_rng(1).normal(0, 1e-3, 5000)))
    bars = pd.DataFrame(
        {"open": close, "high": close * 1.001, "low": close * 0.999, "close": close, "volume": 1.0},
        index=idx,
    )
    t_regime = _best(lambda: volatility_regime(bars, window_bars=1440))
    return {
        "evaluate_frame_1M_bars_3_sources": _target(t_frame, 1.0, "s"),
        "evaluate_frame_throughput": {"value": round(1e6 / t_frame), "unit": "bars/s"},
        "evaluate_one_bar": _target(t_eval * 1e3, 2.0, "ms"),
        "risk_assess_one_order_4_positions": _target(t_assess * 1e3, 2.0, "ms"),
        "volatility_regime_5000_bars": _target(t_regime * 1e3, 50.0, "ms"),
        "peer": "none: no peer ships a weighted consensus or per-order check records",
    }
