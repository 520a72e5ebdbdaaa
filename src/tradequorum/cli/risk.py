"""``quorum resume --confirm`` (re-enable trading after the kill switch) and ``quorum risk status``."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from tradequorum.config.risk import RiskConfig
from tradequorum.config.settings import load_home_settings
from tradequorum.core.clock import SystemClock
from tradequorum.core.errors import TradeQuorumError
from tradequorum.risk.state import RiskState, load_risk_state, resume, save_risk_state
from tradequorum.state.json_store import read_json
from tradequorum.state.layout import HomeLayout

HOME = typer.Option(None, "--home", help="home folder (default: from quorum.yaml, ~/.tradequorum)")


def _load(home: Path | None) -> tuple[HomeLayout, RiskState, RiskConfig]:
    settings = load_home_settings(home)
    layout = HomeLayout(settings.home_path)
    path = layout.risk("risk_state")
    state = load_risk_state(path, initial_equity=settings.backtest.initial_equity)
    return layout, state, settings.risk


def resume_trading(home: Path | None, *, confirm: bool, by: str) -> RiskState:
    """Unlatch the kill switch (a person's decision); refuses without ``confirm``."""
    layout, state, cfg = _load(home)
    if not state.kill_switch.latched:
        raise TradeQuorumError("trading is not halted by the kill switch: nothing to resume")
    if not confirm:
        raise TradeQuorumError(
            f"kill switch latched ({state.kill_switch.reason}); re-enabling trading is a "
            "person's decision: run `quorum resume --confirm`"
        )
    new = resume(state, SystemClock().now(), cfg, by=by)
    save_risk_state(layout.risk("risk_state"), new)
    return new


def _status_table(layout: HomeLayout, state: RiskState, cfg: RiskConfig) -> Table:
    t = Table(title="risk status", show_header=False)
    ks = state.kill_switch
    rows = [
        ("trading state", state.trading_state.value),
        ("kill switch", f"LATCHED: {ks.reason}" if ks.latched else "not latched"),
        ("equity", f"{state.equity:,.2f} (peak {state.peak_equity:,.2f})"),
        ("drawdown", f"{state.drawdown:.2%} (kill switch at {cfg.kill_switch_drawdown:.0%})"),
        ("daily P&L", f"{state.daily_pnl:,.2f}"),
        ("weekly P&L / drawdown", f"{state.weekly_pnl:,.2f} / {state.weekly_drawdown:.2%}"),
        ("positions", ", ".join(f"{s} {p.units:g}" for s, p in state.positions.items()) or "none"),
    ]
    path = layout.risk("trade_approvals")
    if path.exists():
        for sym, rec in (read_json(path) or {}).items():
            if isinstance(rec, dict):
                rows.append((f"last approval {sym}", str(rec.get("rationale", rec.get("status")))))
    for k, v in rows:
        t.add_row(k, v)
    return t


def register(app: typer.Typer) -> None:
    """Add ``resume`` and ``risk status`` to the root ``quorum`` app."""
    risk_app = typer.Typer(help="Risk manager: state, limits, kill switch.", no_args_is_help=True)

    @app.command("resume")
    def resume_cmd(
        confirm: bool = typer.Option(False, "--confirm", help="yes, re-enable trading"),
        home: Path | None = HOME,
        by: str = typer.Option("", help="who re-enables (default: the login name)"),
    ) -> None:
        """Re-enable trading after the peak-drawdown kill switch latched (needs --confirm)."""
        who = by or getpass.getuser()
        new = resume_trading(home, confirm=confirm, by=who)
        Console().print(
            f"trading re-enabled by {who}: state {new.trading_state.value}, "
            f"peak re-based at {new.peak_equity:,.2f}"
        )

    @risk_app.command("status")
    def status_cmd(home: Path | None = HOME) -> None:
        """Equity, drawdown, P&L, kill switch, trading state and the last approvals."""
        layout, state, cfg = _load(home)
        Console().print(_status_table(layout, state, cfg))

    app.add_typer(risk_app, name="risk")


__all__ = ["register", "resume_trading"]
