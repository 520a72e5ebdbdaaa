"""Backtest engine: bars + signals (or target positions) -> positions, cash, equity and trades.

The event semantics live in :mod:`tradequorum.backtest.kernels` and the fill model in
:mod:`tradequorum.backtest.fills` (shared with the paper broker). Summary, per bar ``t``:

* the decision of bar ``t-1`` (signal row ``t-1``) is executed at the open of ``t`` (DESIGN §3);
* signal mode: ``direction`` +1/-1 opens or flips a position sized by
  ``fixed_fraction_units(equity[t-1], close[t-1], |close[t-1] - stop|, ...)``; a position in the
  same direction is held (never resized); ``0`` closes it when ``neutral_exits`` (default) or is
  ignored otherwise; NaN is "no decision";
* signal mode, optional ``max_units`` per row: the entry's units are ``min(formula, max_units)``
  (the risk manager's approved size: nothing trades beyond it); NaN (the default) = no cap,
  ``<= 0`` = no entry;
* target mode: the row is the wanted signed position (``units``, or a signed ``fraction`` of
  equity at the decision close); NaN keeps the current position;
* the stop of a new position is the signal's ``stop`` when finite, else (signal mode only)
  ``close[t-1] -/+ atr_stop_multiple * ATR[t-1]`` (no stop when the multiple is 0); target mode
  uses only the explicit ``stops``;
* after a stop or target exit no new position is opened in the same direction until the signal
  shows another value (no churn on a persistent signal);
* an entry whose fill bar opens at or through its stop or target is cancelled;
* positions still open at the end are reported as trades with reason ``open``, marked at the
  last close without an exit fee.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradequorum.backtest.fills import EXIT_REASONS
from tradequorum.backtest.indicators import wilder_atr
from tradequorum.backtest.kernels import (
    MODE_SIGNAL,
    MODE_TARGET_FRACTION,
    MODE_TARGET_UNITS,
    run_kernel,
)
from tradequorum.config.risk import RiskConfig
from tradequorum.config.validation import BacktestConfig
from tradequorum.core.bars import ensure_bars
from tradequorum.core.errors import DataError

FloatArray = npt.NDArray[np.float64]
TRADE_COLUMNS = (
    "symbol",
    "entry_bar",
    "exit_bar",
    "direction",
    "units",
    "entry_price",
    "exit_price",
    "pnl",
    "fees",
    "reason",
    "return",
)


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """Everything the kernel needs besides the data (fractions of equity, basis points)."""

    initial_equity: float = 100_000.0
    fee_bps: float = 10.0
    slippage_bps: float = 2.0
    slippage_atr_fraction: float = 0.0
    risk_fraction: float = 0.005
    max_notional_fraction: float = 0.25
    atr_stop_multiple: float = 2.0
    atr_period: int = 14
    neutral_exits: bool = True
    allow_short: bool = True

    @classmethod
    def from_config(
        cls, backtest: BacktestConfig, risk: RiskConfig, **overrides: float | int | bool
    ) -> EngineSettings:
        """Build from the ``backtest`` and ``risk`` configuration sections."""
        base = cls(
            initial_equity=backtest.initial_equity,
            fee_bps=backtest.fee_bps,
            slippage_bps=backtest.slippage_bps,
            slippage_atr_fraction=backtest.slippage_atr_fraction,
            risk_fraction=risk.risk_fraction,
            max_notional_fraction=risk.max_symbol_notional_fraction,
            atr_stop_multiple=risk.atr_stop_multiple,
            atr_period=risk.atr_period,
        )
        return replace(base, **overrides) if overrides else base  # type: ignore[arg-type]

    def kernel_params(self) -> FloatArray:
        return np.array(
            [
                self.fee_bps,
                self.slippage_bps,
                self.slippage_atr_fraction,
                self.risk_fraction,
                self.max_notional_fraction,
                self.atr_stop_multiple,
                float(self.neutral_exits),
                float(self.allow_short),
                self.initial_equity,
            ],
            dtype=np.float64,
        )


@dataclass(frozen=True, slots=True)
class BacktestResult:
    """Per-bar positions (units), cash, equity, traded notional and fees; one row per trade."""

    index: pd.DatetimeIndex
    symbols: tuple[str, ...]
    positions: FloatArray
    cash: FloatArray
    equity: FloatArray
    notional: FloatArray
    fees: FloatArray
    trades: pd.DataFrame
    close: FloatArray
    initial_equity: float
    extra: dict[str, float] = field(default_factory=dict)

    def returns(self) -> FloatArray:
        """Simple per-bar returns of equity; the first bar's return is against initial equity."""
        prev = np.concatenate([[self.initial_equity], self.equity[:-1]])
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(prev > 0, self.equity / prev - 1.0, 0.0)
        return np.asarray(r, dtype=np.float64)

    def equity_series(self) -> pd.Series:
        return pd.Series(self.equity, index=self.index, name="equity")


