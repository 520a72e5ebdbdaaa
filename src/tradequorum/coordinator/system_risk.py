"""The risk manager inside the system backtest: the same verdicts replay gets, bar for bar.

The consensus and the decision rows stay vectorized (:mod:`~tradequorum.coordinator.system_backtest`).
This module then walks only the bars where the real-time workflow calls the risk manager (its
step 5 runs when ``evaluated_signal.tradeable``) and applies, per such bar, exactly what the
coordinator's cycle applies:

* the portfolio the risk manager sees is the paper broker's after this bar (equity marked at the
  close, position), read from the engine's run, which equals the broker bit for bit;
* :func:`tradequorum.agents.risk_manager.mark_state` then
  :func:`~tradequorum.agents.risk_manager.assess_marked` — the very functions of the agent's
  ``assess_trade`` — on a market view cut at the bar's close (UTC day/week roll-over, peaks and
  the kill switch latch happen there, at the clock's now = the bar's close);
* :func:`tradequorum.coordinator.decisions.decide` on the JSON verdict, with the standing state
  ``HALTED`` once the risk state's kill switch has latched (the service's ``_follow_risk_state``);
  after that every bar is ``no_trade`` (replay has no person to re-enable trading), while the
  risk manager is still called and marked as in the workflow.

Fills are the engine's (``order_at_open`` / ``stop_or_target``, the paper broker's functions).
An approved entry's row carries the approval's final size as ``max_units``, which caps the
engine's entry exactly as the order's ``quantity`` caps the paper broker's. A decision changes
what the engine trades only when its row differs from the optimistic row (veto, halt, a cap); the engine is then re-run before the next risk bar needs its portfolio, so the cost
is one numba pass per changed decision, not a Python step per bar.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tradequorum.agents.base import AgentContext
from tradequorum.agents.risk_manager import assess_marked, mark_state
from tradequorum.backtest.engine import EngineSettings, run_arrays
from tradequorum.backtest.indicators import wilder_atr
from tradequorum.config.settings import Settings
from tradequorum.coordinator.decisions import DecisionInputs, decide, read_verdict
from tradequorum.coordinator.trading import effective_state
from tradequorum.core.clock import FixedClock
from tradequorum.core.errors import DataError
from tradequorum.core.timeframes import timeframe_delta
from tradequorum.core.types import TradingState
from tradequorum.risk.manager import veto
from tradequorum.risk.state import RiskState
from tradequorum.state.layout import HomeLayout

ROW = ("direction", "stop", "target", "scale", "max_units")


@dataclass(slots=True)
class RiskedDecisions:
    """Per-bar outcome of the risk pass over the window (arrays on the window's bars; 2-D
    ``(bars, symbols)`` from :func:`apply_portfolio_risk`, 1-D from :func:`apply_risk`)."""

    rows: dict[str, np.ndarray]  # direction, stop, target, scale, max_units: the engine's rows
    action: np.ndarray  # object: no_trade | vetoed | enter_long | enter_short | hold
    verdict: np.ndarray  # object: approved | vetoed | "" (risk manager not called)
    units: np.ndarray  # the decision's units (risk's final size), 0 when not approved
    risk_state: RiskState | None  # after the last risk call
    engine_runs: int


def _evaluation(row: Any) -> dict[str, Any]:
    """The evaluated signal the workflow's risk and decision steps read, from a frame row."""
    side = float(row["direction"]) if math.isfinite(float(row["direction"])) else 0.0
    target = float(row["target"])
    stop = float(row["stop"])
    return {
        "direction": "bullish" if side > 0 else ("bearish" if side < 0 else "neutral"),
        "tier": str(row["tier"]),
        "tradeable": bool(row["tradeable"]),
        "stop": stop if math.isfinite(stop) else None,
        "targets": [target] if math.isfinite(target) else [],
    }


def _same(a: float, b: float) -> bool:
    return (a == b) or (math.isnan(a) and math.isnan(b))


class _Engine:
    """The engine over the window with the current decision rows (``(n, m)``); re-run lazily."""

    def __init__(
        self, ohlc: tuple[np.ndarray, ...], rows: dict[str, np.ndarray], es: EngineSettings
    ) -> None:
        self.ohlc = ohlc
        self.atr = None
        if es.atr_stop_multiple > 0 or es.slippage_atr_fraction > 0:
            _o, h, lo, c = ohlc
            cols = [
                wilder_atr(h[:, j], lo[:, j], c[:, j], es.atr_period) for j in range(c.shape[1])
            ]
            self.atr = np.column_stack(cols)
        self.rows, self.es = rows, es
        self.dirty, self.runs = True, 0
        self.raw: tuple[np.ndarray, ...] = ()

    def result(self) -> tuple[np.ndarray, ...]:
        if self.dirty:
            r = self.rows
            self.raw = run_arrays(
                self.ohlc,  # type: ignore[arg-type]
                r["direction"],
                self.es,
                stop=r["stop"],
                target=r["target"],
                scale=r["scale"],
                atr=self.atr,
                max_units=r["max_units"],
            )
            self.dirty, self.runs = False, self.runs + 1
        return self.raw


