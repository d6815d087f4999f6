"""Odd characters are cleaned once, where platform events become ``bot.events`` objects."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from nio import Event

from adapters import console, matrix_events, slack_events
from adapters.matrix_state import MatrixState
from bot.delivery import Origin, Outbox, queue_answers
from bot.events import Action, Message, Reply, Sender
from bot.text_input import clean_text
from knowledge.store import Store
from tests.conftest import Say

ANNA = Sender("@anna:stadt.de", "Anna")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Idee \udcff", "Idee \ufffd"),  # a lone surrogate
        ("\ud83d\ude00", "\U0001f600"),  # a pair left split is joined, not replaced
        ("Ide\x00e", "Idee"),  # NUL
        ("a\x07b\x1bc\x7fd\x85e\x9f", "abcde"),  # other C0 and C1 controls
        ("Zeile 1\nZeile 2\tmit Tab", "Zeile 1\nZeile 2\tmit Tab"),
        ("Zeile 1\r\nZeile 2\rZeile 3", "Zeile 1\nZeile 2\nZeile 3"),
        ("\u202eabc\u202c \u202a\u202b\u202d\u2066\u2067\u2068x\u2069", "abc x"),  # bidi
        ("Cafe\u0301", "Caf\u00e9"),  # NFC
        ("\u200b", ""),  # zero-width space only
        (" \u200c\u200d\u2060\ufeff \n", ""),  # only invisible characters and whitespace
        ("\u202e\x00", ""),
        ("\U0001f469\u200d\U0001f4bb", "\U0001f469\u200d\U0001f4bb"),  # ZWJ inside text stays
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean
    assert clean_text(clean) == clean


def test_events_are_cleaned_when_built() -> None:
    sender = Sender("u", "\u202eAnna\x00", "\u200b")
    assert (sender.display_name, sender.department) == ("Anna", None)
    message = Message("console", "e1", sender, "Idee\x00 \udcff")
    assert message.text == "Idee \ufffd"
    action = Action("slack", "a1", sender, "!idee \u202eText")
    assert action.command == "!idee Text" and action.as_message().text == "!idee Text"


def test_every_adapter_edge_cleans() -> None:
    raw = "Drucker\x00 \u202eteilen"
    assert console.to_message(ANNA, raw + "\n").text == "Drucker teilen"
    slack = {"channel": "C1", "ts": "1.1", "text": raw, "user": "U1"}
    assert slack_events.to_message(slack, ANNA, "UBOT").text == "Drucker teilen"
    event: Any = Event.parse_event(
        {"type": "m.room.message", "sender": ANNA.user_id, "event_id": "$e1",
         "origin_server_ts": 1, "content": {"msgtype": "m.text", "body": raw}}
    )  # fmt: skip
    message = matrix_events.to_message(event, "!r", "Anna", me="@lotse:stadt.de", is_direct=False)
    assert message is not None and message.text == "Drucker teilen"


def test_a_reply_with_a_lone_surrogate_is_queued_and_sent_as_a_replacement(store: Store) -> None:
    origin = Origin("matrix", "$e1", "!r", ANNA.user_id, "$e1")
    with store.transaction():  # a database takes no lone surrogate as text
        queue_answers(store, [Reply("Danke für \udcff")], origin, "2026-11-23T09:00:00+00:00")
    [taken] = Outbox().take(store, "matrix", datetime(2026, 11, 23, 9, tzinfo=UTC))
    assert taken.reply.text == "Danke für \ufffd"


def test_matrix_state_saves_a_button_with_a_lone_surrogate(tmp_path: Path) -> None:
    state = MatrixState(tmp_path / "state.json")
    state.remember_buttons("$bot", None, ["!suche \udcff"], None)
    state.save()
    state.save()  # and every later save
    saved = json.loads((tmp_path / "state.json").read_bytes())
    assert saved["buttons"]["$bot"]["commands"] == ["!suche \ufffd"]
    assert MatrixState.load(tmp_path / "state.json").buttons == saved["buttons"]


def test_the_core_stores_no_invisible_idea_and_cleans_the_others(say: Say, store: Store) -> None:
    say("\u200b")
    say("\u200b\ufeff \u2060")
    assert store.ideas() == []
    say("Wir sollten\x00 Drucker \u202eteilen\u202c")
    assert [idea.text for idea in store.ideas()] == ["Wir sollten Drucker teilen"]
