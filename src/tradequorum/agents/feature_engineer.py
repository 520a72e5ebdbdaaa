"""feature-engineer: feature creation, selection and transformations (DESIGN §1, §7).

Actions
-------
``compute_realtime_features`` (alias ``compute_features``)
    Latest feature vector per symbol (the production model's features when one exists, else the
    configured or all available ones) -> ``state/features/combined_features.json`` keyed by symbol.
``build_training_features`` (alias ``generate_feature_set``)
    Feature matrix and labels over the training window, optional selection with a reason per
    feature -> ``state/features/training_features.json`` (the training manifest).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from tradequorum.agents.base import Agent, AgentContext, Task, require_market
from tradequorum.config.settings import Settings
from tradequorum.core.bars import ensure_bars
from tradequorum.core.errors import DataError
from tradequorum.features import FeatureRegistry, default_registry
from tradequorum.features.lastrow import compute_last_row
from tradequorum.features.selection import SelectionReport
from tradequorum.ml.registry import ProductionModelCache
from tradequorum.ml.training import default_feature_names, prepare_dataset, select_columns
from tradequorum.state.json_store import read_json, write_json_atomic

REALTIME_STATE = "combined_features"
TRAINING_STATE = "training_features"


class FeatureSnapshot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    timestamp: str
    timeframe: str
    feature_hash: str
    warmup_ok: bool
    bars_used: int
    values: dict[str, float | None]


class RealtimeFeaturesResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    symbols: dict[str, FeatureSnapshot]


class TrainingFeaturesResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    symbol: str
    timeframe: str
    features: list[str]
    columns: list[str]
    feature_hash: str
    warmup_bars: int
    rows: int
    class_counts: dict[str, int]
    data_fingerprint: str
    selection: SelectionReport | None = None


def registry_for(settings: Settings, timeframe: str) -> FeatureRegistry:
    """The live feature registry for bars of ``timeframe`` with the configured HTFs."""
    return default_registry(
        timeframe,
        settings.htf_timeframes,
        microstructure_cfg=settings.microstructure,
        smc_cfg=settings.smc,
    )


def _max_warmup(reg: FeatureRegistry, names: Sequence[str]) -> int:
    key = tuple(names)
    return reg.derived(("max_warmup", key), lambda: max(map(reg.warmup, key), default=0))


class RegistryCache:
    """The live registry per timeframe, rebuilt only when its inputs change (one per agent).

    Keyed by the exact inputs of :func:`registry_for`: the timeframe and copies of the settings
    sections it reads (compared by value, so a changed setting builds a fresh registry).
    """

    def __init__(self) -> None:
        self._entries: dict[str, tuple[tuple[Any, ...], FeatureRegistry]] = {}

    def get(self, settings: Settings, timeframe: str) -> FeatureRegistry:
        # frozen settings sections: equal by value (a reloaded config builds a fresh registry
        # only if a section it reads differs)
        key = (tuple(settings.htf_timeframes), settings.microstructure, settings.smc)
        hit = self._entries.get(timeframe)
        if hit is not None and hit[0] == key:
            return hit[1]
        reg = registry_for(settings, timeframe)
        self._entries[timeframe] = (key, reg)
        return reg


def symbols_of(task: Task, ctx: AgentContext) -> list[str]:
    if "symbols" in task.params:
        return [str(s) for s in task.params["symbols"]]
    if "symbol" in task.params:
        return [str(task.params["symbol"])]
    return list(ctx.settings.symbols)


def merge_state(path: Any, entries: dict[str, Any]) -> None:
    """Read-merge-write a JSON file keyed by symbol."""
    current: dict[str, Any] = {}
    if path.exists():
        loaded = read_json(path)
        current = dict(loaded) if isinstance(loaded, dict) else {}
    current.update(entries)
    write_json_atomic(path, current)


class FeatureEngineerAgent(Agent):
    """The feature-engineer."""

    name: ClassVar[str] = "feature-engineer"
    domain: ClassVar[str] = "feature creation, selection, transformations"
    actions: ClassVar[tuple[str, ...]] = (
        "compute_realtime_features",
        "compute_features",
        "build_training_features",
        "generate_feature_set",
    )

    def __init__(self) -> None:
        self._models = ProductionModelCache()
        self._registries = RegistryCache()

    def compute_realtime_features(self, task: Task, ctx: AgentContext) -> RealtimeFeaturesResult:
        market = require_market(ctx, self.name)
        tf = str(task.params.get("timeframe", ctx.settings.timeframe))
        reg = self._registries.get(ctx.settings, tf)
        prod = self._models.production(ctx.layout)
        out: dict[str, FeatureSnapshot] = {}
        for sym in symbols_of(task, ctx):
            bars = market.bars(sym, tf)
            if len(bars) == 0:
                raise DataError(f"no bars for {sym} {tf}")
            names = (
                prod.meta.features
                if prod is not None
                else default_feature_names(reg, bars, ctx.settings.ml)
            )
            # the matrix's last row, each feature computed on the rows it needs only
            ensure_bars(bars)
            last = compute_last_row(bars, reg, names)
            warm = _max_warmup(reg, names)
            out[sym] = FeatureSnapshot(
                timestamp=str(bars.index[-1]),
                timeframe=tf,
                feature_hash=reg.feature_hash(names),
                warmup_ok=len(bars) > warm,
                bars_used=len(bars),
                values={k: v if math.isfinite(v) else None for k, v in last.items()},
            )
        result = RealtimeFeaturesResult(symbols=out)
        if ctx.write_state:
            merge_state(
                ctx.layout.features(REALTIME_STATE),
                {k: v.model_dump(mode="json") for k, v in out.items()},
            )
        return result

    def compute_features(self, task: Task, ctx: AgentContext) -> RealtimeFeaturesResult:
        return self.compute_realtime_features(task, ctx)

    def build_training_features(self, task: Task, ctx: AgentContext) -> TrainingFeaturesResult:
        market = require_market(ctx, self.name)
        cfg = ctx.settings.ml
        tf = str(task.params.get("timeframe", ctx.settings.timeframe))
        sym = symbols_of(task, ctx)[0]
        bars = market.bars(sym, tf).iloc[-cfg.training_bars :]
        ds = prepare_dataset(bars, registry_for(ctx.settings, tf), cfg)
        select = bool(task.params.get("select", cfg.select_features))
        report = select_columns(ds, cfg, ctx.rng) if select else None
        result = TrainingFeaturesResult(
            symbol=sym,
            timeframe=tf,
            features=list(ds.features.features),
            columns=report.kept if report else list(ds.columns),
            feature_hash=ds.features.feature_hash,
            warmup_bars=ds.features.warmup_bars,
            rows=int(ds.y.size),
            class_counts={str(int(c)): int((ds.y == c).sum()) for c in (-1, 0, 1)},
            data_fingerprint=ds.data_fingerprint,
            selection=report,
        )
        if ctx.write_state:
            write_json_atomic(ctx.layout.features(TRAINING_STATE), result)
        return result

    def generate_feature_set(self, task: Task, ctx: AgentContext) -> TrainingFeaturesResult:
        return self.build_training_features(task, ctx)


__all__ = [
    "FeatureEngineerAgent",
    "RealtimeFeaturesResult",
    "RegistryCache",
    "TrainingFeaturesResult",
    "merge_state",
    "registry_for",
    "symbols_of",
]
