"""`similar --all` searches every idea: merged ones too, which are never suggested."""

from __future__ import annotations

from bot.semantic import SemanticMatcher
from knowledge.records import NewIdea
from knowledge.store import Store
from tests.conftest import FakeClock
from tests.fakes import HashingEncoder, hashing_thresholds

NOW = "2026-11-23T09:00:00+00:00"


def test_a_search_for_everything_finds_merged_ideas(store: Store) -> None:
    with store.transaction():
        anna = store.upsert_person("console", "anna", "Anna", NOW)
        kept = store.add_idea(NewIdea("Eingangsrechnungen digital freigeben", anna.id), NOW)
        merged = store.add_idea(NewIdea("Rechnungen digital freigeben und buchen", anna.id), NOW)
        store.merge_idea(merged.id, kept.id, NOW)
    matcher = SemanticMatcher(HashingEncoder(), clock=FakeClock(), thresholds=hashing_thresholds())
    matcher.load(store)
    with store.transaction():
        usual = matcher.search(store, "Rechnungen digital freigeben", limit=5)
        everything = matcher.search(
            store, "Rechnungen digital freigeben", limit=5, include_hidden=True
        )
    assert [s.idea.id for s in usual] == [kept.id]
    assert {s.idea.id for s in everything} == {kept.id, merged.id}
    assert [s.score for s in everything] == sorted((s.score for s in everything), reverse=True)
