"""Replay through the REAL analysts (SMC, microstructure, LightGBM), the real signal evaluator and
the paper broker equals the vectorized system backtest built from the analysts'
``compute_signal_frame`` functions, bar for bar, on real shared data.

The risk manager is the fake that approves every tradeable evaluation: the real one vetoes on
portfolio state (open-position caps, daily loss, drawdown) that a vectorized pass cannot know;
its sizing formula is the shared ``fixed_fraction_units`` either way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import load_shared_bars
from tests.unit.coordinator.pipeline_fakes import FakeRisk
from tradequorum.agents.feature_engineer import FeatureEngineerAgent
from tradequorum.agents.microstructure import MicrostructureAgent
from tradequorum.agents.ml_model import MlModelAgent
from tradequorum.agents.signal_evaluator import SignalEvaluator
from tradequorum.agents.smc_pattern import SmcPatternRecognizer
from tradequorum.config.settings import Settings
from tradequorum.coordinator.demo import _train
from tradequorum.coordinator.registry import AgentRegistry
from tradequorum.coordinator.replay import FrameMarket, replay_index, run_replay
from tradequorum.coordinator.service import Coordinator
from tradequorum.coordinator.system_backtest import run_system_backtest
from tradequorum.coordinator.wiring import ReplayDataAgent
from tradequorum.core.clock import FixedClock
from tradequorum.microstructure.signals import compute_signal_frame as ms_frame
from tradequorum.ml.registry import ModelRegistry
from tradequorum.ml.signals import compute_signal_frame as ml_frame
from tradequorum.notify import RecordingNotifier
from tradequorum.smc.signals import compute_signal_frame as smc_frame
from tradequorum.state.layout import HomeLayout

SYMBOL = "BTC/USDT"
TRAIN, REPLAY = 2880, 120


@pytest.mark.slow
def test_replay_real_analysts_equals_system_backtest(tmp_path: Path) -> None:
    bars = load_shared_bars(
        "binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv", nrows=TRAIN + REPLAY
    )
    settings = Settings.model_validate(
        {"home": str(tmp_path), "symbols": [SYMBOL], "execution": {"mode": "auto"},
         "notify": {"console": False}}
    )  # fmt: skip
    layout = HomeLayout(tmp_path)
    layout.create()
    _train(
        settings, layout, bars.iloc[:TRAIN], __import__("rich.console").console.Console(quiet=True)
    )
    model = ModelRegistry(layout).production()
    assert model is not None
    clock = FixedClock(bars.index[TRAIN])
    registry = AgentRegistry(
        [ReplayDataAgent(), FeatureEngineerAgent(), MicrostructureAgent(), SmcPatternRecognizer(),
         MlModelAgent(), SignalEvaluator(), FakeRisk()]
    )  # fmt: skip
    coord = Coordinator(
        settings, layout, registry, FrameMarket({SYMBOL: bars}, "1m", clock), clock,
        notifier=RecordingNotifier(), views_every=50, agent_state_files=False,
    )  # fmt: skip
    start = bars.index[TRAIN]
    positions: list[float] = []
    run_replay(coord, clock, replay_index({SYMBOL: bars}, start),
               on_bar=lambda _: positions.append(coord.broker.position(SYMBOL)))  # fmt: skip
    assert all(not d["failed_agents"] for d in coord.journal.decisions())
    analysts = {
        "smc": lambda b: smc_frame(b, settings.smc, timeframe="1m"),
        "microstructure": lambda b: ms_frame(b, settings.microstructure),
        "ml_model": lambda b: ml_frame(b, model, settings.ml),
    }
    system = run_system_backtest(  # FakeRisk approves every tradeable bar
        bars, analysts, settings, start=start, symbol=SYMBOL, risk=False
    )
    rows = {}
    for rec in coord.journal.decisions():
        d = rec["decision"]
        live = d["action"] in {"enter_long", "enter_short", "hold"}
        nan = np.nan
        rows[pd.Timestamp(rec["bar"])] = (
            float(d["direction"]) if live else nan,
            (d["stop"] if d["stop"] is not None else nan) if live else nan,
            (d["target"] if d["target"] is not None else nan) if live else nan,
            float(d["scale"]) if live else nan,
        )
    got = pd.DataFrame.from_dict(
        rows, orient="index", columns=["direction", "stop", "target", "scale"]
    )
    exp = system.decisions[["direction", "stop", "target", "scale"]]
    got.index = got.index.as_unit("ns")
    exp = exp.set_axis(exp.index.as_unit("ns"))
    pd.testing.assert_frame_equal(
        got.sort_index(), exp, check_names=False, check_freq=False, rtol=1e-9
    )
    assert exp["direction"].notna().sum() > 0, "the scenario must trade"
    assert np.abs(system.result.positions[:, 0]).sum() > 0
    np.testing.assert_allclose(positions, system.result.positions[:, 0], rtol=1e-9)
    np.testing.assert_allclose(coord.broker.equity, system.result.equity[-1], rtol=1e-9)
    coord.close()
