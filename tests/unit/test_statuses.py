"""Idea statuses: the enum is the store's list, and people's spellings map onto it."""

from __future__ import annotations

import pytest

from bot.commands import ArgumentError
from bot.i18n import Translator
from bot.statuses import SETTABLE, Status, parse_status, status_choices
from knowledge.records import STATUSES


def test_the_enum_is_the_stores_list_in_its_order() -> None:
    """``knowledge/`` keeps plain strings; nothing stored changes."""
    assert tuple(Status) == STATUSES
    assert all(status == value for status, value in zip(Status, STATUSES, strict=True))
    assert f"status.names.{Status.IN_REVIEW}" == "status.names.in_pruefung"
    assert Status.MERGED not in SETTABLE


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ("neu", Status.NEW),
        ("In Prüfung", Status.IN_REVIEW),
        ("in  pruefung", Status.IN_REVIEW),
        ("in progress", Status.IN_PROGRESS),
        ("Umgesetzt", Status.DONE),
        ("rejected", Status.REJECTED),
    ],
)
def test_spellings_people_type(typed: str, status: Status) -> None:
    assert parse_status(typed) is status


@pytest.mark.parametrize("typed", ["zusammengefuehrt", "fertig", ""])
def test_unknown_or_not_settable(typed: str) -> None:
    with pytest.raises(ArgumentError):
        parse_status(typed)


def test_choices_name_the_settable_ones() -> None:
    assert status_choices(Translator()).count(",") == len(SETTABLE) - 1
