"""People profiles for matching: a person's declared interests and ideas, as vectors.

Built from the store and the similarity index by ``bot.semantic.SemanticMatcher``, which
decides when a profile is stale (committed events name the people whose profile changed).
Kept apart so that what a profile holds is readable in one place.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from knowledge.records import Idea
from knowledge.store import Store
from matching.encoder import Encoder
from matching.engine import IdeaEngine
from matching.people import Profile
from matching.vectors import from_blob, to_blob


def build_profiles(
    store: Store, encoder: Encoder, engine: IdeaEngine, ids: list[int], now: datetime
) -> dict[int, Profile]:
    """The profiles of ``ids``: interests (encoded now where their vector is missing or of
    another model, and stored) and the ideas of theirs the index holds, weighed by age."""
    profiles = {pid: Profile(pid) for pid in ids}
    if not ids:
        return profiles
    rows = store.interest_rows(ids)
    stale = [r for r in rows if r["embedding_model"] != encoder.name]
    if stale:
        vectors = encoder.encode([r["topic"] for r in stale])
        for row, vector in zip(stale, vectors, strict=True):
            row["embedding"] = to_blob(vector)
            store.set_interest_embedding(
                row["person_id"], row["topic"], row["embedding"], encoder.name
            )
    for row in rows:
        profiles[row["person_id"]].topics.append(row["topic"])
    for pid, profile in profiles.items():
        blobs = [from_blob(r["embedding"]) for r in rows if r["person_id"] == pid]
        if blobs:
            profile.topic_vectors = np.vstack(blobs)
    for idea in store.ideas(author_ids=ids):
        if idea.author_id is not None and idea.id in engine:
            profiles[idea.author_id].idea_ids.append(idea.id)
            profiles[idea.author_id].idea_texts.append(idea_text(idea))
            profiles[idea.author_id].idea_ages_days.append(age_days(idea.created_at, now))
    for profile in profiles.values():
        if profile.idea_ids:
            profile.idea_vectors = engine.vectors(profile.idea_ids)
    return profiles


def idea_text(idea: Idea) -> str:
    """What is compared: the title (if any) and the text."""
    return f"{idea.title}. {idea.text}" if idea.title else idea.text


def age_days(created_at: str, now: datetime) -> float:
    try:
        return max((now - datetime.fromisoformat(created_at)).total_seconds() / 86400, 0.0)
    except ValueError:
        return 0.0
