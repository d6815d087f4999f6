"""The digest's analysis of the period's ideas: clusters, duplicates, introductions, the map.

Texts and vectors go to ``matching.clustering`` (the groups, their names and close pairs),
``matching.cluster_terms`` (what two people share) and ``matching.map_layout`` (the map);
what comes back becomes the ``Digest``'s items. A person is named only if opted in to
matching, and in staff-council mode introductions are only counted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from itertools import combinations

import numpy as np

from bot.clock import iso
from bot.digest import ClusterItem, Digest, DuplicateItem, IdeaItem, IntroductionItem, MapPoint
from bot.semantic import idea_text
from knowledge.digests import DigestIdea
from knowledge.records import Person
from knowledge.store import Store
from matching import cluster_terms, clustering, map_layout
from matching.engine import reference_ideas
from matching.people import Profile
from matching.relevance import DEFAULT as DEFAULT_THRESHOLDS
from matching.relevance import thresholds_for
from matching.vectors import from_blob

MAX_DUPLICATES = 5
MAX_INTRODUCTIONS = 5

# Profiles (weighted means of a person's centred topic and idea vectors) at least this close
# count as "close interests". Measured on the cycling posts (all 4.9 M pairs): centred e5
# cosine >= 0.35 - 61 % of such pairs share a level-2 topic (random pairs: 9 %, >= 0.3: 54 %).
INTRODUCTION_MIN = 0.35
SUGGEST_AGAIN_DAYS = 90  # a pair suggested by a digest is not suggested again for this long


def analyse(
    store: Store,
    base: Digest,
    rows: list[DigestIdea],
    items: dict[int, IdeaItem],
    vectors: np.ndarray,
    centre: np.ndarray,
    duplicate_min: float | None,
    now: datetime,
) -> Digest:
    """``base`` with its clusters, likely duplicates, introductions and map added.

    ``rows`` are the period's ideas (and the open older ones), ``items`` their digest items by
    id, ``vectors`` their unit embeddings (rows in order) and ``centre`` the corpus centre.
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
    coords, projection = map_layout.layout_2d(points, labels)
    map_points = tuple(
        MapPoint(ids[n], float(coords[n, 0]), float(coords[n, 1]), renumber.get(int(lab), -1))
        for n, lab in enumerate(labels)
    )
    duplicates = _duplicates(store, rows, items, vectors, duplicate_min)
    introductions = _introductions(store, rows, points, labels, centre, people, connected, now)
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
    labels: np.ndarray,
    centre: np.ndarray,
    people: dict[int, Person],
    connected: set[tuple[int, int]],
    now: datetime,
) -> list[IntroductionItem]:
    """Opted-in people who are not connected, not suggested lately, and either wrote ideas of
    one group this period (the digest's own evidence that they work on the same thing) or
    have close interests; each with a reason a colleague can read, or not at all."""
    if len(people) < 2:
        return []
    with store.transaction():
        topic_rows = store.interest_rows(list(people))
        recent = store.digest_introduced_since(iso(now - timedelta(days=SUGGEST_AGAIN_DAYS)))
    common = cluster_terms.common_keys(reference_ideas())

    def reason(texts_a: list[str], texts_b: list[str]) -> tuple[str, ...]:
        return cluster_terms.shared_terms(texts_a, texts_b, ignore=common)

    # (group pair?, other department?, closeness) for the order; the reason
    candidates: dict[tuple[int, int], tuple[tuple[bool, bool, float], tuple[str, ...]]] = {}

    def offer(pa: int, pb: int, rank: tuple[bool, bool, float], why: tuple[str, ...]) -> None:
        pair = (min(pa, pb), max(pa, pb))
        if why and pair not in connected and pair not in recent:
            candidates[pair] = max(candidates.get(pair, (rank, why)), (rank, why))

    for label in sorted(set(labels.tolist()) - {-1}):
        by_author: dict[int, list[int]] = {}
        for member in np.flatnonzero(labels == label).tolist():
            author = rows[member].idea.author_id
            if author is not None and author in people:
                by_author.setdefault(author, []).append(member)
        for pa, pb in combinations(sorted(by_author), 2):
            close = float((points[by_author[pa]] @ points[by_author[pb]].T).max())
            cross = people[pa].department != people[pb].department
            said = [[idea_text(rows[n].idea) for n in by_author[p]] for p in (pa, pb)]
            offer(pa, pb, (True, cross, close), reason(*said))
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
    numbers: dict[int, list[int]] = {}
    for n, row in enumerate(rows):
        if row.idea.author_id in people:
            numbers.setdefault(row.idea.author_id, []).append(n)
            texts[row.idea.author_id].append(idea_text(row.idea))
    for pid, own in numbers.items():
        profiles[pid].idea_ids = [rows[n].idea.id for n in own]
        profiles[pid].idea_vectors = points[own]
        profiles[pid].idea_ages_days = [0.0] * len(own)
    ready = [(pid, profile.vector()) for pid, profile in profiles.items()]
    usable = [(pid, v) for pid, v in ready if v is not None]
    if len(usable) >= 2:
        owners = [pid for pid, _ in usable]
        matrix = np.vstack([v for _, v in usable])
        for a, b, score in clustering.close_pairs(matrix, INTRODUCTION_MIN):
            pa, pb = owners[a], owners[b]
            cross = people[pa].department != people[pb].department
            offer(pa, pb, (False, cross, score), reason(texts[pa], texts[pb]))
    best = sorted(candidates.items(), key=lambda item: item[1][0], reverse=True)
    return [
        IntroductionItem(
            pa,
            pb,
            people[pa].display_name,
            people[pb].display_name,
            people[pa].department,
            people[pb].department,
            why,
            rank[2],
        )
        for (pa, pb), (rank, why) in best[:MAX_INTRODUCTIONS]
    ]
