"""risk-manager: approves or vetoes every order, keeps the risk state, assesses models (DESIGN §6).

Actions
-------
``assess_trade``
    params ``symbol``, ``timeframe``, ``bar``, ``portfolio`` (``{equity, positions: {symbol:
    units}}``, from the broker), ``inputs.evaluated_signal`` (else the state file), optional
    ``units``, ``flags``. Marks the risk state to the portfolio's equity (the kill switch latches
    here), builds the market facts causally from the closed bars (last close, Wilder ATR, the
    volatility regime, daily correlations with held symbols) and returns the
    :class:`~tradequorum.risk.Approval`; read-merge-writes ``state/risk/trade_approvals.json``
    keyed by symbol (when ``ctx.write_state``) and always saves ``state/risk/risk_state.json``
    (the risk manager's memory: a kill switch latch must survive a restart). Fails closed: no tradeable
    evaluation, no bars or a broken state -> a veto with the reason.
``daily_update`` (alias ``update_risk_state``)
    Marks the state, rolls day/week, writes ``risk_state.json`` and ``daily_risk.json``.
``assess_model`` (alias ``assess_model_risk``)
    Re-checks the training run's model-risk record (``inputs.training_run.risk``) or computes it
    from inline ``params.model_risk`` data; writes ``state/risk/model_risk_assessment.json``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import pandas as pd

from tradequorum.agents.base import Agent, AgentContext, Task
from tradequorum.agents.signal_evaluator import bar_ids, merge_keyed, task_symbol
from tradequorum.core.errors import DataError, TradeQuorumError
from tradequorum.risk.daily import DailyRiskReport, daily_risk_update
from tradequorum.risk.manager import RiskManager, veto
from tradequorum.risk.model_risk import ModelRiskAssessment, assess_model
from tradequorum.risk.records import Approval, MarketInfo, OrderRequest, Position
from tradequorum.risk.state import RiskState, load_risk_state, save_risk_state, update_equity
from tradequorum.risk.volatility import (
    annualized_volatility,
    daily_correlation,
    regime_at_last,
)
from tradequorum.state.json_store import read_json, write_json_atomic

APPROVALS = "trade_approvals"


def _bars(ctx: AgentContext, symbol: str, tf: str) -> pd.DataFrame | None:
    if ctx.market is None:
        return None
    try:
        bars = ctx.market.bars(symbol, tf)
    except (TradeQuorumError, KeyError):  # unknown symbol: treated as "no bars"
        return None
    return bars if len(bars) else None


def _positions(
    ctx: AgentContext, raw: Mapping[str, Any], tf: str, previous: Mapping[str, Position]
) -> dict[str, Position]:
    """Broker positions (units) marked at each symbol's last close, else at the last known mark.

    A held position that cannot be priced at all raises DataError: the exposure limits cannot be
    checked without it, so the trade is vetoed (fail closed).
    """
    out: dict[str, Position] = {}
    for sym, units in raw.items():
        u = float(units.get("units", 0.0)) if isinstance(units, Mapping) else float(units)
        if u == 0:
            continue
        bars = _bars(ctx, sym, tf)
        if bars is not None:
            price = float(bars["close"].iloc[-1])
        elif sym in previous:
            price = previous[sym].price
        else:
            raise DataError(f"cannot price the held position in {sym}: no bars and no last mark")
        out[sym] = Position(symbol=sym, units=u, price=price)
    return out


def _daily_closes(ctx: AgentContext, symbol: str, tf: str, days: int) -> pd.Series | None:
    """Closes for the daily correlation: closed ``1d`` bars when the market view has enough of
    them (the data layer resamples complete days), else the trading timeframe's closes."""
    daily = _bars(ctx, symbol, "1d")
    if daily is not None and len(daily) > min(days, 6):
        return daily["close"]
    bars = _bars(ctx, symbol, tf)
    return None if bars is None else bars["close"]


def _market(
    ctx: AgentContext, symbol: str, tf: str, held: list[str], flags: Mapping[str, Any]
) -> MarketInfo:
    cfg = ctx.settings.risk
    bars = _bars(ctx, symbol, tf)
    if bars is None:
        return MarketInfo(price=None)
    atr, pct = regime_at_last(  # the last row of volatility_regime, bit for bit
        bars.iloc[-(cfg.vol_regime_window_bars + 20 * cfg.atr_period) :],
        period=cfg.atr_period,
        window_bars=cfg.vol_regime_window_bars,
    )
    others = [h for h in held if h != symbol]
    correlations = _correlations(ctx, symbol, tf, others, bars) if others else {}
    vol = annualized_volatility(
        bars,
        timeframe=tf,
        window_bars=cfg.vol_regime_window_bars,
        calendar=ctx.settings.backtest.calendar,
    )
    return MarketInfo(
        price=float(bars["close"].iloc[-1]),
        atr=atr,
        annual_volatility=vol if math.isfinite(vol) else None,
        vol_percentile=pct if math.isfinite(pct) else None,
        extreme_volatility=bool(flags.get("extreme", False)),
        correlations=correlations,
        timestamp=bars.index[-1].to_pydatetime(),
    )


