"""Replies say what is true (issue #15, item 22): merges of one author's ideas, the
"Kontakt" button, and the answer to "that did not help"."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.records import NewIdea
from tests.unit.test_questions import PRINTER, Chat

IDEA = "Eingangsrechnungen sollten als E-Rechnung digital freigegeben werden"


@pytest.fixture
def chat(tmp_path: Path):  # type: ignore[no-untyped-def]
    opened = Chat(tmp_path)
    yield opened
    opened.store.close()


def test_merging_one_authors_ideas_claims_no_support(chat: Chat) -> None:
    chat.say("anna", IDEA)
    chat.say("anna", IDEA + " bitte")
    chat.say("ben", IDEA + " schnell")
    (done, *notice) = chat.say("cdo-user", "!zusammenfuehren 2 1")
    assert "unterstützt jetzt" not in done.text and "derselben Person" in done.text
    assert notice and "automatisch" not in notice[0].text  # Anna is told, truthfully
    assert chat.store.get_idea(1).supporters == 0  # type: ignore[union-attr]
    (done, *notice) = chat.say("cdo-user", "!zusammenfuehren 3 1")  # Ben's: he supports #1 now
    assert "unterstützt jetzt #1" in done.text and "automatisch" in notice[0].text
    assert chat.store.get_idea(1).supporters == 1  # type: ignore[union-attr]


def test_contact_button_only_for_authors_who_allow_introductions(chat: Chat) -> None:
    chat.say("anna", IDEA)  # Anna never switched matching on
    (reply,) = chat.say("ben", IDEA + " bitte")
    commands = [b.command for b in reply.buttons]
    assert "!unterstuetzen 1" in commands and "!vernetzen 1" not in commands
    chat.say("anna", "!matching an")
    (reply,) = chat.say("carla", IDEA + " schnell")
    assert "!vernetzen 1" in [b.command for b in reply.buttons]


def test_not_helped_is_answered_once(chat: Chat) -> None:
    chat.say("anna", f"!frage {PRINTER}")
    chat.say("cio-user", "!antwort 1 Bitte rufen Sie den IT-Service unter 4711 an.")
    chat.say("ben", f"!frage {PRINTER}")
    mine, *delivered = chat.say("ben", "!geholfen nein 2")
    assert mine.text.count("#2") == 1 and "gespeichert" not in mine.text
    assert "Schade. Ich gebe Ihre Frage **#2** an die oder den CIO weiter." in mine.text
    assert [r.direct_to for r in delivered] == ["cio-user"]


def test_not_helped_still_passes_on_a_question_whose_offer_was_erased(chat: Chat) -> None:
    """Erasing the person whose answer was offered nulls the offer; "nein" must still route
    the question instead of claiming it was passed on already."""
    chat.say("anna", f"!frage {PRINTER}")
    chat.say("cio-user", "!antwort 1 Bitte rufen Sie den IT-Service unter 4711 an.")
    chat.say("ben", f"!frage {PRINTER}")  # the answer to #1 is offered for #2
    for question in (1, 2):  # what an erasure of the offered answer's question leaves
        chat.store.db.execute(
            "UPDATE questions SET offered_answer_id = NULL WHERE id = ?", [question]
        )
    mine, *delivered = chat.say("ben", "!geholfen nein 2")
    assert "Ich gebe Ihre Frage **#2** an die oder den CIO weiter" in mine.text
    assert [r.direct_to for r in delivered] == ["cio-user"]


def test_example_and_other_platform_colleagues_get_no_direct_message(chat: Chat) -> None:
    """The demo town's colleagues are suggested, so ``!vernetzen <their id>`` must find them;
    no direct message can reach them (nor anyone on another platform), and the reply says so."""
    now = "2026-11-23T09:00:00Z"
    example = chat.store.upsert_person("demo", "jana.schulz", "Jana Schulz (Beispiel)", now)
    slack = chat.store.upsert_person("slack", "U123", "Uwe Slack", now)
    for person in (example, slack):
        chat.store.set_matching(person.id, True, now)
    (reply,) = chat.say("anna", "!vernetzen jana.schulz")
    assert "Beispielperson" in reply.text and reply.direct_to is None
    idea = chat.store.add_idea(NewIdea("WLAN im Ratssaal", slack.id), now)
    (reply,) = chat.say("anna", f"!vernetzen {idea.id}")
    assert "andere Chat-Plattform" in reply.text and reply.direct_to is None
