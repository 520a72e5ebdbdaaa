"""The vectorized signal evaluator over whole histories (the system backtest's path).

Input: one signal frame per source (``direction`` -1/0/+1 and ``confidence`` 0..1 columns on
the bars' index, as every analyst's ``compute_signal_frame`` returns). A row whose direction is
NaN means the source was unavailable at that bar. Output: one row per bar with exactly what
:func:`tradequorum.consensus.evaluate.evaluate` reports for the same votes.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import reduce

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradequorum.config.consensus import ConsensusConfig
from tradequorum.consensus.kernel import (
    OUTCOME_NAMES,
    RESOLUTION_NAMES,
    TIER_NAMES,
    aggregate,
    source_spec,
)
from tradequorum.core.errors import DataError
from tradequorum.core.types import Tier

FRAME_COLUMNS = (
    "outcome",
    "direction",
    "strength",
    "conviction",
    "tier",
    "tradeable",
    "bullish_weight",
    "bearish_weight",
    "resolution",
    "escalate",
)


def _index(frames: Mapping[str, pd.DataFrame]) -> pd.DatetimeIndex:
    for name, df in frames.items():
        if not isinstance(df.index, pd.DatetimeIndex) or df.index.tz is None:
            raise DataError(f"signal frame {name!r} needs a tz-aware DatetimeIndex")
        missing = {"direction", "confidence"} - set(df.columns)
        if missing:
            raise DataError(f"signal frame {name!r} lacks columns {sorted(missing)}")
        if df.index.has_duplicates:
            raise DataError(f"signal frame {name!r} has duplicate timestamps")
    if not frames:
        return pd.DatetimeIndex([], tz="UTC")
    idx = reduce(lambda a, b: a.union(b), (df.index for df in frames.values()))
    return pd.DatetimeIndex(idx).tz_convert("UTC").sort_values()


def _votes(
    name: str, df: pd.DataFrame | None, index: pd.DatetimeIndex
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    if df is None:
        nan = np.full(len(index), np.nan)
        return nan, nan
    sub = df[["direction", "confidence"]].reindex(index)
    d = sub["direction"].to_numpy(dtype=np.float64, na_value=np.nan)
    c = sub["confidence"].to_numpy(dtype=np.float64, na_value=np.nan)
    bad_dir = ~np.isnan(d) & ~np.isin(d, (-1.0, 0.0, 1.0))
    if bad_dir.any():
        at = index[int(np.argmax(bad_dir))]
        raise DataError(f"{name}: direction must be -1, 0 or +1 (got {d[bad_dir][0]!r} at {at})")
    directional = ~np.isnan(d) & (d != 0)
    bad_conf = directional & ~((c >= 0) & (c <= 1))
    if bad_conf.any():
        at = index[int(np.argmax(bad_conf))]
        raise DataError(
            f"{name}: confidence must be in [0, 1] on directional rows (got {c[bad_conf][0]!r} "
            f"at {at})"
        )
    return d, c


def _flags(
    value: pd.Series | npt.ArrayLike | None, index: pd.DatetimeIndex, name: str
) -> npt.NDArray[np.bool_]:
    if value is None:
        return np.zeros(len(index), dtype=np.bool_)
    if isinstance(value, pd.Series):
        value = value.reindex(index, fill_value=False).to_numpy(dtype=np.bool_)
    arr = np.asarray(value, dtype=np.bool_)
    if arr.shape != (len(index),):
        raise DataError(f"{name} flags need one value per bar ({len(index)}), got {arr.shape}")
    return arr


def _categorical(codes: npt.NDArray[np.int64], names: npt.NDArray[np.str_]) -> pd.Categorical:
    dtype = pd.CategoricalDtype([str(n) for n in names])
    return pd.Categorical.from_codes(codes, dtype=dtype)


def evaluate_frame(
    frames: Mapping[str, pd.DataFrame],
    cfg: ConsensusConfig,
    *,
    extreme: pd.Series | npt.ArrayLike | None = None,
    news: pd.Series | npt.ArrayLike | None = None,
    max_tier: Tier = Tier.A,
) -> pd.DataFrame:
    """Consensus, tier and conflict resolution for every bar of the union of the frames' indexes.

    Returns a frame with columns ``outcome`` (categorical str), ``direction`` (-1/0/+1 float, the consensus
    side), ``strength``, ``conviction``, ``tier`` (categorical A-D), ``tradeable`` (tier != D),
    ``bullish_weight``, ``bearish_weight``, ``resolution`` (categorical) and ``escalate`` (bool).
    Causal: row t uses the frames' rows at t only. Inputs are not mutated. Raises DataError for
    an unknown direction or an out-of-range confidence on a directional row.
    """
    index = _index(frames)
    names = tuple(sorted(set(frames) | set(cfg.required)))
    spec = source_spec(names, cfg)
    n = len(index)
    direction = np.zeros((len(names), n))
    confidence = np.zeros((len(names), n))
    for i, name in enumerate(spec.names):
        direction[i], confidence[i] = _votes(name, frames.get(name), index)
    available = ~np.isnan(direction)
    flagged = _flags(extreme, index, "extreme") | _flags(news, index, "news")
    arr = aggregate(
        spec, direction, confidence, available, flagged, cfg, max_tier=list(Tier).index(max_tier)
    )
    return pd.DataFrame(
        {
            "outcome": _categorical(arr.outcome, OUTCOME_NAMES),
            "direction": arr.side,
            "strength": arr.strength,
            "conviction": arr.conviction,
            "tier": _categorical(arr.tier, TIER_NAMES),
            "tradeable": arr.tradeable,
            "bullish_weight": arr.bull,
            "bearish_weight": arr.bear,
            "resolution": _categorical(arr.resolution, RESOLUTION_NAMES),
            "escalate": arr.escalate,
        },
        index=index,
    )


__all__ = ["FRAME_COLUMNS", "evaluate_frame"]
