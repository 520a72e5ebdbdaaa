from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tradequorum.notify import (
    FanoutNotifier,
    JsonlNotifier,
    Notification,
    NotificationType,
    Priority,
    RecordingNotifier,
    build_notifier,
)


def _msg(
    n: int = 1,
    kind: NotificationType = NotificationType.TRADE_OPPORTUNITY,
    prio: Priority = Priority.HIGH,
) -> Notification:
    return Notification(
        notification_id=f"NOT-20240101-{n:03d}",
        type=kind,
        priority=prio,
        timestamp=datetime(2024, 1, 1, tzinfo=UTC),
        title="BTC/USDT enter_long tier A",
        message="consensus bullish",
        requires_action=True,
        decision_id="DEC-20240101-001",
    )


class Broken:
    name = "broken"

    def send(self, message: Notification) -> None:
        raise ConnectionError("channel down")


def test_jsonl_notifier_appends_one_parseable_line_per_message(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "notifications.jsonl"
    n = JsonlNotifier(path)
    n.send(_msg(1))
    n.send(_msg(2))
    lines = path.read_text().splitlines()
    assert [json.loads(x)["notification_id"] for x in lines] == [
        "NOT-20240101-001",
        "NOT-20240101-002",
    ]
    assert json.loads(lines[0])["type"] == "trade_opportunity"


def test_fanout_failing_channel_is_isolated(tmp_path: Path) -> None:
    rec = RecordingNotifier()
    fan = FanoutNotifier([Broken(), rec, JsonlNotifier(tmp_path / "n.jsonl")])
    fan.send(_msg())
    assert len(rec.messages) == 1
    assert fan.failures == {"broken": 1}
    assert (tmp_path / "n.jsonl").exists()


def test_fanout_min_priority_filters_channels_but_never_the_file(tmp_path: Path) -> None:
    rec = RecordingNotifier()
    fan = FanoutNotifier([rec, JsonlNotifier(tmp_path / "n.jsonl")], min_priority=Priority.HIGH)
    fan.send(_msg(1, NotificationType.INFO, Priority.LOW))
    assert rec.messages == []
    assert len((tmp_path / "n.jsonl").read_text().splitlines()) == 1


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def webhook() -> tuple[str, list[dict]]:
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"json://127.0.0.1:{server.server_address[1]}/hook", _Hook.received
    server.shutdown()
    server.server_close()


def test_apprise_webhook_receives_notification(
    tmp_path: Path, webhook: tuple[str, list[dict]]
) -> None:
    url, received = webhook
    fan = build_notifier(tmp_path / "n.jsonl", console=False, apprise_urls=[url])
    fan.send(_msg())
    assert fan.failures == {}
    assert len(received) == 1
    body = json.loads(received[0]["message"])
    assert body["notification_id"] == "NOT-20240101-001"
    assert body["priority"] == "high"


def test_apprise_unreachable_webhook_does_not_block_file(tmp_path: Path) -> None:
    fan = build_notifier(
        tmp_path / "n.jsonl", console=False, apprise_urls=["json://127.0.0.1:9/none"]
    )
    fan.send(_msg())
    assert (tmp_path / "n.jsonl").read_text().count("\n") == 1
    assert sum(fan.failures.values()) == 1
