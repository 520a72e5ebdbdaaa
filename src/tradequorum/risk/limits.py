"""Exposure limits as check records, and the largest order size each one allows.

Every exposure the risk manager caps is, as a function of the order's size ``q >= 0`` (base
units), ``f(q) = |a + b q| + c``: per-symbol notional, gross, net and correlated exposure. A
limit ``L`` is respected when ``f(q) <= L``, or when the portfolio already breached it and the
order does not make it worse (``f(q) <= f(0)``: risk-reducing orders are always allowed). The
allowed sizes form an interval ``[0, q_max]``, so shrinking is exact.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from tradequorum.config.risk import RiskConfig
from tradequorum.risk.records import CheckRecord, Position

REL_TOL = 1e-9


@dataclass(frozen=True, slots=True)
class Exposure:
    """``f(q) = |a + b q| + c`` in quote currency, with its limit and a readable name."""

    code: str
    name: str
    a: float
    b: float
    c: float
    limit: float

    def value(self, q: float) -> float:
        return abs(self.a + self.b * q) + self.c

    def max_units(self) -> float:
        """Largest ``q`` keeping ``f(q) <= max(limit, f(0))``; ``inf`` if ``b == 0``."""
        if self.b == 0:
            return math.inf
        k = max(self.limit, self.value(0.0)) - self.c
        bound = (k - math.copysign(1.0, self.b) * self.a) / abs(self.b)
        return max(0.0, bound * (1.0 - 4 * REL_TOL))

    def check(self, q: float) -> CheckRecord:
        after, before = self.value(q), self.value(0.0)
        slack = REL_TOL * max(1.0, abs(self.limit))
        within = after <= self.limit + slack
        reduces = after <= before + slack
        if within:
            msg = f"{self.name} {after:,.2f} within {self.limit:,.2f}"
        elif reduces:
            msg = f"{self.name} {after:,.2f} above {self.limit:,.2f} but not increased"
        else:
            msg = f"{self.name} {after:,.2f} would exceed {self.limit:,.2f}"
        return CheckRecord(
            code=self.code,
            name=self.name,
            value=after,
            limit=self.limit,
            passed=within or reduces,
            message=msg,
        )


def _notional(p: Position, symbol: str, price: float) -> float:
    return p.units * (price if p.symbol == symbol else p.price)


def exposures(
    positions: Mapping[str, Position],
    symbol: str,
    sign: float,
    price: float,
    equity: float,
    correlations: Mapping[str, float],
    cfg: RiskConfig,
) -> list[Exposure]:
    """The four capped exposures of adding ``sign * q`` units of ``symbol`` at ``price``.

    A held symbol whose correlation is unknown (missing or NaN) counts as fully correlated in
    the order's direction (fail closed).
    """
    held = {s: p for s, p in positions.items() if p.units != 0}
    own = held[symbol].units * price if symbol in held else 0.0
    others = [p for s, p in held.items() if s != symbol]
    gross_other = math.fsum(abs(p.notional) for p in others)
    net = own + math.fsum(p.notional for p in others)
    corr = own
    for p in others:
        rho = correlations.get(p.symbol, math.nan)
        if not math.isfinite(rho):
            corr += sign * abs(p.notional)
        elif abs(rho) >= cfg.correlation_threshold:
            corr += math.copysign(1.0, rho) * p.notional
    b = sign * price
    return [
        Exposure(
            "SYMBOL_NOTIONAL",
            "symbol notional",
            own,
            b,
            0.0,
            cfg.max_symbol_notional_fraction * equity,
        ),
        Exposure(
            "GROSS_EXPOSURE",
            "gross exposure",
            own,
            b,
            gross_other,
            cfg.max_gross_exposure_fraction * equity,
        ),
        Exposure(
            "NET_EXPOSURE", "net exposure", net, b, 0.0, cfg.max_net_exposure_fraction * equity
        ),
        Exposure(
            "CORRELATED_EXPOSURE",
            "correlated exposure",
            corr,
            b,
            0.0,
            cfg.max_correlated_exposure_fraction * equity,
        ),
    ]


def open_positions_check(
    positions: Mapping[str, Position], symbol: str, cfg: RiskConfig
) -> CheckRecord:
    """A new symbol may open only while fewer than ``max_open_positions`` are open."""
    held = {s for s, p in positions.items() if p.units != 0}
    after = len(held | {symbol})
    ok = symbol in held or after <= cfg.max_open_positions
    verb = "within" if ok else "would exceed"
    return CheckRecord(
        code="OPEN_POSITIONS",
        name="open positions",
        value=float(after),
        limit=float(cfg.max_open_positions),
        passed=ok,
        message=f"{after} open positions {verb} {cfg.max_open_positions}",
    )


def _below_limit(code: str, name: str, value: float, limit: float) -> CheckRecord:
    ok = value < limit
    verdict = "below" if ok else "reached"
    return CheckRecord(
        code=code,
        name=name,
        value=value,
        limit=limit,
        passed=ok,
        message=f"{name} {value:.2%} {verdict} the {limit:.2%} limit",
    )


def loss_checks(
    daily_loss: float, weekly_drawdown: float, cfg: RiskConfig
) -> tuple[CheckRecord, CheckRecord]:
    """Daily loss and weekly drawdown (fractions) against their limits: breached -> reduce only."""
    return (
        _below_limit("DAILY_LOSS", "daily loss", daily_loss, cfg.daily_loss_limit),
        _below_limit(
            "WEEKLY_DRAWDOWN", "weekly drawdown", weekly_drawdown, cfg.weekly_drawdown_limit
        ),
    )


def budget_check(
    q: float, stop_distance: float, budget: float, code: str, name: str
) -> CheckRecord:
    """Loss at the stop (``q * stop_distance``) within a budget in quote currency."""
    at_risk = q * stop_distance
    ok = at_risk <= budget * (1 + REL_TOL) + REL_TOL
    return CheckRecord(
        code=code,
        name=name,
        value=at_risk,
        limit=budget,
        passed=ok,
        message=f"{at_risk:,.2f} at risk " + ("within" if ok else "exceeds") + f" {budget:,.2f}",
    )


__all__ = [
    "REL_TOL",
    "Exposure",
    "budget_check",
    "exposures",
    "loss_checks",
    "open_positions_check",
]
