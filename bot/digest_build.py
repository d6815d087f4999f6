"""Building the weekly digest: the period's ideas, questions, supports and status changes.

Gathers from the store what happened in the ``days`` before now; with a model,
``bot.digest_analysis`` adds the clusters, likely duplicates, introductions and the map.
``digest_for`` builds the digest with the bot's matcher. The value is ``bot.digest.Digest``.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np

from bot import render
from bot.clock import iso
from bot.config import Settings
from bot.digest import DepartmentTrend, Digest, IdeaItem, QuestionItem, StatusItem, Trend
from bot.digest_analysis import MAX_INTRODUCTIONS, WhoFits, analyse
from bot.digest_plans import plan_section
from bot.questions import is_overdue
from bot.semantic import SemanticMatcher, idea_text
from knowledge.digests import DigestIdea
from knowledge.records import Idea
from knowledge.store import Store
from matching.encoder import Encoder
from matching.engine import PRIOR_WEIGHT, reference_ideas
from matching.kept import encode_kept
from matching.relevance import DEFAULT as DEFAULT_THRESHOLDS
from matching.relevance import Thresholds, thresholds_for
from matching.vectors import from_blob, to_blob

log = logging.getLogger(__name__)

MAX_SUPPORTED = 5
FOR_CDO = ("cdo", "both")


def build_digest(
    store: Store,
    settings: Settings,
    now: datetime,
    *,
    days: int | None = None,
    encoder: Encoder | None = None,
    centre: np.ndarray | None = None,
    thresholds: Thresholds | None = None,
    background: np.ndarray | None = None,
    who: WhoFits | None = None,
) -> Digest:
    """The digest of the ``days`` before ``now`` (default: the configured period).

    ``encoder``: the model whose stored vectors are used (ideas without one are encoded and
    stored); without it the digest has no clusters, duplicates or introductions.
    ``centre``: the corpus centre for cosines (the matcher's), else see ``default_centre``.
    ``thresholds`` and ``background``: the matcher's calibration and reference vectors, for
    likely duplicates as the intake finds them (else the default model's, and the encoder's).
    ``who``: whom ``!wer`` lists for a topic (the matcher's), for the introductions.
    """
    days = days or settings.digest.days
    council = settings.digest.staff_council
    start, before = now - timedelta(days=days), now - timedelta(days=2 * days)
    # the end is exclusive, and stamps have whole seconds: what happened at `now` counts
    s_start, s_end, s_before = iso(start), iso(now + timedelta(seconds=1)), iso(before)
    with store.transaction():
        rows = store.digest_ideas(s_start)
        trend = _trend(store, s_before, s_start, s_end)
        changes = store.status_changes(s_start, s_end)
        supported = store.most_supported(s_start, MAX_SUPPORTED)
        questions = store.open_questions(FOR_CDO)  # the CIO's alone are not the CDO's
        changed_ideas = store.get_ideas([c.idea_id for c in changes])
    items = {row.idea.id: _item(row, s_start, council) for row in rows}
    open_questions = tuple(
        QuestionItem(
            q.id, render.summary(q.text, 80), q.target, q.routed_at, is_overdue(settings, q, now)
        )
        for q in questions
    )
    status_items = tuple(
        StatusItem(_plain_item(changed_ideas[c.idea_id], s_start), c.old, c.new, c.at, c.into)
        for c in changes
        if c.idea_id in changed_ideas
    )
    most = tuple((_plain_item(idea, s_start), recent) for idea, recent in supported)
    new_ideas = tuple(item for item in items.values() if item.new)
    base = Digest(
        s_start,
        s_end,
        days,
        council,
        new_ideas,
        (),
        (),
        (),
        0,
        open_questions,
        status_items,
        most,
        trend,
        analysed=False,
    )
    if encoder is not None and new_ideas:  # a quiet period stays one short line
        base = replace(base, plans=plan_section(store, encoder, s_before, s_start, s_end))
    if encoder is None or not rows:
        return replace(base, analysed=encoder is not None)
    vectors = _vectors(store, encoder, rows)
    if background is None:
        background = encode_kept(encoder, reference_ideas())
    if centre is None:
        centre = default_centre(background.mean(axis=0), vectors)
    same_idea = (thresholds or thresholds_for(DEFAULT_THRESHOLDS), background)
    return analyse(store, base, rows, items, vectors, centre, same_idea, now, who)


def default_centre(prior: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """The ideas' mean drawn towards the prior, as the matcher does (``IdeaEngine.centre``).

    Centring a handful of ideas on their own mean would push them apart (two ideas end up
    opposite each other), so a small digest leans on the prior of typical ideas.
    """
    n = len(vectors)
    mean = vectors.mean(axis=0)
    return ((n * mean + PRIOR_WEIGHT * prior) / (n + PRIOR_WEIGHT)).astype(np.float32)


def _trend(store: Store, before: str, start: str, end: str) -> Trend:
    now_counts = store.ideas_per_department(start, end)
    before_counts = store.ideas_per_department(before, start)
    departments = sorted(
        set(now_counts) | set(before_counts), key=lambda d: (-now_counts.get(d, 0), d or "")
    )
    return Trend(
        sum(now_counts.values()),
        sum(before_counts.values()),
        store.questions_asked(start, end),
        store.questions_asked(before, start),
        store.supports_given(start, end),
        store.supports_given(before, start),
        tuple(
            DepartmentTrend(d, now_counts.get(d, 0), before_counts.get(d, 0)) for d in departments
        ),
    )


def _item(row: DigestIdea, start: str, council: bool) -> IdeaItem:
    idea = row.idea
    named = row.author_opted_in and not council
    return IdeaItem(
        idea.id,
        render.summary(idea.title or idea.text, 80),
        idea.department,
        idea.author_name if named else None,
        idea.status,
        idea.supporters,
        idea.created_at,
        idea.created_at >= start,
    )


def _plain_item(idea: Idea, start: str) -> IdeaItem:
    """An idea shown without its author (status changes, most supported)."""
    return IdeaItem(
        idea.id,
        render.summary(idea.title or idea.text, 80),
        idea.department,
        None,
        idea.status,
        idea.supporters,
        idea.created_at,
        idea.created_at >= start,
    )


def _vectors(store: Store, encoder: Encoder, rows: list[DigestIdea]) -> np.ndarray:
    """Stored vectors; ideas without one (or from another model) are encoded and stored -
    from the matcher's ``idea_text``, so the vector stored is the one the matcher would store."""
    vectors = np.zeros((len(rows), encoder.dim), dtype=np.float32)
    missing = []
    for n, row in enumerate(rows):
        if row.embedding is not None and row.embedding_model == encoder.name:
            vectors[n] = from_blob(row.embedding)
        else:
            missing.append(n)
    if missing:
        log.info("digest: encoding %d ideas without a stored vector", len(missing))
        fresh = encoder.encode([idea_text(rows[n].idea) for n in missing], batch_size=64)
        with store.transaction():
            for n, vector in zip(missing, fresh, strict=True):
                vectors[n] = vector
                store.set_embedding(rows[n].idea.id, to_blob(vector), encoder.name)
    return vectors


def digest_for(
    store: Store,
    settings: Settings,
    now: datetime,
    matcher: object,
    *,
    days: int | None = None,
) -> Digest:
    """The digest with the bot's matcher: its model, corpus centre and calibration.

    A matcher without a model (``NoMatcher``) gives a digest without the analysis.
    """
    if not isinstance(matcher, SemanticMatcher):
        return build_digest(store, settings, now, days=days)
    engine = matcher.engine
    return build_digest(
        store,
        settings,
        now,
        days=days,
        encoder=matcher.encoder,
        centre=engine.centre() if len(engine) or engine.prior_mean is not None else None,
        thresholds=matcher.thresholds,
        background=engine.background,
        who=lambda person, topic: [
            c.person.id
            for c in matcher.who(store, topic, person, MAX_INTRODUCTIONS + 1, ranked=True)
            if c.person.id != person.id
        ],
    )
