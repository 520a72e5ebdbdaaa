"""CLI commands of this bounded context (registered on the root app by `register`)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this context's commands to the root `quorum` app."""
