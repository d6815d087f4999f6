"""Plain records the store hands out; the core never sees rows or SQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from functools import cache
from typing import Any, TypeVar, cast

R = TypeVar("R")

ROLES = ("staff", "cdo", "cio", "admin")
DEMO_PLATFORM = "demo"  # the example town's people (bot.demo): met, never written to
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
    for name, optional, boolean in _shape(cast(type, cls)):
        if optional and name not in row:
            continue
        value = row.get(name)
        values[name] = bool(value) if boolean else value
    return cls(**values)


@cache
def _shape(cls: Any) -> tuple[tuple[str, bool, bool], ...]:
    """Per field: its name, whether it has a default, whether it is a bool. Asked once per
    record type: ``dataclasses.fields`` on every row cost a sixth of reading 10,000 ideas."""
    return tuple((f.name, f.default is not MISSING, f.type == "bool") for f in fields(cls))
