"""The idea services on a real store: who may support an idea or call two ideas unlike, and
that each is recorded once, with its audit line, in the unit of work it ran in."""

from __future__ import annotations

from typing import get_args

import pytest

from bot.i18n import catalogue
from bot.services.ideas import (
    Judged,
    Supported,
    mark_not_similar,
    merge_ideas,
    post_idea,
    support_idea,
)
from bot.uow import EventBus, UnitOfWork
from knowledge.records import Idea, Person
from knowledge.store import Store

NOW = "2026-11-23T09:00:00+00:00"


def person(store: Store, user: str, *, role: str = "staff", platform: str = "console") -> Person:
    with store.transaction():
        return store.upsert_person(platform, user, user.capitalize(), NOW, role=role)


def idea(store: Store, author: Person, text: str = "Eingangsrechnungen digital freigeben") -> Idea:
    with UnitOfWork(store) as uow:
        return post_idea(uow, author, text, NOW)


def fresh(store: Store, posted: Idea) -> Idea:
    found = store.get_idea(posted.id)
    assert found is not None
    return found


def audited(store: Store, action: str) -> int:
    return len(store.audit_entries(action))


def test_an_idea_is_supported_once_and_never_by_its_author(store: Store) -> None:
    anna, bob = person(store, "anna"), person(store, "bob")
    posted = idea(store, anna)
    with UnitOfWork(store) as uow:
        assert support_idea(uow, bob, posted, NOW) == "done"
        assert support_idea(uow, bob, posted, NOW) == "already"
        assert support_idea(uow, anna, posted, NOW) == "own"
    assert fresh(store, posted).supporters == 1
    assert store.supporter_ids(posted.id) == [bob.id]
    assert audited(store, "idea.supported") == 1


def test_a_merged_idea_is_supported_where_it_lives_on(store: Store) -> None:
    anna, bob, cdo = person(store, "anna"), person(store, "bob"), person(store, "cdo", role="cdo")
    source, target = idea(store, anna), idea(store, bob, "WLAN in allen Sitzungsräumen")
    with UnitOfWork(store) as uow:
        merge_ideas(uow, cdo, source, target, NOW)
    carl = person(store, "carl")
    with UnitOfWork(store) as uow:
        assert support_idea(uow, carl, fresh(store, source), NOW) == "merged"
    assert store.supporter_ids(source.id) == []
    assert store.supporter_ids(target.id) == [anna.id]  # the source's author, by the merge


def test_a_support_rolled_back_with_its_event_is_not_stored(store: Store) -> None:
    anna, bob = person(store, "anna"), person(store, "bob")
    posted = idea(store, anna)
    with pytest.raises(RuntimeError), UnitOfWork(store) as uow:
        support_idea(uow, bob, posted, NOW)
        raise RuntimeError("the reply could not be queued")
    assert fresh(store, posted).supporters == 0
    assert audited(store, "idea.supported") == 0


def test_not_similar_is_said_by_an_author_or_a_role_holder_and_recorded_once(
    store: Store,
) -> None:
    anna, bob = person(store, "anna"), person(store, "bob")
    carl, cio = person(store, "carl"), person(store, "cio", role="cio")
    first, second = idea(store, anna), idea(store, bob, "WLAN in allen Sitzungsräumen")
    told: list[object] = []
    bus = EventBus()
    bus.subscribe(told.append)
    with UnitOfWork(store, bus) as uow:
        assert mark_not_similar(uow, carl, first, second, 0.42, NOW) == "not_yours"
        assert store.linked(first.id, "not_similar") == set()
        assert mark_not_similar(uow, bob, first, second, 0.42, NOW) == "done"
        assert mark_not_similar(uow, cio, second, first, 0.5, NOW) == "already"  # either order
    assert store.linked(first.id, "not_similar") == {second.id}
    assert store.link_scores("not_similar") == [0.42]  # the threshold learns from it once
    assert audited(store, "feedback.not_similar") == 1
    assert told == []  # the matcher reads the links from the store: no event to keep


@pytest.mark.parametrize(
    ("outcomes", "prefix"), [(Supported, "support"), (Judged, "feedback")], ids=["support", "not"]
)
def test_every_outcome_has_a_text(outcomes: object, prefix: str) -> None:
    """The handlers word an outcome as ``<prefix>.<outcome>``."""
    texts = catalogue("de")
    assert [o for o in get_args(outcomes) if f"{prefix}.{o}" not in texts] == []
