"""Buttons with another ``command_prefix`` (issue #16): a click sends what the bot parses.

Buttons used to carry "!" whatever the prefix was, so with ``command_prefix = "/ideen "`` a
click did nothing: not the support, not the modal for an answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from tests.slack import payloads
from tests.slack.rig import IDEAS, ROLES, SlackRig, posted_text

PREFIX = "/ideen "  # a word, longer than one character, with the space it is typed with
IDEA = "Eingangsrechnungen sollten als E-Rechnung automatisch verarbeitet werden"
QUESTION = "Wer ist für die Einführung der E-Akte zuständig?"


@pytest.fixture
def slack_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", idea_rooms=(IDEAS,), roles=dict(ROLES), command_prefix=PREFIX
    )


def test_a_support_button_carries_the_prefix_and_its_click_supports(rig: SlackRig) -> None:
    rig.say("UANNA", IDEA)
    [post] = rig.say("UBEN", IDEA + "!")
    button = post.params["blocks"][-1]["elements"][0]
    assert button["value"] == "/ideen unterstuetzen 1"
    assert "`/ideen unterstuetzen 1`" in posted_text(post)  # the text names it the same way
    assert "`!" not in posted_text(post) + post.params["text"]

    rig.click("UBEN", post, "Unterstützen #1")
    assert "Sie unterstützen jetzt Idee *#1*" in posted_text(rig.web_api.posts()[-1])


def test_an_answer_button_opens_the_modal_and_the_answer_arrives(rig: SlackRig) -> None:
    [_, to_cdo, _] = rig.say("UANNA", QUESTION)
    assert "`/ideen antwort 1 &lt;Text&gt;`" in posted_text(to_cdo)  # escaped for Slack
    rig.click("UCDO", to_cdo, "Antworten #1")
    [opened] = rig.web_api.called("views.open")
    view = opened.params["view"]
    rig.interact(payloads.view_submission("UCDO", view, "V1", "Das Hauptamt."))
    assert "Das Hauptamt." in posted_text(rig.web_api.posts()[-1])
    question = rig.app.store.get_question(1)
    assert question is not None and question.status == "beantwortet"
