"""``quorum run``: APScheduler drives the real-time workflow at each bar close (plus a grace),
training weekly and daily operations at the configured start of the trading day.

Start-up first catches up: every bar stored after the last completed one is replayed through the
same coordinator (a crash loses nothing and repeats nothing), then the scheduler takes over.
SIGINT/SIGTERM set a stop event; the scheduler finishes the running job and the journal closes.

A run APScheduler loses (one still going at the next fire time, e.g. behind the weekly training;
one later than the misfire grace; the process suspended) or one that found its bar not yet in
the store leaves bars undecided: the next bar job decides them first, each with the
:class:`LiveClock` pinned to that bar's close, so the market view and the agents see the store
as of then (as a replay would).
"""

from __future__ import annotations

import logging
import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from tradequorum.core.clock import Clock
from tradequorum.core.errors import ConfigError
from tradequorum.core.timeframes import timeframe_delta, timeframe_seconds

logger = logging.getLogger(__name__)


def bar_close_trigger(timeframe: str, grace_s: float) -> CronTrigger:
    """A cron trigger firing ``grace_s`` seconds after every close of a ``timeframe`` bar (UTC)."""
    sec = timeframe_seconds(timeframe)
    grace = int(grace_s)
    if grace >= 60:
        raise ConfigError("schedule.bar_close_grace_s must be < 60 s")
    # cron counts minutes within the hour and hours within the day, bars are aligned on the epoch:
    # the two agree only for bars dividing an hour or a day (a "7m" cron fired at :56 and :00)
    if sec == 86400:
        return CronTrigger(hour=0, minute=0, second=grace, timezone="UTC")
    if sec % 3600 == 0 and 86400 % sec == 0:
        return CronTrigger(hour=f"*/{sec // 3600}", minute=0, second=grace, timezone="UTC")
    if sec % 60 == 0 and 3600 % sec == 0:
        return CronTrigger(minute=f"*/{sec // 60}", second=grace, timezone="UTC")
    raise ConfigError(
        f"timeframe {timeframe} is not schedulable: its bars must divide an hour or a day"
    )


def last_closed_bar(now: pd.Timestamp, timeframe: str) -> pd.Timestamp:
    """Open time of the newest bar whose close is at or before ``now``."""
    step = timeframe_delta(timeframe)
    return (now.tz_convert("UTC").floor(step)) - step


_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def crontab_trigger(expr: str) -> CronTrigger:
    """A standard five-field crontab line (UTC) as an APScheduler trigger.

    APScheduler 3 numbers the days of the week from Monday = 0, cron from Sunday = 0 (7 too): a
    numeric day is translated to its name first, so ``0 2 * * 0`` runs on Sunday as in cron, not
    on Monday, and ``*/2`` means Sunday, Tuesday, Thursday, Saturday as in cron.
    """
    fields = expr.split()
    if len(fields) != 5:
        raise ConfigError(f"cron expression {expr!r} must have 5 fields")

    def day(m: re.Match[str]) -> str:
        if int(m.group()) > 7:
            raise ConfigError(f"cron expression {expr!r}: day of week {m.group()} is not 0-7")
        return _CRON_DAYS[int(m.group()) % 7]

    every = re.sub(r"\*/(\d+)", lambda m: ",".join(map(str, range(0, 7, int(m.group(1)) or 7))),
                   fields[4])  # fmt: skip
    fields[4] = re.sub(r"(?<![/\d])\d+", day, every)
    try:
        return CronTrigger.from_crontab(" ".join(fields), timezone="UTC")
    except ValueError as exc:
        raise ConfigError(f"cron expression {expr!r}: {exc}") from None


def daily_trigger(hhmm: str) -> CronTrigger:
    hour, _, minute = hhmm.partition(":")
    return CronTrigger(hour=int(hour), minute=int(minute or 0), timezone="UTC")


class LiveClock:
    """The live clock (the wall clock, or a test's clock) that the bar job can pin to the close
    of an undecided earlier bar while it decides it. Coordinator and market view share it."""

    def __init__(self, inner: Clock) -> None:
        self._inner = inner
        self._pinned: pd.Timestamp | None = None

    def now(self) -> pd.Timestamp:
        pinned = self._pinned
        return pinned if pinned is not None else self._inner.now()

    @contextmanager
    def pinned(self, ts: pd.Timestamp) -> Iterator[None]:
        self._pinned = ts
        try:
            yield
        finally:
            self._pinned = None


