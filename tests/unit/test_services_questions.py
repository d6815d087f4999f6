"""The question services on a real store: who may answer, re-route, close or judge an offer,
that a re-routing reaches the router only once it is committed, and that a question about a
system of the plan reaches its owner."""

from __future__ import annotations

from typing import get_args

import pytest

from bot.config import Settings
from bot.domain_events import QuestionRerouted
from bot.i18n import catalogue
from bot.plans_questions import system_side
from bot.questions import QuestionDesk
from bot.services.questions import (
    Answered,
    Judged,
    Offered,
    Refusal,
    Rerouted,
    Routed,
    answer_question,
    ask_question,
    close_question,
    judge_offer,
    reroute_question,
)
from bot.uow import EventBus, UnitOfWork
from knowledge.plans import NewPlanItem
from knowledge.questions import NewQuestion, Question
from knowledge.records import Person
from knowledge.store import Store
from matching.routing import Route
from tests.fakes import HashingEncoder
from tests.unit.test_services_ideas import NOW, audited, person

PRINTER = "Wer kümmert sich um den Drucker im zweiten Stock?"


def ask(
    store: Store, settings: Settings, asker: Person, desk: QuestionDesk | None = None
) -> Offered | Routed:
    with UnitOfWork(store) as uow:
        return ask_question(
            uow, settings, desk or QuestionDesk(), asker, PRINTER, NOW, platform="console"
        )


def routed(store: Store, settings: Settings, asker: Person) -> Question:
    asked = ask(store, settings, asker)
    assert isinstance(asked, Routed)
    return asked.question


def offered(store: Store, asker: Person) -> Question:
    """A question an earlier answer was offered for: stored, not routed yet."""
    with store.transaction():
        return store.add_question(NewQuestion(PRINTER, asker.id, platform="console"), NOW)


def stored(store: Store, question: Question) -> Question:
    found = store.get_question(question.id)
    assert found is not None
    return found


def test_without_a_router_a_question_is_stored_and_goes_to_both(
    store: Store, settings: Settings
) -> None:
    asked = ask(store, settings, person(store, "anna"))
    assert isinstance(asked, Routed)
    assert asked.route.target == "both" and asked.owner is None
    assert (asked.question.target, asked.question.routed_at) == ("both", NOW)
    assert audited(store, "question.asked") == audited(store, "question.routed") == 1


def test_a_rerouting_reaches_the_router_once_committed(store: Store, settings: Settings) -> None:
    cio, cdo = person(store, "cio", role="cio"), person(store, "cdo", role="cdo")
    question = routed(store, settings, person(store, "anna"))
    told: list[object] = []
    bus = EventBus()
    bus.subscribe(told.append)
    with UnitOfWork(store, bus) as uow:
        moved = reroute_question(uow, cio, question.id, "cdo", "vom CIO", NOW)
        assert told == []  # not on disk yet
    assert isinstance(moved, Rerouted)
    assert (moved.question.target, moved.current.target) == ("both", "cdo")
    assert moved.current.reason == "vom CIO"
    assert told == [QuestionRerouted(question.id, PRINTER, "cdo")]
    assert store.reroute_examples() == [(PRINTER, "cdo")]
    with UnitOfWork(store, bus) as uow:
        assert reroute_question(uow, cio, question.id, "cio", "", NOW) == "not_in_remit"
        assert reroute_question(uow, cdo, question.id, "cdo", "", NOW) == "same_target"
    assert len(told) == 1 and audited(store, "question.rerouted") == 1


def test_a_rerouting_rolled_back_is_never_learnt(store: Store, settings: Settings) -> None:
    cio = person(store, "cio", role="cio")
    question = routed(store, settings, person(store, "anna"))
    told: list[object] = []
    bus = EventBus()
    bus.subscribe(told.append)
    with pytest.raises(RuntimeError), UnitOfWork(store, bus) as uow:
        reroute_question(uow, cio, question.id, "cdo", "vom CIO", NOW)
        raise RuntimeError("the delivery failed")
    assert told == [] and store.reroute_examples() == []
    assert stored(store, question).target == "both"


def test_only_a_role_holder_in_whose_remit_it_is_acts_on_a_question(
    store: Store, settings: Settings
) -> None:
    anna, admin = person(store, "anna"), person(store, "admin", role="admin")
    cdo = person(store, "cdo", role="cdo")
    for_both, for_cio = routed(store, settings, anna), routed(store, settings, anna)
    with UnitOfWork(store) as uow:
        assert isinstance(reroute_question(uow, admin, for_cio.id, "cio", "", NOW), Rerouted)
        assert answer_question(uow, cdo, for_cio.id, "Ja.", NOW) == "not_in_remit"
        assert close_question(uow, cdo, for_cio.id, NOW) == "not_in_remit"
        assert reroute_question(uow, cdo, for_cio.id, "cdo", "", NOW) == "not_in_remit"
        # a question for both roles is still not the business of somebody without one
        assert answer_question(uow, anna, for_both.id, "Ich weiß es.", NOW) == "not_in_remit"
        assert close_question(uow, anna, for_both.id, NOW) == "not_in_remit"
        assert answer_question(uow, cdo, 999, "Ja.", NOW) == "not_found"
    assert stored(store, for_cio).status == stored(store, for_both).status == "offen"
    assert audited(store, "question.answered") == audited(store, "question.closed") == 0


