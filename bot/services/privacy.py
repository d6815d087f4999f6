"""A person's data: what is stored about them (Art. 15), forgetting them (Art. 17), and the
administration's export of ideas, by person if asked."""

from __future__ import annotations

from typing import Any

from bot.clock import iso, utcnow
from bot.domain_events import PersonErased, ReroutingsForgotten
from bot.services.imports import IMPORT_PLATFORM
from bot.uow import UnitOfWork
from knowledge.privacy import Erasure
from knowledge.records import Person
from knowledge.store import Store

PLATFORMS = ("console", "matrix", "slack", IMPORT_PLATFORM)  # the last: imported authors


def export_person(uow: UnitOfWork, person: Person, now: str) -> dict[str, Any]:
    """Everything stored about the person, as JSON-ready tables; the export itself is logged
    first, so it appears in what it exports."""
    uow.audit.audit(
        "person.exported", now, actor_id=person.id, subject_type="person", subject_id=person.id
    )
    return uow.people.person_export(person.id, now)


def export_all_data(store: Store, person: str, now: str, operator: str) -> list[dict[str, Any]]:
    """``export_person`` for each identity ``person`` names, made by an operator on the
    command line for somebody who cannot ask in chat; the audit names the operator."""
    found = []
    for each in identities(store, person):
        with UnitOfWork(store) as uow:
            uow.audit.audit(
                "person.exported", now, subject_type="person", subject_id=each.id,
                detail=f"operator={operator}",
            )  # fmt: skip
            found.append(uow.people.person_export(each.id, now))
    return found


def erase_person(
    uow: UnitOfWork, person: Person, now: str, *, mode: str, anonymous_label: str | None = None
) -> Erasure:
    """Art. 17: the person's data goes (``knowledge.privacy``); whoever keeps a copy is told,
    the router with the re-routings still stored when some of the erased were re-routed."""
    if anonymous_label is None:
        erasure = uow.people.erase_person(person.id, now, mode=mode)
    else:
        erasure = uow.people.erase_person(
            person.id, now, mode=mode, anonymous_label=anonymous_label
        )
    deleted = tuple(erasure.deleted_ideas)
    uow.record(PersonErased(person.platform, person.platform_user_id, person.id, deleted))
    if erasure.rerouted_questions_deleted:
        uow.record(ReroutingsForgotten(tuple(uow.questions.reroute_examples())))
    return erasure


def export_ideas(store: Store, person: str | None = None) -> dict[str, Any]:
    """Ideas with their authors and departments, as a JSON-ready dict.

    ``person`` is a platform user id ("anna", "@anna:stadt.de", "U024BE7LH"), optionally with
    the platform ("matrix:@anna:stadt.de"): display names are chosen by users themselves, so a
    name would also export whoever else calls themselves so.
    """
    people: list[Person] | None = None
    if person is not None:
        people = identities(store, person)
    ideas = store.ideas(author_ids=[p.id for p in people] if people is not None else None)
    return {
        "exported_at": iso(utcnow()),
        "person": person,
        "identities": None
        if people is None
        else [
            {"platform": p.platform, "user_id": p.platform_user_id, "name": p.display_name}
            for p in people
        ],
        "ideas": [
            {
                "id": idea.id,
                "title": idea.title,
                "text": idea.text,
                "author": idea.author_name,
                "department": idea.department,
                "status": idea.status,
                "supporters": idea.supporters,
                "created_at": idea.created_at,
                "updated_at": idea.updated_at,
                "merged_into": idea.merged_into,
            }
            for idea in ideas
        ],
    }


def identities(store: Store, person: str) -> list[Person]:
    """The people a ``--person`` value names, by platform user id only (see export_ideas)."""
    platform, _, user_id = person.partition(":")
    found = []
    if platform in PLATFORMS and user_id:
        found = store.people_with_user_id(user_id, platform)
    found = found or store.people_with_user_id(person)
    if found:
        return found
    named = store.people_named(person)
    if named:
        ids = ", ".join(f"{p.platform}:{p.platform_user_id}" for p in named)
        raise LookupError(f"{person!r} is a display name, not a user id; use one of: {ids}")
    raise LookupError(f"nobody with the user id {person!r} is known")
