from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tradequorum.cli.main import app
from tradequorum.config import RiskConfig
from tradequorum.risk import RiskState, load_risk_state, save_risk_state, update_equity
from tradequorum.state import HomeLayout

RUNNER = CliRunner()


def latched_home(tmp_path: Path) -> Path:
    cfg = RiskConfig()
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    s = update_equity(RiskState.fresh(100_000.0), 80_000.0, t0, cfg)
    assert s.kill_switch.latched
    save_risk_state(HomeLayout(tmp_path).risk("risk_state"), s)
    return tmp_path


def test_resume_without_confirm_refuses_and_keeps_the_latch(tmp_path: Path) -> None:
    home = latched_home(tmp_path)
    with pytest.raises(SystemExit) as exc:
        from tradequorum.cli.main import main

        main(["resume", "--home", str(home)])
    assert exc.value.code == 2
    assert load_risk_state(
        HomeLayout(home).risk("risk_state"), initial_equity=1.0
    ).kill_switch.latched


def test_resume_with_confirm_unlatches(tmp_path: Path) -> None:
    home = latched_home(tmp_path)
    res = RUNNER.invoke(app, ["resume", "--confirm", "--home", str(home), "--by", "ops"])
    assert res.exit_code == 0, res.output
    assert "re-enabled by ops" in res.output
    state = load_risk_state(HomeLayout(home).risk("risk_state"), initial_equity=1.0)
    assert not state.kill_switch.latched and state.kill_switch.reenabled_by == "ops"


def test_risk_status_shows_the_latch(tmp_path: Path) -> None:
    home = latched_home(tmp_path)
    res = RUNNER.invoke(app, ["risk", "status", "--home", str(home)])
    assert res.exit_code == 0, res.output
    assert "LATCHED" in res.output and "HALTED" in res.output
