"""Ideas: post, support, set the status, merge, and tell the matcher two are not alike.

The rules of who may do what to an idea live here, not in the chat handler, so every way in
(chat, the Lagebild's forms, the CLI) refuses the same things; a refusal is a value the
caller words, never an exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

from bot.commands import STEWARDS
from bot.domain_events import IdeaEdited, IdeaPosted, IdeasMerged, IdeaStatusChanged
from bot.matcher import Matcher, Suggestions
from bot.statuses import Status
from bot.uow import UnitOfWork
from knowledge.records import Idea, NewIdea, Person
from knowledge.store import Store

if TYPE_CHECKING:  # numpy and the matcher only for the commands that match: not for export
    import numpy as np

    from bot.semantic import SemanticMatcher

Supported = Literal["done", "merged", "own", "already"]
Judged = Literal["done", "not_yours", "already"]
Edited = Literal["done", "unchanged", "not_yours", "supported", "decided"]


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
    idea = uow.ideas.add_idea(
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
    uow.audit.audit(
        "idea.created", now, actor_id=author.id, subject_type="idea", subject_id=idea.id
    )
    uow.record(IdeaPosted(idea.id, author.id))
    return idea


def take_in(uow: UnitOfWork, matcher: Matcher, idea: Idea, author: Person) -> Suggestions:
    """What to show the author of a just posted idea. Its vector is stored in the same unit
    of work as the idea, so what the bot confirms is searchable after the commit."""
    vector = matcher.encode_idea(idea)
    if vector is not None:
        uow.ideas.set_embedding(idea.id, vector.blob, vector.model)
    return matcher.suggest(uow.store, idea, author)


def support_idea(uow: UnitOfWork, supporter: Person, idea: Idea, now: str) -> Supported:
    """One support per person and idea, never for one's own idea, and a merged idea is
    supported where it lives on: "done", or why not ("merged", "own", "already")."""
    if idea.merged_into is not None:
        return "merged"
    if idea.author_id == supporter.id:
        return "own"
    if not uow.ideas.add_support(idea.id, supporter.id, now):
        return "already"
    uow.audit.audit(
        "idea.supported", now, actor_id=supporter.id, subject_type="idea", subject_id=idea.id
    )
    return "done"


def edit_idea(
    uow: UnitOfWork, matcher: Matcher, author: Person, idea: Idea, text: str, now: str
) -> Edited:
    """The author's new wording, while the idea is still theirs alone: once colleagues
    support it or it is being decided on, its text is what they supported or decide on, and
    a new text would carry their support over to something else ("supported", "decided").
    The old text is not kept (migration 0014); the new one is matched from now on."""
    text = text.strip()
    if idea.author_id is None or idea.author_id != author.id:
        return "not_yours"
    if text == idea.text.strip():
        return "unchanged"
    if idea.status != Status.NEW:
        return "decided"
    if any(person != author.id for person in uow.ideas.supporter_ids(idea.id)):
        return "supported"
    uow.ideas.change_text(idea.id, text, now)
    vector = matcher.encode_idea(replace(idea, text=text))
    if vector is not None:
        uow.ideas.set_embedding(idea.id, vector.blob, vector.model)
    uow.audit.audit("idea.edited", now, actor_id=author.id, subject_type="idea", subject_id=idea.id)
    uow.record(IdeaEdited(idea.id, author.id))
    return "done"


def change_status(uow: UnitOfWork, actor: Person, idea: Idea, status: str, now: str) -> bool:
    """Set the status; False when it already had it."""
    if idea.status == status:
        return False
    uow.ideas.set_status(idea.id, status, now)
    uow.record(IdeaStatusChanged(idea.id, idea.status, status))
    uow.audit.audit(
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
    ideas = uow.ideas
    ideas.merge_idea(source.id, target.id, now)
    uow.record(IdeasMerged(source.id, target.id, source.author_id))
    if source.author_id is not None and source.author_id != target.author_id:
        ideas.add_support(target.id, source.author_id, now)
    ideas.add_link(source.id, target.id, "merged", now, confirmed_by=actor.id)
    uow.audit.audit(
        "idea.merged",
        now,
        actor_id=actor.id,
        subject_type="idea",
        subject_id=source.id,
        detail=f"into {target.id}",
    )


def mark_not_similar(
    uow: UnitOfWork, judge: Person, first: Idea, second: Idea, score: float | None, now: str
) -> Judged:
    """Record that two ideas are not alike, with the score the matcher gave them (it learns
    its threshold from these); only their authors and the role holders may say so.

    The matcher reads the links from the store on every search, so no event is needed."""
    if judge.id not in (first.author_id, second.author_id) and judge.role not in STEWARDS:
        return "not_yours"
    if not uow.ideas.add_link(
        first.id, second.id, "not_similar", now, score=score, confirmed_by=judge.id
    ):
        return "already"
    uow.audit.audit(
        "feedback.not_similar",
        now,
        actor_id=judge.id,
        subject_type="idea",
        subject_id=first.id,
        detail=str(second.id),
    )
    return "done"


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
