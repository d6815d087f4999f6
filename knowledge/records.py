"""Plain records the store hands out; the core never sees rows or SQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any, TypeVar

R = TypeVar("R")

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


def from_row(cls: type[R], row: Mapping[str, Any]) -> R:
    """A record from a query row, by field name.

    Columns a query did not select fall back to the field's default (or None); SQLite's
    0/1 become real booleans where the record says ``bool``.
    """
    values: dict[str, Any] = {}
    for field in fields(cls):  # type: ignore[arg-type]
        if field.name not in row and field.default is not MISSING:
            continue
        value = row.get(field.name)
        values[field.name] = bool(value) if field.type == "bool" else value
    return cls(**values)
