"""The demo end to end on a fresh home (shortened replay): simulate, train, daily operations,
replay through every real agent in paper mode, summary; a second run resumes and decides nothing
twice; every decision re-derives identically from the journal."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from tradequorum.coordinator.demo import run_demo
from tradequorum.coordinator.explain import explain
from tradequorum.state.journal import Journal


def test_demo_runs_end_to_end_and_resumes(tmp_path: Path) -> None:
    console = Console(record=True, width=120)
    first = run_demo(tmp_path / "home", None, console, replay_bars=40)
    text = console.export_text()
    assert first.decisions == 40
    assert sum(first.by_tier.values()) == 40
    assert "journal" in text and "SYNTHETIC" in text and "PLANTED" in text
    # the promotion path is always stated: the gates, or the labelled override with its failures
    assert "promotion: " in text
    if first.promotion == "gates passed":
        assert "DEMO OVERRIDE" not in text
    else:
        assert first.promotion.startswith("demo override: ") and "DEMO OVERRIDE" in text
        assert "x " in text and first.promotion != "demo override: "
    again = run_demo(tmp_path / "home", None, Console(record=True), replay_bars=40)
    assert again.decisions == 40 and again.promotion.startswith("already in production")
    with Journal(tmp_path / "home" / "state" / "journal.sqlite") as j:
        ids = j.decision_ids()
        assert len(ids) == len(set(ids)) == 40
        assert all(explain(j, d).identical for d in ids)
