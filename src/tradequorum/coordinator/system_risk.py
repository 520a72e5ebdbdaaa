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
    """Per-bar outcome of the risk pass over the window (arrays on the window's bars)."""

    rows: dict[str, np.ndarray]  # direction, stop, target, scale, max_units: the engine's rows
    action: np.ndarray  # object: no_trade | vetoed | enter_long | enter_short | hold
    verdict: np.ndarray  # object: approved | vetoed | "" (risk manager not called)
    units: np.ndarray  # the decision's units (risk's final size), 0 when not approved
    risk_state: RiskState | None  # after the last risk call
    engine_runs: int


def _evaluation(row: pd.Series) -> dict[str, Any]:
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
    """The engine over the window with the current decision rows; re-run lazily on change."""

    def __init__(self, bars: pd.DataFrame, rows: dict[str, np.ndarray], es: EngineSettings) -> None:
        self.ohlc = tuple(
            bars[c].to_numpy(dtype=np.float64) for c in ("open", "high", "low", "close")
        )
        self.atr = None
        if es.atr_stop_multiple > 0 or es.slippage_atr_fraction > 0:
            _o, h, lo, c = self.ohlc
            self.atr = wilder_atr(h, lo, c, es.atr_period)
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


def apply_risk(
    bars: pd.DataFrame,
    window: np.ndarray,
    dec: pd.DataFrame,
    settings: Settings,
    *,
    symbol: str,
    lookback: int | None = None,
) -> RiskedDecisions:
    """Run the risk manager and the decision rule over the window's risk bars (module docstring).

    ``bars`` is the full history (the market view sees it up to each bar's close), ``window`` a
    boolean mask of the replayed bars and ``dec`` the vectorized decision frame on ``bars``.
    """
    from tradequorum.coordinator.replay import FrameMarket

    win = dec.loc[window]
    n = len(win)
    rows = {k: win[k].to_numpy(dtype=np.float64, copy=True) for k in ROW}
    engine = _Engine(
        bars.loc[window], rows, EngineSettings.from_config(settings.backtest, settings.risk)
    )
    action = np.full(n, "no_trade", dtype=object)
    verdict = np.full(n, "", dtype=object)
    units = np.zeros(n)
    tf, step = settings.timeframe, timeframe_delta(settings.timeframe)
    clock = FixedClock(win.index[0] + step if n else bars.index[0])
    market = FrameMarket({symbol: bars}, tf, clock, lookback=lookback)
    ctx = AgentContext(clock, settings, HomeLayout(settings.home), market, write_state=False)
    initial = settings.backtest.initial_equity
    state: RiskState | None = None
    standing = TradingState.ACTIVE
    tradeable = win["tradeable"].to_numpy(dtype=bool)
    for i in np.flatnonzero(tradeable).tolist():
        ts = win.index[i]
        positions, cash, equity = engine.result()[:3]
        clock.set(ts + step)
        portfolio = {
            "equity": float(equity[i]),
            "cash": float(cash[i]),
            "initial_equity": initial,
            "positions": {symbol: float(positions[i, 0])},
        }
        params = {"symbol": symbol, "timeframe": tf, "bar": ts.isoformat(), "portfolio": portfolio}
        ev = _evaluation(win.iloc[i])
        try:
            state = mark_state(ctx, portfolio, tf, state or RiskState.fresh(initial))
            approval = assess_marked(ctx, symbol, tf, params, ev, state, ts)
        except DataError as exc:  # as the agent: bad portfolio -> veto, state not saved
            approval = veto(symbol, "INPUT_PORTFOLIO", "portfolio", f"{exc}: fail closed", now=ts)
        eff = effective_state(standing, [])
        decision = decide(
            DecisionInputs(
                evaluation=ev,
                verdict=read_verdict(approval.model_dump(mode="json")),
                failed_agents=[],
                state=eff.state,
                tier_cap=eff.tier_cap,
                position=float(positions[i, 0]),
                required_sources=settings.consensus.required,
                tier_scale=settings.risk.tier_scale,
            )
        )
        action[i], units[i] = decision.action, decision.units
        verdict[i] = "approved" if approval.approved else "vetoed"
        for k, v in zip(ROW, decision.signal_row(), strict=True):
            engine.dirty |= not _same(rows[k][i], v)
            rows[k][i] = v
        if state is not None and state.trading_state is TradingState.HALTED:
            standing = TradingState.HALTED  # the service adopts the latch after the bar
    engine.result()
    return RiskedDecisions(rows, action, verdict, units, state, engine.runs)


__all__ = ["RiskedDecisions", "apply_risk"]
