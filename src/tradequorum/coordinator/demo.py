"""``quorum demo``, whole system: data -> model -> one day of 1m bars replayed through the full
coordinator in paper mode -> a summary of what it decided and why.

1. the data demo stores simulated bars (or imports ``--file``) in the home's Parquet store;
2. the model-trainer trains a LightGBM candidate on everything before the last day (at most
   ``TRAIN_BARS_MAX`` bars), with the features whose warm-up fits the replay's look-back (so the
   ML agent can predict during the replay). On the demo's simulated bars, which carry the
   simulator's *planted* order-flow drift, the candidate is expected to pass its validation and
   model-risk gates and is promoted by the normal path; the demo prints which path promoted it.
   Only if the gates refuse it (e.g. a ``--file`` of real bars) does the **demo override**
   promote it anyway, listing each failed gate — a real deployment never does this;
3. the daily-operations workflow runs once (health check, risk update, market context, SMC
   daily structure), then the last day is replayed bar by bar through the real-time workflow
   with every real agent, the risk manager and the paper broker (``auto`` mode);
4. the summary: decisions by tier and action, approvals and vetoes, trades, P&L, file locations.

Re-running on the same home resumes the replay where it stopped (nothing is decided twice).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from tradequorum.config.settings import CONFIG_FILE, Settings, load_settings
from tradequorum.core.clock import FixedClock
from tradequorum.core.timeframes import timeframe_delta
from tradequorum.core.types import ExecutionMode
from tradequorum.state.layout import HomeLayout

DEMO_LOOKBACK_BARS = 1000
REPLAY_BARS = 1440
TRAIN_BARS_MAX = 6 * 1440  # bounds the demo's run time whatever the file's length


@dataclass(frozen=True, slots=True)
class DemoSummary:
    home: Path
    decisions: int
    by_tier: dict[str, int]
    by_action: dict[str, int]
    approvals: int
    vetoes: int
    fills: int
    trades: int
    pnl: float
    equity: float
    model: str
    bars_per_second: float
    promotion: str = ""


class _Window:
    """A MarketView over a fixed frame (training: every bar in it is closed)."""

    def __init__(self, bars: pd.DataFrame, timeframe: str) -> None:
        self._bars, self._tf = bars, timeframe

    def bars(self, symbol: str, timeframe: str) -> pd.DataFrame:
        if timeframe == self._tf:
            return self._bars
        from tradequorum.data.resample import resample_bars

        return resample_bars(self._bars, timeframe, base_timeframe=self._tf)


def _settings(home: Path) -> Settings:
    base = load_settings(home / CONFIG_FILE, environ={})
    return base.model_copy(
        update={
            "home": home,
            "execution": base.execution.model_copy(update={"mode": ExecutionMode.AUTO}),
            "data": base.data.model_copy(update={"lookback_bars": DEMO_LOOKBACK_BARS}),
            "notify": base.notify.model_copy(update={"console": False}),
        }
    )


def _demo_features(settings: Settings, bars: pd.DataFrame) -> tuple[str, ...]:
    """The default training features whose warm-up (plus the barrier's volatility window and the
    ML agent's margin) fits the replay's look-back: a model needing more history than the replay
    shows the agents would never leave its warm-up, i.e. never vote."""
    from tradequorum.agents.feature_engineer import registry_for
    from tradequorum.agents.ml_model import WINDOW_MARGIN_BARS
    from tradequorum.ml.training import default_feature_names

    reg = registry_for(settings, settings.timeframe)
    budget = DEMO_LOOKBACK_BARS - settings.ml.vol_window_bars - WINDOW_MARGIN_BARS
    names = default_feature_names(reg, bars, settings.ml)
    return tuple(n for n in names if reg.warmup(n) <= budget)


def _train(
    settings: Settings, layout: HomeLayout, bars: pd.DataFrame, console: Console
) -> tuple[str, str]:
    """Train a candidate; returns (version, how it was promoted)."""
    from tradequorum.agents.base import AgentContext, Task
    from tradequorum.agents.model_trainer import ModelTrainerAgent
    from tradequorum.ml.registry import ModelRegistry

    if not settings.ml.features:
        feats = _demo_features(settings, bars)
        settings = settings.model_copy(
            update={"ml": settings.ml.model_copy(update={"features": feats})}
        )
    sym, tf = settings.symbols[0], settings.timeframe
    clock = FixedClock(bars.index[-1] + timeframe_delta(tf))
    ctx = AgentContext(
        clock=clock, settings=settings, layout=layout, market=_Window(bars, tf),
        rng=np.random.default_rng(settings.ml.seed),
    )  # fmt: skip
    task = Task(task_id="TASK-DEMO-TRAIN", agent="model-trainer", action="train_cycle",
                params={"symbol": sym, "timeframe": tf, "promote": True})  # fmt: skip
    res = ModelTrainerAgent().train_cycle(task, ctx)
    console.print(
        f"model-trainer: candidate {res.version} on {len(bars):,} bars, "
        f"{len(res.columns)} features, {res.cv['n_rows']:,} labelled rows"
    )
    for r in res.reasons:
        console.print(f"  - {r}")
    if res.promoted:
        console.print(
            "[bold green]promotion: gates passed[/] (validation and model risk approved; "
            "promoted by the model-trainer's normal path)"
        )
        return res.version, "gates passed"
    passes = ("not promoted", "model risk approved", "candidate saved")
    failed = [r for r in res.reasons if not r.startswith(passes) and " >= " not in r]
    ModelRegistry(layout).promote(
        reason="demo override: gates refused the candidate; promoted so the demo has an ML vote",
        at=clock.now().to_pydatetime(),
    )
    console.print(
        "[bold yellow]promotion: DEMO OVERRIDE[/] (fallback) — the candidate failed these gates "
        "and was promoted anyway so that the ML agent can vote; a real deployment would keep it "
        "out:\n" + "\n".join(f"  x {r}" for r in failed)
    )
    return res.version, "demo override: " + "; ".join(failed)


def _train_or_explain(
    settings: Settings, layout: HomeLayout, bars: pd.DataFrame, console: Console
) -> tuple[str, str]:
    """Train; if training itself fails (too little data …) say why and go on without ML."""
    try:
        return _train(settings, layout, bars, console)
    except Exception as exc:
        console.print(
            f"[bold red]training failed:[/] {exc}\nthe ML agent is unavailable: a required "
            "participant is missing, so every decision will be no_trade (fail closed)"
        )
        return "none", f"none: training failed ({exc})"


def _summary(coord: Any, model: str, bps: float, promotion: str) -> DemoSummary:
    j = coord.journal
    recs = j.decisions()
    verdicts = [r["risk_verdict"] for r in recs if r.get("risk_verdict")]
    fills = j.fills()
    trades = sum(1 for f in fills if f["reason"] != "entry")
    initial = coord.settings.backtest.initial_equity
    return DemoSummary(
        home=coord.layout.root,
        decisions=len(recs),
        by_tier=dict(sorted(Counter(r["decision"]["tier"] for r in recs).items())),
        by_action=dict(sorted(Counter(r["decision"]["action"] for r in recs).items())),
        approvals=sum(1 for v in verdicts if v.get("approved")),
        vetoes=sum(1 for v in verdicts if not v.get("approved")),
        fills=len(fills),
        trades=trades,
        pnl=coord.broker.equity - initial,
        equity=coord.broker.equity,
        model=model,
        bars_per_second=bps,
        promotion=promotion,
    )


def _print(s: DemoSummary, layout: HomeLayout, console: Console) -> None:
    t = Table(title="TradeQuorum demo: one day replayed through the full coordinator (paper)")
    t.add_column("what")
    t.add_column("value", justify="right")
    t.add_row("decisions (one per bar)", f"{s.decisions:,}")
    t.add_row("by tier", ", ".join(f"{k} {v}" for k, v in s.by_tier.items()))
    t.add_row("by action", ", ".join(f"{k} {v}" for k, v in s.by_action.items()))
    t.add_row("risk approvals / vetoes", f"{s.approvals} / {s.vetoes}")
    t.add_row("fills / stop-or-target exits", f"{s.fills} / {s.trades}")
    t.add_row("P&L (paper, quote ccy)", f"{s.pnl:,.2f}")
    t.add_row("equity", f"{s.equity:,.2f}")
    t.add_row("production model", s.model)
    t.add_row("promoted by", s.promotion)
    t.add_row("replay speed", f"{s.bars_per_second:,.1f} bars/s")
    console.print(t)
    console.print(f"state files   {layout.state}")
    console.print(f"journal       {layout.journal}")
    console.print(f"notifications {layout.notifications}")
    console.print("next: quorum status / decisions / explain DEC-… --home " + str(layout.root))


def run_demo(
    home: Path, file: Path | None, console: Console, *, replay_bars: int = REPLAY_BARS
) -> DemoSummary:
    """The whole demo (see the module docstring); ``replay_bars`` is one day of 1m bars."""
    from tradequorum.coordinator.replay import FrameMarket, replay_index, run_replay
    from tradequorum.coordinator.wiring import build_coordinator
    from tradequorum.data.demo import run_data_demo
    from tradequorum.data.store import ParquetStore

    data = run_data_demo(home, file, console)
    home = Path(data.home)
    layout = HomeLayout(home)
    settings = _settings(home).model_copy(
        update={"symbols": (data.symbol,), "timeframe": data.timeframe}
    )
    bars = ParquetStore(layout.store).read(data.symbol, data.timeframe)
    n_replay = min(replay_bars, max(len(bars) // 3, 1))
    train, day = bars.iloc[:-n_replay].iloc[-TRAIN_BARS_MAX:], bars.iloc[-n_replay:]
    clock = FixedClock(day.index[0])
    market = FrameMarket({data.symbol: bars}, data.timeframe, clock, lookback=DEMO_LOOKBACK_BARS)
    from tradequorum.ml.registry import ModelRegistry

    prod = ModelRegistry(layout).production()
    if prod is not None:
        model, promotion = prod.version, "already in production (earlier run)"
    else:
        model, promotion = _train_or_explain(settings, layout, train, console)
    coord = build_coordinator(
        settings, market=market, clock=clock, replay=True, home=home,
        views_every=60, agent_state_files=False,
    )  # fmt: skip
    try:
        if coord.completed_bar(data.symbol) is None:
            run = coord.run_workflow(
                "daily_operations", {"symbol": data.symbol, "timeframe": data.timeframe}
            )
            console.print(
                f"daily operations: {run.status} ({', '.join(s.status for s in run.steps)})"
            )
        idx = replay_index({data.symbol: bars}, day.index[0])
        with Progress(console=console, transient=True) as progress:
            bar_task = progress.add_task("replaying through the coordinator", total=len(idx))
            summary = run_replay(coord, clock, idx, on_bar=lambda _: progress.advance(bar_task))
        result = _summary(coord, model, summary.bars_per_second, promotion)
    finally:
        coord.close()
    _print(result, layout, console)
    return result


__all__ = ["DemoSummary", "run_demo"]
