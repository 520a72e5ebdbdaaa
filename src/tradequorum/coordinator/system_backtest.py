"""The vectorized backtest of the whole configuration: what replay must reproduce bar for bar.

Pipeline, each stage vectorized over the history:

1. every analyst's ``compute_signal_frame`` (direction, confidence, stop, target per bar);
2. :func:`tradequorum.consensus.evaluate_frame` (consensus, tier, tradeable);
3. the winning side's levels exactly as the per-bar evaluator picks them (the strongest
   ``weight * confidence`` vote carrying a stop / a target, ties by source name);
4. the decision rule of :mod:`tradequorum.coordinator.decisions` in array form: a tradeable bar
   becomes ``(direction, stop, target, scale = risk.tier_scale[tier])``, every other bar NaN;
5. the real risk manager and the decision rule on every bar where the workflow calls it (a
   tradeable evaluation), with the paper broker's portfolio after that bar and the same risk
   state evolution (:mod:`tradequorum.coordinator.system_risk`): vetoes, the kill switch latch
   (then ``HALTED``: no trade) and the risk's final size (``units``) come out as in replay, and
   that size caps the entry (``max_units``), as the order's ``quantity`` caps the paper broker;
6. the backtester's engine (same kernel and fill model as the paper broker) from ``start``.

``risk=False`` skips step 5 (every tradeable bar approved): what replay with a risk manager that
approves everything sees. Equality with replay assumes no agent fails (a clean replay).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradequorum.backtest.engine import BacktestResult, EngineSettings, run_backtest, run_portfolio
from tradequorum.config.settings import Settings
from tradequorum.consensus import evaluate_frame
from tradequorum.coordinator.system_risk import apply_portfolio_risk, apply_risk
from tradequorum.core.errors import DataError
from tradequorum.risk.state import RiskState

SignalFrameFn = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True, slots=True)
class SystemBacktest:
    decisions: pd.DataFrame  # consensus columns + direction/stop/target/scale rows for the engine
    result: BacktestResult  # + action, verdict, units per bar when the risk manager was applied
    risk_state: RiskState | None = None  # after the last risk-manager call


def _levels(
    frames: Mapping[str, pd.DataFrame], side: np.ndarray, settings: Settings
) -> tuple[np.ndarray, np.ndarray]:
    """Stop and first target of the strongest winning vote that carries each (NaN if none)."""
    names = sorted(frames)
    n = len(side)
    cfg = settings.consensus
    score = np.full((len(names), n), -np.inf)
    stops = np.full((len(names), n), np.nan)
    targets = np.full((len(names), n), np.nan)
    for i, name in enumerate(names):
        f = frames[name]
        d = np.sign(np.nan_to_num(f["direction"].to_numpy(dtype=np.float64)))
        conf = np.nan_to_num(f["confidence"].to_numpy(dtype=np.float64))
        on_side = (d == side) & (side != 0)
        score[i] = np.where(on_side, cfg.weight(name) * conf, -np.inf)
        stops[i] = f["stop"].to_numpy(dtype=np.float64) if "stop" in f else np.nan
        targets[i] = f["target"].to_numpy(dtype=np.float64) if "target" in f else np.nan
    # stable sort by descending score keeps alphabetical order among ties (names are sorted)
    order = np.argsort(-score, axis=0, kind="stable")
    return _first_finite(stops, score, order), _first_finite(targets, score, order)


def _first_finite(values: np.ndarray, score: np.ndarray, order: np.ndarray) -> np.ndarray:
    n = values.shape[1]
    out = np.full(n, np.nan)
    cols = np.arange(n)
    for rank in range(values.shape[0] - 1, -1, -1):  # best rank written last wins
        idx = order[rank]
        v = values[idx, cols]
        ok = np.isfinite(v) & np.isfinite(score[idx, cols]) & (v > 0)
        out = np.where(ok, v, out)
    return out


def system_decisions(frames: Mapping[str, pd.DataFrame], settings: Settings) -> pd.DataFrame:
    """Consensus + decision rule over whole histories: the engine's signal frame, per bar."""
    ev = evaluate_frame(frames, settings.consensus)
    index = ev.index
    aligned = {k: v.reindex(index) for k, v in frames.items()}
    side = ev["direction"].to_numpy(dtype=np.float64)
    stop, target = _levels(aligned, side, settings)
    tradeable = ev["tradeable"].to_numpy(dtype=bool) & (side != 0)
    scale_map = settings.risk.tier_scale
    scale = np.array([scale_map.get(str(t), 0.0) for t in ev["tier"]], dtype=np.float64)
    out = ev.copy()
    out["direction"] = np.where(tradeable, side, np.nan)
    out["stop"] = np.where(tradeable, stop, np.nan)
    out["target"] = np.where(tradeable, target, np.nan)
    out["scale"] = np.where(tradeable, scale, np.nan)
    out["max_units"] = np.nan  # no cap until the risk pass sets the approved size
    return out


