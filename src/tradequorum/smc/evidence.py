"""The evidence list of the latest SMC signal (DESIGN §4): what the score saw at the last bar."""

from __future__ import annotations

import numpy as np

from tradequorum.config.smc import SmcConfig
from tradequorum.core.types import Direction, Evidence
from tradequorum.smc.analysis import SmcAnalysis
from tradequorum.smc.signal_inputs import SignalInputs, inputs_from_analysis, tail_start


def _last_event(flag: np.ndarray, lookback: int) -> int:
    """Bars since the last True of ``flag`` within ``lookback`` bars, or -1."""
    m = len(flag)
    lo = max(0, m - 1 - lookback)
    idx = np.flatnonzero(flag[lo:])
    return int(m - 1 - (lo + idx[-1])) if len(idx) else -1


def _f(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _structure(x: SignalInputs, up: bool, lookback: int) -> list[Evidence]:
    out: list[Evidence] = []
    d = "up" if up else "dn"
    for level_name, p in (("internal", "int"), ("swing", "sw")):
        code, lvl = x[f"{p}_{d}"], x[f"{p}_{d}_level"]
        for kind, c in (("choch", 2.0), ("bos", 1.0)):
            ago = _last_event(code == c, lookback)
            if ago >= 0:
                out.append(Evidence(kind=kind, structure=level_name,
                                    direction="bullish" if up else "bearish",
                                    level=_f(lvl[-1 - ago]), bars_ago=ago))  # fmt: skip
    return out


def _poi(x: SignalInputs, up: bool) -> list[Evidence]:
    side = "bullish" if up else "bearish"
    p = "bull" if up else "bear"
    out = []
    for kind, row in (("order_block", "ob"), ("breaker_block", "brk"), ("fvg", "fvg")):
        top = float(x[f"{p}_{row}_top"][-1])
        if np.isfinite(top):
            bottom = float(x[f"{p}_{row}_bottom"][-1])
            out.append(Evidence(kind=kind, direction=side, top=top, bottom=bottom,
                                fresh_touch=True))  # fmt: skip
    return out


def collect_evidence(
    r: SmcAnalysis | SignalInputs, cfg: SmcConfig, direction: Direction
) -> list[Evidence]:
    """Context (HTF bias, premium/discount, nearest liquidity) plus the hits of the chosen side;
    for a neutral signal, the structure and sweeps of both sides. Reads the last
    ``signal_lookback + 1`` bars (of an analysis, or of the latest signal's inputs)."""
    x = r if isinstance(r, SignalInputs) else inputs_from_analysis(r, tail_start(len(r.bars), cfg))
    ev = [
        Evidence(kind="htf_bias", timeframe=cfg.htf_timeframe,
                 bias=Direction.from_sign(float(x["htf_bias"][-1])).value),
        Evidence(kind="premium_discount", position=_f(x["position"][-1]),
                 zone={1.0: "premium", -1.0: "discount"}.get(float(x["zone"][-1]), "equilibrium"),
                 range_high=_f(x["range_high"][-1]), range_low=_f(x["range_low"][-1]),
                 ote_lo=_f(x["ote_lo"][-1]), ote_hi=_f(x["ote_hi"][-1])),
        Evidence(kind="liquidity", buy_side_pool=_f(x["bsl_pool"][-1]),
                 sell_side_pool=_f(x["ssl_pool"][-1]), pdh=_f(x["pdh"][-1]),
                 pdl=_f(x["pdl"][-1])),
    ]  # fmt: skip
    sides = [direction.sign > 0] if direction != Direction.NEUTRAL else [True, False]
    for up in sides:
        swept = x["ssl_swept"] if up else x["bsl_swept"]
        ago = _last_event(~np.isnan(swept), cfg.signal_lookback)
        if ago >= 0:
            ev.append(Evidence(kind="liquidity_sweep", side="sell_side" if up else "buy_side",
                               level=_f(swept[-1 - ago]), bars_ago=ago))  # fmt: skip
        ev.extend(_structure(x, up, cfg.signal_lookback))
        ev.extend(_poi(x, up))
    return ev


__all__ = ["collect_evidence"]
