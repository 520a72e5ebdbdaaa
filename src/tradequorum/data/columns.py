"""Column names: the aliases found in real OHLCV files and the header-less layouts we recognise.

Every alias below occurs in a real file (Binance REST, data.binance.vision, python-binance, ccxt
dumps, yfinance, MetaTrader exports, Kraken OHLCVT, backtrader, Dukascopy); see
``../shared/data/README.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

from tradequorum.core.errors import DataError

TIME = "time"

ALIASES: dict[str, str] = {
    # bar open time
    "open_time": TIME,
    "opentime": TIME,
    "timestamp": TIME,
    "timestamp_utc": TIME,
    "datetime": TIME,
    "date": TIME,
    "time": TIME,
    "ts": TIME,
    "ts_open": TIME,
    # prices and volume
    "open": "open",
    "o": "open",
    "high": "high",
    "h": "high",
    "low": "low",
    "l": "low",
    "close": "close",
    "c": "close",
    "volume": "volume",
    "vol": "volume",
    "v": "volume",
    "base_volume": "volume",
    # optional Binance order-flow fields
    "quote_volume": "quote_volume",
    "qav": "quote_volume",
    "quote_asset_volume": "quote_volume",
    "count": "trades",
    "trades": "trades",
    "num_trades": "trades",
    "number_of_trades": "trades",
    "taker_buy_volume": "taker_buy_volume",
    "taker_base": "taker_buy_volume",
    "taker_buy_base_vol": "taker_buy_volume",
    "taker_buy_base_volume": "taker_buy_volume",
    "taker_buy_base_asset_volume": "taker_buy_volume",
    "taker_buy_quote_volume": "taker_buy_quote_volume",
    "taker_quote": "taker_buy_quote_volume",
    "taker_buy_quote_vol": "taker_buy_quote_volume",
    "taker_buy_quote_asset_volume": "taker_buy_quote_volume",
    # MetaTrader tick volume (used as volume when real volume is all zero)
    "tickvol": "tick_volume",
    "tick_volume": "tick_volume",
}

# Header-less layouts by number of fields.
HEADERLESS: dict[int, tuple[str, ...]] = {
    # data.binance.vision kline CSV (spot has no header; ms before 2025, µs after)
    12: (
        TIME,
        "open",
        "high",
        "low",
        "close",
        "volume",
        "close_time",
        "quote_volume",
        "trades",
        "taker_buy_volume",
        "taker_buy_quote_volume",
        "ignore",
    ),
    # Kraken OHLCVT
    7: (TIME, "open", "high", "low", "close", "volume", "trades"),
    6: (TIME, "open", "high", "low", "close", "volume"),
    5: (TIME, "open", "high", "low", "close"),
}

# Preference when a file has several time-like columns (SPY has an unnamed index and ``date``).
_TIME_PRIORITY = (
    "open_time",
    "opentime",
    "timestamp_utc",
    "timestamp",
    "datetime",
    "date",
    "time",
    "ts_open",
    "ts",
)


def _clean(name: object) -> str:
    return str(name).strip().lower().replace(" ", "_")


def _is_unnamed(name: str) -> bool:
    return name == "" or name.startswith("unnamed:") or name == "index"


def canonical_names(columns: list[str], mapping: Mapping[str, str] | None = None) -> dict[str, str]:
    """Map source column -> canonical name (``time``, ``open`` ... ``taker_buy_quote_volume``).

    ``mapping`` is ``{canonical: source}`` and wins over the aliases. Unknown columns are left out.
    When no time-like column exists, an unnamed first column (a written pandas index) is the time.
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for canonical, source in (mapping or {}).items():
        if source not in columns:
            raise DataError(f"column mapping names {source!r}, which is not in the file {columns}")
        out[source] = canonical
        taken.add(canonical)
    cleaned = {c: _clean(c) for c in columns if c not in out}
    if TIME not in taken:
        for wanted in _TIME_PRIORITY:
            hit = [c for c, k in cleaned.items() if k == wanted]
            if hit:
                out[hit[0]] = TIME
                taken.add(TIME)
                break
        else:
            first = columns[0]
            if first in cleaned and _is_unnamed(cleaned[first]):
                out[first] = TIME
                taken.add(TIME)
    for col, key in cleaned.items():
        target = ALIASES.get(key)
        if col in out or target is None or target == TIME or target in taken:
            continue
        out[col] = target
        taken.add(target)
    return out


__all__ = ["ALIASES", "HEADERLESS", "TIME", "canonical_names"]
