"""Replay through the coordinator with the REAL risk manager equals the system backtest when the
risk limits bind: vetoes, shrunk sizes, the daily loss limit (REDUCING), the UTC day/week roll and
the kill switch latch (HALTED) all come out identical, bar for bar, exact floats.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.conftest import make_bars
from tests.integration.replay_checks import decision_frame, fees_per_bar, replay_with_real_risk
from tests.unit.coordinator.conftest import make_settings
from tests.unit.coordinator.pipeline_fakes import (
    ANALYST_FRAMES,
)
from tradequorum.backtest.engine import EngineSettings, run_backtest
from tradequorum.coordinator.service import Coordinator
from tradequorum.coordinator.system_backtest import SystemBacktest, run_system_backtest
from tradequorum.core.ids import client_order_id
from tradequorum.state.json_store import read_json
from tradequorum.state.layout import HomeLayout

SYMBOL = "BTC/USDT"


def _replay(
    home: Path, bars: pd.DataFrame, start: pd.Timestamp, risk: dict[str, Any]
) -> tuple[Coordinator, pd.DataFrame]:
    settings = make_settings(home, symbols=[SYMBOL], risk=risk)
    coord, per_bar = replay_with_real_risk(settings, {SYMBOL: bars}, start)
    return coord, per_bar.rename(columns={SYMBOL: "position"})


def _compare(coord: Coordinator, per_bar: pd.DataFrame, system: SystemBacktest) -> pd.DataFrame:
    got = decision_frame(coord)
    cols = ["action", "verdict", "units", "direction", "stop", "target", "scale"]
    exp = system.decisions[cols]
    assert list(got.index) == list(exp.index)
    for c in ("action", "verdict"):
        assert got[c].tolist() == exp[c].tolist(), c
    for c in cols[2:]:
        np.testing.assert_array_equal(got[c].to_numpy(float), exp[c].to_numpy(float), err_msg=c)
    np.testing.assert_array_equal(per_bar["position"].to_numpy(), system.result.positions[:, 0])
    np.testing.assert_array_equal(per_bar["equity"].to_numpy(), system.result.equity)
    fills = pd.DataFrame(coord.journal.fills())
    fees = fees_per_bar(coord, system.result.index)
    np.testing.assert_array_equal(fees.to_numpy(), system.result.fees)
    n_trades = int((np.abs(np.diff(system.result.positions[:, 0], prepend=0.0)) > 0).sum())
    assert len(fills) == n_trades
    saved = read_json(coord.layout.risk("risk_state"))
    assert system.risk_state is not None
    mine = system.risk_state.model_dump(mode="json")
    for key in ("equity", "peak_equity", "day_start_equity", "week_start_equity", "day", "week"):
        assert saved[key] == mine[key], key
    assert saved["kill_switch"]["latched"] == mine["kill_switch"]["latched"]
    assert saved["trading_state"] == mine["trading_state"]
    coord.close()
    return got


def _run(home: Path, bars: pd.DataFrame, start_at: int, risk: dict[str, Any]) -> pd.DataFrame:
    start = bars.index[start_at]
    coord, per_bar = _replay(home, bars, start, risk)
    system = run_system_backtest(bars, ANALYST_FRAMES, coord.settings, start=start, symbol=SYMBOL)
    return _compare(coord, per_bar, system)


def _replay_entry_units(coord: Coordinator) -> pd.DataFrame:
    """|position| right after each replayed entry fill, with its decision's approved units."""
    approved = {
        client_order_id(r["decision_id"]): float(r["decision"]["units"])
        for r in coord.journal.decisions()
    }
    pos, rows = 0.0, []
    for f in coord.journal.fills():  # in fill order
        pos += f["quantity"] if f["side"] == "buy" else -f["quantity"]
        if f["reason"] == "entry":
            rows.append((pd.Timestamp(f["bar"]), abs(pos), approved[f["client_order_id"]]))
    return pd.DataFrame(rows, columns=["bar", "units", "approved"]).set_index("bar")


def test_replay_real_risk_vetoes_and_shrinks_equals_system_backtest(tmp_path: Path) -> None:
    # tight symbol notional cap: sizes are shrunk; holding a full position vetoes new entries
    bars = make_bars(400, seed=11)
    start = bars.index[50]
    coord, per_bar = _replay(tmp_path, bars, start, {"max_symbol_notional_fraction": 0.05})
    replayed = _replay_entry_units(coord)
    system = run_system_backtest(bars, ANALYST_FRAMES, coord.settings, start=start, symbol=SYMBOL)
    got = _compare(coord, per_bar, system)  # replay == backtest, exact floats
    assert (got["verdict"] == "vetoed").sum() > 5
    assert (got["action"].isin(["enter_long", "enter_short"])).sum() > 3
    # risk always wins: each entry trades min(engine formula, approved units), in both paths
    trades = system.result.trades.set_index("entry_bar")
    approved = system.decisions["units"].to_numpy()[trades.index - 1]
    assert (trades["units"].to_numpy() <= approved).all()
    uncapped = run_backtest(
        bars.loc[bars.index >= start],
        system.decisions.drop(columns="max_units"),
        EngineSettings.from_config(coord.settings.backtest, coord.settings.risk),
        symbol=SYMBOL,
    ).trades.set_index("entry_bar")
    formula = uncapped["units"].reindex(trades.index).to_numpy()
    binding = formula > approved  # the risk shrank below what the formula would trade
    assert binding.sum() >= 2, "the scenario must shrink some entries below the formula"
    np.testing.assert_array_equal(trades["units"].to_numpy()[binding], approved[binding])
    entry_times = system.result.index[trades.index]
    assert list(replayed.index) == list(entry_times)
    np.testing.assert_allclose(replayed["units"], trades["units"], rtol=1e-12, atol=0)
    assert (replayed["units"] <= replayed["approved"] * (1 + 1e-12)).all()
    np.testing.assert_allclose(
        replayed["units"].to_numpy()[binding], approved[binding], rtol=1e-12, atol=0
    )


def test_replay_daily_loss_limit_across_day_and_week_equals_system_backtest(
    tmp_path: Path,
) -> None:
    # starts Sunday 22:00 UTC: the replay crosses a UTC day and an ISO week boundary
    bars = make_bars(400, seed=5, start="2024-01-07 22:00")
    got = _run(tmp_path, bars, 50, {"daily_loss_limit": 0.0005})
    vetoed = got[got["verdict"] == "vetoed"]
    assert len(vetoed) > 5
    assert (got["action"].isin(["enter_long", "enter_short"])).sum() > 1


@pytest.mark.parametrize("seed", [11, 21])
def test_replay_kill_switch_latch_equals_system_backtest(tmp_path: Path, seed: int) -> None:
    got = _run(tmp_path, make_bars(400, seed=seed), 50, {"kill_switch_drawdown": 0.001})
    saved = read_json(HomeLayout(tmp_path).risk("risk_state"))
    assert saved["kill_switch"]["latched"], "the scenario must latch the kill switch"
    halted = got["state"] == "HALTED"
    assert halted.sum() > 10, "the coordinator must adopt the latch as HALTED"
    after = got.loc[got.index >= got.index[halted.to_numpy()][0]]
    assert halted.loc[after.index].all(), "the latch holds until a person re-enables trading"
    assert (after["action"] == "no_trade").all()
    assert (got.loc[got.index < after.index[0], "action"].isin(["enter_long", "enter_short"])).any()
