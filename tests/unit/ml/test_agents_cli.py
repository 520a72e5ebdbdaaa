"""Agents (feature-engineer, ml-model-engineer, model-trainer) and the train/model/audit CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from tests.conftest import make_bars
from tradequorum.agents.base import AgentContext, Task
from tradequorum.agents.feature_engineer import FeatureEngineerAgent
from tradequorum.agents.ml_model import MlModelAgent
from tradequorum.agents.model_trainer import ModelTrainerAgent
from tradequorum.cli.main import app
from tradequorum.config.settings import load_settings
from tradequorum.core.clock import FixedClock
from tradequorum.core.errors import AgentError
from tradequorum.ml.registry import ModelRegistry
from tradequorum.ml.signals import compute_signal_frame
from tradequorum.state.json_store import read_json
from tradequorum.state.layout import HomeLayout

ML = {
    "features": ["ret_1", "ret_15", "vol_15", "rsi_14", "taker_imbalance_30", "htf_1h_ret_1"],
    "horizon_bars": 10,
    "vol_window_bars": 30,
    "barrier_multiple": 1.0,
    "n_splits": 3,
    "embargo_bars": 10,
    "n_estimators": 20,
    "num_leaves": 8,
    "min_data_in_leaf": 30,
    "early_stopping_rounds": 5,
    "min_balanced_accuracy": 0.0,
    "min_oof_sharpe": -1e9,
}


class Market:
    def __init__(self, bars: pd.DataFrame) -> None:
        self._bars = bars

    def bars(self, symbol: str, timeframe: str) -> pd.DataFrame:
        return self._bars


@pytest.fixture
def ctx(tmp_path: Path) -> AgentContext:
    settings = load_settings(None, overrides={"home": str(tmp_path), "ml": ML}, environ={})
    layout = HomeLayout(tmp_path)
    layout.create()
    return AgentContext(
        clock=FixedClock(pd.Timestamp("2026-01-01", tz="UTC")),
        settings=settings,
        layout=layout,
        market=Market(make_bars(3000, seed=4)),
    )


def _task(agent: str, action: str, **params: object) -> Task:
    return Task(task_id="TASK-1", agent=agent, action=action, params=dict(params))


def test_ml_agent_without_production_model_is_unavailable(ctx: AgentContext) -> None:
    with pytest.raises(AgentError, match="no production model"):
        MlModelAgent().handle(_task("ml-model-engineer", "predict"), ctx)


def test_training_cycle_then_prediction_writes_state_files(ctx: AgentContext) -> None:
    res = ModelTrainerAgent().handle(_task("model-trainer", "train_cycle", symbol="BTC/USDT"), ctx)
    assert res.promoted is (res.validation["balanced_accuracy"] >= 0 and res.risk["approved"])
    assert res.reasons and (ctx.layout.models / "parameter_analysis.json").exists()
    analysis = read_json(ctx.layout.models / "parameter_analysis.json")
    assert 0.0 <= analysis["importance_stability_spearman"] <= 1.0
    if not res.promoted:  # risk may refuse on synthetic data; promote by hand to test prediction
        ModelRegistry(ctx.layout).promote(reason="test", at=ctx.clock.now().to_pydatetime())
    out = MlModelAgent().handle(_task("ml-model-engineer", "predict", symbols=["BTC/USDT"]), ctx)
    state = read_json(ctx.layout.signals("ml_signals"))
    assert set(state) == {"BTC/USDT"} and state["BTC/USDT"]["source"] == "ml_model"
    bars = ctx.market.bars("", "")  # type: ignore[union-attr]
    sig = out.signals["BTC/USDT"]
    assert sig.timestamp == bars.index[-1]
    model = ModelRegistry(ctx.layout).production()
    assert model is not None
    full = compute_signal_frame(bars, model, ctx.settings.ml).iloc[-1]  # whole history
    assert sig.direction.sign == full["direction"] and sig.confidence == full["confidence"]
    feats = FeatureEngineerAgent().handle(
        _task("feature-engineer", "compute_realtime_features"), ctx
    )
    snap = feats.symbols["BTC/USDT"]
    assert snap.warmup_ok and set(snap.values) == set(ML["features"])
    assert read_json(ctx.layout.features("combined_features"))["BTC/USDT"]["feature_hash"]


def test_build_training_features_with_selection_reports_reasons(ctx: AgentContext) -> None:
    res = FeatureEngineerAgent().handle(
        _task("feature-engineer", "build_training_features", select=True), ctx
    )
    assert res.selection is not None
    assert {d.column for d in res.selection.decisions} == set(ML["features"])
    assert all(d.reason for d in res.selection.decisions)
    assert read_json(ctx.layout.features("training_features"))["rows"] == res.rows


def _write_home(tmp_path: Path, seed: int = 9) -> tuple[Path, Path]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / "quorum.yaml").write_text(yaml.safe_dump({"ml": ML}))
    bars = make_bars(3000, seed=seed)
    f = tmp_path / f"bars{seed}.csv"
    bars.rename_axis("timestamp").reset_index().assign(
        timestamp=lambda d: d["timestamp"].dt.tz_localize(None)
    ).to_csv(f, index=False)
    return home, f


def test_cli_train_list_promote_rollback(tmp_path: Path) -> None:
    home, f = _write_home(tmp_path)
    run = CliRunner()
    r = run.invoke(app, ["train", "--file", str(f), "--home", str(home), "--no-promote"])
    assert r.exit_code == 0, r.output
    assert "candidate v" in r.output and "NOT PROMOTED" in r.output
    r = run.invoke(app, ["model", "promote", "--home", str(home), "--reason", "first"])
    assert r.exit_code == 0, r.output
    _, f2 = _write_home(tmp_path, seed=10)  # other data: another model, another version
    r = run.invoke(app, ["train", "--file", str(f2), "--home", str(home), "--no-promote"])
    r = run.invoke(app, ["model", "promote", "--home", str(home)])
    r = run.invoke(app, ["model", "list", "--home", str(home)])
    assert "production" in r.output and "archive" in r.output
    r = run.invoke(app, ["model", "rollback", "--home", str(home)])
    assert r.exit_code == 0 and "production is now" in r.output
    r = run.invoke(app, ["model", "show", "production", "--home", str(home)])
    assert '"feature_hash"' in r.output
    r = run.invoke(
        app, ["audit", "lookahead", "--file", str(f), "--target", "signals", "--home", str(home)]
    )
    assert r.exit_code == 0 and "ml_model:signals" in r.output and "smc:signals" in r.output


@pytest.mark.parametrize(
    ("kind", "plugin", "failed"),
    [
        ("lookahead", "tests.unit.ml.leaky_plugin:next_close_feature", True),
        ("repaint", "tests.unit.ml.leaky_plugin:demeaned_agent", True),
        ("recursive", "tests.unit.ml.leaky_plugin:demeaned_agent", True),
        ("lookahead", "tests.unit.ml.leaky_plugin:honest_feature", False),
        ("repaint", "tests.unit.ml.leaky_plugin:causal_agent", False),
    ],
)
def test_cli_audit_plugin_failures_are_reported(
    tmp_path: Path, kind: str, plugin: str, failed: bool
) -> None:
    _, f = _write_home(tmp_path)
    r = CliRunner().invoke(
        app,
        [
            "audit",
            kind,
            "--file",
            str(f),
            "--target",
            "none",
            "--plugin",
            plugin,
            "--repaint-bars",
            "20",
        ],
    )
    assert (r.exit_code == 1) is failed, r.output
    if failed:
        assert "FAIL" in r.output and "first at bar" in r.output


def test_cli_train_from_home_store_saves_candidate(tmp_path: Path) -> None:
    from tradequorum.data.store import ParquetStore

    home, _ = _write_home(tmp_path)
    HomeLayout(home).create()
    ParquetStore(HomeLayout(home).store).append(make_bars(3000, seed=12), "BTC/USDT", "1m")
    r = CliRunner().invoke(app, ["train", "--home", str(home), "--no-promote"])
    assert r.exit_code == 0, r.output
    assert ModelRegistry(HomeLayout(home)).candidate() is not None


def test_cli_audit_features_on_file_without_taker_flow_passes(tmp_path: Path) -> None:
    f = tmp_path / "plain.csv"
    bars = make_bars(1500, seed=3, taker=False)
    bars.rename_axis("timestamp").reset_index().assign(
        timestamp=lambda d: d["timestamp"].dt.tz_localize(None)
    ).to_csv(f, index=False)
    r = CliRunner().invoke(app, ["audit", "lookahead", "--file", str(f), "--target", "features"])
    assert r.exit_code == 0, r.output
    assert "taker_imbalance" not in r.output and "feature:rsi_14" in r.output
