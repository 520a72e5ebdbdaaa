"""Trade prints into bars: time, volume and dollar bars with taker-buy volume (numba).

A print is ``(timestamp, price, qty, buyer_is_maker)``; ``buyer_is_maker=True`` means the seller
was the aggressor (Binance's ``m`` flag), so taker-buy volume is the volume of prints with
``buyer_is_maker=False``. Output bars follow the bar schema (open time index, UTC) with the Binance
kline extras ``quote_volume trades taker_buy_volume taker_buy_quote_volume`` plus
``large_trade_volume`` (prints of at least ``large_trade_notional`` quote units).

* time bars: open time = ``floor(ts / freq)``; empty intervals between prints become zero-volume
  bars at the previous close (as Binance klines do). The last bar may still be open: the caller
  knows the clock (``drop_last=True`` drops it).
* volume / dollar bars (López de Prado 2018, ch. 2): a bar closes at the print that brings its
  base (or quote) volume to ``size``; prints are not split. The open time is the first print's
  time, bumped by 1 ns when two bars open in the same nanosecond (keeps the index strictly
  increasing). The trailing unfinished bar is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from numba import njit

from tradequorum.core.bars import FloatArray
from tradequorum.core.errors import DataError
from tradequorum.core.timeframes import timeframe_seconds

BarKind = Literal["time", "volume", "dollar"]
_TIME = ("timestamp", "T", "time", "date", "ts")
_QTY = ("qty", "quantity", "amount", "q", "size")
_MAKER = ("buyer_is_maker", "buyer_maker", "is_buyer_maker", "m")
OUT_COLUMNS = (
    "open",
    "high",
    "low",
    "close",
    "volume",
    "quote_volume",
    "trades",
    "taker_buy_volume",
    "taker_buy_quote_volume",
    "large_trade_volume",
)


@dataclass(frozen=True, slots=True)
class Trades:
    """Validated prints: int64 ns timestamps (non-decreasing), prices, base quantities, maker flags."""

    ts_ns: npt.NDArray[np.int64]
    price: FloatArray
    qty: FloatArray
    buyer_is_maker: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.ts_ns.shape[0])


def _pick(df: pd.DataFrame, names: tuple[str, ...], what: str) -> str | None:
    for n in names:
        if n in df.columns:
            return n
    return None


def _timestamps(col: pd.Series) -> npt.NDArray[np.int64]:
    if isinstance(col.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(col):
        idx = pd.DatetimeIndex(col)
        if idx.tz is None:
            raise DataError("trade timestamps must be tz-aware UTC (got naive datetimes)")
        return np.asarray(idx.tz_convert("UTC").as_unit("ns").asi8, dtype=np.int64)
    if pd.api.types.is_numeric_dtype(col):
        raw = col.to_numpy(dtype=np.int64)
        mag = int(np.abs(raw).max()) if raw.size else 0
        if mag < 10**11:
            scale = 1_000_000_000  # seconds
        elif mag < 10**14:
            scale = 1_000_000  # milliseconds
        else:
            scale = 1_000 if mag < 10**17 else 1  # microseconds, nanoseconds
        return raw * scale
    return _timestamps(pd.Series(pd.to_datetime(col, utc=True, format="ISO8601")))


def _maker_flags(df: pd.DataFrame) -> npt.NDArray[np.bool_]:
    name = _pick(df, _MAKER, "maker flag")
    if name is not None:
        col = df[name]
        if col.dtype == bool:
            return col.to_numpy(dtype=bool)
        text = col.astype(str).str.strip().str.lower()
        if not text.isin(["true", "false", "1", "0"]).all():
            raise DataError(f"column {name!r} must hold booleans or 'True'/'False'")
        return text.isin(["true", "1"]).to_numpy()
    if "side" in df.columns:
        side = df["side"].astype(str).str.lower()
        if not side.isin(["buy", "sell"]).all():
            raise DataError("column 'side' must hold the taker side 'buy' or 'sell'")
        return (side == "sell").to_numpy()
    raise DataError(
        "trades need a buyer-is-maker flag (buyer_is_maker / buyer_maker / m) or a taker 'side'"
    )


def normalize_trades(df: pd.DataFrame) -> Trades:
    """Read prints from common layouts (Binance ws/REST, Nautilus, freqtrade, Tardis-like).

    Raises
    ------
    DataError
        A missing column, NaN, a non-positive price, a negative quantity, or timestamps that go
        backwards (prints are never re-sorted silently).
    """
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"trades must be a DataFrame, got {type(df).__name__}")
    t_name, q_name = _pick(df, _TIME, "time"), _pick(df, _QTY, "qty")
    p_name = "price" if "price" in df.columns else ("p" if "p" in df.columns else None)
    if t_name is None or q_name is None or p_name is None:
        raise DataError(f"trades need timestamp, price and qty columns; got {list(df.columns)}")
    price = pd.to_numeric(df[p_name], errors="coerce").to_numpy(dtype=np.float64)
    qty = pd.to_numeric(df[q_name], errors="coerce").to_numpy(dtype=np.float64)
    if not (np.isfinite(price).all() and np.isfinite(qty).all()):
        raise DataError("trades contain NaN or non-numeric price/qty")
    if (price <= 0).any() or (qty < 0).any():
        raise DataError("trades need positive prices and non-negative quantities")
    ts = _timestamps(df[t_name])
    if ts.size > 1 and (np.diff(ts) < 0).any():
        raise DataError("trade timestamps go backwards; sort them by (time, trade id) first")
    return Trades(ts, np.ascontiguousarray(price), np.ascontiguousarray(qty), _maker_flags(df))


@njit(cache=True, inline="always")
def _add_print(row, p, q, is_maker, big):  # type: ignore[no-untyped-def]
    """Add one print to a bar row (open already set): high low close volume quote count taker big."""
    row[1] = max(row[1], p)
    row[2] = min(row[2], p)
    row[3] = p
    row[4] += q
    row[5] += p * q
    row[6] += 1.0
    if not is_maker:
        row[7] += q
        row[8] += p * q
    if p * q >= big:
        row[9] += q


@njit(cache=True)
def _time_kernel(ts, price, qty, maker, freq, big):  # type: ignore[no-untyped-def]
    first = ts[0] // freq
    nb = ts[-1] // freq - first + 1
    out = np.zeros((nb, 10))
    out[:, 0] = np.nan
    for k in range(ts.shape[0]):
        b = ts[k] // freq - first
        p = price[k]
        if np.isnan(out[b, 0]):
            out[b, 0:3] = p
        _add_print(out[b], p, qty[k], maker[k], big)
    for b in range(nb):
        if np.isnan(out[b, 0]):
            c = out[b - 1, 3]
            out[b, 0] = c
            out[b, 1] = c
            out[b, 2] = c
            out[b, 3] = c
    return out, first


@njit(cache=True)
def _count_threshold_bars(price, qty, size, dollar):  # type: ignore[no-untyped-def]
    nb = 0
    acc = 0.0
    for k in range(price.shape[0]):
        acc += price[k] * qty[k] if dollar else qty[k]
        if acc >= size:
            nb += 1
            acc = 0.0
    return nb


@njit(cache=True)
def _threshold_kernel(ts, price, qty, maker, size, dollar, big):  # type: ignore[no-untyped-def]
    nb_max = _count_threshold_bars(price, qty, size, dollar)
    out = np.zeros((nb_max, 10))
    opens = np.zeros(nb_max, dtype=np.int64)
    nb = 0
    acc = 0.0
    fresh = True
    for k in range(ts.shape[0]):
        if nb == nb_max:
            break
        p = price[k]
        q = qty[k]
        if fresh:
            out[nb, 0:3] = p
            opens[nb] = ts[k]
            if nb > 0 and opens[nb] <= opens[nb - 1]:
                opens[nb] = opens[nb - 1] + 1
            fresh = False
        _add_print(out[nb], p, q, maker[k], big)
        acc += p * q if dollar else q
        if acc >= size:
            nb += 1
            acc = 0.0
            fresh = True
    return out, opens


def aggregate_trades(
    trades: Trades | pd.DataFrame,
    *,
    kind: BarKind = "time",
    timeframe: str = "1m",
    size: float = 0.0,
    large_trade_notional: float = 100_000.0,
    drop_last: bool = False,
) -> pd.DataFrame:
    """Aggregate prints into bars (see the module docstring). Empty input gives an empty frame.

    ``timeframe`` is used for time bars, ``size`` (base units for volume bars, quote units for
    dollar bars, > 0) for the others.
    """
    tr = trades if isinstance(trades, Trades) else normalize_trades(trades)
    empty = pd.DataFrame(
        {c: pd.Series(dtype=np.float64) for c in OUT_COLUMNS},
        index=pd.DatetimeIndex([], tz="UTC", name="open_time"),
    )
    if len(tr) == 0:
        return empty
    args = (tr.ts_ns, tr.price, tr.qty, tr.buyer_is_maker)
    if kind == "time":
        freq = timeframe_seconds(timeframe) * 1_000_000_000
        values, first = _time_kernel(*args, freq, large_trade_notional)
        opens = (first + np.arange(values.shape[0], dtype=np.int64)) * freq
        if drop_last:
            values, opens = values[:-1], opens[:-1]
    elif kind in ("volume", "dollar"):
        if not size > 0:
            raise DataError(f"{kind} bars need a positive size, got {size}")
        values, opens = _threshold_kernel(*args, size, kind == "dollar", large_trade_notional)
    else:
        raise DataError(f"unknown bar kind {kind!r} (time, volume, dollar)")
    index = pd.DatetimeIndex(pd.to_datetime(opens, unit="ns", utc=True), name="open_time")
    return pd.DataFrame(values, index=index, columns=list(OUT_COLUMNS))


__all__ = ["OUT_COLUMNS", "BarKind", "Trades", "aggregate_trades", "normalize_trades"]
