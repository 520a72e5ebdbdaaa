"""User plugins for the audit CLI tests: one leaky feature, one leaky 'agent', one honest feature."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradequorum.features import FeatureSpec


def next_close_feature() -> FeatureSpec:
    return FeatureSpec("next_close", lambda b, d, p: b["close"].shift(-1).to_numpy(), warmup_bars=1)


def honest_feature() -> list[FeatureSpec]:
    return [
        FeatureSpec("spread_rel", lambda b, d, p: ((b["high"] - b["low"]) / b["close"]).to_numpy())
    ]


def demeaned_agent(bars: pd.DataFrame) -> pd.DataFrame:
    """An 'external agent' whose output uses the whole file's mean (repaints)."""
    return pd.DataFrame({"score": bars["close"] - bars["close"].mean()}, index=bars.index)


demeaned_agent.warmup_bars = 5  # type: ignore[attr-defined]


def causal_agent(bars: pd.DataFrame) -> pd.Series:
    """An honest external analysis without a declared warm-up: 3-bar momentum."""
    return np.log(bars["close"] / bars["close"].shift(3)).rename("mom3")
