"""``quorum init``: write a commented default ``quorum.yaml`` and the home layout of DESIGN §8."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from tradequorum.config.defaults import DEFAULT_CONFIG_TEXT
from tradequorum.config.settings import CONFIG_FILE, load_settings
from tradequorum.state.layout import HomeLayout


def init_home(root: Path, *, force: bool = False) -> Path:
    """Create the layout under ``root`` and a default config (kept if present unless ``force``)."""
    root = root.expanduser()
    HomeLayout(root).create()
    cfg = root / CONFIG_FILE
    if force or not cfg.exists():
        cfg.write_text(
            DEFAULT_CONFIG_TEXT.replace("home: ~/.tradequorum", f"home: {root}"), encoding="utf-8"
        )
    load_settings(cfg, environ={})
    return cfg


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init_cmd(
        directory: Path = typer.Argument(Path("~/.tradequorum"), help="home folder to create"),
        force: bool = typer.Option(False, help="overwrite an existing quorum.yaml"),
    ) -> None:
        """Write a commented default quorum.yaml and the home folder layout."""
        cfg = init_home(directory, force=force)
        Console().print(f"home ready at [bold]{cfg.parent}[/]; configuration in {cfg}")
