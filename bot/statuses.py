"""Idea statuses: the one list, and how people write them, for chat commands and imports alike.

``Status`` is a ``StrEnum`` whose values are the strings the store holds (German, without
umlauts), so a member is equal to, and stored as, its plain string: nothing in the database
changes, and ``knowledge/`` keeps its plain strings (``knowledge.records.STATUSES``, which a
test holds equal to this list). Code in ``bot/`` compares and lists statuses through it, so a
typo is a name error instead of a comparison that is silently never true.
"""

from __future__ import annotations

from enum import StrEnum

from bot.commands import ArgumentError
from bot.i18n import Translator
from knowledge.folding import fold


class Status(StrEnum):
    NEW = "neu"
    IN_REVIEW = "in_pruefung"
    IN_PROGRESS = "in_umsetzung"
    DONE = "umgesetzt"
    REJECTED = "abgelehnt"
    MERGED = "zusammengefuehrt"  # set by a merge only, never by hand


SETTABLE = tuple(s for s in Status if s is not Status.MERGED)
HIDDEN = (Status.REJECTED, Status.MERGED)  # not suggested as similar unless asked for

# Spellings people type for each status, folded (see knowledge.folding.fold).
_WORDS = {
    "neu": Status.NEW, "new": Status.NEW,
    "in pruefung": Status.IN_REVIEW, "pruefung": Status.IN_REVIEW,
    "in_pruefung": Status.IN_REVIEW, "in-pruefung": Status.IN_REVIEW,
    "under review": Status.IN_REVIEW, "review": Status.IN_REVIEW,
    "in umsetzung": Status.IN_PROGRESS, "umsetzung": Status.IN_PROGRESS,
    "in_umsetzung": Status.IN_PROGRESS, "in-umsetzung": Status.IN_PROGRESS,
    "in progress": Status.IN_PROGRESS,
    "umgesetzt": Status.DONE, "done": Status.DONE,
    "abgelehnt": Status.REJECTED, "rejected": Status.REJECTED,
}  # fmt: skip


def parse_status(raw: str) -> Status:
    status = _WORDS.get(" ".join(fold(raw).split()))
    if status is None:
        raise ArgumentError("status.unknown")
    return status


def status_choices(t: Translator) -> str:
    return ", ".join(t(f"status.names.{s}") for s in SETTABLE)
