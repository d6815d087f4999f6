"""Matching with the real model, on German ideas written like staff write them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.config import Settings
from bot.core import Bot
from bot.events import Message, Sender
from bot.semantic import SemanticMatcher
from knowledge.open import open_store
from knowledge.records import NewIdea
from matching.encoder import SentenceEncoder

pytestmark = pytest.mark.model

# (idea already in the store, a colleague's paraphrase of the same idea)
PAIRS = [
    (
        "Eingangsrechnungen sollten automatisch als E-Rechnung verarbeitet werden",
        "Rechnungen von Lieferanten nur noch elektronisch empfangen und ohne Papier buchen",
    ),
    (
        "Bürgerinnen und Bürger sollen Termine im Bürgerbüro online buchen können",
        "Online-Terminvergabe für das Bürgeramt einführen",
    ),
    (
        "Alle Sitzungsräume brauchen ein stabiles WLAN",
        "Das WLAN in den Besprechungsräumen des Rathauses ist zu schwach",
    ),
    (
        "Haushaltsdaten der Stadt als Open Data veröffentlichen",
        "Die Haushaltszahlen offen und maschinenlesbar im Internet bereitstellen",
    ),
    (
        "Die elektronische Akte in allen Ämtern einführen",
        "Papierakten in allen Fachbereichen durch die E-Akte ersetzen",
    ),
    (
        "Schlaglöcher und Straßenschäden per App melden",
        "Ein Mängelmelder auf dem Smartphone für kaputte Straßen und Schlaglöcher",
    ),
    (
        "Anträge auf Homeoffice digital stellen und genehmigen",
        "Homeoffice-Anträge sollten digital gestellt und genehmigt werden können",
    ),
    (
        "Sitzungsunterlagen für den Stadtrat nur noch digital bereitstellen",
        "Ratsmitglieder bekommen die Sitzungsvorlagen digital statt ausgedruckt",
    ),
]
NOW = "2026-11-23T09:00:00+00:00"
BACKGROUND = Path(__file__).parents[1] / "fixtures" / "ideen.jsonl"  # 40 other ideas


@pytest.fixture
def loaded(tmp_path: Path, encoder: SentenceEncoder):  # type: ignore[no-untyped-def]
    store = open_store(tmp_path)
    with store.transaction():
        author = store.upsert_person("console", "anna", "Anna", NOW)
        for original, _ in PAIRS:
            store.add_idea(NewIdea(original, author.id), NOW)
    matcher = SemanticMatcher(encoder)
    matcher.load(store)
    yield store, matcher
    store.close()


def test_paraphrases_rank_above_unrelated_ideas(loaded) -> None:  # type: ignore[no-untyped-def]
    store, matcher = loaded
    for number, (_, paraphrase) in enumerate(PAIRS, start=1):
        found = matcher.search(store, paraphrase, limit=len(PAIRS))
        assert found[0].idea.id == number, (paraphrase, [s.idea.id for s in found])
        assert found[0].score > found[1].score


def test_paraphrases_pass_the_threshold_and_unrelated_ideas_do_not(loaded) -> None:  # type: ignore[no-untyped-def]
    store, matcher = loaded
    threshold = matcher.threshold(store)
    shown = 0
    for number, (_, paraphrase) in enumerate(PAIRS, start=1):
        found = matcher.search(store, paraphrase, limit=len(PAIRS))
        above = [s.idea.id for s in found if s.score >= threshold]
        assert set(above) <= {number}, (paraphrase, above)
        shown += above == [number]
    assert shown >= len(PAIRS) - 1  # nearly every paraphrase is recognised


def test_in_a_realistic_corpus_the_original_is_among_the_first_three(
    loaded, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    store, matcher = loaded
    background = [json.loads(line) for line in BACKGROUND.read_text(encoding="utf-8").splitlines()]
    with store.transaction():
        fresh = [
            store.add_idea(NewIdea(row["text"], None, department=row["department"]), NOW)
            for row in background
        ]
    matcher.encode_ideas(store, fresh)
    first = 0
    for number, (_, paraphrase) in enumerate(PAIRS, start=1):
        ids = [s.idea.id for s in matcher.search(store, paraphrase, limit=3)]
        assert number in ids, (paraphrase, ids)
        first += ids[0] == number
    assert first >= len(PAIRS) - 2


def test_an_unrelated_idea_gets_no_suggestion(loaded) -> None:  # type: ignore[no-untyped-def]
    store, matcher = loaded
    found = matcher.search(store, "Mehr Fahrradständer vor der Stadtbibliothek", limit=3)
    assert all(s.score < matcher.threshold(store) for s in found)


def test_index_follows_insert_merge_and_delete(loaded) -> None:  # type: ignore[no-untyped-def]
    store, matcher = loaded
    assert len(matcher.engine) == len(PAIRS)
    stored = dict(store.embeddings(matcher.encoder.name))
    vector = np.frombuffer(stored[1], dtype="<f4")
    assert np.allclose(matcher.engine.vectors([1])[0], vector, atol=1e-3)
    with store.transaction():
        new = store.add_idea(NewIdea("E-Rechnungen automatisch verarbeiten", None), NOW)
    matcher.encode_ideas(store, [new])
    assert new.id in matcher.engine
    matcher.forget([1])
    store.delete_idea(2)
    matcher.forget([2])
    assert 1 not in matcher.engine and 2 not in matcher.engine
    ids = [s.idea.id for s in matcher.search(store, PAIRS[0][1], limit=10)]
    assert 1 not in ids and 2 not in ids and new.id in ids[:3]


def test_conversation_with_the_real_model(tmp_path: Path, encoder: SentenceEncoder) -> None:
    """Opted-out people never appear; "not similar" hides the pair for good."""
    store = open_store(tmp_path / "chat")
    matcher = SemanticMatcher(encoder)
    bot = Bot(store, Settings(data_dir=tmp_path), matcher=matcher)
    events = iter(range(1, 1000))

    def say(who: str, text: str, department: str) -> str:
        message = Message("matrix", f"$e{next(events)}", Sender(who, who.capitalize(), department),
                          text, room="!ideen")  # fmt: skip
        return "\n".join(reply.text for reply in bot.handle(message, idea_room=True))

    say("dora", "!interessen E-Rechnung, Rechnungsworkflow", "FD 20")
    say("emil", "!interessen E-Rechnung, digitale Buchhaltung", "FD 30")
    say("emil", "!matching an", "FD 30")
    say("anna", f"!idee {PAIRS[0][0]}", "FD 20")
    reply = say("bob", f"!idee {PAIRS[0][1]}", "FD 10")
    assert "Ähnliche Ideen" in reply and "**#1**" in reply
    assert "Emil (FD 30)" in reply  # opted in, fitting interest
    assert "Dora" not in reply  # same interests, but not opted in
    say("bob", "!nicht-aehnlich 2 1", "FD 10")
    reply = say("carla", "!idee Lieferantenrechnungen elektronisch empfangen und buchen", "IT")
    assert "**#1**" in reply or "**#2**" in reply  # still suggested to others ...
    vector = encoder.encode([PAIRS[0][1]])[0]
    hidden = matcher.similar(store, PAIRS[0][1], vector, exclude={2}, threshold=0.0)
    assert 1 not in [s.idea.id for s in hidden]  # ... but never as a pair of #1 and #2
    say("emil", "!matching aus", "FD 30")
    reply = say("fritz", "!idee E-Rechnungen automatisch prüfen und freigeben", "FD 40")
    assert "Emil" not in reply and "Dora" not in reply
    store.close()
