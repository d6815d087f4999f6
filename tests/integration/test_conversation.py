"""The conversation core with a real store: what people see for what they type."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.core import Bot
from bot.events import Action, Message, Sender
from bot.matcher import Colleague, NoMatcher, SimilarIdea, Suggestions
from knowledge.records import Idea, Person
from knowledge.store import Store
from tests.conftest import FakeClock, Say

IDEA = "Eingangsrechnungen sollten als E-Rechnung automatisch verarbeitet werden"


def test_idea_is_confirmed_with_its_number_and_found(say: Say, store: Store) -> None:
    [reply] = say(f"!idee {IDEA}")
    assert "**#1**" in reply.text and "gespeichert" in reply.text
    assert reply.thread_id == "ev1"  # answered in the thread of the message
    [found] = say("!suche Rechnung")
    assert "#1" in found.text and "Anna (FD 20)" in found.text and "neu" in found.text
    [idea] = store.ideas()
    assert (idea.text, idea.department, idea.source_event_id) == (IDEA, "FD 20", "ev1")


def test_search_finds_other_forms_of_a_word(say: Say) -> None:
    """Trial 14: `!suche Urlaubsanträgen` and `!suche Passwörter` found nothing."""
    say("!idee Den Urlaubsantrag digital stellen statt auf Papier")
    say("!idee Urlaubsanträge sollte die Führungskraft im Portal freigeben", "bob")
    say("!idee Ein Passwort selbst zurücksetzen können", "carla")
    found = say("!suche Urlaubsanträgen")[0].text
    assert "#1" in found and "#2" in found and "#3" not in found
    assert "#3" in say("!suche Passwörter")[0].text
    assert "#3" in say("!suche Passwort")[0].text


def test_plain_text_in_an_idea_room_is_an_idea(say: Say, store: Store) -> None:
    [reply] = say("Wir sollten Sitzungsprotokolle digital abstimmen")
    assert "#1" in reply.text
    assert say("Nur ein Gespräch am Rande", idea_room=False) == []
    assert store.count_ideas() == 1


def test_the_same_event_twice_stores_one_idea(say: Say, store: Store) -> None:
    assert say(f"!idee {IDEA}", event_id="$same")
    assert say(f"!idee {IDEA}", event_id="$same") == []
    assert say(f"!idee {IDEA}", event_id="$same", platform="slack")  # other platform, other id
    assert store.count_ideas() == 2


def test_button_click_acts_like_its_command(bot: Bot, say: Say, store: Store) -> None:
    say(f"!idee {IDEA}")
    click = Action("console", "click1", Sender("bob", "Bob"), "!unterstuetzen 1", room="room")
    [reply] = bot.handle(click)
    assert "unterstützen jetzt Idee **#1**" in reply.text
    assert bot.handle(click) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!", "fehlt der Befehl"),
        ("!gibtsnicht", "Den Befehl „gibtsnicht“ kenne ich nicht"),
        ("!ide Tippfehler", "Meinten Sie `!idee`?"),
        ("!idee", "Bitte schreiben Sie Ihre Idee direkt hinter den Befehl"),
        ("!unterstuetzen 99", "Eine Idee mit der Nummer #99 gibt es nicht"),
        ("!unterstuetzen zwölf", "„zwölf“ ist keine gültige Nummer"),
        ("!suche ab", "mindestens einem Wort aus drei"),
        ("!suche Zeppelin", "keine Idee gefunden"),
        ("!status 1 umgesetzt", "nur diese Rollen verwenden: CDO, CIO, Administration"),
    ],
)
def test_bad_input_gets_a_clear_german_answer(say: Say, text: str, expected: str) -> None:
    [reply] = say(text)
    assert expected in reply.text


def test_text_over_the_limit_is_refused_and_not_stored(store: Store, clock: FakeClock) -> None:
    bot = Bot(store, Settings(max_text_length=50), clock=clock)
    sender = Sender("anna", "Anna")
    [reply] = bot.handle(Message("console", "e1", sender, "!idee " + "x" * 60), idea_room=True)
    assert "66 Zeichen lang, möglich sind höchstens 50" in reply.text
    assert store.count_ideas() == 0


def test_role_holders_set_status_and_the_author_hears_of_it(say: Say, store: Store) -> None:
    say(f"!idee {IDEA}")
    replies = say("!status 1 in Prüfung", "cdo-user")
    assert "Status „in Prüfung“" in replies[0].text
    assert replies[1].direct_to == "anna" and "#1" in replies[1].text
    assert "bereits" in say("!status 1 in Prüfung", "cdo-user")[0].text
    assert "#77" in say("!status 77 umgesetzt", "cio-user")[0].text
    idea = store.get_idea(1)
    assert idea is not None and idea.status == "in_pruefung"
    [entry] = store.audit_entries("idea.status")
    assert entry["detail"] == "neu->in_pruefung"


def test_console_operator_may_claim_a_role(say: Say) -> None:
    say(f"!idee {IDEA}")
    assert "Status „umgesetzt“" in say("!status 1 umgesetzt", "chef", role="admin")[0].text


def test_support_rules(say: Say) -> None:
    say(f"!idee {IDEA}")
    assert "eigene Idee" in say("!unterstuetzen 1")[0].text
    assert "1 Unterstützung" in say("!unterstuetzen 1", "bob")[0].text
    assert "bereits" in say("!unterstuetzen #1", "bob")[0].text
    assert "2 Unterstützung" in say("!support 1", "carla")[0].text


def test_interests(say: Say, store: Store) -> None:
    assert "noch keine Interessen" in say("!interessen")[0].text
    saved = say("!interessen E-Akte; Open Data, e-akte")[0].text
    assert "E-Akte, Open Data" in saved
    assert "`!matching an`" in saved  # trial 13: interests alone put nobody in `!wer`
    say("!matching an")
    assert "matching" not in say("!interessen E-Akte, Open Data")[0].text
    assert "Ihre Interessen: E-Akte, Open Data" in say("!interessen")[0].text
    assert "zu ändern" not in say("!interessen keine")[0].text
    assert "höchstens 20" in say("!interessen " + ", ".join(f"T{i}" for i in range(21)))[0].text
    assert "höchstens 60 Zeichen" in say("!interessen " + "x" * 61)[0].text


def test_help_lists_every_command_and_explains_one(say: Say) -> None:
    overview = say("!hilfe")[0].text
    for command in ("!idee", "!suche", "!unterstuetzen", "!interessen", "!meine-ideen", "!hilfe"):
        assert f"`{command}" in overview
    # the roles' commands only for them (trial 26), and said that there are more
    assert "`!status" not in overview and "`!antwort" not in overview
    assert "weitere Befehle sind den Rollen vorbehalten" in overview
    steward = say("!hilfe", "cdo-user", role="cdo")[0].text
    assert "`!status" in steward and "vorbehalten" not in steward
    detail = say("!hilfe status")[0].text
    assert "`!status <Nummer> <Status>`" in detail and "Beispiel" in detail and "CDO" in detail
    assert "Meinten Sie `!hilfe suche`?" in say("!hilfe sucje")[0].text
    assert "`!unterstuetzen <Nummer>`" in say("!hilfe unterstützen")[0].text


def test_english_on_request(say: Say) -> None:
    assert "saved as **#1**" in say(f"!idea {IDEA}", language="en")[0].text


def test_a_failing_handler_answers_politely_and_keeps_running(
    store: Store, settings: Settings, clock: FakeClock
) -> None:
    class BrokenIntake(NoMatcher):
        def suggest(self, store: Store, idea: Idea, author: Person) -> Suggestions:
            raise RuntimeError("model crashed")

    bot = Bot(store, settings, matcher=BrokenIntake(), clock=clock)
    sender = Sender("anna", "Anna")
    [reply] = bot.handle(Message("console", "e1", sender, f"!idee {IDEA}"), idea_room=True)
    assert "etwas schiefgegangen" in reply.text
    assert store.count_ideas() == 0  # not confirmed, so not kept half-done
    assert bot.handle(Message("console", "e1", sender, f"!idee {IDEA}")) == []  # retry: once
    [ok] = bot.handle(Message("console", "e2", sender, "!suche Rechnung"))
    assert "keine Idee gefunden" in ok.text


def test_intake_suggestions_are_shown(store: Store, settings: Settings, clock: FakeClock) -> None:
    class OneSuggestion(NoMatcher):
        def suggest(self, store: Store, idea: Idea, author: Person) -> Suggestions:
            if idea.id == 1:
                return Suggestions()
            first = store.get_idea(1)
            assert first is not None
            colleague = store.upsert_person("console", "carla", "Carla", "now", department="IT")
            return Suggestions(
                (SimilarIdea(first, 0.93, "gemeinsame Begriffe: Rechnung", duplicate=True),),
                (Colleague(colleague, "Interesse: E-Rechnung"),),
            )

    bot = Bot(store, settings, matcher=OneSuggestion(), clock=clock)
    sender = Sender("anna", "Anna")
    bot.handle(Message("console", "e1", sender, f"!idee {IDEA}"))
    [reply] = bot.handle(Message("console", "e2", Sender("bob", "Bob"), "!idee E-Rechnung"))
    assert "Ist das dieselbe Idee wie #1?" in reply.text and "**#1**" in reply.text
    assert "Carla (IT): Interesse: E-Rechnung" in reply.text
    assert reply.buttons[0].command == "!unterstuetzen 1"
