"""The ``quorum`` command. Each bounded context registers its own commands from ``cli/<context>.py``.

Errors raised on purpose (``TradeQuorumError``) are printed as one clear message and exit code 2,
never as a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from tradequorum.cli import (
    audit,
    backtest,
    coordinator,
    data,
    demo,
    home,
    microstructure,
    model,
    risk,
    smc,
)
from tradequorum.core.errors import TradeQuorumError

app = typer.Typer(
    name="quorum",
    help="TradeQuorum: specialists analyse, a coordinator decides, a risk manager can always say no.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for module in (home, data, smc, microstructure, model, backtest, risk, audit, coordinator, demo):
    module.register(app)


@app.callback()
def _root() -> None:
    """TradeQuorum: specialists analyse, a coordinator decides, a risk manager can always say no."""


def main(argv: list[str] | None = None) -> None:
    """Entry point: usage errors are click's; our own errors print one line and exit 2."""
    try:
        app(args=argv)
    except TradeQuorumError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
