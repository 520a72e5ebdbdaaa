"""data-pipeline-manager: outputs, the data-unavailable rule (wait, retry, cached + stale), WFO
windows, health."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import make_bars
from tradequorum.agents.base import AgentContext, Task
from tradequorum.agents.data_pipeline import DataPipelineManager
from tradequorum.config.settings import Settings
from tradequorum.core.clock import FixedClock
from tradequorum.core.errors import DataUnavailable
from tradequorum.data.store import ParquetStore
from tradequorum.data.windows import walk_forward_windows
from tradequorum.state.layout import HomeLayout

SYM = "BTC/USDT"
T0 = pd.Timestamp("2024-01-01", tz="UTC")


class FlakyFeed:
    """Fails ``failures`` times with DataUnavailable, then adds nothing."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def update(self, symbol: str, timeframe: str) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            raise DataUnavailable("exchange down")
        return 0


def _ctx(tmp_path: Path, now: pd.Timestamp, **data: object) -> AgentContext:
    settings = Settings.model_validate({"data": {"lookback_bars": 500, **data}})
    layout = HomeLayout(tmp_path)
    layout.create()
    return AgentContext(clock=FixedClock(now), settings=settings, layout=layout)


def _task(action: str, **params: object) -> Task:
    return Task(task_id="TASK-1", agent="data-pipeline-manager", action=action, params=params)


def test_ensure_latest_data_simulator_fills_store_and_writes_latest_ohlcv(tmp_path: Path) -> None:
    now = T0 + pd.Timedelta(hours=10, seconds=20)
    ctx = _ctx(tmp_path, now)
    result = DataPipelineManager().handle(_task("ensure_latest_data"), ctx)
    entry = result.symbols[SYM]  # type: ignore[attr-defined]
    assert entry.new_bars == 500 and not entry.stale
    assert entry.last_open_time == (T0 + pd.Timedelta(hours=9, minutes=59)).isoformat()
    state = json.loads(ctx.layout.data_state("latest_ohlcv").read_text())
    assert state[SYM]["bars_available"] == 500
    ctx.clock.set(now + pd.Timedelta(minutes=5))  # type: ignore[attr-defined]
    again = DataPipelineManager().handle(_task("ensure_latest_data"), ctx)
    assert again.symbols[SYM].new_bars == 5  # type: ignore[attr-defined]


def test_ensure_latest_data_recovers_within_the_wait(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, T0 + pd.Timedelta(minutes=100), source="store")
    ParquetStore(ctx.layout.store).append(make_bars(100), SYM, "1m")
    sleeps: list[float] = []
    feed = FlakyFeed(failures=2)
    agent = DataPipelineManager(lambda _c, _s: feed, sleep=sleeps.append, retry_interval_s=5.0)
    entry = agent.handle(_task("ensure_latest_data"), ctx).symbols[SYM]  # type: ignore[attr-defined]
    assert feed.calls == 3 and sleeps == [5.0, 5.0] and not entry.stale


def test_ensure_latest_data_gives_up_after_wait_and_marks_cached_stale(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, T0 + pd.Timedelta(minutes=100), source="store", unavailable_wait_s=12.0)
    ParquetStore(ctx.layout.store).append(make_bars(100), SYM, "1m")
    sleeps: list[float] = []
    feed = FlakyFeed(failures=100)
    agent = DataPipelineManager(lambda _c, _s: feed, sleep=sleeps.append, retry_interval_s=5.0)
    result = agent.handle(_task("ensure_latest_data"), ctx)
    entry = result.symbols[SYM]  # type: ignore[attr-defined]
    assert sleeps == [5.0, 5.0, 2.0] and feed.calls == 4
    assert entry.stale and "exchange down" in entry.stale_reason and entry.bars_available == 100
    assert result.stale  # type: ignore[attr-defined]


def test_ensure_latest_data_no_cache_raises_data_unavailable(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, T0, source="store", unavailable_wait_s=0.0)
    agent = DataPipelineManager(lambda _c, _s: FlakyFeed(failures=100), sleep=lambda _s: None)
    with pytest.raises(DataUnavailable, match="no data and no cache"):
        agent.handle(_task("ensure_latest_data"), ctx)


