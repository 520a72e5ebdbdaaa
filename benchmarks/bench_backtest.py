"""Backtester benchmarks: 1M-bar backtest vs vectorbt, PBO (N=100, T=2000, S=16), default WFO.

vectorbt is not in the main venv: the peer part runs in a subprocess with the interpreter in
``$QUORUM_VBT_PYTHON`` (default ``/tmp/vbt/bin/python``, e.g. ``python3 -m venv /tmp/vbt &&
/tmp/vbt/bin/pip install vectorbt``); without it the peer is recorded as unavailable.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np

N_BARS = 1_000_000
VBT_SCRIPT = textwrap.dedent(
    """
    import sys, time, numpy as np, pandas as pd, vectorbt as vbt
    d = np.load(sys.argv[1])
    close = pd.Series(d["close"])
    entries = pd.Series(d["sig"] == 1.0)
    exits = pd.Series(d["sig"] == -1.0)
    kw = dict(fees=0.001, slippage=0.0002, init_cash=100_000.0, freq="1min")
    vbt.Portfolio.from_signals(close, entries, exits, **kw)  # warm-up (JIT)
    best = 1e9
    for _ in range(3):
        t = time.perf_counter()
        pf = vbt.Portfolio.from_signals(close, entries, exits, **kw)
        pf.total_return()
        best = min(best, time.perf_counter() - t)
    print(best, vbt.__version__)
    """
)


def _target(value: float, target: float, unit: str, lower_is_better: bool = True) -> dict[str, Any]:
    passed = value < target if lower_is_better else value >= target
    return {"value": round(value, 6), "target": target, "unit": unit, "passed": passed}


def _data(n: int) -> dict[str, np.ndarray]:
    from tradequorum.backtest.indicators import sma

    rng = np.random.default_rng(0)
    close = 30_000.0 * np.exp(np.cumsum(rng.standard_t(4, n) * 0.0008))
    open_ = np.concatenate([[30_000.0], close[:-1]])
    span = np.abs(rng.normal(0, 0.0006, n)) * close
    high, low = np.maximum(open_, close) + span, np.minimum(open_, close) - span
    sig = np.sign(sma(close, 10) - sma(close, 20))
    return {"open": open_, "high": high, "low": low, "close": close, "sig": sig}


def _ours(d: dict[str, np.ndarray], atr_stop: float = 0.0) -> float:
    from tradequorum.backtest.engine import EngineSettings, run_arrays

    s = EngineSettings(
        fee_bps=10.0, slippage_bps=2.0, atr_stop_multiple=atr_stop, allow_short=atr_stop > 0
    )
    ohlc = (d["open"], d["high"], d["low"], d["close"])
    run_arrays(ohlc, d["sig"], s)  # warm-up (numba cache load / compile)
    best = 1e9
    for _ in range(3):
        t = time.perf_counter()
        run_arrays(ohlc, d["sig"], s)
        best = min(best, time.perf_counter() - t)
    return best


def _vectorbt(d: dict[str, np.ndarray]) -> tuple[float | None, str]:
    py = os.environ.get("QUORUM_VBT_PYTHON", "/tmp/vbt/bin/python")
    if not Path(py).exists():
        return None, f"peer unavailable (no interpreter at {py})"
    with tempfile.TemporaryDirectory() as tmp:
        npz = Path(tmp) / "d.npz"
        np.savez(npz, close=d["close"], sig=d["sig"])
        script = Path(tmp) / "vbt_bench.py"
        script.write_text(VBT_SCRIPT)
        proc = subprocess.run(
            [py, str(script), str(npz)], capture_output=True, text=True, timeout=600, check=False
        )
    if proc.returncode != 0:
        return None, "peer unavailable: " + proc.stderr.strip().splitlines()[-1][:200]
    secs, version = proc.stdout.split()
    return float(secs), f"vectorbt {version}"


def _pbo() -> float:
    from tradequorum.validation.pbo import probability_of_backtest_overfitting

    m = np.random.default_rng(1).normal(0, 0.01, (2000, 100))
    probability_of_backtest_overfitting(m[:64, :4], 16)
    t = time.perf_counter()
    probability_of_backtest_overfitting(m, 16)
    return time.perf_counter() - t


def _wfo() -> tuple[float | None, str]:
    daily = (
        Path(__file__).resolve().parents[2]
        / "shared/data/binance-spot-daily-btcusdt-2017-2025/BTCUSDT_1d.csv"
    )
    if not daily.exists():
        return None, f"data absent: {daily}"
    from tradequorum.backtest.engine import EngineSettings
    from tradequorum.config.validation import WalkForwardConfig
    from tradequorum.data import load_file
    from tradequorum.validation import parse_search_space, run_walk_forward

    bars = load_file(daily).iloc[-1461:]
    space = parse_search_space(
        {
            "parameters": {
                "fast": {"type": "int", "low": 5, "high": 30, "step": 5},
                "slow": {"type": "int", "low": 40, "high": 200, "step": 40},
                "atr_stop": {"type": "float", "low": 1.0, "high": 3.0, "step": 1.0},
            },
            "constraints": ["fast < slow"],
        }
    )
    t = time.perf_counter()
    run = run_walk_forward(bars, space, WalkForwardConfig(), EngineSettings(), timeframe="1d")
    dt = time.perf_counter() - t
    return (
        dt,
        f"{run.results.n_configs_tried} configs x 12 windows (252/63 days), decision {run.validation.decision}",
    )


def run() -> dict[str, Any]:
    d = _data(N_BARS)
    ours = _ours(d)
    peer, peer_note = _vectorbt(d)
    out: dict[str, Any] = {
        "backtest_1m_bars_s": _target(ours, 0.2, "s"),
        "backtest_bars_per_s": round(N_BARS / ours),
        "vectorbt_from_signals_s": peer if peer is not None else peer_note,
        "peer": peer_note,
    }
    if peer is not None:
        out["bars_per_s_vs_vectorbt"] = _target(peer / ours, 1.0, "x", lower_is_better=False)
    out["backtest_1m_bars_long_short_atr_stops_s"] = round(_ours(d, atr_stop=2.0), 6)
    out["pbo_n100_t2000_s16_s"] = _target(_pbo(), 5.0, "s")
    wfo_s, note = _wfo()
    out["wfo_default_4y_daily_s"] = _target(wfo_s, 60.0, "s") if wfo_s is not None else note
    out["wfo_note"] = note
    return out


if __name__ == "__main__":  # pragma: no cover
    print(run(), file=sys.stdout)
