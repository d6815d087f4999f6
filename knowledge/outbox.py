"""The outbox: what the bot is to say, from the transaction that caused it until it was sent.

A row is added in the unit of work of its cause, so it exists exactly when the cause does.
Taking rows is a claim: one UPDATE counts the attempt and moves ``next_attempt_at`` to the end
of a lease, and its WHERE is checked again on the row it updates (PostgreSQL re-reads a row
another transaction changed meanwhile; SQLite's writers take turns), so two processes draining
one database never both take a row. A process that dies while sending leaves its rows to be
taken again when the lease ends: a reply is then perhaps sent twice, never lost.

Delivered and abandoned rows keep their bookkeeping (kind, cause, attempts, times) until the
retention job, but not what was said nor to whom: ``content`` and the addresses are emptied.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from knowledge.records import from_row

KINDS = ("answer", "reminder", "digest")
_SENT = (
    "content = NULL, direct_to = NULL, room = NULL, thread_id = NULL, origin_room = NULL,"
    " origin_user = NULL, reply_to = NULL"
)


@dataclass(frozen=True)
class NewParcel:
    """A row to add. ``recipient``: the platform user id it is for, if a person (their people
    row is linked, so an erasure finds it)."""

    kind: str
    cause: str
    platform: str | None
    content: str
    recipient: str | None = None
    direct_to: str | None = None
    room: str | None = None
    thread_id: str | None = None
    origin_room: str | None = None
    origin_user: str | None = None
    reply_to: str | None = None


@dataclass(frozen=True)
class Parcel:
    id: int
    kind: str
    cause: str
    platform: str | None
    person_id: int | None
    content: str | None
    direct_to: str | None
    room: str | None
    thread_id: str | None
    origin_room: str | None
    origin_user: str | None
    reply_to: str | None
    delivery_key: str
    created_at: str
    attempts: int
    next_attempt_at: str
    delivered_at: str | None
    given_up_at: str | None


class OutboxQueries:
    db: sqlite_utils.Database

    def add_parcel(self, parcel: NewParcel, now: str) -> int:
        """Add a row, to be taken from ``now`` on; run inside the cause's transaction."""
        if parcel.kind not in KINDS:
            raise ValueError(f"unknown outbox kind {parcel.kind!r}")
        row = self.db.execute(
            "INSERT INTO outbox (platform, kind, cause, person_id, direct_to, room, thread_id,"
            " origin_room, origin_user, reply_to, content, delivery_key, created_at,"
            " next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                parcel.platform,
                parcel.kind,
                parcel.cause,
                self._person_of(parcel.platform, parcel.recipient),
                parcel.direct_to,
                parcel.room,
                parcel.thread_id,
                parcel.origin_room,
                parcel.origin_user,
                parcel.reply_to,
                parcel.content,
                uuid.uuid4().hex,
                now,
                now,
            ),
        ).fetchone()
        return int(row[0])

    def _person_of(self, platform: str | None, user_id: str | None) -> int | None:
        if user_id is None:
            return None
        if platform is None:  # a scheduled reply no platform's id grammar claims
            found = self.db.execute(
                "SELECT id FROM people WHERE platform_user_id = ? ORDER BY id LIMIT 1", (user_id,)
            ).fetchone()
        else:
            found = self.db.execute(
                "SELECT id FROM people WHERE platform = ? AND platform_user_id = ?",
                (platform, user_id),
            ).fetchone()
        return int(found[0]) if found else None

    def take_parcels(
        self,
        platform: str,
        now: str,
        lease_until: str,
        *,
        kinds: Sequence[str] = KINDS,
        cause: str | None = None,
        limit: int = 20,
    ) -> list[Parcel]:
        """Claim the oldest rows due at ``now`` for ``platform`` (and rows of no platform), in
        the order they were added; each counts as an attempt and is not taken again before
        ``lease_until`` unless it is marked. ``cause``: only the rows of that cause."""
        marks = ",".join("?" for _ in kinds)
        open_ = "delivered_at IS NULL AND given_up_at IS NULL AND next_attempt_at <= ?"
        where = f"{open_} AND (platform = ? OR platform IS NULL) AND kind IN ({marks})"
        values: list[object] = [now, platform, *kinds]
        if cause is not None:
            where += " AND cause = ?"
            values.append(cause)
        rows = self.db.query(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?"
            f" WHERE id IN (SELECT id FROM outbox WHERE {where} ORDER BY id LIMIT ?)"
            f" AND {open_} RETURNING *",
            [lease_until, *values, limit, now],
        )
        return sorted((from_row(Parcel, row) for row in rows), key=lambda p: p.id)

    def mark_delivered(self, parcel_ids: Sequence[int], now: str) -> bool:
        """The platform accepted these rows: done, and what they said is forgotten. True when
        one went to somebody the bot no longer knows (an erasure's own confirmation): its
        address is still in the database's files until they are scrubbed."""
        marks = ",".join("?" for _ in parcel_ids) or "NULL"
        forgotten = self.db.execute(
            f"SELECT COUNT(*) FROM outbox WHERE id IN ({marks}) AND person_id IS NULL"
            " AND direct_to IS NOT NULL",
            list(parcel_ids),
        ).fetchone()[0]
        self.db.execute(
            f"UPDATE outbox SET delivered_at = ?, {_SENT} WHERE id IN ({marks})",
            [now, *parcel_ids],
        )
        return bool(forgotten)

    def retry_parcel(self, parcel_id: int, retry_at: str) -> None:
        """The attempt failed: take the row again from ``retry_at`` on."""
        self.db.execute("UPDATE outbox SET next_attempt_at = ? WHERE id = ?", (retry_at, parcel_id))

    def give_up_parcel(self, parcel_id: int, now: str) -> None:
        """No more attempts: the row stays as a record that something was not delivered."""
        self.db.execute(
            f"UPDATE outbox SET given_up_at = ?, {_SENT} WHERE id = ?", (now, parcel_id)
        )

    def put_back_parcel(self, parcel_id: int, now: str) -> None:
        """Taken but not tried (its room is not there yet): due again, the attempt not counted."""
        self.db.execute(
            "UPDATE outbox SET attempts = attempts - 1, next_attempt_at = ? WHERE id = ?",
            (now, parcel_id),
        )

    def parcels(self, *, waiting: bool = False) -> list[Parcel]:
        """Every row in the order added (``waiting``: those neither delivered nor given up)."""
        where = " WHERE delivered_at IS NULL AND given_up_at IS NULL" if waiting else ""
        rows = self.db.query(f"SELECT * FROM outbox{where} ORDER BY id")
        return [from_row(Parcel, row) for row in rows]
