"""Page assembly for the self-contained HTML reports: one inline plotly.js, plain HTML tables."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222}
h1{font-size:22px} h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}
th{background:#f4f4f4} td:first-child,th:first-child{text-align:left}
.pass{color:#0a7d28;font-weight:600} .fail{color:#b3261e;font-weight:600}
.decision{font-size:20px;padding:8px 12px;display:inline-block;border-radius:6px}
.approve{background:#e3f4e6} .reject{background:#fbe4e2}
"""


def fmt(value: Any) -> str:
    """Short human formatting for table cells."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        v = float(value)
        if not np.isfinite(v):
            return str(v)
        return f"{v:,.4f}" if abs(v) < 1000 else f"{v:,.0f}"
    return html.escape(str(value))


def table(
    header: Sequence[str], rows: Iterable[Sequence[Any]], raw_cols: Sequence[int] = ()
) -> str:
    """An HTML table; cells in ``raw_cols`` are inserted as given (already HTML)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(f"<td>{c if i in raw_cols else fmt(c)}</td>" for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def page(title: str, sections: Sequence[tuple[str, str | go.Figure]]) -> str:
    """A full HTML page; the first figure carries plotly.js inline, later ones reuse it."""
    parts = [f"<h1>{html.escape(title)}</h1>"]
    js_done = False
    for heading, content in sections:
        if heading:
            parts.append(f"<h2>{html.escape(heading)}</h2>")
        if isinstance(content, go.Figure):
            parts.append(
                content.to_html(
                    full_html=False, include_plotlyjs=not js_done, config={"responsive": True}
                )
            )
            js_done = True
        else:
            parts.append(content)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>"
    )


def stride(n: int, max_points: int = 5000) -> int:
    """Step that keeps at most ``max_points`` points of ``n`` for plotting."""
    return max(1, -(-n // max_points))


__all__ = ["fmt", "page", "stride", "table"]