def _correlations(
    ctx: AgentContext, symbol: str, tf: str, others: list[str], bars: pd.DataFrame
) -> dict[str, float]:
    """Daily correlation of ``symbol`` with each held other symbol (finite values only)."""
    cfg = ctx.settings.risk
    closes: dict[str, pd.Series] = {}
    for sym in [symbol, *others]:
        close = _daily_closes(ctx, sym, tf, cfg.correlation_lookback_days)
        if close is not None:
            closes[sym] = close
    if symbol not in closes:
        closes[symbol] = bars["close"]
    corr = daily_correlation(closes, lookback_days=cfg.correlation_lookback_days)
    row = corr.loc[symbol].to_numpy(dtype="float64", na_value=math.nan)
    return {
        str(s): float(v)
        for s, v in zip(corr.columns, row, strict=True)
        if s != symbol and math.isfinite(v)
    }


def _evaluation(task: Task, ctx: AgentContext, symbol: str) -> Mapping[str, Any] | None:
    ev = (task.params.get("inputs") or {}).get("evaluated_signal")
    if ev is None:
        path = ctx.layout.signals("evaluated_signal")
        if path.exists():
            ev = (read_json(path) or {}).get(symbol)
    return ev if isinstance(ev, Mapping) else None


def _order(ev: Mapping[str, Any], symbol: str, params: Mapping[str, Any]) -> OrderRequest:
    """The order implied by a tradeable evaluation (``units`` and the Kelly inputs from params)."""
    targets = ev.get("targets") or []
    units = params.get("units")
    return OrderRequest(
        symbol=symbol,
        direction=str(ev.get("direction")),
        tier=str(ev.get("tier", "D")),
        units=float(units) if units is not None else None,
        stop=ev.get("stop"),
        target=targets[0] if targets else None,
        win_probability=params.get("win_probability"),
        payoff_ratio=params.get("payoff_ratio"),
        decision_id=params.get("decision_id"),
    )


def _state(ctx: AgentContext, portfolio: Mapping[str, Any], tf: str) -> RiskState:
    path = ctx.layout.risk("risk_state")
    initial = float(portfolio.get("initial_equity", ctx.settings.backtest.initial_equity))
    return mark_state(ctx, portfolio, tf, load_risk_state(path, initial_equity=initial))


def mark_state(
    ctx: AgentContext, portfolio: Mapping[str, Any], tf: str, state: RiskState
) -> RiskState:
    """Mark ``state`` to the broker's portfolio at the clock's now (day/week roll, peaks, kill
    switch latch). Shared with the system backtest. DataError for bad equity or an unpriceable
    position (the caller vetoes)."""
    equity = float(portfolio.get("equity", state.equity))
    raw = portfolio.get("positions") or {}
    positions = _positions(ctx, raw, tf, state.positions) if "positions" in portfolio else None
    return update_equity(state, equity, ctx.clock.now(), ctx.settings.risk, positions=positions)


def assess_marked(
    ctx: AgentContext,
    symbol: str,
    tf: str,
    params: Mapping[str, Any],
    ev: Mapping[str, Any] | None,
    state: RiskState,
    now: pd.Timestamp,
) -> Approval:
    """The verdict of ``assess_trade`` on an already marked ``state`` (no file I/O).

    Shared by the agent and :mod:`tradequorum.coordinator.system_backtest`, so replay and the
    vectorized system backtest apply the very same risk manager to the same inputs.
    """
    ids = bar_ids("APR", now, symbol, ctx.settings.symbols, 0)
    if ev is None or not ev.get("tradeable"):
        why = "no evaluation" if ev is None else f"evaluation not tradeable (tier {ev.get('tier')})"
        return veto(
            symbol, "EVALUATION", "tradeable evaluation", why + ": no trade", now=now, ids=ids
        )
    order = _order(ev, symbol, params)
    market = _market(ctx, symbol, tf, list(state.positions), params.get("flags") or {})
    approval = RiskManager(ctx.settings.risk).assess(order, state, market, now=now, ids=ids)
    if approval.escalation is not None:
        esc_id = bar_ids("ESC", now, symbol, ctx.settings.symbols, 1).next("ESC", now)
        approval = approval.model_copy(
            update={"escalation": approval.escalation.model_copy(update={"id": esc_id})}
        )
    return approval


