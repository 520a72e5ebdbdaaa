"""Hand-drawn bars and the mirror image used by the SMC tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

MIRROR_C = 256.0  # prices in [128, 250]: C - p is exact (Sterbenz), so mirrors are bit-exact


def bars_from(rows: Sequence[tuple[float, float, float, float]], *, freq: str = "1min",
              start: str = "2024-01-01") -> pd.DataFrame:  # fmt: skip
    """Bars from (open, high, low, close) rows, volume 1."""
    a = np.asarray(rows, dtype=np.float64)
    idx = pd.date_range(start, periods=len(a), freq=freq, tz="UTC")
    return pd.DataFrame(
        {"open": a[:, 0], "high": a[:, 1], "low": a[:, 2], "close": a[:, 3],
         "volume": np.ones(len(a))},
        index=idx,
    )  # fmt: skip


def mirror(bars: pd.DataFrame, c: float = MIRROR_C) -> pd.DataFrame:
    """Prices reflected p -> c - p (highs and lows swap roles)."""
    out = bars.copy()
    out["open"] = c - bars["open"]
    out["close"] = c - bars["close"]
    out["high"] = c - bars["low"]
    out["low"] = c - bars["high"]
    return out


@st.composite
def walk_bars(draw: st.DrawFn, min_n: int = 20, max_n: int = 160) -> pd.DataFrame:
    """Random OHLC bars in [128, 250] on a coarse tick grid (ties happen)."""
    n = draw(st.integers(min_n, max_n))
    steps = draw(arrays(np.int64, n, elements=st.integers(-6, 6)))
    wick = draw(arrays(np.int64, (2, n), elements=st.integers(0, 4)))
    mid = 190.0 + np.cumsum(steps) * 0.25
    mid = np.clip(mid, 140.0, 238.0)
    open_ = np.r_[mid[0], mid[:-1]]
    close = mid
    high = np.maximum(open_, close) + wick[0] * 0.25
    low = np.minimum(open_, close) - wick[1] * 0.25
    return bars_from(list(zip(open_, high, low, close, strict=True)))