def test_ensure_latest_data_old_cache_is_stale_even_without_errors(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, T0 + pd.Timedelta(days=5), source="store")
    ParquetStore(ctx.layout.store).append(make_bars(100), SYM, "1m")
    entry = DataPipelineManager().handle(_task("ensure_latest_data"), ctx).symbols[SYM]  # type: ignore[attr-defined]
    assert entry.stale and entry.new_bars == 0 and entry.bars_available == 100


def test_prepare_training_data_writes_closed_bars_only(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, T0 + pd.Timedelta(minutes=50, seconds=30), source="store")
    ParquetStore(ctx.layout.store).append(make_bars(100), SYM, "1m")
    result = DataPipelineManager().handle(_task("prepare_training_data"), ctx)
    saved = pd.read_parquet(ctx.layout.training_dataset)
    assert result.rows == len(saved) == 50  # type: ignore[attr-defined]
    assert saved.index[-1] == T0 + pd.Timedelta(minutes=49)


def test_prepare_wfo_windows_writes_windows_ending_at_last_bar(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, T0 + pd.Timedelta(days=30), source="store")
    ParquetStore(ctx.layout.store).append(make_bars(3000), SYM, "1m")
    task = _task("prepare_wfo_windows", n_windows=4, train_period=1000, test_period=250)
    ctx = AgentContext(
        clock=ctx.clock, layout=ctx.layout,
        settings=Settings.model_validate({"walk_forward": {"unit": "bars"}}),
    )  # fmt: skip
    result = DataPipelineManager().handle(task, ctx)
    windows = result.windows  # type: ignore[attr-defined]
    assert [w.test_end for w in windows] == [2250, 2500, 2750, 3000]
    assert all(w.train_end == w.test_start and w.train_end - w.train_start == 1000 for w in windows)
    saved = json.loads(ctx.layout.wfo_windows.read_text())
    assert len(saved["windows"]) == 4


def test_walk_forward_windows_anchored_and_too_short() -> None:
    idx = pd.date_range(T0, periods=100, freq="1min")
    anchored = walk_forward_windows(idx, n_windows=3, train_bars=40, test_bars=20, anchored=True)
    assert [w.train_start for w in anchored] == [0, 0, 0] and anchored[-1].test_end == 100
    rolling = walk_forward_windows(idx, n_windows=5, train_bars=40, test_bars=20)
    assert len(rolling) == 3  # the two oldest do not fit
    with pytest.raises(Exception, match="bars needed"):
        walk_forward_windows(idx, n_windows=1, train_bars=90, test_bars=20)


def test_health_reports_missing_stale_and_ok(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, T0 + pd.Timedelta(minutes=101), source="store")
    ParquetStore(ctx.layout.store).append(make_bars(100), SYM, "1m")
    task = _task("health", symbols=[SYM, "ETH/USDT"])
    result = DataPipelineManager().handle(task, ctx)
    assert result.symbols[SYM].status == "ok"  # type: ignore[attr-defined]
    assert result.symbols["ETH/USDT"].status == "missing"  # type: ignore[attr-defined]
    assert result.status == "degraded"  # type: ignore[attr-defined]
    ctx.clock.set(T0 + pd.Timedelta(hours=3))  # type: ignore[attr-defined]
    late = DataPipelineManager().handle(_task("health"), ctx)
    assert late.symbols[SYM].status == "stale"  # type: ignore[attr-defined]


def test_data_pipeline_manager_results_are_json_serializable(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, T0 + pd.Timedelta(hours=2))
    agent = DataPipelineManager()
    for action in agent.actions:
        params = (
            {"n_windows": 1, "train_period": 50, "test_period": 10, "unit": "bars"}
            if "wfo" in action
            else {}
        )
        result = agent.handle(_task(action, **params), ctx)
        json.dumps(result.model_dump(mode="json"))


def test_simulator_feed_after_a_long_pause_simulates_only_the_history(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, T0 + pd.Timedelta(hours=10))
    DataPipelineManager().handle(_task("ensure_latest_data"), ctx)
    ctx.clock.set(T0 + pd.Timedelta(days=30))  # type: ignore[attr-defined]
    entry = DataPipelineManager().handle(_task("ensure_latest_data"), ctx).symbols[SYM]  # type: ignore[attr-defined]
    assert entry.new_bars == 500 and not entry.stale
    info = ParquetStore(ctx.layout.store).info(SYM, "1m")
    assert info.rows == 1000 and info.gaps == 1
