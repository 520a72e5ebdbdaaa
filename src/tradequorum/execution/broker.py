"""The Broker port and the live ccxt adapter's skeleton.

Every broker refuses an order that carries no risk approval id (DESIGN §6: nothing reaches a
broker without an approval record). The ccxt adapter refuses to start unless
``execution.live_trading_opt_in`` is true and the API keys come from the environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from tradequorum.config.coordinator import ExecutionConfig
from tradequorum.core.errors import BrokerError, ConfigError, OrderRejected
from tradequorum.execution.orders import Fill, Order

Bar = tuple[float, float, float, float]


class Broker(Protocol):
    """What the coordinator needs from a broker."""

    name: str

    def submit(self, order: Order) -> bool:
        """Send ``order``; False when its client order id was already sent (idempotent)."""
        ...

    def process_bar(self, bar_time: str, bars: Mapping[str, Bar]) -> list[Fill]:
        """Advance to a newly closed bar and return the fills it produced."""
        ...

    def position(self, symbol: str) -> float: ...


class CcxtBroker:
    """Live exchange through ccxt. Skeleton: checks the opt-in and keys; trading comes later."""

    name = "ccxt"

    def __init__(self, exchange: str, config: ExecutionConfig) -> None:
        if not config.live_trading_opt_in:
            raise ConfigError(
                "live trading is off: set execution.live_trading_opt_in: true to use a live broker"
            )
        if config.api_key is None or config.api_secret is None:
            raise ConfigError(
                "live trading needs QUORUM_EXECUTION__API_KEY and QUORUM_EXECUTION__API_SECRET "
                "in the environment"
            )
        import ccxt

        if not hasattr(ccxt, exchange):
            raise ConfigError(f"ccxt has no exchange {exchange!r}")
        self.exchange_id = exchange
        self._config = config

    def submit(self, order: Order) -> bool:
        if not order.approval_id:
            raise OrderRejected(f"{order.client_order_id}: no risk approval record; refused")
        raise BrokerError("the live ccxt adapter is not implemented yet; use the paper broker")

    def process_bar(self, bar_time: str, bars: Mapping[str, Bar]) -> list[Fill]:
        return []

    def position(self, symbol: str) -> float:
        raise BrokerError("the live ccxt adapter is not implemented yet")


__all__ = ["Bar", "Broker", "CcxtBroker"]
