"""A seeded market simulator of 1m bars for offline use. **The bars are synthetic**: no statistic
computed on them says anything about a real market.

Model (per bar; every random draw comes from one ``np.random.Generator(seed)``):

* **regimes**: a 3-state Markov chain (calm up-drift, calm down-drift, turbulent) with persistent
  states (mean stay ``regime_bars``), each with its own drift and volatility multiplier;
* **volatility clustering**: GARCH(1,1) conditional variance (Bollerslev 1986),
  ``h_t = w + a * e_{t-1}^2 + b * h_{t-1}`` with Student-t(5) shocks (fat tails);
* **bars**: open = previous close, close = open * exp(r); high/low extend the body by half-normal
  wicks, so ``low <= min(open, close) <= max(open, close) <= high`` always holds;
* **volume** grows with |r| / sigma (volume-volatility relation), and **taker-buy volume** is a
  share of volume that rises with the sign and size of the return (buyers push prices up);
  trades, quote and taker-quote volumes follow;
* optional **gaps** (runs of missing bars) and an optional **planted signal**: with
  ``planted_signal = s > 0`` the next return carries ``s * sigma * tanh(r_prev / sigma)`` — a
  causal momentum a correct ML pipeline can find; with ``s = 0`` nothing is predictable, so a
  model that "finds" an edge there has leaked the future (the ML leakage canary);
* an optional **planted order-flow drift** matched to multi-bar label horizons (``flow_drift = d
  > 0``, default 0 = off): a latent flow state ``f_t = tanh(g_t)``, ``g`` a stationary Gaussian
  AR(1) with mean life ``flow_bars`` bars, adds ``d * sigma_t * f_{t-1}`` to the return of bar
  ``t`` and ``flow_taker_share * f_t`` to the taker-buy share of bar ``t``. The drift of the next
  bar is thus *announced* by the taker flow already observed (a multi-bar taker imbalance, or a
  slow momentum, reads it), and persists over tens of bars, so a triple-barrier label over ~30
  bars can learn it after fees. **It is planted and synthetic**: it exists so that the demo's
  model has something real to find; no market is claimed to behave like this. Its draws come
  from a separate generator (``[seed, 1]``), so switching it on leaves every other draw as is.

The recursion runs in numba; 1M bars take well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from numba import njit

from tradequorum.core.errors import DataError
from tradequorum.core.timeframes import timeframe_delta

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class SimulatorParams:
    """Parameters of :func:`simulate_market` (per-bar units for 1m bars)."""

    start_price: float = 30_000.0
    sigma: float = 0.0008  # unconditional per-bar volatility of log returns
    garch_alpha: float = 0.06
    garch_beta: float = 0.92
    regime_bars: float = 1_500.0  # mean bars spent in a regime
    drifts: tuple[float, float, float] = (0.00002, -0.00002, 0.0)
    vol_multipliers: tuple[float, float, float] = (0.8, 0.9, 2.0)
    base_volume: float = 10.0
    trades_per_volume: float = 40.0
    gap_probability: float = 0.0  # chance that a bar starts a run of missing bars
    gap_mean_bars: float = 5.0
    planted_signal: float = 0.0
    flow_drift: float = 0.0  # planted flow drift per bar, in sigmas at |f| = 1 (0 = off)
    flow_bars: float = 90.0  # mean life of the latent flow state, bars
    flow_taker_share: float = 0.15  # taker-buy share shift at |f| = 1 (the announcement)


@dataclass(frozen=True, slots=True)
class SimulatedMarket:
    bars: pd.DataFrame
    regimes: IntArray  # regime of each returned bar (0 up, 1 down, 2 turbulent)


@njit(cache=True)
def _paths(  # pragma: no cover - numba
    z: FloatArray,
    u: FloatArray,
    drift: FloatArray,
    volmult: FloatArray,
    stay: float,
    sigma: float,
    alpha: float,
    beta: float,
    planted: float,
    flow: FloatArray,
    flow_drift: float,
) -> tuple[FloatArray, FloatArray, IntArray]:
    n = z.size
    ret = np.empty(n)
    sd = np.empty(n)
    regime = np.empty(n, dtype=np.int64)
    omega = sigma * sigma * (1.0 - alpha - beta)
    h = sigma * sigma
    state = 0
    prev_e = 0.0
    prev_r = 0.0
    prev_s = sigma
    prev_f = 0.0
    for i in range(n):
        if u[i] > stay:
            state = (state + 1 + int(u[i] * 1e6) % 2) % 3
        h = omega + alpha * prev_e * prev_e + beta * h
        s = np.sqrt(h) * volmult[state]
        e = s * z[i]
        r = drift[state] + e + planted * s * np.tanh(prev_r / prev_s) + flow_drift * s * prev_f
        ret[i] = r
        sd[i] = s
        regime[i] = state
        prev_e = e / volmult[state]
        prev_r = r
        prev_s = s
        prev_f = flow[i]
    return ret, sd, regime


def _flow_state(seed: int, n: int, p: SimulatorParams) -> FloatArray:
    """Latent flow ``tanh(g)``, ``g`` stationary AR(1) N(0, 1) with mean life ``flow_bars``;
    zeros when the planted flow drift is off (no draws are made then)."""
    if p.flow_drift == 0.0:
        return np.zeros(n)
    if p.flow_bars < 1.0:
        raise DataError("flow_bars must be >= 1 (mean life of the planted flow state)")
    from scipy.signal import lfilter

    phi = 1.0 - 1.0 / p.flow_bars
    eta = np.random.default_rng([seed, 1]).standard_normal(n)
    eta[0] /= np.sqrt(1.0 - phi * phi)  # start in the stationary distribution
    g = lfilter([np.sqrt(1.0 - phi * phi)], [1.0, -phi], eta)
    return np.asarray(np.tanh(g), dtype=np.float64)


def _gap_mask(
    rng: np.random.Generator, n: int, p: float, mean_bars: float
) -> npt.NDArray[np.bool_]:
    keep = np.ones(n, dtype=bool)
    if p <= 0:
        return keep
    starts = np.flatnonzero(rng.random(n) < p)
    lengths = rng.geometric(1.0 / max(mean_bars, 1.0), starts.size)
    for s, k in zip(starts, lengths, strict=True):  # few gaps: a short loop over gap starts
        keep[s : s + k] = False
    keep[0] = True
    return keep


def simulate_market(
    n: int,
    *,
    seed: int = 7,
    start: str | pd.Timestamp = "2024-01-01",
    timeframe: str = "1m",
    params: SimulatorParams | None = None,
) -> SimulatedMarket:
    """Simulate ``n`` synthetic bars (before gaps) starting at ``start`` (UTC). Deterministic in
    ``seed``. See the module docstring for the model."""
    if n < 1:
        raise DataError("the simulator needs at least one bar")
    p = params or SimulatorParams()
    if not 0 <= p.garch_alpha + p.garch_beta < 1:
        raise DataError("GARCH alpha + beta must be in [0, 1) for a stationary variance")
    rng = np.random.default_rng(seed)
    z = rng.standard_t(5, n) / np.sqrt(5.0 / 3.0)
    u = rng.random(n)
    flow = _flow_state(seed, n, p)
    ret, sd, regime = _paths(
        z, u, np.asarray(p.drifts, dtype=np.float64), np.asarray(p.vol_multipliers, np.float64),
        1.0 - 1.0 / p.regime_bars, p.sigma, p.garch_alpha, p.garch_beta, p.planted_signal,
        flow, p.flow_drift,
    )  # fmt: skip
    close = p.start_price * np.exp(np.cumsum(ret))
    open_ = np.concatenate([[p.start_price], close[:-1]])
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0.0, 0.5, n)) * sd)
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0.0, 0.5, n)) * sd)
    x = ret / sd
    volume = p.base_volume * np.exp(rng.normal(0.0, 0.35, n)) * (1.0 + 0.8 * np.abs(x))
    share = 0.5 + 0.3 * np.tanh(x) + rng.normal(0.0, 0.05, n) + p.flow_taker_share * flow
    share = np.clip(share, 0.02, 0.98)
    vwap = (open_ + high + low + close) / 4.0
    taker = volume * share
    trades = np.maximum(1.0, np.round(volume * p.trades_per_volume * rng.uniform(0.7, 1.3, n)))
    ts0 = pd.Timestamp(start)
    ts0 = ts0.tz_localize("UTC") if ts0.tzinfo is None else ts0.tz_convert("UTC")
    index = pd.date_range(ts0, periods=n, freq=timeframe_delta(timeframe), name="open_time")
    bars = pd.DataFrame(
        {
            "open": open_, "high": high, "low": low, "close": close, "volume": volume,
            "quote_volume": volume * vwap, "trades": trades, "taker_buy_volume": taker,
            "taker_buy_quote_volume": taker * vwap,
        },
        index=index.as_unit("ns"),
    )  # fmt: skip
    keep = _gap_mask(rng, n, p.gap_probability, p.gap_mean_bars)
    bars = bars.loc[keep]
    bars.attrs["synthetic"] = True
    return SimulatedMarket(bars=bars, regimes=regime[keep])


def simulate_bars(
    n: int,
    *,
    seed: int = 7,
    start: str | pd.Timestamp = "2024-01-01",
    timeframe: str = "1m",
    params: SimulatorParams | None = None,
) -> pd.DataFrame:
    """Synthetic bars only (see :func:`simulate_market`)."""
    return simulate_market(n, seed=seed, start=start, timeframe=timeframe, params=params).bars


__all__ = ["SimulatedMarket", "SimulatorParams", "simulate_bars", "simulate_market"]
