"""The people services on a real store: introductions go only to those who allow them and
can be reached, one open per pair, declined only by one of the two."""

from __future__ import annotations

from typing import get_args

from bot.domain_events import MatchingChanged
from bot.i18n import catalogue
from bot.services.people import (
    Declined,
    Introduced,
    decline_introduction,
    request_introduction,
    set_matching,
)
from bot.uow import EventBus, UnitOfWork
from knowledge.records import Person
from knowledge.store import Store
from tests.unit.test_services_ideas import NOW, audited, person


def opted_in(store: Store, user: str, *, platform: str = "console") -> Person:
    with UnitOfWork(store) as uow:
        set_matching(uow, person(store, user, platform=platform), True, NOW)
    found = store.find_person(platform, user)
    assert found is not None and found.matching_opt_in
    return found


def test_introductions_only_to_those_who_allow_them_and_can_be_reached(store: Store) -> None:
    anna, bob = person(store, "anna"), person(store, "bob")
    elsewhere = opted_in(store, "@eva:stadt.de", platform="matrix")
    with UnitOfWork(store) as uow:
        assert (
            request_introduction(uow, anna, anna, None, NOW, platform="console").outcome == "self"
        )
        refused = request_introduction(uow, anna, bob, 7, NOW, platform="console")
        assert refused.outcome == "not_opted_in"
        far = request_introduction(uow, anna, elsewhere, None, NOW, platform="console")
        assert far.outcome == "elsewhere"
    assert audited(store, "introduction.requested") == 0


def test_one_open_introduction_per_pair_whoever_asks(store: Store) -> None:
    anna, bob = opted_in(store, "anna"), opted_in(store, "bob")
    with UnitOfWork(store) as uow:
        asked = request_introduction(uow, anna, bob, None, NOW, platform="console")
        again = request_introduction(uow, anna, bob, None, NOW, platform="console")
        back = request_introduction(uow, bob, anna, None, NOW, platform="console")
    assert asked.outcome == "requested" and asked.number is not None
    assert (again.outcome, again.number) == ("already", asked.number)
    assert (back.outcome, back.number) == ("already", asked.number)
    assert audited(store, "introduction.requested") == 1


def test_only_one_of_the_two_declines_and_only_once(store: Store) -> None:
    anna, bob, carl = opted_in(store, "anna"), opted_in(store, "bob"), person(store, "carl")
    with UnitOfWork(store) as uow:
        number = request_introduction(uow, anna, bob, None, NOW, platform="console").number
    assert number is not None
    with UnitOfWork(store) as uow:
        assert decline_introduction(uow, carl, number, NOW).outcome == "not_found"
        assert decline_introduction(uow, carl, number + 1, NOW).outcome == "not_found"
        declined = decline_introduction(uow, bob, number, NOW)
        assert (declined.outcome, declined.other_id) == ("declined", anna.id)  # anna is told
        assert decline_introduction(uow, anna, number, NOW).outcome == "already_declined"
        renewed = request_introduction(uow, anna, bob, None, NOW, platform="console")
    assert renewed.outcome == "requested" and renewed.number != number
    assert audited(store, "introduction.declined") == 1


def test_the_opt_in_is_told_to_the_profiles_once_committed(store: Store) -> None:
    anna = person(store, "anna")
    told: list[object] = []
    bus = EventBus()
    bus.subscribe(told.append)
    with UnitOfWork(store, bus) as uow:
        set_matching(uow, anna, True, NOW)
        assert told == []
    assert told == [MatchingChanged(anna.id, True)]


def test_every_outcome_has_a_text() -> None:
    """The handler words an outcome as ``connect.<outcome>`` (and an example colleague's
    "elsewhere" as ``connect.example``)."""
    texts = catalogue("de")
    outcomes = [*get_args(Introduced), *get_args(Declined)]
    assert [o for o in outcomes if f"connect.{o}" not in texts] == []
