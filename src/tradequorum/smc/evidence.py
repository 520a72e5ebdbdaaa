"""The evidence list of the latest SMC signal (DESIGN §4): what the score saw at the last bar."""

from __future__ import annotations

import numpy as np

from tradequorum.config.smc import SmcConfig
from tradequorum.core.types import Direction, Evidence
from tradequorum.smc.analysis import SmcAnalysis


def _last_event(flag: np.ndarray, lookback: int) -> int:
    """Bars since the last True of ``flag`` within ``lookback`` bars, or -1."""
    m = len(flag)
    lo = max(0, m - 1 - lookback)
    idx = np.flatnonzero(flag[lo:])
    return int(m - 1 - (lo + idx[-1])) if len(idx) else -1


def _f(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _structure(r: SmcAnalysis, up: bool, lookback: int) -> list[Evidence]:
    out: list[Evidence] = []
    for level_name, s in (("internal", r.internal), ("swing", r.swing)):
        code = s.up if up else s.dn
        lvl = s.up_level if up else s.dn_level
        for kind, c in (("choch", 2.0), ("bos", 1.0)):
            ago = _last_event(code == c, lookback)
            if ago >= 0:
                out.append(Evidence(kind=kind, structure=level_name,
                                    direction="bullish" if up else "bearish",
                                    level=_f(lvl[-1 - ago]), bars_ago=ago))  # fmt: skip
    return out


def _poi(r: SmcAnalysis, up: bool) -> list[Evidence]:
    cands = (
        (("order_block", r.ob_bull.hit[0], r.ob_bull.hit[1]),
         ("breaker_block", r.ob_bear.hit[2], r.ob_bear.hit[3]),
         ("fvg", r.fvg_bull.hit_top, r.fvg_bull.hit_bottom))
        if up
        else (("order_block", r.ob_bear.hit[0], r.ob_bear.hit[1]),
              ("breaker_block", r.ob_bull.hit[2], r.ob_bull.hit[3]),
              ("fvg", r.fvg_bear.hit_top, r.fvg_bear.hit_bottom))
    )  # fmt: skip
    side = "bullish" if up else "bearish"
    return [
        Evidence(kind=k, direction=side, top=float(t[-1]), bottom=float(b[-1]), fresh_touch=True)
        for k, t, b in cands
        if np.isfinite(t[-1])
    ]


def collect_evidence(r: SmcAnalysis, cfg: SmcConfig, direction: Direction) -> list[Evidence]:
    """Context (HTF bias, premium/discount, nearest liquidity) plus the hits of the chosen side;
    for a neutral signal, the structure and sweeps of both sides."""
    z = r.zones
    ev = [
        Evidence(kind="htf_bias", timeframe=cfg.htf_timeframe,
                 bias=Direction.from_sign(float(r.htf["htf_bias"][-1])).value),
        Evidence(kind="premium_discount", position=_f(z["position"][-1]),
                 zone={1.0: "premium", -1.0: "discount"}.get(float(z["zone"][-1]), "equilibrium"),
                 range_high=_f(z["range_high"][-1]), range_low=_f(z["range_low"][-1]),
                 ote_lo=_f(z["ote_lo"][-1]), ote_hi=_f(z["ote_hi"][-1])),
        Evidence(kind="liquidity", buy_side_pool=_f(r.buy_side.frame[4][-1]),
                 sell_side_pool=_f(r.sell_side.frame[4][-1]), pdh=_f(r.sessions["pdh"][-1]),
                 pdl=_f(r.sessions["pdl"][-1])),
    ]  # fmt: skip
    sides = [direction.sign > 0] if direction != Direction.NEUTRAL else [True, False]
    for up in sides:
        swept = (r.sell_side if up else r.buy_side).frame[2]
        ago = _last_event(~np.isnan(swept), cfg.signal_lookback)
        if ago >= 0:
            ev.append(Evidence(kind="liquidity_sweep", side="sell_side" if up else "buy_side",
                               level=_f(swept[-1 - ago]), bars_ago=ago))  # fmt: skip
        ev.extend(_structure(r, up, cfg.signal_lookback))
        ev.extend(_poi(r, up))
    return ev


__all__ = ["collect_evidence"]
