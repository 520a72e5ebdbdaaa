"""The training schedule reads a standard crontab line: days of the week as in cron."""

from __future__ import annotations

import datetime as dt

import pytest

from tradequorum.coordinator.scheduler import crontab_trigger
from tradequorum.core.errors import ConfigError

MONDAY = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


def _next_day(expr: str) -> str:
    fire = crontab_trigger(expr).get_next_fire_time(None, MONDAY)
    assert fire is not None
    return str(fire.strftime("%a %H:%M"))


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("0 2 * * 0", "Sun 02:00"),  # APScheduler alone would say Monday
        ("0 2 * * 7", "Sun 02:00"),
        ("0 2 * * sun", "Sun 02:00"),
        ("30 3 * * 2-3", "Tue 03:30"),
        ("0 4 * * 6,0", "Sat 04:00"),
        ("0 2 * * */2", "Tue 02:00"),  # cron: Sun, Tue, Thu, Sat (APScheduler: Mon, Wed, ...)
    ],
)
def test_crontab_trigger_day_of_week_numbered_as_cron(expr: str, expected: str) -> None:
    assert _next_day(expr) == expected


@pytest.mark.parametrize("expr", ["0 2 * *", "0 2 * * 8", "0 2 * * funday", "61 2 * * 0"])
def test_crontab_trigger_bad_expression_is_config_error(expr: str) -> None:
    with pytest.raises(ConfigError):
        crontab_trigger(expr)