class LiveScheduler:
    """Owns the APScheduler jobs; ``coordinator`` is a :class:`Coordinator` on a live clock."""

    def __init__(self, coordinator: Any, clock: Clock) -> None:
        self.coordinator = coordinator
        self.clock = clock
        self.scheduler = BackgroundScheduler(timezone="UTC")
        self._lock = threading.Lock()  # one workflow at a time over the shared journal

    def _guard(self, name: str, fn: Callable[[], object]) -> Callable[[], None]:
        def job() -> None:
            with self._lock:
                try:
                    fn()
                except Exception:
                    logger.exception("scheduled job %s failed", name)

        return job

    def bar_job(self) -> None:
        """Pull the bar that just closed, decide the bars earlier runs left undecided (with a
        :class:`LiveClock`), then the new one."""
        c = self.coordinator
        bar = last_closed_bar(self.clock.now(), c.settings.timeframe)
        c.refresh_data()
        if isinstance(self.clock, LiveClock):
            step = timeframe_delta(c.settings.timeframe)
            for missed in self.undecided(bar):
                with self.clock.pinned(missed + step):
                    c.run_bar(missed)
        c.run_bar(bar)

    def undecided(self, bar: pd.Timestamp) -> pd.DatetimeIndex:
        """Bars after the last completed one and before ``bar`` (at most ``lookback_bars``)."""
        c = self.coordinator
        step = timeframe_delta(c.settings.timeframe)
        done = [c.completed_bar(s) for s in c.settings.symbols]
        known = [d for d in done if d is not None]
        if not known:
            return pd.DatetimeIndex([], tz="UTC")
        start = max(min(known) + step, bar - step * c.settings.data.lookback_bars)
        missed = pd.date_range(start, bar - step, freq=step)
        if len(missed):
            logger.warning("%d bars left undecided by earlier runs: deciding them now", len(missed))
        return missed

    def add_jobs(self) -> None:
        """Register the three jobs (without starting; an accelerated test fires them itself)."""
        c = self.coordinator
        s = c.settings.schedule
        self.scheduler.add_job(
            self._guard("realtime", self.bar_job),
            bar_close_trigger(c.settings.timeframe, s.bar_close_grace_s),
            id="realtime_signal_generation",
            max_instances=1,
            coalesce=True,
        )
        self.scheduler.add_job(
            self._guard("training", lambda: c.run_workflow("model_training_cycle")),
            crontab_trigger(s.training_cron),
            id="model_training_cycle",
        )
        self.scheduler.add_job(
            self._guard("daily", lambda: c.run_workflow("daily_operations")),
            daily_trigger(s.daily_ops_utc),
            id="daily_operations",
        )

    def start(self) -> None:
        self.add_jobs()
        self.scheduler.start()
        logger.info("scheduler started: %s", [j.id for j in self.scheduler.get_jobs()])

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        logger.info("scheduler stopped")


def pull_missed_bars(settings: Any, now: pd.Timestamp) -> int:
    """Bring the store up to ``now`` from ``data.source`` (the bars that closed while stopped).

    A source that cannot deliver is logged and the stored bars are caught up as they are.
    Returns the number of bars added.
    """
    from tradequorum.core.clock import FixedClock
    from tradequorum.core.errors import TradeQuorumError
    from tradequorum.data.feeds import feed_from_settings
    from tradequorum.data.store import ParquetStore
    from tradequorum.state.layout import HomeLayout

    layout = HomeLayout(settings.home_path)
    feed = feed_from_settings(settings, ParquetStore(layout.store), layout.quarantine,
                              FixedClock(now))  # fmt: skip
    added = 0
    for sym in settings.symbols:
        try:
            added += feed.update(sym, settings.timeframe)
        except TradeQuorumError as exc:  # DataUnavailable, DataError
            logger.warning(
                "catch-up: cannot pull the bars of %s missed while stopped: %s", sym, exc
            )
    return added


class _Stopped(Exception):
    """A stop was requested during catch-up (between two committed bars)."""


def catch_up(settings: Any, now: pd.Timestamp, stop: threading.Event | None = None) -> int:
    """Replay every bar after the last completed one up to the last closed bar.

    The bars that closed while stopped are first pulled from the feed into the store (else only
    the bars already stored were replayed and the downtime was skipped for good). A fresh home
    (no completed bar yet) starts live at the next bar instead of replaying the whole store.
    ``stop`` set (SIGINT/SIGTERM) ends it after the bar being decided. Returns the number of
    bars replayed.
    """
    from tradequorum.coordinator.replay import FrameMarket, replay_index, run_replay
    from tradequorum.coordinator.wiring import build_coordinator
    from tradequorum.core.clock import FixedClock
    from tradequorum.data.store import ParquetStore
    from tradequorum.state.journal import Journal
    from tradequorum.state.layout import HomeLayout

    layout = HomeLayout(settings.home_path)
    if not layout.journal.exists():
        return 0
    tf = settings.timeframe
    with Journal(layout.journal) as j:
        done = [j.progress(s, tf) for s in settings.symbols]
    known = [d for d in done if d is not None]
    if not known:
        return 0
    pull_missed_bars(settings, now)
    store = ParquetStore(layout.store)
    frames = {s: store.read(s, tf) for s in settings.symbols}
    idx = replay_index(frames, min(known) + timeframe_delta(tf), last_closed_bar(now, tf))
    if len(idx) == 0:
        return 0
    clock = FixedClock(idx[0])
    market = FrameMarket(frames, tf, clock, lookback=settings.data.lookback_bars)
    coord = build_coordinator(settings, market=market, clock=clock, replay=True)
    done_bars = 0

    def after_bar(_: pd.Timestamp) -> None:
        nonlocal done_bars
        done_bars += 1
        if stop is not None and stop.is_set():
            raise _Stopped

    try:
        run_replay(coord, clock, idx, on_bar=after_bar)
    except _Stopped:
        coord.write_views()
        logger.info("catch-up stopped by a signal after %d bars", done_bars)
    finally:
        coord.close()
    logger.info("caught up %d bars after a stop", done_bars)
    return done_bars


def install_stop_handlers(stop: threading.Event) -> None:
    """SIGINT and SIGTERM set ``stop`` (only the main thread can install handlers)."""

    def handler(signum: int, frame: object) -> None:
        logger.info("signal %s received: stopping", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)


def run_until_stopped(live: LiveScheduler, stop: threading.Event | None = None) -> None:
    """Start, wait for SIGINT/SIGTERM (or ``stop``), then stop cleanly."""
    stop = stop or threading.Event()
    install_stop_handlers(stop)
    live.start()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        live.stop()


__all__ = [
    "LiveClock",
    "LiveScheduler",
    "bar_close_trigger",
    "catch_up",
    "crontab_trigger",
    "daily_trigger",
    "install_stop_handlers",
    "last_closed_bar",
    "pull_missed_bars",
    "run_until_stopped",
]
