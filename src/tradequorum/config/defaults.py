"""The commented default ``quorum.yaml``, generated from the models so it never drifts from them."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel

from tradequorum.config.settings import Settings

_HEADER = """\
# TradeQuorum configuration (quorum.yaml). Every value shown is the default from DESIGN.md.
# Precedence: these defaults < this file < environment QUORUM_SECTION__KEY < command-line flags.
# Secrets (exchange API keys) are read from the environment only, never from this file.
"""

_SECTION_NOTES = {
    "data": "market data source, staleness and the data-unavailable rule",
    "consensus": "signal evaluator: weighted consensus, required participants, tiers",
    "risk": "risk manager: sizing and limits (fractions of equity)",
    "backtest": "fills at next open + slippage, fees per side on notional",
    "walk_forward": "walk-forward optimization and its approve/reject criteria",
    "smc": "smc-pattern-recognizer",
    "microstructure": "market-microstructure-analyst",
    "ml": "labels, purged CV and the LightGBM model",
    "failure": "failure protocol: timeouts, retries, unhealthy threshold",
    "execution": "signal_only | confirm | auto; live trading needs live_trading_opt_in: true",
    "notify": "JSON-lines file and console always; Apprise URLs for anything else",
    "schedule": "bar-close grace, weekly training, daily operations time (UTC)",
}


def _emit(model: BaseModel, indent: int) -> list[str]:
    lines: list[str] = []
    pad = "  " * indent
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if name in {"api_key", "api_secret"}:
            lines.append(f"{pad}# {name}: set QUORUM_EXECUTION__{name.upper()} in the environment")
            continue
        if isinstance(value, BaseModel):
            note = _SECTION_NOTES.get(name) or info.description
            if note:
                lines.append(f"{pad}# {note}")
            lines.append(f"{pad}{name}:")
            lines.extend(_emit(value, indent + 1))
            continue
        dumped: Any = model.model_dump(mode="json", include={name})[name]
        text = yaml.safe_dump({name: dumped}, default_flow_style=True, sort_keys=False).strip()
        text = text[1:-1] if text.startswith("{") else text
        comment = f"  # {info.description}" if info.description else ""
        lines.append(f"{pad}{text}{comment}")
    return lines


def render_default_config() -> str:
    return _HEADER + "\n".join(_emit(Settings(), 0)) + "\n"


DEFAULT_CONFIG_TEXT = render_default_config()

__all__ = ["DEFAULT_CONFIG_TEXT", "render_default_config"]
