"""The checks that run before sizing: inputs (fail closed), kill switch, trading state, tier,
loss limits, open positions and the volatility regime. Any failed gate vetoes the order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tradequorum.config.risk import RiskConfig
from tradequorum.core.types import TradingState
from tradequorum.risk.limits import loss_checks, open_positions_check
from tradequorum.risk.records import CheckRecord, MarketInfo, OrderRequest
from tradequorum.risk.sizing import atr_stop_distance
from tradequorum.risk.state import RiskState

DIRECTIONS = {"bullish": 1.0, "long": 1.0, "buy": 1.0, "bearish": -1.0, "short": -1.0, "sell": -1.0}


@dataclass(frozen=True, slots=True)
class Gate:
    """What the gates established: their checks and the facts sizing needs."""

    checks: list[CheckRecord]
    sign: float
    price: float
    tier: str
    stop_distance: float
    daily_budget: float
    reduce_only: bool
    reducing: bool
    held_units: float
    extreme: bool
    escalate_weekly: bool
    weekly_drawdown: float
    weekly_limit: float

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)


def _check(
    code: str, name: str, ok: bool, msg: str, value: float | None = None, limit: float | None = None
) -> CheckRecord:
    return CheckRecord(code=code, name=name, value=value, limit=limit, passed=ok, message=msg)


def _finite_positive(x: float | None) -> bool:
    return x is not None and math.isfinite(x) and x > 0


def _input_checks(req: OrderRequest, mkt: MarketInfo, eq: float) -> list[CheckRecord]:
    d = req.direction.lower()
    units_ok = req.units is None or _finite_positive(req.units)
    return [
        _check(
            "INPUT_EQUITY",
            "equity",
            _finite_positive(eq),
            f"equity {eq!r} "
            + (
                "is usable"
                if _finite_positive(eq)
                else "is not a finite positive amount: fail closed"
            ),
            eq,
        ),
        _check(
            "INPUT_PRICE",
            "price",
            _finite_positive(mkt.price),
            f"price {mkt.price!r} "
            + (
                "is usable"
                if _finite_positive(mkt.price)
                else "is missing or not a finite positive number: fail closed"
            ),
            mkt.price,
        ),
        _check(
            "INPUT_DIRECTION",
            "direction",
            d in DIRECTIONS,
            f"direction {req.direction!r} "
            + (
                "is known"
                if d in DIRECTIONS
                else "is unknown (bullish/bearish expected): fail closed"
            ),
        ),
        _check(
            "INPUT_TIER",
            "tier",
            req.tier in ("A", "B", "C", "D"),
            f"tier {req.tier!r} "
            + (
                "is known"
                if req.tier in "ABCD" and req.tier
                else "is not one of A, B, C, D: fail closed"
            ),
        ),
        _check(
            "INPUT_UNITS",
            "requested units",
            units_ok,
            f"requested units {req.units!r} "
            + ("are usable" if units_ok else "are not a finite positive number"),
        ),
    ]


def _stop_distance(
    req: OrderRequest, mkt: MarketInfo, sign: float, price: float, cfg: RiskConfig
) -> tuple[float, CheckRecord]:
    if req.stop is not None:
        dist = sign * (price - req.stop)
        ok = math.isfinite(dist) and dist > 0 and req.stop > 0
        msg = f"stop {req.stop!r} " + (
            "protects the position"
            if ok
            else "is not a finite price on the protective side of the entry"
        )
        return (dist if ok else math.nan), _check(
            "INPUT_STOP", "stop distance", ok, msg, dist if ok else None
        )
    dist = atr_stop_distance(mkt.atr, cfg)
    ok = math.isfinite(dist)
    msg = (
        f"ATR stop {cfg.atr_stop_multiple:g} x {mkt.atr:.6g}"
        if ok
        else f"no stop and no usable ATR ({mkt.atr!r}): cannot size, fail closed"
    )
    return dist, _check("INPUT_STOP", "stop distance", ok, msg, dist if ok else None)


def _failed_inputs(checks: list[CheckRecord], cfg: RiskConfig) -> Gate:
    nan = math.nan
    return Gate(
        checks=checks,
        sign=0.0,
        price=nan,
        tier="D",
        stop_distance=nan,
        daily_budget=0.0,
        reduce_only=True,
        reducing=False,
        held_units=0.0,
        extreme=False,
        escalate_weekly=False,
        weekly_drawdown=nan,
        weekly_limit=cfg.weekly_drawdown_limit,
    )


def _state_checks(st: RiskState, eq: float, tier: str, cfg: RiskConfig) -> list[CheckRecord]:
    """Kill switch, drawdown from peak and the tier's size scale."""
    latched = st.kill_switch.latched or st.trading_state is TradingState.HALTED
    drawdown = max(0.0, 1.0 - eq / max(st.peak_equity, eq))
    scale = cfg.scale_for(tier)
    return [
        _check(
            "KILL_SWITCH",
            "kill switch",
            not latched,
            "kill switch latched: trading disabled until a person runs `quorum resume --confirm`"
            if latched
            else "kill switch not latched",
        ),
        _check(
            "PEAK_DRAWDOWN",
            "drawdown from peak",
            drawdown < cfg.kill_switch_drawdown,
            f"drawdown {drawdown:.2%} vs kill switch at {cfg.kill_switch_drawdown:.2%}",
            drawdown,
            cfg.kill_switch_drawdown,
        ),
        _check(
            "TIER",
            "signal tier",
            scale > 0,
            f"tier {tier} scales size by {scale:g}" + ("" if scale > 0 else ": no trade"),
            scale,
        ),
    ]


