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

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from numba import njit

from tradequorum.core.bars import FloatArray
from tradequorum.microstructure.windows import NS_PER_DAY, index_ns


def _day_sizes(
    times_ns: npt.NDArray[np.int64], volume: FloatArray, buckets_per_day: int
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    day = np.floor_divide(times_ns, NS_PER_DAY)
    size = np.full(volume.shape[0], np.nan)
    if volume.size == 0:
        return day, size
    starts = np.concatenate(([0], np.flatnonzero(day[1:] != day[:-1]) + 1))
    complete = times_ns[starts] % NS_PER_DAY == 0
    if starts.size < 2 or not complete[:-1].any():  # no day follows a fully loaded one
        return day, size
    sums = np.add.reduceat(volume, starts)
    ends = np.concatenate((starts[1:], [volume.shape[0]]))
    for j in range(1, starts.size):
        if day[starts[j]] - day[starts[j - 1]] == 1 and complete[j - 1]:
            size[starts[j] : ends[j]] = sums[j - 1] / buckets_per_day
    return day, size


def daily_bucket_size(
    times_ns: npt.NDArray[np.int64], volume: FloatArray, buckets_per_day: int
) -> FloatArray:
    """Per bar: previous UTC day's volume / ``buckets_per_day``; NaN when that day is not fully loaded."""
    return _day_sizes(times_ns, volume, buckets_per_day)[1]


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


@dataclass(frozen=True, slots=True)
class BucketGrid:
    """The bars' volumes, UTC day numbers and bucket sizes (NaN: the day gets no buckets)."""

    volume: FloatArray
    day: npt.NDArray[np.int64]
    size: FloatArray
    buckets_per_day: int

    @classmethod
    def of(
        cls, times_ns: npt.NDArray[np.int64], volume: FloatArray, buckets_per_day: int
    ) -> BucketGrid:
        vol = np.ascontiguousarray(volume, dtype=np.float64)
        day, size = _day_sizes(times_ns, vol, buckets_per_day)
        return cls(vol, day, size, buckets_per_day)

    def run(
        self, buy_volume: FloatArray, n_buckets: int, change_buckets: int
    ) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int64]]:
        """VPIN, its change and the count of completed buckets at each bar."""
        buy = np.ascontiguousarray(buy_volume, dtype=np.float64)
        max_per_bar = 10 * self.buckets_per_day
        return _vpin_kernel(
            self.volume, buy, self.day, self.size, n_buckets, change_buckets, max_per_bar
        )

    def last(
        self, buy_volume: FloatArray, n_buckets: int, change_buckets: int
    ) -> tuple[FloatArray, FloatArray]:
        """VPIN and its change at the last bar (arrays of length 1), as :meth:`run` gives them."""
        if not np.isfinite(self.size).any():  # no bucket anywhere: NaN, as run() would say
            return np.full(1, np.nan), np.full(1, np.nan)
        vp, change, _ = self.run(buy_volume, n_buckets, change_buckets)
        return vp[-1:], change[-1:]

    def first_needed(self, n_buckets: int, change_buckets: int) -> int:
        """First bar whose buyer volume the **last** VPIN value and change depend on.

        Bucket boundaries depend on volumes only; the last value and change are made of the last
        ``n_buckets + change_buckets`` completed buckets, which start at or after the bar where
        the bucket before them completed. So the last value is the same whatever the buyer
        volume holds before the returned bar (``len(volume)`` when no day is bucketed).
        """
        sized = np.flatnonzero(np.isfinite(self.size))
        if sized.size == 0:
            return int(self.volume.shape[0])
        *_, completed = self.run(np.zeros_like(self.volume), n_buckets, change_buckets)
        need = int(completed[-1]) - n_buckets - change_buckets
        if need <= 0:
            return int(sized[0])
        return int(np.searchsorted(completed, need, side="left"))


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
    grid = BucketGrid.of(index_ns(index), volume, buckets_per_day)
    vp, change, _ = grid.run(buy_volume, n_buckets, change_buckets)
    return vp, change


def vpin_first_needed(
    index: pd.Index,
    volume: FloatArray,
    *,
    n_buckets: int = 50,
    buckets_per_day: int = 50,
    change_buckets: int = 10,
) -> int:
    """:meth:`BucketGrid.first_needed` of the bars (see there)."""
    grid = BucketGrid.of(index_ns(index), volume, buckets_per_day)
    return grid.first_needed(n_buckets, change_buckets)


__all__ = ["BucketGrid", "daily_bucket_size", "vpin", "vpin_first_needed"]
