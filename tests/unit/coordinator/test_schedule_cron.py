"""Schedules: the training's crontab line read as cron; bar-close triggers only for timeframes
whose epoch-aligned bars cron can follow."""

from __future__ import annotations

import datetime as dt

import pytest

from tradequorum.coordinator.scheduler import bar_close_trigger, crontab_trigger
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


@pytest.mark.parametrize(
    ("timeframe", "after", "expected"),
    [
        ("15m", dt.datetime(2026, 1, 5, 0, 14, 59, tzinfo=dt.UTC), "00:15:02"),
        ("4h", dt.datetime(2026, 1, 5, 1, 0, tzinfo=dt.UTC), "04:00:02"),
        ("1d", dt.datetime(2026, 1, 5, 1, 0, tzinfo=dt.UTC), "00:00:02"),
    ],
)
def test_bar_close_trigger_fires_grace_after_the_close(
    timeframe: str, after: dt.datetime, expected: str
) -> None:
    fire = bar_close_trigger(timeframe, 2.0).get_next_fire_time(None, after)
    assert fire is not None and fire.strftime("%H:%M:%S") == expected


@pytest.mark.parametrize("timeframe", ["7m", "45m", "5h", "2d"])
def test_bar_close_trigger_timeframe_not_dividing_hour_or_day_is_config_error(
    timeframe: str,
) -> None:
    with pytest.raises(ConfigError):
        bar_close_trigger(timeframe, 2.0)
