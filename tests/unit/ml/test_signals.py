"""ML signal contract: causal signal frame on real data, latest_signal == last row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import load_shared_bars
from tradequorum.config.ml import MlConfig
from tradequorum.core.causality import audit_lookahead, audit_recursive, audit_repaint
from tradequorum.core.types import Direction
from tradequorum.features import default_registry
from tradequorum.ml.artifact import build_artifact
from tradequorum.ml.registry import LoadedModel, ModelRegistry
from tradequorum.ml.signals import COLUMNS, compute_signal_frame, latest_signal
from tradequorum.ml.training import train_model
from tradequorum.state.layout import HomeLayout

BTC = "binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv"
FEATURES = ["ret_5", "ret_60", "vol_60", "rsi_14", "taker_imbalance_30", "htf_1h_range_pos"]
CFG = MlConfig(
    horizon_bars=15,
    vol_window_bars=60,
    barrier_multiple=1.0,
    n_splits=3,
    embargo_bars=15,
    n_estimators=30,
    num_leaves=8,
    min_data_in_leaf=30,
    early_stopping_rounds=5,
    min_probability=0.34,
)


@pytest.fixture(scope="module")
def btc() -> pd.DataFrame:
    return load_shared_bars(BTC)


@pytest.fixture(scope="module")
def model(btc: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> LoadedModel:
    res = train_model(btc, default_registry(adapters=False), CFG, names=FEATURES)
    reg = ModelRegistry(HomeLayout(tmp_path_factory.mktemp("home")))
    reg.save_candidate(
        *build_artifact(res, CFG, created=pd.Timestamp("2026-01-01", tz="UTC"), timeframe="1m")
    )
    m = reg.candidate()
    assert m is not None
    return m


def test_signal_frame_columns_and_values_follow_contract(
    btc: pd.DataFrame, model: LoadedModel
) -> None:
    sf = compute_signal_frame(btc, model, CFG)
    assert list(sf.columns) == list(COLUMNS) and sf.index.equals(btc.index)
    assert set(np.unique(sf["direction"])) <= {-1.0, 0.0, 1.0}
    assert ((sf["confidence"] >= 0) & (sf["confidence"] <= 1)).all()
    long = sf["direction"] == 1.0
    assert (sf.loc[long, "stop"] < sf.loc[long, "entry_lo"]).all()
    assert (sf.loc[long, "target"] > sf.loc[long, "entry_hi"]).all()


def test_signal_frame_on_real_data_passes_three_audits(
    btc: pd.DataFrame, model: LoadedModel
) -> None:
    fn = lambda b: compute_signal_frame(b, model, CFG)  # noqa: E731
    audit_lookahead(fn, btc, n_points=8).raise_if_failed()
    warm = model.meta.warmup_bars + CFG.vol_window_bars
    audit_recursive(fn, btc, warmup=warm, starts=[400, 900]).raise_if_failed()
    audit_repaint(fn, btc, start=len(btc) - 20, step=2).raise_if_failed()


@pytest.mark.parametrize("end", [1500, 2777, 4320])
def test_latest_signal_equals_last_row_of_frame(
    btc: pd.DataFrame, model: LoadedModel, end: int
) -> None:
    bars = btc.iloc[:end]
    last = compute_signal_frame(bars, model, CFG).iloc[-1]
    sig = latest_signal(bars, model, CFG, symbol="BTC/USDT", timeframe="1m")
    assert sig.direction == Direction.from_sign(last["direction"])
    assert sig.confidence == last["confidence"]
    assert sig.ts == bars.index[-1]
    if sig.direction != Direction.NEUTRAL:
        assert sig.stop == last["stop"] and sig.targets == [last["target"]]
        assert sig.suggested_entry == (last["entry_lo"], last["entry_hi"])
    else:
        assert sig.stop is None and np.isnan(last["stop"])
    assert sig.evidence[0].kind == "ml_probabilities"


def test_signal_with_changed_feature_definition_refuses(
    btc: pd.DataFrame, model: LoadedModel, tmp_path: Path
) -> None:
    from tradequorum.core.errors import ModelError
    from tradequorum.features import FeatureSpec

    live = default_registry(adapters=False)
    s = live.get("vol_60")
    live.register(FeatureSpec("vol_60", s.fn, {"window": 61}, 61), replace=True)
    with pytest.raises(ModelError, match="feature set"):
        compute_signal_frame(btc, model, CFG, registry=live)


def test_latest_signal_during_warmup_is_neutral_and_json_safe(
    btc: pd.DataFrame, model: LoadedModel
) -> None:
    from tradequorum.state.json_store import dumps

    sig = latest_signal(btc.iloc[:30], model, CFG, symbol="BTC/USDT", timeframe="1m")
    assert sig.direction == Direction.NEUTRAL
    dumps(sig)  # strict JSON: a feature still NaN in its warm-up must not become NaN in JSON
