"""Numba kernels of the backtest engine: one event loop over bars x symbols, shared cash.

Per bar ``t`` and symbol ``k`` (all decisions use row ``t-1`` only, DESIGN §3):

1. **order at the open**: the decision made at the close of ``t-1`` (a direction or a target
   position) becomes a target position in units; the difference is traded at
   ``fill_price(open[t], side, slippage_bps, atr[t-1], atr_frac)`` and charged ``fee``;
2. **stop / target inside the bar** (``stop_target_exit``): a hit closes the position;
3. **mark**: ``equity[t] = cash[t] + sum_k pos[t, k] * close[t, k]`` (the accounting identity).

Sizing in signal mode uses :func:`tradequorum.core.sizing.fixed_fraction_units` with the equity
marked at the close of ``t-1``, the close of ``t-1`` as the price and the stop distance from that
close: exactly what the risk manager can compute when the decision is made. An optional
per-row cap (``max_units``, the risk manager's approved final size) then bounds the entry:
``units = min(units, cap)`` when the cap is finite (``cap <= 0``: no entry); NaN = no cap, so
"risk always wins" and nothing trades beyond its approval (DESIGN §6). Target modes ignore it.

``order_at_open`` and ``stop_or_target`` (with the state layout ``POS ... BLOCK``) are also
called one bar at a time by :class:`tradequorum.execution.paper.PaperBroker`, so replay fills
equal backtest fills bit for bit: keep their signatures and semantics stable.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from tradequorum.backtest.fills import (
    EXIT_NONE,
    EXIT_OPEN,
    EXIT_SIGNAL,
    exit_fill_price,
    fee,
    fill_price,
    stop_target_exit,
)
from tradequorum.core.sizing import fixed_fraction_units

# Per-symbol state columns.
POS, AVG, REAL, TFEE, ENTRY, MAXU, STOP, TGT, BLOCK = range(9)
N_STATE = 9
# Trade record columns.
T_SYMBOL, T_ENTRY, T_EXIT, T_DIR, T_UNITS, T_ENTRY_PX, T_EXIT_PX, T_PNL, T_FEES, T_REASON, T_RET = (
    range(11)
)
N_TRADE = 11

MODE_SIGNAL = 0
MODE_TARGET_UNITS = 1
MODE_TARGET_FRACTION = 2


@njit(cache=True)
def _sign(x: float) -> float:
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    return 0.0


@njit(cache=True)
def _record_trade(
    state: np.ndarray,
    k: int,
    t: int,
    direction: float,
    price: float,
    reason: int,
    trades: np.ndarray,
    ntr: int,
) -> int:
    """Write the round trip of symbol ``k`` (closed at ``t`` at ``price``) as row ``ntr``."""
    row = trades[ntr]
    row[T_SYMBOL] = k
    row[T_ENTRY] = state[k, ENTRY]
    row[T_EXIT] = t
    row[T_DIR] = direction
    row[T_UNITS] = state[k, MAXU]
    row[T_ENTRY_PX] = state[k, AVG]
    row[T_EXIT_PX] = price
    row[T_PNL] = state[k, REAL] - state[k, TFEE]
    row[T_FEES] = state[k, TFEE]
    row[T_REASON] = reason
    basis = state[k, MAXU] * state[k, AVG]
    row[T_RET] = row[T_PNL] / basis if basis > 0.0 else 0.0
    return ntr + 1


@njit(cache=True)
def _apply_fill(
    state: np.ndarray,
    k: int,
    t: int,
    new_units: float,
    price: float,
    fee_bps: float,
    reason: int,
    trades: np.ndarray,
    ntr: int,
) -> tuple[float, float, int]:
    """Move symbol ``k`` to ``new_units`` at ``price``; return (cash change, fee, trade count)."""
    old = state[k, POS]
    delta = new_units - old
    f = fee(delta * price, fee_bps)
    cash_change = -delta * price - f
    closes = old != 0.0 and (new_units == 0.0 or _sign(new_units) != _sign(old))
    if closes:
        share = abs(old) / abs(delta)
        state[k, REAL] += old * (price - state[k, AVG])
        state[k, TFEE] += f * share
        ntr = _record_trade(state, k, t, _sign(old), price, reason, trades, ntr)
        if new_units != 0.0:
            _open(state, k, t, new_units, price, f * (1.0 - share))
    elif old == 0.0:
        _open(state, k, t, new_units, price, f)
    elif abs(new_units) > abs(old):
        state[k, AVG] = (old * state[k, AVG] + delta * price) / new_units
        state[k, TFEE] += f
        state[k, MAXU] = max(state[k, MAXU], abs(new_units))
    else:
        state[k, REAL] += (old - new_units) * (price - state[k, AVG])
        state[k, TFEE] += f
    state[k, POS] = new_units
    return cash_change, f, ntr


@njit(cache=True)
def _open(state: np.ndarray, k: int, t: int, units: float, price: float, f: float) -> None:
    state[k, POS] = units
    state[k, AVG] = price
    state[k, REAL] = 0.0
    state[k, TFEE] = f
    state[k, ENTRY] = t
    state[k, MAXU] = abs(units)


@njit(cache=True)
def _default_stop(
    d: float, close: float, atr: float, stop_in: float, atr_stop_mult: float
) -> float:
    """The stop of a new ``d`` position: the signal's own level, else ``close -/+ mult * ATR``."""
    if math.isfinite(stop_in):
        return stop_in
    if atr_stop_mult > 0.0 and math.isfinite(atr):
        return close - d * atr_stop_mult * atr
    return math.nan


