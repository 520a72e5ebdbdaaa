"""``quorum data import|list|check|download|simulate``: the data layer from the command line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.progress import Progress

from tradequorum.config.settings import Settings, load_home_settings
from tradequorum.core.clock import SystemClock
from tradequorum.core.errors import DataError
from tradequorum.state.layout import HomeLayout

data_app = typer.Typer(
    help="Import, check, list, download and simulate market data.", no_args_is_help=True
)


def _settings(home: Path | None) -> Settings:
    return load_home_settings(home)


def _layout(home: Path | None) -> HomeLayout:
    layout = HomeLayout(_settings(home).home.expanduser())
    layout.create()
    return layout


def _mapping(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        canonical, sep, source = pair.partition("=")
        if not sep or not canonical or not source:
            raise DataError(f"--map expects canonical=source (e.g. time=Date), got {pair!r}")
        out[canonical.strip()] = source.strip()
    return out


HOME = typer.Option(None, "--home", help="home folder (default: from quorum.yaml, ~/.tradequorum)")


@data_app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="CSV, gzip CSV or Parquet bar file"),
    symbol: str | None = typer.Option(
        None, help="ccxt symbol, e.g. BTC/USDT (default: from the file name)"
    ),
    timeframe: str | None = typer.Option(None, help="e.g. 1m (default: inferred from the spacing)"),
    tz: str | None = typer.Option(
        None, help="zone of naive timestamps, e.g. Asia/Seoul (default UTC)"
    ),
    map_: list[str] = typer.Option([], "--map", help="column mapping canonical=source, repeatable"),
    home: Path | None = HOME,
) -> None:
    """Import a file into the store; invalid rows go to the quarantine folder with their rule."""
    from tradequorum.data.console import quality_table
    from tradequorum.data.ingest import import_file
    from tradequorum.data.store import ParquetStore

    layout = _layout(home)
    result = import_file(file, ParquetStore(layout.store), layout.quarantine, symbol=symbol,
                         timeframe=timeframe, tz=tz, mapping=_mapping(map_) or None)  # fmt: skip
    console = Console()
    console.print(
        quality_table(result.report, title=f"{file.name} -> {result.symbol} {result.timeframe}")
    )
    a = result.appended
    console.print(
        f"stored: {a.added:,} new bars, {a.unchanged:,} already present, {a.conflicts:,} conflicts kept"
    )
    if result.quarantine_file is not None:
        console.print(f"quarantined rows: {result.quarantine_file}")


@data_app.command("list")
def list_cmd(home: Path | None = HOME) -> None:
    """Symbols, timeframes, ranges, bar counts and gaps in the store."""
    from tradequorum.data.console import partitions_table
    from tradequorum.data.store import ParquetStore

    store = ParquetStore(_layout(home).store)
    parts = store.partitions()
    if not parts:
        Console().print("the store is empty: use `quorum data import`, `download` or `simulate`")
        return
    Console().print(partitions_table(store.info(s, tf) for s, tf in parts))


@data_app.command("check")
def check_cmd(
    target: str = typer.Argument(..., help="a bar file, or a stored symbol such as BTC/USDT"),
    timeframe: str | None = typer.Option(None, help="timeframe (default: inferred / configured)"),
    tz: str | None = typer.Option(None, help="zone of naive timestamps in a file"),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
    home: Path | None = HOME,
) -> None:
    """Quality report of a file or of a stored symbol (Rich table, or JSON with --json)."""
    from tradequorum.data.console import quality_table
    from tradequorum.data.loaders import read_bars
    from tradequorum.data.quality import infer_timeframe, validate_bars
    from tradequorum.data.store import ParquetStore

    path = Path(target)
    now: pd.Timestamp | None = None
    if path.exists():
        raw = read_bars(path, tz=tz)
        tf = timeframe or infer_timeframe(pd.DatetimeIndex(raw.index))
        symbol = None
    else:
        settings = _settings(home)
        tf = timeframe or settings.timeframe
        raw = ParquetStore(HomeLayout(settings.home.expanduser()).store).read(target, tf)
        symbol, now = target, SystemClock().now()
    report = validate_bars(raw, timeframe=tf, symbol=symbol, now=now).report
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        Console().print(quality_table(report, title=f"quality of {target}"))


@data_app.command("download")
def download_cmd(
    symbol: str = typer.Option("BTC/USDT", help="ccxt symbol"),
    timeframe: str = typer.Option("1m"),
    since: str = typer.Option(..., help="first bar, e.g. 2024-01-01 (UTC)"),
    until: str | None = typer.Option(None, help="last bar (default: now)"),
    exchange: str = typer.Option("binance", help="ccxt exchange id"),
    market_type: list[str] = typer.Option(["spot"], "--market-type", help="spot, linear, inverse"),
    home: Path | None = HOME,
) -> None:
    """Download closed bars with ccxt (resumes after the newest stored bar)."""
    from tradequorum.data.download import Downloader, make_exchange
    from tradequorum.data.store import ParquetStore

    layout = _layout(home)
    ex = make_exchange(exchange, market_types=tuple(market_type))
    dl = Downloader(ex, ParquetStore(layout.store), layout.quarantine)
    start, end = pd.Timestamp(since, tz="UTC"), pd.Timestamp(until, tz="UTC") if until else None
    with Progress() as progress:
        result = dl.download(symbol, timeframe, start, until=end, progress=progress)
    Console().print(f"{result.bars_added:,} bars added in {result.requests} requests "
                    f"({result.first} -> {result.last}); {result.quarantined} quarantined")  # fmt: skip


@data_app.command("simulate")
def simulate_cmd(
    symbol: str = typer.Option("SIM/USDT", help="symbol to store the synthetic bars under"),
    timeframe: str = typer.Option("1m"),
    bars: int = typer.Option(4320, min=1, help="number of bars (4320 = 3 days of 1m)"),
    seed: int = typer.Option(7),
    start: str = typer.Option("2024-01-01", help="open time of the first bar (UTC)"),
    gaps: float = typer.Option(0.0, min=0.0, max=0.5, help="probability that a bar starts a gap"),
    home: Path | None = HOME,
) -> None:
    """Store seeded SYNTHETIC bars (regimes, volatility clustering, taker flow) for offline use."""
    from tradequorum.data.simulator import SimulatorParams, simulate_bars
    from tradequorum.data.store import ParquetStore

    frame = simulate_bars(bars, seed=seed, start=start, timeframe=timeframe,
                          params=SimulatorParams(gap_probability=gaps))  # fmt: skip
    result = ParquetStore(_layout(home).store).append(frame, symbol, timeframe)
    Console().print(f"synthetic {symbol} {timeframe}: {result.added:,} bars added "
                    f"({frame.index[0]} -> {frame.index[-1]}); these bars are simulated, not market data")  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add ``quorum data ...`` to the root app."""
    app.add_typer(data_app, name="data")
