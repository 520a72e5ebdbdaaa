"""The evidence list of the latest SMC signal (DESIGN §4): what the score saw at the last bar."""

from __future__ import annotations

import math

import numpy as np

from tradequorum.config.smc import SmcConfig
from tradequorum.core.types import Direction, Evidence
from tradequorum.smc.analysis import SmcAnalysis
from tradequorum.smc.signal_inputs import ROW, ROWS, SignalInputs, inputs_from_analysis, tail_start

_AGE_ROWS = ("ssl_swept", "bsl_swept", "int_up", "sw_up", "int_dn", "sw_dn")


def _ages(x: SignalInputs, lookback: int) -> dict[tuple[str, float], int]:
    """Bars since the last sweep (key ``(row, 0.0)``) or break code 2 (CHoCH) / 1 (BOS) (key
    ``(row, code)``) within ``lookback`` bars of the last bar, or -1; all rows in one pass."""
    k = len(x)
    w = x.data[[ROW[r] for r in _AGE_ROWS], max(0, k - 1 - lookback) :][:, ::-1]  # newest first
    codes = w[2:]
    hits = np.concatenate([~np.isnan(w[:2]), codes == 2.0, codes == 1.0])
    ago = np.where(hits.any(axis=1), hits.argmax(axis=1), -1).tolist()
    keys = [(r, 0.0) for r in _AGE_ROWS[:2]]
    keys += [(r, c) for c in (2.0, 1.0) for r in _AGE_ROWS[2:]]
    return dict(zip(keys, ago, strict=True))


def _f(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _structure(
    x: SignalInputs, up: bool, ages: dict[tuple[str, float], int]
) -> list[Evidence]:  # fmt: skip
    out: list[Evidence] = []
    d = "up" if up else "dn"
    for level_name, p in (("internal", "int"), ("swing", "sw")):
        lvl = x[f"{p}_{d}_level"]
        for kind, c in (("choch", 2.0), ("bos", 1.0)):
            ago = ages[(f"{p}_{d}", c)]
            if ago >= 0:
                out.append(Evidence(kind=kind, structure=level_name,
                                    direction="bullish" if up else "bearish",
                                    level=_f(lvl[-1 - ago]), bars_ago=ago))  # fmt: skip
    return out


def _poi(last: dict[str, float], up: bool) -> list[Evidence]:
    side = "bullish" if up else "bearish"
    p = "bull" if up else "bear"
    out = []
    for kind, row in (("order_block", "ob"), ("breaker_block", "brk"), ("fvg", "fvg")):
        top = last[f"{p}_{row}_top"]
        if math.isfinite(top):
            out.append(Evidence(kind=kind, direction=side, top=top,
                                bottom=last[f"{p}_{row}_bottom"], fresh_touch=True))  # fmt: skip
    return out


def collect_evidence(
    r: SmcAnalysis | SignalInputs, cfg: SmcConfig, direction: Direction
) -> list[Evidence]:
    """Context (HTF bias, premium/discount, nearest liquidity) plus the hits of the chosen side;
    for a neutral signal, the structure and sweeps of both sides. Reads the last
    ``signal_lookback + 1`` bars (of an analysis, or of the latest signal's inputs)."""
    x = r if isinstance(r, SignalInputs) else inputs_from_analysis(r, tail_start(len(r.bars), cfg))
    last = dict(zip(ROWS, x.data[:, -1].tolist(), strict=True))  # Python floats of the last bar
    ev = [
        Evidence(kind="htf_bias", timeframe=cfg.htf_timeframe,
                 bias=Direction.from_sign(last["htf_bias"]).value),
        Evidence(kind="premium_discount", position=_f(last["position"]),
                 zone={1.0: "premium", -1.0: "discount"}.get(last["zone"], "equilibrium"),
                 range_high=_f(last["range_high"]), range_low=_f(last["range_low"]),
                 ote_lo=_f(last["ote_lo"]), ote_hi=_f(last["ote_hi"])),
        Evidence(kind="liquidity", buy_side_pool=_f(last["bsl_pool"]),
                 sell_side_pool=_f(last["ssl_pool"]), pdh=_f(last["pdh"]), pdl=_f(last["pdl"])),
    ]  # fmt: skip
    sides = [direction.sign > 0] if direction != Direction.NEUTRAL else [True, False]
    ages = _ages(x, cfg.signal_lookback)
    for up in sides:
        row = "ssl_swept" if up else "bsl_swept"
        ago = ages[(row, 0.0)]
        if ago >= 0:
            ev.append(Evidence(kind="liquidity_sweep", side="sell_side" if up else "buy_side",
                               level=_f(x[row][-1 - ago]), bars_ago=ago))  # fmt: skip
        ev.extend(_structure(x, up, ages))
        ev.extend(_poi(last, up))
    return ev


__all__ = ["collect_evidence"]
