"""The digest's analysis of the period's ideas: clusters, duplicates, introductions, the map.

Texts and vectors go to ``matching.clustering`` (the groups, their names and close pairs),
``matching.cluster_terms`` (what two people share) and ``matching.map_layout`` (the map);
what comes back becomes the ``Digest``'s items. A person is named only if opted in to
matching, and in staff-council mode introductions are only counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from itertools import combinations

import numpy as np

from bot.clock import iso
from bot.digest import ClusterItem, Digest, DuplicateItem, IdeaItem, IntroductionItem, MapPoint
from bot.semantic import idea_text
from knowledge.digests import DigestIdea
from knowledge.records import DEMO_PLATFORM, Person
from knowledge.store import Store
from matching import cluster_terms, clustering, map_layout
from matching.engine import reference_ideas
from matching.relevance import Thresholds
from matching.vectors import from_blob

MAX_DUPLICATES = 5
MAX_INTRODUCTIONS = 5
GROUP_AUTHORS = 6  # of a group, the authors of most of its ideas are paired

SUGGEST_AGAIN_DAYS = 90  # a pair suggested by a digest is not suggested again for this long
# Whom ``!wer`` lists for a topic when this person asks: ids of opted-in people.
WhoFits = Callable[[Person, str], list[int]]
Reason = Callable[[], tuple[str, ...]]  # the words that say why two people should meet
# The intake's duplicate thresholds and the reference ideas' vectors (``matching.margin``).
SameIdea = tuple[Thresholds, np.ndarray]


def analyse(
    store: Store,
    base: Digest,
    rows: list[DigestIdea],
    items: dict[int, IdeaItem],
    vectors: np.ndarray,
    centre: np.ndarray,
    same_idea: SameIdea,
    now: datetime,
    who: WhoFits | None = None,
) -> Digest:
    """``base`` with its clusters, likely duplicates, introductions and map added.

    ``rows`` are the period's ideas (and the open older ones), ``items`` their digest items by
    id, ``vectors`` their unit embeddings (rows in order) and ``centre`` the corpus centre;
    ``same_idea`` tells a likely duplicate as the intake does;
    ``who`` finds people for a topic as ``!wer`` does (without it, introductions come from the
    groups alone).
    """
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
                _news_first(items[rows[i].idea.id] for i in found.rows),
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
    coords, projection = map_layout.layout_2d(points, labels)
    map_points = tuple(
        MapPoint(ids[n], float(coords[n, 0]), float(coords[n, 1]), renumber.get(int(lab), -1))
        for n, lab in enumerate(labels)
    )
    duplicates, duplicate_count = _duplicates(store, rows, items, vectors, same_idea)
    introductions = _introductions(store, rows, points, labels, centre, people, connected, now, who)
    council = base.staff_council
    return replace(
        base,
        clusters=tuple(chosen),
        duplicates=tuple(duplicates),
        duplicate_count=duplicate_count,
        introductions=() if council else tuple(introductions),
        introduction_count=len(introductions),
        suggested_pairs=tuple((i.person_a, i.person_b) for i in introductions),
        map_points=map_points,
        projection=projection,
        analysed=True,
    )


def _news_first(ideas: Iterable[IdeaItem]) -> tuple[IdeaItem, ...]:
    """A group's ideas, the period's new ones first (else in their order): the chat shows a
    group's first few, and the week's news are what the CDO reads the digest for."""
    return tuple(sorted(ideas, key=lambda idea: not idea.new))


def _duplicates(
    store: Store,
    rows: list[DigestIdea],
    items: dict[int, IdeaItem],
    vectors: np.ndarray,
    same_idea: SameIdea,
) -> tuple[list[DuplicateItem], int]:
    """The ``MAX_DUPLICATES`` most certain likely duplicates, and how many there are in all.

    Beyond the first few the model's scores are not precise enough to list pairs, but the
    number is said, so the cap hides nothing."""
    thresholds, background = same_idea
    pairs = clustering.likely_duplicates(
        vectors, thresholds.duplicate, thresholds.duplicate_margin, background
    )
    found: list[DuplicateItem] = []
    count = 0
    not_similar: dict[int, set[int]] = {}
    with store.transaction():
        for pair in pairs:
            a, b = rows[pair.a].idea.id, rows[pair.b].idea.id
            if not (items[a].new or items[b].new):  # reported before
                continue
            if a not in not_similar:
                not_similar[a] = store.linked(a, "not_similar")
            if b in not_similar[a]:  # somebody said they are not the same
                continue
            count += 1
            if len(found) < MAX_DUPLICATES:
                newer, older = max(a, b), min(a, b)  # the later one merges into the first
                found.append(DuplicateItem(items[newer], items[older], pair.score, pair.margin))
    return found, count


def _introductions(
    store: Store,
    rows: list[DigestIdea],
    points: np.ndarray,
    labels: np.ndarray,
    centre: np.ndarray,
    people: dict[int, Person],
    connected: set[tuple[int, int]],
    now: datetime,
    who: WhoFits | None,
) -> list[IntroductionItem]:
    """Opted-in people who are not connected and not suggested lately, each pair with a
    reason a colleague can read: first those who wrote ideas of one group this period (the
    digest's own evidence), then those whom ``!wer`` finds for a declared interest of
    somebody who wrote in the period (the same scorer and threshold as in chat, so the digest
    has no rule of its own: asked as anybody else asks it, that person ranked too)."""
    if len(people) < 2:
        return []
    with store.transaction():
        topic_rows = store.interest_rows(list(people))
        recent = store.digest_introduced_since(iso(now - timedelta(days=SUGGEST_AGAIN_DAYS)))
    common = cluster_terms.common_keys(reference_ideas())
    topics: dict[int, list[str]] = {}
    own: dict[int, list[np.ndarray]] = {}  # centred: interests and the period's ideas
    for topic in topic_rows:
        topics.setdefault(topic["person_id"], []).append(topic["topic"])
        if topic["embedding"] is not None:
            vector = clustering.features(from_blob(topic["embedding"])[None, :], centre)[0]
            own.setdefault(topic["person_id"], []).append(vector)
    ideas_of: dict[int, list[int]] = {}
    for n, row in enumerate(rows):
        author = row.idea.author_id
        if author is not None and author in people:
            ideas_of.setdefault(author, []).append(n)
            own.setdefault(author, []).append(points[n])
    matrices = {pid: np.vstack(vectors) for pid, vectors in own.items()}

    def closeness(pa: int, pb: int) -> float:
        if pa not in matrices or pb not in matrices:
            return 0.0
        return float((matrices[pa] @ matrices[pb].T).max())

    # (from a group?, other department?, closeness), the pair, and how to say why: reasons
    # are worded only for the pairs that may be shown (a 10k digest has thousands of pairs)
    offers: list[tuple[tuple[bool, bool, float], tuple[int, int], Reason]] = []

    def offer(pa: int, pb: int, group: bool, close: float, why: Reason) -> None:
        if (people[pa].platform == DEMO_PLATFORM) != (people[pb].platform == DEMO_PLATFORM):
            return  # an example person and a real one cannot be introduced (trial 26)
        cross = people[pa].department != people[pb].department
        offers.append(((group, cross, close), (min(pa, pb), max(pa, pb)), why))

    groups: dict[int, dict[int, list[int]]] = {}  # group -> author -> their rows in it
    for author, numbers in ideas_of.items():
        for n in numbers:
            if labels[n] >= 0:
                groups.setdefault(int(labels[n]), {}).setdefault(author, []).append(n)
    for members in groups.values():
        # a big group's most active authors: the pairs grow with the square of the authors
        authors = sorted(members, key=lambda a: (-len(members[a]), a))[:GROUP_AUTHORS]
        for pa, pb in combinations(sorted(authors), 2):
            close = float((points[members[pa]] @ points[members[pb]].T).max())
            said_a, said_b = ([idea_text(rows[n].idea) for n in members[p]] for p in (pa, pb))
            shared = partial(cluster_terms.shared_terms, said_a, said_b, ignore=common)
            offer(pa, pb, True, close, shared)
    # the declared interests of people active in the period, each asked as `!wer` would
    asked = [(pa, topic) for pa in ideas_of for topic in topics.get(pa, [])] if who else []
    ask: WhoFits = who or (lambda person, topic: [])
    for pa, interest in asked:
        with store.transaction():  # one at a time: a post waits for one query, not all
            found = ask(people[pa], interest)
        for pb in found:
            if pb != pa and pb in people:
                offer(pa, pb, False, closeness(pa, pb), partial(tuple, (interest,)))
    chosen: list[tuple[tuple[int, int], tuple[str, ...], float]] = []
    for rank, pair, why in sorted(offers, key=lambda o: o[0], reverse=True):
        if len(chosen) == MAX_INTRODUCTIONS:
            break
        if pair in connected or pair in recent or any(pair == c[0] for c in chosen):
            continue
        reason = why()
        if reason:
            chosen.append((pair, reason, rank[2]))
    return [
        IntroductionItem(
            pa,
            pb,
            people[pa].display_name,
            people[pb].display_name,
            people[pa].department,
            people[pb].department,
            reason,
            close,
        )
        for (pa, pb), reason, close in chosen
    ]
