"""A tiny Binance-like HTTP server on 127.0.0.1 for download tests (exchangeInfo + klines), with
scripted failures: HTTP 429, HTTP 500, a truncated JSON body and short (truncated) pages."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pandas as pd

EXCHANGE_INFO = {
    "timezone": "UTC",
    "serverTime": 1704067200000,
    "rateLimits": [],
    "exchangeFilters": [],
    "symbols": [
        {
            "symbol": "BTCUSDT",
            "status": "TRADING",
            "baseAsset": "BTC",
            "baseAssetPrecision": 8,
            "quoteAsset": "USDT",
            "quotePrecision": 8,
            "quoteAssetPrecision": 8,
            "orderTypes": ["LIMIT", "MARKET"],
            "isSpotTradingAllowed": True,
            "isMarginTradingAllowed": False,
            "filters": [],
            "permissions": ["SPOT"],
            "permissionSets": [["SPOT"]],
        }
    ],
}


@dataclass
class KlineScript:
    """Bars to serve and what to do on the n-th klines request (1-based)."""

    bars: pd.DataFrame
    failures: dict[int, str] = field(default_factory=dict)  # n -> "429" | "500" | "truncated"
    short_pages: dict[int, int] = field(default_factory=dict)  # n -> rows to return
    requests: list[dict[str, str]] = field(default_factory=list)

    def rows(self, start_ms: int, limit: int) -> list[list[object]]:
        ms = self.bars.index.as_unit("ns").asi8 // 1_000_000
        sel = self.bars.loc[ms >= start_ms].iloc[:limit]
        out: list[list[object]] = []
        for ts, r in zip(ms[ms >= start_ms][:limit], sel.itertuples(), strict=True):
            out.append([int(ts), f"{r.open:.8f}", f"{r.high:.8f}", f"{r.low:.8f}", f"{r.close:.8f}",
                        f"{r.volume:.8f}", int(ts) + 59_999, f"{r.quote_volume:.8f}", int(r.trades),
                        f"{r.taker_buy_volume:.8f}", f"{r.taker_buy_quote_volume:.8f}", "0"])  # fmt: skip
        return out


def _handler(script: KlineScript) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            return

        def _send(self, code: int, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path.endswith("/exchangeInfo"):
                self._send(200, json.dumps(EXCHANGE_INFO).encode())
                return
            if not url.path.endswith("/klines"):
                self._send(404, b'{"code":-1,"msg":"not found"}')
                return
            script.requests.append(query)
            n = len(script.requests)
            failure = script.failures.get(n)
            if failure == "429":
                self._send(429, b'{"code":-1003,"msg":"Too many requests"}')
                return
            if failure == "500":
                self._send(500, b"Internal Server Error")
                return
            limit = script.short_pages.get(n, int(query.get("limit", "500")))
            body = json.dumps(script.rows(int(query["startTime"]), limit)).encode()
            if failure == "truncated":
                body = body[: len(body) // 2]
            self._send(200, body)

    return Handler


@contextmanager
def serve(script: KlineScript) -> Iterator[str]:
    """Run the server on a free port; yields the base URL of the REST API (``.../api/v3``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v3"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
