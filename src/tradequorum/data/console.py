"""Rich tables for quality reports and store listings (used by ``quorum data`` and the demo)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table

from tradequorum.data.quality import QualityReport
from tradequorum.data.store import PartitionInfo

_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


def quality_table(report: QualityReport, *, title: str | None = None) -> Table:
    """One row per finding (rule, severity, count, message, first examples) plus a summary."""
    caption = (
        f"{report.rows_in} rows in, {report.rows_valid} valid, {report.rows_quarantined} "
        f"quarantined; {report.first} -> {report.last}; timeframe {report.timeframe}"
    )
    table = Table(title=title or f"quality {report.symbol or ''}".strip(), caption=caption)
    for col in ("rule", "severity", "count", "message", "first rows"):
        table.add_column(col, overflow="fold")
    if not report.findings:
        table.add_row("-", "ok", "0", "every rule passed", "")
    for f in report.findings:
        style = _STYLE.get(f.severity, "")
        table.add_row(f.rule, f"[{style}]{f.severity}[/]", str(f.count), f.message,
                      "; ".join(f.first_rows[:3]))  # fmt: skip
    return table


def partitions_table(infos: Iterable[PartitionInfo]) -> Table:
    """Symbols, timeframes, ranges, bar counts and gaps of the store."""
    table = Table(title="store")
    for col in ("symbol", "timeframe", "bars", "first", "last", "gaps", "missing bars"):
        table.add_column(
            col, justify="right" if col in ("bars", "gaps", "missing bars") else "left"
        )
    for i in infos:
        table.add_row(i.symbol, i.timeframe, f"{i.rows:,}", str(i.first), str(i.last),
                      str(i.gaps), f"{i.missing_bars:,}")  # fmt: skip
    return table


__all__ = ["partitions_table", "quality_table"]
