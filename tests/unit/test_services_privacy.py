"""A person's data on a real store: the export logs itself, and an erasure tells whoever
keeps a copy - the router too, when re-routings it learnt from went with the person."""

from __future__ import annotations

from bot.config import Settings
from bot.domain_events import PersonErased, ReroutingsForgotten
from bot.questions import QuestionDesk
from bot.services.privacy import erase_person, export_person
from bot.services.questions import Routed, ask_question, reroute_question
from bot.uow import EventBus, UnitOfWork
from knowledge.records import Person
from knowledge.store import Store
from tests.unit.test_services_ideas import NOW, person


def test_the_export_is_logged_and_shows_its_own_line(store: Store) -> None:
    anna = person(store, "anna")
    with UnitOfWork(store) as uow:
        data = export_person(uow, anna, NOW)
    assert data["person"]["platform_user_id"] == "anna"
    assert [e["action"] for e in data["audit_log_about_you"]] == ["person.exported"]


def rerouted(store: Store, settings: Settings, asker: Person, text: str, by: Person) -> None:
    with UnitOfWork(store) as uow:
        asked = ask_question(uow, settings, QuestionDesk(), asker, text, NOW, platform="console")
        assert isinstance(asked, Routed)
        reroute_question(uow, by, asked.question.id, "cdo", "vom CIO", NOW)


def test_an_erasure_makes_the_router_forget_the_person_s_reroutings(
    store: Store, settings: Settings
) -> None:
    anna, bob, cio = person(store, "anna"), person(store, "bob"), person(store, "cio", role="cio")
    rerouted(store, settings, anna, "Wer hilft bei der E-Akte?", cio)
    rerouted(store, settings, bob, "Wer pflegt das Intranet?", cio)
    told: list[object] = []
    bus = EventBus()
    bus.subscribe(told.append)
    with UnitOfWork(store, bus) as uow:
        erasure = erase_person(uow, anna, NOW, mode="delete")
    assert len(erasure.deleted_questions) == 1
    assert told == [
        PersonErased("console", "anna", anna.id, ()),
        ReroutingsForgotten((("Wer pflegt das Intranet?", "cdo"),)),
    ]
