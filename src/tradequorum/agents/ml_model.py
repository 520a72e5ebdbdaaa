"""ml-model-engineer: LightGBM predictions as signals (source ``ml_model``; DESIGN §4, §7).

Action ``predict`` (alias ``generate_prediction``): for each symbol, the production model's signal
for the latest closed bar -> ``state/signals/ml_signals.json`` keyed by symbol. Without a
production model the action raises AgentError("no production model"): the ML agent is then
unavailable, a required participant is missing and no trade happens (DESIGN §8). A model whose
feature hash does not match the live feature set refuses to predict (ModelError).
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
from pydantic import BaseModel, ConfigDict

from tradequorum.agents.base import Agent, AgentContext, Task, require_market
from tradequorum.agents.feature_engineer import RegistryCache, merge_state, symbols_of
from tradequorum.core.errors import AgentError
from tradequorum.core.types import Signal
from tradequorum.ml.registry import ProductionModelCache
from tradequorum.ml.signals import latest_signal

STATE_NAME = "ml_signals"
#: the workflow variable holding the feature-engineer's output of this cycle
FEATURES_VAR = "combined_features"
#: bars handed to the model: its warm-up plus this margin (values past the warm-up do not depend
#: on how much history is loaded: the recursive audit)
WINDOW_MARGIN_BARS = 500


def engineered_row(
    task: Task, symbol: str, bars: pd.DataFrame, feature_hash: str
) -> dict[str, float | None] | None:
    """The feature-engineer's values of this cycle for ``symbol``, if they fit ``bars``.

    Used only when the snapshot is of the same last bar, of the model's feature set, and computed
    on at least as many bars as ``bars`` (a longer causal window ending at the same bar: values
    past the warm-up agree, the recursive audit). Otherwise None: the model builds its own row.
    """
    inputs = task.params.get("inputs")
    snap = inputs.get(FEATURES_VAR) if isinstance(inputs, dict) else None
    entry = snap.get("symbols", {}).get(symbol) if isinstance(snap, dict) else None
    if not isinstance(entry, dict) or len(bars) == 0:
        return None
    fits = (
        entry.get("timestamp") == str(bars.index[-1])
        and entry.get("feature_hash") == feature_hash
        and int(entry.get("bars_used", 0)) >= len(bars)
        and isinstance(entry.get("values"), dict)
    )
    return dict(entry["values"]) if fits else None


class PredictResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model_version: str
    timeframe: str
    signals: dict[str, Signal]


class MlModelAgent(Agent):
    """The ml-model-engineer."""

    name: ClassVar[str] = "ml-model-engineer"
    domain: ClassVar[str] = "LightGBM development, training, tuning, predictions"
    actions: ClassVar[tuple[str, ...]] = ("predict", "generate_prediction")

    def __init__(self) -> None:
        self._models = ProductionModelCache()
        self._registries = RegistryCache()

    def predict(self, task: Task, ctx: AgentContext) -> PredictResult:
        model = self._models.production(ctx.layout)
        if model is None:
            raise AgentError(
                "no production model: the ML agent is unavailable until `quorum train` "
                "promotes one (or `quorum model promote`)"
            )
        market = require_market(ctx, self.name)
        tf = str(task.params.get("timeframe", model.meta.timeframe or ctx.settings.timeframe))
        reg = self._registries.get(ctx.settings, tf)
        vol_window = int(model.meta.label.get("vol_window_bars", ctx.settings.ml.vol_window_bars))
        window = model.meta.warmup_bars + vol_window + WINDOW_MARGIN_BARS
        out: dict[str, Signal] = {}
        for sym in symbols_of(task, ctx):
            bars = market.bars(sym, tf)
            bars = bars.iloc[-window:] if len(bars) > window else bars
            out[sym] = latest_signal(
                bars,
                model,
                ctx.settings.ml,
                symbol=sym,
                timeframe=tf,
                registry=reg,
                features=engineered_row(task, sym, bars, model.meta.feature_hash),
            )
        if ctx.write_state:
            merge_state(
                ctx.layout.signals(STATE_NAME),
                {k: v.model_dump(mode="json") for k, v in out.items()},
            )
        return PredictResult(model_version=model.version, timeframe=tf, signals=out)

    def generate_prediction(self, task: Task, ctx: AgentContext) -> PredictResult:
        return self.predict(task, ctx)


__all__ = ["MlModelAgent", "PredictResult"]
