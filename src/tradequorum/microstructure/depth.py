"""Order-book depth measures from L2 snapshots: spread, microprice and depth imbalance.

* spread = best ask - best bid (price units) and in bps of the mid;
* microprice (Stoikov 2018's first-order form, the size-weighted mid):
  ``(bid * ask_qty + ask * bid_qty) / (bid_qty + ask_qty)`` — leans towards the side with less
  size, where the next trade is more likely to move the price;
* depth imbalance at N levels: ``(sum bid qty - sum ask qty) / (sum bid qty + sum ask qty)`` over
  the best N levels of each side, in [-1, 1] (positive = more resting bids).

Snapshots are values at their own timestamps; nothing here looks at a later snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradequorum.core.bars import FloatArray
from tradequorum.core.errors import DataError


@dataclass(frozen=True, slots=True)
class BookSnapshots:
    """L2 snapshots: ``ts_ns`` (n,), and (n, levels) arrays, bids best-first descending, asks
    best-first ascending; missing levels are NaN."""

    ts_ns: npt.NDArray[np.int64]
    bid_px: FloatArray
    bid_qty: FloatArray
    ask_px: FloatArray
    ask_qty: FloatArray

    def __len__(self) -> int:
        return int(self.ts_ns.shape[0])

    @property
    def levels(self) -> int:
        return int(self.bid_px.shape[1])


def check_snapshots(snaps: BookSnapshots) -> BookSnapshots:
    """Shape and sanity checks.

    Raises
    ------
    DataError
        Mismatched shapes, time going backwards, an empty best level, negative sizes, a crossed
        or locked book (best bid >= best ask).
    """
    shape = snaps.bid_px.shape
    if any(a.shape != shape for a in (snaps.bid_qty, snaps.ask_px, snaps.ask_qty)) or (
        shape[0] != snaps.ts_ns.shape[0]
    ):
        raise DataError("book snapshot arrays must share the shape (snapshots, levels)")
    if len(snaps) == 0:
        return snaps
    if (np.diff(snaps.ts_ns) < 0).any():
        raise DataError("book snapshots go back in time")
    best = np.c_[snaps.bid_px[:, 0], snaps.ask_px[:, 0], snaps.bid_qty[:, 0], snaps.ask_qty[:, 0]]
    if not np.isfinite(best).all():
        raise DataError("a book snapshot has an empty best bid or ask")
    if (np.nan_to_num(snaps.bid_qty) < 0).any() or (np.nan_to_num(snaps.ask_qty) < 0).any():
        raise DataError("book sizes must be non-negative")
    crossed = np.flatnonzero(snaps.bid_px[:, 0] >= snaps.ask_px[:, 0])
    if crossed.size:
        when = pd.Timestamp(int(snaps.ts_ns[crossed[0]]), unit="ns", tz="UTC")
        raise DataError(f"crossed or locked book at {when} ({crossed.size} snapshots)")
    return snaps


def depth_metrics(snaps: BookSnapshots, *, levels: int = 5) -> pd.DataFrame:
    """Per snapshot: ``best_bid best_ask mid spread spread_bps microprice imbalance_1
    imbalance_N`` (N = ``levels``, capped at the snapshot depth), on a UTC time index."""
    check_snapshots(snaps)
    n_lv = max(1, min(levels, snaps.levels))
    bid, ask = snaps.bid_px[:, 0], snaps.ask_px[:, 0]
    bq, aq = snaps.bid_qty[:, 0], snaps.ask_qty[:, 0]
    mid = (bid + ask) / 2.0
    top = bq + aq
    micro = np.where(top > 0, (bid * aq + ask * bq) / np.where(top > 0, top, 1.0), mid)
    sb = np.nansum(snaps.bid_qty[:, :n_lv], axis=1)
    sa = np.nansum(snaps.ask_qty[:, :n_lv], axis=1)
    depth = sb + sa
    index = pd.DatetimeIndex(pd.to_datetime(snaps.ts_ns, unit="ns", utc=True), name="time")
    return pd.DataFrame(
        {
            "best_bid": bid,
            "best_ask": ask,
            "mid": mid,
            "spread": ask - bid,
            "spread_bps": (ask - bid) / mid * 1e4,
            "microprice": micro,
            "imbalance_1": np.where(top > 0, (bq - aq) / np.where(top > 0, top, 1.0), 0.0),
            f"imbalance_{n_lv}": np.where(
                depth > 0, (sb - sa) / np.where(depth > 0, depth, 1.0), 0.0
            ),
        },
        index=index,
    )


def snapshots_from_tardis(df: pd.DataFrame) -> BookSnapshots:
    """Tardis ``book_snapshot_N`` CSV rows (``timestamp`` in µs, ``asks[i].price`` ...)."""
    if "timestamp" not in df.columns or "bids[0].price" not in df.columns:
        raise DataError("not a Tardis book snapshot frame (needs timestamp and bids[0].price)")
    n_lv = sum(1 for c in df.columns if c.startswith("bids[") and c.endswith("].price"))

    def side(name: str, field: str) -> FloatArray:
        cols = [f"{name}[{i}].{field}" for i in range(n_lv)]
        return df[cols].to_numpy(dtype=np.float64)

    return BookSnapshots(
        df["timestamp"].to_numpy(dtype=np.int64) * 1_000,
        side("bids", "price"),
        side("bids", "amount"),
        side("asks", "price"),
        side("asks", "amount"),
    )


def snapshots_from_quotes(df: pd.DataFrame) -> BookSnapshots:
    """Best bid/offer rows (``timestamp bid bid_size ask ask_size``: Nautilus quotes, Binance
    ``bookTicker`` as ``b B a A``) as one-level snapshots."""
    names = {"b": "bid", "B": "bid_size", "a": "ask", "A": "ask_size"}
    frame = df.rename(columns={k: v for k, v in names.items() if k in df.columns})
    need = ["timestamp", "bid", "bid_size", "ask", "ask_size"]
    if any(c not in frame.columns for c in need):
        raise DataError(f"quotes need columns {need}; got {list(df.columns)}")
    ts = frame["timestamp"]
    if pd.api.types.is_datetime64_any_dtype(ts):
        ns = np.asarray(pd.DatetimeIndex(ts).as_unit("ns").asi8, dtype=np.int64)
    else:
        ns = ts.to_numpy(dtype=np.int64) * 1_000_000

    def col(name: str) -> FloatArray:
        return pd.to_numeric(frame[name]).to_numpy(dtype=np.float64).reshape(-1, 1)

    return BookSnapshots(ns, col("bid"), col("bid_size"), col("ask"), col("ask_size"))


def depth_at_bars(metrics: pd.DataFrame, bar_index: pd.Index, timeframe_ns: int) -> pd.DataFrame:
    """The last snapshot inside each bar (open <= ts < open + timeframe), NaN for bars without one.

    Causal: the value reported for a bar is from before its close.
    """
    if metrics.empty:
        return pd.DataFrame(index=bar_index, columns=metrics.columns, dtype=np.float64)
    snap_ns = np.asarray(pd.DatetimeIndex(metrics.index).as_unit("ns").asi8)
    bar_ns = np.asarray(pd.DatetimeIndex(bar_index).as_unit("ns").asi8)
    pos = np.searchsorted(snap_ns, bar_ns + timeframe_ns, side="left") - 1
    ok = (pos >= 0) & (snap_ns[np.clip(pos, 0, None)] >= bar_ns)
    values = np.full((bar_ns.size, metrics.shape[1]), np.nan)
    values[ok] = metrics.to_numpy(dtype=np.float64)[pos[ok]]
    return pd.DataFrame(values, index=bar_index, columns=metrics.columns)


__all__ = [
    "BookSnapshots",
    "check_snapshots",
    "depth_at_bars",
    "depth_metrics",
    "snapshots_from_quotes",
    "snapshots_from_tardis",
]
