from __future__ import annotations

import gc
import os
import threading
from pathlib import Path

import pandas as pd
import pytest

from tests.unit.coordinator.conftest import build
from tradequorum.coordinator.replay import one_cpu, replay_index, run_replay


def test_run_replay_fake_agents_journals_one_decision_per_bar(
    tmp_path: Path, small_bars: pd.DataFrame
) -> None:
    coord, clock, _ = build(tmp_path, small_bars)
    start = small_bars.index[40]
    summary = run_replay(coord, clock, replay_index({"BTC/USDT": small_bars}, start))
    assert summary.bars == len(small_bars) - 40
    decisions = coord.journal.decisions()
    assert len(decisions) == summary.bars
    assert len({d["bar"] for d in decisions}) == summary.bars
    actions = {d["decision"]["action"] for d in decisions}
    assert "enter_long" in actions or "enter_short" in actions
    assert coord.journal.count("fills") > 0
    coord.close()


def _decided(coord: object) -> list[tuple[str, str, float]]:
    from tradequorum.coordinator.service import Coordinator

    assert isinstance(coord, Coordinator)
    return [
        (d["bar"], d["decision"]["action"], float(d["decision"]["units"]))
        for d in coord.journal.decisions()
    ]


def test_run_replay_pinned_or_not_decides_the_same_and_restores_affinity(
    tmp_path: Path, small_bars: pd.DataFrame
) -> None:
    start = small_bars.index[40]
    before = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    runs = []
    for pin in (True, False):
        coord, clock, _ = build(tmp_path / str(pin), small_bars)
        run_replay(coord, clock, replay_index({"BTC/USDT": small_bars}, start), pin_cpu=pin)
        runs.append(_decided(coord))
        workers = coord.protocol.pool.native_ids()
        if before is not None:  # the loop's pin is undone for this thread and the workers
            assert os.sched_getaffinity(0) == before
            assert all(os.sched_getaffinity(t) == before for t in workers)
        coord.close()
    assert runs[0] == runs[1] and len(runs[0]) == len(small_bars) - 40
    assert not gc.isenabled() or gc.get_freeze_count() == 0  # the loop's freeze is undone


@pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs the Linux affinity call and at least two CPUs",
)
def test_one_cpu_pins_this_thread_and_the_workers_then_restores() -> None:
    before = os.sched_getaffinity(0)
    seen: dict[str, set[int]] = {}
    ready, done = threading.Event(), threading.Event()

    def worker() -> None:
        ready.set()
        done.wait(5)

    t = threading.Thread(target=worker, daemon=True)
    t.start()
    ready.wait(5)
    assert t.native_id is not None
    with one_cpu(lambda: [t.native_id] if t.native_id else []):
        seen["main"] = os.sched_getaffinity(0)
        seen["worker"] = os.sched_getaffinity(t.native_id)
    assert len(seen["main"]) == 1 and seen["main"] == seen["worker"] and seen["main"] <= before
    assert os.sched_getaffinity(0) == before == os.sched_getaffinity(t.native_id)
    done.set()
