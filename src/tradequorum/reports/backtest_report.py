"""Self-contained HTML report of one backtest: metrics, equity and drawdown, trades on the price
chart, monthly returns. Long histories are thinned for plotting (never for the metrics)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from tradequorum.backtest.record import BacktestRecord
from tradequorum.reports.html import page, stride, table

_CANDLES_MAX = 3000


def equity_figure(times: pd.DatetimeIndex, equity: np.ndarray) -> go.Figure:
    """Equity (top) and drawdown in percent (bottom), shared time axis."""
    step = stride(len(times))
    eq = np.asarray(equity, dtype=np.float64)
    peak = np.maximum.accumulate(eq) if eq.size else eq
    dd = np.where(peak > 0, eq / peak - 1.0, 0.0) * 100
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3])
    fig.add_trace(go.Scatter(x=times[::step], y=eq[::step], name="equity"), row=1, col=1)
    fig.add_trace(
        go.Scatter(x=times[::step], y=dd[::step], name="drawdown %", fill="tozeroy"), row=2, col=1
    )
    fig.update_layout(height=520, margin={"t": 20, "b": 20}, showlegend=True)
    return fig


def price_figure(bars: pd.DataFrame, record: BacktestRecord) -> go.Figure:
    """Candles (or the close line for long histories) with entries and exits marked."""
    fig = go.Figure()
    if len(bars) <= _CANDLES_MAX:
        fig.add_trace(
            go.Candlestick(
                x=bars.index,
                open=bars["open"],
                high=bars["high"],
                low=bars["low"],
                close=bars["close"],
                name="price",
            )
        )
    else:
        step = stride(len(bars))
        fig.add_trace(
            go.Scatter(x=bars.index[::step], y=bars["close"].to_numpy()[::step], name="close")
        )
    trades = record.trades[-1000:]
    for side, symbol, color in ((1, "triangle-up", "#0a7d28"), (-1, "triangle-down", "#b3261e")):
        sel = [t for t in trades if t.direction == side]
        fig.add_trace(
            go.Scatter(
                x=[t.entry_time for t in sel],
                y=[t.entry_price for t in sel],
                mode="markers",
                marker={"symbol": symbol, "size": 10, "color": color},
                name="long entry" if side > 0 else "short entry",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[t.exit_time for t in trades],
            y=[t.exit_price for t in trades],
            mode="markers",
            marker={"symbol": "x", "size": 8, "color": "#333"},
            text=[t.reason for t in trades],
            name="exit",
        )
    )
    fig.update_layout(height=520, xaxis_rangeslider_visible=False, margin={"t": 20, "b": 20})
    return fig


def monthly_returns(times: pd.DatetimeIndex, equity: np.ndarray, initial: float) -> pd.DataFrame:
    """Compounded return per calendar month (rows years, columns 1..12)."""
    eq = pd.Series(np.asarray(equity, dtype=np.float64), index=times)
    month_end = eq.groupby([times.year, times.month]).last()
    prev = month_end.shift(1).fillna(initial)
    ret = (month_end / prev - 1.0).rename("ret")
    frame = ret.reset_index()
    frame.columns = ["year", "month", "ret"]
    return frame.pivot(index="year", columns="month", values="ret")


def monthly_figure(pivot: pd.DataFrame) -> go.Figure:
    z = pivot.to_numpy(dtype=np.float64) * 100
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(m) for m in pivot.columns],
            y=[str(y) for y in pivot.index],
            colorscale="RdYlGn",
            zmid=0,
            text=np.where(np.isfinite(z), np.round(z, 1).astype(str), ""),
            texttemplate="%{text}",
            colorbar={"title": "%"},
        )
    )
    fig.update_layout(height=120 + 28 * len(pivot), margin={"t": 20, "b": 20})
    return fig


def backtest_report_html(record: BacktestRecord, bars: pd.DataFrame | None = None) -> str:
    """The report page; ``bars`` (the backtested bars) adds the price chart with trades."""
    times = pd.DatetimeIndex(pd.to_datetime(record.times, utc=True))
    eq = np.asarray(record.equity, dtype=np.float64)
    initial = float(record.settings.get("initial_equity", eq[0] if eq.size else 1.0))
    m = record.metrics.model_dump()
    info = table(
        ["run", "value"],
        [
            ["strategy", record.strategy],
            ["parameters", ", ".join(f"{k}={v}" for k, v in record.params.items()) or "defaults"],
            ["symbol / timeframe", f"{record.symbol} {record.timeframe} ({record.calendar})"],
            ["data", f"{record.data_file or '-'} (fingerprint {record.data_fingerprint})"],
            [
                "bars",
                f"{len(times)}: {times[0] if len(times) else '-'} → {times[-1] if len(times) else '-'}",
            ],
        ],
    )
    sections: list[tuple[str, str | go.Figure]] = [
        ("Run", info),
        ("Metrics", table(["metric", "value"], list(m.items()))),
        ("Equity and drawdown", equity_figure(times, eq)),
    ]
    if bars is not None and len(bars):
        sections.append(("Trades on the price chart", price_figure(bars, record)))
    if len(times):
        sections.append(
            ("Monthly returns (%)", monthly_figure(monthly_returns(times, eq, initial)))
        )
    rows = [
        [
            t.entry_time,
            t.exit_time,
            t.direction,
            t.units,
            t.entry_price,
            t.exit_price,
            t.pnl,
            t.reason,
        ]
        for t in record.trades[-200:]
    ]
    header = ["entry", "exit", "dir", "units", "entry px", "exit px", "pnl", "reason"]
    sections.append(("Last trades", table(header, rows)))
    return page(f"Backtest: {record.strategy} on {record.symbol}", sections)


def write_backtest_report(
    path: Path, record: BacktestRecord, bars: pd.DataFrame | None = None
) -> Path:
    """Write the report to ``path`` (parent folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(backtest_report_html(record, bars), encoding="utf-8")
    return path


__all__ = [
    "backtest_report_html",
    "equity_figure",
    "monthly_returns",
    "price_figure",
    "write_backtest_report",
]
