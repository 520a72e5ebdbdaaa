"""market-microstructure-analyst: order flow, liquidity and market depth.

Actions
-------
``analyze``
    For each symbol (``params.symbols`` or ``params.symbol``, default the configured symbols) on
    ``params.timeframe``: the latest microstructure signal, the latest ``ms_*`` features and the
    inputs used (``taker_flow`` exact delta, or ``bvc``/``tick`` estimated; ``trades`` when the
    bars were aggregated from prints; ``depth`` when ``params.depth`` gives a Binance websocket
    capture). Writes ``state/signals/microstructure_signals.json`` keyed by symbol.
    ``params.features: false`` leaves ``features`` empty: the ``ms_*`` row is informational
    (nothing in the decision reads it; the feature engineer computes its own through its
    adapter) and costs more than the signal itself, so the real-time workflow turns it off.
``analyze_order_flow``
    The same as ``analyze``, under the name the seed's real-time workflow uses.
``volume_profile``
    POC and 70% value area of the last complete UTC session and of the developing one, plus the
    rolling-window profile, for the daily-operations market context.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from tradequorum.agents.base import Agent, AgentContext, Task, require_market
from tradequorum.core.errors import DataError
from tradequorum.core.types import Evidence, Signal
from tradequorum.microstructure.depth import depth_metrics
from tradequorum.microstructure.depth_feeds import load_binance_ws_capture
from tradequorum.microstructure.features import microstructure_features
from tradequorum.microstructure.profile import rolling_profile, volume_profile
from tradequorum.microstructure.signals import latest_signal
from tradequorum.state.json_store import read_json, write_json_atomic

STATE_NAME = "microstructure_signals"


class SymbolAnalysis(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signal: Signal
    inputs: list[str]
    flow_method: str
    bars_used: int
    features: dict[str, float | None] = Field(default_factory=dict)


class AnalyzeResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    timeframe: str
    symbols: dict[str, SymbolAnalysis]


class ProfileLevels(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: str
    end: str
    poc: float
    va_low: float
    va_high: float
    total_volume: float


class SymbolProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    last_session: ProfileLevels | None
    developing_session: ProfileLevels | None
    rolling: ProfileLevels | None


class VolumeProfileResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    timeframe: str
    symbols: dict[str, SymbolProfile]


def _symbols(task: Task, ctx: AgentContext) -> list[str]:
    if "symbols" in task.params:
        return [str(s) for s in task.params["symbols"]]
    if "symbol" in task.params:
        return [str(task.params["symbol"])]
    return list(ctx.settings.symbols)


def _upto(bars: pd.DataFrame, bar: Any) -> pd.DataFrame:
    """Bars up to the task's ``bar`` (open time) when given: never analyse past the decision bar."""
    if bar is None or len(bars) == 0:
        return bars
    end = pd.Timestamp(bar)
    end = end.tz_localize("UTC") if end.tzinfo is None else end.tz_convert("UTC")
    idx = bars.index
    if isinstance(idx, pd.DatetimeIndex) and end >= idx[-1]:  # the usual case: nothing to cut
        return bars
    stop = int(pd.DatetimeIndex(idx).searchsorted(end, side="right"))  # sorted index
    return bars if stop == len(bars) else bars.iloc[:stop]


