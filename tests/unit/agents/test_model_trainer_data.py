"""The model-trainer trains on the dataset the data-pipeline-manager prepared in the workflow."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import make_bars
from tradequorum.agents.base import AgentContext, Task
from tradequorum.agents.model_trainer import _training_bars
from tradequorum.config.settings import Settings
from tradequorum.core.bars import fingerprint_bars
from tradequorum.core.clock import FixedClock
from tradequorum.core.errors import DataError
from tradequorum.data.views import FrameMarketView
from tradequorum.state.layout import HomeLayout

SYM = "BTC/USDT"


def _setup(tmp_path: Path) -> tuple[pd.DataFrame, AgentContext, Path]:
    bars = make_bars(3000, seed=4)
    clock = FixedClock(bars.index[-1] + pd.Timedelta(minutes=1))
    market = FrameMarketView({(SYM, "1m"): bars}, clock, lookback=1000)  # live-like short view
    settings = Settings.model_validate({"home": str(tmp_path), "symbols": [SYM]})
    ctx = AgentContext(clock, settings, HomeLayout(tmp_path), market)
    path = tmp_path / "latest_dataset.parquet"
    bars.to_parquet(path)
    return bars, ctx, path


def _task(prepared: dict[str, object] | None) -> Task:
    inputs = {"training_data": prepared} if prepared is not None else {}
    return Task(task_id="TASK-1", agent="model-trainer", action="train_models",
                params={"inputs": inputs})  # fmt: skip


def test_training_bars_prefer_the_prepared_dataset_over_the_short_live_view(
    tmp_path: Path,
) -> None:
    bars, ctx, path = _setup(tmp_path)
    assert ctx.market is not None
    prepared = {"path": str(path), "symbol": SYM, "timeframe": "1m",
                "fingerprint": fingerprint_bars(bars)}  # fmt: skip
    got = _training_bars(_task(prepared), ctx, ctx.market, SYM, "1m")
    want = bars.iloc[-ctx.settings.ml.training_bars :]
    pd.testing.assert_frame_equal(got, want, check_freq=False)
    assert len(got) > 1000  # more than the live view's look-back
    # another symbol's dataset, or none: the market view
    other = _training_bars(_task({**prepared, "symbol": "ETH/USDT"}), ctx, ctx.market, SYM, "1m")
    assert len(other) == 1000
    assert len(_training_bars(_task(None), ctx, ctx.market, SYM, "1m")) == 1000


def test_training_bars_refuse_a_dataset_that_does_not_match_its_fingerprint(
    tmp_path: Path,
) -> None:
    bars, ctx, path = _setup(tmp_path)
    assert ctx.market is not None
    prepared = {"path": str(path), "symbol": SYM, "timeframe": "1m",
                "fingerprint": fingerprint_bars(bars.iloc[:-1])}  # fmt: skip
    with pytest.raises(DataError, match="fingerprint"):
        _training_bars(_task(prepared), ctx, ctx.market, SYM, "1m")


def test_training_bars_report_an_unreadable_dataset_clearly(tmp_path: Path) -> None:
    bars, ctx, path = _setup(tmp_path)
    assert ctx.market is not None
    path.write_bytes(b"not parquet at all")
    prepared = {"path": str(path), "symbol": SYM, "timeframe": "1m",
                "fingerprint": fingerprint_bars(bars)}  # fmt: skip
    with pytest.raises(DataError, match="cannot be read as Parquet"):
        _training_bars(_task(prepared), ctx, ctx.market, SYM, "1m")
