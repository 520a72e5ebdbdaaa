from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.unit.coordinator.conftest import build
from tradequorum.coordinator.replay import replay_index, run_replay


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