def _col(frame: pd.DataFrame, name: str, n: int, default: float) -> FloatArray:
    if name not in frame.columns:
        return np.full(n, default)
    return np.asarray(frame[name].to_numpy(dtype=np.float64), dtype=np.float64)


def _aligned(signals: pd.DataFrame, bars: pd.DataFrame, what: str) -> pd.DataFrame:
    if not isinstance(signals, pd.DataFrame):
        raise DataError(f"{what} must be a DataFrame on the bars' index")
    if len(signals) != len(bars) or not signals.index.equals(bars.index):
        raise DataError(f"{what} must have exactly the bars' index ({len(bars)} rows)")
    return signals


def _trades_frame(
    raw: FloatArray, symbols: tuple[str, ...], index: pd.DatetimeIndex
) -> pd.DataFrame:
    df = pd.DataFrame(raw, columns=list(TRADE_COLUMNS))
    for c in ("entry_bar", "exit_bar"):
        df[c] = df[c].astype(np.int64)
    df["symbol"] = [symbols[int(i)] for i in raw[:, 0]] if len(raw) else []
    df["reason"] = [EXIT_REASONS[int(i)] for i in raw[:, 9]] if len(raw) else []
    df["entry_time"] = index[df["entry_bar"].to_numpy()] if len(raw) else pd.DatetimeIndex([])
    df["exit_time"] = index[df["exit_bar"].to_numpy()] if len(raw) else pd.DatetimeIndex([])
    return df