def test_a_closed_question_is_neither_answered_nor_passed_on(
    store: Store, settings: Settings
) -> None:
    cdo = person(store, "cdo", role="cdo")
    question = routed(store, settings, person(store, "anna"))
    with UnitOfWork(store) as uow:
        closed = close_question(uow, cdo, question.id, NOW)
        assert isinstance(closed, Question) and closed.status == "offen"  # as it was
        assert close_question(uow, cdo, question.id, NOW) == "not_open"
        assert reroute_question(uow, cdo, question.id, "cio", "", NOW) == "not_open"
        assert stored(store, question).status == "geschlossen"
        # trial 25: its asker was told it is done; an answer was kept for reuse all the same
        refused = answer_question(uow, cdo, question.id, "Doch noch.", NOW)
        assert refused == "closed_takes_no_answer"
    assert audited(store, "question.closed") == 1 and audited(store, "question.answered") == 0


def test_a_second_answer_adds_to_the_first(store: Store, settings: Settings) -> None:
    cdo, cio = person(store, "cdo", role="cdo"), person(store, "cio", role="cio")
    question = routed(store, settings, person(store, "anna"))
    with UnitOfWork(store) as uow:
        first = answer_question(uow, cdo, question.id, "  Die IT-Hotline.  ", NOW)
        second = answer_question(uow, cio, question.id, "Oder das Serviceportal.", NOW)
    assert isinstance(first, Answered) and isinstance(second, Answered)
    assert (first.question.status, second.question.status) == ("offen", "beantwortet")
    assert first.answer.text == "Die IT-Hotline."
    latest = store.latest_answer(question.id)
    assert latest is not None and latest.text == "Oder das Serviceportal."


def test_the_asker_alone_says_whether_an_offer_helped(store: Store, settings: Settings) -> None:
    anna, bob = person(store, "anna"), person(store, "bob")
    helped, not_helped = offered(store, anna), offered(store, anna)
    desk = QuestionDesk()
    with UnitOfWork(store) as uow:
        assert judge_offer(uow, settings, desk, bob, helped.id, True, NOW) == "not_yours"
        assert judge_offer(uow, settings, desk, anna, helped.id, True, NOW) == "helped"
        assert judge_offer(uow, settings, desk, anna, helped.id, False, NOW) == "already_done"
        passed_on = judge_offer(uow, settings, desk, anna, not_helped.id, False, NOW)
        again = judge_offer(uow, settings, desk, anna, not_helped.id, True, NOW)
    assert stored(store, helped).status == "geschlossen"
    assert isinstance(passed_on, Routed) and passed_on.question.target == "both"
    assert again == "already_routed"
    assert audited(store, "question.reused") == audited(store, "question.not_reused") == 1


def test_an_earlier_answer_is_offered_before_anybody_is_asked(
    store: Store, settings: Settings
) -> None:
    anna, bob, cdo = person(store, "anna"), person(store, "bob"), person(store, "cdo", role="cdo")
    desk = QuestionDesk(encoder=HashingEncoder(), reuse_threshold=0.8)
    first = ask(store, settings, anna, desk)
    assert isinstance(first, Routed)
    with UnitOfWork(store) as uow:
        answered = answer_question(uow, cdo, first.question.id, "Die IT-Hotline.", NOW)
    assert isinstance(answered, Answered)
    again = ask(store, settings, bob, desk)
    assert isinstance(again, Offered) and again.offer.answer is not None
    assert again.offer.answer.question_id == first.question.id
    now = stored(store, again.question)
    assert now.offered_answer_id == answered.answer.id and now.awaits_feedback


def test_a_question_naming_a_system_goes_to_its_owner_and_is_linked_to_it(
    store: Store, settings: Settings
) -> None:
    anna, _ = person(store, "anna"), person(store, "dms-admin")
    dms = NewPlanItem("system", "S-7", "DMS Stadtakte", owner="dms-admin", aliases=("Stadtakte",))
    with store.transaction():
        store.upsert_plan_item(dms, NOW)
    desk = QuestionDesk(encoder=HashingEncoder())
    with UnitOfWork(store) as uow:
        asked = ask_question(
            uow, settings, desk, anna, "Wer hilft bei der Stadtakte?", NOW, platform="console"
        )
    assert isinstance(asked, Routed) and asked.owner is not None
    assert (asked.owner.item.key, asked.owner.owner_name) == ("S-7", "Dms-admin")
    # the CIO runs the system; the fake router's side decides whether the CDO gets it too
    assert asked.route.target in ("cio", "both")
    [link] = store.question_plan_links(asked.question.id)
    assert (link.item_key, link.owner) == ("S-7", "dms-admin")


def test_a_system_question_reaches_the_cio_and_an_organisational_one_keeps_the_cdo() -> None:
    def side(target: str) -> str:
        return system_side(Route(target, 0.7, ("Organisation und Abläufe",))).target

    assert [side("cio"), side("cdo"), side("both")] == ["cio", "both", "both"]


def test_every_refusal_has_a_text() -> None:
    """The handlers word a refusal as ``question.<refusal>``."""
    texts = catalogue("de")
    refusals = [*get_args(Refusal), *get_args(Judged), "same_target"]
    assert [r for r in refusals if f"question.{r}" not in texts] == []
