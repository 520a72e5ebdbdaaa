"""The root ``Settings`` and how it is loaded: defaults < ``quorum.yaml`` < env ``QUORUM_*`` < CLI.

Env variables nest with ``__``: ``QUORUM_RISK__RISK_FRACTION=0.01``. Secrets (exchange keys) are
accepted from the environment only; a secret written in the YAML file is refused.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, field_validator

from tradequorum.config.base import Section
from tradequorum.config.consensus import ConsensusConfig
from tradequorum.config.coordinator import (
    ExecutionConfig,
    FailureConfig,
    NotifyConfig,
    ScheduleConfig,
)
from tradequorum.config.data import DataConfig
from tradequorum.config.microstructure import MicrostructureConfig
from tradequorum.config.ml import MlConfig
from tradequorum.config.risk import RiskConfig
from tradequorum.config.smc import SmcConfig
from tradequorum.config.validation import BacktestConfig, WalkForwardConfig
from tradequorum.core.errors import ConfigError
from tradequorum.core.timeframes import timeframe_seconds

CONFIG_FILE = "quorum.yaml"
_SECRET_KEYS = {("execution", "api_key"), ("execution", "api_secret")}


class Settings(Section):
    home: Path = Path("~/.tradequorum")
    symbols: tuple[str, ...] = ("BTC/USDT",)
    timeframe: str = "1m"
    htf_timeframes: tuple[str, ...] = ("1h", "4h", "1d")
    workflows: tuple[str, ...] = (
        "realtime_signal_generation",
        "model_training_cycle",
        "walk_forward_optimization",
        "daily_operations",
    )
    data: DataConfig = DataConfig()
    consensus: ConsensusConfig = ConsensusConfig()
    risk: RiskConfig = RiskConfig()
    backtest: BacktestConfig = BacktestConfig()
    walk_forward: WalkForwardConfig = WalkForwardConfig()
    smc: SmcConfig = SmcConfig()
    microstructure: MicrostructureConfig = MicrostructureConfig()
    ml: MlConfig = MlConfig()
    failure: FailureConfig = FailureConfig()
    execution: ExecutionConfig = ExecutionConfig()
    notify: NotifyConfig = NotifyConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    extra_agents: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("symbols")
    @classmethod
    def _symbols(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for s in v:
            base, sep, quote = s.partition("/")
            if not (sep and base and quote and s == s.strip()):
                raise ValueError(
                    f"symbol {s!r} is not in ccxt's unified form BASE/QUOTE (e.g. BTC/USDT)"
                )
        if not v:
            raise ValueError("at least one symbol is needed")
        return v

    @field_validator("timeframe")
    @classmethod
    def _tf(cls, v: str) -> str:
        timeframe_seconds(v)
        return v

    @field_validator("htf_timeframes")
    @classmethod
    def _htf(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for tf in v:
            timeframe_seconds(tf)
        return v

    @property
    def home_path(self) -> Path:
        return self.home.expanduser()

    def config_hash(self) -> str:
        """SHA-256 (16 hex) of the resolved configuration without secrets: stored with every decision."""
        import hashlib

        dumped = self.model_dump(mode="json", exclude={"execution": {"api_key", "api_secret"}})
        return hashlib.sha256(json.dumps(dumped, sort_keys=True).encode()).hexdigest()[:16]


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, raw in environ.items():
        if not key.startswith("QUORUM_") or key == "QUORUM_HOME_TOKEN":
            continue
        path = [p.lower() for p in key[len("QUORUM_") :].split("__") if p]
        if not path:
            continue
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        node = out
        for p in path[:-1]:
            node = node.setdefault(p, {})
        node[path[-1]] = value
    return out


def format_validation_error(err: ValidationError, source: str) -> str:
    lines = [f"invalid configuration in {source}:"]
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "<root>"
        lines.append(f"  {loc}: {e['msg']} (got {e.get('input')!r})")
    return "\n".join(lines)


def read_yaml_config(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"configuration file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping at the top level, got {type(data).__name__}")
    for section, key in _SECRET_KEYS:
        if isinstance(data.get(section), dict) and data[section].get(key) is not None:
            raise ConfigError(
                f"{path}: {section}.{key} is a secret; set it in the environment "
                f"(QUORUM_{section.upper()}__{key.upper()}), never in the file"
            )
    return data


def load_settings(
    path: Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve the configuration. Raises ConfigError naming each bad field's path and the reason."""
    merged: dict[str, Any] = read_yaml_config(path) if path is not None else {}
    merged = _deep_merge(merged, _env_overrides(os.environ if environ is None else environ))
    merged = _deep_merge(merged, overrides or {})
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, str(path or "defaults/env"))) from None


def load_home_settings(home: Path | None) -> Settings:
    """Settings from ``<home>/quorum.yaml`` when it exists (else defaults), ``home`` set to it.

    Without ``home``: defaults and the environment only.
    """
    if home is None:
        return load_settings(None)
    root = home.expanduser()
    cfg = root / CONFIG_FILE
    return load_settings(cfg if cfg.exists() else None, overrides={"home": str(root)})


__all__ = [
    "CONFIG_FILE",
    "Settings",
    "format_validation_error",
    "load_home_settings",
    "load_settings",
    "read_yaml_config",
]
