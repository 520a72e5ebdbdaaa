"""Feature engineer / ML model configuration (DESIGN §7)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tradequorum.config.base import Section


class MlConfig(Section):
    horizon_bars: int = Field(30, ge=1)
    label: Literal["triple_barrier", "forward_return"] = "triple_barrier"
    barrier_multiple: float = Field(2.0, gt=0)
    embargo_bars: int = Field(60, ge=0)
    n_splits: int = Field(5, ge=2)
    seed: int = 42
    min_probability: float = Field(0.4, ge=0, le=1)
