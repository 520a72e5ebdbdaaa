"""`quorum data ...` and `quorum demo` end to end (CliRunner on the real app, real shared files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from tests.conftest import shared_file
from tradequorum.cli.main import app, main
from tradequorum.data.demo import DEMO_BARS, run_data_demo
from tradequorum.data.store import ParquetStore
from tradequorum.state.layout import HomeLayout

runner = CliRunner()
FIL = "binance-um-1m-fil-near-2023h2/FILUSDT-1m-2023-09.csv"


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def test_cli_import_twice_then_list_shows_one_partition(tmp_path: Path) -> None:
    home = str(tmp_path / "h")
    path = str(shared_file(FIL))
    first = _run(
        "data", "import", path, "--symbol", "FIL/USDT", "--timeframe", "1m", "--home", home
    )
    assert "43,200 new bars" in first
    second = _run("data", "import", path, "--symbol", "FIL/USDT", "--home", home)
    assert "0 new bars, 43,200 already present" in second
    listing = _run("data", "list", "--home", home)
    assert "FIL/USDT" in listing and "43,200" in listing


def test_cli_import_quarantines_invalid_rows(tmp_path: Path) -> None:
    home = tmp_path / "h"
    out = _run("data", "import", str(shared_file("yahoo-daily-stocks-crypto-fx/JPM_1d.csv")),
               "--symbol", "JPM/USD", "--home", str(home))  # fmt: skip
    assert "959 quarantined" in out.replace("\n", " ")
    qfiles = list(HomeLayout(home).quarantine.rglob("*.parquet"))
    assert len(qfiles) == 1


def test_cli_check_file_json_matches_readme(tmp_path: Path) -> None:
    rel = "kraken-1m-btcusdc-2023q1/BTCUSDC_1m_20230301_20230321.csv"
    report = json.loads(_run("data", "check", str(shared_file(rel)), "--json"))
    assert report["gaps"] == 26746 and report["rows_quarantined"] == 0


def test_cli_simulate_then_check_symbol(tmp_path: Path) -> None:
    home = str(tmp_path / "h")
    assert "simulated, not market data" in _run("data", "simulate", "--bars", "500", "--home", home)
    report = json.loads(_run("data", "check", "SIM/USDT", "--json", "--home", home))
    assert report["rows_valid"] == 500


def test_cli_bad_file_prints_one_line_error_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,price\n1,2\n")
    with pytest.raises(SystemExit) as info:
        main(["data", "import", str(bad), "--home", str(tmp_path / "h")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "not a bar file" in err and "Traceback" not in err
    assert ParquetStore(HomeLayout(tmp_path / "h").store).partitions() == []


def test_run_data_demo_simulates_stores_and_is_idempotent(tmp_path: Path) -> None:
    console = Console(record=True, width=120)
    first = run_data_demo(tmp_path / "demo", None, console)
    assert first.synthetic and first.bars_stored == DEMO_BARS == 7 * 1440
    assert first.hourly_bars == 7 * 24 and first.quality.passed
    text = console.export_text()
    assert "SYNTHETIC" in text and "PLANTED" in text
    again = run_data_demo(tmp_path / "demo", None, Console(record=True))
    assert again.bars_added == 0 and again.bars_stored == DEMO_BARS


def test_cli_demo_with_a_real_file(tmp_path: Path) -> None:
    out = _run(
        "demo", "--data-only", "--home", str(tmp_path / "d"), "--file", str(shared_file(FIL))
    )
    assert "imported from" in out and "FIL/USDT" in out
