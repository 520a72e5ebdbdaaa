"""Data-layer benchmarks (issue 2): load+validate 1M bars from the store, import a 1M-row CSV,
resample 1M 1m bars to 1h. Inputs are simulated (seeded) 1m bars with full Binance kline fields;
the CSV is written in the Binance USD-M layout (header, ms open times). Best of 3 runs."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tradequorum.data.ingest import import_file
from tradequorum.data.quality import validate_bars
from tradequorum.data.resample import resample_bars
from tradequorum.data.simulator import simulate_bars
from tradequorum.data.store import ParquetStore

N = 1_000_000
SYM = "BTC/USDT"


def _best(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _figure(value: float, target: float) -> dict[str, Any]:
    return {"value": round(value, 4), "target": target, "unit": "s", "passed": value < target}


def _write_binance_csv(bars: Any, path: Path) -> None:
    ms = bars.index.as_unit("ns").asi8 // 1_000_000
    cols = [ms, bars["open"], bars["high"], bars["low"], bars["close"], bars["volume"], ms + 59_999,
            bars["quote_volume"], bars["trades"], bars["taker_buy_volume"],
            bars["taker_buy_quote_volume"], np.zeros(len(bars))]  # fmt: skip
    head = "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
    head += "taker_buy_volume,taker_buy_quote_volume,ignore"
    data = np.column_stack([np.asarray(c, dtype=np.float64) for c in cols])
    fmt = ["%d", "%.8f", "%.8f", "%.8f", "%.8f", "%.6f", "%d", "%.6f", "%d", "%.6f", "%.6f", "%d"]
    np.savetxt(path, data, fmt=fmt, delimiter=",", header=head, comments="")


def run() -> dict[str, Any]:
    bars = simulate_bars(N, seed=1, start="2023-01-01").round(8)
    tmp = Path(tempfile.mkdtemp(prefix="bench_data_"))
    try:
        store = ParquetStore(tmp / "store")
        store.append(bars, SYM, "1m")

        def load_validate() -> None:
            validate_bars(store.read(SYM, "1m"), timeframe="1m")

        csv = tmp / "BTCUSDT-1m.csv"
        _write_binance_csv(bars, csv)

        def import_csv() -> None:
            shutil.rmtree(tmp / "import", ignore_errors=True)
            import_file(csv, ParquetStore(tmp / "import"), tmp / "q", symbol=SYM, timeframe="1m")

        resample_bars(bars.iloc[:1000], "1h", base_timeframe="1m")  # warm caches
        resample = _best(lambda: resample_bars(bars, "1h", base_timeframe="1m"))
        pandas_ref = _best(
            lambda: bars.resample("1h").agg(
                {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
            ),
            repeat=1,
        )
        return {
            "load_validate_1m_bars_from_store": _figure(_best(load_validate), 1.0),
            "import_1m_row_csv": _figure(_best(import_csv, repeat=2), 5.0),
            "resample_1m_bars_to_1h": _figure(resample, 0.5),
            "pandas_resample_1m_bars_to_1h_reference": {"value": round(pandas_ref, 4), "unit": "s"},
            "csv_size_mb": round(csv.stat().st_size / 1e6, 1),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
