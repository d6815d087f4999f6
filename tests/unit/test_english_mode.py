"""English mode speaks English all the way: reasons, buttons and command suggestions.

Issue #15, item 17: with ``language = "en"`` replies came with German routing reasons, buttons
whose commands were German (``!nicht-aehnlich 3 1``) and German suggestions for mistyped
commands (``Did you mean `!meine-daten`?``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.events import Reply
from bot.i18n import Translator
from bot.render import route_reason
from matching.routing import AREAS, Route
from tests.unit.test_questions import PRINTER, Chat

GERMAN_COMMANDS = re.compile(
    r"!(unterstuetzen|vernetzen|nicht-aehnlich|antwort|weiterleiten|geholfen|meine-daten|hilfe)"
)


@pytest.fixture
def chat(tmp_path: Path):  # type: ignore[no-untyped-def]
    opened = Chat(tmp_path, language="en")
    yield opened
    opened.store.close()


def commands_of(replies: list[Reply]) -> list[str]:
    return [button.command for reply in replies for button in reply.buttons]


def test_idea_buttons_carry_english_commands(chat: Chat) -> None:
    chat.say("anna", "!matching on")
    chat.say("anna", "Invoices from suppliers should arrive electronically")
    (reply,) = chat.say("ben", "Invoices from suppliers should arrive electronically please")
    commands = commands_of([reply])
    assert "!support 1" in commands and "!connect 1" in commands
    assert "!not-similar 2 1" in commands
    assert not GERMAN_COMMANDS.search(reply.text + " ".join(commands))


def test_question_reason_and_role_buttons_are_english(chat: Chat) -> None:
    mine, *delivered = chat.say("eve", f"!ask {PRINTER}")
    assert "This is about hardware, which the CIO looks after." in mine.text
    assert "Es geht um" not in mine.text
    to_cio = commands_of(delivered)
    assert to_cio[0] == "!answer 1" and "!reroute 1 both" in to_cio
    assert "This is about hardware" in delivered[0].text  # the stored reason, in English too
    assert not GERMAN_COMMANDS.search(" ".join(to_cio))


def test_feedback_buttons_are_english(chat: Chat) -> None:
    chat.say("eve", f"!ask {PRINTER}")
    chat.say("cio-user", "!answer 1 Please call the IT service desk on 4711.")
    (offer,) = chat.say("ben", f"!ask {PRINTER}")
    assert commands_of([offer]) == ["!helped yes 2", "!helped no 2"]


def test_mistyped_and_forbidden_commands_are_answered_in_english(chat: Chat) -> None:
    (unknown,) = chat.say("anna", "!mydata")
    assert "Did you mean `!my-data`?" in unknown.text
    (help_for,) = chat.say("anna", "!help mydat")
    assert "`!help my-data`" in help_for.text
    (refused,) = chat.say("anna", "!merge 1 2")
    assert "`!merge`" in refused.text and "!zusammenfuehren" not in refused.text


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_route_has_a_reason_in_both_languages(language: str) -> None:
    t = Translator(language)
    routes = [Route(AREAS[a], 0.9, (a,)) for a in AREAS]
    routes += [Route("cdo", 0.6), Route("cio", 0.6), Route("both", 0.3)]
    routes += [Route("both", 0.3, ("Fördermittel", "Hardware"))]
    routes += [Route("both", 0.0, basis="no_topic"), Route("both", 0.0, basis="no_router")]
    for route in routes:
        reason = route_reason(t, route)
        assert reason and not reason.startswith(("route.", "area.")), (route, reason)
    german = route_reason(Translator("de"), Route("cio", 0.9, ("Netzwerk und WLAN",)))
    assert german == "Es geht um Netzwerk und WLAN – das betreut die oder der CIO."
