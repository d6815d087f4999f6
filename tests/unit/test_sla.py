"""Working-hours arithmetic: weekends, evenings and daylight-saving changes, as a table."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.config import QuestionSettings
from bot.sla import WorkingHours, add_working_hours, is_due

BERLIN = ZoneInfo("Europe/Berlin")
HOURS = WorkingHours(time(8), time(16), BERLIN)


def local(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # Monday 2026-11-23, CET
        (local("2026-11-23", "10:00"), 2, local("2026-11-23", "12:00")),
        (local("2026-11-23", "10:00"), 6, local("2026-11-23", "16:00")),
        (local("2026-11-23", "10:00"), 7, local("2026-11-24", "09:00")),
        (local("2026-11-23", "10:00"), 16, local("2026-11-25", "10:00")),
        # before opening and in the evening: counting starts at the next opening
        (local("2026-11-23", "06:30"), 1, local("2026-11-23", "09:00")),
        (local("2026-11-23", "19:45"), 1, local("2026-11-24", "09:00")),
        (local("2026-11-23", "16:00"), 0.5, local("2026-11-24", "08:30")),
        # weekends do not count
        (local("2026-11-27", "15:00"), 2, local("2026-11-30", "09:00")),
        (local("2026-11-28", "11:00"), 1, local("2026-11-30", "09:00")),
        (local("2026-11-29", "23:59"), 8, local("2026-11-30", "16:00")),
        (local("2026-11-27", "12:00"), 16, local("2026-12-01", "12:00")),
        # into summer time (Sunday 2026-03-29): the local window stays 08:00-16:00
        (local("2026-03-27", "15:00"), 2, local("2026-03-30", "09:00")),
        # back to winter time (Sunday 2026-10-25)
        (local("2026-10-23", "14:00"), 4, local("2026-10-26", "10:00")),
        # zero hours inside working time: now
        (local("2026-11-23", "10:00"), 0, local("2026-11-23", "10:00")),
    ],
)
def test_add_working_hours(start: datetime, hours: float, expected: datetime) -> None:
    assert add_working_hours(start, hours, HOURS) == expected
    # the same moment given in UTC gives the same result
    assert add_working_hours(start.astimezone(UTC), hours, HOURS) == expected


def test_daylight_saving_counts_real_hours_in_the_local_window() -> None:
    # Friday 15:00 CET is 14:00 UTC; Monday 09:00 CEST is 07:00 UTC.
    due = add_working_hours(datetime(2026, 3, 27, 14, 0, tzinfo=UTC), 2, HOURS)
    assert due == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def test_is_due_at_the_boundary() -> None:
    start = local("2026-11-23", "10:00")
    assert not is_due(start, local("2026-11-25", "09:59"), 16, HOURS)
    assert is_due(start, local("2026-11-25", "10:00"), 16, HOURS)


def test_settings_give_the_working_hours() -> None:
    hours = WorkingHours.of(QuestionSettings(work_start=time(7, 30), work_end=time(15, 30)))
    assert add_working_hours(local("2026-11-23", "15:00"), 1, hours) == local("2026-11-24", "08:00")


@pytest.mark.parametrize(
    ("start", "hours"), [(datetime(2026, 11, 23, 10), 1), (local("2026-11-23", "10:00"), -1)]
)
def test_bad_input_is_refused(start: datetime, hours: float) -> None:
    with pytest.raises(ValueError):
        add_working_hours(start, hours, HOURS)


def test_no_working_days_is_an_error_not_a_hang() -> None:
    never = WorkingHours(time(8), time(16), BERLIN, days=frozenset())
    with pytest.raises(ValueError, match="no working time"):
        add_working_hours(local("2026-11-23", "10:00"), 1, never)
