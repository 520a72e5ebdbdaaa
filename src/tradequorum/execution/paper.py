"""The paper broker: fills at the next bar's open through the backtester's own kernel steps.

It keeps the backtest engine's per-symbol state array and, for every new bar, calls the very same
numba steps the vectorized engine runs in its loop (``order at the open`` then ``stop/target inside
the bar``) with the same fill, fee and slippage functions (:mod:`tradequorum.backtest.fills`).
Replay through this broker therefore produces the backtest's fills bit for bit.

An order is the engine's signal row ``(direction, stop, target, scale, max_units = quantity)``
decided at the close of bar t; it is executed at the open of t+1 and then forgotten (a cancelled
entry is not retried). The order's ``quantity`` is the risk manager's approved size and caps the
entry (``min(formula, quantity)``, as the engine's ``max_units``): nothing fills beyond the
approval. Orders without a risk approval id, or whose entry has no positive finite approved
quantity, are refused (fail closed); a client order id already seen is ignored, so a restart
never sends twice. The whole state round-trips through :meth:`snapshot`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tradequorum.backtest.engine import EngineSettings
from tradequorum.backtest.fills import EXIT_REASONS
from tradequorum.backtest.kernels import (
    MODE_SIGNAL,
    N_STATE,
    N_TRADE,
    POS,
    STOP,
    TGT,
    order_at_open,
    stop_or_target,
)
from tradequorum.core.errors import OrderRejected, StateCorrupted
from tradequorum.execution.orders import Fill, Order

logger = logging.getLogger(__name__)

Bar = tuple[float, float, float, float]  # open, high, low, close


@dataclass(slots=True)
class _Atr:
    """Wilder's ATR updated one bar at a time, with the engine's float operations in order."""

    period: int
    count: int = 0
    acc: float = 0.0
    value: float = math.nan
    prev_close: float = math.nan

    def update(self, high: float, low: float, close: float) -> float:
        tr = high - low
        if self.count > 0:
            tr = max(tr, abs(high - self.prev_close), abs(low - self.prev_close))
        if self.count < self.period:
            self.acc += tr
            if self.count == self.period - 1:
                self.value = self.acc / self.period
        else:
            self.value = self.value + (tr - self.value) / self.period
        self.count += 1
        self.prev_close = close
        return self.value


class PaperBroker:
    """Simulated account in quote currency; one netted position per symbol."""

    name = "paper"

    def __init__(
        self,
        symbols: Sequence[str],
        settings: EngineSettings,
        *,
        new_fill_id: Callable[[], str] | None = None,
    ) -> None:
        self.symbols = list(symbols)
        self.settings = settings
        self.params = settings.kernel_params()
        self.state = np.zeros((len(self.symbols), N_STATE))
        self.state[:, STOP] = np.nan
        self.state[:, TGT] = np.nan
        self.cash = settings.initial_equity
        self.equity = settings.initial_equity
        self.bar_no = -1
        self.pending: dict[str, Order] = {}
        self.entry_coid: dict[str, str] = {}
        self.last_close: dict[str, float] = {}
        self.atr = {s: _Atr(settings.atr_period) for s in self.symbols}
        self.sent: set[str] = set()
        self.new_fill_id = new_fill_id or self._counter_id
        self._n_fills = 0

    def _counter_id(self) -> str:
        self._n_fills += 1
        return f"PAPER-FILL-{self._n_fills}"

    # -- orders --------------------------------------------------------------------------------
    def submit(self, order: Order) -> bool:
        """Accept an approved order for the next open; False if this client id was already sent."""
        if not order.approval_id:
            raise OrderRejected(f"{order.client_order_id}: no risk approval record; refused")
        if order.direction != 0 and not (math.isfinite(order.quantity) and order.quantity > 0):
            raise OrderRejected(
                f"{order.client_order_id}: no approved quantity ({order.quantity}); refused"
            )
        if order.symbol not in self.symbols:
            raise OrderRejected(f"{order.client_order_id}: unknown symbol {order.symbol}")
        if order.client_order_id in self.sent:
            logger.info("order %s already sent; ignored", order.client_order_id)
            return False
        self.sent.add(order.client_order_id)
        if len(self.sent) > 512:  # the journal's unique client ids are the durable guard
            self.sent = set(sorted(self.sent)[-256:])
        self.pending[order.symbol] = order
        return True

    def position(self, symbol: str) -> float:
        return float(self.state[self.symbols.index(symbol), POS])

    def positions(self) -> dict[str, float]:
        return {s: float(self.state[k, POS]) for k, s in enumerate(self.symbols)}

    # -- bars ----------------------------------------------------------------------------------
    def process_bar(self, bar_time: str, bars: Mapping[str, Bar]) -> list[Fill]:
        """Execute last bar's orders at this bar's open, then stops/targets, then mark to close."""
        self.bar_no += 1
        t = self.bar_no
        equity_prev = self.equity
        fills: list[Fill] = []
        for k, sym in enumerate(self.symbols):
            if sym not in bars:
                continue
            o, h, lo, c = bars[sym]
            atr_prev = self.atr[sym].value
            order = self.pending.pop(sym, None)
            if order is not None and sym in self.last_close:
                fills += self._at_open(k, sym, t, order, (o, atr_prev), equity_prev, bar_time)
            fills += self._inside_bar(k, sym, t, (o, h, lo, atr_prev), bar_time)
            self.last_close[sym] = c
            self.atr[sym].update(h, lo, c)
        mark = self.cash  # summed in the engine's order so equity is bit-identical
        for k, s in enumerate(self.symbols):
            mark += self.state[k, POS] * self.last_close.get(s, 0.0)
        self.equity = float(mark)
        return fills

    def _at_open(
        self,
        k: int,
        sym: str,
        t: int,
        order: Order,
        open_atr: tuple[float, float],
        equity_prev: float,
        bar_time: str,
    ) -> list[Fill]:
        nan = math.nan
        row = (
            float(order.direction),
            order.stop if order.stop is not None else nan,
            order.target if order.target is not None else nan,
            order.scale,
            self.last_close[sym],
            open_atr[1],
            open_atr[0],
            order.quantity,  # the approved size caps the entry (the engine's max_units)
        )
        before = float(self.state[k, POS])
        trades = np.empty((4, N_TRADE))
        cash, notional, fee, _ = order_at_open(
            MODE_SIGNAL, self.state, k, t, row, equity_prev, self.params, trades, 0
        )
        self.cash += cash
        after = float(self.state[k, POS])
        if after == before:
            return []
        if after != 0.0:
            self.entry_coid[sym] = order.client_order_id
        qty = abs(after - before)
        return [
            self._fill(
                order.client_order_id, sym, after - before, notional / qty, fee, bar_time, "entry"
            )
        ]

    def _inside_bar(
        self, k: int, sym: str, t: int, bar: tuple[float, float, float, float], bar_time: str
    ) -> list[Fill]:
        before = float(self.state[k, POS])
        if before == 0.0:
            return []
        trades = np.empty((4, N_TRADE))
        cash, notional, fee, ntr = stop_or_target(self.state, k, t, bar, self.params, trades, 0)
        if ntr == 0:
            return []
        self.cash += cash
        reason = EXIT_REASONS[int(trades[0, 9])]
        coid = self.entry_coid.pop(sym, f"TQ-UNKNOWN-{sym}") + "-exit"
        return [self._fill(coid, sym, -before, notional / abs(before), fee, bar_time, reason)]

    def _fill(
        self, coid: str, sym: str, delta: float, price: float, fee: float, bar: str, reason: str
    ) -> Fill:
        return Fill(
            fill_id=self.new_fill_id(),
            client_order_id=coid,
            symbol=sym,
            side="buy" if delta > 0 else "sell",
            quantity=abs(delta),
            price=price,
            fee=fee,
            bar=bar,
            reason=reason,
        )

    # -- persistence ---------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """Everything needed to resume exactly (JSON-able; NaN encoded as None)."""

        def enc(x: float) -> float | None:
            return None if math.isnan(x) else float(x)

        return {
            "symbols": self.symbols,
            "state": [[enc(v) for v in row] for row in self.state.tolist()],
            "cash": self.cash,
            "equity": self.equity,
            "bar_no": self.bar_no,
            "pending": {s: o.model_dump(mode="json") for s, o in self.pending.items()},
            "entry_coid": self.entry_coid,
            "last_close": self.last_close,
            "atr": {
                s: [a.count, a.acc, enc(a.value), enc(a.prev_close)] for s, a in self.atr.items()
            },
            "sent": sorted(self.sent),
            "n_fills": self._n_fills,
        }

    def restore(self, snap: Mapping[str, Any]) -> None:
        try:
            if list(snap["symbols"]) != self.symbols:
                raise StateCorrupted(
                    f"paper broker state is for {snap['symbols']}, configured {self.symbols}"
                )
            dec = [[math.nan if v is None else float(v) for v in row] for row in snap["state"]]
            self.state = np.asarray(dec, dtype=np.float64).reshape(len(self.symbols), N_STATE)
            self.cash, self.equity = float(snap["cash"]), float(snap["equity"])
            self.bar_no = int(snap["bar_no"])
            self.pending = {s: Order.model_validate(o) for s, o in snap["pending"].items()}
            self.entry_coid = dict(snap["entry_coid"])
            self.last_close = {s: float(v) for s, v in snap["last_close"].items()}
            for s, (n, acc, val, pc) in snap["atr"].items():
                a = self.atr[s]
                a.count, a.acc = int(n), float(acc)
                a.value = math.nan if val is None else float(val)
                a.prev_close = math.nan if pc is None else float(pc)
            self.sent = set(snap["sent"])
            self._n_fills = int(snap.get("n_fills", 0))
        except (KeyError, TypeError, ValueError) as exc:
            raise StateCorrupted(f"paper broker state does not parse: {exc}") from exc


__all__ = ["Bar", "PaperBroker"]
