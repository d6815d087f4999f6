"""Another ``command_prefix`` all the way (issue #16): buttons and texts name commands with it.

Buttons used to carry "!" whatever the prefix was, so with ``command_prefix = "?"`` a click (in
the console: typing the command a button shows) did nothing, and the texts taught "!".
Each test runs with a one-character prefix and with a word.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from adapters.console import ConsoleChat
from bot.events import Reply, Sender
from tests.unit.test_questions import PRINTER, Chat

IDEA = "Eingangsrechnungen sollten als E-Rechnung digital freigegeben werden"
ASSUMED = re.compile(r"!(?=[a-z])")  # "!unterstuetzen": the prefix the bot used to assume


@pytest.fixture(params=["?", "/ideen "], ids=["sign", "word"])
def chat(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    opened = Chat(tmp_path, prefix=request.param)
    yield opened
    opened.store.close()


def console(chat: Chat, who: str) -> ConsoleChat:
    return ConsoleChat(chat.bot, Sender(who, who.capitalize()), out=io.StringIO())


def printed(chat: ConsoleChat) -> str:
    assert isinstance(chat.out, io.StringIO)
    return chat.out.getvalue()


def buttons(replies: list[Reply]) -> dict[str, str]:
    return {b.label: b.command for reply in replies for b in reply.buttons}


def test_a_support_button_typed_in_the_console_supports(chat: Chat) -> None:
    prefix = chat.settings.command_prefix
    anna, ben = console(chat, "anna"), console(chat, "ben")
    anna.say(IDEA)
    replies = ben.say(IDEA + " bitte")
    support = buttons(replies)["Unterstützen #1"]
    assert support == f"{prefix}unterstuetzen 1"
    assert f"[Unterstützen #1] {support}" in printed(ben)  # what the console shows
    ben.say(support)
    idea = chat.store.get_idea(1)
    assert idea is not None and idea.supporters == 1


def test_answer_and_did_it_help_buttons_work(chat: Chat) -> None:
    prefix = chat.settings.command_prefix
    eve, cio, bob = console(chat, "eve"), console(chat, "cio-user"), console(chat, "bob")
    delivered = buttons(eve.say(PRINTER))
    assert delivered["Antworten #1"] == f"{prefix}antwort 1"
    cio.say(delivered["Antworten #1"] + " Das IT-Service-Team kommt vorbei.")
    question = chat.store.get_question(1)
    assert question is not None and question.status == "beantwortet"
    offered = buttons(bob.say(PRINTER))
    assert list(offered.values()) == [f"{prefix}geholfen ja 2", f"{prefix}geholfen nein 2"]
    [done] = bob.say(offered["Ja, hat geholfen"])
    assert "erledigt" in done.text


def test_the_erase_button_erases(chat: Chat) -> None:
    prefix = chat.settings.command_prefix
    anna = console(chat, "anna")
    anna.say(IDEA)
    [erase] = buttons(anna.say(f"{prefix}vergiss-mich")).values()
    assert erase.startswith(f"{prefix}vergiss-mich bestätigen ")
    anna.say(erase)
    assert chat.store.find_person("console", "anna") is None


def test_texts_name_commands_with_the_configured_prefix(chat: Chat) -> None:
    prefix = chat.settings.command_prefix
    anna = console(chat, "anna")
    [saved] = anna.say(IDEA)
    assert f"`{prefix}unterstuetzen 1`" in saved.text
    [overview] = anna.say(f"{prefix}hilfe")
    assert f"`{prefix}idee <Text>`" in overview.text
    [one] = anna.say(f"{prefix}hilfe unterstuetzen")
    assert f"`{prefix}unterstuetzen <Nummer>`" in one.text and f"{prefix}support" in one.text
    [typo] = anna.say(f"{prefix}ide x")
    assert f"Meinten Sie `{prefix}idee`?" in typo.text and f"`{prefix}hilfe`" in typo.text
    [empty] = anna.say(prefix)
    assert f"`{prefix}hilfe`" in empty.text
    [usage] = anna.say(f"{prefix}unterstuetzen")
    assert f"`{prefix}unterstuetzen <Nummer>`" in usage.text
    shown = printed(anna)  # everything the console printed, buttons included
    assert not ASSUMED.search(shown), shown
