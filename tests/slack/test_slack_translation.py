"""The pure parts of the Slack adapter: text in and out, Block Kit, payloads to events."""

from __future__ import annotations

import pytest

from adapters import slack_events as events
from adapters.slack_blocks import (
    MAX_BLOCKS,
    ModalOrigin,
    chunks,
    fallback_text,
    message_blocks,
    needs_text,
    submitted_text,
)
from adapters.slack_text import WORD_JOINER, escape, from_slack, mentioned_users, to_mrkdwn
from bot.events import Button, Reply, Sender


@pytest.mark.parametrize(
    ("slack", "plain"),
    [
        ("<@UBOT> !idee E-Akte", "!idee E-Akte"),
        ("Hallo <@UBOT>, wir sollten   X", "Hallo , wir sollten X"),
        ("<@UBEN> und <@UCARLA|carla>", "@Ben Weber und @carla"),
        ("<!channel> <!here> <!everyone>", "@channel @here @everyone"),
        ("<!subteam^S1|@it-team> bitte", "@it-team bitte"),
        (
            "<https://stadt.de/x|Portal> <https://stadt.de>",
            "Portal (https://stadt.de/x) https://stadt.de",
        ),
        ("<mailto:it@stadt.de|it@stadt.de>", "it@stadt.de"),
        ("<#C123|ideen> a &lt;b&gt; &amp; c", "#ideen a <b> & c"),
    ],
)
def test_from_slack(slack: str, plain: str) -> None:
    assert from_slack(slack, "UBOT", {"UBEN": "Ben Weber"}) == plain


def test_mentioned_users() -> None:
    assert mentioned_users("<@UBEN> <@UBOT> <@UBEN|ben>") == ["UBEN", "UBOT"]


@pytest.mark.parametrize(
    "hostile",
    [
        "<!channel>",
        "<!here|here>",
        "<@U123>",
        "<!subteam^S1>",
        "@channel",
        "@Here",
        "<https://x|y>",
    ],
)
def test_escaped_text_cannot_mention_or_link(hostile: str) -> None:
    shown = to_mrkdwn(f"**Frage** von Anna:\n> {hostile} bitte lesen")
    assert "<" not in shown.replace("&lt;", "")
    assert "@channel" not in shown.lower() and "@here" not in shown.lower()
    assert shown.startswith("*Frage* von Anna:\n> ")


def test_markdown_to_mrkdwn() -> None:
    assert to_mrkdwn("## Wochenbericht\n**#1** neu  \nzweite Zeile") == (
        "*Wochenbericht*\n*#1* neu\nzweite Zeile"
    )
    assert to_mrkdwn("A & B > C") == "A &amp; B &gt; C"
    assert escape("@everyone") == "@" + WORD_JOINER + "everyone"


def test_blocks_have_a_button_per_entry_and_respect_slack_limits() -> None:
    buttons = tuple(Button(f"Knopf {i} " + "x" * 80, f"!unterstuetzen {i}") for i in range(12))
    reply = Reply("**Idee #1**\n" + "Zeile\n" * 1000, buttons=buttons)
    blocks = message_blocks(reply)
    sections = [b for b in blocks if b["type"] == "section"]
    rows = [b for b in blocks if b["type"] == "actions"]
    assert all(len(b["text"]["text"]) <= 3000 for b in sections) and len(sections) == 3
    assert [len(r["elements"]) for r in rows] == [5, 5, 2]
    elements = [e for r in rows for e in r["elements"]]
    assert [e["value"] for e in elements] == [b.command for b in buttons]
    assert len({e["action_id"] for e in elements}) == 12
    assert all(len(e["text"]["text"]) <= 75 for e in elements)
    assert "`!unterstuetzen 11`" in fallback_text(reply)
    huge = Reply("x\n" * 200_000)
    assert len(message_blocks(huge)) == MAX_BLOCKS and len(fallback_text(huge)) <= 40_000


def test_chunks_cut_at_line_ends() -> None:
    assert chunks("aaa\nbbb\nccc", 8) == ["aaa\nbbb", "ccc"]
    assert chunks("abcdefghij", 4) == ["abcd", "efgh", "ij"]


@pytest.mark.parametrize(
    ("command", "modal"),
    [
        ("!antwort 12", True),
        ("!antwort 12 Schon erledigt.", False),
        ("!weiterleiten 12 cio", False),
        ("!unterstuetzen 3", False),
        ("!geholfen ja 2", False),
        ("!gibtsnicht", False),
    ],
)
def test_which_buttons_ask_for_text(command: str, modal: bool) -> None:
    assert needs_text(command, "!") is modal


def test_modal_origin_round_trip_and_bad_metadata() -> None:
    origin = ModalOrigin("!antwort 3", "DUCDO", None)
    assert ModalOrigin.load(origin.dump()) == origin
    assert ModalOrigin.load("not json") is None and ModalOrigin.load("{}") is None
    assert submitted_text({"state": {"values": {"text": {"text": {"value": " Ja \n"}}}}}) == "Ja"
    assert submitted_text({}) == ""


def test_payloads_to_events() -> None:
    anna = Sender("UANNA", "Anna")
    top = {
        "type": "message",
        "user": "UANNA",
        "text": "<@UBOT> Hallo",
        "channel": "C1",
        "ts": "17.1",
        "channel_type": "channel",
    }
    message = events.to_message(top, anna, "UBOT")
    assert (message.event_id, message.text, message.thread_id) == ("C1:17.1", "Hallo", None)
    assert not message.is_direct
    reply = Reply("x").in_thread_of(message)
    assert events.thread_ts(reply.thread_id) == "17.1"
    threaded = events.to_message({**top, "ts": "18.2", "thread_ts": "17.1"}, anna, "UBOT")
    assert threaded.thread_id == "17.1" and events.thread_ts(threaded.thread_id) == "17.1"
    direct = events.to_message({**top, "channel": "D9", "channel_type": "im"}, anna, None)
    assert direct.is_direct and direct.text == "@UBOT Hallo"
    command = {"trigger_id": "t1", "channel_id": "C1", "text": "  ", "user_id": "UANNA"}
    assert events.to_command(command, anna, "!").text == "!hilfe"
    assert events.command_text("!idee X", "!") == "!idee X"
    assert events.thread_ts("command:t1") is None and events.thread_ts(None) is None


@pytest.mark.parametrize(
    ("event", "handled"),
    [
        ({"user": "U1", "channel": "C1", "ts": "1.1"}, True),
        ({"user": "U1", "channel": "C1", "ts": "1.1", "subtype": "file_share"}, True),
        ({"user": "U1", "channel": "C1", "ts": "1.1", "subtype": "message_changed"}, False),
        ({"user": "U1", "channel": "C1", "ts": "1.1", "bot_id": "B1"}, False),
        ({"channel": "C1", "ts": "1.1"}, False),
        ({"user": "U1", "ts": "1.1"}, False),
    ],
)
def test_which_messages_come_from_a_person(event: dict[str, str], handled: bool) -> None:
    assert events.is_person_message(event) is handled
