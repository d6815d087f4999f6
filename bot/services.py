"""The service layer: plain values in, plain values out, shared by chat, CLI and adapters.

Use cases that change what an in-memory copy holds take the unit of work (``bot.uow``) and
record a domain event on it; the copies learn of it after the commit, never from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.clock import iso, utcnow
from bot.domain_events import (
    IdeaPosted,
    IdeasMerged,
    IdeaStatusChanged,
    InterestsChanged,
    MatchingChanged,
    PersonErased,
    ReroutingsForgotten,
)
from bot.importer import ImportRow, RowError
from bot.uow import UnitOfWork
from knowledge.privacy import Erasure
from knowledge.records import Idea, NewIdea, Person
from knowledge.store import Store

if TYPE_CHECKING:  # numpy and the matcher only for the commands that match: not for export
    import numpy as np

    from bot.semantic import SemanticMatcher

MAX_INTERESTS = 20
MAX_INTEREST_LENGTH = 60


def post_idea(
    uow: UnitOfWork,
    author: Person,
    text: str,
    now: str,
    *,
    platform: str | None = None,
    room: str | None = None,
    event_id: str | None = None,
) -> Idea:
    store = uow.store
    idea = store.add_idea(
        NewIdea(
            text=text.strip(),
            author_id=author.id,
            department=author.department,
            source_platform=platform,
            source_room=room,
            source_event_id=event_id,
        ),
        now,
    )
    store.audit("idea.created", now, actor_id=author.id, subject_type="idea", subject_id=idea.id)
    uow.record(IdeaPosted(idea.id, author.id))
    return idea


def change_status(uow: UnitOfWork, actor: Person, idea: Idea, status: str, now: str) -> bool:
    """Set the status; False when it already had it."""
    if idea.status == status:
        return False
    store = uow.store
    store.set_status(idea.id, status, now)
    uow.record(IdeaStatusChanged(idea.id, idea.status, status))
    store.audit(
        "idea.status",
        now,
        actor_id=actor.id,
        subject_type="idea",
        subject_id=idea.id,
        detail=f"{idea.status}->{status}",
    )
    return True


def merge_ideas(uow: UnitOfWork, actor: Person, source: Idea, target: Idea, now: str) -> None:
    """Fold a duplicate into the idea it repeats, keeping its author and supporters.

    The source stays in the store, marked as merged and pointing at the target, so the
    merge is traceable and the source's author still appears with the target.
    """
    store = uow.store
    store.merge_idea(source.id, target.id, now)
    uow.record(IdeasMerged(source.id, target.id, source.author_id))
    if source.author_id is not None and source.author_id != target.author_id:
        store.add_support(target.id, source.author_id, now)
    store.add_link(source.id, target.id, "merged", now, confirmed_by=actor.id)
    store.audit(
        "idea.merged",
        now,
        actor_id=actor.id,
        subject_type="idea",
        subject_id=source.id,
        detail=f"into {target.id}",
    )


def set_interests(uow: UnitOfWork, person: Person, topics: list[str], now: str) -> None:
    """A person's topics (none: cleared); ``!wer`` and the intake know them once committed."""
    uow.store.set_interests(person.id, topics, now)
    uow.record(InterestsChanged(person.id, tuple(topics)))
    if topics:
        uow.store.audit(
            "person.interests", now, actor_id=person.id, subject_type="person", subject_id=person.id
        )


def set_matching(uow: UnitOfWork, person: Person, enabled: bool, now: str) -> None:
    """Allow or stop being suggested to others."""
    uow.store.set_matching(person.id, enabled, now)
    uow.store.audit(
        "person.matching",
        now,
        actor_id=person.id,
        subject_type="person",
        subject_id=person.id,
        detail="on" if enabled else "off",
    )
    uow.record(MatchingChanged(person.id, enabled))


