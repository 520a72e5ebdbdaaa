"""Higher-timeframe (HTF) features aligned causally: a 1h value is usable only once its hour closed.

The classic leak is to resample to 1h, compute a value per hour and forward-fill it onto the 1m bars
by the hour's *open* time: every minute of the hour then sees the hour's close. Here an HTF bucket
``[S, E)`` is *complete* at base bar ``t`` iff ``open_t + base_timeframe >= E`` (bar ``t`` closes at or
after the bucket's end), and a base bar only ever sees the last **complete** bucket. Buckets are
aligned to the UTC epoch (days start at 00:00 UTC, 4h buckets at 00/04/08...).

This is a small local version of the alignment; when ``tradequorum.data.resample`` provides the
shared helper the features keep this contract (documented in docs/ml.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradequorum.core.bars import FloatArray, column
from tradequorum.core.timeframes import timeframe_seconds
from tradequorum.features.registry import FeatureRegistry, FeatureSpec

_NS = 1_000_000_000
_WEEK_ORIGIN_NS = 4 * 86_400 * _NS  # 1970-01-05 was a Monday


@dataclass(frozen=True, slots=True)
class HtfBars:
    """Aggregated HTF buckets and, per base bar, the position of the last complete bucket (-1: none)."""

    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    end_ns: npt.NDArray[np.int64]
    last_complete: npt.NDArray[np.int64]


def aggregate_htf(bars: pd.DataFrame, timeframe: str, base_timeframe: str) -> HtfBars:
    """Aggregate ``bars`` into epoch-aligned ``timeframe`` buckets and align them causally."""
    period = timeframe_seconds(timeframe) * _NS
    base = timeframe_seconds(base_timeframe) * _NS
    origin = _WEEK_ORIGIN_NS if timeframe.endswith("w") else 0
    ns = np.asarray(pd.DatetimeIndex(bars.index).asi8, dtype=np.int64)
    empty_f = np.empty(0)
    if ns.size == 0:
        e = np.empty(0, dtype=np.int64)
        return HtfBars(empty_f, empty_f, empty_f, empty_f, empty_f, e, e)
    bucket = (ns - origin) // period
    starts = np.flatnonzero(np.concatenate(([True], bucket[1:] != bucket[:-1])))
    ends = np.concatenate((starts[1:], [ns.size])) - 1
    end_ns = (bucket[starts] + 1) * period + origin
    last_complete = np.searchsorted(end_ns, ns + base, side="right").astype(np.int64) - 1
    return HtfBars(
        open=column(bars, "open")[starts],
        high=np.maximum.reduceat(column(bars, "high"), starts),
        low=np.minimum.reduceat(column(bars, "low"), starts),
        close=column(bars, "close")[ends],
        volume=np.add.reduceat(column(bars, "volume"), starts),
        end_ns=end_ns.astype(np.int64),
        last_complete=last_complete,
    )


def align_htf(values: FloatArray, last_complete: npt.NDArray[np.int64]) -> FloatArray:
    """Per base bar, the HTF value of the last complete bucket (NaN before the first one)."""
    out = np.full(last_complete.size, np.nan)
    ok = last_complete >= 0
    out[ok] = values[last_complete[ok]]
    return out


def _htf_ret(
    bars: pd.DataFrame, deps: Mapping[str, FloatArray], p: Mapping[str, Any]
) -> FloatArray:
    h = aggregate_htf(bars, p["timeframe"], p["base_timeframe"])
    lag = int(p["bars"])
    r = np.full(h.close.size, np.nan)
    if h.close.size > lag:
        r[lag:] = np.log(h.close[lag:] / h.close[:-lag])
    return align_htf(r, h.last_complete)


def _htf_range_pos(
    bars: pd.DataFrame, deps: Mapping[str, FloatArray], p: Mapping[str, Any]
) -> FloatArray:
    h = aggregate_htf(bars, p["timeframe"], p["base_timeframe"])
    hi = align_htf(h.high, h.last_complete)
    lo = align_htf(h.low, h.last_complete)
    rng = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        pos = (column(bars, "close") - lo) / rng
    return np.where(rng > 0, pos, np.where(np.isnan(rng), np.nan, 0.5))


def htf_specs(base_timeframe: str, timeframes: tuple[str, ...]) -> list[FeatureSpec]:
    """HTF return of the last complete bucket and the close's position in its range.

    Warm-up: the first bucket of a loaded history may be partial, so values are final once
    ``bars + 1`` whole buckets have completed: ``(bars + 2) * period / base`` base bars.
    """
    base_s = timeframe_seconds(base_timeframe)
    specs: list[FeatureSpec] = []
    for tf in timeframes:
        ratio = timeframe_seconds(tf) // base_s
        if timeframe_seconds(tf) <= base_s:
            continue
        for n in (1, 3):
            specs.append(
                FeatureSpec(
                    f"htf_{tf}_ret_{n}",
                    _htf_ret,
                    {"timeframe": tf, "base_timeframe": base_timeframe, "bars": n},
                    (n + 2) * ratio,
                    group="htf",
                    description=f"ln return over the last {n} complete {tf} bars",
                )
            )
        specs.append(
            FeatureSpec(
                f"htf_{tf}_range_pos",
                _htf_range_pos,
                {"timeframe": tf, "base_timeframe": base_timeframe},
                2 * ratio,
                group="htf",
                description=f"(close - low) / (high - low) of the last complete {tf} bar",
            )
        )
    return specs


def register_htf_features(
    reg: FeatureRegistry, base_timeframe: str, timeframes: tuple[str, ...]
) -> None:
    for s in htf_specs(base_timeframe, timeframes):
        reg.register(s)


__all__ = [
    "HtfBars",
    "aggregate_htf",
    "align_htf",
    "htf_specs",
    "register_htf_features",
]
