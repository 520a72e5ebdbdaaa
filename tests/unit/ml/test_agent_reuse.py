"""The ML agent's speed-ups keep its answers: cached production model, feature-engineer's row."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import make_bars
from tests.unit.ml.test_agents_cli import ML, Market
from tradequorum.agents.base import AgentContext, Task
from tradequorum.agents.feature_engineer import FeatureEngineerAgent
from tradequorum.agents.ml_model import MlModelAgent, engineered_row
from tradequorum.agents.model_trainer import ModelTrainerAgent
from tradequorum.config.settings import load_settings
from tradequorum.core.clock import FixedClock
from tradequorum.ml.registry import ModelRegistry, ProductionModelCache
from tradequorum.state.layout import HomeLayout


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> AgentContext:
    home = tmp_path_factory.mktemp("home")
    settings = load_settings(None, overrides={"home": str(home), "ml": ML}, environ={})
    layout = HomeLayout(home)
    layout.create()
    c = AgentContext(
        clock=FixedClock(pd.Timestamp("2026-01-01", tz="UTC")),
        settings=settings,
        layout=layout,
        market=Market(make_bars(3000, seed=4)),
        write_state=False,
    )
    task = Task(task_id="T", agent="model-trainer", action="train_cycle",
                params={"symbol": "BTC/USDT"})  # fmt: skip
    if not ModelTrainerAgent().handle(task, c).promoted:  # type: ignore[attr-defined]
        ModelRegistry(layout).promote(reason="test", at=c.clock.now().to_pydatetime())
    return c


def _predict(ctx: AgentContext, inputs: dict[str, object] | None) -> dict[str, object]:
    params: dict[str, object] = {"symbol": "BTC/USDT"}
    if inputs is not None:
        params["inputs"] = inputs
    task = Task(task_id="T", agent="ml-model-engineer", action="predict", params=params)
    return MlModelAgent().handle(task, ctx).model_dump(mode="json")


def test_ml_agent_with_engineer_row_equals_own_computation(ctx: AgentContext) -> None:
    task = Task(task_id="T", agent="feature-engineer", action="compute_realtime_features",
                params={"symbol": "BTC/USDT"})  # fmt: skip
    feats = FeatureEngineerAgent().handle(task, ctx).model_dump(mode="json")
    bars = ctx.market.bars("BTC/USDT", "1m")  # type: ignore[union-attr]
    model = ModelRegistry(ctx.layout).production()
    assert model is not None
    task2 = Task(task_id="T", agent="x", action="predict",
                 params={"inputs": {"combined_features": feats}})  # fmt: skip
    assert engineered_row(task2, "BTC/USDT", bars, model.meta.feature_hash) is not None
    assert _predict(ctx, {"combined_features": feats}) == _predict(ctx, None)


def test_engineered_row_of_another_bar_or_feature_set_is_not_used(ctx: AgentContext) -> None:
    bars = ctx.market.bars("BTC/USDT", "1m")  # type: ignore[union-attr]
    entry = {"timestamp": str(bars.index[-2]), "feature_hash": "h", "bars_used": len(bars),
             "values": {"ret_1": 0.0}}  # fmt: skip
    task = Task(task_id="T", agent="x", action="predict",
                params={"inputs": {"combined_features": {"symbols": {"BTC/USDT": entry}}}})  # fmt: skip
    assert engineered_row(task, "BTC/USDT", bars, "h") is None  # older bar
    entry["timestamp"] = str(bars.index[-1])
    assert engineered_row(task, "BTC/USDT", bars, "other") is None  # other feature set
    entry["bars_used"] = len(bars) - 1
    assert engineered_row(task, "BTC/USDT", bars, "h") is None  # shorter window
    entry["bars_used"] = len(bars)
    assert engineered_row(task, "BTC/USDT", bars, "h") == {"ret_1": 0.0}


def test_model_cache_reuses_until_files_change(ctx: AgentContext, tmp_path: Path) -> None:
    cache = ProductionModelCache()
    first = cache.production(ctx.layout)
    assert first is not None and cache.production(ctx.layout) is first
    meta = ctx.layout.production_model / "metadata.json"
    st = meta.stat()
    os.utime(meta, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    again = cache.production(ctx.layout)
    assert again is not None and again is not first and again.version == first.version
    empty = HomeLayout(tmp_path)
    assert ProductionModelCache().production(empty) is None


def test_engineer_values_equal_last_row_of_feature_matrix(ctx: AgentContext) -> None:
    from tradequorum.agents.feature_engineer import registry_for
    from tradequorum.features import build_feature_matrix

    task = Task(task_id="T", agent="feature-engineer", action="compute_realtime_features",
                params={"symbol": "BTC/USDT"})  # fmt: skip
    snap = FeatureEngineerAgent().handle(task, ctx).symbols["BTC/USDT"]  # type: ignore[attr-defined]
    bars = ctx.market.bars("BTC/USDT", "1m")  # type: ignore[union-attr]
    model = ModelRegistry(ctx.layout).production()
    assert model is not None
    last = build_feature_matrix(bars, registry_for(ctx.settings, "1m"), model.meta.features)
    expected = {k: (float(v) if pd.notna(v) else None) for k, v in last.iloc[-1].items()}
    assert snap.values == expected
