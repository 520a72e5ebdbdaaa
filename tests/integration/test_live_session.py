"""A long live session on the live code path (``quorum run``), stopped, crashed and resumed.

1. Accelerated, in process: a simulator home, a model trained and promoted as the demo does, then
   what ``quorum run`` does (``catch_up``, a :class:`StoreMarketView` over the Parquet store,
   ``build_coordinator(replay=False, async_views=True)``, :class:`LiveScheduler`) on a
   :class:`FixedClock`. The scheduler's own jobs are fired at their own triggers' fire times (bar
   close plus grace, daily operations at 00:05 UTC) as the clock moves, over 121 one-minute bars
   crossing midnight, with a clean stop (SIGTERM's path) and a crash (killed inside a bar's commit,
   a half-written view left behind), each followed by downtime and a restart.
2. Real processes (slow: it waits for real minute closes): ``python -m tradequorum.cli.main run``
   on a fresh simulator home, SIGTERM after the first scheduled bar, a bar closes while it is
   down, restart (catch-up), SIGINT after the next scheduled bar.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from tradequorum.cli.main import app
from tradequorum.config.settings import CONFIG_FILE, load_home_settings
from tradequorum.coordinator.demo import DEMO_LOOKBACK_BARS
from tradequorum.coordinator.explain import explain
from tradequorum.coordinator.logging_setup import ROOT as LOG_ROOT
from tradequorum.coordinator.logging_setup import configure_logging
from tradequorum.coordinator.runner import RunResult
from tradequorum.coordinator.scheduler import LiveClock, LiveScheduler, catch_up, last_closed_bar
from tradequorum.coordinator.wiring import build_coordinator
from tradequorum.core.clock import FixedClock
from tradequorum.data.feeds import SimulatorFeed
from tradequorum.data.store import ParquetStore
from tradequorum.data.views import StoreMarketView
from tradequorum.state.journal import Journal
from tradequorum.state.json_store import read_json
from tradequorum.state.layout import HomeLayout

SYMBOL = "BTC/USDT"
STEP = pd.Timedelta(minutes=1)
START = pd.Timestamp("2026-01-06 23:20:00", tz="UTC")  # a Tuesday: no weekly training in range
TRAIN_BARS = 3000
DROPPED = (
    pd.Timestamp("2026-01-07 00:10:02", tz="UTC"),
    pd.Timestamp("2026-01-07 00:11:02", tz="UTC"),
)
LATE = pd.Timestamp("2026-01-07 01:05:02", tz="UTC")
DAILY_OPS_FILES = (
    "state/system/health_check.json",
    "state/risk/daily_risk.json",
    "state/data/market_context.json",
    "state/signals/smc_daily_structure.json",
    "state/system/realtime_init.json",
)


def _t(hhmm: str, day: int = 7) -> pd.Timestamp:
    return pd.Timestamp(f"2026-01-{day:02d} {hhmm}", tz="UTC")


def _write_home(home: Path, **over: Any) -> None:
    cfg: dict[str, Any] = {
        "symbols": [SYMBOL],
        "timeframe": "1m",
        "data": {"source": "simulator", "lookback_bars": DEMO_LOOKBACK_BARS},
        "execution": {"mode": "auto"},
        "notify": {"console": False},
    }
    cfg.update(over)
    home.mkdir(parents=True, exist_ok=True)
    (home / CONFIG_FILE).write_text(yaml.safe_dump(cfg))


class _Killed(BaseException):
    """Stands for SIGKILL: nothing after the point where it is raised runs."""


class _Errors(logging.Handler):
    def __init__(self, level: int = logging.ERROR) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Run:
    """One ``quorum run`` process, accelerated: cli.coordinator._run on a FixedClock, the
    LiveScheduler's own jobs fired at their triggers' fire times as the clock moves."""

    home: Path
    clock: FixedClock
    caught_up: int = 0
    fired: list[tuple[str, pd.Timestamp]] = field(default_factory=list)
    results: dict[str, RunResult | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        settings = load_home_settings(self.home)
        layout = HomeLayout(settings.home_path)
        self.caught_up = catch_up(settings, self.clock.now())
        clock = LiveClock(self.clock)
        market = StoreMarketView(ParquetStore(layout.store), clock,
                                 lookback=settings.data.lookback_bars,
                                 base_timeframe=settings.timeframe)  # fmt: skip
        self.coord = build_coordinator(
            settings, market=market, clock=clock, replay=False, async_views=True
        )
        self.live = LiveScheduler(self.coord, clock)
        self.live.add_jobs()
        self.jobs = {j.id: j for j in self.live.scheduler.get_jobs()}
        self._last: dict[str, dt.datetime] = {}

    def _next(self) -> tuple[dt.datetime, str]:
        now = self.clock.now().to_pydatetime()
        fires = [
            (j.trigger.get_next_fire_time(self._last.get(k), now), k) for k, j in self.jobs.items()
        ]
        return min((t, k) for t, k in fires if t is not None)

    def run_until(self, end: pd.Timestamp, *, drop: tuple[pd.Timestamp, ...] = ()) -> None:
        """Fire every job due up to ``end`` in time order, the clock at each fire time; the
        runs at ``drop`` are lost as APScheduler loses them (a run still going at the next fire
        time under max_instances=1, e.g. behind the weekly training; later than the misfire
        grace; the process suspended)."""
        while True:
            when, job_id = self._next()
            ts = pd.Timestamp(when).tz_convert("UTC")
            if ts > end:
                break
            self.clock.set(ts)
            self._last[job_id] = when
            if ts in drop:
                continue
            self.fired.append((job_id, ts))
            self.jobs[job_id].func()
            self.results[job_id] = self.coord.last_run
        self.clock.set(end)

    def stop(self) -> None:
        """SIGTERM: run_until_stopped stops the scheduler, then _run closes the coordinator."""
        self.live.stop()
        self.coord.close()

    def crash_in_next_commit(self, home: Path) -> pd.Timestamp:
        """Killed inside the next bar's journal transaction (after the feed stored the bar);
        a view being written at that moment is left half-written. Returns the lost bar."""

        def killed(*args: object, **kw: object) -> None:
            raise _Killed

        self.coord.journal.set_progress = killed  # type: ignore[method-assign]
        with pytest.raises(_Killed):
            self.run_until(self.clock.now() + STEP)
        lost = self.fired[-1][1].floor(STEP) - STEP
        (home / "state" / ".decision_log.json.k1ll3d.tmp").write_text('{"decisions": [{"dec')
        # in process the views thread cannot die with us: let its (atomic) write land first
        self.coord._views.drain()
        self.coord.journal.close()
        return lost


@dataclass
class Session:
    home: Path
    runs: list[Run]
    progress_at_stop: list[pd.Timestamp]
    lost_bar: pd.Timestamp
    errors: list[logging.LogRecord]


def _prepare(home: Path, clock: FixedClock) -> None:
    """A simulator history before the session and a promoted model (the demo's training)."""
    from tradequorum.coordinator.demo import _train

    settings = load_home_settings(home)
    layout = HomeLayout(settings.home_path)
    layout.create()
    store = ParquetStore(layout.store)
    feed = SimulatorFeed(store, clock, seed=settings.data.simulator_seed, history_bars=TRAIN_BARS)
    feed.update(SYMBOL, "1m")
    _train(settings, layout, store.read(SYMBOL, "1m"), Console(file=io.StringIO()))


def _progress(home: Path) -> pd.Timestamp:
    with Journal(home / "state" / "journal.sqlite") as j:
        done = j.progress(SYMBOL, "1m")
    assert done is not None
    return done


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Any:
    home = tmp_path_factory.mktemp("live") / "home"
    _write_home(home)
    clock = FixedClock(START)
    _prepare(home, clock)
    root = logging.getLogger(LOG_ROOT)
    level = root.level
    configure_logging(home / "logs", console=False)  # as _run does
    errors = _Errors()
    root.addHandler(errors)
    try:
        first = Run(home, clock)
        # bars 23:19 .. 00:19, daily operations at 00:05; the runs for 00:09 and 00:10 lost
        first.run_until(_t("00:20:30"), drop=DROPPED)
        first.stop()
        stops = [_progress(home)]
        clock.set(_t("00:26:10"))  # down while bars 00:20 .. 00:25 closed
        second = Run(home, clock)
        second.run_until(_t("00:50:30"))  # bars 00:26 .. 00:49
        stops.append(_progress(home))
        lost = second.crash_in_next_commit(home)  # bar 00:50, stored but never committed
        clock.set(_t("00:54:30"))  # down while 00:51 .. 00:53 closed
        third = Run(home, clock)
        feed_update = SimulatorFeed.update

        def late(feed: SimulatorFeed, symbol: str, timeframe: str) -> int:
            if clock.now() == LATE:
                return 0  # the source has not published bar 01:04 yet at its run
            return feed_update(feed, symbol, timeframe)

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(SimulatorFeed, "update", late)
            third.run_until(_t("01:20:30"))  # bars 00:54 .. 01:19
        third.stop()
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
            h.close()
        root.setLevel(level)
    yield Session(home, [first, second, third], stops, lost, errors.records)


def _decisions(home: Path) -> list[dict[str, Any]]:
    with Journal(home / "state" / "journal.sqlite") as j:
        return j.decisions()


def test_live_session_one_decision_per_bar_none_missing_none_twice(session: Session) -> None:
    bars = [d["bar"] for d in _decisions(session.home)]
    expected = pd.date_range(_t("23:19", day=6), _t("01:19"), freq="1min")
    assert len(bars) == len(set(bars)), "a bar decided twice"
    assert bars == [ts.isoformat() for ts in expected], "bars missing over the session"
    assert not session.errors, [r.getMessage() for r in session.errors]


def test_live_session_restarts_continue_from_the_last_completed_bar(session: Session) -> None:
    first, second, third = session.runs
    assert first.caught_up == 0  # fresh home: live from the next bar
    assert second.caught_up == 6  # after the clean stop: the bars closed while it was down
    assert session.lost_bar == _t("00:50")  # the crash lost this bar's commit ...
    assert third.caught_up == 4  # ... it is caught up with the three closed while down
    for stop, run in zip(session.progress_at_stop, (second, third), strict=True):
        # catch-up covers every bar up to the one the first scheduled job decides live
        _kind, when = next(f for f in run.fired if f[0] == "realtime_signal_generation")
        assert last_closed_bar(when, "1m") == stop + (run.caught_up + 1) * STEP
    assert _progress(session.home) == _t("01:19")


def test_live_session_each_decision_made_after_its_bar_closed(session: Session) -> None:
    con = sqlite3.connect(session.home / "state" / "journal.sqlite")
    try:
        rows = con.execute("SELECT bar, created_at FROM decisions").fetchall()
    finally:
        con.close()
    lags = {pd.Timestamp(at) - pd.Timestamp(bar) - STEP for bar, at in rows}
    # live at close + grace; caught up (replayed after a stop or a crash) at the bar's close
    assert lags == {pd.Timedelta(seconds=2), pd.Timedelta(0)}


def test_live_session_every_decision_re_derives_identically(session: Session) -> None:
    with Journal(session.home / "state" / "journal.sqlite") as j:
        ids = j.decision_ids()
        assert len(ids) == 121
        assert [d for d in ids if not explain(j, d).identical] == []


def test_live_session_is_realistic_model_votes_and_orders(session: Session) -> None:
    recs = _decisions(session.home)
    assert {r["model_version"] for r in recs} != {None}, "the promoted model was never used"
    trades = [r for r in recs if r["order"]]
    assert trades, "no order in 121 bars: the session did not exercise execution"


def test_live_session_no_client_order_id_sent_twice(session: Session) -> None:
    with Journal(session.home / "state" / "journal.sqlite") as j:
        orders, fills = j.orders(), j.fills()
    ids = [o["client_order_id"] for o in orders]
    assert orders and len(ids) == len(set(ids))
    assert all(o["sent_count"] <= 1 for o in orders)
    assert len({f["client_order_id"] for f in fills}) == len(fills)


def test_live_session_every_state_file_parses(session: Session) -> None:
    files = sorted(session.home.rglob("*.json"))
    assert len(files) > 10
    for f in files:
        read_json(f)  # StateCorrupted if not
    assert (session.home / "state" / ".decision_log.json.k1ll3d.tmp").exists()


def test_live_session_bars_of_lost_runs_decided_by_the_next_run(session: Session) -> None:
    fired = [ts for k, ts in session.runs[0].fired if k == "realtime_signal_generation"]
    assert not set(DROPPED) & set(fired) and _t("00:12:02") in fired
    # the run at 00:12:02 decides 00:09 and 00:10 as of their closes, then 00:11 live
    assert _decided_at(session.home, _t("00:09"), _t("00:11")) == [
        (_t("00:09").isoformat(), _t("00:10").isoformat()),
        (_t("00:10").isoformat(), _t("00:11").isoformat()),
        (_t("00:11").isoformat(), _t("00:12:02").isoformat()),
    ]


def _decided_at(home: Path, first: pd.Timestamp, last: pd.Timestamp) -> list[tuple[str, str]]:
    con = sqlite3.connect(home / "state" / "journal.sqlite")
    try:
        rows = con.execute(
            "SELECT bar, created_at FROM decisions WHERE bar BETWEEN ? AND ? ORDER BY bar",
            (first.isoformat(), last.isoformat()),
        ).fetchall()
    finally:
        con.close()
    return [(str(b), str(a)) for b, a in rows]


def test_live_session_bar_published_late_decided_by_the_next_run(session: Session) -> None:
    # at 01:05:02 the bar 01:04 is not there yet: the run at 01:06:02 decides it as of its close
    assert _decided_at(session.home, _t("01:04"), _t("01:05")) == [
        (_t("01:04").isoformat(), _t("01:05").isoformat()),
        (_t("01:05").isoformat(), _t("01:06:02").isoformat()),
    ]


def test_live_session_daily_operations_ran_at_00_05_and_wrote_state(session: Session) -> None:
    first = session.runs[0]
    assert ("daily_operations", _t("00:05:00")) in first.fired
    assert [k for k, _ in session.runs[1].fired + session.runs[2].fired].count(
        "daily_operations"
    ) == 0
    run = first.results["daily_operations"]
    assert run is not None and run.status == "completed"
    assert [s.status for s in run.steps] == ["completed"] * 5
    for rel in DAILY_OPS_FILES:
        assert isinstance(read_json(session.home / rel), dict), rel


def test_live_session_scheduled_at_close_plus_grace(session: Session) -> None:
    for run in session.runs:
        times = [ts for k, ts in run.fired if k == "realtime_signal_generation"]
        assert times and all(ts.second == 2 for ts in times)  # schedule.bar_close_grace_s = 2


def test_live_session_quorum_status_shows_it(session: Session) -> None:
    res = CliRunner().invoke(app, ["status", "--home", str(session.home)])
    assert res.exit_code == 0, res.output
    assert "ACTIVE" in res.output and "decisions 121" in res.output
    assert f"{SYMBOL}: last completed bar {_t('01:19').isoformat()}" in res.output
    assert "left undecided by earlier runs" in res.output  # the operational log's warnings


class _StopAfter(threading.Event):
    """A stop event set (by SIGINT/SIGTERM) while the n-th caught-up bar is being decided."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n, self.bars = n, 0

    def is_set(self) -> bool:
        self.bars += 1
        return self.bars >= self.n


def test_catch_up_stopped_by_a_signal_resumes_where_it_stopped(
    session: Session, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(session.home, home)
    settings = load_home_settings(home)
    now = _t("01:30:10")  # down since 01:20:30: bars 01:20 .. 01:29 closed
    assert catch_up(settings, now, _StopAfter(3)) == 3
    assert _progress(home) == _t("01:22")
    for f in home.rglob("*.json"):
        read_json(f)
    assert catch_up(settings, now) == 7
    bars = [d["bar"] for d in _decisions(home)]
    expected = pd.date_range(_t("23:19", day=6), _t("01:29"), freq="1min")
    assert bars == [ts.isoformat() for ts in expected]


def test_weekly_training_job_on_the_live_path_reaches_an_evaluable_gate(tmp_path: Path) -> None:
    home = tmp_path / "home"
    # the trainer sees the live view's look-back only (1,000 bars leave 1 row after warm-up)
    _write_home(home, data={"source": "simulator", "lookback_bars": 3000},
                execution={"mode": "signal_only"}, schedule={"training_cron": "0 0 * * 3"})  # fmt: skip
    clock = FixedClock(_t("23:58:30", day=6))
    layout = HomeLayout(home)
    layout.create()
    SimulatorFeed(ParquetStore(layout.store), clock, seed=7, history_bars=3000).update(SYMBOL, "1m")
    run = Run(home, clock)
    warnings = _Errors(logging.WARNING)
    logging.getLogger(LOG_ROOT).addHandler(warnings)
    try:
        run.run_until(_t("00:00:30"))  # Wednesday 00:00: the weekly training fires
    finally:
        logging.getLogger(LOG_ROOT).removeHandler(warnings)
        run.stop()
    assert ("model_training_cycle", _t("00:00:00")) in run.fired
    result = run.results["model_training_cycle"]
    assert result is not None
    assert [s.status for s in result.steps[:4]] == ["completed"] * 4, result.steps
    unevaluable = [
        r.getMessage() for r in warnings.records if "could not be evaluated" in r.getMessage()
    ]
    assert unevaluable == []
    # every step's declared output is on disk and parses (the agents own them live)
    for step in ("data/training_data", "features/training_features", "features/training_run",
                 "risk/model_risk_assessment"):  # fmt: skip
        assert isinstance(read_json(layout.state / f"{step}.json"), dict), step
    run_file = read_json(layout.state / "features" / "training_run.json")
    assert isinstance(run_file["validation"]["passed"], bool)


# -- 2. real processes -------------------------------------------------------------------------
REPO = Path(__file__).resolve().parents[2]


def _spawn(home: Path, log: Path) -> subprocess.Popen[bytes]:
    """``quorum run --home H`` ([project.scripts] quorum = tradequorum.cli.main:main)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tradequorum.cli.main", "run", "--home", str(home)],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _decided(home: Path) -> list[str]:
    """Decided bars, read-only, while the process may be writing."""
    path = home / "state" / "journal.sqlite"
    if not path.exists():
        return []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return [str(r[0]) for r in con.execute("SELECT bar FROM decisions ORDER BY bar")]
    except sqlite3.OperationalError:
        return []  # the schema is being created
    finally:
        con.close()


def _wait(what: str, cond: Any, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if proc.poll() is not None:
            pytest.fail(
                f"quorum run exited ({proc.returncode}) waiting for {what}:\n{log.read_text()}"
            )
        if time.monotonic() > end:
            proc.kill()
            proc.wait()
            pytest.fail(f"timed out waiting for {what}:\n{log.read_text()}")
        time.sleep(0.5)


def _stop(proc: subprocess.Popen[bytes], sig: signal.Signals, log: Path) -> str:
    proc.send_signal(sig)
    try:
        rc = proc.wait(timeout=90)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"quorum run did not stop on {sig.name}:\n{log.read_text()}")
    text = log.read_text()
    assert rc == 0, text
    assert "stopped cleanly" in text and "Traceback" not in text, text
    return text


@pytest.mark.slow
def test_quorum_run_process_stops_on_signals_and_resumes_without_gap(tmp_path: Path) -> None:
    home = tmp_path / "home"
    # a fresh simulator home without a model: the DESIGN's degraded mode (ML missing: no_trade)
    _write_home(home, data={"source": "simulator", "lookback_bars": 300},
                execution={"mode": "signal_only"})  # fmt: skip
    grace = load_home_settings(home).schedule.bar_close_grace_s
    log1, log2 = tmp_path / "run1.log", tmp_path / "run2.log"
    first = _spawn(home, log1)
    _wait("a scheduled bar", lambda: len(_decided(home)) >= 1, first, log1, 150)
    _stop(first, signal.SIGTERM, log1)
    before = _decided(home)
    last = pd.Timestamp(before[-1])
    # stay down until the next bar has closed and its scheduled run has passed
    resume = last + 2 * STEP + pd.Timedelta(seconds=grace + 1)
    time.sleep(max(0.0, (resume - pd.Timestamp.now(tz="UTC")).total_seconds()))
    second = _spawn(home, log2)
    _wait("start-up", lambda: "quorum run:" in log2.read_text(), second, log2, 120)
    found = re.search(r"caught up (\d+) bars", log2.read_text())
    caught = int(found.group(1)) if found else 0
    assert caught >= 1, log2.read_text()  # the bar that closed while it was down
    n = len(before) + caught + 1  # and then one scheduled live bar
    _wait("a scheduled bar after the restart", lambda: len(_decided(home)) >= n, second, log2, 150)
    _stop(second, signal.SIGINT, log2)
    bars = pd.DatetimeIndex(_decided(home))
    assert bars.is_unique and len(bars) >= n
    assert (bars[1:] - bars[:-1] == STEP).all(), "a bar missing across the restart"
    assert bars[len(before)] == last + STEP  # resumed from the last completed bar
    for f in home.rglob("*.json"):
        read_json(f)
