"""Walk-forward windows: train/test ranges of bar positions that never overlap (DESIGN §7).

Periods are in **days** by default (the seed's 252/63 trading days: distinct UTC dates present in
the data, so a crypto day is a calendar day and an equity day a session) or in **bars**. The
windows are placed so the last test window ends at the last bar (the most recent data is always
tested); the oldest data not needed is left out. Rolling: each train window slides by one test
period; anchored: every train window starts at the first window's start and grows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradequorum.config.validation import WalkForwardConfig
from tradequorum.core.errors import DataError

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Window:
    """Half-open bar-position ranges ``[train_start, train_end)`` and ``[test_start, test_end)``."""

    index: int
    train_start: int
    train_end: int
    test_start: int
    test_end: int


def day_starts(index: pd.DatetimeIndex) -> IntArray:
    """Positions of the first bar of each UTC date, plus ``len(index)`` as the end sentinel."""
    if len(index) == 0:
        return np.array([0], dtype=np.int64)
    days = index.normalize().asi8
    starts = np.flatnonzero(np.concatenate([[True], days[1:] != days[:-1]]))
    return np.concatenate([starts, [len(index)]]).astype(np.int64)


def make_windows(index: pd.DatetimeIndex, cfg: WalkForwardConfig) -> list[Window]:
    """The ``cfg.n_windows`` walk-forward windows over ``index``.

    Raises
    ------
    DataError
        When the data is shorter than ``train_period + n_windows * test_period`` units (the
        message says how many windows would fit).
    """
    bounds = day_starts(index) if cfg.unit == "days" else np.arange(len(index) + 1, dtype=np.int64)
    units = len(bounds) - 1
    need = cfg.train_period + cfg.n_windows * cfg.test_period
    if units < need:
        fit = max((units - cfg.train_period) // cfg.test_period, 0)
        raise DataError(
            f"walk-forward needs {need} {cfg.unit} (train {cfg.train_period} + {cfg.n_windows} x "
            f"test {cfg.test_period}) but the data has {units}; {fit} window(s) would fit"
        )
    first = units - need
    out: list[Window] = []
    for i in range(cfg.n_windows):
        test0 = first + cfg.train_period + i * cfg.test_period
        train0 = first if cfg.anchored else test0 - cfg.train_period
        out.append(
            Window(
                index=i,
                train_start=int(bounds[train0]),
                train_end=int(bounds[test0]),
                test_start=int(bounds[test0]),
                test_end=int(bounds[test0 + cfg.test_period]),
            )
        )
    return out


__all__ = ["Window", "day_starts", "make_windows"]
