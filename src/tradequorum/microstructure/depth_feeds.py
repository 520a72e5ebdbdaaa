"""Rebuild an L2 book from a raw Binance websocket capture (REST snapshot + depth diffs + trades).

Lines are ``<local_receive_ns> <json>`` (the hftbacktest capture format). The book is started from
the REST snapshot (``lastUpdateId``; diffs received before it are buffered, as Binance's
procedure says) and advanced with ``depthUpdate`` diffs by Binance's rule:
drop diffs with ``u <= lastUpdateId``, the first applied one must have ``U <= lastUpdateId + 1 <=
u``, each later one ``U == previous u + 1`` (a gap raises DataError: the book would be wrong). A
quantity of 0 removes a level. One snapshot of the best ``levels`` is taken after every applied
diff, stamped with the exchange event time ``E`` (the capture host's clock lags by ~1.3 s).
Trades (``@trade``: ``T`` ms, ``p``, ``q``, ``m`` = buyer is maker) come out as a prints frame.
"""

from __future__ import annotations

import bisect
import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradequorum.core.errors import DataError
from tradequorum.microstructure.depth import BookSnapshots


@dataclass(slots=True)
class _Side:
    """One side of the book: price -> qty, plus the prices kept sorted ascending."""

    qty: dict[float, float] = field(default_factory=dict)
    prices: list[float] = field(default_factory=list)

    def set(self, price: float, q: float) -> None:
        if q == 0.0:
            if price in self.qty:
                del self.qty[price]
                self.prices.pop(bisect.bisect_left(self.prices, price))
        else:
            if price not in self.qty:
                bisect.insort(self.prices, price)
            self.qty[price] = q


@dataclass(slots=True)
class _Replay:
    levels: int
    bids: _Side = field(default_factory=_Side)
    asks: _Side = field(default_factory=_Side)
    last_id: int | None = None
    synced: bool = False
    rows: list[tuple[int, list[float]]] = field(default_factory=list)
    trades: list[tuple[int, float, float, bool]] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)

    def snapshot(self, msg: dict[str, Any]) -> None:
        self.bids, self.asks = _Side(), _Side()
        for p, q in msg["bids"]:
            self.bids.set(float(p), float(q))
        for p, q in msg["asks"]:
            self.asks.set(float(p), float(q))
        self.last_id, self.synced = int(msg["lastUpdateId"]), False
        buffered, self.pending = self.pending, []
        for d in buffered:
            self.diff(d)

    def diff(self, d: dict[str, Any]) -> None:
        if self.last_id is None:
            self.pending.append(d)
            return
        if int(d["u"]) <= self.last_id:
            return
        first, last = int(d["U"]), int(d["u"])
        if not self.synced and not first <= self.last_id + 1 <= last:
            raise DataError(
                f"first depth diff [{first}, {last}] does not follow snapshot {self.last_id}"
            )
        if self.synced and first != self.last_id + 1:
            raise DataError(f"depth stream gap: expected update {self.last_id + 1}, got {first}")
        for p, q in d["b"]:
            self.bids.set(float(p), float(q))
        for p, q in d["a"]:
            self.asks.set(float(p), float(q))
        self.last_id, self.synced = last, True
        self.rows.append((int(d["E"]) * 1_000_000, self._top()))

    def _top(self) -> list[float]:
        n = self.levels
        bp = self.bids.prices[::-1][:n]
        ap = self.asks.prices[:n]
        pad = [np.nan] * n
        return (
            (bp + pad)[:n]
            + ([self.bids.qty[p] for p in bp] + pad)[:n]
            + (ap + pad)[:n]
            + ([self.asks.qty[p] for p in ap] + pad)[:n]
        )


def parse_binance_ws_lines(
    lines: Iterable[str], *, levels: int = 10
) -> tuple[BookSnapshots, pd.DataFrame]:
    """Replay capture lines into (book snapshots after each diff, trades frame)."""
    rp = _Replay(levels)
    for line in lines:
        _, _, text = line.partition(" ")
        if not text.strip():
            continue
        msg = json.loads(text)
        if "lastUpdateId" in msg:
            rp.snapshot(msg)
            continue
        data = msg.get("data", msg)
        kind = data.get("e")
        if kind == "depthUpdate":
            rp.diff(data)
        elif kind == "trade":
            rp.trades.append((int(data["T"]), float(data["p"]), float(data["q"]), bool(data["m"])))
    if rp.last_id is None:
        raise DataError("capture has no REST depth snapshot (lastUpdateId) to start the book from")
    ts = np.array([r[0] for r in rp.rows], dtype=np.int64)
    grid = np.array([r[1] for r in rp.rows], dtype=np.float64).reshape(len(rp.rows), 4 * levels)
    snaps = BookSnapshots(
        ts, *(np.ascontiguousarray(grid[:, k * levels : (k + 1) * levels]) for k in range(4))
    )
    trades = pd.DataFrame(rp.trades, columns=["timestamp", "price", "qty", "buyer_is_maker"])
    trades["timestamp"] = pd.to_datetime(trades["timestamp"], unit="ms", utc=True)
    return snaps, trades


def load_binance_ws_capture(
    paths: Iterable[Path], *, levels: int = 10
) -> tuple[BookSnapshots, pd.DataFrame]:
    """Read gzip capture files in order (a later file continues the earlier one's stream)."""

    def lines() -> Iterable[str]:
        for p in paths:
            with gzip.open(p, "rt", encoding="utf-8") as fh:
                yield from fh

    return parse_binance_ws_lines(lines(), levels=levels)


__all__ = ["load_binance_ws_capture", "parse_binance_ws_lines"]
