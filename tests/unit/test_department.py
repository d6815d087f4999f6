"""People name their own department where the platform has none (trial 29: on Matrix the
digest counted every idea "ohne Fachbereich" and grouped "2 Ideen aus ohne Fachbereich")."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.digest import ClusterItem, Digest, IdeaItem, IntroductionItem, Trend
from bot.digest_render import render_html, render_markdown
from bot.events import Message, Sender
from bot.i18n import Translator
from knowledge.open import open_store
from tests.unit.test_network import Chat

IDEA = "Eingangsrechnungen sollten als E-Rechnung automatisch verarbeitet werden"


def test_a_person_names_their_department_and_their_ideas_get_it(tmp_path: Path) -> None:
    chat = Chat(tmp_path)
    try:
        [first] = chat.say("anna", f"!idee {IDEA}")
        assert "!fachbereich <Name>" in first.text  # asked once, with the first idea
        [second] = chat.say("anna", "!idee WLAN in allen Sitzungsräumen")
        assert "fachbereich" not in second.text
        [unknown] = chat.say("anna", "!fachbereich")
        assert "kenne ich noch nicht" in unknown.text

        [saved] = chat.say("anna", "!fachbereich   FD 20   Finanzen")
        assert "„FD 20 Finanzen“" in saved.text and "(2 Ideen)" in saved.text
        assert {i.department for i in chat.store.ideas()} == {"FD 20 Finanzen"}
        person = chat.store.find_person("console", "anna")
        assert person is not None and person.department == "FD 20 Finanzen"
        [third] = chat.say("anna", "!idee Dienstreisen digital abrechnen")
        assert "fachbereich" not in third.text
        assert chat.store.get_idea(3).department == "FD 20 Finanzen"  # type: ignore[union-attr]
        assert "„FD 20 Finanzen“" in chat.say("anna", "!department")[0].text

        [cleared] = chat.say("anna", "!fachbereich keiner")
        assert "gelöscht" in cleared.text
        person = chat.store.find_person("console", "anna")
        assert person is not None and person.department is None
        assert chat.store.get_idea(1).department == "FD 20 Finanzen"  # type: ignore[union-attr]
        [long] = chat.say("anna", "!fachbereich " + "x" * 81)
        assert "höchstens 80 Zeichen" in long.text
        actions = [row["action"] for row in chat.store.db.query("SELECT action FROM audit_log")]
        assert actions.count("person.department") == 2
    finally:
        chat.store.close()
    reopened = open_store(tmp_path / "data")  # committed, not just in the bot's memory
    try:
        assert [i.department for i in reopened.ideas()] == ["FD 20 Finanzen"] * 3
    finally:
        reopened.close()


def test_an_idea_written_directly_is_said_to_be_seen_by_all(tmp_path: Path) -> None:
    """Trial 29: ideas from direct rooms showed up, quoted in full, in the all-staff room."""
    chat = Chat(tmp_path)
    try:
        [room] = chat.say("anna", f"!idee {IDEA}", "FD 20")
        assert "alle Beschäftigten" not in room.text
        direct = Message("console", "d1", Sender("anna", "Anna", "FD 20"), "!idee Akten scannen",
                         room="dm", is_direct=True)  # fmt: skip
        [first] = chat.bot.handle(direct)
        assert "Ideen sehen alle Beschäftigten" in first.text
        [second] = chat.bot.handle(replace(direct, event_id="d2", text="!idee Post scannen"))
        assert "alle Beschäftigten" not in second.text  # said once
    finally:
        chat.store.close()


def test_the_digest_says_plainly_when_nobody_named_a_department() -> None:
    idea = IdeaItem(1, "Rechnungen digital", None, None, "neu", 0, "2026-12-01T10:00:00", True)
    other = replace(idea, id=2, summary="E-Rechnung einführen")
    group = ClusterItem(("Rechnung",), (idea, other), (), False, 2)
    meet = IntroductionItem(1, 2, "Anna", "Ben", None, "FD 20", ("Rechnung",), 0.9)
    digest = Digest(
        "2026-11-26T00:00:00", "2026-12-03T00:00:00", 7, False, (idea, other), (group,), (),
        (meet,), 1, (), (), (), Trend(2, 0, 0, 0, 0, 0, ()),
    )  # fmt: skip
    t = Translator("de")
    for text in (render_markdown(digest, t), render_html(digest, t)):
        assert "Rechnung – 2 Ideen, Fachbereiche nicht angegeben" in text
        assert "aus ohne Fachbereich" not in text
        assert "Anna und Ben (FD 20)" in text
