"""Working-hours arithmetic: weekends, evenings and daylight-saving changes, as a table."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, QuestionSettings, load_settings
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


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # Christmas 2025: Thursday 25 and Friday 26 December are off (24 December is not)
        (local("2025-12-24", "15:00"), 2, local("2025-12-29", "09:00")),
        (local("2025-12-24", "10:00"), 16, local("2025-12-30", "10:00")),
        # Tag der Deutschen Einheit, Friday 2025-10-03
        (local("2025-10-02", "15:00"), 2, local("2025-10-06", "09:00")),
        # Reformationstag, Thursday 2024-10-31, is a holiday in Niedersachsen
        (local("2024-10-30", "15:00"), 2, local("2024-11-01", "09:00")),
    ],
)
def test_public_holidays_are_days_off(start: datetime, hours: float, expected: datetime) -> None:
    assert add_working_hours(start, hours, HOURS) == expected


def test_public_holidays_follow_the_state() -> None:
    # Bayern: Reformationstag is a working day, Allerheiligen (Friday 2024-11-01) is not
    bavaria = WorkingHours(time(8), time(16), BERLIN, state="BY")
    wednesday, thursday = local("2024-10-30", "15:00"), local("2024-10-31", "15:00")
    assert add_working_hours(wednesday, 2, bavaria) == local("2024-10-31", "09:00")
    assert add_working_hours(thursday, 2, bavaria) == local("2024-11-04", "09:00")
    assert not is_due(local("2024-10-31", "15:00"), local("2024-11-01", "12:00"), 2, bavaria)


def test_settings_give_the_holiday_state() -> None:
    assert WorkingHours.of(QuestionSettings()).state == "NI"
    assert WorkingHours.of(QuestionSettings(holiday_state="BY")).state == "BY"


def test_holiday_state_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "ideenlotse.toml"
    path.write_text('[questions]\nholiday_state = "BY"\n', encoding="utf-8")
    assert load_settings(path, {}).questions.holiday_state == "BY"
    path.write_text("[questions]\n", encoding="utf-8")
    assert load_settings(path, {}).questions.holiday_state == "NI"
    path.write_text('[questions]\nholiday_state = "XY"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"holiday_state.*'XY'.*BB, BE, .*NI, .*TH") as error:
        load_settings(path, {})
    assert "\n" not in str(error.value)
