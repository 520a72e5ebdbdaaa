"""The fill model shared by the backtest engine, replay and the paper broker (DESIGN §7).

Every function is a small pure float function compiled by numba, so the engine's kernels and the
paper broker (plain Python calls) compute bit-identical prices and fees.

Semantics
---------
* A market order decided at the close of bar ``t`` fills at the **open of bar t+1**, moved against
  the trader by slippage: ``open * slippage_bps / 1e4 + atr_frac * atr`` (``atr`` known at ``t``).
  ``side`` is +1 for a buy and -1 for a sell.
* The fee is charged per side on the absolute notional: ``|units * price| * fee_bps / 1e4``.
* Stops and targets are checked inside each bar after the open:

  - the open gaps through the stop (long: ``open <= stop``) -> stop fill at the open;
  - the open gaps through the target (long: ``open >= target``) -> target fill at the open;
  - otherwise a bar whose range touches the stop is a stop, **even if it also touches the
    target** (the pessimistic rule); a bar that touches only the target is a target fill at the
    target level.

  A stop is a stop-market order: its price (level or gapped open) is moved by the same slippage.
  A target is a limit order: no slippage.
"""

from __future__ import annotations

import math

from numba import njit

EXIT_NONE = 0
EXIT_SIGNAL = 1
EXIT_STOP = 2
EXIT_TARGET = 3
EXIT_OPEN = 4
EXIT_REASONS: dict[int, str] = {
    EXIT_NONE: "none",
    EXIT_SIGNAL: "signal",
    EXIT_STOP: "stop",
    EXIT_TARGET: "target",
    EXIT_OPEN: "open",
}


@njit(cache=True)
def slippage(price: float, slippage_bps: float, atr: float, atr_frac: float) -> float:
    """Absolute slippage (price units, >= 0): ``price * bps / 1e4 + atr_frac * atr``.

    A non-finite ATR contributes nothing.

    >>> slippage(100.0, 10.0, 2.0, 0.5)
    1.1
    """
    s = price * slippage_bps * 1e-4
    if atr_frac > 0.0 and math.isfinite(atr):
        s += atr_frac * atr
    return s


@njit(cache=True)
def fill_price(
    open_next: float, side: float, slippage_bps: float, atr: float, atr_frac: float
) -> float:
    """Fill price of a market order at the next bar's open; ``side`` +1 buys, -1 sells.

    >>> fill_price(100.0, 1.0, 10.0, float("nan"), 0.0)
    100.1
    >>> fill_price(100.0, -1.0, 10.0, float("nan"), 0.0)
    99.9
    """
    return open_next + side * slippage(open_next, slippage_bps, atr, atr_frac)


@njit(cache=True)
def fee(notional: float, fee_bps: float) -> float:
    """Fee of one side (quote currency) on the absolute notional.

    >>> fee(-10_000.0, 10.0)
    10.0
    """
    return abs(notional) * fee_bps * 1e-4


@njit(cache=True)
def stop_target_exit(
    open_: float, high: float, low: float, direction: float, stop: float, target: float
) -> tuple[int, float]:
    """Whether a position is stopped or reaches its target inside one bar, and at which raw price.

    ``direction`` is the position's sign (+1 long, -1 short); ``stop``/``target`` may be NaN
    (absent). Returns ``(EXIT_NONE | EXIT_STOP | EXIT_TARGET, price before slippage)``.

    >>> stop_target_exit(100.0, 106.0, 94.0, 1.0, 95.0, 105.0)  # both touched: stop
    (2, 95.0)
    >>> stop_target_exit(90.0, 92.0, 88.0, 1.0, 95.0, 105.0)  # gap through the stop: the open
    (2, 90.0)
    """
    has_stop = math.isfinite(stop)
    has_target = math.isfinite(target)
    if direction > 0.0:
        if has_stop and open_ <= stop:
            return EXIT_STOP, open_
        if has_target and open_ >= target:
            return EXIT_TARGET, open_
        if has_stop and low <= stop:
            return EXIT_STOP, stop
        if has_target and high >= target:
            return EXIT_TARGET, target
    elif direction < 0.0:
        if has_stop and open_ >= stop:
            return EXIT_STOP, open_
        if has_target and open_ <= target:
            return EXIT_TARGET, open_
        if has_stop and high >= stop:
            return EXIT_STOP, stop
        if has_target and low <= target:
            return EXIT_TARGET, target
    return EXIT_NONE, math.nan


@njit(cache=True)
def exit_fill_price(
    kind: int,
    raw_price: float,
    direction: float,
    slippage_bps: float,
    atr: float,
    atr_frac: float,
) -> float:
    """Price actually received for a stop/target exit of a ``direction`` position.

    A stop (market) pays slippage on its raw price; a target (limit) fills at its raw price.

    >>> exit_fill_price(2, 95.0, 1.0, 10.0, float("nan"), 0.0)
    94.905
    """
    if kind == EXIT_STOP:
        return fill_price(raw_price, -direction, slippage_bps, atr, atr_frac)
    return raw_price


__all__ = [
    "EXIT_NONE",
    "EXIT_OPEN",
    "EXIT_REASONS",
    "EXIT_SIGNAL",
    "EXIT_STOP",
    "EXIT_TARGET",
    "exit_fill_price",
    "fee",
    "fill_price",
    "slippage",
    "stop_target_exit",
]
