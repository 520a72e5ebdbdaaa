"""Position sizing (DESIGN §6): fixed fractional risk over the stop distance (default), volatility
targeting and capped fractional Kelly. All return base units >= 0; 0 means "cannot size" (fail
closed). Every method goes through :func:`tradequorum.core.sizing.fixed_fraction_units`, the
numba function the backtester calls too, so replay and backtest size identically.
"""

from __future__ import annotations

import math

from tradequorum.config.risk import RiskConfig
from tradequorum.core.sizing import fixed_fraction_units


def atr_stop_distance(atr: float | None, cfg: RiskConfig) -> float:
    """Stop distance in price units: ``atr_stop_multiple * ATR`` (NaN when ATR is unusable)."""
    if atr is None or not math.isfinite(atr) or atr <= 0:
        return math.nan
    return cfg.atr_stop_multiple * atr


def size_fixed_fraction(
    equity: float, price: float, stop_distance: float, tier: str, cfg: RiskConfig
) -> float:
    """Risk ``risk_fraction * tier_scale`` of equity between entry and stop.

    >>> cfg = RiskConfig()
    >>> round(size_fixed_fraction(100_000.0, 20_000.0, 500.0, "B", cfg), 6)
    0.75
    """
    return float(
        fixed_fraction_units(
            equity,
            price,
            stop_distance,
            cfg.risk_fraction,
            cfg.scale_for(tier),
            cfg.max_symbol_notional_fraction,
        )
    )


def size_vol_target(
    equity: float, price: float, annual_volatility: float, tier: str, cfg: RiskConfig
) -> float:
    """Hold ``vol_target_annual / annual_volatility`` of equity (scaled by tier), capped by the
    per-symbol notional limit. Expressed through the shared kernel with a one-unit price stop.

    >>> cfg = RiskConfig()
    >>> round(size_vol_target(100_000.0, 50_000.0, 0.8, "A", cfg), 6)
    0.5
    """
    if not (math.isfinite(annual_volatility) and annual_volatility > 0):
        return 0.0
    fraction = cfg.vol_target_annual / annual_volatility
    return float(
        fixed_fraction_units(
            equity,
            price,
            price,
            fraction,
            cfg.scale_for(tier),
            cfg.max_symbol_notional_fraction,
        )
    )


def kelly_fraction(win_probability: float, payoff_ratio: float, cfg: RiskConfig) -> float:
    """Capped fractional Kelly: ``clip(kelly_fraction * (p - (1 - p) / b), 0, kelly_cap)``.

    >>> round(kelly_fraction(0.52, 1.0, RiskConfig()), 6)
    0.01
    """
    if not (0.0 <= win_probability <= 1.0) or not (
        payoff_ratio > 0 and math.isfinite(payoff_ratio)
    ):
        return 0.0
    full = win_probability - (1.0 - win_probability) / payoff_ratio
    return min(max(cfg.kelly_fraction * full, 0.0), cfg.kelly_cap)


def size_kelly(
    equity: float,
    price: float,
    stop_distance: float,
    win_probability: float,
    payoff_ratio: float,
    tier: str,
    cfg: RiskConfig,
) -> float:
    """Risk the capped fractional Kelly share of equity over the stop distance (scaled by tier)."""
    fraction = kelly_fraction(win_probability, payoff_ratio, cfg)
    if fraction <= 0:
        return 0.0
    return float(
        fixed_fraction_units(
            equity,
            price,
            stop_distance,
            fraction,
            cfg.scale_for(tier),
            cfg.max_symbol_notional_fraction,
        )
    )


def per_trade_risk_fraction(cfg: RiskConfig) -> float:
    """The most equity one trade may put at risk before the tier scale (Kelly's cap for Kelly)."""
    return cfg.kelly_cap if cfg.sizing == "kelly" else cfg.risk_fraction


__all__ = [
    "atr_stop_distance",
    "kelly_fraction",
    "per_trade_risk_fraction",
    "size_fixed_fraction",
    "size_kelly",
    "size_vol_target",
]