@njit(cache=True)
def _signal_target(
    sig: float,
    pos: float,
    block: float,
    equity: float,
    close: float,
    stop: float,
    scale: float,
    cap: float,
    params: np.ndarray,
) -> float:
    """Target units from a direction signal; NaN means "no order". ``params`` see run_kernel.

    ``cap`` bounds the entry's units (the approved size; NaN = no cap, ``<= 0`` = no entry).
    """
    risk_fraction, max_notional, neutral_exits, allow_short = (
        params[3],
        params[4],
        params[6],
        params[7],
    )
    if not math.isfinite(sig):
        return math.nan
    d = _sign(sig)
    if d < 0.0 and allow_short == 0.0:
        d = 0.0
    if d == 0.0:
        return 0.0 if (neutral_exits != 0.0 and pos != 0.0) else math.nan
    if d == block or _sign(pos) == d:
        return math.nan
    if not math.isfinite(scale):
        scale = 1.0
    if math.isfinite(stop):
        units = fixed_fraction_units(
            equity, close, d * (close - stop), risk_fraction, scale, max_notional
        )
    elif equity > 0.0 and close > 0.0 and scale > 0.0:
        units = equity * max_notional * scale / close
    else:
        units = 0.0
    if math.isfinite(cap):
        units = min(units, max(cap, 0.0))
    return d * units


@njit(cache=True)
def _order_target(
    mode: int,
    sig: float,
    state: np.ndarray,
    k: int,
    equity: float,
    close: float,
    stop: float,
    scale: float,
    cap: float,
    params: np.ndarray,
) -> float:
    """Target units for symbol ``k`` decided at the previous close; NaN = no order."""
    pos, block = state[k, POS], state[k, BLOCK]
    if math.isfinite(sig) and block != 0.0 and _sign(sig) != block:
        state[k, BLOCK] = 0.0  # the signal changed: re-entry allowed again
        block = 0.0
    if mode == MODE_SIGNAL:
        tgt = _signal_target(sig, pos, block, equity, close, stop, scale, cap, params)
    elif not math.isfinite(sig):
        return math.nan
    elif mode == MODE_TARGET_UNITS:
        tgt = sig
    else:
        s = scale if math.isfinite(scale) else 1.0
        tgt = sig * equity * s / close if (close > 0.0 and equity > 0.0) else 0.0
    if params[7] == 0.0 and tgt < 0.0:
        tgt = 0.0
    if math.isfinite(tgt):
        d = _sign(tgt)
        if d != 0.0 and d == block and _sign(pos) != d:
            return math.nan  # no re-entry after a stop/target until the signal changes
    return tgt


