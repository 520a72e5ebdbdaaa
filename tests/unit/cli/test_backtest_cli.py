"""``quorum backtest``, ``quorum wfo`` and ``quorum report`` on the shared daily file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import shared_file
from tests.unit.validation.helpers import DAILY
from tradequorum.cli.main import app, main

SPACE = """
strategy: sma_cross
parameters:
  fast: {type: int, low: 5, high: 20, step: 5}
  slow: {type: int, low: 30, high: 90, step: 30}
constraints: ["fast < slow"]
"""


def test_cli_backtest_writes_report_and_record_then_report_rerenders(tmp_path: Path) -> None:
    data = shared_file(DAILY)
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "backtest",
            "--file",
            str(data),
            "--params",
            "fast=10,slow=40",
            "--out",
            str(tmp_path / "bt.html"),
            "--json",
            str(tmp_path / "bt.json"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "sharpe" in res.output and (tmp_path / "bt.html").stat().st_size > 100_000
    record = json.loads((tmp_path / "bt.json").read_text())
    assert record["params"] == {"fast": 10, "slow": 40} and record["timeframe"] == "1d"
    res = runner.invoke(
        app, ["report", str(tmp_path / "bt.json"), "--out", str(tmp_path / "r.html")]
    )
    assert res.exit_code == 0, res.output
    assert "Trades on the price chart" in (tmp_path / "r.html").read_text()


def test_cli_wfo_writes_json_files_and_html(tmp_path: Path) -> None:
    data = shared_file(DAILY)
    space = tmp_path / "space.yaml"
    space.write_text(SPACE)
    res = CliRunner().invoke(
        app,
        [
            "wfo",
            "--file",
            str(data),
            "--space",
            str(space),
            "--out-dir",
            str(tmp_path / "bt"),
            "--out",
            str(tmp_path / "wfo.html"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "walk-forward decision" in res.output
    assert (tmp_path / "bt" / "wfo_results.json").exists()
    assert (tmp_path / "bt" / "wfo_validation.json").exists()
    res = CliRunner().invoke(
        app,
        ["report", str(tmp_path / "bt" / "wfo_results.json"), "--out", str(tmp_path / "x.html")],
    )
    assert res.exit_code == 0, res.output


def test_cli_report_on_unknown_json_exits_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.json"
    path.write_text("{}")
    with pytest.raises(SystemExit) as exc:
        main(["report", str(path)])
    assert exc.value.code == 2
    assert "neither" in capsys.readouterr().err


def test_cli_backtest_unknown_strategy_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["backtest", "--file", str(shared_file(DAILY)), "--strategy", "nope"])
    assert exc.value.code == 2 and "unknown strategy" in capsys.readouterr().err
