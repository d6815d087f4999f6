"""When the weekly digest is due: cron-like fire times on an injected clock.

APScheduler's ``CronTrigger`` computes the fire times (daylight-saving changes included); the
bot does not run APScheduler's scheduler itself, because adapters already poll ``App.due()``
and the database - not the process - must remember what was sent. The last covered fire time
is stored: after a restart the next one is computed from it, so a digest is neither sent twice
nor skipped. A bot that was down over several fire times sends one digest (for the latest),
late, rather than a burst of stale ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.clock import iso
from bot.config import Settings
from bot.crontab import parse_schedule
from bot.delivery import Outbox
from bot.digest import Digest
from bot.digest_map import map_attachment
from bot.digest_render import render_markdown
from bot.events import Reply
from bot.questions import translator_for
from bot.services import digests
from bot.uow import UnitOfWork
from knowledge.store import Store

log = logging.getLogger(__name__)

MAX_CATCH_UP = 10_000  # fire times skipped over after a long downtime, at most (a guard)


@dataclass(frozen=True)
class DigestSchedule:
    trigger: CronTrigger

    @classmethod
    def of(cls, line: str, timezone: str) -> DigestSchedule:
        return cls(parse_schedule(line, timezone))

    def next_after(self, moment: datetime) -> datetime | None:
        """The first fire time strictly after ``moment``, in UTC."""
        fire = self.trigger.get_next_fire_time(None, moment + timedelta(seconds=1))
        return fire.astimezone(UTC) if fire is not None else None

    def latest_due(self, covered: datetime, now: datetime) -> datetime | None:
        """The latest fire time after ``covered`` and not after ``now``; None if none is due."""
        fire = self.next_after(covered)
        if fire is None or fire > now:
            return None
        for _ in range(MAX_CATCH_UP):
            following = self.next_after(fire)
            if following is None or following > now:
                break
            fire = following
        return fire


def schedule_of(settings: Settings) -> DigestSchedule | None:
    """The configured schedule; None when the scheduled digest is switched off."""
    line = settings.digest.schedule
    return DigestSchedule.of(line, settings.digest.timezone) if line else None


def next_digest_time(settings: Settings, now: datetime) -> str | None:
    """When the next scheduled digest goes out, in local time (for the preview)."""
    schedule = schedule_of(settings)
    upcoming = schedule.next_after(now) if schedule else None
    if upcoming is None:
        return None
    return upcoming.astimezone(ZoneInfo(settings.digest.timezone)).strftime("%d.%m.%Y %H:%M")


def digest_recipients(settings: Settings) -> tuple[str, ...]:
    """The CDO holders; the admins stand in when no CDO is configured."""
    return settings.holders("cdo") or settings.holders("admin")


def due_digest(
    store: Store,
    settings: Settings,
    now: datetime,
    build: Callable[[datetime], Digest],
    *,
    outbox: Outbox | None = None,
) -> list[Reply]:
    """The digest for each CDO when a fire time has passed that no digest covers yet.

    Cheap when nothing is due (one query), so adapters may call it every few seconds. The
    digest is built outside the transaction (it reads, and takes a while); the fire time is
    then claimed in one transaction with the introductions it suggested and the digest's rows
    in ``outbox``, and only a successful claim returns replies - a second process polling the
    same database, or a replay, gets nothing. The run is 'queued' until the outbox has
    delivered every row of it; then it is 'sent' (``Outbox.delivered``).
    """
    schedule = schedule_of(settings)
    if schedule is None:
        return []
    stamp = iso(now)
    with UnitOfWork(store) as uow:
        covered = digests.last_covered(uow, stamp)
    if covered is None:  # the schedule starts now; the first digest is the next fire time
        return []
    fire = schedule.latest_due(datetime.fromisoformat(covered), now)
    if fire is None:
        return []
    try:
        digest = build(now)
    except Exception:  # a broken digest must not stop reminders or the adapter's loop
        log.exception("could not build the digest due at %s; trying again later", fire)
        return []
    users = digest_recipients(settings)
    replies = []
    for user in users:
        t = translator_for(store, settings, user)
        replies.append(
            Reply(render_markdown(digest, t), direct_to=user, attachments=map_attachment(digest, t))
        )
    with UnitOfWork(store) as uow:
        if not digests.claim_digest(uow, iso(fire), len(replies), digest.suggested_pairs, stamp):
            return []
        if outbox is not None:
            outbox.queue(uow.store, replies, kind="digest", cause=iso(fire), now=stamp)
    if not users:
        log.error("digest due at %s, but no CDO or admin is configured to receive it", fire)
    return replies
