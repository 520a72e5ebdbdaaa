"""The three causality audits of DESIGN §3, reusable for any function over bars.

``fn(bars) -> DataFrame | Series`` must return one row per input bar, on the input's index.

* **look-ahead** (truncation): ``fn(bars[:t+1])`` equals ``fn(bars)[:t+1]`` for every checked t —
  every row, not only the last, so a value that later bars would change is caught too;
* **recursive**: past the declared warm-up, the value at t does not depend on how much earlier
  history was loaded (``fn(bars[k:])`` vs ``fn(bars)``, to ``rtol`` 1e-9);
* **repaint**: replaying bars one at a time, a value once reported is never rewritten.

Each audit returns an :class:`AuditReport` naming the first bar and column where values differ.
Freqtrade's lookahead-analysis checks strategies only and has no repaint audit; this one runs on
any feature, pattern, signal or agent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

AnalysisFn = Callable[[pd.DataFrame], "pd.DataFrame | pd.Series"]


@dataclass(frozen=True, slots=True)
class AuditFinding:
    """The first difference found: which bar (time and position), which column, which values."""

    bar: pd.Timestamp
    position: int
    column: str
    expected: Any
    actual: Any
    context: str


@dataclass(frozen=True, slots=True)
class AuditReport:
    audit: str
    name: str
    passed: bool
    comparisons: int
    differing_values: int = 0
    first: AuditFinding | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        status = "PASS" if self.passed else "FAIL"
        text = f"{self.audit} {self.name}: {status} ({self.comparisons} comparisons"
        text += f", {self.differing_values} differing values)"
        if self.first is not None:
            f = self.first
            text += (
                f"; first at bar {f.bar} (#{f.position}) column {f.column!r}: "
                f"expected {f.expected!r}, got {f.actual!r} [{f.context}]"
            )
        return text

    def raise_if_failed(self) -> None:
        if not self.passed:
            raise AssertionError(self.summary())


def _as_frame(out: pd.DataFrame | pd.Series, bars: pd.DataFrame) -> pd.DataFrame:
    frame = out.to_frame() if isinstance(out, pd.Series) else out
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"audited function must return a DataFrame or Series, got {type(out)}")
    if len(frame) != len(bars) or not frame.index.equals(bars.index):
        raise ValueError("audited function must return one row per input bar on the input's index")
    return frame


def _diff_mask(a: pd.DataFrame, b: pd.DataFrame, rtol: float, atol: float) -> np.ndarray:
    """Boolean (rows x cols) mask of cells that differ; NaN equals NaN."""
    mask = np.zeros(a.shape, dtype=bool)
    for j, col in enumerate(a.columns):
        x, y = a[col].to_numpy(), b[col].to_numpy()
        if x.dtype.kind in "fiub" and y.dtype.kind in "fiub":
            xf, yf = x.astype(np.float64), y.astype(np.float64)
            both_nan = np.isnan(xf) & np.isnan(yf)
            if rtol == 0.0 and atol == 0.0:
                same = (xf == yf) | both_nan
            else:
                with np.errstate(invalid="ignore"):
                    same = np.isclose(xf, yf, rtol=rtol, atol=atol) | both_nan
            mask[:, j] = ~same
        else:
            xs, ys = pd.Series(x, dtype=object), pd.Series(y, dtype=object)
            same = (xs == ys).to_numpy() | (xs.isna() & ys.isna()).to_numpy()
            mask[:, j] = ~same
    return mask


def _first(
    mask: np.ndarray, a: pd.DataFrame, b: pd.DataFrame, offset: int, ctx: str
) -> AuditFinding:
    r, c = np.argwhere(mask)[0]
    return AuditFinding(
        bar=a.index[r],
        position=int(r + offset),
        column=str(a.columns[c]),
        expected=b.iat[r, c],
        actual=a.iat[r, c],
        context=ctx,
    )


def default_points(n: int, *, min_bars: int, n_points: int) -> list[int]:
    """Evenly spread truncation points in [min_bars-1, n-2], plus the last few bars."""
    if n <= min_bars:
        return []
    pts = set(np.linspace(min_bars - 1, n - 2, num=max(n_points - 3, 1)).astype(int).tolist())
    pts.update(range(max(min_bars - 1, n - 4), n - 1))
    return sorted(p for p in pts if min_bars - 1 <= p < n - 1)


def audit_lookahead(
    fn: AnalysisFn,
    bars: pd.DataFrame,
    *,
    name: str = "",
    points: Sequence[int] | None = None,
    n_points: int = 20,
    min_bars: int = 2,
    rtol: float = 0.0,
    atol: float = 0.0,
) -> AuditReport:
    """Truncation audit: every row of ``fn(bars[:t+1])`` equals the full run's rows up to t."""
    full = _as_frame(fn(bars), bars)
    pts = (
        list(points)
        if points is not None
        else default_points(len(bars), min_bars=min_bars, n_points=n_points)
    )
    comparisons = differing = 0
    first: AuditFinding | None = None
    for t in pts:
        part = bars.iloc[: t + 1]
        got = _as_frame(fn(part), part)
        exp = full.iloc[: t + 1]
        mask = _diff_mask(got, exp[got.columns], rtol, atol)
        comparisons += mask.size
        if mask.any():
            differing += int(mask.sum())
            if first is None:
                first = _first(mask, got, exp[got.columns], 0, f"computed on bars[:{t + 1}]")
    return AuditReport("lookahead", name, first is None, comparisons, differing, first)


