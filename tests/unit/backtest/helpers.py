"""Tiny hand-made bar frames for hand-computed backtests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def hand_bars(
    opens: Sequence[float],
    closes: Sequence[float],
    highs: Sequence[float] | None = None,
    lows: Sequence[float] | None = None,
    freq: str = "1D",
) -> pd.DataFrame:
    o, c = np.asarray(opens, float), np.asarray(closes, float)
    h = np.maximum(o, c) if highs is None else np.asarray(highs, float)
    lo = np.minimum(o, c) if lows is None else np.asarray(lows, float)
    idx = pd.date_range("2024-01-01", periods=len(o), freq=freq, tz="UTC")
    return pd.DataFrame(
        {"open": o, "high": h, "low": lo, "close": c, "volume": np.ones(len(o))}, index=idx
    )


def signal_frame(
    bars: pd.DataFrame, direction: Sequence[float], **cols: Sequence[float]
) -> pd.DataFrame:
    data = {"direction": np.asarray(direction, float)}
    data.update({k: np.asarray(v, float) for k, v in cols.items()})
    return pd.DataFrame(data, index=bars.index)