class RiskManagerAgent(Agent):
    """The risk manager: sizing, limits, kill switch, approvals; model risk for training."""

    name: ClassVar[str] = "risk-manager"
    domain: ClassVar[str] = "position sizing, exposure, drawdown, veto"
    actions: ClassVar[tuple[str, ...]] = (
        "assess_trade",
        "daily_update",
        "update_risk_state",
        "assess_model",
        "assess_model_risk",
    )

    def assess_trade(self, task: Task, ctx: AgentContext) -> Approval:
        symbol = task_symbol(task, ctx, self.name)
        tf = str(task.params.get("timeframe", ctx.settings.timeframe))
        portfolio: Mapping[str, Any] = task.params.get("portfolio") or {}
        now = pd.Timestamp(task.params["bar"]) if task.params.get("bar") else ctx.clock.now()
        ids = bar_ids("APR", now, symbol, ctx.settings.symbols, 0)
        try:
            state = _state(ctx, portfolio, tf)
        except DataError as exc:  # bad equity or an unpriceable position: no trade
            approval = veto(
                symbol, "INPUT_PORTFOLIO", "portfolio", f"{exc}: fail closed", now=now, ids=ids
            )
            self._record(ctx, symbol, approval)
            return approval
        ev = _evaluation(task, ctx, symbol)
        approval = assess_marked(ctx, symbol, tf, task.params, ev, state, now)
        # memory: always (latch!); fsynced when the agent keeps its state files (live), only
        # atomic in fast replay, where the journal (WAL, synchronous=NORMAL) is not fsynced either
        save_risk_state(ctx.layout.risk("risk_state"), state, durable=ctx.write_state)
        self._record(ctx, symbol, approval)
        return approval

    @staticmethod
    def _record(ctx: AgentContext, symbol: str, approval: Approval) -> None:
        if ctx.write_state:
            merge_keyed(ctx.layout.risk(APPROVALS), symbol, approval.model_dump(mode="json"))

    def daily_update(self, task: Task, ctx: AgentContext) -> DailyRiskReport:
        tf = str(task.params.get("timeframe", ctx.settings.timeframe))
        state = _state(ctx, task.params.get("portfolio") or {}, tf)
        report = daily_risk_update(state, ctx.settings.risk, ctx.clock.now())
        save_risk_state(ctx.layout.risk("risk_state"), state)
        if ctx.write_state:
            write_json_atomic(ctx.layout.risk("daily_risk"), report)
        return report

    def update_risk_state(self, task: Task, ctx: AgentContext) -> DailyRiskReport:
        return self.daily_update(task, ctx)

    def assess_model(self, task: Task, ctx: AgentContext) -> ModelRiskAssessment:
        p = task.params
        run = (p.get("inputs") or {}).get("training_run") or {}
        record = run.get("risk") if isinstance(run, Mapping) else None
        if isinstance(record, Mapping):
            result = ModelRiskAssessment.model_validate(record)
        elif isinstance(p.get("model_risk"), Mapping):
            data = dict(p["model_risk"])
            positions = data.pop("positions", None)
            result = assess_model(
                str(p.get("model_version", run.get("version", "unknown"))),
                ctx.settings.risk.model,
                positions=pd.Series(positions["values"], index=pd.DatetimeIndex(positions["index"]))
                if positions
                else None,
                train_features=pd.DataFrame(data.pop("train_features"))
                if "train_features" in data
                else None,
                recent_features=pd.DataFrame(data.pop("recent_features"))
                if "recent_features" in data
                else None,
                now=ctx.clock.now(),
                **data,
            )
        else:
            result = ModelRiskAssessment(
                model_version=str(run.get("version", "unknown"))
                if isinstance(run, Mapping)
                else "unknown",
                approved=False,
                checks=[],
                reasons=["no training run or model risk data to assess: rejected (fail closed)"],
                drift_by_feature={},
                created=ctx.clock.now().to_pydatetime(),
            )
        if ctx.write_state:
            write_json_atomic(ctx.layout.risk("model_risk_assessment"), result)
        return result

    def assess_model_risk(self, task: Task, ctx: AgentContext) -> ModelRiskAssessment:
        return self.assess_model(task, ctx)


__all__ = ["APPROVALS", "RiskManagerAgent", "assess_marked", "mark_state"]
