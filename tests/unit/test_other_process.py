"""Two processes on one SQLite file: what one stores, the other's matcher finds."""

from __future__ import annotations

from pathlib import Path

from bot.semantic import SemanticMatcher
from knowledge.open import open_store
from knowledge.records import NewIdea
from matching.vectors import to_blob
from tests.conftest import FakeClock
from tests.fakes import HashingEncoder, hashing_thresholds

NOW = "2026-12-02T09:00:00+00:00"


def test_ideas_stored_by_another_process_are_found_by_meaning(tmp_path: Path) -> None:
    """Trial 23: the Lagebild cockpit, started first, never found the ideas posted in chat
    afterwards (SQLite has no vector index to ask; the matcher's index was only loaded)."""
    cockpit, chat = open_store(tmp_path / "data"), open_store(tmp_path / "data")
    encoder = HashingEncoder()
    matcher = SemanticMatcher(encoder, clock=FakeClock(), thresholds=hashing_thresholds())
    with cockpit.transaction():
        anna = cockpit.upsert_person("console", "anna", "Anna", NOW)
        first = cockpit.add_idea(
            NewIdea("Parkausweise für Anwohner online beantragen", anna.id), NOW
        )
    matcher.load(cockpit)
    text = "Eingangsrechnungen digital freigeben und buchen"
    with chat.transaction():  # the chat process: stored with its vector, as intake does
        later = chat.add_idea(NewIdea(text, anna.id), NOW)
        chat.set_embedding(later.id, to_blob(encoder.encode([text])[0]), encoder.name)
    with cockpit.transaction():
        found = matcher.search(cockpit, "Rechnungen digital freigeben", limit=2)
    assert [s.idea.id for s in found] == [later.id, first.id]
    with cockpit.transaction():  # read once: the next query does not add it again
        again = matcher.search(cockpit, "Rechnungen digital freigeben", limit=5)
    assert [s.idea.id for s in again] == [later.id, first.id] and len(matcher.engine) == 2
    cockpit.close()
    chat.close()