def run_system_backtest(
    bars: pd.DataFrame,
    analysts: Mapping[str, SignalFrameFn],
    settings: Settings,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    symbol: str = "asset",
    risk: bool = True,
    lookback: int | None = None,
) -> SystemBacktest:
    """Run every analyst over the full ``bars``, decide per bar, then backtest ``[start, end]``.

    ``lookback`` must be the replay market view's (``FrameMarket(lookback=...)``): the risk
    manager's market facts (ATR, volatility regime, correlations) are computed on that view.
    """
    frames = {source: fn(bars) for source, fn in analysts.items()}
    dec = system_decisions(frames, settings)
    dec = dec.reindex(bars.index)
    lo = bars.index[0] if start is None else start
    hi = bars.index[-1] if end is None else end
    window = (bars.index >= lo) & (bars.index <= hi)
    engine = EngineSettings.from_config(settings.backtest, settings.risk)
    out = dec.loc[window]
    risk_state = None
    if risk:
        risked = apply_risk(bars, window, dec, settings, symbol=symbol, lookback=lookback)
        out = out.assign(
            **risked.rows, action=risked.action, verdict=risked.verdict, units=risked.units
        )
        risk_state = risked.risk_state
    result = run_backtest(bars.loc[window], out, engine, symbol=symbol)
    return SystemBacktest(decisions=out, result=result, risk_state=risk_state)


@dataclass(frozen=True, slots=True)
class PortfolioSystemBacktest:
    decisions: dict[str, pd.DataFrame]  # per symbol, as SystemBacktest.decisions
    result: BacktestResult  # one shared account: positions[:, j] is symbols[j]
    risk_state: RiskState | None = None


def run_system_portfolio(
    bars: Mapping[str, pd.DataFrame],
    analysts: Mapping[str, SignalFrameFn],
    settings: Settings,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    risk: bool = True,
    lookback: int | None = None,
) -> PortfolioSystemBacktest:
    """:func:`run_system_backtest` for every configured symbol on one paper account.

    ``bars`` holds each of ``settings.symbols`` on one shared bar index (the replay decides a
    symbol only on bars it has; unaligned symbols are refused here rather than approximated).
    The risk pass walks the bars in time and, within a bar, the symbols in the configured order,
    as the coordinator's cycle does (:func:`~tradequorum.coordinator.system_risk.apply_portfolio_risk`).
    """
    symbols = list(settings.symbols)
    if set(symbols) != set(bars):
        raise DataError(f"bars must hold exactly the configured symbols {symbols}")
    ordered = {s: bars[s] for s in symbols}
    index = ordered[symbols[0]].index
    for sym, frame in ordered.items():
        if not frame.index.equals(index):
            raise DataError(f"{sym}: every symbol needs the same bar index (align them first)")
    dec = {
        s: system_decisions({src: fn(b) for src, fn in analysts.items()}, settings).reindex(index)
        for s, b in ordered.items()
    }
    lo = index[0] if start is None else start
    hi = index[-1] if end is None else end
    window = (index >= lo) & (index <= hi)
    out = {s: d.loc[window] for s, d in dec.items()}
    risk_state = None
    if risk:
        r = apply_portfolio_risk(ordered, window, dec, settings, lookback=lookback)
        out = {
            s: d.assign(
                **{k: v[:, j] for k, v in r.rows.items()},
                action=r.action[:, j],
                verdict=r.verdict[:, j],
                units=r.units[:, j],
            )
            for j, (s, d) in enumerate(out.items())
        }
        risk_state = r.risk_state
    engine = EngineSettings.from_config(settings.backtest, settings.risk)
    result = run_portfolio({s: b.loc[window] for s, b in ordered.items()}, out, engine)
    return PortfolioSystemBacktest(decisions=out, result=result, risk_state=risk_state)


__all__ = [
    "PortfolioSystemBacktest",
    "SignalFrameFn",
    "SystemBacktest",
    "run_system_backtest",
    "run_system_portfolio",
    "system_decisions",
]
