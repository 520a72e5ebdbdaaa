"""``quorum micro ...`` commands on the shared real data (app built here: see the report for the
one-line registration in cli/main.py)."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from tests.conftest import shared_file
from tradequorum.cli.microstructure import register

BTC = "binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv"


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """root"""

    register(app)
    return app


def test_cli_micro_signal_prints_direction_and_taker_method() -> None:
    res = CliRunner().invoke(_app(), ["micro", "signal", str(shared_file(BTC))])
    assert res.exit_code == 0, res.output
    assert "evidence order_flow" in res.output and "taker" in res.output


def test_cli_micro_profile_lists_sessions() -> None:
    res = CliRunner().invoke(_app(), ["micro", "profile", str(shared_file(BTC))])
    assert res.exit_code == 0, res.output
    assert "2025-10-30" in res.output


def test_cli_micro_trades_writes_bars(tmp_path) -> None:  # type: ignore[no-untyped-def]
    src = shared_file("nautilus-test-data/btcusdt-trades.parquet")
    out = tmp_path / "bars.csv"
    res = CliRunner().invoke(
        _app(), ["micro", "trades", str(src), "--timeframe", "1s", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert out.exists() and "2001 prints" in res.output


def test_cli_micro_depth_summarises_capture() -> None:
    cap = shared_file("hftbacktest-binance-ws-2024-08-08/spot_ethusdt_20240808.gz")
    res = CliRunner().invoke(_app(), ["micro", "depth", str(cap)])
    assert res.exit_code == 0, res.output
    assert "microprice" in res.output and "6106 trades" in res.output
