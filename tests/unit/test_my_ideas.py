"""`!meine-ideen`: one's own ideas at a glance (trial 26 had only the JSON export)."""

from __future__ import annotations

from knowledge.store import Store
from tests.conftest import Say


def mine(say: Say, who: str) -> str:
    """The list, sent privately: asked in a room, the room only hears that it was."""
    [private] = [reply for reply in say("!meine-ideen", who) if reply.direct_to == who]
    return private.text


def test_my_ideas_lists_mine_newest_first_with_status_and_supports(say: Say) -> None:
    assert mine(say, "kai").startswith("Sie haben noch keine Idee eingebracht.")
    say("!idee Stundenzettel im Bauhof digital erfassen", "kai")
    say("!idee Fahrtenbuch für Dienstwagen als App", "kai")
    say("!idee WLAN in allen Grundschulen", "anja")
    say("!unterstuetzen 1", "anja")
    listed = mine(say, "kai")
    lines = listed.splitlines()
    assert lines[0] == "Ihre Ideen (2), die neuesten zuerst:"
    assert lines[2] == "• **#2** Fahrtenbuch für Dienstwagen als App · neu"
    assert lines[3] == "• **#1** Stundenzettel im Bauhof digital erfassen · neu · 1 Unterstützung"
    assert "WLAN" not in listed


def test_a_greeting_or_a_question_about_the_bot_is_answered_with_how_to_use_it(
    say: Say, store: Store
) -> None:
    """Trial 32: "hallo, wie funktioniert das hier?" became question #1 for the CIO."""
    for text in ("hallo, wie funktioniert das hier?", "Moin zusammen!", "Was kann der Bot?"):
        [reply] = say(text, "uwe")
        assert reply.text.startswith("Hallo! Schreiben Sie mir Ihre Idee einfach als Nachricht")
        assert "`!hilfe`" in reply.text
    assert store.count_ideas() == 0 and store.open_questions() == []
    say("Wie funktioniert das WLAN im Rathaus?", "uwe")  # a real question
    say("Hallo, wir sollten Eingangsrechnungen digital freigeben.", "uwe")  # an idea
    assert len(store.open_questions()) == 1 and store.count_ideas() == 1