@njit(cache=True)
def _entry_blocked(d: float, open_: float, stop: float, tgt: float) -> bool:
    """An entry is cancelled when the fill bar opens at or through its stop or its target."""
    if math.isfinite(stop) and d * (open_ - stop) <= 0.0:
        return True
    return math.isfinite(tgt) and d * (tgt - open_) <= 0.0


@njit(cache=True)
def order_at_open(
    mode: int,
    state: np.ndarray,
    k: int,
    t: int,
    row: tuple[float, float, float, float, float, float, float, float],
    equity_prev: float,
    params: np.ndarray,
    trades: np.ndarray,
    ntr: int,
) -> tuple[float, float, float, int]:
    """Execute the order decided at ``t-1`` at the open of ``t``: (cash change, notional, fee, ntr).

    ``row`` = (signal, stop, target, scale, close, atr of ``t-1``, open of ``t``, max entry
    units of ``t-1`` (NaN = no cap; signal mode only)).
    """
    sig, stop_in, tgt_in, scale, close_prev, atr_prev, open_, cap = row
    d_sig = _sign(sig) if math.isfinite(sig) else 0.0
    mult = params[5] if mode == MODE_SIGNAL else 0.0  # target mode: only explicit stops
    stop = _default_stop(d_sig, close_prev, atr_prev, stop_in, mult)
    target = _order_target(mode, sig, state, k, equity_prev, close_prev, stop, scale, cap, params)
    pos = state[k, POS]
    if not math.isfinite(target) or target == pos:
        return 0.0, 0.0, 0.0, ntr
    d_new = _sign(target)
    opening = d_new != 0.0 and d_new != _sign(pos)
    if opening:
        stop = _default_stop(d_new, close_prev, atr_prev, stop_in, mult)
        if _entry_blocked(d_new, open_, stop, tgt_in):
            target = 0.0
            if pos == 0.0:
                return 0.0, 0.0, 0.0, ntr
    side = _sign(target - pos)
    px = fill_price(open_, side, params[1], atr_prev, params[2])
    cash, f, ntr = _apply_fill(state, k, t, target, px, params[0], EXIT_SIGNAL, trades, ntr)
    if opening and target != 0.0:
        state[k, STOP] = stop
        state[k, TGT] = tgt_in
    elif target == 0.0:
        state[k, STOP] = math.nan
        state[k, TGT] = math.nan
    return cash, abs(target - pos) * px, f, ntr


@njit(cache=True)
def stop_or_target(
    state: np.ndarray,
    k: int,
    t: int,
    bar: tuple[float, float, float, float],
    params: np.ndarray,
    trades: np.ndarray,
    ntr: int,
) -> tuple[float, float, float, int]:
    """Close symbol ``k`` inside bar ``t`` if its stop or target is hit; ``bar`` = (o, h, l, atr_prev)."""
    pos = state[k, POS]
    if pos == 0.0:
        return 0.0, 0.0, 0.0, ntr
    d = _sign(pos)
    kind, raw = stop_target_exit(bar[0], bar[1], bar[2], d, state[k, STOP], state[k, TGT])
    if kind == EXIT_NONE:
        return 0.0, 0.0, 0.0, ntr
    px = exit_fill_price(kind, raw, d, params[1], bar[3], params[2])
    cash, f, ntr = _apply_fill(state, k, t, 0.0, px, params[0], kind, trades, ntr)
    state[k, BLOCK] = d
    state[k, STOP] = math.nan
    state[k, TGT] = math.nan
    return cash, abs(pos) * px, f, ntr


