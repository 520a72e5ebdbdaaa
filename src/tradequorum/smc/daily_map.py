"""The daily structure map for the daily-operations workflow: HTF biases, points of interest and
liquidity levels as known at the last closed bar."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from tradequorum.config.smc import SmcConfig
from tradequorum.core.types import Direction
from tradequorum.smc.analysis import SmcAnalysis, analysis_events, analyze
from tradequorum.smc.htf import compute_htf_bias


class PointOfInterest(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: str  # order_block | breaker_block | fvg
    direction: Direction
    top: float
    bottom: float
    index: datetime
    confirmed_at: datetime
    mitigated: bool
    distance_atr: float | None = None


class LiquidityLevel(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str  # pdh pdl pwh pwl asia_high ... eqh eql
    side: str  # buy_side (above) | sell_side (below)
    level: float


class DailyStructureMap(BaseModel):
    model_config = ConfigDict(frozen=True)
    symbol: str
    timeframe: str
    timestamp: datetime
    close: float
    htf_bias: dict[str, Direction]
    internal_trend: Direction
    swing_trend: Direction
    zone: str
    range_high: float | None
    range_low: float | None
    points_of_interest: list[PointOfInterest] = Field(default_factory=list)
    liquidity: list[LiquidityLevel] = Field(default_factory=list)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [dict(zip(df.columns, vals, strict=True)) for vals in df.itertuples(index=False)]


def _fin(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _pois(
    r: SmcAnalysis, ev: dict[str, pd.DataFrame], cfg: SmcConfig, n: int
) -> list[PointOfInterest]:
    last = len(r.bars) - 1
    close, atr = float(r.bars.close[-1]), float(r.atr[-1])
    out: list[PointOfInterest] = []
    ob = ev["order_blocks"]
    ob = ob[ob["ended_at"].isna() & (last - ob["confirmed_pos"] <= cfg.zone_max_age)]
    for row in _records(ob):
        brk = not pd.isna(row["breaker_at"])
        d = -row["direction"] if brk else row["direction"]
        mit = not pd.isna(row["breaker_mitigated_at"] if brk else row["mitigated_at"])
        out.append(PointOfInterest(kind="breaker_block" if brk else "order_block",
                                   direction=Direction.from_sign(d), top=row["top"],
                                   bottom=row["bottom"], index=row["index"],
                                   confirmed_at=row["confirmed_at"], mitigated=mit))  # fmt: skip
    fv = ev["fvg"]
    fv = fv[fv["filled_at"].isna() & (last - fv["confirmed_pos"] <= cfg.zone_max_age)]
    for row in _records(fv):
        out.append(PointOfInterest(kind="fvg", direction=Direction.from_sign(row["direction"]),
                                   top=row["top"], bottom=row["bottom"], index=row["index"],
                                   confirmed_at=row["confirmed_at"],
                                   mitigated=not pd.isna(row["mitigated_at"])))  # fmt: skip
    for i, p in enumerate(out):
        dist = 0.0 if p.bottom <= close <= p.top else min(abs(close - p.top), abs(close - p.bottom))
        out[i] = p.model_copy(update={"distance_atr": dist / atr if atr > 0 else None})
    out.sort(key=lambda p: p.distance_atr if p.distance_atr is not None else np.inf)
    return out[:n]


def _liquidity(r: SmcAnalysis, ev: dict[str, pd.DataFrame], cfg: SmcConfig) -> list[LiquidityLevel]:
    close = float(r.bars.close[-1])
    last = len(r.bars) - 1
    levels: list[tuple[str, float]] = []
    for k in ("pdh", "pdl", "pwh", "pwl", "asia_high", "asia_low", "london_high", "london_low",
              "ny_high", "ny_low"):  # fmt: skip
        v = _fin(r.sessions[k][-1])
        if v is not None:
            levels.append((k, v))
    pools = ev["liquidity"]
    live = pools["swept_at"].isna() & pools["taken_at"].isna()
    live &= last - pools["confirmed_pos"] <= cfg.zone_max_age
    for row in _records(pools[live]):
        levels.append(("eqh" if row["side"] > 0 else "eql", float(row["level"])))
    return [
        LiquidityLevel(name=k, side="buy_side" if v > close else "sell_side", level=v)
        for k, v in levels
    ]


def daily_structure_map(
    bars: pd.DataFrame,
    cfg: SmcConfig | None = None,
    *,
    symbol: str,
    timeframe: str,
    htf_timeframes: tuple[str, ...] = ("1h", "4h", "1d"),
    max_poi: int = 10,
) -> DailyStructureMap:
    """HTF bias per timeframe, the nearest live points of interest, and liquidity levels."""
    cfg = cfg or SmcConfig()
    r = analyze(bars, cfg, timeframe=timeframe)
    ev = analysis_events(r, bars.index)
    biases = {
        tf: Direction.from_sign(
            float(
                compute_htf_bias(r.bars, tf, cfg.htf_swing_length, timeframe=timeframe)["htf_bias"][
                    -1
                ]
            )
        )
        for tf in htf_timeframes
    }
    z = r.zones
    return DailyStructureMap(
        symbol=symbol,
        timeframe=timeframe,
        timestamp=bars.index[-1].to_pydatetime(),
        close=float(r.bars.close[-1]),
        htf_bias=biases,
        internal_trend=Direction.from_sign(float(r.internal.trend[-1])),
        swing_trend=Direction.from_sign(float(r.swing.trend[-1])),
        zone={1.0: "premium", -1.0: "discount"}.get(float(z["zone"][-1]), "equilibrium"),
        range_high=_fin(z["range_high"][-1]),
        range_low=_fin(z["range_low"][-1]),
        points_of_interest=_pois(r, ev, cfg, max_poi),
        liquidity=_liquidity(r, ev, cfg),
    )


__all__ = ["DailyStructureMap", "LiquidityLevel", "PointOfInterest", "daily_structure_map"]
