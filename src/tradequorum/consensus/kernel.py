"""The consensus arithmetic, vectorized over bars: one code path for the per-bar evaluator and the
frame evaluator, so replay and backtest agree exactly (DESIGN §3, §5).

Sources are the rows of ``(S, T)`` arrays in a canonical (sorted) order; sums run over them in
that order, so the floating-point result does not depend on how the caller listed the sources.
Semantics (the seed's consensus plus the pieces DESIGN §5 adds):

* directional votes only: ``bull = sum(w * conf)`` over bullish votes, ``bear`` likewise;
* ``strength = max(bull, bear) / (bull + bear)`` (0 when no directional weight);
* consensus is the strictly larger side when ``strength >= threshold``; a tie is never a consensus;
* ``conviction = max(bull, bear) / sum(w of every participant that answered)``;
* a required participant that is unavailable makes the bar ``insufficient``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradequorum.config.consensus import ConsensusConfig
from tradequorum.consensus.records import Resolution

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

OUTCOME_NAMES = np.array(["neutral", "bullish", "bearish", "no_consensus", "insufficient"])
OUT_NEUTRAL, OUT_BULLISH, OUT_BEARISH, OUT_NO_CONSENSUS, OUT_INSUFFICIENT = range(5)
TIER_NAMES = np.array(["A", "B", "C", "D"])
RESOLUTION_NAMES = np.array([r.value for r in Resolution])
_RES = {r: i for i, r in enumerate(Resolution)}


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """Per-source constants, aligned with the rows of the vote arrays."""

    names: tuple[str, ...]
    weights: FloatArray
    required: BoolArray
    model: BoolArray
    discretionary: BoolArray


@dataclass(frozen=True, slots=True)
class ConsensusArrays:
    """Per-bar results (length T). Codes index ``OUTCOME_NAMES``, ``TIER_NAMES``, ``RESOLUTION_NAMES``."""

    outcome: IntArray
    side: FloatArray
    strength: FloatArray
    conviction: FloatArray
    tier: IntArray
    tradeable: BoolArray
    bull: FloatArray
    bear: FloatArray
    bull_mean: FloatArray
    bear_mean: FloatArray
    resolution: IntArray
    escalate: BoolArray
    missing_required: BoolArray


def source_spec(names: tuple[str, ...], cfg: ConsensusConfig) -> SourceSpec:
    """Sorted source names with their weights and roles from the configuration."""
    ordered = tuple(sorted(names))
    conflicts = cfg.conflicts
    return SourceSpec(
        names=ordered,
        weights=np.array([cfg.weight(s) for s in ordered], dtype=np.float64),
        required=np.array([s in cfg.required for s in ordered], dtype=np.bool_),
        model=np.array([s in conflicts.model_sources for s in ordered], dtype=np.bool_),
        discretionary=np.array(
            [s in conflicts.discretionary_sources for s in ordered], dtype=np.bool_
        ),
    )


def _side_sums(
    d: FloatArray, conf: FloatArray, w: FloatArray, avail: BoolArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    n = d.shape[1]
    bull, bear = np.zeros(n), np.zeros(n)
    bull_w, bear_w, total_w = np.zeros(n), np.zeros(n), np.zeros(n)
    for s in range(d.shape[0]):
        wc = w[s] * conf[s]
        bull = bull + np.where(d[s] > 0, wc, 0.0)
        bear = bear + np.where(d[s] < 0, wc, 0.0)
        bull_w = bull_w + np.where(d[s] > 0, w[s], 0.0)
        bear_w = bear_w + np.where(d[s] < 0, w[s], 0.0)
        total_w = total_w + np.where(avail[s], w[s], 0.0)
    return bull, bear, bull_w, bear_w, total_w


def _safe_div(num: FloatArray, den: FloatArray) -> FloatArray:
    out = np.zeros_like(num)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _resolve(
    spec: SourceSpec,
    d: FloatArray,
    side: FloatArray,
    consensus: BoolArray,
    close: BoolArray,
    flagged: BoolArray,
    cfg: ConsensusConfig,
) -> IntArray:
    """Apply the seed's conflict rules; returns resolution codes."""
    conflict = np.any(d > 0, axis=0) & np.any(d < 0, axis=0)
    model_dir = np.sign((d * spec.model[:, None]).sum(axis=0))
    disc = d[spec.discretionary]
    mvd = (
        np.any(disc * model_dir[None, :] < 0, axis=0) if disc.shape[0] else np.zeros_like(conflict)
    )
    mvd &= model_dir != 0
    res = np.full(side.shape, _RES[Resolution.NONE], dtype=np.int64)
    plain = conflict & consensus
    if cfg.conflicts.signal_conflict == "no_trade":
        res[plain] = _RES[Resolution.NO_TRADE]
    else:
        res[plain & ~close] = _RES[Resolution.STRONGEST_WINS]
        res[plain & close] = _RES[Resolution.ESCALATE]
    m = mvd & consensus
    if cfg.conflicts.model_vs_discretionary == "no_trade":
        res[m] = _RES[Resolution.NO_TRADE]
    else:
        agree = m & (side == model_dir)
        res[agree & ~close] = _RES[Resolution.DEFER_TO_MODEL]
        res[agree & close] = _RES[Resolution.ESCALATE]
        res[m & (side != model_dir)] = _RES[Resolution.MODEL_OVERRULES]
    if cfg.conflicts.signal_conflict == "no_trade":  # never trade against any opposing vote
        res[m & (res == _RES[Resolution.DEFER_TO_MODEL])] = _RES[Resolution.NO_TRADE]
    res[m & flagged] = _RES[Resolution.ESCALATE_MODEL_VS_DISCRETIONARY]
    res[conflict & ~consensus] = _RES[Resolution.NO_TRADE]
    return res