def erase_person(
    uow: UnitOfWork, person: Person, now: str, *, mode: str, anonymous_label: str | None = None
) -> Erasure:
    """Art. 17: the person's data goes (``knowledge.privacy``); whoever keeps a copy is told,
    the router with the re-routings still stored when some of the erased were re-routed."""
    store = uow.store
    if anonymous_label is None:
        erasure = store.erase_person(person.id, now, mode=mode)
    else:
        erasure = store.erase_person(person.id, now, mode=mode, anonymous_label=anonymous_label)
    deleted = tuple(erasure.deleted_ideas)
    uow.record(PersonErased(person.platform, person.platform_user_id, person.id, deleted))
    if erasure.rerouted_questions_deleted:
        uow.record(ReroutingsForgotten(tuple(store.reroute_examples())))
    return erasure


def split_topics(text: str) -> list[str]:
    """``"E-Akte, Open Data; KI"`` -> ``["E-Akte", "Open Data", "KI"]``, without repeats."""
    topics: list[str] = []
    for part in text.replace(";", ",").replace("\n", ",").split(","):
        topic = " ".join(part.split())
        if topic and topic.casefold() not in (t.casefold() for t in topics):
            topics.append(topic)
    return topics


@dataclass
class ImportReport:
    added: int = 0
    skipped: int = 0  # already imported before
    errors: list[RowError] = field(default_factory=list)


IMPORT_PLATFORM = "import"


def import_rows(
    store: Store,
    rows: Iterable[ImportRow | RowError],
    now: str,
    *,
    batch_size: int = 500,
    on_row: Callable[[], None] | None = None,
) -> ImportReport:
    """Store the good rows in batches (one transaction each) and collect the broken ones."""
    report = ImportReport()
    batch: list[ImportRow] = []

    def flush() -> None:
        with store.transaction():
            for row in batch:
                if store.has_import_key(row.key):
                    report.skipped += 1
                    continue
                author = None
                if row.author:
                    author = store.upsert_person(
                        IMPORT_PLATFORM, row.author, row.author, now, department=row.department
                    )
                store.add_idea(
                    NewIdea(
                        text=row.text,
                        title=row.title,
                        author_id=author.id if author else None,
                        department=row.department,
                        status=row.status,
                        source_platform=IMPORT_PLATFORM,
                        import_key=row.key,
                        created_at=row.created,
                    ),
                    now,
                )
                report.added += 1
            store.audit("ideas.imported", now, detail=f"{len(batch)} rows")
        batch.clear()

    for row in rows:
        if isinstance(row, RowError):
            report.errors.append(row)
        else:
            batch.append(row)
            if len(batch) >= batch_size:
                flush()
        if on_row is not None:
            on_row()
    if batch:
        flush()
    return report


PLATFORMS = ("console", "matrix", "slack")


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


def similar_ideas(
    store: Store,
    matcher: SemanticMatcher,
    texts: Sequence[str],
    top: int,
    include_hidden: bool = False,
    *,
    progress: bool = False,
) -> list[list[dict[str, Any]]]:
    """The ``top`` ideas closest to each text, as JSON-ready dicts (for the CLI); the texts
    are encoded in one batch."""
    threshold = matcher.threshold(store)
    vectors = matcher.encoder.encode(list(texts), progress=progress)
    return [
        _similar_found(store, matcher, text, vector, top, include_hidden, threshold)
        for text, vector in zip(texts, vectors, strict=True)
    ]


def _similar_found(
    store: Store,
    matcher: SemanticMatcher,
    text: str,
    vector: np.ndarray,
    top: int,
    include_hidden: bool,
    threshold: float,
) -> list[dict[str, Any]]:
    with store.transaction():
        found = matcher.search(store, text, vector, limit=top, include_hidden=include_hidden)
    return [
        {
            "id": s.idea.id,
            "text": s.idea.text,
            "score": round(s.score, 4),
            "above_threshold": s.score >= threshold,
            "duplicate": s.duplicate,
            "author": s.idea.author_name,
            "department": s.idea.department,
            "status": s.idea.status,
            "reason": s.reason,
        }
        for s in found
    ]
