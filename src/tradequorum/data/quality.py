"""The validation rules of DESIGN §2, each with a stable name, and the quality report.

Row rules (the row is quarantined, first matching rule wins, in this order):

=========================  ======================================================================
``non_finite``             a NaN, inf or non-numeric value in any schema column
``non_positive_price``     open, high, low or close <= 0
``high_below_body``        high < max(open, close) (relative tolerance 1e-12, float rounding)
``low_above_body``         low > min(open, close) (relative tolerance 1e-12)
``negative_volume``        volume, quote volume, trades or taker volume < 0
``taker_buy_exceeds_volume``  taker_buy_volume > volume (relative tolerance 1e-9)
``out_of_order``           the fewest rows whose removal leaves the file in time order (complement of a
                           longest non-decreasing subsequence): a swapped pair flags both rows
``duplicate_row``          the same timestamp and values as the row before it (the repeat only)
``duplicate_timestamp``    the same timestamp with different values (every row of the group: we
                           cannot tell which one is right)
=========================  ======================================================================

Report-only rules (nothing is removed): ``gap`` (a step longer than one bar; count, missing bars,
longest), ``stale_feed`` (no new bar within ``stale_after_bars`` bar-lengths of ``now``),
``misaligned_timestamp`` (an open time off the timeframe's UTC grid, e.g. a 1h bar at 10:30;
resampling assumes the grid), ``zero_volume`` (information). Everything is vectorized numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numba import njit
from pydantic import BaseModel, ConfigDict, Field

from tradequorum.core.bars import ALL_COLUMNS, OHLCV
from tradequorum.core.errors import DataError
from tradequorum.core.timeframes import timeframe_seconds

Severity = Literal["error", "warning", "info"]
ROW_RULES: tuple[str, ...] = (
    "non_finite",
    "non_positive_price",
    "high_below_body",
    "low_above_body",
    "negative_volume",
    "taker_buy_exceeds_volume",
    "out_of_order",
    "duplicate_row",
    "duplicate_timestamp",
)
REPORT_RULES: tuple[str, ...] = ("gap", "stale_feed", "zero_volume", "misaligned_timestamp")
_MESSAGES: dict[str, str] = {
    "non_finite": "rows with NaN, infinite or non-numeric values",
    "non_positive_price": "rows with a price <= 0",
    "high_below_body": "rows where high < max(open, close)",
    "low_above_body": "rows where low > min(open, close)",
    "negative_volume": "rows with a negative volume, trade count or taker volume",
    "taker_buy_exceeds_volume": "rows where taker_buy_volume > volume",
    "out_of_order": "rows whose timestamp is earlier than a preceding row's",
    "duplicate_row": "rows repeating the previous row exactly (same time, same values)",
    "duplicate_timestamp": "rows sharing a timestamp with different values (all of them held back)",
}
N_EXAMPLES = 5
# Relative tolerance of the body rules: split/dividend-adjusted prices (yfinance) carry float
# rounding of ~1e-16; anything beyond 1e-12 is a real inconsistency.
PRICE_RTOL = 1e-12


class Finding(BaseModel):
    """One rule's result: stable ``rule`` name, severity, message, count and first examples."""

    model_config = ConfigDict(frozen=True)
    rule: str
    severity: Severity
    message: str
    count: int
    first_rows: list[str] = Field(default_factory=list)


class QualityReport(BaseModel):
    """What the quality check found in one file or store partition."""

    symbol: str | None = None
    timeframe: str
    rows_in: int
    rows_valid: int
    rows_quarantined: int
    first: str | None = None
    last: str | None = None
    gaps: int = 0
    missing_bars: int = 0
    longest_gap_s: float = 0.0
    findings: list[Finding] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no row had to be quarantined."""
        return self.rows_quarantined == 0

    def error_counts(self) -> dict[str, int]:
        return {f.rule: f.count for f in self.findings if f.severity == "error"}

    def error_summary(self) -> str:
        return ", ".join(f"{k}: {v}" for k, v in self.error_counts().items()) or "none"

    def finding(self, rule: str) -> Finding | None:
        return next((f for f in self.findings if f.rule == rule), None)


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """Valid bars (strictly increasing), quarantined rows (with a ``rule`` column), the report."""

    clean: pd.DataFrame
    quarantined: pd.DataFrame
    report: QualityReport


def epoch_ns(index: pd.Index) -> np.ndarray:
    """Open times as int64 nanoseconds whatever the index's unit (pandas 3 may use s/us)."""
    return pd.DatetimeIndex(index).as_unit("ns").asi8


