"""Exact, causal aggregation of bars to a larger timeframe, and causal alignment back (DESIGN §3).

A higher-timeframe (HTF) bar is built only from a **complete** set of base bars: open = first open,
high = max, low = min, close = last close, volumes, trades and taker volumes summed. An HTF bar
therefore exists only once its last base bar has closed: resampling ``bars[:t+1]`` gives exactly
the HTF bars of the full history whose close time is ``<= close(t)`` (a truncation-safe function).

Buckets are aligned on the Unix epoch (``1h`` buckets start on the hour, ``4h`` at 00/04/08 UTC,
``1d`` at 00:00 UTC); weeks start on Monday 00:00 UTC, as Binance's ``1w`` klines do.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradequorum.core.bars import OPTIONAL, ensure_bars
from tradequorum.core.errors import DataError
from tradequorum.core.timeframes import timeframe_seconds
from tradequorum.data.quality import epoch_ns, infer_timeframe

_NS = 1_000_000_000
_MONDAY_OFFSET_NS = 4 * 86400 * _NS  # 1970-01-01 was a Thursday; 1970-01-05 a Monday
IntArray = npt.NDArray[np.int64]


def _step_ns(timeframe: str) -> int:
    if timeframe.endswith("M"):
        raise DataError("monthly bars have no fixed length; resample to 1w or 1d instead")
    try:
        return timeframe_seconds(timeframe) * _NS
    except ValueError as exc:
        raise DataError(str(exc)) from exc


def bucket_open_ns(ts_ns: IntArray, timeframe: str) -> IntArray:
    """Open time (int64 ns) of the ``timeframe`` bucket holding each timestamp."""
    step = _step_ns(timeframe)
    offset = _MONDAY_OFFSET_NS if timeframe.endswith("w") else 0
    return (ts_ns - offset) // step * step + offset


def resample_bars(
    bars: pd.DataFrame,
    timeframe: str,
    *,
    base_timeframe: str | None = None,
    complete_only: bool = True,
) -> pd.DataFrame:
    """Aggregate ``bars`` to ``timeframe`` (e.g. 1m -> 1h) over complete buckets only.

    Parameters
    ----------
    bars
        Valid bars (strictly increasing UTC index), not mutated.
    timeframe
        Target timeframe; a whole multiple of the base timeframe.
    base_timeframe
        Timeframe of ``bars``; inferred from the spacing when omitted.
    complete_only
        Drop buckets missing any base bar (default). ``False`` keeps partial buckets (never use
        them in a backtest: the last one is still forming).

    Returns
    -------
    pd.DataFrame
        HTF bars indexed by bucket open time, same columns as ``bars`` (schema columns only).
    """
    ensure_bars(bars)
    cols = [c for c in ("open", "high", "low", "close", "volume", *OPTIONAL) if c in bars.columns]
    if len(bars) == 0:
        return bars[cols].iloc[:0].copy()
    base = base_timeframe or infer_timeframe(pd.DatetimeIndex(bars.index))
    step, base_step = _step_ns(timeframe), _step_ns(base)
    if step % base_step or step < base_step:
        raise DataError(f"cannot resample {base} bars to {timeframe}: not a whole multiple")
    ts = epoch_ns(bars.index)
    bucket = bucket_open_ns(ts, timeframe)
    starts = np.flatnonzero(np.concatenate([[True], bucket[1:] != bucket[:-1]]))
    counts = np.diff(np.append(starts, len(ts)))
    ends = starts + counts - 1
    out: dict[str, np.ndarray] = {}
    arr = {c: bars[c].to_numpy(dtype=np.float64) for c in cols}
    out["open"] = arr["open"][starts]
    out["high"] = np.maximum.reduceat(arr["high"], starts)
    out["low"] = np.minimum.reduceat(arr["low"], starts)
    out["close"] = arr["close"][ends]
    for c in cols:
        if c not in out:
            out[c] = np.add.reduceat(arr[c], starts)
    index = pd.DatetimeIndex(bucket[starts].astype("datetime64[ns]"), name="open_time")
    htf = pd.DataFrame(out, index=index.tz_localize("UTC"))[cols]
    if complete_only:
        htf = htf.loc[counts == step // base_step]
    return htf


def last_closed_position(
    base_index: pd.DatetimeIndex,
    base_timeframe: str,
    htf_index: pd.DatetimeIndex,
    htf_timeframe: str,
) -> IntArray:
    """For each base bar, the position in ``htf_index`` of the last HTF bar closed at its close.

    An HTF bar opened at T closes at ``T + len(htf)``; base bar t closes at ``t + len(base)``.
    ``-1`` where no HTF bar has closed yet. This is the causal join of DESIGN §3: a 1m bar at
    10:59 sees the 10:00 1h bar; a 1m bar at 10:58 sees only the 09:00 bar.
    """
    base_close = epoch_ns(base_index) + _step_ns(base_timeframe)
    htf_close = epoch_ns(htf_index) + _step_ns(htf_timeframe)
    return np.searchsorted(htf_close, base_close, side="right").astype(np.int64) - 1


def align_htf_to_base(
    htf: pd.DataFrame,
    base_index: pd.DatetimeIndex,
    base_timeframe: str,
    htf_timeframe: str,
) -> pd.DataFrame:
    """HTF values as known at each base bar's close (NaN before the first HTF bar closes).

    Returns a frame on ``base_index`` with ``htf``'s numeric columns; row t holds the last HTF
    bar whose close time is <= the close of base bar t. Causal by construction.
    """
    pos = last_closed_position(
        pd.DatetimeIndex(base_index), base_timeframe, pd.DatetimeIndex(htf.index), htf_timeframe
    )
    if len(htf) == 0:
        picked = np.full((len(pos), htf.shape[1]), np.nan)
    else:
        picked = htf.to_numpy(dtype=np.float64)[np.clip(pos, 0, None)]
        picked[pos < 0] = np.nan
    return pd.DataFrame(picked, index=base_index, columns=list(htf.columns))


__all__ = ["align_htf_to_base", "bucket_open_ns", "last_closed_position", "resample_bars"]
