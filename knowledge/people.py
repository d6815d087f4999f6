"""People and their interests."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from knowledge.records import ROLES, Person, from_row


class PeopleQueries:
    db: sqlite_utils.Database

    def upsert_person(
        self,
        platform: str,
        platform_user_id: str,
        display_name: str,
        now: str,
        *,
        department: str | None = None,
        role: str | None = None,
    ) -> Person:
        """Create the person on first contact; refresh name, department and role later."""
        if role is not None and role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        existing = self.find_person(platform, platform_user_id)
        if existing is None:  # another bot process on a shared database may just have made it
            self.db.execute(
                "INSERT INTO people (platform, platform_user_id, display_name, department, role,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (platform, platform_user_id) DO NOTHING",
                (platform, platform_user_id, display_name, department, role or "staff", now, now),
            )
        else:
            changes: dict[str, Any] = {}
            if display_name and display_name != existing.display_name:
                changes["display_name"] = display_name
            if department and department != existing.department:
                changes["department"] = department
            if role and role != existing.role:
                changes["role"] = role
            if changes:
                changes["updated_at"] = now
                self.db.table("people").update(existing.id, changes)
        person = self.find_person(platform, platform_user_id)
        assert person is not None
        return person

    def find_person(self, platform: str, platform_user_id: str) -> Person | None:
        rows = self.db.query(
            "SELECT * FROM people WHERE platform = ? AND platform_user_id = ?",
            (platform, platform_user_id),
        )
        row = next(iter(rows), None)
        return from_row(Person, row) if row else None

    def get_person(self, person_id: int) -> Person | None:
        row = next(iter(self.db.query("SELECT * FROM people WHERE id = ?", (person_id,))), None)
        return from_row(Person, row) if row else None

    def people_with_user_id(self, user_id: str, platform: str | None = None) -> list[Person]:
        """The identities with this platform user id (on one platform, or on every one):
        unlike a display name, which anybody can choose, the id is the platform's."""
        sql = "SELECT * FROM people WHERE lower(platform_user_id) = lower(?)"
        values = [user_id]
        if platform is not None:
            sql += " AND platform = ?"
            values.append(platform)
        return [from_row(Person, row) for row in self.db.query(sql + " ORDER BY id", values)]

    def role_claims(self, platform: str) -> dict[str, str]:
        """User id -> role of the people on ``platform`` whose last role was not staff."""
        rows = self.db.query(
            "SELECT platform_user_id, role FROM people WHERE platform = ? AND role != 'staff'"
            " ORDER BY id",
            (platform,),
        )
        return {row["platform_user_id"]: row["role"] for row in rows}

    def people_names(self) -> list[Person]:
        """Everybody, to tell a new display name apart from the names already in use."""
        return [from_row(Person, row) for row in self.db.query("SELECT * FROM people")]

    def people_named(self, name: str) -> list[Person]:
        """People whose display name or platform id is ``name`` (case-insensitive)."""
        rows = self.db.query(
            "SELECT * FROM people WHERE lower(display_name) = lower(?)"
            " OR lower(platform_user_id) = lower(?) ORDER BY id",
            (name, name),
        )
        return [from_row(Person, row) for row in rows]

    def set_interests(self, person_id: int, topics: list[str], now: str) -> None:
        self.db.execute("DELETE FROM interests WHERE person_id = ?", (person_id,))
        for topic in topics:
            self.db.execute(
                "INSERT INTO interests (person_id, topic, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (person_id, topic, now),
            )

    def interests(self, person_id: int) -> list[str]:
        rows = self.db.query(
            "SELECT topic FROM interests WHERE person_id = ? ORDER BY created_at, rowid",
            (person_id,),
        )
        return [row["topic"] for row in rows]

    def set_department(self, person_id: int, department: str | None, now: str) -> int:
        """The person's department, and the same for their ideas that have none (people post
        before they set it); how many ideas got it."""
        self.db.execute(
            "UPDATE people SET department = ?, updated_at = ? WHERE id = ?",
            (department, now, person_id),
        )
        if department is None:
            return 0
        filled = self.db.execute(
            "UPDATE ideas SET department = ?, updated_at = ?"
            " WHERE author_id = ? AND (department IS NULL OR department = '')",
            (department, now, person_id),
        )
        return max(int(filled.rowcount), 0)

    def set_matching(self, person_id: int, enabled: bool, now: str) -> None:
        self.db.execute(
            "UPDATE people SET matching_opt_in = ?, updated_at = ? WHERE id = ?",
            (int(enabled), now, person_id),
        )

    def opted_in_people(self) -> list[Person]:
        rows = self.db.query("SELECT * FROM people WHERE matching_opt_in = 1 ORDER BY id")
        return [from_row(Person, row) for row in rows]

    def interest_rows(self, person_ids: list[int]) -> list[dict[str, Any]]:
        """Topics with their cached vectors (``embedding`` None where not yet encoded)."""
        marks = ",".join("?" for _ in person_ids) or "NULL"
        return list(
            self.db.query(
                "SELECT person_id, topic, embedding, embedding_model FROM interests"
                f" WHERE person_id IN ({marks}) ORDER BY person_id, rowid",
                list(person_ids),
            )
        )

    def set_interest_embedding(self, person_id: int, topic: str, blob: bytes, model: str) -> None:
        self.db.execute(
            "UPDATE interests SET embedding = ?, embedding_model = ?"
            " WHERE person_id = ? AND topic = ?",
            (blob, model, person_id, topic),
        )
