"""The live path (feature-engineer last row, ML agent predict) equals the full computations.

Over hundreds of consecutive real-data windows: the feature-engineer's snapshot values equal the
last row of the full matrix build (the path it used before the last-row speed-up), and the ML
agent's signal, fed that snapshot, equals ``latest_signal`` built from the full matrix and the
last row of ``compute_signal_frame`` (the vectorized backtest's).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tests.conftest import load_shared_bars
from tests.unit.ml.test_agents_cli import Market
from tradequorum.agents.base import AgentContext, Task
from tradequorum.agents.feature_engineer import FeatureEngineerAgent, RegistryCache, registry_for
from tradequorum.agents.ml_model import MlModelAgent
from tradequorum.agents.model_trainer import ModelTrainerAgent
from tradequorum.config.settings import Settings, load_settings
from tradequorum.core.clock import FixedClock
from tradequorum.core.types import Direction
from tradequorum.features import compute_columns
from tradequorum.ml.registry import LoadedModel, ModelRegistry
from tradequorum.ml.signals import _last_width, _width, compute_signal_frame, latest_signal
from tradequorum.state.layout import HomeLayout

BTC = "binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv"
TRAIN = 3000
ML = {
    "horizon_bars": 10,
    "vol_window_bars": 30,
    "n_splits": 3,
    "embargo_bars": 10,
    "n_estimators": 15,
    "num_leaves": 8,
    "min_data_in_leaf": 30,
    "early_stopping_rounds": 5,
    "min_balanced_accuracy": 0.0,
    "min_oof_sharpe": -1e9,
    "min_probability": 0.34,
}


@pytest.fixture(scope="module")
def btc() -> pd.DataFrame:
    return load_shared_bars(BTC)


def _ctx(settings: Settings, layout: HomeLayout, bars: pd.DataFrame) -> AgentContext:
    clock = FixedClock(bars.index[-1] + pd.Timedelta(minutes=1))
    return AgentContext(
        clock=clock, settings=settings, layout=layout, market=Market(bars), write_state=False
    )


@pytest.fixture(scope="module")
def home(
    btc: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Settings, HomeLayout, LoadedModel]:
    path = tmp_path_factory.mktemp("home")
    settings = load_settings(None, overrides={"home": str(path), "ml": ML}, environ={})
    layout = HomeLayout(path)
    layout.create()
    ctx = _ctx(settings, layout, btc.iloc[:TRAIN])
    task = Task(task_id="T", agent="model-trainer", action="train_cycle",
                params={"symbol": "BTC/USDT"})  # fmt: skip
    if not ModelTrainerAgent().handle(task, ctx).promoted:  # type: ignore[attr-defined]
        ModelRegistry(layout).promote(reason="test", at=ctx.clock.now().to_pydatetime())
    model = ModelRegistry(layout).production()
    assert model is not None and len(model.meta.features) >= 30  # the default feature set
    return settings, layout, model


def _same(a: float | None, b: float) -> bool:
    return (a is None and not math.isfinite(b)) or a == b


def _check_window(
    bars: pd.DataFrame, settings: Settings, layout: HomeLayout, model: LoadedModel,
    agents: tuple[FeatureEngineerAgent, MlModelAgent], frame: bool = False,
) -> Direction:  # fmt: skip
    ctx = _ctx(settings, layout, bars)
    fe_task = Task(task_id="T", agent="feature-engineer", action="compute_realtime_features",
                   params={"symbol": "BTC/USDT"})  # fmt: skip
    snap = agents[0].handle(fe_task, ctx).model_dump(mode="json")  # type: ignore[attr-defined]
    values = snap["symbols"]["BTC/USDT"]["values"]
    reg = registry_for(settings, "1m")
    full = compute_columns(bars, reg, model.meta.features)
    assert list(values) == list(full)
    entry = snap["symbols"]["BTC/USDT"]
    warm = max(reg.warmup(n) for n in model.meta.features)
    assert entry["timestamp"] == str(bars.index[-1]) and entry["bars_used"] == len(bars)
    assert entry["feature_hash"] == reg.feature_hash(model.meta.features)
    assert entry["warmup_ok"] == (len(bars) > warm)
    assert all(_same(values[c], float(v[-1])) for c, v in full.items()), bars.index[-1]
    ml_task = Task(task_id="T", agent="ml-model-engineer", action="predict",
                   params={"symbol": "BTC/USDT", "inputs": {"combined_features": snap}})  # fmt: skip
    got = agents[1].handle(ml_task, ctx).signals["BTC/USDT"]  # type: ignore[attr-defined]
    window = model.meta.warmup_bars + int(model.meta.label["vol_window_bars"]) + 500
    mine = bars.iloc[-window:]
    ref = latest_signal(mine, model, settings.ml, symbol="BTC/USDT", timeframe="1m", registry=reg)
    assert got.model_dump(mode="json") == ref.model_dump(mode="json")
    if not frame:
        return got.direction
    last = compute_signal_frame(mine, model, settings.ml, registry=reg).iloc[-1]
    assert got.direction == Direction.from_sign(last["direction"])
    assert got.confidence == last["confidence"]
    assert got.stop == (last["stop"] if got.direction != Direction.NEUTRAL else None)
    return got.direction


def test_agents_live_windows_equal_full_computation(
    btc: pd.DataFrame, home: tuple[Settings, HomeLayout, LoadedModel]
) -> None:
    settings, layout, model = home
    agents = (FeatureEngineerAgent(), MlModelAgent())  # reused: their caches are exercised
    seen = {
        _check_window(btc.iloc[end - 1500 : end], settings, layout, model, agents, end % 25 == 0)
        for end in range(TRAIN, TRAIN + 200)
    }
    for end in (TRAIN + 201, 4000, len(btc)):  # longer windows: the ML agent cuts its own
        _check_window(btc.iloc[end - 2900 : end], settings, layout, model, agents, True)
    assert len(seen) >= 2  # directional signals (levels) were compared, not only neutral ones


def test_last_width_equals_full_width_last_value(
    btc: pd.DataFrame, home: tuple[Settings, HomeLayout, LoadedModel]
) -> None:
    model = home[2]
    close = btc["close"].to_numpy()
    for n in (1, 2, 30, 31, model.meta.warmup_bars, model.meta.warmup_bars + 1, 2000, len(btc)):
        want = _width(btc.iloc[:n], model)[-1:]
        np.testing.assert_array_equal(_last_width(close[:n], model), want, strict=True)


def test_registry_cache_rebuilds_on_changed_settings(
    home: tuple[Settings, HomeLayout, LoadedModel],
) -> None:
    settings = home[0]
    cache = RegistryCache()
    reg = cache.get(settings, "1m")
    assert cache.get(settings, "1m") is reg and cache.get(settings, "5m") is not reg
    other = settings.model_copy(update={"htf_timeframes": ("1h",)})
    assert "htf_4h_ret_1" not in cache.get(other, "1m")
    assert cache.get(settings, "1m") is not reg  # rebuilt for the changed inputs, same content
    assert cache.get(settings, "1m").feature_hash(["ret_1"]) == reg.feature_hash(["ret_1"])
