"""The Lagebild's theme map while a newer one is made: deleted ideas are not on it."""

from __future__ import annotations

import time

from bot.config import Settings
from bot.digest import IdeaItem
from bot.lagebild_map import Dot, Landscape, Landscapes, Theme
from knowledge.records import NewIdea
from knowledge.store import Store
from tests.conftest import FakeClock

NOW = "2026-12-02T09:00:00+00:00"


def item(idea_id: int) -> IdeaItem:
    return IdeaItem(idea_id, f"Idee {idea_id}", "FD 20", None, "neu", 0, NOW, True)


def test_an_erased_idea_leaves_the_map_at_once(store: Store) -> None:
    """Trial 23: an erased person's idea stayed on /themen until the next map (75 s)."""
    with store.transaction():
        dora = store.upsert_person("console", "dora", "Dora", NOW)
        kept = store.add_idea(NewIdea("Akten digital", None), NOW)
        erased = store.add_idea(NewIdea("Formulare online", dora.id), NOW)
    theme = Theme(0, "Digital", (item(kept.id), item(erased.id)), 2, ("FD 20",), "#000", 1, 1)
    dots = (Dot(kept.id, 1, 1, 0, "Akten", "#000"), Dot(erased.id, 2, 2, 0, "Formulare", "#000"))
    with store.transaction():
        version = store.ideas_version()
    made = Landscape(version, NOW, True, (theme,), dots, 2)
    maps = Landscapes(store, Settings, object(), FakeClock(), min_interval=3600)
    maps._current, maps._made = made, time.monotonic()  # a new map is not due yet
    assert maps.current() is made  # nothing changed
    with store.transaction():
        store.erase_person(dora.id, NOW)
    shown = maps.current()
    assert shown is not None and [d.idea_id for d in shown.dots] == [kept.id]
    assert [i.id for i in shown.themes[0].ideas] == [kept.id] and shown.points == 1
