"""``quorum status | decisions | agents | explain | confirm | reject | run | replay``."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from tradequorum.config.settings import CONFIG_FILE, Settings, load_settings
from tradequorum.core.errors import TradeQuorumError
from tradequorum.state.layout import HomeLayout

#: catch-up passes at start-up before the scheduler takes over (bounded: a symbol whose feed
#: lags would otherwise keep the same bars to do forever)
CATCH_UP_PASSES = 3
HOME = typer.Option(None, "--home", help="home folder (default: the configuration's home)")


def _settings(home: Path | None) -> Settings:
    if home is None:
        return load_settings(None)
    cfg = home.expanduser() / CONFIG_FILE
    base = load_settings(cfg if cfg.exists() else None)
    return base.model_copy(update={"home": home.expanduser()})


def _journal(settings: Settings) -> Any:
    from tradequorum.state.journal import Journal

    layout = HomeLayout(settings.home_path)
    if not layout.journal.exists():
        raise TradeQuorumError(
            f"no journal in {settings.home_path} (run `quorum demo` or `quorum run`)"
        )
    return Journal(layout.journal)


def _status(home: Path | None, console: Console) -> None:
    from tradequorum.coordinator.logging_setup import recent_problems
    from tradequorum.coordinator.views import read_coordinator_state

    settings = _settings(home)
    layout = HomeLayout(settings.home_path)
    state = read_coordinator_state(layout)  # StateCorrupted is reported by main()
    if state is None:
        console.print(f"no coordinator state in {layout.root} yet")
        return
    console.print(
        f"[bold]{state.trading_state.value}[/] {state.state_reason}  mode {state.mode}  "
        f"config {state.config_hash}  updated {state.updated_at}"
    )
    console.print(
        f"decisions {state.decisions:,}  orders {state.orders:,}  fills {state.fills:,}  "
        f"equity {f'{state.equity:,.2f}' if state.equity is not None else '-'}"
    )
    for sym, bar in state.last_bars.items():
        console.print(f"  {sym}: last completed bar {bar}")
    bad = {n: h for n, h in state.agents.items() if h.get("status") != "healthy"}
    console.print(f"agents: {len(state.agents)} known, {len(bad)} not healthy {sorted(bad) or ''}")
    problems = recent_problems(layout.logs)
    if problems:
        console.print("recent warnings and errors:")
        for p in problems:
            console.print(
                f"  {p.get('time')} {p.get('level')} {p.get('logger')}: {p.get('message')}"
            )


def _decisions(
    home: Path | None, since: str | None, as_json: bool, limit: int, console: Console
) -> None:
    settings = _settings(home)
    with _journal(settings) as j:
        recs = j.decisions(since=pd.Timestamp(since, tz="UTC") if since else None, limit=limit)
    if as_json:
        typer.echo(json.dumps(recs, indent=2))
        return
    table = Table(title=f"decisions ({len(recs)})")
    for col in ("id", "bar", "symbol", "action"):
        table.add_column(col, no_wrap=True)
    for col in ("tier", "state", "reason"):
        table.add_column(col)
    for r in recs:
        d = r["decision"]
        table.add_row(
            r["decision_id"], r["bar"], r["symbol"], d["action"], d["tier"], r["trading_state"],
            "; ".join(d["reasons"])[:48],
        )  # fmt: skip
    console.print(table)


def _agents(home: Path | None, console: Console) -> None:
    from tradequorum.coordinator.views import read_coordinator_state
    from tradequorum.coordinator.wiring import real_agents

    settings = _settings(home)
    state = read_coordinator_state(HomeLayout(settings.home_path))
    health = state.agents if state is not None else {}
    table = Table(title="agents")
    table.add_column("name", no_wrap=True)
    for col in ("domain", "actions", "health", "tasks", "errors"):
        table.add_column(col)
    for a in [*real_agents(replay=False)]:
        h = health.get(a.name, {})
        table.add_row(a.name, a.domain, ", ".join(a.actions), h.get("status", "-"),
                      str(h.get("tasks", 0)), str(h.get("errors", 0)))  # fmt: skip
    for name, spec in settings.extra_agents.items():
        h = health.get(name, {})
        table.add_row(name, "external", ", ".join(spec.get("actions", [])), h.get("status", "-"),
                      str(h.get("tasks", 0)), str(h.get("errors", 0)))  # fmt: skip
    console.print(table)


def _explain(decision_id: str, home: Path | None, console: Console) -> None:
    from tradequorum.coordinator.explain import explain

    settings = _settings(home)
    with _journal(settings) as j:
        exp = explain(j, decision_id)
    rec = exp.record
    console.print(f"[bold]{rec.decision_id}[/] {rec.symbol} {rec.timeframe} bar {rec.bar}")
    console.print(f"inputs: bars fingerprint {rec.input_fingerprint}, model {rec.model_version}, "
                  f"config {rec.config_hash}")  # fmt: skip
    for name, vote in rec.votes.items():
        console.print(f"  vote {name}: {json.dumps(vote)[:160]}")
    if rec.consensus:
        c = rec.consensus
        console.print(f"consensus: {c.get('outcome')} tier {c.get('tier')} strength "
                      f"{c.get('strength')} conviction {c.get('conviction')}")  # fmt: skip
    if rec.risk_verdict:
        console.print(
            f"risk: {rec.risk_verdict.get('status')} {rec.risk_verdict.get('rationale', '')[:200]}"
        )
    console.print(
        f"state {rec.trading_state} (tier cap {rec.tier_cap}); failed {rec.failed_agents}"
    )
    console.print(f"decision: {rec.decision.action} — {rec.rationale}")
    if exp.identical:
        console.print("[bold green]re-derived from the journal: identical[/]")
    else:
        console.print("[bold red]re-derived decision differs:[/]")
        for d in exp.differences:
            console.print(f"  {d}")
        raise typer.Exit(1)


def _answer(decision_id: str, home: Path | None, confirm: bool, console: Console) -> None:
    settings = _settings(home)
    with _journal(settings) as j:
        status = j.answer(decision_id, confirm=confirm)
    console.print(f"{decision_id}: order {status}")


def _load_replay_bars(
    settings: Settings, file: Path | None, symbol: str | None
) -> tuple[str, pd.DataFrame]:
    if file is not None:
        from tradequorum.data import load_file

        bars = load_file(file, symbol=symbol, timeframe=settings.timeframe)
        return symbol or settings.symbols[0], bars
    from tradequorum.data.store import ParquetStore

    sym = symbol or settings.symbols[0]
    return sym, ParquetStore(HomeLayout(settings.home_path).store).read(sym, settings.timeframe)


def _replay(
    home: Path | None, file: Path | None, symbol: str | None, start: str | None, end: str | None,
    state_every: int, console: Console,
) -> None:  # fmt: skip
    from tradequorum.coordinator.logging_setup import configure_logging
    from tradequorum.coordinator.replay import FrameMarket, replay_index, run_replay
    from tradequorum.coordinator.wiring import build_coordinator
    from tradequorum.core.clock import FixedClock

    settings = _settings(home)
    configure_logging(HomeLayout(settings.home_path).logs, level="WARNING")
    sym, bars = _load_replay_bars(settings, file, symbol)
    settings = settings.model_copy(update={"symbols": (sym,)})
    lo = pd.Timestamp(start, tz="UTC") if start else None
    hi = pd.Timestamp(end, tz="UTC") if end else None
    idx = replay_index({sym: bars}, lo, hi)
    if len(idx) == 0:
        raise TradeQuorumError("nothing to replay in the requested range")
    clock = FixedClock(idx[0])
    market = FrameMarket(
        {sym: bars}, settings.timeframe, clock, lookback=settings.data.lookback_bars
    )
    coord = build_coordinator(settings, market=market, clock=clock, replay=True,
                              views_every=state_every, agent_state_files=False)  # fmt: skip
    try:
        summary = run_replay(coord, clock, idx)
    finally:
        coord.close()
    console.print(
        f"replayed {summary.bars:,} bars ({summary.skipped:,} already done) of {sym} in "
        f"{summary.seconds:.1f} s ({summary.bars_per_second:.1f} bars/s); journal "
        f"{HomeLayout(settings.home_path).journal}"
    )


def _run(home: Path | None, console: Console) -> None:
    from tradequorum.coordinator.logging_setup import configure_logging
    from tradequorum.coordinator.scheduler import (
        LiveClock,
        LiveScheduler,
        catch_up,
        install_stop_handlers,
        run_until_stopped,
    )
    from tradequorum.coordinator.wiring import build_coordinator
    from tradequorum.core.clock import SystemClock
    from tradequorum.data.views import StoreMarketView

    settings = _settings(home)
    layout = HomeLayout(settings.home_path)
    layout.create()
    configure_logging(layout.logs)
    clock = LiveClock(SystemClock())
    stop = threading.Event()
    install_stop_handlers(stop)  # a signal during catch-up stops it cleanly too
    caught = 0
    for _ in range(CATCH_UP_PASSES):  # bars that closed during a long catch-up: one more pass
        n = catch_up(settings, clock.now(), stop)
        caught += n
        if n == 0 or stop.is_set():
            break
    if caught:
        console.print(f"caught up {caught} bars since the last completed one")
    if stop.is_set():
        console.print("stopped cleanly (during catch-up)")
        return
    from tradequorum.data.store import ParquetStore

    market = StoreMarketView(
        ParquetStore(layout.store), clock, lookback=settings.data.lookback_bars,
        base_timeframe=settings.timeframe,
    )  # fmt: skip
    coord = build_coordinator(settings, market=market, clock=clock, replay=False, async_views=True)
    console.print(f"quorum run: {', '.join(settings.symbols)} {settings.timeframe}; Ctrl-C to stop")
    try:
        run_until_stopped(LiveScheduler(coord, clock), stop)
    finally:
        coord.close()
    console.print("stopped cleanly")


def register(app: typer.Typer) -> None:
    """Add the coordinator's commands to the root ``quorum`` app."""
    console = Console()

    @app.command("status")
    def status_cmd(home: Path | None = HOME) -> None:
        """Trading state, counts, last completed bars, agent health, recent warnings."""
        _status(home, console)

    @app.command("decisions")
    def decisions_cmd(
        since: str | None = typer.Option(None, help="only bars at or after this UTC time"),
        as_json: bool = typer.Option(False, "--json", help="full records as JSON"),
        limit: int = typer.Option(50, help="at most this many (newest), 0 = all"),
        home: Path | None = HOME,
    ) -> None:
        """Decisions from the journal (newest last)."""
        _decisions(home, since, as_json, limit, console)

    @app.command("agents")
    def agents_cmd(home: Path | None = HOME) -> None:
        """The registered agents, their actions and health."""
        _agents(home, console)

    @app.command("explain")
    def explain_cmd(decision_id: str, home: Path | None = HOME) -> None:
        """Show what a decision was made from and re-derive it from the journal."""
        _explain(decision_id, home, console)

    @app.command("confirm")
    def confirm_cmd(decision_id: str, home: Path | None = HOME) -> None:
        """Confirm an order waiting in confirm mode (sent at the next bar)."""
        _answer(decision_id, home, True, console)

    @app.command("reject")
    def reject_cmd(decision_id: str, home: Path | None = HOME) -> None:
        """Reject an order waiting in confirm mode."""
        _answer(decision_id, home, False, console)

    @app.command("replay")
    def replay_cmd(
        file: Path | None = typer.Option(None, "--file", help="bar file (else the home's store)"),
        symbol: str | None = typer.Option(None, "--symbol", help="symbol (default: configured)"),
        start: str | None = typer.Option(None, "--from", help="first bar to decide (UTC)"),
        end: str | None = typer.Option(None, "--to", help="last bar to decide (UTC)"),
        state_every: int = typer.Option(100, help="rewrite the JSON views every N bars"),
        home: Path | None = HOME,
    ) -> None:
        """Replay history through the real-time workflow as fast as possible (paper broker)."""
        _replay(home, file, symbol, start, end, state_every, console)

    @app.command("run")
    def run_cmd(home: Path | None = HOME) -> None:
        """Run the schedules (bar close, weekly training, daily operations) until SIGINT/SIGTERM."""
        _run(home, console)
