"""Plain records the store hands out; the core never sees rows or SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROLES = ("staff", "cdo", "cio", "admin")
STATUSES = ("neu", "in_pruefung", "in_umsetzung", "umgesetzt", "abgelehnt", "zusammengefuehrt")


@dataclass(frozen=True)
class Person:
    id: int
    platform: str
    platform_user_id: str
    display_name: str
    department: str | None
    role: str
    matching_opt_in: bool
    language: str | None
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Person:
        return cls(
            id=row["id"],
            platform=row["platform"],
            platform_user_id=row["platform_user_id"],
            display_name=row["display_name"],
            department=row["department"],
            role=row["role"],
            matching_opt_in=bool(row["matching_opt_in"]),
            language=row["language"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


@dataclass(frozen=True)
class NewIdea:
    text: str
    author_id: int | None
    title: str | None = None
    department: str | None = None
    status: str = "neu"
    source_platform: str | None = None
    source_room: str | None = None
    source_event_id: str | None = None
    import_key: str | None = None
    created_at: str | None = None  # kept from an import; otherwise "now"


@dataclass(frozen=True)
class Idea:
    id: int
    text: str
    title: str | None
    author_id: int | None
    author_name: str | None
    department: str | None
    status: str
    source_platform: str | None
    source_room: str | None
    source_event_id: str | None
    merged_into: int | None
    created_at: str
    updated_at: str
    supporters: int = 0

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Idea:
        return cls(
            id=row["id"],
            text=row["text"],
            title=row["title"],
            author_id=row["author_id"],
            author_name=row.get("author_name"),
            department=row["department"],
            status=row["status"],
            source_platform=row["source_platform"],
            source_room=row["source_room"],
            source_event_id=row["source_event_id"],
            merged_into=row["merged_into"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            supporters=row.get("supporters") or 0,
        )
