"""Several symbols on one paper account: replay through the coordinator with the REAL risk
manager equals the portfolio system backtest, symbol by symbol and bar by bar, exact floats.

The limits that only exist across symbols bind here: the open-position count, gross exposure and
the kill switch latched by one symbol's bar then refusing every symbol.
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
from tradequorum.coordinator.service import Coordinator
from tradequorum.coordinator.system_backtest import PortfolioSystemBacktest, run_system_portfolio
from tradequorum.core.errors import DataError
from tradequorum.state.journal import Journal
from tradequorum.state.json_store import read_json
from tradequorum.state.layout import HomeLayout

SYMBOLS = ["BTC/USDT", "ETH/USDT", "SOL/USDT"]
COLS = ["action", "verdict", "units", "direction", "stop", "target", "scale"]


def _bars(
    n: int = 400, seeds: tuple[int, ...] = (11, 12, 13), **kw: Any
) -> dict[str, pd.DataFrame]:
    return {s: make_bars(n, seed=seed, **kw) for s, seed in zip(SYMBOLS, seeds, strict=True)}


def _compare(
    coord: Coordinator, per_bar: pd.DataFrame, system: PortfolioSystemBacktest
) -> dict[str, pd.DataFrame]:
    got_all = {}
    for j, sym in enumerate(SYMBOLS):
        got, exp = decision_frame(coord, sym), system.decisions[sym][COLS]
        assert list(got.index) == list(exp.index), sym
        for c in ("action", "verdict"):
            assert got[c].tolist() == exp[c].tolist(), (sym, c)
        for c in COLS[2:]:
            np.testing.assert_array_equal(
                got[c].to_numpy(float), exp[c].to_numpy(float), err_msg=f"{sym} {c}"
            )
        np.testing.assert_array_equal(
            per_bar[sym].to_numpy(), system.result.positions[:, j], err_msg=f"{sym} position"
        )
        got_all[sym] = got
    np.testing.assert_array_equal(per_bar["equity"].to_numpy(), system.result.equity)
    fees = fees_per_bar(coord, system.result.index)
    np.testing.assert_allclose(fees.to_numpy(), system.result.fees, rtol=1e-12, atol=0)
    saved = read_json(coord.layout.risk("risk_state"))
    assert system.risk_state is not None
    mine = system.risk_state.model_dump(mode="json")
    for key in ("equity", "peak_equity", "day_start_equity", "trading_state"):
        assert saved[key] == mine[key], key
    coord.close()
    return got_all


def _run(
    home: Path, bars: dict[str, pd.DataFrame], risk: dict[str, Any]
) -> dict[str, pd.DataFrame]:
    start = next(iter(bars.values())).index[50]
    settings = make_settings(home, symbols=SYMBOLS, risk=risk)
    coord, per_bar = replay_with_real_risk(settings, bars, start)
    system = run_system_portfolio(bars, ANALYST_FRAMES, coord.settings, start=start)
    return _compare(coord, per_bar, system)


def test_portfolio_open_position_cap_equals_system_backtest(tmp_path: Path) -> None:
    # one open position at a time: a symbol's entry is vetoed while another symbol is held
    got = _run(tmp_path, _bars(), {"max_open_positions": 1})
    entries = {
        s: int(g["action"].isin(["enter_long", "enter_short"]).sum()) for s, g in got.items()
    }
    assert sum(1 for n in entries.values() if n > 0) >= 2, entries
    vetoed = sum(int((g["verdict"] == "vetoed").sum()) for g in got.values())
    assert vetoed > 10, "the cap across symbols must bind"


def test_portfolio_gross_exposure_cap_equals_system_backtest(tmp_path: Path) -> None:
    got = _run(tmp_path, _bars(seeds=(21, 22, 23)), {"max_gross_exposure_fraction": 0.3})
    assert sum(int((g["verdict"] == "vetoed").sum()) for g in got.values()) > 5


def test_portfolio_kill_switch_halts_every_symbol_equals_system_backtest(tmp_path: Path) -> None:
    got = _run(tmp_path, _bars(seeds=(5, 6, 7)), {"kill_switch_drawdown": 0.001})
    first_halt = min(g.index[(g["state"] == "HALTED").to_numpy()][0] for g in got.values())
    for sym, g in got.items():
        after = g.loc[g.index > first_halt]
        assert (after["state"] == "HALTED").all(), sym
        assert (after["action"] == "no_trade").all(), sym


def test_portfolio_system_backtest_refuses_unaligned_symbols(tmp_path: Path) -> None:
    bars = _bars()
    bars["ETH/USDT"] = bars["ETH/USDT"].iloc[1:]
    settings = make_settings(tmp_path, symbols=SYMBOLS)
    with pytest.raises(DataError, match="same bar index"):
        run_system_portfolio(bars, ANALYST_FRAMES, settings)
    with pytest.raises(DataError, match="configured symbols"):
        run_system_portfolio({"BTC/USDT": bars["BTC/USDT"]}, ANALYST_FRAMES, settings)


def test_portfolio_correlated_exposure_cap_equals_system_backtest(tmp_path: Path) -> None:
    # BTC and ETH move together (same returns): their combined exposure is capped
    _run(
        tmp_path,
        _bars(seeds=(11, 11, 13)),
        {"max_correlated_exposure_fraction": 0.05, "correlation_lookback_days": 5},
    )
    with Journal(HomeLayout(tmp_path).journal) as journal:
        cuts = [
            a["code"]
            for r in journal.decisions()
            if r["symbol"] in SYMBOLS[:2] and r["risk_verdict"]
            for a in r["risk_verdict"].get("adjustments") or []
        ]
    assert cuts.count("CORRELATED_EXPOSURE") > 10, "the correlated cap must shrink entries"
