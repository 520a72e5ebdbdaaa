"""Daily operations computed by the coordinator itself (the seed's daily_operations workflow).

* ``health_check``: feeds fresh (last closed bar within ``data.stale_after_bars`` bar lengths),
  agents healthy (their health records), model artifacts present and matching the live feature
  hash (without a production model the ML agent is unavailable: no trade, and it says so);
* ``market_context``: per symbol the volatility regime (ATR/price percentile over the trailing
  day, the risk manager's definition), key levels (previous UTC day and ISO week high/low, the
  previous session's volume-profile value area and POC) and the correlation matrix of daily
  returns of the configured symbols.

Everything is computed from closed bars only (the market view at the clock's now).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from tradequorum.core.errors import TradeQuorumError
from tradequorum.core.timeframes import timeframe_delta

if TYPE_CHECKING:
    from tradequorum.coordinator.service import Coordinator


def _feeds(c: Coordinator) -> dict[str, dict[str, Any]]:
    tf = c.settings.timeframe
    step = timeframe_delta(tf)
    now = c.clock.now()
    out: dict[str, dict[str, Any]] = {}
    for sym in c.settings.symbols:
        try:
            bars = c.market.bars(sym, tf)
        except TradeQuorumError as exc:
            out[sym] = {"status": "missing", "reason": str(exc)}
            continue
        if len(bars) == 0:
            out[sym] = {"status": "missing", "reason": "no closed bars"}
            continue
        age = (now - (bars.index[-1] + step)) / step
        fresh = age <= c.settings.data.stale_after_bars
        out[sym] = {
            "status": "fresh" if fresh else "stale",
            "last_bar": bars.index[-1].isoformat(),
            "age_bars": round(float(age), 3),
        }
    return out


def _model(c: Coordinator) -> dict[str, Any]:
    try:
        from tradequorum.agents.feature_engineer import registry_for
        from tradequorum.ml.registry import ModelRegistry

        prod = ModelRegistry(c.layout).production()
    except TradeQuorumError as exc:
        return {"status": "broken", "reason": str(exc)}
    if prod is None:
        return {
            "status": "missing",
            "reason": "no production model: the ML agent is unavailable, so the required "
            "participant ml_model is missing and no trade can happen",
        }
    try:
        prod.check_features(registry_for(c.settings, c.settings.timeframe))
    except TradeQuorumError as exc:
        return {"status": "mismatch", "version": prod.version, "reason": str(exc)}
    return {"status": "ok", "version": prod.version, "feature_hash": prod.meta.feature_hash}


def health_check(c: Coordinator) -> dict[str, Any]:
    """The system health check of the daily operations (a JSON-able dict)."""
    feeds = _feeds(c)
    agents = c.registry.health()
    model = _model(c)
    problems = [f"feed {s}: {f['status']}" for s, f in feeds.items() if f["status"] != "fresh"]
    problems += [f"agent {n}: {h['status']}" for n, h in agents.items() if h["status"] != "healthy"]
    if model["status"] != "ok":
        problems.append(f"model: {model['status']} ({model.get('reason', '')})")
    return {
        "status": "healthy" if not problems else "degraded",
        "at": c.clock.now().isoformat(),
        "trading_state": c.standing_state.value,
        "feeds": feeds,
        "agents": agents,
        "model": model,
        "problems": problems,
    }


def _levels(bars: pd.DataFrame, now: pd.Timestamp) -> dict[str, Any]:
    today = now.tz_convert("UTC").normalize()
    prev_day = bars[(bars.index >= today - pd.Timedelta(days=1)) & (bars.index < today)]
    week_start = today - pd.Timedelta(days=today.day_of_week)
    prev_week = bars[(bars.index >= week_start - pd.Timedelta(days=7)) & (bars.index < week_start)]
    out: dict[str, Any] = {}
    for name, part in (("prev_day", prev_day), ("prev_week", prev_week)):
        if len(part):
            out[f"{name}_high"] = float(part["high"].max())
            out[f"{name}_low"] = float(part["low"].min())
    if len(prev_day) and float(prev_day["volume"].sum()) > 0:
        from tradequorum.microstructure.profile import volume_profile

        vp = volume_profile(prev_day)
        out["value_area"] = {"poc": vp.poc, "va_low": vp.va_low, "va_high": vp.va_high}
    return out


def _regime(bars: pd.DataFrame, c: Coordinator) -> dict[str, Any]:
    from tradequorum.risk.volatility import volatility_regime

    cfg = c.settings.risk
    reg = volatility_regime(
        bars.iloc[-(cfg.vol_regime_window_bars + 20 * cfg.atr_period) :],
        period=cfg.atr_period,
        window_bars=cfg.vol_regime_window_bars,
        extreme_percentile=cfg.extreme_vol_percentile,
    )
    pct = float(reg["vol_percentile"].iloc[-1])
    if not math.isfinite(pct):
        label = "unknown"
    elif pct >= cfg.extreme_vol_percentile:
        label = "extreme"
    elif pct >= 0.66:
        label = "high"
    elif pct <= 0.33:
        label = "low"
    else:
        label = "normal"
    return {"percentile": pct if math.isfinite(pct) else None, "regime": label}


def market_context(c: Coordinator) -> dict[str, Any]:
    """Volatility regime, key levels and correlation matrix of the configured symbols."""
    from tradequorum.risk.volatility import daily_correlation

    tf, now = c.settings.timeframe, c.clock.now()
    symbols: dict[str, Any] = {}
    closes: dict[str, pd.Series] = {}
    for sym in c.settings.symbols:
        bars = c.market.bars(sym, tf)
        if len(bars) < 30:
            symbols[sym] = {"status": "insufficient data"}
            continue
        closes[sym] = bars["close"]
        symbols[sym] = {"volatility": _regime(bars, c), "levels": _levels(bars, now)}
    corr = daily_correlation(closes) if len(closes) > 1 else pd.DataFrame()
    matrix = {
        str(a): {str(b): (None if pd.isna(v) else float(v)) for b, v in row.items()}
        for a, row in corr.iterrows()
    }
    extreme = any(s.get("volatility", {}).get("regime") == "extreme" for s in symbols.values())
    return {"at": now.isoformat(), "symbols": symbols, "correlation": matrix, "extreme": extreme}


__all__ = ["health_check", "market_context"]
