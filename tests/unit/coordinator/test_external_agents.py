from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pandas as pd
import pytest

from tradequorum.agents.base import AgentContext, Task, TaskStatus
from tradequorum.config.coordinator import FailureConfig
from tradequorum.config.settings import Settings
from tradequorum.coordinator.failure import FailureProtocol
from tradequorum.coordinator.registry import AgentRegistry
from tradequorum.core.clock import FixedClock
from tradequorum.core.errors import ConfigError
from tradequorum.state.layout import HomeLayout

ECHO = (
    "import json,sys; t=json.load(sys.stdin); "
    "print(json.dumps({'task_id': t['task_id'], 'agent': t['agent'], 'action': t['action'], "
    "'status': 'completed', 'output': {'source': 'llm', 'seen_symbol': t['params']['symbol']}}))"
)


def _ctx(tmp_path: Path) -> AgentContext:
    return AgentContext(
        FixedClock(pd.Timestamp("2024-01-01", tz="UTC")), Settings(), HomeLayout(tmp_path)
    )


def _task(deadline: float = 5.0) -> Task:
    return Task(
        task_id="TASK-20240101-001",
        agent="llm",
        action="vote",
        params={"symbol": "BTC/USDT"},
        deadline_s=deadline,
    )


def test_command_agent_reads_task_on_stdin_and_answers_json(tmp_path: Path) -> None:
    reg = AgentRegistry()
    reg.register_external({"llm": {"command": [sys.executable, "-c", ECHO], "actions": ["vote"]}})
    res = FailureProtocol(FailureConfig()).execute(reg.get("llm"), _task(), _ctx(tmp_path))
    assert res.status is TaskStatus.COMPLETED, res.error
    assert res.output == {"source": "llm", "seen_symbol": "BTC/USDT"}


def test_command_agent_past_deadline_times_out(tmp_path: Path) -> None:
    reg = AgentRegistry()
    slow = [sys.executable, "-c", "import time; time.sleep(5)"]
    reg.register_external({"llm": {"command": slow, "actions": ["vote"]}})
    t0 = time.perf_counter()
    res = FailureProtocol(FailureConfig(agent_timeout_s=0.5), sleep=lambda s: None).execute(
        reg.get("llm"), _task(deadline=0.5), _ctx(tmp_path)
    )
    assert res.status is TaskStatus.TIMEOUT
    assert time.perf_counter() - t0 < 3.0


def test_command_agent_bad_json_fails(tmp_path: Path) -> None:
    reg = AgentRegistry()
    reg.register_external(
        {"llm": {"command": [sys.executable, "-c", "print('hello')"], "actions": ["vote"]}}
    )
    res = FailureProtocol(FailureConfig()).execute(reg.get("llm"), _task(), _ctx(tmp_path))
    assert res.status is TaskStatus.FAILED and "invalid JSON" in (res.error or "")


class _Agent(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        task = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body = json.dumps({"direction": "bullish", "task": task["task_id"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


def test_http_agent_posts_task_and_reads_output(tmp_path: Path) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Agent)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        reg = AgentRegistry()
        url = f"http://127.0.0.1:{server.server_address[1]}/task"
        reg.register_external({"llm": {"url": url, "actions": ["vote"]}})
        res = FailureProtocol(FailureConfig()).execute(reg.get("llm"), _task(), _ctx(tmp_path))
    finally:
        server.shutdown()
        server.server_close()
    assert res.status is TaskStatus.COMPLETED, res.error
    assert res.output == {"direction": "bullish", "task": "TASK-20240101-001"}


def test_register_external_without_command_or_url_is_config_error() -> None:
    with pytest.raises(ConfigError, match="command"):
        AgentRegistry().register_external({"x": {"actions": ["a"]}})
