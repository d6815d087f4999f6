"""The weekly synergy digest: what the CDO should know about the last days, on one page.

Gathers from the store (ideas, questions, supports, status changes, people who opted in) and
hands texts and vectors to ``matching.clustering`` for the analysis. The result is a plain
``Digest`` value; ``bot.digest_render`` turns it into Markdown, HTML or JSON.

Privacy, by construction rather than by template discipline: a person's name enters the
``Digest`` only if that person opted in to matching, and in staff-council mode no name enters
it at all - introductions are then only counted. No part of the digest ranks people.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np

from bot import render
from bot.clock import iso
from bot.config import Settings
from bot.digest_plans import PlanSection, plan_section
from bot.questions import is_overdue
from bot.semantic import SemanticMatcher, idea_text
from knowledge.digests import DigestIdea
from knowledge.records import Idea, Person
from knowledge.store import Store
from matching import clustering
from matching.encoder import Encoder
from matching.engine import PRIOR_WEIGHT, reference_ideas
from matching.kept import encode_kept
from matching.people import Profile
from matching.relevance import DEFAULT as DEFAULT_THRESHOLDS
from matching.relevance import thresholds_for
from matching.vectors import from_blob, to_blob

log = logging.getLogger(__name__)

MAX_CLUSTERS = 8
MAX_IDEAS_PER_CLUSTER = 6
MAX_DUPLICATES = 5
MAX_INTRODUCTIONS = 5
MAX_QUESTIONS = 10
MAX_STATUS_CHANGES = 10
MAX_SUPPORTED = 5
MAX_NEW_LISTED = 10
# Profiles (weighted means of a person's centred topic and idea vectors) at least this close
# count as "close interests". Measured on the cycling posts (all 4.9 M pairs): centred e5
# cosine >= 0.35 - 61 % of such pairs share a level-2 topic (random pairs: 9 %, >= 0.3: 54 %).
INTRODUCTION_MIN = 0.35
FOR_CDO = ("cdo", "both")
SUGGEST_AGAIN_DAYS = 90  # a pair suggested by a digest is not suggested again for this long


@dataclass(frozen=True)
class IdeaItem:
    id: int
    summary: str
    department: str | None
    author: str | None  # None unless the author opted in (and never in staff-council mode)
    status: str
    supporters: int
    created_at: str
    new: bool  # created in the digest's period


@dataclass(frozen=True)
class ClusterItem:
    terms: tuple[str, ...]
    ideas: tuple[IdeaItem, ...]  # all of them; renderers shorten
    departments: tuple[str, ...]
    cross_department: bool
    unconnected_authors: int  # opted-in authors in it who have no introduction between them

    @property
    def synergy(self) -> bool:
        return self.cross_department or self.unconnected_authors >= 2

    @property
    def new(self) -> int:
        return sum(1 for idea in self.ideas if idea.new)


@dataclass(frozen=True)
class DuplicateItem:
    a: IdeaItem
    b: IdeaItem
    score: float


@dataclass(frozen=True)
class IntroductionItem:
    person_a: int
    person_b: int
    name_a: str
    name_b: str
    department_a: str | None
    department_b: str | None
    reason: tuple[str, ...]  # what brings them together: shared terms or topics
    score: float


@dataclass(frozen=True)
class QuestionItem:
    id: int
    summary: str
    target: str | None
    routed_at: str | None
    overdue: bool


@dataclass(frozen=True)
class StatusItem:
    idea: IdeaItem
    old: str | None
    new: str
    at: str


@dataclass(frozen=True)
class DepartmentTrend:
    department: str | None
    now: int
    before: int


@dataclass(frozen=True)
class Trend:
    ideas_now: int
    ideas_before: int
    questions_now: int
    questions_before: int
    supports_now: int
    supports_before: int
    departments: tuple[DepartmentTrend, ...]


@dataclass(frozen=True)
class MapPoint:
    idea_id: int
    x: float
    y: float
    cluster: int  # index into Digest.clusters, -1 for none


@dataclass(frozen=True)
class Digest:
    start: str  # ISO, UTC
    end: str
    days: int
    staff_council: bool
    new_ideas: tuple[IdeaItem, ...]
    clusters: tuple[ClusterItem, ...]
    duplicates: tuple[DuplicateItem, ...]
    introductions: tuple[IntroductionItem, ...]  # empty in staff-council mode
    introduction_count: int
    open_questions: tuple[QuestionItem, ...]
    status_changes: tuple[StatusItem, ...]
    most_supported: tuple[tuple[IdeaItem, int], ...]  # idea, supporters gained in the period
    trend: Trend
    map_points: tuple[MapPoint, ...] = field(default_factory=tuple)
    projection: str = "none"
    analysed: bool = True  # False: no model, so no clusters, duplicates or introductions
    # person id pairs behind the introductions (also in staff-council mode, where they are
    # only counted): a sent digest records them so they are not suggested again soon
    suggested_pairs: tuple[tuple[int, int], ...] = ()
    plans: PlanSection | None = None  # where ideas meet the city's plans (bot.digest_plans)

    @property
    def empty(self) -> bool:
        """Nothing the CDO could act on: the digest then says so in one line."""
        return not (
            self.new_ideas
            or self.clusters
            or self.duplicates
            or self.introduction_count
            or self.open_questions
            or self.status_changes
        )

    @property
    def synergies(self) -> tuple[ClusterItem, ...]:
        return tuple(c for c in self.clusters if c.synergy)


def build_digest(
    store: Store,
    settings: Settings,
    now: datetime,
    *,
    days: int | None = None,
    encoder: Encoder | None = None,
    centre: np.ndarray | None = None,
    duplicate_min: float | None = None,
) -> Digest:
    """The digest of the ``days`` before ``now`` (default: the configured period).

    ``encoder``: the model whose stored vectors are used (ideas without one are encoded and
    stored); without it the digest has no clusters, duplicates or introductions.
    ``centre``: the corpus centre for cosines (the matcher's), else see ``default_centre``.
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
        StatusItem(_plain_item(changed_ideas[c.idea_id], s_start), c.old, c.new, c.at)
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
    if centre is None:
        centre = default_centre(encode_kept(encoder, reference_ideas()).mean(axis=0), vectors)
    return _analyse(store, base, rows, items, vectors, centre, duplicate_min, now)


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


def _analyse(
    store: Store,
    base: Digest,
    rows: list[DigestIdea],
    items: dict[int, IdeaItem],
    vectors: np.ndarray,
    centre: np.ndarray,
    duplicate_min: float | None,
    now: datetime,
) -> Digest:
    texts = [idea_text(row.idea) for row in rows]
    ids = [row.idea.id for row in rows]
    points = clustering.features(vectors, centre)
    labels = clustering.cluster_labels(points)
    with store.transaction():
        connected = store.connected_pairs()
        people = {p.id: p for p in store.opted_in_people()}
    clusters: list[ClusterItem | None] = []
    for found in clustering.clusters_of(texts, labels):
        members = [rows[i] for i in found.rows]
        if not any(items[r.idea.id].new for r in members):
            clusters.append(None)  # only old ideas: shown in earlier digests already
            continue
        departments = sorted({r.idea.department for r in members if r.idea.department})
        authors = sorted({r.idea.author_id for r in members if r.idea.author_id in people})
        unconnected = {
            a
            for a in authors
            for b in authors
            if a != b and (min(a, b), max(a, b)) not in connected
        }
        clusters.append(
            ClusterItem(
                found.terms,
                tuple(items[rows[i].idea.id] for i in found.rows),
                tuple(departments),
                len(departments) >= 2,
                len(unconnected),
            )
        )
    # synergies first (the point of the digest), then the biggest
    shown = [n for n, c in enumerate(clusters) if c is not None]
    order = sorted(shown, key=lambda n: (not clusters[n].synergy, n))  # type: ignore[union-attr]
    chosen = [c for c in (clusters[n] for n in order) if c is not None]
    renumber = {old: new for new, old in enumerate(order)}
    # each cluster in one place on the map, whatever the projection did with it
    coords, projection = clustering.layout_2d(points, labels)
    map_points = tuple(
        MapPoint(ids[n], float(coords[n, 0]), float(coords[n, 1]), renumber.get(int(lab), -1))
        for n, lab in enumerate(labels)
    )
    duplicates = _duplicates(store, rows, items, vectors, duplicate_min)
    introductions = _introductions(store, rows, points, centre, people, connected, now)
    council = base.staff_council
    return replace(
        base,
        clusters=tuple(chosen),
        duplicates=tuple(duplicates),
        introductions=() if council else tuple(introductions),
        introduction_count=len(introductions),
        suggested_pairs=tuple((i.person_a, i.person_b) for i in introductions),
        map_points=map_points,
        projection=projection,
        analysed=True,
    )


def _duplicates(
    store: Store,
    rows: list[DigestIdea],
    items: dict[int, IdeaItem],
    vectors: np.ndarray,
    duplicate_min: float | None,
) -> list[DuplicateItem]:
    if duplicate_min is None:
        duplicate_min = thresholds_for(DEFAULT_THRESHOLDS).duplicate
    pairs = clustering.likely_duplicates(vectors, duplicate_min)
    found = []
    with store.transaction():
        for pair in pairs:
            a, b = rows[pair.a].idea.id, rows[pair.b].idea.id
            if not (items[a].new or items[b].new):  # reported before
                continue
            if b in store.linked(a, "not_similar"):  # somebody said they are not the same
                continue
            found.append(DuplicateItem(items[a], items[b], pair.score))
            if len(found) == MAX_DUPLICATES:
                break
    return found


def _introductions(
    store: Store,
    rows: list[DigestIdea],
    points: np.ndarray,
    centre: np.ndarray,
    people: dict[int, Person],
    connected: set[tuple[int, int]],
    now: datetime,
) -> list[IntroductionItem]:
    """Opted-in people with close interests who are not connected and not suggested lately."""
    if len(people) < 2:
        return []
    with store.transaction():
        topic_rows = store.interest_rows(list(people))
        recent = store.digest_introduced_since(iso(now - timedelta(days=SUGGEST_AGAIN_DAYS)))
    profiles = {pid: Profile(pid) for pid in people}
    topic_vectors: dict[int, list[np.ndarray]] = {}
    for topic in topic_rows:
        if topic["embedding"] is None:
            continue  # interests get their vector when the matcher first meets them
        profiles[topic["person_id"]].topics.append(topic["topic"])
        topic_vectors.setdefault(topic["person_id"], []).append(from_blob(topic["embedding"]))
    texts: dict[int, list[str]] = {pid: list(profiles[pid].topics) for pid in people}
    for pid, vectors in topic_vectors.items():
        profiles[pid].topic_vectors = clustering.features(np.vstack(vectors), centre)
    by_author: dict[int, list[int]] = {}
    for n, row in enumerate(rows):
        if row.idea.author_id in people:
            by_author.setdefault(row.idea.author_id, []).append(n)
            texts[row.idea.author_id].append(idea_text(row.idea))
    for pid, numbers in by_author.items():
        profiles[pid].idea_ids = [rows[n].idea.id for n in numbers]
        profiles[pid].idea_vectors = points[numbers]
        profiles[pid].idea_ages_days = [0.0] * len(numbers)
    ready = [(pid, p.vector()) for pid, p in profiles.items()]
    usable = [(pid, v) for pid, v in ready if v is not None]
    if len(usable) < 2:
        return []
    owners = [pid for pid, _ in usable]
    matrix = np.vstack([v for _, v in usable])
    candidates = []
    for a, b, score in clustering.close_pairs(matrix, INTRODUCTION_MIN):
        pa, pb = owners[a], owners[b]
        pair = (min(pa, pb), max(pa, pb))
        if pair in connected or pair in recent:
            continue
        cross = people[pa].department != people[pb].department
        candidates.append((not cross, -score, pair))
    candidates.sort()
    chosen = []
    for _, negative, (pa, pb) in candidates[:MAX_INTRODUCTIONS]:
        first, second = people[pa], people[pb]
        shared = clustering.shared_terms(texts[pa], texts[pb])
        chosen.append(
            IntroductionItem(
                pa,
                pb,
                first.display_name,
                second.display_name,
                first.department,
                second.department,
                tuple(shared),
                -negative,
            )
        )
    return chosen


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
        duplicate_min=matcher.thresholds.duplicate,
    )
