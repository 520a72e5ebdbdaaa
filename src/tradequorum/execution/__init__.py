"""Execution: the Broker port, the paper broker (the backtester's fill model) and ccxt's skeleton."""

from tradequorum.execution.broker import Broker, CcxtBroker
from tradequorum.execution.orders import Fill, Order, OrderStatus
from tradequorum.execution.paper import PaperBroker

__all__ = ["Broker", "CcxtBroker", "Fill", "Order", "OrderStatus", "PaperBroker"]
