"""Flow toxicity: VPIN over volume buckets (Easley, López de Prado & O'Hara 2012, RFS 25(5)).

Volume buckets of size V are filled bar by bar with each bar's buyer/seller split (exact taker
flow or BVC, see :mod:`signed_volume`); a bar larger than the room left in a bucket is split
pro rata. A bucket's order imbalance is ``|V_buy - V_sell| / V`` and VPIN is the mean imbalance of
the last ``n_buckets`` **completed** buckets. Causality: a bucket is known once filled, so the VPIN
reported at bar t is the latest one completed at or before t's close (forward-filled between
completions).

Bucket anchoring (our choice, so the value does not depend on where the loaded history starts):
buckets restart at each UTC midnight (the partial bucket left at the end of a day is dropped), and
the bucket size of day d is the volume of day d-1 divided by ``buckets_per_day``, used only when
day d-1 is loaded from its 00:00 bar on. Days without such a predecessor get no buckets. A bar can
complete at most ``10 * buckets_per_day`` buckets (guards a near-empty previous day).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from numba import njit

from tradequorum.core.bars import FloatArray
from tradequorum.microstructure.windows import NS_PER_DAY, index_ns


def daily_bucket_size(
    times_ns: npt.NDArray[np.int64], volume: FloatArray, buckets_per_day: int
) -> FloatArray:
    """Per bar: previous UTC day's volume / ``buckets_per_day``; NaN when that day is not fully loaded."""
    day = np.floor_divide(times_ns, NS_PER_DAY)
    size = np.full(volume.shape[0], np.nan)
    if volume.size == 0:
        return size
    starts = np.concatenate(([0], np.flatnonzero(day[1:] != day[:-1]) + 1))
    sums = np.add.reduceat(volume, starts)
    complete = times_ns[starts] % NS_PER_DAY == 0
    ends = np.concatenate((starts[1:], [volume.shape[0]]))
    for j in range(1, starts.size):
        if day[starts[j]] - day[starts[j - 1]] == 1 and complete[j - 1]:
            size[starts[j] : ends[j]] = sums[j - 1] / buckets_per_day
    return size


@njit(cache=True)
def _vpin_kernel(
    volume: FloatArray,
    buy: FloatArray,
    day: npt.NDArray[np.int64],
    size: FloatArray,
    n_buckets: int,
    change_buckets: int,
    max_per_bar: int,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int64]]:
    n = volume.shape[0]
    vpin = np.full(n, np.nan)
    change = np.full(n, np.nan)
    completed = np.zeros(n, dtype=np.int64)
    ring = np.zeros(n_buckets)
    hist = np.full(change_buckets + 1, np.nan)
    count = 0
    fill_v = 0.0
    fill_b = 0.0
    last = np.nan
    last_change = np.nan
    for t in range(n):
        if t == 0 or day[t] != day[t - 1]:
            fill_v = 0.0
            fill_b = 0.0
        cap = size[t]
        if np.isfinite(cap) and cap > 0 and volume[t] > 0:
            frac = buy[t] / volume[t]
            rem = volume[t]
            done = 0
            while rem > 0 and done < max_per_bar:
                take = min(rem, cap - fill_v)
                fill_v += take
                fill_b += take * frac
                rem -= take
                if fill_v >= cap * (1.0 - 1e-12):
                    ring[count % n_buckets] = abs(2.0 * fill_b - fill_v) / fill_v
                    count += 1
                    fill_v = 0.0
                    fill_b = 0.0
                    done += 1
                    if count >= n_buckets:
                        last = ring.sum() / n_buckets
                        hist[count % (change_buckets + 1)] = last
                        past = hist[(count - change_buckets) % (change_buckets + 1)]
                        last_change = last - past if count - change_buckets >= n_buckets else np.nan
        vpin[t] = last
        change[t] = last_change
        completed[t] = count
    return vpin, change, completed


def _buckets(
    times: npt.NDArray[np.int64], volume: FloatArray, buckets_per_day: int
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    return np.floor_divide(times, NS_PER_DAY), daily_bucket_size(times, volume, buckets_per_day)


def vpin(
    index: pd.Index,
    volume: FloatArray,
    buy_volume: FloatArray,
    *,
    n_buckets: int = 50,
    buckets_per_day: int = 50,
    change_buckets: int = 10,
) -> tuple[FloatArray, FloatArray]:
    """VPIN in [0, 1] at each bar (latest completed value) and its change over ``change_buckets``.

    Both are NaN until ``n_buckets`` (resp. ``n_buckets + change_buckets``) buckets have completed.
    """
    vol = np.ascontiguousarray(volume, dtype=np.float64)
    day, size = _buckets(index_ns(index), vol, buckets_per_day)
    vp, change, _ = _vpin_kernel(
        vol,
        np.ascontiguousarray(buy_volume, dtype=np.float64),
        day,
        size,
        n_buckets,
        change_buckets,
        10 * buckets_per_day,
    )
    return vp, change


def vpin_first_needed(
    index: pd.Index,
    volume: FloatArray,
    *,
    n_buckets: int = 50,
    buckets_per_day: int = 50,
    change_buckets: int = 10,
) -> int:
    """First bar whose buyer volume the **last** VPIN value and change depend on.

    Bucket boundaries depend on volumes only; the last value and change are made of the last
    ``n_buckets + change_buckets`` completed buckets, which start at or after the bar where the
    bucket before them completed. So ``vpin(..., buy)`` at the last bar is the same whatever
    ``buy`` holds before the returned bar (``len(volume)`` when no bar is in a sized bucket day).
    """
    vol = np.ascontiguousarray(volume, dtype=np.float64)
    day, size = _buckets(index_ns(index), vol, buckets_per_day)
    sized = np.flatnonzero(np.isfinite(size))
    if sized.size == 0:
        return int(vol.shape[0])
    *_, completed = _vpin_kernel(
        vol, np.zeros_like(vol), day, size, n_buckets, change_buckets, 10 * buckets_per_day
    )
    need = int(completed[-1]) - n_buckets - change_buckets
    if need <= 0:
        return int(sized[0])
    return int(np.searchsorted(completed, need, side="left"))


__all__ = ["daily_bucket_size", "vpin", "vpin_first_needed"]
