"""The SMC signal: a documented, configurable confluence score per side (DESIGN §4).

For the long side at bar t (the short side is the same kernel on negated prices), with ``L`` =
``signal_lookback`` bars and the weights of :class:`~tradequorum.config.smc.SmcWeights`:

* ``htf_bias``  the higher-timeframe structure is bullish;
* ``sweep``     sell-side liquidity was swept within the last L bars;
* ``choch``     a bullish CHoCH (internal or swing) within L bars — else ``bos`` for a bullish BOS;
* ``zone``      the close is in discount (below the dealing range's equilibrium);
* ``poi``       the bar touched, for the first time, an unmitigated bullish order block, bullish
                breaker or bullish fair value gap and closed above its bottom.

``confidence = hits / (htf_bias + sweep + max(choch, bos) + zone + poi)``. A side is taken when its
confidence reaches ``min_confidence``, beats the other side, and (``require_structure``) a CHoCH or
BOS of that side happened within L bars. Entry zone: the touched POI, else the OTE band of the leg,
else the close. Stop: ``stop_buffer_atr`` ATR beyond the lower of the entry and the lowest low of
the last L bars (the invalidation). Target: the nearest opposing liquidity above the close — a
resting equal-highs pool, else a single swing high, else the previous day's high, else the range
high. Every value at t uses bars <= t only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradequorum.config.smc import SmcConfig
from tradequorum.core.types import Direction, Evidence, Signal
from tradequorum.smc.analysis import SmcAnalysis, analyze, bar_arrays
from tradequorum.smc.fused import latest_score
from tradequorum.smc.inputs import F64
from tradequorum.smc.score import (
    SIGNAL_ROWS,
    score_weights,
    side_inputs,
    side_kernel,
    signal_kernel,
)
from tradequorum.smc.signal_inputs import (
    SignalInputs,
    inputs_from_analysis,
    tail_start,
)

COLUMNS = ("direction", "confidence", "stop", "entry_lo", "entry_hi", "target")


def signal_from_inputs(x: SignalInputs, cfg: SmcConfig) -> dict[str, F64]:
    """The signal columns (see :data:`COLUMNS`) plus ``bull_score``/``bear_score`` as arrays
    over the bars of ``x``."""
    out = signal_kernel(x.data, score_weights(cfg), cfg.signal_lookback, cfg.stop_buffer_atr,
                        cfg.min_confidence, cfg.require_structure)  # fmt: skip
    return dict(zip(SIGNAL_ROWS, out, strict=True))


def signal_arrays(r: SmcAnalysis, cfg: SmcConfig) -> dict[str, F64]:
    """The signal columns (see :data:`COLUMNS`) as arrays, from an analysis."""
    return signal_from_inputs(inputs_from_analysis(r), cfg)


def compute_signal_frame(
    bars: pd.DataFrame, cfg: SmcConfig | None = None, *, timeframe: str | None = None
) -> pd.DataFrame:
    """Per-bar SMC signal on the bars' index: ``direction`` (-1/0/+1), ``confidence``, ``stop``,
    ``entry_lo``, ``entry_hi``, ``target`` (NaN when neutral). Causal: row t uses bars <= t."""
    cfg = cfg or SmcConfig()
    arrs = signal_arrays(analyze(bars, cfg, timeframe=timeframe), cfg)
    return pd.DataFrame({c: arrs[c] for c in COLUMNS}, index=bars.index)


def _positive(x: float) -> float | None:
    return x if np.isfinite(x) and x > 0 else None


def latest_signal(
    bars: pd.DataFrame,
    cfg: SmcConfig | None = None,
    *,
    symbol: str,
    timeframe: str,
    analysis: SmcAnalysis | None = None,
) -> Signal:
    """The signal of the last bar, equal to the last row of :func:`compute_signal_frame`, with its
    evidence list.

    Without ``analysis``, the path-dependent kernels run over the whole window and the score and
    evidence only on the last ``signal_lookback + 1`` bars they read (see
    :mod:`tradequorum.smc.signal_inputs`); the result is the same to the last bit."""
    from tradequorum.smc.evidence import collect_evidence

    cfg = cfg or SmcConfig()
    if analysis is not None:
        x = inputs_from_analysis(analysis, tail_start(len(analysis.bars), cfg))
        arrs = signal_from_inputs(x, cfg)
    else:  # one numba call: kernels over the window, the score on its last L+1 bars
        data, score = latest_score(bar_arrays(bars), cfg, timeframe=timeframe)
        x = SignalInputs(data)
        arrs = dict(zip(SIGNAL_ROWS, score, strict=True))
    row = {c: float(arrs[c][-1]) for c in COLUMNS}
    direction = Direction.from_sign(row["direction"])
    evidence: list[Evidence] = collect_evidence(x, cfg, direction)
    entry = None
    lo, hi = _positive(row["entry_lo"]), _positive(row["entry_hi"])
    if lo is not None and hi is not None:
        entry = (lo, hi)
    tgt = _positive(row["target"])
    return Signal(
        source="smc",
        symbol=symbol,
        timeframe=timeframe,
        timestamp=bars.index[-1].to_pydatetime(),
        direction=direction,
        confidence=row["confidence"],
        evidence=evidence,
        suggested_entry=entry,
        stop=_positive(row["stop"]),
        targets=[tgt] if tgt is not None else None,
    )


__all__ = [
    "COLUMNS",
    "compute_signal_frame",
    "latest_signal",
    "side_inputs",
    "side_kernel",
    "signal_arrays",
    "signal_from_inputs",
    "signal_kernel",
]
