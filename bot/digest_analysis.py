"""The digest's analysis of the period's ideas: clusters, duplicates, introductions, the map.

Texts and vectors go to ``matching.clustering`` (the groups, their names and close pairs),
``matching.cluster_terms`` (what two people share) and ``matching.map_layout`` (the map);
what comes back becomes the ``Digest``'s items. A person is named only if opted in to
matching, and in staff-council mode introductions are only counted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np

from bot.clock import iso
from bot.digest import ClusterItem, Digest, DuplicateItem, IdeaItem, IntroductionItem, MapPoint
from bot.semantic import idea_text
from knowledge.digests import DigestIdea
from knowledge.records import Person
from knowledge.store import Store
from matching import cluster_terms, clustering, map_layout
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
        shared = cluster_terms.shared_terms(texts[pa], texts[pb])
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