def _tiers(
    spec: SourceSpec,
    d: FloatArray,
    side: FloatArray,
    strength: FloatArray,
    conviction: FloatArray,
    tradeable: BoolArray,
    cfg: ConsensusConfig,
) -> IntArray:
    t = cfg.tiers
    req = d[spec.required]
    all_agree = np.all(req == side[None, :], axis=0)
    opposes = np.any(req == -side[None, :], axis=0) & (side != 0)
    a = tradeable & (strength >= t.a_strength) & (conviction >= t.a_conviction) & all_agree
    b = tradeable & ~a & (strength >= t.b_strength) & (conviction >= t.b_conviction) & ~opposes
    return np.where(a, 0, np.where(b, 1, np.where(tradeable, 2, 3))).astype(np.int64)


def _outcomes(
    missing: BoolArray, tot: FloatArray, consensus: BoolArray, side: FloatArray
) -> IntArray:
    directional = np.where(side > 0, OUT_BULLISH, OUT_BEARISH)
    out = np.where(consensus, directional, OUT_NO_CONSENSUS)
    out = np.where(tot <= 0, OUT_NEUTRAL, out)
    return np.where(missing, OUT_INSUFFICIENT, out).astype(np.int64)


def aggregate(
    spec: SourceSpec,
    direction: FloatArray,
    confidence: FloatArray,
    available: BoolArray,
    flagged: BoolArray,
    cfg: ConsensusConfig,
    max_tier: int = 0,
) -> ConsensusArrays:
    """Consensus for every bar from ``(S, T)`` votes already checked by the caller.

    ``direction`` holds -1/0/+1 (any value where not ``available``), ``confidence`` 0..1,
    ``flagged`` marks extreme-market or news bars (no deference to the model there), ``max_tier``
    caps the best tier (0 = A; degraded modes).
    """
    d = np.where(available, direction, 0.0)
    conf = np.where(available & (d != 0), confidence, 0.0)
    w = spec.weights
    bull, bear, bull_w, bear_w, total_w = _side_sums(d, conf, w, available)
    tot = bull + bear
    top = np.maximum(bull, bear)
    strength = np.minimum(_safe_div(top, tot), 1.0)
    conviction = np.minimum(_safe_div(top, total_w), 1.0)
    side = np.sign(bull - bear)
    missing = np.any(spec.required[:, None] & ~available, axis=0)
    consensus = (tot > 0) & (side != 0) & (strength >= cfg.approval_threshold) & ~missing
    bull_mean, bear_mean = _safe_div(bull, bull_w), _safe_div(bear, bear_w)
    close = np.abs(bull_mean - bear_mean) < cfg.conflicts.signal_conflict_escalate_below
    res = _resolve(spec, d, side, consensus, close, flagged, cfg)
    res[missing] = _RES[Resolution.NONE]
    ok = np.isin(res, [_RES[r] for r in (Resolution.NONE, Resolution.STRONGEST_WINS)])
    ok |= res == _RES[Resolution.DEFER_TO_MODEL]
    tradeable = consensus & ok
    tier = _tiers(spec, d, side, strength, conviction, tradeable, cfg)
    tier = np.where(tradeable, np.maximum(tier, max_tier), 3).astype(np.int64)
    outcome = _outcomes(missing, tot, consensus, side)
    escalate = np.isin(
        res,
        [_RES[Resolution.ESCALATE], _RES[Resolution.ESCALATE_MODEL_VS_DISCRETIONARY]],
    )
    return ConsensusArrays(
        outcome=outcome,
        side=np.where(consensus, side, 0.0),
        strength=strength,
        conviction=conviction,
        tier=tier,
        tradeable=tradeable,
        bull=bull,
        bear=bear,
        bull_mean=bull_mean,
        bear_mean=bear_mean,
        resolution=res,
        escalate=escalate,
        missing_required=missing,
    )


__all__ = [
    "OUTCOME_NAMES",
    "RESOLUTION_NAMES",
    "TIER_NAMES",
    "ConsensusArrays",
    "SourceSpec",
    "aggregate",
    "source_spec",
]
