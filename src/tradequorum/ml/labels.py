"""Labels for supervised learning (López de Prado 2018, AFML ch. 3-4).

A signal at bar ``t`` is acted on at the open of bar ``t+1`` (DESIGN §3), so every label enters at
``open[t+1]`` and looks at bars ``t+1 .. t+h``. ``t1[t]`` is the position of the bar at which the
label became known (the barrier hit, or ``t+h``): the label's horizon is ``[t, t1[t]]``, which the
purged CV uses. Labels are in {-1, 0, +1} (short, flat, long); NaN where the horizon runs past the
data and no barrier was hit.

* triple barrier: horizontal barriers at ``entry * exp(+-m * sigma_t * sqrt(h))``, ``sigma_t`` the
  trailing std of 1-bar log returns (known at ``t``); the first barrier touched gives the label; a
  bar touching both is labelled 0 (the order inside the bar is unknown); the vertical barrier at
  ``t+h`` gives 0; zero volatility (a frozen feed) gives no label.
* forward return: ``ln(close[t+h] / open[t+1])`` beyond a dead band ``+-threshold``.
* sample weights by average uniqueness (AFML §4.4): mean over the label's horizon of
  ``1 / concurrency``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from numba import njit

from tradequorum.config.ml import MlConfig
from tradequorum.core.bars import FloatArray, column, ensure_bars
from tradequorum.features import kernels as k

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Labels:
    """``y`` in {-1, 0, 1} (NaN = unknown), ``t1`` end positions, barrier ``width`` (log units)."""

    y: FloatArray
    t1: IntArray
    width: FloatArray

    @property
    def valid(self) -> npt.NDArray[np.bool_]:
        return ~np.isnan(self.y)


@njit(cache=True)
def _triple_barrier(
    open_: FloatArray, high: FloatArray, low: FloatArray, width: FloatArray, h: int
) -> tuple[FloatArray, IntArray]:  # pragma: no cover - numba
    n = open_.size
    y = np.full(n, np.nan)
    t1 = np.full(n, -1, dtype=np.int64)
    for t in range(n - 1):
        w = width[t]
        if np.isnan(w) or w <= 0.0:
            continue
        entry = open_[t + 1]
        up = entry * math.exp(w)
        dn = entry * math.exp(-w)
        end = min(t + h, n - 1)
        for j in range(t + 1, end + 1):
            hit_up = high[j] >= up
            hit_dn = low[j] <= dn
            if hit_up or hit_dn:
                y[t] = 0.0 if (hit_up and hit_dn) else (1.0 if hit_up else -1.0)
                t1[t] = j
                break
        if t1[t] < 0 and t + h <= n - 1:
            y[t] = 0.0
            t1[t] = t + h
    return y, t1


def barrier_width(bars: pd.DataFrame, cfg: MlConfig) -> FloatArray:
    """``m * sigma_t * sqrt(h)`` in log-return units; causal (trailing window ending at t)."""
    sigma = k.rolling_std(k.log_return(column(bars, "close"), 1), cfg.vol_window_bars)
    return cfg.barrier_multiple * sigma * math.sqrt(cfg.horizon_bars)


def triple_barrier_labels(bars: pd.DataFrame, cfg: MlConfig) -> Labels:
    """Triple-barrier labels with volatility-scaled horizontal barriers and a vertical barrier."""
    ensure_bars(bars)
    width = barrier_width(bars, cfg)
    y, t1 = _triple_barrier(
        column(bars, "open"), column(bars, "high"), column(bars, "low"), width, cfg.horizon_bars
    )
    return Labels(y, t1, width)


def forward_return_labels(bars: pd.DataFrame, cfg: MlConfig) -> Labels:
    """Sign of ``ln(close[t+h] / open[t+1])`` beyond ``+-forward_return_threshold``, else 0."""
    ensure_bars(bars)
    n, h = len(bars), cfg.horizon_bars
    y = np.full(n, np.nan)
    t1 = np.full(n, -1, dtype=np.int64)
    if n > h:
        r = np.log(column(bars, "close")[h:] / column(bars, "open")[1 : n - h + 1])
        thr = cfg.forward_return_threshold
        y[: n - h] = np.where(r > thr, 1.0, np.where(r < -thr, -1.0, 0.0))
        t1[: n - h] = np.arange(h, n)
    return Labels(y, t1, np.full(n, cfg.forward_return_threshold))


def make_labels(bars: pd.DataFrame, cfg: MlConfig) -> Labels:
    """The label configured in ``cfg.label``."""
    if cfg.label == "triple_barrier":
        return triple_barrier_labels(bars, cfg)
    return forward_return_labels(bars, cfg)


@njit(cache=True)
def _uniqueness(start: IntArray, end: IntArray, n: int) -> FloatArray:  # pragma: no cover
    conc = np.zeros(n + 1)
    for i in range(start.size):
        conc[start[i]] += 1.0
        conc[end[i] + 1] -= 1.0
    inv = np.zeros(n + 1)
    c = 0.0
    for j in range(n):
        c += conc[j]
        inv[j + 1] = inv[j] + (1.0 / c if c > 0 else 0.0)
    out = np.empty(start.size)
    for i in range(start.size):
        out[i] = (inv[end[i] + 1] - inv[start[i]]) / (end[i] - start[i] + 1)
    return out


def average_uniqueness(t0: IntArray, t1: IntArray, n_bars: int) -> FloatArray:
    """Average uniqueness of each label over its horizon ``[t0+1, t1]`` (AFML §4.4), in (0, 1]."""
    start = np.minimum(np.asarray(t0, dtype=np.int64) + 1, np.asarray(t1, dtype=np.int64))
    return _uniqueness(start, np.asarray(t1, dtype=np.int64), int(n_bars))


__all__ = [
    "Labels",
    "average_uniqueness",
    "barrier_width",
    "forward_return_labels",
    "make_labels",
    "triple_barrier_labels",
]
