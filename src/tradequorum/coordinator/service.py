"""The coordinator: one bar cycle for every symbol, committed to the journal atomically.

``run_bar(bar)`` is the whole real-time path, used unchanged by live scheduling and replay:

1. the broker executes the previous bar's orders at this bar's open, then stops and targets;
2. for each symbol the real-time workflow runs (data, analysts in parallel, ML, consensus, risk,
   and the coordinator's own ``finalize_decision`` step, which applies
   :func:`~tradequorum.coordinator.decisions.decide`); a halted workflow still yields a
   ``no_trade`` decision for the bar;
3. one SQLite transaction records the bar's tasks, fills, decisions, orders (sent to the broker in
   ``auto`` mode), notifications, the broker's snapshot and the bar as completed. A crash before
   that commit leaves no trace of the bar, and re-running it gives the same ids and results;
4. the JSON views are rewritten and notifications delivered.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

import pandas as pd

from tradequorum.agents.base import AgentContext, MarketView, Task, TaskResult
from tradequorum.backtest.engine import EngineSettings
from tradequorum.config.settings import Settings
from tradequorum.coordinator.agent import CoordinatorAgent
from tradequorum.coordinator.decisions import DecisionRecord, order_for
from tradequorum.coordinator.failure import FailureProtocol, Sleep
from tradequorum.coordinator.registry import AgentEntry, AgentRegistry
from tradequorum.coordinator.runner import RunResult, WorkflowRunner, bar_params
from tradequorum.coordinator.views import collect_views, decision_summary, read_coordinator_state
from tradequorum.coordinator.workers import LatestWriter
from tradequorum.coordinator.workflow import WorkflowSpec, find_workflow, load_workflow
from tradequorum.core.clock import Clock
from tradequorum.core.errors import StateCorrupted
from tradequorum.core.types import TradingState
from tradequorum.execution.orders import Order, OrderStatus
from tradequorum.execution.paper import PaperBroker
from tradequorum.notify.messages import DEFAULT_PRIORITY, Notification, NotificationType
from tradequorum.notify.notifiers import Notifier, build_notifier
from tradequorum.state.journal import Journal
from tradequorum.state.json_store import read_json
from tradequorum.state.layout import HomeLayout

logger = logging.getLogger(__name__)
DECISION_WINDOW = 200


class Coordinator:
    """Owns the registry, runner, journal, broker and notifier for one home folder."""

    def __init__(
        self,
        settings: Settings,
        layout: HomeLayout,
        registry: AgentRegistry,
        market: MarketView,
        clock: Clock,
        *,
        notifier: Notifier | None = None,
        broker: PaperBroker | None = None,
        sleep: Sleep = time.sleep,
        views_every: int = 1,
        agent_state_files: bool = True,
        async_views: bool = False,
    ) -> None:
        layout.create()
        self.settings, self.layout, self.registry = settings, layout, registry
        #: the frozen settings' hash, computed once (stored with every decision)
        self.config_hash = settings.config_hash()
        self.market, self.clock = market, clock
        self.journal = Journal(layout.journal)
        self.notifier = notifier or build_notifier(
            layout.notifications,
            console=settings.notify.console,
            apprise_urls=settings.notify.apprise_urls,
            min_priority=settings.notify.min_priority,
        )
        self.protocol = FailureProtocol(settings.failure, sleep, on_unhealthy=self._unhealthy)
        self.context = AgentContext(clock, settings, layout, market, write_state=False)
        self.agent = CoordinatorAgent(self)
        if "coordinator" not in registry:
            registry.register(self.agent, inline=True)  # its own steps: no deadline hop
        # live: every in-process specialist keeps its own state files, and the runner writes the
        # outputs of the coordinator's own steps (health_check.json, market_context.json, ...)
        # and of external agents, which write none themselves; fast replay: only the model
        # trainer writes its own, the runner writes the step outputs (trade_approvals.json too)
        # at each views flush; the risk manager saves risk_state.json whatever write_state says
        owners = (
            frozenset(
                n for n in registry.names() if n != "coordinator" and not registry.get(n).external
            )
            if agent_state_files
            else frozenset({"model-trainer"})
        )
        # the views are views (the journal is the truth): fsynced live; in fast replay only
        # atomic (whole under SIGKILL), the journal's own level (WAL, synchronous=NORMAL)
        self.durable_views = agent_state_files
        self.runner = WorkflowRunner(
            registry,
            self.protocol,
            layout,
            self.context,
            new_id=self._new_id,
            on_task=self._task,
            state_owners=owners,
        )
        self.broker = broker or PaperBroker(
            settings.symbols,
            EngineSettings.from_config(settings.backtest, settings.risk),
            new_fill_id=lambda: self._new_id("FILL"),
        )
        self.views_every = max(1, views_every)
        # live: the views are written off the decision path (latest snapshot wins)
        self.async_views = async_views
        self._views = LatestWriter("views")
        self._tasks: list[tuple[dict[str, Any], pd.Timestamp]] = []
        self._notes: list[Notification] = []
        self._staged: dict[str, DecisionRecord] = {}
        self._bars_done = 0
        self.standing_state = TradingState.ACTIVE
        self.state_reason = ""
        self._restore()
        self.workflows: dict[str, WorkflowSpec] = {}
        self.last_run: RunResult | None = None

    # -- start-up ------------------------------------------------------------------------------
    def _restore(self) -> None:
        saved = read_coordinator_state(self.layout)  # StateCorrupted if not trusted
        if saved is not None:
            self.registry.restore_health(saved.agents)
        stored = self.journal.value("trading_state")
        if stored:
            self.standing_state = TradingState(stored["state"])
            self.state_reason = str(stored.get("reason", ""))
        snap = self.journal.value("broker")
        if snap is not None:
            self.broker.restore(snap)
        self.journal.set_value(
            f"config:{self.config_hash}",
            self.settings.model_dump(mode="json", exclude={"execution": {"api_key", "api_secret"}}),
        )
        self._decisions: deque[dict[str, Any]] = deque(
            (decision_summary(d) for d in self.journal.decisions(limit=DECISION_WINDOW)),
            maxlen=DECISION_WINDOW,
        )

    def workflow(self, name: str) -> WorkflowSpec:
        if name not in self.workflows:
            path = find_workflow(name, self.layout.workflows)
            self.workflows[name] = load_workflow(path, agents=self.registry.actions())
        return self.workflows[name]

    def _new_id(self, prefix: str) -> str:
        return self.journal.next_id(prefix, self.clock.now())

    # -- the bar cycle -------------------------------------------------------------------------
    def completed_bar(self, symbol: str) -> pd.Timestamp | None:
        return self.journal.progress(symbol, self.settings.timeframe)

    def run_bar(self, bar: pd.Timestamp) -> list[DecisionRecord]:
        """Run the real-time cycle for every symbol whose closed bar ``bar`` is not yet done."""
        tf = self.settings.timeframe
        todo, bars_now = [], {}
        for sym in self.settings.symbols:
            if self.journal.has_decision(sym, tf, bar):
                continue
            frame = self.market.bars(sym, tf)
            if len(frame) == 0 or frame.index[-1] != bar:
                logger.warning("no closed bar %s for %s; skipped this cycle", bar, sym)
                continue
            row = frame.iloc[-1]
            bars_now[sym] = (
                float(row["open"]),
                float(row["high"]),
                float(row["low"]),
                float(row["close"]),
            )
            todo.append(sym)
        if not todo:
            return []
        fills = self.broker.process_bar(bar.isoformat(), bars_now)
        spec = self.workflow("realtime_signal_generation")
        records = []
        for sym in todo:
            self._staged.pop(sym, None)
            params = {**bar_params(sym, tf, bar), "portfolio": self.portfolio()}
            run = self.runner.run(spec, params)
            self.last_run = run
            rec = self._staged.pop(sym, None) or self.agent.halted_decision(run, sym, bar)
            records.append(rec)
            if run.status == "halted":
                self._notify(
                    NotificationType.HALT,
                    f"workflow halted for {sym}",
                    run.halted_reason or "",
                    rec.decision_id,
                )
        self._commit(bar, records, fills)
        self._follow_risk_state()
        return records

    def refresh_data(self) -> None:
        """Live only: let the data-pipeline-manager pull the bar that just closed into the store
        (under the failure protocol) before :meth:`run_bar` looks for it."""
        if "data-pipeline-manager" not in self.registry:
            return
        entry = self.registry.get("data-pipeline-manager")
        if "ensure_latest_data" not in entry.actions:
            return
        task = Task(
            task_id=self._new_id("TASK"),
            agent=entry.name,
            action="ensure_latest_data",
            params={"symbols": list(self.settings.symbols), "timeframe": self.settings.timeframe},
            deadline_s=self.settings.failure.agent_timeout_s,
        )
        self._task(self.protocol.execute(entry, task, self.context), "")

    def portfolio(self) -> dict[str, Any]:
        return {
            "equity": self.broker.equity,
            "cash": self.broker.cash,
            "initial_equity": self.settings.backtest.initial_equity,
            "positions": self.broker.positions(),
        }

    def stage(self, record: DecisionRecord) -> None:
        """Called by the coordinator agent's ``finalize_decision``."""
        self._staged[record.symbol] = record

    # -- commit --------------------------------------------------------------------------------
    def _commit(self, bar: pd.Timestamp, records: list[DecisionRecord], fills: list[Any]) -> None:
        now = self.clock.now()
        dumped: list[dict[str, Any]] = []
        with self.journal.transaction():
            for row, at in self._tasks:
                self.journal.add_task(row, at)
            self._tasks.clear()
            for f in fills:
                self.journal.add_fill(f.model_dump(mode="json"))
                self.journal.set_order_status(f.client_order_id, "filled")
            for rec in records:
                order = order_for(rec, self.clock.now(), self.settings.execution.confirm_expiry_s)
                rec.order = order.model_dump(mode="json") if order is not None else None
                dumped.append(rec.model_dump(mode="json"))
                self.journal.add_decision(
                    decision_id=rec.decision_id,
                    bar=bar,
                    symbol=rec.symbol,
                    timeframe=rec.timeframe,
                    workflow_id=rec.workflow_id,
                    tier=rec.decision.tier,
                    action=rec.decision.action,
                    record=dumped[-1],
                    now=now,
                )
                if order is not None:
                    self._place(order, rec)
                self._escalations(rec, now)
                self.journal.set_progress(rec.symbol, rec.timeframe, bar)
            self._release_confirmed()
            for note in self._notes:
                self.journal.add_notification(
                    note.notification_id,
                    note.type.value,
                    note.priority.value,
                    note.model_dump(mode="json"),
                    now,
                )
            self.journal.set_value("broker", self.broker.snapshot())
        for row in dumped:
            self._decisions.append(decision_summary(row))
        notes, self._notes = self._notes, []
        for note in notes:
            self.notifier.send(note)
        self._bars_done += 1
        if self._bars_done % self.views_every == 0:
            if self.async_views:
                self._views.submit(collect_views(self))
            else:
                collect_views(self)()

    def _escalations(self, rec: DecisionRecord, now: pd.Timestamp) -> None:
        """Journal and notify the questions for a person raised by consensus or risk."""
        for source in (rec.consensus, rec.risk_verdict):
            esc = (source or {}).get("escalation")
            if not isinstance(esc, dict) or not esc.get("id"):
                continue
            self.journal.add_escalation(
                str(esc["id"]), str(esc.get("type", "escalation")), rec.decision_id, esc, now
            )
            self._notify(
                NotificationType.ESCALATION,
                f"{rec.symbol}: {esc.get('type')}",
                f"{esc.get('reason', '')} options: {esc.get('options', [])}",
                rec.decision_id,
                requires_action=True,
            )

    def _follow_risk_state(self) -> None:
        """Adopt the risk manager's kill switch as the standing HALTED state, and its release
        (``quorum resume --confirm``, a person's decision) as ACTIVE again."""
        path = self.layout.risk("risk_state")
        if not path.exists():
            return
        try:
            risk = read_json(path)
        except StateCorrupted:
            if self.standing_state is not TradingState.HALTED:
                self.set_trading_state(TradingState.HALTED, f"{path} is corrupt: fail closed")
            return
        halted = isinstance(risk, dict) and risk.get("trading_state") == TradingState.HALTED.value
        if halted and self.standing_state is not TradingState.HALTED:
            reason = (risk.get("kill_switch") or {}).get("reason") or "risk manager halted trading"
            self.set_trading_state(TradingState.HALTED, f"kill switch: {reason}")
        elif not halted and self.state_reason.startswith("kill switch"):
            self.set_trading_state(TradingState.ACTIVE, "kill switch released by a person")

    def _place(self, order: Order, rec: DecisionRecord) -> None:
        fresh = self.journal.add_order(order.model_dump(mode="json"), self.clock.now())
        if not fresh:
            return  # this client order id exists: never send twice
        if order.status is OrderStatus.SUBMITTED and self.broker.submit(order):
            self.journal.set_order_status(order.client_order_id, "submitted", sent=True)
        title = f"{rec.symbol} {rec.decision.action} tier {rec.decision.tier}"
        self._notify(
            NotificationType.TRADE_OPPORTUNITY,
            title,
            rec.rationale,
            rec.decision_id,
            requires_action=order.status is OrderStatus.AWAITING_CONFIRMATION,
        )

    def _release_confirmed(self) -> None:
        """Send orders a person confirmed; expire those left unanswered (inside the commit)."""
        now = self.clock.now()
        for o in self.journal.orders(status="awaiting_confirmation"):
            if o.get("expires_at") and pd.Timestamp(o["expires_at"]) < now:
                self.journal.set_order_status(o["client_order_id"], "expired")
        for o in self.journal.orders(status="confirmed"):
            payload = {k: v for k, v in o.items() if k != "sent_count"}
            order = Order.model_validate({**payload, "status": "submitted"})
            if self.broker.submit(order):
                self.journal.set_order_status(order.client_order_id, "submitted", sent=True)

    # -- notifications, tasks, health ----------------------------------------------------------
    def _notify(
        self,
        kind: NotificationType,
        title: str,
        message: str,
        decision_id: str | None = None,
        *,
        requires_action: bool = False,
    ) -> None:
        self._notes.append(
            Notification(
                notification_id=self._new_id("NOT"),
                type=kind,
                priority=DEFAULT_PRIORITY[kind],
                timestamp=self.clock.now().to_pydatetime(),
                title=title,
                message=message,
                requires_action=requires_action,
                decision_id=decision_id,
            )
        )

    def notify_now(self, kind: NotificationType, title: str, message: str) -> None:
        """Journal and send a notification outside the bar cycle (daily ops, halts, health)."""
        self._notify(kind, title, message)
        with self.journal.transaction():
            for note in self._notes:
                self.journal.add_notification(
                    note.notification_id,
                    note.type.value,
                    note.priority.value,
                    note.model_dump(mode="json"),
                    self.clock.now(),
                )
        notes, self._notes = self._notes, []
        for note in notes:
            self.notifier.send(note)

    def _task(self, result: TaskResult, workflow_id: str) -> None:
        row = result.model_dump(mode="json", exclude={"output"})
        row["workflow_id"] = workflow_id
        self._tasks.append((row, self.clock.now()))

    def _unhealthy(self, entry: AgentEntry) -> None:
        self._notify(
            NotificationType.HEALTH,
            f"agent {entry.name} unhealthy",
            f"{entry.health.consecutive_errors} consecutive errors; last: {entry.health.last_error}",
        )

    # -- standing state and views --------------------------------------------------------------
    def set_trading_state(self, state: TradingState, reason: str) -> None:
        self.standing_state, self.state_reason = state, reason
        with self.journal.transaction():
            self.journal.set_value("trading_state", {"state": state.value, "reason": reason})
        if state is TradingState.HALTED:
            self.notify_now(NotificationType.HALT, "trading HALTED", reason)
        self.write_views()

    def write_views(self) -> None:
        """Rewrite every JSON view now (synchronously)."""
        self._views.drain()
        collect_views(self)()

    def run_workflow(self, name: str, params: Mapping[str, Any] | None = None) -> RunResult:
        """Run any workflow outside the bar cycle (daily operations, training, walk-forward)."""
        run = self.runner.run(self.workflow(name), dict(params or {}))
        self.last_run = run
        with self.journal.transaction():
            for row, at in self._tasks:
                self.journal.add_task(row, at)
            self._tasks.clear()
        if run.status == "halted":
            self._notify(NotificationType.HALT, f"workflow {name} halted", run.halted_reason or "")
        if self._notes:
            self.notify_now(NotificationType.INFO, f"workflow {name} {run.status}", "")
        self.runner.writer.flush()
        self.runner.write_active(run)
        return run

    def recent_decisions(self) -> list[dict[str, Any]]:
        """The bounded window kept in ``decision_log.json`` (newest last)."""
        return list(self._decisions)

    def close(self) -> None:
        self._views.drain()
        self.journal.close()


__all__ = ["DECISION_WINDOW", "Coordinator"]
