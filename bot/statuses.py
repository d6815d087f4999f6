"""Idea statuses as people write them, for chat commands and imports alike."""

from __future__ import annotations

from bot.commands import ArgumentError
from bot.i18n import Translator
from knowledge.folding import fold
from knowledge.records import STATUSES

# Spellings people type for each status, folded (see knowledge.folding.fold).
_WORDS = {
    "neu": "neu", "new": "neu",
    "in pruefung": "in_pruefung", "pruefung": "in_pruefung", "in_pruefung": "in_pruefung",
    "in-pruefung": "in_pruefung", "under review": "in_pruefung", "review": "in_pruefung",
    "in umsetzung": "in_umsetzung", "umsetzung": "in_umsetzung", "in_umsetzung": "in_umsetzung",
    "in-umsetzung": "in_umsetzung", "in progress": "in_umsetzung",
    "umgesetzt": "umgesetzt", "done": "umgesetzt",
    "abgelehnt": "abgelehnt", "rejected": "abgelehnt",
}  # fmt: skip
SETTABLE = tuple(s for s in STATUSES if s != "zusammengefuehrt")


def parse_status(raw: str) -> str:
    status = _WORDS.get(" ".join(fold(raw).split()))
    if status is None:
        raise ArgumentError("status.unknown")
    return status


def status_choices(t: Translator) -> str:
    return ", ".join(t(f"status.names.{s}") for s in SETTABLE)
