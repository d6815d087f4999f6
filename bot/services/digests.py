"""The weekly digest's bookkeeping: which fire time a digest covered, and whether it was sent.

The database, not the process, remembers what went out, so a restart neither repeats a
digest nor skips one, and two processes polling one database send it once: a fire time is
claimed by one row (``digest_runs``), 'queued' with the outbox rows that carry the digest and
'sent' once the last of them was delivered. These use cases write only that bookkeeping, the
introductions a digest suggested and the audit lines, in the caller's unit of work. Building
a digest reads a great deal and takes a while, so it happens before, outside any transaction
(``bot.schedule.due_digest``).
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.uow import UnitOfWork


def last_covered(uow: UnitOfWork, now: str) -> str | None:
    """The fire time the latest digest covered; None the first time, which starts the schedule
    at ``now``: the first digest is the next fire time, not one for a past nobody saw."""
    last = uow.digests.last_digest_run()
    if last is None:
        uow.digests.record_digest_run(now, "start", 0, now)
        return None
    return str(last["fire_time"])


def claim_digest(
    uow: UnitOfWork,
    fire_time: str,
    recipients: int,
    introduced: Iterable[tuple[int, int]],
    now: str,
) -> bool:
    """Claim ``fire_time`` for the digest built for it, queued for ``recipients`` people, with
    the pairs of people it ``introduced``. False: claimed before (another process, a replay),
    and nothing is written; the caller then sends nothing either."""
    if not uow.digests.record_digest_run(fire_time, "queued", recipients, now):
        return False
    uow.digests.record_digest_introductions(list(introduced), now)
    uow.audit.audit("digest.queued", now, detail=f"{recipients} recipients")
    return True


def mark_sent(uow: UnitOfWork, fire_times: Iterable[str], now: str) -> list[str]:
    """After outbox rows of these digests were delivered: each digest none of whose rows is
    still waiting counts as sent, once, with its audit line. Returns those fire times."""
    sent = []
    for fire_time in sorted(set(fire_times)):
        if uow.digests.mark_digest_sent(fire_time):
            uow.audit.audit("digest.sent", now, detail=f"fire_time={fire_time}")
            sent.append(fire_time)
    return sent
