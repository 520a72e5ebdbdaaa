"""Higher-timeframe (HTF) features aligned causally: a 1h value is usable only once its hour closed.

The classic leak is to resample to 1h, compute a value per hour and forward-fill it onto the 1m bars
by the hour's *open* time: every minute of the hour then sees the hour's close. Here an HTF bucket
``[S, E)`` is *complete* at base bar ``t`` iff ``open_t + base_timeframe >= E`` (bar ``t`` closes at or
after the bucket's end), and a base bar only ever sees the last **complete** bucket. Buckets are
aligned to the UTC epoch (days start at 00:00 UTC, 4h buckets at 00/04/08...).

The aggregation and the alignment are the data layer's (``tradequorum.data.resample``): only
complete buckets exist, so a bucket with a missing base bar is skipped rather than half-built.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from numba import njit

from tradequorum.core.bars import FloatArray
from tradequorum.core.errors import DataError
from tradequorum.core.timeframes import timeframe_seconds
from tradequorum.data.resample import bucket_open_ns
from tradequorum.features.registry import FeatureRegistry, FeatureSpec
from tradequorum.features.shared import BarArrays, in_shared_build, memoized, open_ns
from tradequorum.features.shared import bar_column as column

_NS = 1_000_000_000
IntArray = npt.NDArray[np.int64]
Bars = pd.DataFrame | BarArrays


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


def aggregate_htf(bars: Bars, timeframe: str, base_timeframe: str) -> HtfBars:
    """Complete ``timeframe`` buckets of ``bars`` (see :func:`_aggregate`), computed once per
    matrix build (:func:`tradequorum.features.shared.shared_build`; read-only arrays there)."""
    return memoized(
        bars,
        ("htf", timeframe, base_timeframe),
        lambda: _freeze_if_shared(_aggregate(bars, timeframe, base_timeframe)),
    )


def _freeze_if_shared(h: HtfBars) -> HtfBars:
    if in_shared_build():
        for f in fields(h):
            getattr(h, f.name).flags.writeable = False
    return h


def _aggregate(bars: Bars, timeframe: str, base_timeframe: str) -> HtfBars:
    """Complete ``timeframe`` buckets of ``bars`` and, per base bar, the last one closed by then.

    The arithmetic of :func:`tradequorum.data.resample.resample_bars` (complete buckets only,
    epoch-aligned by :func:`~tradequorum.data.resample.bucket_open_ns`) and of
    :func:`~tradequorum.data.resample.last_closed_position`, on arrays without building frames
    (it runs every bar in live mode; ``tests/unit/features`` checks it equals the data layer's).
    ``bars`` must be valid (the matrix builder checked them).
    """
    step, base_step = timeframe_seconds(timeframe) * _NS, timeframe_seconds(base_timeframe) * _NS
    if step % base_step or step < base_step:
        raise DataError(f"cannot resample {base_timeframe} bars to {timeframe}")
    ts = open_ns(bars)
    bucket = bucket_open_ns(ts, timeframe)
    starts = np.flatnonzero(np.concatenate([[True], bucket[1:] != bucket[:-1]])) if ts.size else ts
    counts = np.diff(np.append(starts, ts.size))
    keep = counts == step // base_step
    firsts, lasts = starts[keep], (starts + counts - 1)[keep]

    def reduce(name: str, how: np.ufunc) -> FloatArray:
        x = column(bars, name)
        return np.ascontiguousarray(how.reduceat(x, starts)[keep]) if ts.size else x[:0]

    end_ns = np.asarray(bucket[firsts], dtype=np.int64) + step
    return HtfBars(
        open=column(bars, "open")[firsts],
        high=reduce("high", np.maximum),
        low=reduce("low", np.minimum),
        close=column(bars, "close")[lasts],
        volume=reduce("volume", np.add),
        end_ns=end_ns,
        last_complete=np.searchsorted(end_ns, ts + base_step, side="right").astype(np.int64) - 1,
    )


def align_htf(values: FloatArray, last_complete: npt.NDArray[np.int64]) -> FloatArray:
    """Per base bar, the HTF value of the last complete bucket (NaN before the first one)."""
    out = np.full(last_complete.size, np.nan)
    ok = last_complete >= 0
    out[ok] = values[last_complete[ok]]
    return out


def _range_pos(close: FloatArray, hi: FloatArray, lo: FloatArray) -> FloatArray:
    rng = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        pos = (close - lo) / rng
    out: FloatArray = np.where(rng > 0, pos, np.where(np.isnan(rng), np.nan, 0.5))
    return out


def _htf_ret(bars: Bars, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    h = aggregate_htf(bars, p["timeframe"], p["base_timeframe"])
    lag = int(p["bars"])
    r = np.full(h.close.size, np.nan)
    if h.close.size > lag:
        r[lag:] = np.log(h.close[lag:] / h.close[:-lag])
    return align_htf(r, h.last_complete)


def _htf_range_pos(bars: Bars, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> FloatArray:
    h = aggregate_htf(bars, p["timeframe"], p["base_timeframe"])
    hi = align_htf(h.high, h.last_complete)
    lo = align_htf(h.low, h.last_complete)
    return _range_pos(column(bars, "close"), hi, lo)


@njit(cache=True)
def _last_buckets(
    ts: IntArray, step: int, offset: int, size: int, target: int, count: int
) -> IntArray:  # pragma: no cover - numba
    """First and last rows (``out[i] = (first, last)``) of the ``count`` latest complete buckets
    ending at or before ``target``, latest first; ``-1`` where fewer exist. The buckets of
    :func:`_aggregate` (runs of equal ``bucket_open_ns``, complete with ``size`` rows), walked
    back from the last row."""
    out = np.full((count, 2), -1, dtype=np.int64)
    found = 0
    i = ts.size - 1
    while i >= 0 and found < count:
        b = (ts[i] - offset) // step * step + offset
        j = i
        while j > 0 and (ts[j - 1] - offset) // step * step + offset == b:
            j -= 1
        if i - j + 1 == size and b + step <= target:
            out[found, 0] = j
            out[found, 1] = i
            found += 1
        i = j - 1
    return out


#: latest complete buckets found per walk: the registered lags (1, 3) share one walk per build
_WALK = 4


def _last_rows(bars: BarArrays, p: Mapping[str, Any], count: int) -> IntArray:
    """:func:`_last_buckets` of the last bar for the spec parameters ``p`` (at least ``count``
    rows; one walk per timeframe and build, as the first ``count`` found do not depend on how
    many are sought)."""
    tf, base, many = p["timeframe"], p["base_timeframe"], max(count, _WALK)
    return memoized(bars, ("htf_last", tf, base, many), lambda: _walk(bars, tf, base, many))


def _walk(bars: BarArrays, tf: str, base: str, count: int) -> IntArray:
    step, base_step = timeframe_seconds(tf) * _NS, timeframe_seconds(base) * _NS
    if step % base_step or step < base_step:
        raise DataError(f"cannot resample {base} bars to {tf}")
    ts = bars.open_ns
    offset = int(bucket_open_ns(np.zeros(1, dtype=np.int64), tf)[0]) % step
    return _last_buckets(ts, step, offset, step // base_step, int(ts[-1]) + base_step, count)


def _htf_ret_last(bars: BarArrays, deps: Mapping[str, FloatArray], p: Mapping[str, Any]) -> float:
    """The last bar's :func:`_htf_ret` (same arithmetic on the same two closes)."""
    lag = int(p["bars"])
    rows = _last_rows(bars, p, lag + 1)
    if rows[lag, 1] < 0:
        return float("nan")
    close = bars.column("close")
    return float(
        np.log(close[rows[0, 1] : rows[0, 1] + 1] / close[rows[lag, 1] : rows[lag, 1] + 1])[0]
    )


def _htf_range_pos_last(
    bars: BarArrays, deps: Mapping[str, FloatArray], p: Mapping[str, Any]
) -> float:
    """The last bar's :func:`_htf_range_pos`: the bucket's max/min (order-free) and the same IEEE
    operations as :func:`_range_pos` on scalars, so the same value."""
    first, last = (int(v) for v in _last_rows(bars, p, 1)[0])
    if last < 0:
        return float("nan")
    hi = float(bars.column("high")[first : last + 1].max())
    lo = float(bars.column("low")[first : last + 1].min())
    rng = hi - lo
    if rng > 0:
        return (float(bars.column("close")[-1]) - lo) / rng
    return float("nan") if math.isnan(rng) else 0.5


def htf_specs(base_timeframe: str, timeframes: tuple[str, ...]) -> list[FeatureSpec]:
    """HTF return of the last complete bucket and the close's position in its range.

    Warm-up: the first bucket of a loaded history may be partial (and is dropped), so values are
    final once ``bars + 1`` whole buckets have completed: ``(bars + 2) * period / base`` base bars.
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
                    arrays=True,
                    last_fn=_htf_ret_last,
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
                arrays=True,
                last_fn=_htf_range_pos_last,
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
