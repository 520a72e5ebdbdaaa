"""Walk-forward data windows (DESIGN §7): consecutive out-of-sample test windows ending at the last
bar, each preceded by its training window (rolling: a fixed length; anchored: from the first bar),
with an optional embargo between train and test. Positions are bar positions (end exclusive), so
gaps in the data never shift a window by a bar.
"""

from __future__ import annotations

import pandas as pd
from pydantic import BaseModel, ConfigDict

from tradequorum.core.errors import DataError


class WfoWindow(BaseModel):
    """One walk-forward window: bar positions ``[start, end)`` and the open times they cover."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    window_id: int
    train_start: int
    train_end: int
    test_start: int
    test_end: int
    train_first: str
    train_last: str
    test_first: str
    test_last: str


def walk_forward_windows(
    index: pd.DatetimeIndex,
    *,
    n_windows: int,
    train_bars: int,
    test_bars: int,
    anchored: bool = False,
    embargo_bars: int = 0,
) -> list[WfoWindow]:
    """Up to ``n_windows`` windows; the oldest ones that do not fit are left out.

    Raises DataError when not even one window fits (the message gives the bars needed).
    """
    if min(n_windows, train_bars, test_bars) < 1 or embargo_bars < 0:
        raise DataError("walk-forward windows need n_windows, train and test lengths >= 1")
    n = len(index)
    out: list[WfoWindow] = []
    for k in range(n_windows):
        test_end = n - (n_windows - 1 - k) * test_bars
        test_start = test_end - test_bars
        train_end = test_start - embargo_bars
        train_start = 0 if anchored else train_end - train_bars
        if train_start < 0 or train_end - train_start < train_bars or test_start < 0:
            continue
        out.append(
            WfoWindow(
                window_id=len(out) + 1,
                train_start=train_start,
                train_end=train_end,
                test_start=test_start,
                test_end=test_end,
                train_first=index[train_start].isoformat(),
                train_last=index[train_end - 1].isoformat(),
                test_first=index[test_start].isoformat(),
                test_last=index[test_end - 1].isoformat(),
            )
        )
    if not out:
        need = train_bars + embargo_bars + test_bars
        raise DataError(f"{n} bars cannot hold one walk-forward window ({need} bars needed)")
    return out


__all__ = ["WfoWindow", "walk_forward_windows"]
