"""`!suche` with many ideas: how many it found in all, not only the first few (a trial with
310 ideas saw five of twenty hits and took them for all), and "E-Akte" as written."""

from __future__ import annotations

from bot.config import Settings
from knowledge.records import NewIdea
from knowledge.store import Store
from tests.conftest import Say

NOW = "2026-11-23T09:00:00+00:00"


def add(store: Store, *texts: str) -> None:
    with store.transaction():
        for text in texts:
            store.add_idea(NewIdea(text, None), NOW)


def bullets(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("• ")]


def test_more_hits_than_shown_are_counted_with_a_way_to_narrow(
    say: Say, store: Store, settings: Settings
) -> None:
    add(store, *(f"Termin online buchen, Schalter {n}" for n in range(1, 21)))
    add(store, "Kantine mit Salatbar", "WLAN in allen Sitzungsräumen")
    [reply] = say("!suche Termin online")
    shown = settings.search_results
    assert reply.text.splitlines()[0] == (
        f"Zu „Termin online“ habe ich 20 Ideen gefunden, hier die ersten {shown}. Genauer "
        "wird es mit einem weiteren Stichwort: `!suche Termin online <Stichwort>`"
    )
    assert len(bullets(reply.text)) == shown
    [english] = say("!search Termin online", language="en")
    assert english.text.startswith(
        f"I found 20 ideas for “Termin online”, here are the first {shown}."
    )
    assert "`!search Termin online <keyword>`" in english.text


def test_all_hits_shown_need_no_count(say: Say, store: Store) -> None:
    add(store, "Termin online buchen", "Termine im Bürgerbüro online vergeben", "Kantine")
    [reply] = say("!suche Termin online")
    assert reply.text.splitlines()[0] == "Das habe ich zu „Termin online“ gefunden:"
    assert len(bullets(reply.text)) == 2


def test_the_count_is_of_the_any_term_search_when_no_idea_has_all_terms(store: Store) -> None:
    add(store, "Rechnungen digital freigeben", "Termine online buchen", "Rechnung per Mail")
    hits = store.find_ideas("Rechnung Termine", limit=2)
    assert (len(hits.ideas), hits.total) == (2, 3)
    assert store.find_ideas("Rechnung Termine", limit=5).total == 3
    assert store.find_ideas("Kantine", limit=5).total == 0


def test_e_akte_is_searched_as_written(say: Say, store: Store) -> None:
    """Searched as "akte" alone, the ideas on Akten outranked the one on the E-Akte."""
    add(store, *(f"Akten {n} im Archiv" for n in range(1, 13)))
    add(store, "Einführung der E-Akte in allen Fachbereichen, beginnend mit dem Hauptamt")
    [reply] = say("!suche E-Akte")
    assert [line[:8] for line in bullets(reply.text)] == ["• **#13*"]
    [plural] = say("!suche E-Akten")
    assert "Einführung der E-Akte" in plural.text


def test_without_an_e_akte_idea_the_search_falls_back_to_akten(store: Store) -> None:
    add(store, "Akten im Archiv digitalisieren", "Kantine mit Salatbar")
    assert [idea.id for idea in store.search_ideas("E-Akte")] == [1]
