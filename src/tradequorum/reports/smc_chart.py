"""Interactive SMC chart (Plotly, one self-contained HTML file).

Candles with order-block and FVG boxes (a live box runs to the last bar; a mitigated one is faded
and stops at the bar that mitigated it; breakers in their own colour),
BOS/CHoCH lines from the broken pivot to the breaking bar, swing points (at the pivot bar; the
hover says when each was confirmed), liquidity pools and sweeps, killzone sessions, and the
premium/discount shading of the dealing range. Boxes are drawn as filled polygons in a few traces
(not thousands of layout shapes) so long windows stay responsive.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tradequorum.config.smc import SmcConfig
from tradequorum.core.errors import DataError
from tradequorum.smc.analysis import analysis_events, analysis_frame, analyze

MAX_EVENTS = 400  # most recent events drawn per layer
BULL, BEAR = "rgba(38,166,154,{a})", "rgba(239,83,80,{a})"


def _end(ev: pd.DataFrame, cols: list[str], last: pd.Timestamp) -> pd.Series:
    """The first non-missing of ``cols`` per row, else the last bar."""
    out = pd.Series(last, index=ev.index)
    for c in reversed(cols):
        out = ev[c].where(ev[c].notna(), out)
    return out


def _boxes(
    x0: pd.Series, x1: pd.Series, top: pd.Series, bot: pd.Series
) -> tuple[list[object], list[object]]:
    xs: list[object] = []
    ys: list[object] = []
    for a, b, t, u in zip(x0, x1, top, bot, strict=True):
        xs += [a, b, b, a, a, None]
        ys += [u, u, t, t, u, None]
    return xs, ys


def _box_trace(fig: go.Figure, ev: pd.DataFrame, end: pd.Series, name: str, color: str) -> None:
    if ev.empty:
        return
    xs, ys = _boxes(ev["index"], end, ev["top"], ev["bottom"])
    fig.add_trace(go.Scatter(x=xs, y=ys, fill="toself", fillcolor=color, mode="lines",
                             line={"width": 0.5, "color": color}, name=name,
                             hoverinfo="name"))  # fmt: skip


def _zone_layers(fig: go.Figure, ev: dict[str, pd.DataFrame], last: pd.Timestamp) -> None:
    fv = ev["fvg"].tail(MAX_EVENTS)
    end = _end(fv, ["mitigated_at", "filled_at"], last)
    for d, col, label in ((1.0, BULL, "bullish FVG"), (-1.0, BEAR, "bearish FVG")):
        for mit, alpha in ((False, 0.35), (True, 0.10)):
            sel = (fv["direction"] == d) & (fv["mitigated_at"].notna() == mit)
            tag = " (mitigated)" if mit else ""
            _box_trace(fig, fv[sel], end[sel], label + tag, col.format(a=alpha))
    ob = ev["order_blocks"].tail(MAX_EVENTS)
    end = _end(ob, ["mitigated_at", "breaker_at", "ended_at"], last)
    for d, col, label in ((1.0, BULL, "bullish OB"), (-1.0, BEAR, "bearish OB")):
        for mit, alpha in ((False, 0.45), (True, 0.15)):
            sel = (ob["direction"] == d) & (ob["mitigated_at"].notna() == mit)
            tag = " (mitigated)" if mit else ""
            _box_trace(fig, ob[sel], end[sel], label + tag, col.format(a=alpha))
    brk = ob[ob["breaker_at"].notna()]
    bend = _end(brk, ["breaker_mitigated_at", "ended_at"], last)
    bstart = brk.assign(index=brk["breaker_at"])
    _box_trace(fig, bstart, bend, "breaker blocks", "rgba(126,87,194,0.25)")


def _structure_layers(fig: go.Figure, ev: dict[str, pd.DataFrame]) -> None:
    for name, width in (("swing_structure", 1.6), ("internal_structure", 0.8)):
        st = ev[name].tail(MAX_EVENTS)
        for kind, dash in (("BOS", "solid"), ("CHoCH", "dash")):
            s = st[st["kind"] == kind]
            xs: list[object] = []
            ys: list[object] = []
            for a, b, lv in zip(s["index"], s["confirmed_at"], s["level"], strict=True):
                xs += [a, b, None]
                ys += [lv, lv, None]
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=f"{kind} ({name.split('_')[0]})",
                                     line={"color": "#455a64", "width": width, "dash": dash}))  # fmt: skip
    sw = ev["swings"].tail(MAX_EVENTS)
    for k, sym, label in ((1.0, "triangle-down", "swing high"), (-1.0, "triangle-up", "swing low")):
        s = sw[sw["kind"] == k]
        fig.add_trace(go.Scatter(x=s["index"], y=s["level"], mode="markers", name=label,
                                 marker={"symbol": sym, "size": 8, "color": "#37474f"},
                                 text=[f"confirmed {c}" for c in s["confirmed_at"]]))  # fmt: skip


def _liquidity_layers(fig: go.Figure, ev: dict[str, pd.DataFrame], fr: pd.DataFrame,
                      last: pd.Timestamp) -> None:  # fmt: skip
    liq = ev["liquidity"].tail(MAX_EVENTS)
    end = _end(liq, ["swept_at", "taken_at"], last)
    xs: list[object] = []
    ys: list[object] = []
    for a, b, lv in zip(liq["index"], end, liq["level"], strict=True):
        xs += [a, b, None]
        ys += [lv, lv, None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="liquidity pools (EQH/EQL)",
                             line={"color": "#ff9800", "width": 1.2, "dash": "dot"}))  # fmt: skip
    for col, name, sym in (
        ("bsl_swept", "buy-side sweep", "x"),
        ("ssl_swept", "sell-side sweep", "x"),
    ):
        s = fr[col].dropna()
        fig.add_trace(go.Scatter(x=s.index, y=s.to_numpy(), mode="markers", name=name,
                                 marker={"symbol": sym, "size": 9, "color": "#ff6f00"}))  # fmt: skip


def _context_layers(fig: go.Figure, fr: pd.DataFrame) -> None:
    for col, name, color in (("range_high", "range high", "rgba(239,83,80,0.5)"),
                             ("equilibrium", "equilibrium", "rgba(120,120,120,0.6)"),
                             ("range_low", "range low", "rgba(38,166,154,0.5)")):  # fmt: skip
        fill = {"equilibrium": "tonexty", "range_low": "tonexty"}.get(col)
        fc = "rgba(239,83,80,0.06)" if col == "equilibrium" else "rgba(38,166,154,0.06)"
        fig.add_trace(go.Scatter(x=fr.index, y=fr[col], mode="lines", name=name, line_shape="hv",
                                 line={"color": color, "width": 1}, fill=fill,
                                 fillcolor=fc if fill else None))  # fmt: skip
    span = fr.index[-1] - fr.index[0]
    if span <= pd.Timedelta(days=10):
        code = fr["session"].to_numpy()
        idx = fr.index
        starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
        ends = np.r_[starts[1:], len(code)] - 1
        colors = {1.0: "rgba(255,235,59,0.10)", 2.0: "rgba(33,150,243,0.08)",
                  3.0: "rgba(156,39,176,0.08)"}  # fmt: skip
        for s, e in zip(starts, ends, strict=True):
            if code[s] in colors:
                fig.add_vrect(x0=idx[int(s)], x1=idx[int(e)], fillcolor=colors[code[s]],
                              line_width=0, layer="below")  # fmt: skip


def _visible(ev: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    """Events confirmed in the view, or whose box/line is still open or ends inside it."""
    keep = ev["confirmed_at"] >= start
    for c in ev.columns:
        if c.endswith("_at") and c != "confirmed_at":
            keep |= ev[c].isna() | (ev[c] >= start)
    return ev[keep]


def smc_figure(bars: pd.DataFrame, cfg: SmcConfig | None = None, *, title: str = "SMC",
               timeframe: str | None = None,
               view_start: pd.Timestamp | None = None) -> go.Figure:  # fmt: skip
    """The chart as a Plotly figure. Every layer is computed causally on all of ``bars``; only
    bars from ``view_start`` on are shown (earlier bars give the structure its history)."""
    cfg = cfg or SmcConfig()
    r = analyze(bars, cfg, timeframe=timeframe)
    fr = analysis_frame(r, bars.index)
    ev = analysis_events(r, bars.index)
    if view_start is not None:
        shown = bars.index >= view_start
        if shown.sum() < 1:
            raise DataError(f"no bar at or after {view_start} to show")
        bars, fr = bars[shown], fr[shown]
        ev = {k: _visible(v, view_start) for k, v in ev.items()}
    fig = go.Figure()
    fig.add_trace(go.Candlestick(x=bars.index, open=bars["open"], high=bars["high"],
                                 low=bars["low"], close=bars["close"], name="price"))  # fmt: skip
    _context_layers(fig, fr)
    _zone_layers(fig, ev, bars.index[-1])
    _structure_layers(fig, ev)
    _liquidity_layers(fig, ev, fr, bars.index[-1])
    fig.update_layout(title=title, xaxis_rangeslider_visible=False, template="plotly_white",
                      height=820, legend={"orientation": "h", "y": -0.08},
                      hovermode="x unified")  # fmt: skip
    lo, hi = float(bars["low"].min()), float(bars["high"].max())
    pad = 0.08 * (hi - lo) or 0.01 * abs(hi)
    fig.update_xaxes(range=[bars.index[0], bars.index[-1]])
    fig.update_yaxes(range=[lo - pad, hi + pad])  # zones far from the shown prices stay off-screen
    return fig


def write_smc_chart(bars: pd.DataFrame, out: Path | str, cfg: SmcConfig | None = None, *,
                    title: str = "SMC", timeframe: str | None = None,
                    view_start: pd.Timestamp | None = None) -> Path:  # fmt: skip
    """Write the chart as one self-contained HTML file (plotly.js inlined, works offline)."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = smc_figure(bars, cfg, title=title, timeframe=timeframe, view_start=view_start)
    fig.write_html(path, include_plotlyjs=True, full_html=True)
    return path


__all__ = ["smc_figure", "write_smc_chart"]