def run_arrays(
    ohlc: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    signal: FloatArray,
    settings: EngineSettings,
    *,
    mode: int = MODE_SIGNAL,
    stop: FloatArray | None = None,
    target: FloatArray | None = None,
    scale: FloatArray | None = None,
    atr: FloatArray | None = None,
    max_units: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Thin array entry point (no pandas): 1-D arrays are one symbol, 2-D are ``(n, m)``.

    ``max_units`` caps each signal row's entry units (the approved size; None/NaN = no cap).

    Returns the kernel's raw tuple (positions, cash, equity, notional, fees, trades).
    """
    o, h, lo, c = (np.asarray(a, dtype=np.float64) for a in ohlc)
    one = c.ndim == 1
    shape = (c.shape[0], 1) if one else c.shape

    def as2d(a: FloatArray | None, fill: float) -> FloatArray:
        if a is None:
            return np.full(shape, fill)
        return np.ascontiguousarray(np.asarray(a, dtype=np.float64).reshape(shape))

    if atr is None and (settings.atr_stop_multiple > 0 or settings.slippage_atr_fraction > 0):
        atr = np.column_stack(
            [
                wilder_atr(
                    as2d(h, 0)[:, j], as2d(lo, 0)[:, j], as2d(c, 0)[:, j], settings.atr_period
                )
                for j in range(shape[1])
            ]
        )
    return run_kernel(  # type: ignore[no-any-return]
        mode,
        as2d(o, 0),
        as2d(h, 0),
        as2d(lo, 0),
        as2d(c, 0),
        as2d(atr, np.nan),
        as2d(signal, np.nan),
        as2d(stop, np.nan),
        as2d(target, np.nan),
        as2d(scale, 1.0),
        as2d(max_units, np.nan),
        settings.kernel_params(),
    )


def _result(
    raw: tuple[FloatArray, ...],
    index: pd.DatetimeIndex,
    symbols: tuple[str, ...],
    close: FloatArray,
    settings: EngineSettings,
) -> BacktestResult:
    positions, cash, equity, notional, fees, trades = raw
    return BacktestResult(
        index=index,
        symbols=symbols,
        positions=positions,
        cash=cash,
        equity=equity,
        notional=notional,
        fees=fees,
        trades=_trades_frame(trades, symbols, index),
        close=close,
        initial_equity=settings.initial_equity,
    )


def run_backtest(
    bars: pd.DataFrame,
    signals: pd.DataFrame,
    settings: EngineSettings | None = None,
    *,
    symbol: str = "asset",
) -> BacktestResult:
    """Backtest one symbol from a signal frame (``direction`` and optional ``stop``, ``target``,
    ``scale``, ``max_units``) on the bars' index. Row ``t`` is acted on at the open of ``t+1``."""
    s = settings or EngineSettings()
    ensure_bars(bars)
    sig = _aligned(signals, bars, "signals")
    if "direction" not in sig.columns:
        raise DataError("signals need a 'direction' column (-1, 0, +1; NaN = no decision)")
    n = len(bars)
    ohlc = tuple(bars[c].to_numpy(dtype=np.float64) for c in ("open", "high", "low", "close"))
    raw = run_arrays(
        ohlc,  # type: ignore[arg-type]
        _col(sig, "direction", n, np.nan),
        s,
        stop=_col(sig, "stop", n, np.nan),
        target=_col(sig, "target", n, np.nan),
        scale=_col(sig, "scale", n, 1.0),
        max_units=_col(sig, "max_units", n, np.nan),
    )
    return _result(raw, bars.index, (symbol,), ohlc[3].reshape(-1, 1), s)  # type: ignore[arg-type]


def run_backtest_targets(
    bars: pd.DataFrame,
    targets: pd.Series,
    settings: EngineSettings | None = None,
    *,
    kind: Literal["units", "fraction"] = "units",
    stops: pd.Series | None = None,
    symbol: str = "asset",
) -> BacktestResult:
    """Backtest one symbol from wanted positions: signed units, or signed fractions of equity.

    Row ``t`` (decided at the close of ``t``) is traded at the open of ``t+1``; NaN keeps the
    position. ``stops`` (price levels) apply to positions opened from the same row.
    """
    s = settings or EngineSettings()
    ensure_bars(bars)
    tgt = _aligned(targets.to_frame("target"), bars, "targets")
    mode = MODE_TARGET_UNITS if kind == "units" else MODE_TARGET_FRACTION
    ohlc = tuple(bars[c].to_numpy(dtype=np.float64) for c in ("open", "high", "low", "close"))
    stop_arr = None if stops is None else _aligned(stops.to_frame("s"), bars, "stops")["s"]
    raw = run_arrays(
        ohlc,  # type: ignore[arg-type]
        tgt["target"].to_numpy(dtype=np.float64),
        s,
        mode=mode,
        stop=None if stop_arr is None else stop_arr.to_numpy(dtype=np.float64),
    )
    return _result(raw, bars.index, (symbol,), ohlc[3].reshape(-1, 1), s)  # type: ignore[arg-type]


def run_portfolio(
    bars: Mapping[str, pd.DataFrame],
    signals: Mapping[str, pd.DataFrame],
    settings: EngineSettings | None = None,
) -> BacktestResult:
    """Backtest several symbols sharing one cash account; every frame must share one index."""
    s = settings or EngineSettings()
    symbols = tuple(bars)
    if not symbols or set(symbols) != set(signals):
        raise DataError("bars and signals must name the same, non-empty set of symbols")
    first = ensure_bars(bars[symbols[0]])
    for sym in symbols:
        if not ensure_bars(bars[sym], name=sym).index.equals(first.index):
            raise DataError(f"{sym}: every symbol must have the same bar index (align them first)")
        _aligned(signals[sym], first, f"signals[{sym}]")
    n = len(first)

    def stack(get: str, default: float, src: str) -> FloatArray:
        frames = bars if src == "bars" else signals
        return np.column_stack([_col(frames[k], get, n, default) for k in symbols])

    ohlc = tuple(stack(c, np.nan, "bars") for c in ("open", "high", "low", "close"))
    raw = run_arrays(
        ohlc,  # type: ignore[arg-type]
        stack("direction", np.nan, "signals"),
        s,
        stop=stack("stop", np.nan, "signals"),
        target=stack("target", np.nan, "signals"),
        scale=stack("scale", 1.0, "signals"),
        max_units=stack("max_units", np.nan, "signals"),
    )
    return _result(raw, pd.DatetimeIndex(first.index), symbols, ohlc[3], s)


__all__ = [
    "TRADE_COLUMNS",
    "BacktestResult",
    "EngineSettings",
    "run_arrays",
    "run_backtest",
    "run_backtest_targets",
    "run_portfolio",
]
