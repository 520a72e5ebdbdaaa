"""SIGKILL the replay at random moments (20+ times) and restart: state files always parse, the
journal never holds a duplicate or a gap, no order is sent twice, and the replay continues from
the last completed bar to the very same result as an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tests.integration.crash_worker import BARS, END, START
from tradequorum.state.journal import Journal

ROOT = Path(__file__).resolve().parents[2]
KILLS = 20


def _spawn(home: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    home.mkdir(parents=True, exist_ok=True)
    with (home.parent / f"{home.name}.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.integration.crash_worker", str(home)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _finish(proc: subprocess.Popen[bytes], home: Path) -> None:
    assert proc.wait(timeout=300) == 0, (home.parent / f"{home.name}.log").read_text()


def _check_state(home: Path) -> list[str]:
    for f in (home / "state").rglob("*.json"):
        json.loads(f.read_text())  # every state file parses at every moment
    j = Journal(home / "state" / "journal.sqlite")
    try:
        bars = [d["bar"] for d in j.decisions()]
        expected = [ts.isoformat() for ts in BARS.index[START : START + len(bars)]]
        assert bars == expected, "decisions form a gap-free, duplicate-free prefix"
        done = j.progress("BTC/USDT", "1m")
        assert (done is None and not bars) or done == pd.Timestamp(bars[-1])
        orders = j.orders()
        assert all(o["sent_count"] <= 1 for o in orders)
        assert len({o["client_order_id"] for o in orders}) == len(orders)
        fills = j.fills()
        assert len({f["client_order_id"] for f in fills}) == len(fills)
        return bars
    finally:
        j.close()


def _outcome(home: Path) -> tuple[list[tuple[str, str]], list[tuple[str, float, float]], float]:
    j = Journal(home / "state" / "journal.sqlite")
    try:
        dec = [(d["decision_id"], d["decision"]["action"]) for d in j.decisions()]
        fills = [(f["client_order_id"], f["quantity"], f["price"]) for f in j.fills()]
        equity = float(j.value("broker")["equity"])
        return dec, fills, equity
    finally:
        j.close()


def _decided(home: Path) -> int:
    """Decisions journaled so far, read-only while the worker may be writing."""
    path = home / "state" / "journal.sqlite"
    if not path.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute("SELECT COUNT(*) FROM decisions").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:  # the schema is being created
        return 0


def _kill_moment(proc: subprocess.Popen[bytes], home: Path, rng: np.random.Generator) -> None:
    """Wait for a random moment to kill: one time in four during start-up (a random 0.05-0.8 s),
    otherwise after a random 3-30 more bars plus a random fraction of a bar. Counting bars, not
    seconds, keeps the test valid however fast the replay runs (a faster replay had finished its
    range before the twentieth kill)."""
    if rng.random() < 0.25:
        time.sleep(float(rng.uniform(0.05, 0.8)))
        return
    target = _decided(home) + int(rng.integers(3, 31))
    deadline = time.monotonic() + 60
    while proc.poll() is None and _decided(home) < target and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(float(rng.uniform(0.0, 0.004)))  # land anywhere in the next bar's cycle


def test_replay_killed_twenty_times_recovers_exactly(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    _finish(_spawn(clean), clean)

    crashed = tmp_path / "crashed"
    rng = np.random.default_rng(2024)
    progress: list[int] = []
    kills = 0
    while kills < KILLS:
        proc = _spawn(crashed)
        _kill_moment(proc, crashed, rng)
        if proc.poll() is not None:
            break  # finished before we could kill it
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        kills += 1
        if (crashed / "state").exists():
            progress.append(len(_check_state(crashed)))
    assert kills == KILLS, f"the replay finished after only {kills} kills; lengthen it"
    assert progress == sorted(progress), "each restart continues from the last completed bar"
    assert progress[-1] > progress[0], "the killed runs made progress"

    _finish(_spawn(crashed), crashed)
    assert len(_check_state(crashed)) == END - START + 1
    assert _outcome(crashed) == _outcome(clean)
