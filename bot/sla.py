"""Working-hours arithmetic for question reminders: pure functions, no clock of their own.

A reminder promised "after 16 hours" means 16 *working* hours: counted only Monday to Friday
inside the configured working window, in the administration's time zone. Computing in UTC and
building each day's window from its local wall-clock times keeps daylight-saving changes
right (a window is always 08:00-16:00 local, whatever the UTC offset that day). The public
holidays of the configured German state (``holidays`` package) are days off.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from bot.config import DEFAULT_HOLIDAY_STATE, QuestionSettings

WORKDAYS = frozenset(range(5))  # Monday=0 .. Friday=4
MAX_DAYS = 3660  # ten years of calendar days: a guard against a loop without working time


@dataclass(frozen=True)
class WorkingHours:
    start: time
    end: time
    zone: ZoneInfo
    days: frozenset[int] = WORKDAYS
    state: str | None = DEFAULT_HOLIDAY_STATE  # German state whose public holidays are off

    @classmethod
    def of(cls, settings: QuestionSettings) -> WorkingHours:
        zone = ZoneInfo(settings.timezone)
        return cls(settings.work_start, settings.work_end, zone, state=settings.holiday_state)

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working window of a local calendar day, in UTC; None on days off."""
        if day.weekday() not in self.days or (self.state and day in _holidays(self.state)):
            return None
        opens = datetime.combine(day, self.start, tzinfo=self.zone).astimezone(UTC)
        closes = datetime.combine(day, self.end, tzinfo=self.zone).astimezone(UTC)
        return opens, closes


@cache
def _holidays(state: str) -> Container[date]:
    import holidays  # only when a question's deadline is computed, not for every command

    return holidays.country_holidays("DE", subdiv=state)


def add_working_hours(start: datetime, hours: float, hours_of_work: WorkingHours) -> datetime:
    """The moment ``hours`` working hours after ``start`` (an aware datetime), in UTC.

    A start outside working time counts from the next opening; zero hours from a start
    outside working time is that opening.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if hours < 0:
        raise ValueError("hours must not be negative")
    remaining = timedelta(hours=hours)
    cursor = start.astimezone(UTC)
    day = cursor.astimezone(hours_of_work.zone).date()
    for _ in range(MAX_DAYS):
        window = hours_of_work.window(day)
        if window is not None:
            opens, closes = window
            begin = max(cursor, opens)
            if begin < closes or (remaining == timedelta(0) and begin <= closes):
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
    raise ValueError("no working time in the configured working hours")


def is_due(since: datetime, now: datetime, hours: float, hours_of_work: WorkingHours) -> bool:
    """True when ``hours`` working hours have passed between ``since`` and ``now``."""
    return now >= add_working_hours(since, hours, hours_of_work)
