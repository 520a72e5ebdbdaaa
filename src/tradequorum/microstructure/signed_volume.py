"""Signed volume: who was aggressive in each bar, the cumulative delta and price/delta divergences.

Three ways to split a bar's volume into buyer- and seller-initiated parts, the method is reported:

* ``taker`` — exact: Binance klines carry ``taker_buy_volume``, so ``delta = 2*taker_buy - volume``;
* ``bvc`` — bulk volume classification (Easley, López de Prado & O'Hara 2012, "Flow toxicity and
  liquidity in a high-frequency world"): buy share = CDF(r_t / sigma_t), with r_t the log change
  of the close and sigma_t the std of r over the last ``bvc_window`` bars (bar t included, so it is
  known at t's close); Student-t (ELO use 0.25 degrees of freedom) or normal CDF;
* ``tick`` — tick rule on bar closes: the whole volume goes to the side of the last non-zero close
  change (half/half until the first change).

Everything is causal: the value at bar t uses bars <= t only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numba import njit
from scipy import special

from tradequorum.core.bars import FloatArray, column
from tradequorum.core.errors import DataError
from tradequorum.microstructure.arrays import FlowArrays, flow_arrays
from tradequorum.microstructure.windows import (
    day_ids,
    rolling_max_min,
    rolling_mean_std,
    rolling_sum,
)

FlowMethod = Literal["taker", "bvc", "tick"]


@dataclass(frozen=True, slots=True)
class SignedVolume:
    """Buyer-initiated volume and delta (buy - sell), base units, plus the method used."""

    buy_volume: FloatArray
    delta: FloatArray
    method: FlowMethod


def check_flow_inputs(bars: pd.DataFrame) -> pd.DataFrame:
    """Schema check plus the volume rules the flow measures rely on (see :func:`flow_arrays`).

    Raises
    ------
    DataError
        Non-positive prices, NaN/inf or negative volume, NaN in a present ``taker_buy_volume`` column, or taker-buy
        volume above the bar's volume. A *missing* taker column is not an error (BVC is used).
    """
    flow_arrays(bars)
    return bars


def log_changes(open_: FloatArray, close: FloatArray) -> FloatArray:
    """r_t = ln(close_t / close_{t-1}); the first bar uses its own open."""
    prev = np.empty_like(close)
    if close.size:
        prev[0] = open_[0]
        prev[1:] = close[:-1]
    return np.log(close / prev)


def bvc_buy_fraction(
    open_: FloatArray,
    close: FloatArray,
    *,
    window: int,
    distribution: Literal["t", "normal"] = "t",
    df: float = 0.25,
    start: int = 0,
) -> FloatArray:
    """Buy share of each bar's volume by bulk volume classification (ELO 2012); 0.5 when sigma is 0.

    ``start > 0`` returns the shares of bars ``start..n-1`` only (equal to the full result's
    ``[start:]``), computed from the ``window + 1`` bars before ``start`` on: sigma at bar t uses
    the changes of bars t-window+1..t, each from the previous close.
    """
    lo = max(0, start - window - 1)
    r = log_changes(open_[lo:], close[lo:])
    _, sigma = rolling_mean_std(r, window, max(2, window // 2), 0)
    r, sigma = r[start - lo :], sigma[start - lo :]
    z = np.zeros_like(r)
    ok = np.isfinite(sigma) & (sigma > 0)
    z[ok] = r[ok] / sigma[ok]
    if distribution == "t":
        return np.asarray(special.stdtr(df, z), dtype=np.float64)
    return np.asarray(special.ndtr(z), dtype=np.float64)


@njit(cache=True)
def _tick_fraction(close: FloatArray) -> FloatArray:
    n = close.shape[0]
    out = np.full(n, 0.5)
    sign = 0.0
    for t in range(1, n):
        if close[t] > close[t - 1]:
            sign = 1.0
        elif close[t] < close[t - 1]:
            sign = -1.0
        if sign != 0.0:
            out[t] = 1.0 if sign > 0 else 0.0
    return out


def classify_volume(
    bars: pd.DataFrame,
    *,
    method: Literal["auto", "taker", "bvc", "tick"] = "auto",
    bvc_window: int = 50,
    distribution: Literal["t", "normal"] = "t",
    df: float = 0.25,
) -> SignedVolume:
    """Split each bar's volume into buyer/seller-initiated parts (see the module docstring).

    ``auto`` uses exact taker flow when the column is present, else BVC. Asking for ``taker``
    without the column raises DataError.
    """
    return classify_arrays(
        flow_arrays(bars), method=method, bvc_window=bvc_window, distribution=distribution, df=df
    )


def chosen_method(
    arrays: FlowArrays, method: Literal["auto", "taker", "bvc", "tick"]
) -> FlowMethod:
    """The method :func:`classify_volume` uses (``auto``: taker when the column is present)."""
    if method == "auto":
        return "taker" if arrays.taker is not None else "bvc"
    if method == "taker" and arrays.taker is None:
        raise DataError("flow method 'taker' needs a taker_buy_volume column")
    return method


def classify_arrays(
    arrays: FlowArrays,
    *,
    method: Literal["auto", "taker", "bvc", "tick"] = "auto",
    bvc_window: int = 50,
    distribution: Literal["t", "normal"] = "t",
    df: float = 0.25,
) -> SignedVolume:
    """:func:`classify_volume` on columns already read and checked by :func:`flow_arrays`."""
    vol = arrays.volume
    chosen = chosen_method(arrays, method)
    if chosen == "taker" and arrays.taker is not None:  # chosen_method checked the column
        buy = np.minimum(arrays.taker, vol)
    elif chosen == "bvc":
        frac = bvc_buy_fraction(
            arrays.open, arrays.close, window=bvc_window, distribution=distribution, df=df
        )
        buy = vol * frac
    else:
        buy = vol * _tick_fraction(arrays.close)
    return SignedVolume(buy_volume=buy, delta=2.0 * buy - vol, method=chosen)


@njit(cache=True)
def session_cumsum(x: FloatArray, day: np.ndarray) -> FloatArray:
    """Cumulative sum of ``x`` that restarts at each new UTC day."""
    n = x.shape[0]
    out = np.empty(n)
    acc = 0.0
    for t in range(n):
        if t == 0 or day[t] != day[t - 1]:
            acc = 0.0
        acc += x[t]
        out[t] = acc
    return out


def delta_divergence(close: FloatArray, delta: FloatArray, lookback: int) -> FloatArray:
    """+1 bullish (close at its ``lookback``-bar low while the window's delta is positive),
    -1 bearish (close at its high while the window's delta is negative), else 0."""
    hi, lo = rolling_max_min(close, lookback)
    dsum = rolling_sum(delta, lookback, lookback)
    out = np.zeros_like(close)
    with np.errstate(invalid="ignore"):
        out[(close >= hi) & (dsum < 0)] = -1.0
        out[(close <= lo) & (dsum > 0)] = 1.0
    return out


def safe_ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    """num / den, 0 where den is 0 (zero-volume bars have no imbalance), NaN where either is NaN."""
    out = np.where(np.isnan(num) | np.isnan(den), np.nan, 0.0)
    ok = np.isfinite(den) & (den != 0) & np.isfinite(num)
    out[ok] = num[ok] / den[ok]
    return out


def flow_columns(
    bars: pd.DataFrame,
    *,
    method: Literal["auto", "taker", "bvc", "tick"] = "auto",
    window: int = 60,
    divergence_bars: int = 30,
    bvc_window: int = 50,
    distribution: Literal["t", "normal"] = "t",
    df: float = 0.25,
) -> tuple[dict[str, FloatArray], FlowMethod]:
    """The columns of :func:`order_flow` as arrays (no DataFrame built), and the method used."""
    sv = classify_volume(
        bars, method=method, bvc_window=bvc_window, distribution=distribution, df=df
    )
    vol = column(bars, "volume")
    droll = rolling_sum(sv.delta, window, window)
    vroll = rolling_sum(vol, window, window)
    cols = {
        "buy_volume": sv.buy_volume,
        "sell_volume": vol - sv.buy_volume,
        "delta": sv.delta,
        "delta_ratio": safe_ratio(sv.delta, vol),
        "cvd": np.cumsum(sv.delta),
        "cvd_session": session_cumsum(sv.delta, day_ids(bars.index)),
        "delta_roll": droll,
        "delta_roll_ratio": safe_ratio(droll, vroll),
        "divergence": delta_divergence(column(bars, "close"), sv.delta, divergence_bars),
    }
    return cols, sv.method


def order_flow(
    bars: pd.DataFrame,
    *,
    method: Literal["auto", "taker", "bvc", "tick"] = "auto",
    window: int = 60,
    divergence_bars: int = 30,
    bvc_window: int = 50,
    distribution: Literal["t", "normal"] = "t",
    df: float = 0.25,
) -> tuple[pd.DataFrame, FlowMethod]:
    """Order-flow frame on the bars' index and the method used.

    Columns (base units unless a ratio): ``buy_volume sell_volume delta delta_ratio`` (delta /
    volume, 0 on zero-volume bars), ``cvd`` (cumulated from the first loaded bar: depends on the
    load start, so not for features), ``cvd_session`` (restarts each UTC day),
    ``delta_roll`` / ``delta_roll_ratio`` over ``window`` bars, ``divergence`` (+1/-1/0).
    """
    cols, method_used = flow_columns(
        bars,
        method=method,
        window=window,
        divergence_bars=divergence_bars,
        bvc_window=bvc_window,
        distribution=distribution,
        df=df,
    )
    return pd.DataFrame(cols, index=bars.index), method_used


__all__ = [
    "FlowMethod",
    "SignedVolume",
    "bvc_buy_fraction",
    "check_flow_inputs",
    "chosen_method",
    "classify_arrays",
    "classify_volume",
    "delta_divergence",
    "flow_columns",
    "log_changes",
    "order_flow",
    "safe_ratio",
    "session_cumsum",
]
