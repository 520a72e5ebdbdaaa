"""Microstructure speed targets (issue 4), best of 3 after a warm-up call.

* every bar-based measure (``microstructure_features``: flow, CVD, divergence, VPIN, Kyle,
  Amihud, Roll, Corwin-Schultz, rvol, session and rolling profiles, absorption, exhaustion,
  institutional flags) on 1,000,000 1m bars: < 2 s (with exact taker flow, and with BVC);
* 10,000,000 trade prints into 1m time bars, and into dollar bars: < 5 s each, also from a
  DataFrame including validation (pandas groupby on the same prints is timed beside it as the
  reference);
* the latest signal on a 5,000-bar window: < 5 ms (median of 50 calls).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from tradequorum.config.microstructure import MicrostructureConfig
from tradequorum.microstructure.features import microstructure_features
from tradequorum.microstructure.signals import compute_signal_frame, latest_signal
from tradequorum.microstructure.trades import Trades, aggregate_trades


def _bars(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ret = rng.standard_t(4, n) * 0.0008
    close = 30000.0 * np.exp(np.cumsum(ret))
    open_ = np.r_[30000.0, close[:-1]]
    span = np.abs(rng.normal(0, 0.0006, n)) * close
    volume = rng.lognormal(2.0, 0.6, n)
    volume[rng.random(n) < 0.001] = 0.0
    df = pd.DataFrame(
        {
            "open": open_,
            "high": np.maximum(open_, close) + span * rng.random(n),
            "low": np.minimum(open_, close) - span * rng.random(n),
            "close": close,
            "volume": volume,
        },
        index=pd.date_range("2022-01-01", periods=n, freq="1min", tz="UTC"),
    )
    df["taker_buy_volume"] = volume * np.clip(0.5 + 20 * ret + rng.normal(0, 0.05, n), 0, 1)
    df["trades"] = np.floor(volume * 30)
    return df


def _best(fn: Callable[[], Any], repeat: int = 3) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _figure(value: float, target: float, unit: str = "s") -> dict[str, Any]:
    return {"value": round(value, 4), "target": target, "unit": unit, "passed": value < target}


def _trades(n: int) -> Trades:
    rng = np.random.default_rng(1)
    ts = np.sort(rng.integers(0, 7 * 86_400 * 10**9, n)).astype(np.int64)
    price = 30000.0 * np.exp(np.cumsum(rng.normal(0, 1e-5, n)))
    return Trades(ts, price, rng.lognormal(-4, 1.5, n), rng.random(n) < 0.5)


def _pandas_time_bars(tr: Trades) -> pd.DataFrame:
    df = pd.DataFrame(
        {"price": tr.price, "qty": tr.qty, "m": tr.buyer_is_maker},
        index=pd.to_datetime(tr.ts_ns, unit="ns", utc=True),
    )
    df["tb"] = np.where(df["m"], 0.0, df["qty"])
    g = df.groupby(df.index.floor("1min"))
    return g.agg(
        open=("price", "first"),
        high=("price", "max"),
        low=("price", "min"),
        close=("price", "last"),
        volume=("qty", "sum"),
        taker=("tb", "sum"),
    )


def _bar_figures(cfg: MicrostructureConfig) -> dict[str, Any]:
    bars = _bars(1_000_000)
    no_taker = bars.drop(columns=["taker_buy_volume"])
    out: dict[str, Any] = {
        "features_1m_bars_taker": _figure(_best(lambda: microstructure_features(bars, cfg)), 2.0),
        "features_1m_bars_bvc": _figure(_best(lambda: microstructure_features(no_taker, cfg)), 2.0),
        "signal_frame_1m_bars": _figure(_best(lambda: compute_signal_frame(bars, cfg)), 2.0),
    }
    window = bars.iloc[-5000:]
    latest_signal(window, cfg, symbol="BTC/USDT", timeframe="1m")
    calls = []
    for _ in range(50):
        t0 = time.perf_counter()
        latest_signal(window, cfg, symbol="BTC/USDT", timeframe="1m")
        calls.append(time.perf_counter() - t0)
    out["latest_signal_5000_bars_ms"] = _figure(float(np.median(calls)) * 1e3, 5.0, "ms")
    return out


def _trade_figures() -> dict[str, Any]:
    tr = _trades(10_000_000)
    out = {
        "trades_10m_time_bars": _figure(_best(lambda: aggregate_trades(tr, timeframe="1m")), 5.0),
        "trades_10m_dollar_bars": _figure(
            _best(lambda: aggregate_trades(tr, kind="dollar", size=1_000_000.0)), 5.0
        ),
    }
    frame = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(tr.ts_ns, unit="ns", utc=True),
            "price": tr.price,
            "qty": tr.qty,
            "buyer_is_maker": tr.buyer_is_maker,
        }
    )
    out["trades_10m_frame_to_time_bars"] = _figure(
        _best(lambda: aggregate_trades(frame, timeframe="1m"), repeat=1), 5.0
    )
    t0 = time.perf_counter()
    _pandas_time_bars(tr)
    out["peer_pandas_groupby_10m_trades_s"] = round(time.perf_counter() - t0, 3)  # type: ignore[assignment]
    return out


def run() -> dict[str, Any]:
    cfg = MicrostructureConfig()
    return {**_bar_figures(cfg), **_trade_figures()}