def audit_recursive(
    fn: AnalysisFn,
    bars: pd.DataFrame,
    *,
    warmup: int,
    name: str = "",
    starts: Sequence[int] | None = None,
    rtol: float = 1e-9,
    atol: float = 1e-12,
) -> AuditReport:
    """Past ``warmup`` bars, ``fn(bars[k:])`` matches ``fn(bars)`` to ``rtol`` for each start k."""
    n = len(bars)
    full = _as_frame(fn(bars), bars)
    ks = list(starts) if starts is not None else sorted({n // 8, n // 4, n // 2})
    ks = [k for k in ks if k > 0 and k + warmup < n]
    comparisons = differing = 0
    first: AuditFinding | None = None
    for k in ks:
        part = bars.iloc[k:]
        got = _as_frame(fn(part), part).iloc[warmup:]
        exp = full.iloc[k + warmup :][got.columns]
        mask = _diff_mask(got, exp, rtol, atol)
        comparisons += mask.size
        if mask.any():
            differing += int(mask.sum())
            if first is None:
                first = _first(mask, got, exp, k + warmup, f"history loaded from bar #{k}")
    notes = () if ks else ("series too short for the declared warm-up; nothing compared",)
    return AuditReport(
        "recursive", name, first is None and bool(ks), comparisons, differing, first, notes
    )


def audit_repaint(
    fn: AnalysisFn,
    bars: pd.DataFrame,
    *,
    name: str = "",
    start: int | None = None,
    stop: int | None = None,
    step: int = 1,
) -> AuditReport:
    """Replay ``bars`` from ``start`` to ``stop`` one bar (``step``) at a time; count rewritten values.

    Every value shown by an earlier replay step must be shown unchanged by every later step.
    Cost is one call of ``fn`` per step: choose ``start``/``stop`` to bound it on long files.
    """
    n = len(bars)
    lo = max(1, start if start is not None else max(1, n - 300))
    hi = min(n, stop if stop is not None else n)
    prev: pd.DataFrame | None = None
    comparisons = differing = 0
    first: AuditFinding | None = None
    for t in range(lo, hi + 1, step):
        part = bars.iloc[:t]
        cur = _as_frame(fn(part), part)
        if prev is not None:
            shown = cur.iloc[: len(prev)][prev.columns]
            mask = _diff_mask(shown, prev, 0.0, 0.0)
            comparisons += mask.size
            if mask.any():
                differing += int(mask.sum())
                if first is None:
                    first = _first(mask, shown, prev, 0, f"rewritten when bar #{t - 1} arrived")
        prev = cur
    return AuditReport("repaint", name, first is None, comparisons, differing, first)


__all__ = [
    "AnalysisFn",
    "AuditFinding",
    "AuditReport",
    "audit_lookahead",
    "audit_recursive",
    "audit_repaint",
    "default_points",
]
