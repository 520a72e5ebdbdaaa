"""The risk manager's verdict on one order: gates, sizing, shrinking, final verification.

Risk always wins: a size that breaks a cap is shrunk to the largest size that respects it, and
the order is vetoed when nothing is left. Fail closed: NaN or non-positive equity, a missing
price, an unknown direction or tier, an unusable stop, a latched kill switch -> vetoed with the
reason. The final size is verified against every check again; an approval never carries a
failed check.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
from pydantic import ValidationError

from tradequorum.config.risk import RiskConfig
from tradequorum.consensus.records import Escalation
from tradequorum.core.ids import IdSequence
from tradequorum.core.types import TradingState
from tradequorum.risk.gates import Gate, gate_checks
from tradequorum.risk.limits import budget_check, exposures
from tradequorum.risk.records import Adjustment, Approval, CheckRecord, MarketInfo, OrderRequest
from tradequorum.risk.sizing import (
    per_trade_risk_fraction,
    size_fixed_fraction,
    size_kelly,
    size_vol_target,
)
from tradequorum.risk.state import RiskState

_VERB = {1.0: "long", -1.0: "short"}


class RiskManager:
    """Approves or vetoes every order (DESIGN §6). Holds only its frozen configuration."""

    def __init__(self, cfg: RiskConfig) -> None:
        self.cfg = cfg

    def assess(
        self,
        request: OrderRequest | Mapping[str, Any],
        state: RiskState | Mapping[str, Any],
        market: MarketInfo | Mapping[str, Any],
        *,
        equity: float | None = None,
        now: pd.Timestamp | None = None,
        ids: IdSequence | None = None,
    ) -> Approval:
        """Assess ``request`` against the portfolio in ``state`` and the ``market`` facts.

        ``equity`` overrides the state's equity (live mark-to-market). ``now`` stamps the record
        and its id (``APR-…``) when given. Never raises for bad input: it vetoes with the reason.
        """
        parsed = _parse(request, state, market)
        if isinstance(parsed, Approval):
            return parsed
        req, st, mkt = parsed
        eq = st.equity if equity is None else equity
        gate = gate_checks(req, st, mkt, eq, self.cfg)
        if not gate.passed:
            return _verdict(req, mkt, gate, None, 0.0, [], [], None, now, ids)
        q0 = self._size(req, mkt, gate, eq)
        q, adjustments = self._shrink(req, st, mkt, gate, eq, q0)
        checks = self._final_checks(req, st, mkt, gate, eq, q)
        escalation = _escalation(gate, now, ids, req.symbol)
        return _verdict(req, mkt, gate, q0, q, checks, adjustments, escalation, now, ids)

    def _size(self, req: OrderRequest, mkt: MarketInfo, gate: Gate, eq: float) -> float:
        if req.units is not None:
            return req.units
        if gate.reducing:
            return gate.held_units
        price, tier, cfg = gate.price, gate.tier, self.cfg
        if cfg.sizing == "vol_target":
            return size_vol_target(eq, price, mkt.annual_volatility or math.nan, tier, cfg)
        if cfg.sizing == "kelly":
            p, b = req.win_probability, req.payoff_ratio
            if p is None or b is None:
                return 0.0
            return size_kelly(eq, price, gate.stop_distance, p, b, tier, cfg)
        return size_fixed_fraction(eq, price, gate.stop_distance, tier, cfg)

    def _caps(
        self, req: OrderRequest, st: RiskState, mkt: MarketInfo, gate: Gate, eq: float
    ) -> list[tuple[str, float, Callable[[float], CheckRecord]]]:
        """(name, max units, check at a size) in the order the cuts are applied."""
        cfg = self.cfg
        caps: list[tuple[str, float, Callable[[float], CheckRecord]]] = []
        if not gate.reducing:
            dist = gate.stop_distance
            risk = eq * per_trade_risk_fraction(cfg) * cfg.scale_for(gate.tier)
            daily = gate.daily_budget
            caps.append(
                (
                    "risk per trade",
                    risk / dist,
                    lambda q: budget_check(q, dist, risk, "RISK_PER_TRADE", "risk per trade"),
                )
            )
            caps.append(
                (
                    "daily loss budget",
                    daily / dist,
                    lambda q: budget_check(
                        q, dist, daily, "DAILY_LOSS_BUDGET", "daily loss budget"
                    ),
                )
            )
        ex = exposures(st.positions, req.symbol, gate.sign, gate.price, eq, mkt.correlations, cfg)
        caps.extend((e.name, e.max_units(), e.check) for e in ex)
        if gate.reduce_only:
            held = gate.held_units
            caps.append(("reduce only", held, lambda q: _reduce_only_check(q, held)))
        return caps

    def _shrink(
        self, req: OrderRequest, st: RiskState, mkt: MarketInfo, gate: Gate, eq: float, q0: float
    ) -> tuple[float, list[Adjustment]]:
        q = q0
        adjustments: list[Adjustment] = []
        if gate.extreme and not gate.reducing and q > 0:
            cut = q * self.cfg.extreme_vol_size_scale
            adjustments.append(_adjust("EXTREME_VOLATILITY", "extreme volatility", q, cut))
            q = cut
        for name, cap, check in self._caps(req, st, mkt, gate, eq):
            record = check(q)
            if not record.passed:
                cut = max(min(cap, q), 0.0)
                adjustments.append(_adjust(record.code, name, q, cut))
                q = cut
        return q, adjustments

    def _final_checks(
        self, req: OrderRequest, st: RiskState, mkt: MarketInfo, gate: Gate, eq: float, q: float
    ) -> list[CheckRecord]:
        cfg = self.cfg
        checks = [check(q) for _, _, check in self._caps(req, st, mkt, gate, eq)]
        notional = q * gate.price
        ok = notional >= cfg.min_notional_usd and q > 0
        checks.append(
            CheckRecord(
                code="MIN_SIZE",
                name="minimum order",
                value=notional,
                limit=cfg.min_notional_usd,
                passed=ok,
                message=f"final notional {notional:,.2f} "
                + ("meets" if ok else "is below")
                + f" the {cfg.min_notional_usd:,.2f} minimum"
                + ("" if ok or q > 0 else f" ({cfg.sizing} sizing left no size)"),
            )
        )
        return checks


def _reduce_only_check(q: float, held: float) -> CheckRecord:
    ok = q <= held * (1 + 1e-12)
    return CheckRecord(
        code="REDUCE_ONLY",
        name="reduce only",
        value=q,
        limit=held,
        passed=ok,
        message=f"order {q:.6g} " + ("within" if ok else "exceeds") + f" the {held:.6g} units held",
    )


def _adjust(code: str, name: str, before: float, after: float) -> Adjustment:
    return Adjustment(
        code=code,
        from_units=before,
        to_units=after,
        message=f"size cut from {before:.6g} to {after:.6g} by {name}",
    )


def _parse(
    request: OrderRequest | Mapping[str, Any],
    state: RiskState | Mapping[str, Any],
    market: MarketInfo | Mapping[str, Any],
) -> tuple[OrderRequest, RiskState, MarketInfo] | Approval:
    parts: list[Any] = []
    for label, model, value in (
        ("order", OrderRequest, request),
        ("risk state", RiskState, state),
        ("market", MarketInfo, market),
    ):
        try:
            parts.append(value if isinstance(value, model) else model.model_validate(value))
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"]) or label
            reason = f"invalid {label}: {loc}: {err['msg']}"
            symbol = (
                str(dict(request).get("symbol", "?"))
                if isinstance(request, Mapping)
                else request.symbol
            )
            code = "INPUT_" + label.upper().replace(" ", "_")
            return veto(symbol, code, f"{label} is valid", reason)
    return parts[0], parts[1], parts[2]


def veto(
    symbol: str,
    code: str,
    name: str,
    reason: str,
    *,
    now: pd.Timestamp | None = None,
    ids: IdSequence | None = None,
) -> Approval:
    """A veto decided before any sizing (bad input, no tradeable evaluation): one failed check."""
    check = CheckRecord(code=code, name=name, value=None, limit=None, passed=False, message=reason)
    return Approval(
        id=(ids or IdSequence()).next("APR", now) if now is not None else None,
        symbol=symbol,
        direction="?",
        tier="?",
        status="vetoed",
        approved=False,
        requested_units=None,
        final_units=0.0,
        units=0.0,
        final_notional=0.0,
        price=None,
        stop_distance=None,
        checks=[check],
        adjustments=[],
        reasons=[reason],
        created=now.to_pydatetime() if now is not None else None,
        rationale=f"vetoed {symbol}: {reason}",
    )


def _stop_price(req: OrderRequest, gate: Gate) -> float | None:
    if req.stop is not None:
        return req.stop
    if gate.sign == 0 or not math.isfinite(gate.stop_distance):
        return None
    return gate.price - gate.sign * gate.stop_distance


def _escalation(
    gate: Gate, now: pd.Timestamp | None, ids: IdSequence | None, symbol: str
) -> Escalation | None:
    if not gate.escalate_weekly or now is None:
        return None
    return Escalation(
        id=(ids or IdSequence()).next("ESC", now),
        type="weekly_drawdown",
        reason=f"{symbol}: weekly drawdown {gate.weekly_drawdown:.2%} is approaching the "
        f"{gate.weekly_limit:.2%} limit",
        options=["continue", "reduce_risk", "halt_trading"],
        created=now.to_pydatetime(),
    )


def _verdict(
    req: OrderRequest,
    mkt: MarketInfo,
    gate: Gate,
    q0: float | None,
    q: float,
    checks: list[CheckRecord],
    adjustments: list[Adjustment],
    escalation: Escalation | None,
    now: pd.Timestamp | None,
    ids: IdSequence | None,
) -> Approval:
    all_checks = gate.checks + checks
    failed = [c for c in all_checks if not c.passed]
    approved = not failed and gate.passed and q > 0
    final = q if approved else 0.0
    reasons = [c.message for c in failed]
    reasons += [a.message for a in adjustments if a.to_units <= 0 and not approved]
    side = _VERB.get(gate.sign, req.direction)
    if approved:
        cuts = "; ".join(a.message for a in adjustments)
        rationale = f"approved {final:.6g} {req.symbol} {side} (tier {gate.tier})" + (
            f": {cuts}" if cuts else f": all {len(all_checks)} checks passed"
        )
    else:
        rationale = f"vetoed {req.symbol} {side}: " + "; ".join(reasons or ["size is zero"])
    return Approval(
        id=(ids or IdSequence()).next("APR", now) if now is not None else None,
        symbol=req.symbol,
        direction=side,
        tier=gate.tier,
        status="approved" if approved else "vetoed",
        approved=approved,
        requested_units=q0,
        final_units=final,
        units=final,
        final_notional=final * gate.price if approved else 0.0,
        price=mkt.price,
        stop_distance=gate.stop_distance,
        stop=_stop_price(req, gate),
        target=req.target,
        checks=all_checks,
        adjustments=adjustments,
        reasons=reasons,
        escalation=escalation,
        decision_id=req.decision_id,
        created=now.to_pydatetime() if now is not None else None,
        rationale=rationale,
    )


def is_halted(state: RiskState) -> bool:
    """True when nothing but cancels may pass."""
    return state.trading_state is TradingState.HALTED or state.kill_switch.latched


__all__ = ["RiskManager", "is_halted", "veto"]