def timeframe_from_seconds(seconds: int) -> str:
    """The ccxt timeframe string for a bar length in seconds (``3600`` -> ``1h``)."""
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def infer_timeframe(index: pd.DatetimeIndex) -> str:
    """The most common positive step of ``index`` as a timeframe (28-31 days -> ``1M``)."""
    steps = np.diff(epoch_ns(index)) // 1_000_000_000
    steps = steps[steps > 0]
    if steps.size == 0:
        raise DataError("cannot infer the timeframe from fewer than two distinct timestamps")
    values, counts = np.unique(steps, return_counts=True)
    mode = int(values[np.argmax(counts)])
    if 28 * 86400 <= mode <= 31 * 86400:
        return "1M"
    return timeframe_from_seconds(mode)


def _value_rules(raw: pd.DataFrame) -> dict[str, np.ndarray]:
    cols = [c for c in ALL_COLUMNS if c in raw.columns]
    arr = {c: raw[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in cols}
    o, h, lo, c = arr["open"], arr["high"], arr["low"], arr["close"]
    body_hi, body_lo = np.maximum(o, c), np.minimum(o, c)
    finite = np.logical_and.reduce([np.isfinite(arr[k]) for k in cols])
    with np.errstate(invalid="ignore"):
        volumes = [arr[k] for k in cols if k not in ("open", "high", "low", "close")]
        taker = arr.get("taker_buy_volume")
        vol = arr["volume"]
        exceeds = (
            taker > vol + 1e-9 * np.maximum(np.abs(vol), 1.0)
            if taker is not None
            else np.zeros(len(raw), dtype=bool)
        )
        return {
            "non_finite": ~finite,
            "non_positive_price": np.logical_or.reduce([o <= 0, h <= 0, lo <= 0, c <= 0]),
            "high_below_body": h < body_hi - PRICE_RTOL * np.abs(body_hi),
            "low_above_body": lo > body_lo + PRICE_RTOL * np.abs(body_lo),
            "negative_volume": np.logical_or.reduce([v < 0 for v in volumes]),
            "taker_buy_exceeds_volume": exceeds,
        }


@njit(cache=True)
def _longest_non_decreasing(ts: np.ndarray) -> np.ndarray:  # pragma: no cover - numba
    """Mask of one longest non-decreasing subsequence (patience sorting, O(n log n))."""
    n = ts.size
    tails = np.empty(n, dtype=np.int64)  # position of the smallest tail of each length
    prev = np.full(n, -1, dtype=np.int64)
    length = 0
    for i in range(n):
        lo, hi = 0, length
        while lo < hi:  # first tail with value > ts[i]
            mid = (lo + hi) // 2
            if ts[tails[mid]] <= ts[i]:
                lo = mid + 1
            else:
                hi = mid
        if lo > 0:
            prev[i] = tails[lo - 1]
        tails[lo] = i
        if lo == length:
            length += 1
    keep = np.zeros(n, dtype=np.bool_)
    k = tails[length - 1] if length else -1
    while k >= 0:
        keep[k] = True
        k = prev[k]
    return keep


def _out_of_order(ts: np.ndarray) -> np.ndarray:
    """The fewest rows whose removal leaves the rest in non-decreasing time order.

    The complement of a longest non-decreasing subsequence: a swapped pair flags both rows, one
    row with a far-future stamp flags that row only.
    """
    if ts.size < 2 or bool(np.all(ts[1:] >= ts[:-1])):
        return np.zeros(ts.size, dtype=bool)
    return ~_longest_non_decreasing(np.ascontiguousarray(ts, dtype=np.int64))


def _duplicates(ts: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(duplicate_row, duplicate_timestamp) masks over non-decreasing ``ts``."""
    n = ts.size
    same_ts = np.zeros(n, dtype=bool)
    same_ts[1:] = ts[1:] == ts[:-1]
    if not same_ts.any():
        return same_ts, np.zeros(n, dtype=bool)
    group = np.cumsum(~same_ts) - 1
    starts = np.flatnonzero(~same_ts)
    first_vals = values[starts[group]]
    identical = np.all((values == first_vals) | (np.isnan(values) & np.isnan(first_vals)), axis=1)
    dup_row = same_ts & identical
    conflict_group = np.zeros(starts.size, dtype=bool)
    np.logical_or.at(conflict_group, group[same_ts & ~identical], True)
    return dup_row, conflict_group[group]


def _assign_rules(raw: pd.DataFrame) -> np.ndarray:
    """Index into ROW_RULES (+1) of the first rule each row breaks; 0 = valid."""
    n = len(raw)
    rule_of = np.zeros(n, dtype=np.int8)
    for k, (_, mask) in enumerate(_value_rules(raw).items(), start=1):
        rule_of[(rule_of == 0) & mask] = k
    alive = np.flatnonzero(rule_of == 0)
    ts = epoch_ns(raw.index)[alive]
    ooo = _out_of_order(ts)
    rule_of[alive[ooo]] = ROW_RULES.index("out_of_order") + 1
    alive = alive[~ooo]
    cols = [c for c in ALL_COLUMNS if c in raw.columns]
    values = raw[cols].to_numpy(dtype=np.float64, na_value=np.nan)[alive]
    dup_row, dup_ts = _duplicates(epoch_ns(raw.index)[alive], values)
    rule_of[alive[dup_ts]] = ROW_RULES.index("duplicate_timestamp") + 1
    rule_of[alive[dup_row & ~dup_ts]] = ROW_RULES.index("duplicate_row") + 1
    return rule_of


def _examples(index: pd.DatetimeIndex, positions: np.ndarray) -> list[str]:
    return [f"row {int(p)} @ {index[int(p)].isoformat()}" for p in positions[:N_EXAMPLES]]


def _gap_finding(index: pd.DatetimeIndex, timeframe: str) -> tuple[Finding | None, int, int, float]:
    if timeframe.endswith("M") or len(index) < 2:
        return None, 0, 0, 0.0
    step = timeframe_seconds(timeframe) * 1_000_000_000
    diffs = np.diff(epoch_ns(index))
    where = np.flatnonzero(diffs > step)
    if where.size == 0:
        return None, 0, 0, 0.0
    missing = int(np.sum(diffs[where] // step - 1) + np.sum(diffs[where] % step > 0))
    longest = float(diffs[where].max() / 1e9)
    k = int(where[np.argmax(diffs[where])])
    message = (
        f"{where.size} gaps, {missing} missing bars; longest {pd.Timedelta(seconds=longest)} "
        f"after {index[k].isoformat()}"
    )
    examples = [f"after {index[int(i)].isoformat()}" for i in where[:N_EXAMPLES]]
    finding = Finding(
        rule="gap", severity="warning", message=message, count=int(where.size), first_rows=examples
    )
    return finding, int(where.size), missing, longest


def _misaligned_finding(index: pd.DatetimeIndex, timeframe: str) -> Finding | None:
    if timeframe.endswith("M") or len(index) == 0:
        return None
    step = timeframe_seconds(timeframe) * 1_000_000_000
    offset = 4 * 86400 * 1_000_000_000 if timeframe.endswith("w") else 0  # weeks start Monday
    pos = np.flatnonzero((epoch_ns(index) - offset) % step != 0)
    if pos.size == 0:
        return None
    return Finding(
        rule="misaligned_timestamp",
        severity="warning",
        message=f"{pos.size} open times are not on the {timeframe} UTC grid (kept; resampling "
        "assumes the grid)",
        count=int(pos.size),
        first_rows=_examples(index, pos),
    )


def stale_finding(
    last_open: pd.Timestamp, timeframe: str, now: pd.Timestamp, stale_after_bars: int
) -> Finding | None:
    """``stale_feed`` when no bar closed within ``stale_after_bars`` bar-lengths before ``now``."""
    bar = pd.Timedelta(seconds=timeframe_seconds(timeframe))
    age = now - (last_open + bar)
    if age <= bar * stale_after_bars:
        return None
    return Finding(
        rule="stale_feed",
        severity="warning",
        message=f"last bar closed {age} before {now.isoformat()} (> {stale_after_bars} bars)",
        count=1,
        first_rows=[last_open.isoformat()],
    )


def _row_findings(raw: pd.DataFrame, rule_of: np.ndarray) -> list[Finding]:
    out = []
    for k, rule in enumerate(ROW_RULES, start=1):
        pos = np.flatnonzero(rule_of == k)
        if pos.size:
            msg = f"{pos.size} {_MESSAGES[rule]}"
            examples = _examples(pd.DatetimeIndex(raw.index), pos)
            out.append(
                Finding(
                    rule=rule,
                    severity="error",
                    message=msg,
                    count=int(pos.size),
                    first_rows=examples,
                )
            )
    return out


def validate_bars(
    raw: pd.DataFrame,
    *,
    timeframe: str,
    symbol: str | None = None,
    now: pd.Timestamp | None = None,
    stale_after_bars: int = 3,
) -> ValidationResult:
    """Apply every rule to raw bars (any order, any rows) without mutating them.

    Returns the valid bars (strictly increasing, schema columns), the quarantined rows with the
    ``rule`` that caught each and its file ``row``, and the :class:`QualityReport`.
    """
    missing = [c for c in OHLCV if c not in raw.columns]
    if missing or not isinstance(raw.index, pd.DatetimeIndex) or raw.index.tz is None:
        raise DataError(f"raw bars need a tz-aware DatetimeIndex and columns {list(OHLCV)}")
    timeframe_seconds(timeframe)
    rule_of = _assign_rules(raw)
    bad = rule_of > 0
    clean = raw.loc[~bad].copy()
    quarantined = raw.loc[bad].copy()
    quarantined["rule"] = np.asarray(ROW_RULES, dtype=object)[rule_of[bad] - 1].astype(str)
    quarantined["row"] = np.flatnonzero(bad).astype(np.int64)
    findings = _row_findings(raw, rule_of)
    gap, n_gaps, n_missing, longest = _gap_finding(pd.DatetimeIndex(clean.index), timeframe)
    if gap is not None:
        findings.append(gap)
    misaligned = _misaligned_finding(pd.DatetimeIndex(clean.index), timeframe)
    if misaligned is not None:
        findings.append(misaligned)
    if now is not None and len(clean):
        stale = stale_finding(clean.index[-1], timeframe, now, stale_after_bars)
        if stale is not None:
            findings.append(stale)
    zero = int((clean["volume"].to_numpy() == 0).sum())
    if zero:
        findings.append(
            Finding(
                rule="zero_volume",
                severity="info",
                count=zero,
                message=f"{zero} bars with zero volume (kept: no trades)",
            )
        )
    report = QualityReport(
        symbol=symbol,
        timeframe=timeframe,
        rows_in=len(raw),
        rows_valid=len(clean),
        rows_quarantined=int(bad.sum()),
        first=clean.index[0].isoformat() if len(clean) else None,
        last=clean.index[-1].isoformat() if len(clean) else None,
        gaps=n_gaps,
        missing_bars=n_missing,
        longest_gap_s=longest,
        findings=findings,
    )
    return ValidationResult(clean=clean, quarantined=quarantined, report=report)


__all__ = [
    "REPORT_RULES",
    "ROW_RULES",
    "Finding",
    "QualityReport",
    "ValidationResult",
    "epoch_ns",
    "infer_timeframe",
    "stale_finding",
    "timeframe_from_seconds",
    "validate_bars",
]
