"""TradeQuorum: a multi-agent trading system with a coordinator, specialist agents and a risk veto."""

__version__ = "0.1.0"
__all__ = ["__version__"]
