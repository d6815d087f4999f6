"""A crontab line as a trigger, and why a line cannot be one.

Apart from ``bot.schedule`` (which sends the digest, and so needs the digest, the store and
the renderers) because the settings check the line when they are read: ``bot.config`` may
depend on this module, never on the digest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # APScheduler loads when a line is parsed, not with the settings
    from apscheduler.triggers.cron import CronTrigger


class ScheduleError(ValueError):
    """A schedule line that cannot be used; the message says why."""


def parse_schedule(line: str, timezone: str) -> CronTrigger:
    """``"0 8 * * mon"`` in ``timezone`` as a trigger.

    Numeric weekdays are refused: cron counts Sunday=0, APScheduler 3 Monday=0, and a digest
    silently arriving on the wrong day is worse than a clear error.
    """
    from apscheduler.triggers.cron import CronTrigger

    fields = line.split()
    if len(fields) != 5:
        raise ScheduleError(
            f"{line!r} must have five fields (minute hour day month weekday), e.g. '0 8 * * mon'"
        )
    if any(ch.isdigit() for ch in fields[4]):
        raise ScheduleError(f"{line!r}: write weekdays as names (mon, tue, ..., sun)")
    try:
        return CronTrigger.from_crontab(line, timezone=ZoneInfo(timezone))
    except (ValueError, KeyError) as exc:
        raise ScheduleError(f"{line!r} is not a valid schedule ({exc})") from exc
