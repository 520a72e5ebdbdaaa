"""Fake specialists with the real-time workflow's names: small, deterministic, causal.

Each analyst is a vectorized frame function plus an agent that reports the last row of that frame
as a Signal (the signal contract the real analysts follow), so the system backtest can be run on
the same functions. Fault injection: ``FaultPlan`` makes any agent hang or raise.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from tradequorum.agents.base import Agent, AgentContext, Task, require_market
from tradequorum.consensus import evaluate
from tradequorum.core.sizing import fixed_fraction_units
from tradequorum.core.types import Direction, Signal


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


@dataclass
class FaultPlan:
    """agent name -> "hang" | "raise" (optionally only for the first ``times`` calls)."""

    faults: dict[str, str] = field(default_factory=dict)
    hang_s: float = 2.0

    def apply(self, agent: str) -> None:
        kind = self.faults.get(agent)
        if kind == "hang":
            threading.Event().wait(self.hang_s)
        elif kind == "raise":
            raise RuntimeError(f"injected failure in {agent}")


def sma_cross_frame(bars: pd.DataFrame) -> pd.DataFrame:
    c = bars["close"]
    fast, slow = c.rolling(5).mean(), c.rolling(20).mean()
    d = np.sign((fast - slow).to_numpy())
    d = np.where(np.isfinite(d), d, 0.0)
    spread = ((fast - slow).abs() / c).to_numpy()
    conf = np.clip(np.nan_to_num(spread) * 400.0, 0.0, 1.0)
    stop = np.where(d > 0, c * 0.995, np.where(d < 0, c * 1.005, np.nan))
    target = np.where(d > 0, c * 1.01, np.where(d < 0, c * 0.99, np.nan))
    return _frame(bars, d, conf, stop, target)


def momentum_frame(bars: pd.DataFrame) -> pd.DataFrame:
    c = bars["close"]
    r = (c / c.shift(10) - 1.0).to_numpy()
    d = np.where(np.isfinite(r), np.sign(r), 0.0)
    conf = np.clip(np.nan_to_num(np.abs(r)) * 300.0, 0.0, 1.0)
    nan = np.full(len(bars), np.nan)
    return _frame(bars, d, conf, nan, nan)


def flow_frame(bars: pd.DataFrame) -> pd.DataFrame:
    if "taker_buy_volume" in bars:
        share = (bars["taker_buy_volume"] / bars["volume"]).rolling(5).mean().to_numpy()
    else:
        share = np.full(len(bars), np.nan)
    imb = np.nan_to_num(share - 0.5)
    d = np.where(np.abs(imb) > 0.02, np.sign(imb), 0.0)
    conf = np.clip(np.abs(imb) * 5.0, 0.0, 1.0)
    nan = np.full(len(bars), np.nan)
    return _frame(bars, d, conf, nan, nan)


def _frame(bars: pd.DataFrame, d: Any, conf: Any, stop: Any, target: Any) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "direction": np.asarray(d, dtype=np.float64),
            "confidence": np.where(np.asarray(d) == 0, 0.0, np.asarray(conf, dtype=np.float64)),
            "stop": np.asarray(stop, dtype=np.float64),
            "entry_lo": np.full(len(bars), np.nan),
            "entry_hi": np.full(len(bars), np.nan),
            "target": np.asarray(target, dtype=np.float64),
        },
        index=bars.index,
    )


ANALYST_FRAMES: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "smc": sma_cross_frame,
    "ml_model": momentum_frame,
    "microstructure": flow_frame,
}


def _signal(source: str, frame: pd.DataFrame, symbol: str, tf: str) -> dict[str, Any]:
    row = frame.iloc[-1]
    d = float(row["direction"])
    stop = float(row["stop"])
    target = float(row["target"])
    sig = Signal(
        source=source,
        symbol=symbol,
        timeframe=tf,
        timestamp=frame.index[-1].to_pydatetime(),
        direction=Direction.from_sign(d),
        confidence=float(row["confidence"]),
        stop=stop if math.isfinite(stop) else None,
        targets=[target] if math.isfinite(target) else None,
    )
    return sig.model_dump(mode="json")


class _Base(Agent):
    domain: ClassVar[str] = "fake"

    def __init__(self, faults: FaultPlan | None = None) -> None:
        self.faults = faults or FaultPlan()

    def _bars(self, task: Task, ctx: AgentContext) -> pd.DataFrame:
        self.faults.apply(self.name)
        return require_market(ctx, self.name).bars(task.params["symbol"], task.params["timeframe"])


class FakeData(_Base):
    name: ClassVar[str] = "data-pipeline-manager"
    actions: ClassVar[tuple[str, ...]] = (
        "ensure_latest_data",
        "health",
        "prepare_training_data",
        "prepare_wfo_windows",
    )

    def ensure_latest_data(self, task: Task, ctx: AgentContext) -> Out:
        bars = self._bars(task, ctx)
        return Out(
            symbol=task.params["symbol"], bars=len(bars), last_bar=bars.index[-1].isoformat()
        )

    def health(self, task: Task, ctx: AgentContext) -> Out:
        return Out(status="healthy")

    def prepare_training_data(self, task: Task, ctx: AgentContext) -> Out:
        return Out(rows=0)

    def prepare_wfo_windows(self, task: Task, ctx: AgentContext) -> Out:
        return Out(windows=[])


class FakeFeatures(_Base):
    name: ClassVar[str] = "feature-engineer"
    actions: ClassVar[tuple[str, ...]] = ("compute_realtime_features", "build_training_features")

    def compute_realtime_features(self, task: Task, ctx: AgentContext) -> Out:
        c = self._bars(task, ctx)["close"]
        ret = float(c.iloc[-1] / c.iloc[-2] - 1.0) if len(c) > 1 else 0.0
        return Out(symbols={task.params["symbol"]: {"values": {"ret_1": ret}}})

    def build_training_features(self, task: Task, ctx: AgentContext) -> Out:
        return Out(features=["ret_1"])


def _analyst(agent_name: str, source: str, action: str) -> type[_Base]:
    def act(self: _Base, task: Task, ctx: AgentContext) -> Out:
        bars = self._bars(task, ctx)
        frame = ANALYST_FRAMES[source](bars)
        return Out(**_signal(source, frame, task.params["symbol"], task.params["timeframe"]))

    return type(
        f"Fake_{source}",
        (_Base,),
        {"name": agent_name, "actions": (action,), action: act, "__annotations__": {}},
    )


FakeSmc = _analyst("smc-pattern-recognizer", "smc", "analyze")
FakeMl = _analyst("ml-model-engineer", "ml_model", "predict")
FakeFlow = _analyst("market-microstructure-analyst", "microstructure", "analyze")

_VARS = {"smc": "smc_signals", "ml_model": "ml_signals", "microstructure": "microstructure_signals"}


class FakeEvaluator(_Base):
    name: ClassVar[str] = "signal-evaluator"
    actions: ClassVar[tuple[str, ...]] = ("evaluate",)

    def evaluate(self, task: Task, ctx: AgentContext) -> BaseModel:
        self.faults.apply(self.name)
        inputs = task.params["inputs"]
        signals = {s: inputs[v] for s, v in _VARS.items() if "direction" in (inputs.get(v) or {})}
        failed = [s for s, v in _VARS.items() if s not in signals]
        return evaluate(
            signals,
            ctx.settings.consensus,
            failed=failed,
            symbol=task.params["symbol"],
            timeframe=task.params["timeframe"],
            timestamp=pd.Timestamp(task.params["bar"]),
        )


class FakeRisk(_Base):
    name: ClassVar[str] = "risk-manager"
    actions: ClassVar[tuple[str, ...]] = ("assess_trade", "update_risk_state", "assess_model_risk")

    def assess_trade(self, task: Task, ctx: AgentContext) -> Out:
        bars = self._bars(task, ctx)
        ev = task.params["inputs"]["evaluated_signal"]
        close = float(bars["close"].iloc[-1])
        stop = ev.get("stop") or close * 0.99
        eq = float(task.params["portfolio"]["equity"])
        r = ctx.settings.risk
        units = fixed_fraction_units(
            eq,
            close,
            abs(close - stop),
            r.risk_fraction,
            r.tier_scale[ev["tier"]],
            r.max_symbol_notional_fraction,
        )
        # approves at any size: the approved units cap the entry (paper broker and engine), so
        # a non-binding size lets the engine's own formula size it, as the risk=False backtest
        return Out(
            approved=units > 0, units=1e12 if units > 0 else 0.0, reasons=["fake checks passed"]
        )

    def update_risk_state(self, task: Task, ctx: AgentContext) -> Out:
        return Out(ok=True)

    def assess_model_risk(self, task: Task, ctx: AgentContext) -> Out:
        return Out(approved=True)


def fake_agents(faults: FaultPlan | None = None) -> list[_Base]:
    return [
        cls(faults)
        for cls in (FakeData, FakeFeatures, FakeSmc, FakeMl, FakeFlow, FakeEvaluator, FakeRisk)
    ]
