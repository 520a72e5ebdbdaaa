from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import make_bars
from tests.unit.coordinator.conftest import build
from tradequorum.coordinator.explain import explain
from tradequorum.coordinator.replay import replay_index, run_replay
from tradequorum.core.errors import StateCorrupted
from tradequorum.state.journal import Journal

BARS = make_bars(200, seed=3)


def _replay(home: Path, n: int = 120, **kw: object) -> object:
    coord, clock, _ = build(home, BARS, **kw)
    run_replay(
        coord, clock, replay_index({"BTC/USDT": BARS}, BARS.index[40], BARS.index[40 + n - 1])
    )
    return coord


def test_explain_every_decision_rederives_identically(tmp_path: Path) -> None:
    coord = _replay(tmp_path)
    ids = coord.journal.decision_ids()  # type: ignore[attr-defined]
    entered = 0
    for did in ids:
        exp = explain(coord.journal, did)  # type: ignore[attr-defined]
        assert exp.identical, exp.differences
        entered += exp.decision.action in {"enter_long", "enter_short"}
    assert entered > 0


def test_explain_tampered_record_shows_difference(tmp_path: Path) -> None:
    coord = _replay(tmp_path)
    j: Journal = coord.journal  # type: ignore[attr-defined]
    rec = next(
        d
        for d in j.decisions()
        if d["decision"]["action"] == "enter_long" or d["decision"]["action"] == "enter_short"
    )
    rec["consensus"]["tier"] = "D"
    j._db.execute("UPDATE decisions SET record=? WHERE id=?", (json.dumps(rec), rec["decision_id"]))
    exp = explain(j, rec["decision_id"])
    assert not exp.identical
    assert any(d.startswith("consensus.tier") for d in exp.differences)
    assert any(d.startswith("decision:") for d in exp.differences)


def test_decision_record_carries_provenance(tmp_path: Path) -> None:
    coord = _replay(tmp_path, n=30)
    rec = coord.journal.decisions()[-1]  # type: ignore[attr-defined]
    assert rec["input_fingerprint"] and len(rec["input_fingerprint"]) == 16
    assert rec["config_hash"] == coord.settings.config_hash()  # type: ignore[attr-defined]
    assert set(rec["votes"]) == {"smc_signals", "ml_signals", "microstructure_signals"}
    assert rec["feature_vector"] == {"ret_1": pytest.approx(rec["feature_vector"]["ret_1"])}
    assert rec["consensus"]["tier"] in {"A", "B", "C", "D"}
    assert rec["decision_id"].startswith("DEC-")


def test_restart_resumes_after_last_completed_bar_without_duplicates(tmp_path: Path) -> None:
    coord = _replay(tmp_path, n=30)
    coord.close()  # type: ignore[attr-defined]
    coord2, clock, _ = build(tmp_path, BARS)
    summary = run_replay(
        coord2, clock, replay_index({"BTC/USDT": BARS}, BARS.index[40], BARS.index[99])
    )
    assert summary.skipped == 30 and summary.bars == 30
    bars = [d["bar"] for d in coord2.journal.decisions()]
    assert len(bars) == len(set(bars)) == 60
    ids = coord2.journal.decision_ids()
    assert len(set(ids)) == 60


def test_hand_edited_coordinator_state_is_reported(tmp_path: Path) -> None:
    coord = _replay(tmp_path, n=10)
    coord.close()  # type: ignore[attr-defined]
    path = tmp_path / "state" / "system" / "coordinator_state.json"
    data = json.loads(path.read_text())
    data["trading_state"] = "ACTIVE" if data["trading_state"] != "ACTIVE" else "HALTED"
    path.write_text(json.dumps(data))
    with pytest.raises(StateCorrupted, match="modified outside"):
        build(tmp_path, BARS)


def test_corrupt_coordinator_state_is_reported(tmp_path: Path) -> None:
    coord = _replay(tmp_path, n=10)
    coord.close()  # type: ignore[attr-defined]
    path = tmp_path / "state" / "system" / "coordinator_state.json"
    path.write_text(path.read_text()[:40])
    with pytest.raises(StateCorrupted, match="not valid JSON"):
        build(tmp_path, BARS)


def test_corrupt_journal_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "state" / "journal.sqlite"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StateCorrupted, match="journal"):
        Journal(path)


def test_state_files_parse_after_replay(tmp_path: Path) -> None:
    _replay(tmp_path, n=20)
    files = list((tmp_path / "state").rglob("*.json"))
    assert len(files) >= 8
    for f in files:
        json.loads(f.read_text())


