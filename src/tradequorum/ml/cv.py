"""Purged cross-validation with an embargo (López de Prado 2018, AFML ch. 7).

Samples are bars ``t0`` (sorted) whose labels are known at ``t1 >= t0``; a sample's *horizon* is
the bar range ``[t0, t1]``. A test fold is a contiguous block of samples; its span in bars is
``[t0 of its first sample, max t1 of its samples]``.

* **purging**: a training sample whose horizon overlaps the test span is dropped;
* **embargo**: training samples that start within ``embargo_bars`` after the test span are dropped
  too (serial correlation of features); in walk-forward the embargo is a gap *before* the test
  block instead (training horizons end at least ``embargo_bars`` before the test starts).

Walk-forward splits the samples into ``n_splits + 1`` blocks and tests block ``k+1`` on the blocks
before it (expanding, or the last ``max_train`` samples); k-fold tests each of ``n_splits`` blocks
on all others.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradequorum.core.errors import DataError

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Fold:
    """Positions (into the sample arrays) of the training and the test samples."""

    train: IntArray
    test: IntArray


def _check(t0: IntArray, t1: IntArray, n_splits: int) -> None:
    if t0.shape != t1.shape:
        raise DataError("t0 and t1 must have the same length")
    if t0.size and (np.any(np.diff(t0) <= 0) or np.any(t1 < t0)):
        raise DataError("samples must be sorted by t0 with t1 >= t0")
    if t0.size < 2 * (n_splits + 1):
        raise DataError(f"{t0.size} samples are too few for {n_splits} folds")


def _blocks(n: int, n_blocks: int) -> list[tuple[int, int]]:
    edges = np.linspace(0, n, n_blocks + 1).astype(int)
    return [(int(edges[i]), int(edges[i + 1])) for i in range(n_blocks)]


def purged_walk_forward(
    t0: IntArray,
    t1: IntArray,
    *,
    n_splits: int,
    embargo_bars: int = 0,
    max_train: int | None = None,
) -> list[Fold]:
    """Walk-forward folds: train only on samples whose horizon ends before the test block."""
    t0, t1 = np.asarray(t0, dtype=np.int64), np.asarray(t1, dtype=np.int64)
    _check(t0, t1, n_splits)
    folds: list[Fold] = []
    for a, b in _blocks(t0.size, n_splits + 1)[1:]:
        train = np.flatnonzero(t1 + embargo_bars < t0[a]).astype(np.int64)
        if max_train is not None:
            train = train[-max_train:]
        if train.size:
            folds.append(Fold(train, np.arange(a, b, dtype=np.int64)))
    return folds


def purged_kfold(t0: IntArray, t1: IntArray, *, n_splits: int, embargo_bars: int = 0) -> list[Fold]:
    """Purged k-fold with an embargo after each test block (AFML §7.4)."""
    t0, t1 = np.asarray(t0, dtype=np.int64), np.asarray(t1, dtype=np.int64)
    _check(t0, t1, n_splits)
    folds: list[Fold] = []
    for a, b in _blocks(t0.size, n_splits):
        lo, hi = t0[a], int(t1[a:b].max())
        keep = (t1 < lo) | (t0 > hi + embargo_bars)
        folds.append(Fold(np.flatnonzero(keep).astype(np.int64), np.arange(a, b, dtype=np.int64)))
    return folds


def make_folds(
    t0: IntArray, t1: IntArray, *, kind: str, n_splits: int, embargo_bars: int
) -> list[Fold]:
    """``walk_forward`` or ``kfold`` folds."""
    if kind == "kfold":
        return purged_kfold(t0, t1, n_splits=n_splits, embargo_bars=embargo_bars)
    return purged_walk_forward(t0, t1, n_splits=n_splits, embargo_bars=embargo_bars)


def inner_split(t0: IntArray, t1: IntArray, fraction: float) -> tuple[IntArray, IntArray]:
    """Early-stopping split of a training set: the last ``fraction`` is validation, purged."""
    n = t0.size
    cut = max(1, min(n - 1, round(n * (1.0 - fraction))))
    fit = np.flatnonzero(t1[:cut] < t0[cut]).astype(np.int64)
    return fit, np.arange(cut, n, dtype=np.int64)


__all__ = ["Fold", "inner_split", "make_folds", "purged_kfold", "purged_walk_forward"]
