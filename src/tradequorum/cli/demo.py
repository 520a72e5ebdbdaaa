"""``quorum demo``: the whole system on a fresh machine (``make demo``).

Data (simulated, or ``--file``) -> a trained model -> one day of 1m bars replayed through the full
coordinator in paper mode -> a summary. ``--data-only`` keeps the first, data-only part (store,
quality check, summary). The logic lives in :mod:`tradequorum.coordinator.demo` and
:mod:`tradequorum.data.demo`; keep this module small.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console


def register(app: typer.Typer) -> None:
    """Add ``quorum demo`` to the root app."""

    @app.command("demo")
    def demo_cmd(
        home: Path = typer.Option(Path(".quorum-demo"), "--home", help="home folder for the demo"),
        file: Path | None = typer.Option(
            None, "--file", help="bar file to use instead of simulated bars"
        ),
        data_only: bool = typer.Option(
            False, "--data-only", help="only store, check and summarise the bars"
        ),
    ) -> None:
        """Offline demo: bars -> trained model -> a day replayed through every agent (paper)."""
        console = Console()
        if data_only:
            from tradequorum.data.demo import run_data_demo

            run_data_demo(home, file, console)
            return
        from tradequorum.coordinator.demo import run_demo

        run_demo(home, file, console)
