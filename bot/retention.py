"""The data-protection jobs ``App.due`` runs: the daily retention clean-up and the scrub.

Deleting rows is not enough for "erased": SQLite keeps deleted bytes in free pages, old FTS
segments and the WAL until they are overwritten. After every erasure or expiry the store's
``scrub`` makes the file clean. It runs here, outside the transaction of the chat message
that asked for it, within one ``due`` cycle (the console: right after the message; chat
platforms: every 30 seconds), and a pending scrub survives a restart (it is read from the
audit log).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.clock import iso
from bot.config import Settings
from bot.domain_events import IdeasDeleted
from bot.uow import EventBus, UnitOfWork
from knowledge.privacy import Expired
from knowledge.store import Store

log = logging.getLogger(__name__)

RUN_EVERY = timedelta(days=1)


def cutoff(now: datetime, days: int) -> str:
    """The ISO time before which data expires; "" (nothing is older) when ``days`` is 0."""
    return iso(now - timedelta(days=days)) if days else ""


def run_due(
    store: Store, settings: Settings, bus: EventBus | None, now: datetime
) -> Expired | None:
    """Delete expired data once a day, then scrub the file if anything was deleted since.

    A failure is logged and the job tried again on the next cycle; it never stops the bot.
    ``bus``: the running bot's (``Bot.bus``), whose similarity index forgets what expired.
    """
    try:
        return _run(store, settings, bus, now)
    except Exception:
        log.exception("privacy jobs failed; they run again on the next cycle")
        return None


def _run(store: Store, settings: Settings, bus: EventBus | None, now: datetime) -> Expired | None:
    policy = settings.privacy
    expired = None
    if policy.retention_days or policy.event_days:
        with UnitOfWork(store, bus) as uow:
            last = store.last_retention_run()
            if last is None or datetime.fromisoformat(last) <= now - RUN_EVERY:
                expired = store.delete_expired(
                    cutoff(now, policy.retention_days), cutoff(now, policy.event_days), iso(now)
                )
                if expired.ideas or expired.people:
                    uow.record(IdeasDeleted(tuple(expired.ideas), tuple(expired.people)))
                store.delete_expired_web_logins(iso(now))  # trial 27 found months-old ones
        if expired is not None and expired.total:
            log.info("retention: %d records deleted", expired.total)
    with store.transaction():
        pending = store.needs_scrub()
    if pending:
        store.scrub(iso(now))
        log.info("database file scrubbed after a deletion")
    return expired
