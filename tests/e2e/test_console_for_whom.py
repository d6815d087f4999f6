"""The console shows everything to whoever sits at it, so a reply for somebody else says for
whom it is: a question routed to the CDO, the answer going into the asker's thread."""

from __future__ import annotations

import io
from pathlib import Path

from adapters.console import ConsoleChat, to_text
from bot.config import Settings
from bot.core import Bot
from bot.events import Reply, Sender
from knowledge.open import open_store

ANNA = Sender("anna", "Anna Schmidt", "FD 20")
CDO = Sender("cdo-user", "Claudia Hoffmann", "Stabsstelle Digitalisierung")


def test_a_routed_question_and_its_answer_name_the_person_they_are_for(tmp_path: Path) -> None:
    store = open_store(tmp_path / "data")
    settings = Settings(data_dir=tmp_path / "data", roles={"cdo-user": "cdo"})
    bot = Bot(store, settings)
    anna_out, cdo_out = io.StringIO(), io.StringIO()
    anna = ConsoleChat(bot, ANNA, out=anna_out)
    cdo = ConsoleChat(bot, CDO, out=cdo_out)
    try:
        cdo.say("!hilfe")  # the CDO has typed here, so the console knows her name
        anna.say("!frage Wer kümmert sich um die Digitalisierungsagenda?")
        asked = anna_out.getvalue()
        assert "[Direktnachricht an Claudia Hoffmann (cdo-user)]\n**Neue Frage #1**" in asked
        assert "Von: Anna Schmidt (FD 20)" in asked

        before = len(cdo_out.getvalue())
        cdo.say("!antwort 1 Die Stabsstelle Digitalisierung, also ich.")
        answered = cdo_out.getvalue()[before:]
        confirmation, delivered = answered.split("[An Anna Schmidt (anna), im Thread]\n")
        assert confirmation.startswith("Danke! Ihre Antwort auf Frage #1")  # hers: no heading
        assert "geht an Anna Schmidt" in confirmation
        assert delivered.startswith("**Antwort auf Ihre Frage #1** von Claudia Hoffmann")

        before = len(anna_out.getvalue())
        anna.say("!meine-fragen")  # a direct message shows right here: no note that it went
        mine = anna_out.getvalue()[before:]
        assert mine.startswith("**Ihre Fragen:**\n\n• **#1** Wer kümmert sich"), mine
    finally:
        store.close()


def test_headings_for_every_kind_of_address() -> None:
    names = {"bob": "Bob Becker", "jana.schulz": "Jana Schulz (Beispiel)"}.get
    authors = {"ev-bob": "bob", "ev-me": "anna"}.get

    def heading(reply: Reply) -> str:
        return to_text(reply, "anna", name_of=names, author_of=authors).split("\n")[0]

    assert heading(Reply("x", direct_to="bob")) == "[Direktnachricht an Bob Becker (bob)]"
    assert heading(Reply("x", direct_to="jana.schulz")) == (
        "[Direktnachricht an Jana Schulz (Beispiel) (jana.schulz)]"
    )
    assert heading(Reply("x", direct_to="carla")) == "[Direktnachricht an carla]"  # name unknown
    assert (
        heading(Reply("x", room="konsole", thread_id="ev-bob"))
        == "[An Bob Becker (bob), im Thread]"
    )
    assert heading(Reply("x", room="konsole", thread_id="ev-else")) == (
        "[In den Thread einer früheren Nachricht, nicht an Sie]"
    )
    assert (
        heading(Reply("x", room="!triage:stadt.example")) == "[In den Raum !triage:stadt.example]"
    )
    # for the person typing: no heading at all
    for mine in (
        Reply("x"),
        Reply("x", thread_id="ev-now"),
        Reply("x", direct_to="anna"),
        Reply("x", room="konsole", thread_id="ev-me"),
    ):
        assert heading(mine) == "x"


def test_an_answer_to_a_question_asked_in_another_console_names_the_asker(
    tmp_path: Path,
) -> None:
    """Trial 10: the CDO answered a question asked in another console process and read "[In
    den Thread einer früheren Nachricht, nicht an Sie]"; the store knows who asked."""
    settings = Settings(data_dir=tmp_path / "data", roles={"cdo-user": "cdo"})
    anna_store, cdo_store = open_store(tmp_path / "data"), open_store(tmp_path / "data")
    try:
        anna = ConsoleChat(Bot(anna_store, settings), ANNA, out=io.StringIO())
        anna.say("!frage Wer kümmert sich um die Digitalisierungsagenda?")
        cdo_out = io.StringIO()
        cdo = ConsoleChat(Bot(cdo_store, settings), CDO, out=cdo_out)
        cdo.say("!antwort 1 Die Stabsstelle Digitalisierung.")
        assert "[An anna, im Thread]\n**Antwort auf Ihre Frage #1**" in cdo_out.getvalue()
    finally:
        anna_store.close()
        cdo_store.close()
