"""Walk-forward on real BTCUSDT daily bars: files, decision table, parallel and Dask equality."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.conftest import load_shared_bars
from tests.unit.validation.helpers import daily_bars, small_space
from tradequorum.backtest.engine import EngineSettings
from tradequorum.config.validation import WalkForwardConfig, WfoCriteria
from tradequorum.validation.evaluation import daily_periods, to_periods
from tradequorum.validation.walk_forward import WfoRun, run_walk_forward, write_wfo

SETTINGS = EngineSettings()


def _run(**kw: Any) -> WfoRun:
    return run_walk_forward(
        daily_bars(last=1461), small_space(), WalkForwardConfig(), SETTINGS, timeframe="1d", **kw
    )


def test_run_walk_forward_default_windows_on_real_daily_data_writes_both_files(
    tmp_path: Path,
) -> None:
    run = _run()
    res, val = run.results, run.validation
    assert len(res.windows) == 12 and res.n_configs_tried == 12 == val.n_trials
    for w in res.windows:
        assert w.train_end < w.test_start  # ISO strings of the last train / first test bar
        assert w.train_bars == 252 and w.test_bars == 63
        assert w.params["fast"] < w.params["slow"]
    assert len(res.oos_equity) == len(res.oos_period_times) == 12 * 63
    names = [c.name for c in val.criteria]
    assert names == ["oos_sharpe", "pbo", "parameter_stability", "deflated_sharpe"]
    assert val.approved == all(c.passed for c in val.criteria if c.required)
    assert val.decision == ("approve" if val.approved else "reject")
    assert val.deflated_sharpe.n_trials == 12
    p1, p2 = write_wfo(run, tmp_path)
    assert json.loads(p1.read_text())["windows"][0]["params"] == res.windows[0].params
    table = json.loads(p2.read_text())["criteria"]
    assert table[0]["threshold"] == 1.0 and table[1]["op"] == "<"


def test_run_walk_forward_oos_metrics_match_stitched_equity() -> None:
    run = _run()
    growth = np.prod([1 + w.oos_metrics.total_return for w in run.results.windows])
    assert run.validation.oos_total_return == pytest.approx(growth - 1, rel=1e-9)


def test_run_walk_forward_is_deterministic() -> None:
    a, b = _run(), _run()
    assert a.results.model_dump() == b.results.model_dump()
    assert a.validation.model_dump() == b.validation.model_dump()


def test_run_walk_forward_impossible_criteria_reject_and_easy_ones_approve() -> None:
    bars = daily_bars(last=1461)
    hard = WalkForwardConfig(criteria=WfoCriteria(min_oos_sharpe=50.0))
    easy = WalkForwardConfig(
        criteria=WfoCriteria(min_oos_sharpe=-50.0, max_pbo=1.01, min_parameter_stability=-1.0)
    )
    space = small_space()
    r_hard = run_walk_forward(bars, space, hard, SETTINGS, timeframe="1d")
    r_easy = run_walk_forward(bars, space, easy, SETTINGS, timeframe="1d")
    assert r_hard.validation.decision == "reject" and not r_hard.validation.criteria[0].passed
    assert r_easy.validation.decision == "approve"


def test_run_walk_forward_single_config_fails_closed_on_pbo() -> None:
    space = small_space(
        parameters={"fast": {"type": "int", "low": 10, "high": 10}},
        fixed={"slow": 30, "atr_stop": 2.0},
    )
    run = run_walk_forward(
        daily_bars(last=1461), space, WalkForwardConfig(), SETTINGS, timeframe="1d"
    )
    pbo = run.validation.criteria[1]
    assert run.validation.pbo is None and pbo.value is None and not pbo.passed
    assert run.validation.parameter_stability.score == 1.0


def test_run_walk_forward_dask_local_cluster_equals_local_run() -> None:
    distributed = pytest.importorskip("distributed")
    local = _run()
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        with distributed.Client(cluster) as client:
            remote = _run(scheduler=client)
        by_address = _run(scheduler=cluster.scheduler_address)
    assert remote.results.model_dump() == local.results.model_dump()
    assert remote.validation.model_dump() == local.validation.model_dump()
    assert by_address.validation.model_dump() == local.validation.model_dump()


@pytest.mark.slow  # spawning 2 worker processes (numba + pandas imports) takes ~15 s
def test_run_walk_forward_process_pool_equals_local_run() -> None:
    local = _run()
    pooled = _run(n_jobs=2)
    assert pooled.validation.model_dump() == local.validation.model_dump()


def test_run_walk_forward_optuna_counts_every_distinct_trial() -> None:
    space = small_space(search="optuna", max_trials=4)
    cfg = WalkForwardConfig(n_windows=3)
    run = run_walk_forward(daily_bars(last=1000), space, cfg, SETTINGS, timeframe="1d")
    assert 4 <= run.validation.n_trials <= 12
    assert len(run.results.windows) == 3


def test_run_walk_forward_minute_bars_in_bars_unit(tmp_path: Path) -> None:
    bars = load_shared_bars(
        "binance-spot-1m-btc-eth-bnb-2024-01/BTCUSDT_1min_sample.csv", nrows=20_000
    )
    cfg = WalkForwardConfig(n_windows=3, train_period=4000, test_period=2000, unit="bars")
    run = run_walk_forward(bars, small_space(), cfg, SETTINGS, timeframe="1m")
    assert [w.test_bars for w in run.results.windows] == [2000, 2000, 2000]
    # a 14-day span is too short for daily periods (4 days x 16 blocks): per-bar periods
    assert len(run.results.oos_equity) == 3 * 2000
    assert run.validation.pbo is not None and run.validation.pbo.n_configs == 12
    write_wfo(run, tmp_path)  # strict JSON: no NaN or inf anywhere


def test_daily_periods_only_for_intraday_spans_long_enough_for_pbo() -> None:
    assert daily_periods("1m", 64, 16) and not daily_periods("1m", 63, 16)
    assert not daily_periods("1d", 1000, 16)


def test_to_periods_compounds_minute_returns_per_utc_day() -> None:
    idx = pd.date_range("2024-01-01 23:58", periods=4, freq="1min", tz="UTC")
    r = np.array([0.01, 0.02, -0.01, 0.03])
    np.testing.assert_allclose(to_periods(r, idx, True), [1.01 * 1.02 - 1, 0.99 * 1.03 - 1])


def test_run_walk_forward_anchored_random_search_with_calmar_objective() -> None:
    space = small_space(search="random", max_trials=6, objective="calmar", seed=1)
    cfg = WalkForwardConfig(n_windows=4, anchored=True)
    run = run_walk_forward(daily_bars(last=1200), space, cfg, SETTINGS, timeframe="1d")
    wins = run.results.windows
    assert {w.train_start for w in wins} == {wins[0].train_start}
    assert [w.train_bars for w in wins] == [252, 315, 378, 441]
    assert run.validation.n_trials == 6
    for w in wins:  # the chosen set has the best in-sample Calmar of the window
        assert w.is_score == pytest.approx(w.is_metrics.calmar, rel=1e-9)
