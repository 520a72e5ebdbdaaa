"""Self-contained HTML report of a walk-forward run: the decision table, every window's in- vs
out-of-sample figures and chosen parameters, the stitched OOS equity, the PBO logit histogram and
the IS/OOS degradation scatter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tradequorum.reports.html import page, table
from tradequorum.validation.walk_forward import WfoResults, WfoValidation


def decision_html(v: WfoValidation) -> str:
    """The approve/reject banner and each criterion's value, threshold and verdict."""
    rows = []
    for c in v.criteria:
        verdict = "pass" if c.passed else "fail"
        rows.append(
            [
                c.name,
                c.value,
                f"{c.op} {c.threshold}" if c.threshold is not None else "reported only",
                f"<span class='{verdict}'>{verdict}</span>",
                c.required,
            ]
        )
    banner = f"<div class='decision {v.decision}'>decision: <b>{v.decision.upper()}</b></div>"
    extra = table(
        ["figure", "value"],
        [
            ["configurations tried (DSR trials)", v.n_trials],
            ["OOS total return", v.oos_total_return],
            ["OOS max drawdown", v.oos_max_drawdown],
            ["PSR (SR > 0)", v.deflated_sharpe.psr],
            ["SR0 per period (expected max of trials)", v.deflated_sharpe.sr0],
            ["PBO probability of OOS loss", None if v.pbo is None else v.pbo.prob_oos_loss],
            ["PBO degradation slope", None if v.pbo is None else v.pbo.degradation_slope],
        ],
    )
    header = ["criterion", "value", "threshold", "verdict", "required"]
    return banner + table(header, rows, raw_cols=(3,)) + extra


def windows_figure(r: WfoResults) -> go.Figure:
    """In- vs out-of-sample annualized Sharpe per window."""
    x = [f"W{w.index}<br>{w.test_start[:10]}" for w in r.windows]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=x, y=[w.is_metrics.sharpe for w in r.windows], name="in-sample"))
    fig.add_trace(go.Bar(x=x, y=[w.oos_metrics.sharpe for w in r.windows], name="out-of-sample"))
    fig.update_layout(barmode="group", height=380, yaxis_title="Sharpe", margin={"t": 20})
    return fig


def oos_equity_figure(r: WfoResults) -> go.Figure:
    times = pd.to_datetime(r.oos_period_times, utc=True)
    fig = go.Figure(go.Scatter(x=times, y=r.oos_equity, name="stitched OOS equity"))
    for w in r.windows:
        fig.add_vline(
            x=pd.Timestamp(w.test_start), line_width=1, line_dash="dot", line_color="#999"
        )
    fig.update_layout(height=360, margin={"t": 20})
    return fig


def pbo_figure(v: WfoValidation) -> go.Figure | str:
    """Histogram of the CSCV logits (left of 0: the IS-best set was below the OOS median)."""
    if v.pbo is None:
        return "<p>PBO could not be computed (fewer than two valid configurations or too few periods).</p>"
    edges = np.asarray(v.pbo.logit_hist_edges)
    centers = (edges[:-1] + edges[1:]) / 2
    colors = ["#b3261e" if c <= 0 else "#0a7d28" for c in centers]
    fig = go.Figure(go.Bar(x=centers, y=v.pbo.logit_hist_counts, marker_color=colors, name="logit"))
    fig.add_vline(x=0.0, line_dash="dash")
    fig.update_layout(
        height=340,
        xaxis_title=f"logit λ (PBO = {v.pbo.pbo:.3f}, {v.pbo.n_splits} splits)",
        yaxis_title="splits",
        margin={"t": 20},
    )
    return fig


def degradation_figure(v: WfoValidation) -> go.Figure | str:
    if v.pbo is None:
        return ""
    p = v.pbo
    x = np.asarray(p.is_best_sharpe)
    fig = go.Figure(go.Scatter(x=x, y=p.oos_best_sharpe, mode="markers", name="splits"))
    if x.size:
        xs = np.array([x.min(), x.max()])
        fig.add_trace(
            go.Scatter(x=xs, y=p.degradation_slope * xs + p.degradation_intercept, name="fit")
        )
    fig.update_layout(
        height=340,
        xaxis_title="IS Sharpe of the IS-best set (per period)",
        yaxis_title="its OOS Sharpe",
        margin={"t": 20},
    )
    return fig


def windows_table(r: WfoResults) -> str:
    rows = [
        [
            w.index,
            f"{w.train_start[:10]} → {w.train_end[:10]}",
            f"{w.test_start[:10]} → {w.test_end[:10]}",
            ", ".join(f"{k}={v}" for k, v in w.params.items()),
            w.is_metrics.sharpe,
            w.oos_metrics.sharpe,
            w.oos_metrics.total_return,
            w.oos_metrics.trade_count,
        ]
        for w in r.windows
    ]
    header = [
        "#",
        "train",
        "test",
        "chosen parameters",
        "IS Sharpe",
        "OOS Sharpe",
        "OOS return",
        "OOS trades",
    ]
    return table(header, rows)


def wfo_report_html(results: WfoResults, validation: WfoValidation) -> str:
    r = results
    wf = r.walk_forward
    info = (
        f"<p>{r.strategy} on {r.symbol} {r.timeframe} ({r.calendar}); {len(r.windows)} windows of "
        f"{wf.train_period}/{wf.test_period} {wf.unit}, {'anchored' if wf.anchored else 'rolling'}; "
        f"{r.search} search over {r.n_configs_tried} configurations, objective {r.objective}; "
        f"data fingerprint {r.data_fingerprint}.</p>"
    )
    stab = validation.parameter_stability
    sections: list[tuple[str, str | go.Figure]] = [
        ("", info),
        ("Decision", decision_html(validation)),
        ("Windows: in- vs out-of-sample", windows_figure(r)),
        ("Windows", windows_table(r)),
        ("Stitched out-of-sample equity", oos_equity_figure(r)),
        ("PBO: logit distribution (CSCV)", pbo_figure(validation)),
        ("Performance degradation", degradation_figure(validation)),
        (
            "Parameter stability",
            table(
                ["parameter", "stability"], [["overall", stab.score], *stab.per_parameter.items()]
            ),
        ),
    ]
    return page(f"Walk-forward: {r.strategy} on {r.symbol}", sections)


def write_wfo_report(path: Path, results: WfoResults, validation: WfoValidation) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(wfo_report_html(results, validation), encoding="utf-8")
    return path


__all__ = ["decision_html", "wfo_report_html", "write_wfo_report"]