def _clean(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _depth_evidence(paths: list[str], levels: int) -> Evidence:
    snaps, _ = load_binance_ws_capture([Path(p) for p in paths], levels=levels)
    if len(snaps) == 0:
        raise DataError("depth capture has no book snapshots after the REST snapshot")
    last = depth_metrics(snaps, levels=levels).iloc[-1]
    return Evidence(
        kind="depth",
        time=str(last.name),
        spread_bps=float(last["spread_bps"]),
        microprice=float(last["microprice"]),
        imbalance_1=float(last["imbalance_1"]),
        **{f"imbalance_{levels}": float(last.iloc[-1])},
    )


class MicrostructureAgent(Agent):
    """The market-microstructure-analyst (DESIGN §1, §4)."""

    name: ClassVar[str] = "market-microstructure-analyst"
    domain: ClassVar[str] = "order flow, liquidity, market depth"
    actions: ClassVar[tuple[str, ...]] = ("analyze", "analyze_order_flow", "volume_profile")

    def analyze(self, task: Task, ctx: AgentContext) -> AnalyzeResult:
        market = require_market(ctx, self.name)
        cfg = ctx.settings.microstructure
        tf = str(task.params.get("timeframe", ctx.settings.timeframe))
        depth = [str(p) for p in task.params.get("depth", [])]
        with_features = bool(task.params.get("features", True))
        out: dict[str, SymbolAnalysis] = {}
        for sym in _symbols(task, ctx):
            bars = _upto(market.bars(sym, tf), task.params.get("bar"))
            sig = latest_signal(bars, cfg, symbol=sym, timeframe=tf)
            feats = microstructure_features(bars, cfg).iloc[-1] if with_features else None
            flow = next(e for e in sig.evidence if e.kind == "order_flow")
            method = str((flow.model_extra or {}).get("method", "unknown"))
            inputs = ["taker_flow" if method == "taker" else method]
            if "large_trade_volume" in bars.columns:
                inputs.append("trades")
            if depth:
                sig = sig.model_copy(
                    update={"evidence": [*sig.evidence, _depth_evidence(depth, 5)]}
                )
                inputs.append("depth")
            out[sym] = SymbolAnalysis(
                signal=sig,
                inputs=inputs,
                flow_method=method,
                bars_used=len(bars),
                features={} if feats is None else {k: _clean(float(v)) for k, v in feats.items()},
            )
        result = AnalyzeResult(timeframe=tf, symbols=out)
        if ctx.write_state:
            self._merge_state(ctx, {k: v.model_dump(mode="json") for k, v in out.items()})
        return result

    def analyze_order_flow(self, task: Task, ctx: AgentContext) -> AnalyzeResult:
        """The seed workflow's name for :meth:`analyze` (realtime_signal_generation step 2)."""
        return self.analyze(task, ctx)

    @staticmethod
    def _merge_state(ctx: AgentContext, entries: dict[str, Any]) -> None:
        path = ctx.layout.signals(STATE_NAME)
        current: dict[str, Any] = {}
        if path.exists():
            loaded = read_json(path)
            current = dict(loaded) if isinstance(loaded, dict) else {}
        current.update(entries)
        write_json_atomic(path, current)

    def volume_profile(self, task: Task, ctx: AgentContext) -> VolumeProfileResult:
        market = require_market(ctx, self.name)
        cfg = ctx.settings.microstructure
        tf = str(task.params.get("timeframe", ctx.settings.timeframe))
        out: dict[str, SymbolProfile] = {}
        for sym in _symbols(task, ctx):
            bars = market.bars(sym, tf)
            out[sym] = _profiles(bars, cfg.profile_bin_bps, cfg.value_area, cfg.profile_window_bars)
        return VolumeProfileResult(timeframe=tf, symbols=out)


def _levels(bars: pd.DataFrame, bin_bps: float, share: float) -> ProfileLevels | None:
    if len(bars) == 0 or float(bars["volume"].sum()) <= 0:
        return None
    vp = volume_profile(bars, bin_bps=bin_bps, value_area=share)
    return ProfileLevels(
        start=str(bars.index[0]),
        end=str(bars.index[-1]),
        poc=vp.poc,
        va_low=vp.va_low,
        va_high=vp.va_high,
        total_volume=vp.total_volume,
    )


def _profiles(bars: pd.DataFrame, bin_bps: float, share: float, window: int) -> SymbolProfile:
    if len(bars) == 0:
        raise DataError("no bars for the volume profile")
    day = pd.DatetimeIndex(bars.index).floor("D")
    today = day[-1]
    last_day = day[day < today]
    prev = bars[day == last_day[-1]] if len(last_day) else bars.iloc[:0]
    roll = rolling_profile(bars.iloc[-window:], window=window, bin_bps=bin_bps, value_area=share)
    tail = bars.iloc[-window:]
    rolling = ProfileLevels(
        start=str(tail.index[0]),
        end=str(tail.index[-1]),
        poc=float(roll["poc"].to_numpy()[-1]),
        va_low=float(roll["va_low"].to_numpy()[-1]),
        va_high=float(roll["va_high"].to_numpy()[-1]),
        total_volume=float(tail["volume"].sum()),
    )
    return SymbolProfile(
        last_session=_levels(prev, bin_bps, share),
        developing_session=_levels(bars[day == today], bin_bps, share),
        rolling=rolling,
    )


__all__ = ["AnalyzeResult", "MicrostructureAgent", "VolumeProfileResult"]
