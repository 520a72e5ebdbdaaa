"""The one position-sizing formula shared by the risk manager, the backtester and replay.

Fixed fractional risk: units = equity * risk_fraction * tier_scale / stop_distance, capped by a
notional fraction of equity. Plain float arithmetic, compiled by numba so the backtest kernels call
the very same function the risk manager calls in Python (replay and backtest must agree exactly).
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True)
def fixed_fraction_units(
    equity: float,
    price: float,
    stop_distance: float,
    risk_fraction: float,
    tier_scale: float,
    max_notional_fraction: float,
) -> float:
    """Units (base asset) to trade; 0.0 when any input makes sizing impossible (fail closed).

    >>> round(fixed_fraction_units(100_000.0, 50_000.0, 500.0, 0.005, 1.0, 0.25), 6)
    0.5
    """
    if not (equity > 0.0 and price > 0.0 and stop_distance > 0.0 and risk_fraction > 0.0):
        return 0.0
    if not (math.isfinite(equity) and math.isfinite(price) and math.isfinite(stop_distance)):
        return 0.0
    if tier_scale <= 0.0 or max_notional_fraction <= 0.0:
        return 0.0
    units = equity * risk_fraction * tier_scale / stop_distance
    cap = equity * max_notional_fraction / price
    return min(units, cap)


__all__ = ["fixed_fraction_units"]