def test_confirm_mode_waits_for_confirmation_then_sends(tmp_path: Path) -> None:
    coord = _replay(tmp_path, n=120, execution={"mode": "confirm", "confirm_expiry_s": 1e6})
    j: Journal = coord.journal  # type: ignore[attr-defined]
    waiting = j.orders(status="awaiting_confirmation")
    assert waiting and j.count("fills") == 0
    assert j.answer(waiting[0]["decision_id"], confirm=True) == "confirmed"
    assert j.answer(waiting[1]["decision_id"], confirm=False) == "rejected"
    clock = coord.clock  # type: ignore[attr-defined]
    nxt = BARS.index[160]
    clock.set(nxt + pd.Timedelta(minutes=1))
    coord.run_bar(nxt)  # type: ignore[attr-defined]
    assert j.orders(status="submitted")[0]["client_order_id"] == waiting[0]["client_order_id"]
    assert j.orders(status="rejected")[0]["decision_id"] == waiting[1]["decision_id"]


def test_async_views_are_written_by_close(tmp_path: Path) -> None:
    coord = _replay(tmp_path, n=15, views_every=1, async_views=True)
    coord.close()  # type: ignore[attr-defined]
    state = json.loads((tmp_path / "state" / "system" / "coordinator_state.json").read_text())
    assert state["decisions"] == 15
    log = json.loads((tmp_path / "state" / "decisions" / "decision_log.json").read_text())
    assert log["count"] == 15


def test_risk_kill_switch_halts_standing_state_and_blocks_entries(tmp_path: Path) -> None:
    from tradequorum.notify import NotificationType

    coord, clock, notifier = build(tmp_path, BARS)
    run_replay(coord, clock, replay_index({"BTC/USDT": BARS}, BARS.index[40], BARS.index[60]))
    risk = tmp_path / "state" / "risk" / "risk_state.json"
    risk.parent.mkdir(parents=True, exist_ok=True)
    risk.write_text(
        json.dumps({"trading_state": "HALTED", "kill_switch": {"reason": "drawdown 15%"}})
    )
    run_replay(coord, clock, replay_index({"BTC/USDT": BARS}, BARS.index[61], BARS.index[159]))
    after = [d for d in coord.journal.decisions() if pd.Timestamp(d["bar"]) > BARS.index[61]]
    assert after and all(d["decision"]["action"] == "no_trade" for d in after)
    assert all(d["trading_state"] == "HALTED" for d in after)
    assert coord.standing_state.value == "HALTED"
    assert any(m.type is NotificationType.HALT for m in notifier.messages)
    coord.close()


def test_escalation_in_consensus_is_journaled_and_notified(tmp_path: Path) -> None:
    from tradequorum.notify import NotificationType

    coord, clock, _ = build(tmp_path, BARS)
    run_replay(coord, clock, replay_index({"BTC/USDT": BARS}, BARS.index[40], BARS.index[41]))
    from tradequorum.coordinator.decisions import DecisionRecord

    rec = DecisionRecord.model_validate(coord.journal.decisions()[-1])
    esc = {
        "id": "ESC-20240101-001",
        "type": "signal_conflict",
        "reason": "close call",
        "options": ["no_trade"],
    }
    rec.consensus = {**(rec.consensus or {}), "escalation": esc}
    with coord.journal.transaction():
        coord._escalations(rec, clock.now())
    assert coord.journal.count("escalations") == 1
    assert any(n.type is NotificationType.ESCALATION for n in coord._notes)
    coord.close()


def test_kill_switch_release_reactivates_trading(tmp_path: Path) -> None:
    coord, clock, _ = build(tmp_path, BARS)
    risk = tmp_path / "state" / "risk" / "risk_state.json"
    risk.parent.mkdir(parents=True, exist_ok=True)
    risk.write_text(json.dumps({"trading_state": "HALTED", "kill_switch": {"reason": "dd"}}))
    run_replay(coord, clock, replay_index({"BTC/USDT": BARS}, BARS.index[40], BARS.index[45]))
    assert coord.standing_state.value == "HALTED"
    risk.write_text(json.dumps({"trading_state": "ACTIVE", "kill_switch": {"latched": False}}))
    run_replay(coord, clock, replay_index({"BTC/USDT": BARS}, BARS.index[46], BARS.index[47]))
    assert coord.standing_state.value == "ACTIVE"
    coord.close()
