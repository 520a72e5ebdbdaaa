"""Strategies for backtests and walk-forward: one method, ``signals(bars, params) -> frame``.

A strategy returns a signal frame on the bars' index (float64 ``direction`` in {-1, 0, +1} or
NaN, optional ``stop``, ``target``, ``scale``), causal: row ``t`` uses bars ``<= t`` only, and is
acted on at the open of ``t+1`` by the engine. Built-ins:

* ``sma_cross``: long when SMA(fast) > SMA(slow), short when below (``long_only`` keeps it flat
  instead), stop at ``close -/+ atr_stop * ATR(atr_period)`` (no stop when ``atr_stop`` is 0);
* ``smc``, ``microstructure``: the analysts' own ``compute_signal_frame`` with the parameters
  applied to their configuration section (available once those packages are installed).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
import pandas as pd
from pydantic import ValidationError

from tradequorum.backtest.engine import EngineSettings
from tradequorum.backtest.indicators import sma, wilder_atr
from tradequorum.core.bars import ensure_bars
from tradequorum.core.errors import ConfigError, DataError

Params = Mapping[str, Any]


class Strategy(Protocol):
    """The one-method strategy interface (like freqtrade's hyperopt loss: one method to write)."""

    @property
    def name(self) -> str:
        """The strategy's registry name."""
        ...

    def signals(self, bars: pd.DataFrame, params: Params) -> pd.DataFrame:
        """Signal frame on ``bars.index``; row t uses bars <= t only."""
        ...


@dataclass(frozen=True, slots=True)
class SmaCross:
    """SMA crossover with an ATR stop; parameters ``fast``, ``slow``, ``atr_stop``,
    ``atr_period``, ``long_only``."""

    name: str = "sma_cross"
    defaults: tuple[tuple[str, Any], ...] = (
        ("fast", 10),
        ("slow", 30),
        ("atr_stop", 2.0),
        ("atr_period", 14),
        ("long_only", False),
    )

    def signals(self, bars: pd.DataFrame, params: Params) -> pd.DataFrame:
        p = {**dict(self.defaults), **dict(params)}
        unknown = set(p) - {k for k, _ in self.defaults}
        if unknown:
            raise ConfigError(f"sma_cross has no parameter(s) {sorted(unknown)}")
        fast, slow = int(p["fast"]), int(p["slow"])
        if not 1 <= fast < slow:
            raise ConfigError(f"sma_cross needs 1 <= fast < slow, got fast={fast} slow={slow}")
        ensure_bars(bars)
        close = bars["close"].to_numpy(dtype=np.float64)
        diff = sma(close, fast) - sma(close, slow)
        direction = np.sign(diff)
        if bool(p["long_only"]):
            direction = np.where(direction < 0, 0.0, direction)
        stop = np.full(close.size, np.nan)
        mult = float(p["atr_stop"])
        if mult > 0:
            atr = wilder_atr(
                bars["high"].to_numpy(dtype=np.float64),
                bars["low"].to_numpy(dtype=np.float64),
                close,
                int(p["atr_period"]),
            )
            stop = close - direction * mult * atr
            stop = np.where(direction == 0, np.nan, stop)
        return pd.DataFrame(
            {"direction": direction.astype(np.float64), "stop": stop}, index=bars.index
        )


@dataclass(frozen=True, slots=True)
class AnalystStrategy:
    """Adapter for an analyst package's ``compute_signal_frame(bars, cfg)``; ``params`` update
    the analyst's configuration section (e.g. ``swing_length`` for SMC)."""

    name: str
    module: str
    config_module: str
    config_class: str
    hold_on_neutral: bool = True  # a neutral analyst row means "no new idea", not "exit"

    def signals(self, bars: pd.DataFrame, params: Params) -> pd.DataFrame:
        try:
            mod = importlib.import_module(self.module)
            cfg_cls = getattr(importlib.import_module(self.config_module), self.config_class)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"strategy {self.name!r} is not available: {exc}") from exc
        try:
            cfg = cfg_cls(**dict(params))
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(x) for x in first["loc"])
            raise ConfigError(f"{self.name} parameter {loc}: {first['msg']}") from None
        frame = mod.compute_signal_frame(bars, cfg)
        if not isinstance(frame, pd.DataFrame) or "direction" not in frame.columns:
            raise DataError(f"{self.module}.compute_signal_frame returned no 'direction' column")
        cols = [c for c in ("direction", "stop", "target") if c in frame.columns]
        return frame[cols]


STRATEGIES: Mapping[str, Strategy] = {
    "sma_cross": SmaCross(),
    "smc": AnalystStrategy("smc", "tradequorum.smc.signals", "tradequorum.config.smc", "SmcConfig"),
    "microstructure": AnalystStrategy(
        "microstructure",
        "tradequorum.microstructure.signals",
        "tradequorum.config.microstructure",
        "MicrostructureConfig",
    ),
}


def strategy_settings(strategy: Strategy, settings: EngineSettings) -> EngineSettings:
    """Engine settings adjusted to the strategy: analysts' neutral rows hold the position (it
    ends at its stop, target or an opposite signal) instead of closing it."""
    if getattr(strategy, "hold_on_neutral", False) and settings.neutral_exits:
        return replace(settings, neutral_exits=False)
    return settings


def get_strategy(name: str) -> Strategy:
    """The built-in strategy called ``name``; ConfigError listing the known names otherwise."""
    try:
        return STRATEGIES[name]
    except KeyError:
        raise ConfigError(f"unknown strategy {name!r}; known: {sorted(STRATEGIES)}") from None


__all__ = [
    "STRATEGIES",
    "AnalystStrategy",
    "Params",
    "SmaCross",
    "Strategy",
    "get_strategy",
    "strategy_settings",
]
