from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import make_bars
from tests.unit.coordinator.conftest import build
from tradequorum.cli.main import app
from tradequorum.coordinator.logging_setup import configure_logging, recent_problems
from tradequorum.coordinator.replay import replay_index, run_replay
from tradequorum.coordinator.scheduler import (
    LiveScheduler,
    bar_close_trigger,
    last_closed_bar,
    run_until_stopped,
)
from tradequorum.core.errors import ConfigError

BARS = make_bars(200, seed=3)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("home")
    coord, clock, _ = build(root, BARS, execution={"mode": "confirm", "confirm_expiry_s": 1e6})
    run_replay(coord, clock, replay_index({"BTC/USDT": BARS}, BARS.index[40], BARS.index[159]))
    coord.close()
    return root


def test_cli_status_shows_state_and_counts(home: Path) -> None:
    res = CliRunner().invoke(app, ["status", "--home", str(home)])
    assert res.exit_code == 0, res.output
    assert "ACTIVE" in res.output and "decisions 120" in res.output


def test_cli_decisions_json_lists_records(home: Path) -> None:
    res = CliRunner().invoke(app, ["decisions", "--home", str(home), "--json", "--limit", "0"])
    assert res.exit_code == 0, res.output
    recs = json.loads(res.output)
    assert len(recs) == 120 and recs[0]["decision_id"].startswith("DEC-")


def test_cli_decisions_since_filters(home: Path) -> None:
    since = BARS.index[150].isoformat()
    res = CliRunner().invoke(app, ["decisions", "--home", str(home), "--json", "--since", since])
    assert len(json.loads(res.output)) == 10


def test_cli_explain_reports_identical(home: Path) -> None:
    res = CliRunner().invoke(app, ["decisions", "--home", str(home), "--json", "--limit", "0"])
    did = json.loads(res.output)[-1]["decision_id"]
    res = CliRunner().invoke(app, ["explain", did, "--home", str(home)])
    assert res.exit_code == 0, res.output
    assert "identical" in res.output


def test_cli_confirm_then_confirm_again_is_an_error(home: Path) -> None:
    res = CliRunner().invoke(app, ["decisions", "--home", str(home), "--json", "--limit", "0"])
    entries = [r for r in json.loads(res.output) if r["order"]]
    did = entries[-1]["decision_id"]
    ok = CliRunner().invoke(app, ["confirm", did, "--home", str(home)])
    assert ok.exit_code == 0 and "confirmed" in ok.output
    again = CliRunner().invoke(app, ["reject", did, "--home", str(home)])
    assert again.exit_code != 0


def test_cli_agents_lists_design_names(home: Path) -> None:
    res = CliRunner().invoke(app, ["agents", "--home", str(home)])
    assert res.exit_code == 0, res.output
    for name in ("risk-manager", "smc-pattern-recognizer", "signal-evaluator"):
        assert name in res.output


def test_bar_close_trigger_fires_after_close_plus_grace() -> None:
    t = bar_close_trigger("5m", 2.0)
    nxt = t.get_next_fire_time(None, dt.datetime(2024, 1, 1, 0, 3, tzinfo=dt.UTC))
    assert nxt == dt.datetime(2024, 1, 1, 0, 5, 2, tzinfo=dt.UTC)
    with pytest.raises(ConfigError):
        bar_close_trigger("1m", 90)


def test_last_closed_bar_is_the_bar_before_now() -> None:
    now = pd.Timestamp("2024-01-01 00:05:02", tz="UTC")
    assert last_closed_bar(now, "1m") == pd.Timestamp("2024-01-01 00:04", tz="UTC")


def test_run_until_stopped_starts_and_stops_cleanly(tmp_path: Path) -> None:
    coord, clock, _ = build(tmp_path, BARS)
    live = LiveScheduler(coord, clock)
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    run_until_stopped(live, stop)
    assert not live.scheduler.running
    coord.close()


def test_logging_writes_rotated_file_and_recent_problems(tmp_path: Path) -> None:
    logger = configure_logging(tmp_path, json_lines=True, console=False)
    logger.getChild("x").warning("feed stale for %s", "BTC/USDT")
    problems = recent_problems(tmp_path)
    assert problems[-1]["message"] == "feed stale for BTC/USDT"
    assert (tmp_path / "quorum.jsonl").exists()
    for h in list(logger.handlers):
        logger.removeHandler(h)
        h.close()


def test_catch_up_replays_stored_bars_after_last_completed(tmp_path: Path) -> None:
    from tradequorum.coordinator.scheduler import catch_up
    from tradequorum.data.store import ParquetStore
    from tradequorum.state.journal import Journal

    coord, clock, _ = build(tmp_path, BARS)
    run_replay(coord, clock, replay_index({"BTC/USDT": BARS}, BARS.index[40], BARS.index[59]))
    settings = coord.settings
    coord.close()
    ParquetStore(tmp_path / "data" / "store").append(BARS.iloc[:80], "BTC/USDT", "1m")
    # the real agents run here: the ML agent has no model, so every caught-up bar is no_trade
    n = catch_up(settings, BARS.index[79] + pd.Timedelta(minutes=1, seconds=2))
    assert n == 20
    with Journal(tmp_path / "state" / "journal.sqlite") as j:
        assert j.progress("BTC/USDT", "1m") == BARS.index[79]
        assert len(j.decisions()) == 40


def test_bar_job_pulls_the_new_bar_then_decides(tmp_path: Path) -> None:
    from typing import ClassVar

    from tests.unit.coordinator.conftest import make_settings
    from tests.unit.coordinator.pipeline_fakes import Out, fake_agents
    from tradequorum.agents.base import Agent
    from tradequorum.coordinator.registry import AgentRegistry
    from tradequorum.coordinator.service import Coordinator
    from tradequorum.core.clock import FixedClock
    from tradequorum.notify import RecordingNotifier
    from tradequorum.state.layout import HomeLayout

    class Growing:
        n = 100

        def bars(self, symbol: str, timeframe: str) -> pd.DataFrame:
            return BARS.iloc[: self.n]

    market = Growing()

    class LiveData(Agent):
        name: ClassVar[str] = "data-pipeline-manager"
        actions: ClassVar[tuple[str, ...]] = ("ensure_latest_data",)

        def ensure_latest_data(self, task: object, ctx: object) -> Out:
            market.n = 101  # the feed delivers the bar that just closed
            return Out(new_bars=1)

    agents = [a for a in fake_agents() if a.name != "data-pipeline-manager"] + [LiveData()]
    clock = FixedClock(BARS.index[100] + pd.Timedelta(minutes=1, seconds=2))
    coord = Coordinator(make_settings(tmp_path, symbols=["BTC/USDT"]), HomeLayout(tmp_path),
                        AgentRegistry(agents), market, clock, notifier=RecordingNotifier())  # fmt: skip
    LiveScheduler(coord, clock).bar_job()
    assert coord.completed_bar("BTC/USDT") == BARS.index[100]
    assert len(coord.journal.decisions()) == 1
    coord.close()
