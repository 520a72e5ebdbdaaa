"""``quorum demo``: for now the data part (init a home, simulate or import, store, check, summary).

The coordinator engineer extends this with the whole system; keep this module small.
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
    ) -> None:
        """Offline demo: simulated (or your) bars into a fresh home, quality-checked and summarised."""
        from tradequorum.data.demo import run_data_demo

        run_data_demo(home, file, Console())
