"""Interest profiles: who works on what, as vectors in the same space as the ideas.

A profile is the weighted mean of a person's declared topics and their ideas. Declared topics
weigh most (people said so themselves); an idea's weight halves every ``half_life_days``, so a
profile follows what someone works on now rather than years ago.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

TOPIC_WEIGHT = 1.0
IDEA_WEIGHT = 0.7
HALF_LIFE_DAYS = 180.0


@dataclass
class Profile:
    person_id: int
    topics: list[str] = field(default_factory=list)
    topic_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    idea_ids: list[int] = field(default_factory=list)
    idea_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    idea_ages_days: list[float] = field(default_factory=list)

    def vector(self, half_life_days: float = HALF_LIFE_DAYS) -> np.ndarray | None:
        """The normalised profile vector, or None for somebody with no topics and no ideas."""
        parts, weights = [], []
        if len(self.topics):
            parts.append(self.topic_vectors)
            weights += [TOPIC_WEIGHT] * len(self.topics)
        if len(self.idea_ids):
            parts.append(self.idea_vectors)
            ages = np.asarray(self.idea_ages_days, dtype=np.float32)
            weights += list(IDEA_WEIGHT * np.power(0.5, np.maximum(ages, 0) / half_life_days))
        if not parts:
            return None
        stacked = np.vstack(parts)
        mean = (np.asarray(weights, np.float32)[:, None] * stacked).sum(axis=0)
        norm = float(np.linalg.norm(mean))
        return (mean / norm).astype(np.float32) if norm > 0 else None


@dataclass(frozen=True)
class PersonMatch:
    person_id: int
    score: float  # cosine of query and profile
    topic: str | None  # the declared topic closest to the query, if close enough
    idea_id: int | None  # else the person's idea closest to the query


def rank_people(
    query: np.ndarray,
    profiles: list[Profile],
    *,
    min_score: float,
    limit: int,
    topic_min: float = 0.0,
) -> list[PersonMatch]:
    """People whose profile is close to ``query``, best first, each with what makes them fit."""
    matches = []
    for profile in profiles:
        vector = profile.vector()
        if vector is None:
            continue
        score = float(vector @ query)
        if score < min_score:
            continue
        topic, idea_id = _closest_item(query, profile, topic_min)
        matches.append(PersonMatch(profile.person_id, score, topic, idea_id))
    matches.sort(key=lambda m: m.score, reverse=True)
    return matches[:limit]


def _closest_item(
    query: np.ndarray, profile: Profile, topic_min: float
) -> tuple[str | None, int | None]:
    best_topic, best_topic_score = None, -1.0
    if len(profile.topics):
        scores = profile.topic_vectors @ query
        index = int(np.argmax(scores))
        best_topic, best_topic_score = profile.topics[index], float(scores[index])
    if best_topic is not None and (best_topic_score >= topic_min or not profile.idea_ids):
        return best_topic, None
    if profile.idea_ids:
        index = int(np.argmax(profile.idea_vectors @ query))
        return None, profile.idea_ids[index]
    return best_topic, None
