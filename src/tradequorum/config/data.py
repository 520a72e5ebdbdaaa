"""Data-layer configuration (DESIGN §2, §8 data-unavailable rule)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tradequorum.config.base import Section


class DataConfig(Section):
    source: Literal["simulator", "store", "ccxt"] = "simulator"
    exchange: str = "binance"
    stale_after_bars: int = Field(
        3, ge=1, description="a feed is stale after N bar-lengths without a new bar"
    )
    unavailable_wait_s: float = Field(
        60.0, ge=0, description="wait and retry this long, then use cached data"
    )
    unavailable_retry_s: float = Field(
        5.0, gt=0, description="pause between retries while data is unavailable"
    )
    lookback_bars: int = Field(5000, ge=100, description="bars handed to analysts in real time")
    simulator_seed: int = 7
