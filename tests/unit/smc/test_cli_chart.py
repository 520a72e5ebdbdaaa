"""``quorum smc chart|signal`` and the Plotly chart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import load_shared_bars, shared_file
from tradequorum.cli.main import app
from tradequorum.reports.smc_chart import smc_figure

BTC = "binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv"


def test_smc_figure_has_every_layer() -> None:
    bars = load_shared_bars(BTC, nrows=1500)
    fig = smc_figure(bars, timeframe="1m")
    names = {t.name for t in fig.data}
    for layer in ("price", "bullish OB (mitigated)", "bearish FVG (mitigated)", "BOS (swing)", "swing high",
                  "liquidity pools (EQH/EQL)", "sell-side sweep", "equilibrium"):  # fmt: skip
        assert layer in names
    assert fig.layout.shapes  # killzone sessions


def test_cli_smc_chart_writes_self_contained_html(tmp_path: Path) -> None:
    out = tmp_path / "chart.html"
    args = ["smc", "chart", "--file", str(shared_file(BTC)), "--from", "2025-10-31",
            "--to", "2025-10-31 06:00", "--out", str(out)]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    html = out.read_text()
    assert "Plotly" in html and len(html) > 1_000_000  # plotly.js inlined
    assert '<script src="http' not in html


def test_cli_smc_signal_prints_json_signal() -> None:
    res = CliRunner().invoke(app, ["smc", "signal", "--file", str(shared_file(BTC)), "--json"])
    assert res.exit_code == 0, res.output
    sig = json.loads(res.output)
    assert sig["source"] == "smc" and sig["direction"] in ("bullish", "bearish", "neutral")


def test_cli_smc_needs_exactly_one_source() -> None:
    from tradequorum.core.errors import DataError

    res = CliRunner().invoke(app, ["smc", "signal"])
    assert res.exit_code != 0
    assert isinstance(res.exception, DataError)


@pytest.mark.parametrize("window", [("2030-01-01", "2030-01-02")])
def test_cli_smc_empty_window_is_a_data_error(window: tuple[str, str]) -> None:
    args = [
        "smc",
        "signal",
        "--file",
        str(shared_file(BTC)),
        "--from",
        window[0],
        "--to",
        window[1],
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code != 0
    assert "need at least 3" in str(res.exception)


def test_cli_smc_chart_reads_symbol_window_from_the_home_store(tmp_path: Path) -> None:
    from tradequorum.data.store import ParquetStore
    from tradequorum.state.layout import HomeLayout

    bars = load_shared_bars(BTC, nrows=2000)[["open", "high", "low", "close", "volume"]]
    ParquetStore(HomeLayout(tmp_path).store).append(bars, "BTC/USDT", "1m")
    out = tmp_path / "c.html"
    args = ["smc", "chart", "--symbol", "BTC/USDT", "--home", str(tmp_path),
            "--from", "2025-10-29 10:00", "--to", "2025-10-29 16:00", "--out", str(out)]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "361 bars" in res.output
    assert out.stat().st_size > 1_000_000


def test_smc_figure_shows_only_the_view_but_uses_the_history() -> None:
    bars = load_shared_bars(BTC, nrows=1500)
    fig = smc_figure(bars, timeframe="1m", view_start=bars.index[1000])
    candles = next(t for t in fig.data if t.name == "price")
    assert len(candles.x) == 500
    assert fig.layout.xaxis.range[0] == bars.index[1000]
    boxes = next(t for t in fig.data if t.name == "bullish OB (mitigated)")
    starts = [x for x in boxes.x[::6] if x is not None]
    assert min(starts) < bars.index[1000]  # a block found before the view still shows in it