def apply_portfolio_risk(
    bars: Mapping[str, pd.DataFrame],
    window: np.ndarray,
    decisions: Mapping[str, pd.DataFrame],
    settings: Settings,
    *,
    lookback: int | None = None,
) -> RiskedDecisions:
    """The risk pass over several symbols sharing one paper account (module docstring).

    ``bars`` and ``decisions`` are keyed by symbol, in the order the coordinator runs them
    (``settings.symbols``: the broker's order, the order of the risk calls within a bar), on one
    shared index; ``window`` masks the replayed bars. Within a bar every symbol sees the same
    portfolio (orders are placed at the bar's commit) while the risk state is marked call after
    call; the standing ``HALTED`` is adopted after the bar, as the service does after its commit.
    """
    from tradequorum.coordinator.replay import FrameMarket

    symbols = list(bars)
    first = bars[symbols[0]]
    for sym in symbols:
        if not bars[sym].index.equals(first.index) or not decisions[sym].index.equals(first.index):
            raise DataError(f"{sym}: the system backtest needs one bar index for every symbol")
    win_index = first.index[window]
    n, m = len(win_index), len(symbols)
    wins = [decisions[s].loc[window] for s in symbols]
    rows = {k: np.column_stack([w[k].to_numpy(dtype=np.float64) for w in wins]) for k in ROW}
    ohlc = tuple(
        np.column_stack([bars[s].loc[window, c].to_numpy(dtype=np.float64) for s in symbols])
        for c in ("open", "high", "low", "close")
    )
    engine = _Engine(ohlc, rows, EngineSettings.from_config(settings.backtest, settings.risk))
    action = np.full((n, m), "no_trade", dtype=object)
    verdict = np.full((n, m), "", dtype=object)
    units = np.zeros((n, m))
    tf, step = settings.timeframe, timeframe_delta(settings.timeframe)
    clock = FixedClock(win_index[0] + step if n else first.index[0])
    market = FrameMarket(dict(bars), tf, clock, lookback=lookback)
    ctx = AgentContext(clock, settings, HomeLayout(settings.home), market, write_state=False)
    initial = settings.backtest.initial_equity
    state: RiskState | None = None
    standing = TradingState.ACTIVE
    tradeable = np.column_stack([w["tradeable"].to_numpy(dtype=bool) for w in wins])
    for i in np.flatnonzero(tradeable.any(axis=1)).tolist():
        ts = win_index[i]
        positions, cash, equity = engine.result()[:3]  # rows at bar i act from bar i + 1 on
        clock.set(ts + step)
        portfolio = {
            "equity": float(equity[i]),
            "cash": float(cash[i]),
            "initial_equity": initial,
            "positions": {s: float(positions[i, j]) for j, s in enumerate(symbols)},
        }
        for j in np.flatnonzero(tradeable[i]).tolist():
            sym = symbols[j]
            params = {"symbol": sym, "timeframe": tf, "bar": ts.isoformat(),
                      "portfolio": portfolio}  # fmt: skip
            ev = _evaluation(wins[j].iloc[i])
            try:
                state = mark_state(ctx, portfolio, tf, state or RiskState.fresh(initial))
                approval = assess_marked(ctx, sym, tf, params, ev, state, ts)
            except DataError as exc:  # as the agent: bad portfolio -> veto, state not saved
                approval = veto(sym, "INPUT_PORTFOLIO", "portfolio", f"{exc}: fail closed", now=ts)
            eff = effective_state(standing, [])
            decision = decide(
                DecisionInputs(
                    evaluation=ev,
                    verdict=read_verdict(approval.model_dump(mode="json")),
                    failed_agents=[],
                    state=eff.state,
                    tier_cap=eff.tier_cap,
                    position=float(positions[i, j]),
                    required_sources=settings.consensus.required,
                    tier_scale=settings.risk.tier_scale,
                )
            )
            action[i, j], units[i, j] = decision.action, decision.units
            verdict[i, j] = "approved" if approval.approved else "vetoed"
            for k, v in zip(ROW, decision.signal_row(), strict=True):
                engine.dirty |= not _same(rows[k][i, j], v)
                rows[k][i, j] = v
        if state is not None and state.trading_state is TradingState.HALTED:
            standing = TradingState.HALTED  # the service adopts the latch after the bar
    engine.result()
    return RiskedDecisions(rows, action, verdict, units, state, engine.runs)


def apply_risk(
    bars: pd.DataFrame,
    window: np.ndarray,
    dec: pd.DataFrame,
    settings: Settings,
    *,
    symbol: str,
    lookback: int | None = None,
) -> RiskedDecisions:
    """:func:`apply_portfolio_risk` for one symbol, with 1-D arrays.

    ``bars`` is the full history (the market view sees it up to each bar's close), ``window`` a
    boolean mask of the replayed bars and ``dec`` the vectorized decision frame on ``bars``.
    """
    r = apply_portfolio_risk({symbol: bars}, window, {symbol: dec}, settings, lookback=lookback)
    rows = {k: v[:, 0] for k, v in r.rows.items()}
    return RiskedDecisions(
        rows, r.action[:, 0], r.verdict[:, 0], r.units[:, 0], r.risk_state, r.engine_runs
    )


__all__ = ["RiskedDecisions", "apply_portfolio_risk", "apply_risk"]