@dataclass(frozen=True, slots=True)
class _LossGate:
    checks: list[CheckRecord]
    reduce_only: bool
    reducing: bool
    weekly: float


def _loss_gate(st: RiskState, eq: float, held_units: float, cfg: RiskConfig) -> _LossGate:
    """Daily loss and weekly drawdown: past a limit only orders shrinking a position pass."""
    daily = max(0.0, 1.0 - eq / st.day_start_equity)
    weekly = max(0.0, 1.0 - eq / max(st.week_peak_equity, eq))
    reduce_only = (
        st.trading_state is TradingState.REDUCING
        or daily >= cfg.daily_loss_limit
        or weekly >= cfg.weekly_drawdown_limit
    )
    reducing = reduce_only and held_units > 0
    checks = []
    for c in loss_checks(daily, weekly, cfg):
        if reducing:
            c = c.model_copy(update={"passed": True})
        elif not c.passed:
            c = c.model_copy(update={"message": c.message + ": only orders that shrink exposure"})
        checks.append(c)
    if reduce_only:
        checks.append(
            _check(
                "TRADING_STATE",
                "trading state",
                reducing,
                "REDUCING: order shrinks the open position"
                if reducing
                else "REDUCING: only orders that shrink exposure are allowed",
            )
        )
    return _LossGate(checks, reduce_only, reducing, weekly)


def _regime_check(mkt: MarketInfo, cfg: RiskConfig) -> tuple[CheckRecord, bool]:
    pct = mkt.vol_percentile
    extreme = mkt.extreme_volatility or (
        pct is not None and math.isfinite(pct) and pct >= cfg.extreme_vol_percentile
    )
    msg = (
        f"extreme volatility: size x{cfg.extreme_vol_size_scale:g}"
        if extreme
        else "volatility regime normal"
    )
    check = _check(
        "EXTREME_VOLATILITY", "volatility regime", True, msg, pct, cfg.extreme_vol_percentile
    )
    return check, extreme


def gate_checks(
    req: OrderRequest, st: RiskState, mkt: MarketInfo, eq: float, cfg: RiskConfig
) -> Gate:
    """Run the pre-sizing gates; ``eq`` is the equity to use (the state's or a live mark)."""
    checks = _input_checks(req, mkt, eq)
    if not all(c.passed for c in checks):
        return _failed_inputs(checks, cfg)
    sign = DIRECTIONS[req.direction.lower()]
    price = float(mkt.price or math.nan)
    held = st.positions.get(req.symbol)
    held_units = abs(held.units) if held is not None and held.units * sign < 0 else 0.0
    checks += _state_checks(st, eq, req.tier, cfg)
    loss = _loss_gate(st, eq, held_units, cfg)
    checks += loss.checks
    stop_distance, stop_check = _stop_distance(req, mkt, sign, price, cfg)
    if not loss.reducing:
        checks += [open_positions_check(st.positions, req.symbol, cfg), stop_check]
    regime, extreme = _regime_check(mkt, cfg)
    checks.append(regime)
    day_start = st.day_start_equity
    budget = max(0.0, cfg.daily_loss_limit * day_start - max(0.0, day_start - eq))
    escalate_at = cfg.weekly_drawdown_escalate_at * cfg.weekly_drawdown_limit
    return Gate(
        checks=checks,
        sign=sign,
        price=price,
        tier=req.tier,
        stop_distance=stop_distance,
        daily_budget=budget,
        reduce_only=loss.reduce_only,
        reducing=loss.reducing,
        held_units=held_units,
        extreme=extreme,
        escalate_weekly=loss.weekly >= escalate_at,
        weekly_drawdown=loss.weekly,
        weekly_limit=cfg.weekly_drawdown_limit,
    )


__all__ = ["DIRECTIONS", "Gate", "gate_checks"]
