"""A plain-Python reference of the engine's documented signal-mode rules (one symbol).

Written from docs/backtest.md, independently of the kernel's code, using only the shared fill
model and sizing function: what a bar-by-bar replay through the paper broker does.
"""

from __future__ import annotations

import math

import numpy as np

from tradequorum.backtest.engine import EngineSettings
from tradequorum.backtest.fills import exit_fill_price, fee, fill_price, stop_target_exit
from tradequorum.core.sizing import fixed_fraction_units


def _sign(x: float) -> float:
    return 0.0 if x == 0 else math.copysign(1.0, x)


def _decide(
    x: float,
    pos: float,
    block: float,
    eq: float,
    close: float,
    atr: float,
    stop_in: float,
    s: EngineSettings,
) -> tuple[float | None, float]:
    """Wanted units for a direction signal ``x`` decided at a close; None = no order."""
    d = _sign(x)
    if d < 0 and not s.allow_short:
        d = 0.0
    if d == 0:
        return (0.0, math.nan) if (s.neutral_exits and pos != 0) else (None, math.nan)
    if d == block or _sign(pos) == d:
        return None, math.nan
    stop = stop_in
    if not math.isfinite(stop) and s.atr_stop_multiple > 0 and math.isfinite(atr):
        stop = close - d * s.atr_stop_multiple * atr
    if math.isfinite(stop):
        units = fixed_fraction_units(
            eq, close, d * (close - stop), s.risk_fraction, 1.0, s.max_notional_fraction
        )
    else:
        units = eq * s.max_notional_fraction / close if eq > 0 else 0.0
    return d * units, stop


def _decide_units(
    x: float, pos: float, block: float, stop_in: float, s: EngineSettings
) -> tuple[float | None, float]:
    """Target-units mode: the wanted position as given; only explicit stops."""
    want = 0.0 if (x < 0 and not s.allow_short) else x
    d = _sign(want)
    if d != 0 and d == block and _sign(pos) != d:
        return None, math.nan
    return want, stop_in


def reference_equity(
    ohlc: tuple[np.ndarray, ...],
    atr: np.ndarray,
    sig: np.ndarray,
    stop_in: np.ndarray,
    tgt_in: np.ndarray,
    s: EngineSettings,
    *,
    units_mode: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """(positions, equity) per bar; ``units_mode``: ``sig`` holds wanted signed units."""
    o, h, lo, c = ohlc
    cash, pos, block, stop, tgt = s.initial_equity, 0.0, 0.0, math.nan, math.nan
    positions: list[float] = []
    equity: list[float] = []
    for t in range(len(c)):
        atr_prev = atr[t - 1] if t > 0 else math.nan
        if t > 0 and math.isfinite(sig[t - 1]):
            if block != 0 and _sign(sig[t - 1]) != block:
                block = 0.0
            want, new_stop = (
                _decide_units(sig[t - 1], pos, block, stop_in[t - 1], s)
                if units_mode
                else _decide(
                    sig[t - 1], pos, block, equity[-1], c[t - 1], atr_prev, stop_in[t - 1], s
                )
            )
            if want is not None and want != pos:
                d_new = _sign(want)
                opening = d_new != 0 and d_new != _sign(pos)
                skip = False
                if opening:
                    through_stop = math.isfinite(new_stop) and d_new * (o[t] - new_stop) <= 0
                    through_tgt = (
                        math.isfinite(tgt_in[t - 1]) and d_new * (tgt_in[t - 1] - o[t]) <= 0
                    )
                    if through_stop or through_tgt:
                        want, skip = 0.0, pos == 0
                if not skip:
                    px = fill_price(
                        o[t], _sign(want - pos), s.slippage_bps, atr_prev, s.slippage_atr_fraction
                    )
                    cash += -(want - pos) * px - fee((want - pos) * px, s.fee_bps)
                    if opening and want != 0:
                        stop, tgt = new_stop, tgt_in[t - 1]
                    elif want == 0:
                        stop, tgt = math.nan, math.nan
                    pos = want
        if pos != 0 and (math.isfinite(stop) or math.isfinite(tgt)):
            kind, raw = stop_target_exit(o[t], h[t], lo[t], _sign(pos), stop, tgt)
            if kind:
                px = exit_fill_price(
                    kind, raw, _sign(pos), s.slippage_bps, atr_prev, s.slippage_atr_fraction
                )
                cash += pos * px - fee(pos * px, s.fee_bps)
                block, pos, stop, tgt = _sign(pos), 0.0, math.nan, math.nan
        positions.append(pos)
        equity.append(cash + pos * c[t])
    return np.array(positions), np.array(equity)
