"""market-microstructure-analyst configuration."""

from __future__ import annotations

from pydantic import Field

from tradequorum.config.base import Section


class MicrostructureConfig(Section):
    vpin_buckets: int = Field(50, ge=5)
    window_bars: int = Field(60, ge=5)
    rvol_days: int = Field(20, ge=1)
