"""The bar columns the flow measures read, taken once as float64 arrays, and their input checks.

Reading a pandas column costs ~20 us (a Series is built each time); the usual bar frame is one
float64 block, so ``bars.to_numpy()`` is a view and every column is a slice of it (no copy). The
arrays are views of the caller's frame: nothing here or downstream writes into them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from numba import njit

from tradequorum.core.bars import FloatArray, ensure_bars
from tradequorum.core.errors import DataError
from tradequorum.microstructure.windows import index_ns

_COLUMNS = ("open", "high", "low", "close", "volume")
TAKER = "taker_buy_volume"


@dataclass(frozen=True, slots=True)
class FlowArrays:
    """OHLCV (and taker-buy volume when present) as contiguous float64 arrays, open times in ns."""

    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    taker: FloatArray | None
    times_ns: npt.NDArray[np.int64]


# above this many rows a column read's fixed cost (~20 us) is nothing next to copying a frame
# made of several blocks into one matrix
_MATRIX_ROWS = 20_000


def _read(bars: pd.DataFrame, names: tuple[str, ...]) -> list[FloatArray]:
    if len(bars) <= _MATRIX_ROWS:
        matrix = bars.to_numpy()
        if matrix.dtype == np.float64:  # every column float64 (usually one block: a view)
            cols = bars.columns
            return [np.ascontiguousarray(matrix[:, cols.get_loc(k)]) for k in names]
    return [np.ascontiguousarray(bars[k].to_numpy(dtype=np.float64)) for k in names]


@njit(cache=True)
def _positive(x: FloatArray) -> bool:
    for i in range(x.shape[0]):  # noqa: SIM110 (numba compiles no generator into all())
        if not x[i] > 0:
            return False
    return True


@njit(cache=True)
def _first_error(
    o: FloatArray, h: FloatArray, lo: FloatArray, c: FloatArray, v: FloatArray, tb: FloatArray
) -> int:
    """0 if fine, else the number of the first rule broken (the order of the messages below)."""
    n = c.shape[0]
    if not (_positive(o) and _positive(h) and _positive(lo) and _positive(c)):
        return 1
    for i in range(n):
        if not np.isfinite(v[i]):
            return 2
    for i in range(n):
        if v[i] < 0:
            return 3
    for i in range(tb.shape[0]):
        if not np.isfinite(tb[i]):
            return 4
    for i in range(tb.shape[0]):
        if tb[i] < 0 or tb[i] > v[i] * (1 + 1e-9) + 1e-12:
            return 5
    return 0


_MESSAGES = {
    1: "bars contain non-positive prices; run the quality check first",
    2: "bars contain NaN or infinite volume; run the quality check first",
    3: "bars contain negative volume",
    4: "taker_buy_volume contains NaN; drop the column to fall back to BVC, or repair it",
    5: "taker_buy_volume must lie in [0, volume]",
}


def _check(a: FlowArrays) -> None:
    tb = a.taker if a.taker is not None else np.empty(0)
    code = _first_error(a.open, a.high, a.low, a.close, a.volume, tb)
    if code:
        raise DataError(_MESSAGES[code])


def flow_arrays(bars: pd.DataFrame) -> FlowArrays:
    """Schema check (:func:`ensure_bars`), the flow rules, and the columns as arrays.

    Raises
    ------
    DataError
        Non-positive prices, NaN/inf or negative volume, NaN in a present ``taker_buy_volume``
        column, or taker-buy volume above the bar's volume. A *missing* taker column is not an
        error (BVC is used).
    """
    ensure_bars(bars)
    has_taker = TAKER in bars.columns
    cols = _read(bars, (*_COLUMNS, TAKER) if has_taker else _COLUMNS)
    o, h, lo, c, v = cols[:5]
    arrays = FlowArrays(o, h, lo, c, v, cols[5] if has_taker else None, index_ns(bars.index))
    _check(arrays)
    return arrays


__all__ = ["TAKER", "FlowArrays", "flow_arrays"]