@njit(cache=True)
def _may_order(mode: int, sig: float, pos: float, block: float, params: np.ndarray) -> bool:
    """Cheap pre-check: False when the decision of the previous bar certainly changes nothing."""
    if sig != sig:  # NaN: no decision
        return False
    if mode != MODE_SIGNAL or block != 0.0:
        return True
    d = _sign(sig)
    if d < 0.0 and params[7] == 0.0:
        d = 0.0  # long-only: a short signal means flat
    if d == _sign(pos):
        return False
    return not (d == 0.0 and params[6] == 0.0)  # neutral holds when neutral_exits is off


@njit(cache=True)
def _grow(trades: np.ndarray) -> np.ndarray:
    """Double the trade buffer (amortized O(1) per trade; avoids one huge up-front buffer)."""
    bigger = np.empty((2 * trades.shape[0], N_TRADE))
    bigger[: trades.shape[0]] = trades
    return bigger


@njit(cache=True)
def run_kernel(
    mode: int,
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    atr: np.ndarray,
    signal: np.ndarray,
    stop: np.ndarray,
    target: np.ndarray,
    scale: np.ndarray,
    max_units: np.ndarray,
    params: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Event loop over ``n`` bars x ``m`` symbols (all 2-D inputs are ``(n, m)`` float64).

    ``max_units`` caps each signal row's entry units (the risk approval; NaN = no cap).

    ``params`` = [fee_bps, slippage_bps, slippage_atr_fraction, risk_fraction,
    max_notional_fraction, atr_stop_multiple, neutral_exits, allow_short, initial_cash].
    Returns (positions (n, m), cash (n), equity (n), traded notional (n), fees (n), trades).
    """
    n, m = close.shape
    state = np.zeros((m, N_STATE))
    state[:, STOP] = np.nan
    state[:, TGT] = np.nan
    trades = np.empty((min(n * m + m, 256 + 4 * m), N_TRADE))
    ntr = 0
    positions = np.zeros((n, m))
    cash_out = np.empty(n)
    equity = np.empty(n)
    notional = np.zeros(n)
    fees = np.zeros(n)
    cash = params[8]
    for t in range(n):
        if ntr + 2 * m + 2 > trades.shape[0]:
            trades = _grow(trades)
        for k in range(m):
            if t > 0 and _may_order(mode, signal[t - 1, k], state[k, POS], state[k, BLOCK], params):
                row = (
                    signal[t - 1, k],
                    stop[t - 1, k],
                    target[t - 1, k],
                    scale[t - 1, k],
                    close[t - 1, k],
                    atr[t - 1, k],
                    open_[t, k],
                    max_units[t - 1, k],
                )
                dc, dn, df, ntr = order_at_open(
                    mode, state, k, t, row, equity[t - 1], params, trades, ntr
                )
                cash += dc
                notional[t] += dn
                fees[t] += df
            if state[k, POS] != 0.0 and (
                state[k, STOP] == state[k, STOP] or state[k, TGT] == state[k, TGT]
            ):
                bar = (open_[t, k], high[t, k], low[t, k], atr[t - 1, k] if t > 0 else np.nan)
                dc, dn, df, ntr = stop_or_target(state, k, t, bar, params, trades, ntr)
                cash += dc
                notional[t] += dn
                fees[t] += df
        mark = cash
        for k in range(m):
            positions[t, k] = state[k, POS]
            mark += state[k, POS] * close[t, k]
        cash_out[t] = cash
        equity[t] = mark
    for k in range(m):
        if state[k, POS] != 0.0 and n > 0:
            px = close[n - 1, k]
            state[k, REAL] += state[k, POS] * (px - state[k, AVG])
            ntr = _record_trade(state, k, n - 1, _sign(state[k, POS]), px, EXIT_OPEN, trades, ntr)
    return positions, cash_out, equity, notional, fees, trades[:ntr].copy()
