"""Semantic matching wired to the store: the ``Matcher`` the bot uses in production.

Vectors are kept in the store (a restart does not re-encode) and in memory (a query does not
read them): ``load`` fills the engine from the store and encodes what is missing; every later
change arrives as a committed domain event (``committed``), applied at the next read, under
the store's lock, so the index never changes under a query in another thread. Which ideas may
be shown is decided against the store at query time (author, status, merges, "not similar"),
so the in-memory side needs no copy of that state.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np

from bot import domain_events as happened
from bot import render
from bot.clock import utcnow
from bot.i18n import Translator
from bot.matcher import Colleague, IdeaVector, SimilarIdea, Suggestions
from bot.profiles import build_profiles, idea_text
from bot.statuses import HIDDEN, Status
from knowledge.records import Idea, Person
from knowledge.repositories import IdeaRepository
from knowledge.store import Store
from matching import reasons
from matching.encoder import Encoder
from matching.engine import IdeaEngine, adapted_threshold, reference_ideas
from matching.kept import encode_kept
from matching.people import PersonMatch, Profile, Wording, rank_people
from matching.relevance import Thresholds, thresholds_for
from matching.similarity import SHORTLIST
from matching.vectors import from_blob, to_blob

log = logging.getLogger(__name__)

MAX_SIMILAR = 3
MAX_COLLEAGUES = 2
CANDIDATES = 20  # nearest ideas fetched before filtering by author, status and feedback
PROFILES_MAX_AGE = timedelta(hours=1)
ENCODE_CHUNK = 1024  # ideas encoded and stored together
ENCODED_KEPT = 64  # intake vectors waiting for their commit (more: a rolled-back intake's)


class SemanticMatcher:
    def __init__(
        self,
        encoder: Encoder,
        language: str = "de",
        clock: Callable[[], datetime] = utcnow,
        thresholds: Thresholds | None = None,
    ):
        self.encoder = encoder
        self.thresholds = thresholds or thresholds_for(encoder.name)
        self._engine = IdeaEngine(encoder.dim, encode_kept(encoder, reference_ideas()))
        self._committed: deque[object] = deque()  # events not applied yet
        self._encoded: dict[int, np.ndarray] = {}  # intake vectors, added once committed
        self.t = Translator(language)
        self.clock = clock
        self._profiles: dict[int, Profile] = {}
        self._stale_profiles = True  # everyone's profile
        self._stale_people: set[int] = set()  # only these people's
        self._profiles_built = datetime.min.replace(tzinfo=UTC)
        self._forgotten: set[int] = set()  # merged or deleted here: never fetched back
        self._newest = 0  # the highest idea number read from the store (SQLite)
        self._edits_seen = 0  # the last idea edit read from the store (another process's)

    # -- keeping current --------------------------------------------------------------------

    def committed(self, event: object) -> None:
        """The bot's subscriber: remember the committed event; applied at the next read."""
        self._committed.append(event)

    @property
    def engine(self) -> IdeaEngine:
        """The in-memory index, with every committed event applied."""
        self._catch_up()
        return self._engine

    def _catch_up(self) -> None:
        while self._committed:
            self._apply(self._committed.popleft())

    def _apply(self, event: object) -> None:
        match event:
            case (
                happened.IdeaPosted(idea_id=idea_id, author_id=author)
                | happened.IdeaEdited(idea_id=idea_id, author_id=author)
            ):
                vector = self._encoded.pop(idea_id, None)
                if vector is not None:  # else not encoded here: the next start's load does it
                    self._engine.remove([idea_id])  # an edited idea's old vector
                    self._engine.add([idea_id], vector[None, :])
                if author is not None:
                    self.person_changed(author)
            case happened.IdeasMerged(source_id=source):
                self._forget([source])
            case happened.IdeasDeleted(idea_ids=ids, people=people):
                self._forget(list(ids))
                self._stale_people.update(people)
            case happened.PersonErased(person_id=person, deleted_ideas=ids):
                if ids:
                    self._forget(list(ids))
                if person is not None:
                    self.person_changed(person)
            case (
                happened.InterestsChanged(person_id=person)
                | happened.MatchingChanged(person_id=person)
            ):
                self.person_changed(person)

    # -- loading ----------------------------------------------------------------------------

    def load(self, store: Store, *, progress: bool = False, batch_size: int = 32) -> int:
        """Fill the engine from the store, encoding ideas that have no vector yet; returns
        how many ideas were encoded now."""
        with store.transaction():
            stored = store.embeddings(self.encoder.name)
            missing = store.ideas_without_embedding(self.encoder.name)
            # merged ideas live on in their target; they are kept, never suggested
            live = {i.id for i in store.ideas() if i.status != Status.MERGED}
        self._newest = max([self._newest, *(idea_id for idea_id, _ in stored)])
        if stored:
            ids = [idea_id for idea_id, _ in stored if idea_id in live]
            vectors = np.vstack([from_blob(blob) for idea_id, blob in stored if idea_id in live])
            self.engine.add(ids, vectors)
        encoded = self.encode_ideas(store, missing, progress=progress, batch_size=batch_size)
        log.info("similarity index ready: %d ideas (%d encoded now)", len(self.engine), encoded)
        return encoded

    def encode_ideas(
        self, store: Store, ideas: list[Idea], *, progress: bool = False, batch_size: int = 32
    ) -> int:
        """Encode ideas in batches, store their vectors and add them to the engine. Shortest
        first, so a batch pads its texts to about the same length (it costs as much as its
        longest text), and in chunks: a crash keeps what was stored, the memory stays flat."""
        from tqdm import tqdm

        ordered = sorted(ideas, key=lambda idea: len(idea_text(idea)))
        shown = progress and bool(ideas)  # no empty bar for nothing to do
        bar = tqdm(total=len(ideas), unit=" Ideen", desc="Ähnlichkeitssuche", disable=not shown)
        with bar:
            for start in range(0, len(ordered), ENCODE_CHUNK):
                chunk = ordered[start : start + ENCODE_CHUNK]
                texts = [idea_text(idea) for idea in chunk]
                vectors = self.encoder.encode(texts, batch_size=batch_size)
                with store.transaction():
                    for idea, vector in zip(chunk, vectors, strict=True):
                        store.set_embedding(idea.id, to_blob(vector), self.encoder.name)
                live = [i for i, idea in enumerate(chunk) if idea.status != Status.MERGED]
                self.engine.add([chunk[i].id for i in live], vectors[live])
                bar.update(len(chunk))
        self._stale_profiles = True
        return len(ideas)

    # -- Matcher ----------------------------------------------------------------------------

    def _shared_shortlist(
        self, store: IdeaRepository, vector: np.ndarray, excluded: set[int]
    ) -> list[int] | None:
        """The database's nearest ideas where it indexes vectors (PostgreSQL), else None.
        Several processes may share the database; ideas another one stored since this one
        loaded are fetched here, so they are scored and suggested like the others."""
        model = self.encoder.name
        nearest = store.nearest_ideas(vector, model, SHORTLIST)
        # excluded: the idea being posted (added after scoring, as on SQLite) and hidden pairs
        skip = self._forgotten | excluded
        if nearest is None:  # SQLite: what other processes stored since (trial 23: the
            ids = [i for i, _ in store.embeddings_after(model, self._newest)]
            self._newest = max([self._newest, *ids])  # cockpit never found ideas posted in
        else:  # chat after it started)
            ids = [idea_id for idea_id, _ in nearest if idea_id not in skip]
        # and ideas another process edited since, whose vectors changed (migration 0014)
        self._edits_seen, edited = store.embeddings_edited_after(model, self._edits_seen)
        unknown = [i for i in ids if i not in self.engine and i not in skip]
        ideas = store.get_ideas(unknown) if unknown else {}
        fresh = [(i, blob) for i, blob in store.embeddings(model, unknown) if i in ideas
                 and ideas[i].status != Status.MERGED] if unknown else []  # fmt: skip
        changed = [*fresh, *((i, blob) for i, blob in edited if i in self._engine)]
        if changed:
            self._engine.remove([i for i, _ in changed])
            self._engine.add([i for i, _ in changed], np.vstack([from_blob(b) for _, b in changed]))
            self._stale_profiles = True
        return None if nearest is None else [i for i in ids if i in self.engine]

    def encode_idea(self, idea: Idea) -> IdeaVector:
        vector = self.encoder.encode([idea_text(idea)])[0]
        self._encoded[idea.id] = vector  # the index learns it on IdeaPosted, once committed
        while len(self._encoded) > ENCODED_KEPT:
            del self._encoded[next(iter(self._encoded))]
        return IdeaVector(self.encoder.name, to_blob(vector))

    def suggest(self, store: Store, idea: Idea, author: Person) -> Suggestions:
        text = idea_text(idea)
        known = self._encoded.get(idea.id)  # made by encode_idea in the same unit of work
        vector = self.encoder.encode([text])[0] if known is None else known
        similar = self.similar(store, text, vector, author=author.id, exclude={idea.id})
        self.engine.add([idea.id], vector[None, :])  # in the centre, as it will be after commit
        try:
            shown = {s.idea.author_id for s in similar if s.idea.author_id is not None}
            threshold = self.thresholds.person_idea
            colleagues = self._colleagues(store, vector, author, threshold=threshold,
                                          text=text, exclude_authors=shown)  # fmt: skip
        finally:
            self._engine.remove([idea.id])
            self._stale_people.add(author.id)  # a profile built meanwhile may hold the idea
        return Suggestions(tuple(similar), tuple(colleagues))

    def similar(
        self,
        store: IdeaRepository,
        text: str,
        vector: np.ndarray,
        *,
        author: int | None = None,
        exclude: set[int] | None = None,
        include_hidden: bool = False,
        limit: int = MAX_SIMILAR,
        threshold: float | None = None,
    ) -> list[SimilarIdea]:
        """Ideas close to ``text`` above the (feedback-adapted) threshold, best first.
        ``author``'s own earlier ideas are shown only when they are likely the same idea: a
        second post of one's own idea is worth a hint, one's own related ideas are known."""
        excluded = set(exclude or ())
        for idea_id in list(excluded):
            excluded |= store.linked(idea_id, "not_similar")
        if threshold is None:
            threshold = self.threshold(store)
        shortlist = self._shared_shortlist(store, vector, excluded)
        matches = self.engine.query(vector, k=CANDIDATES, exclude=excluded, candidates=shortlist)
        if include_hidden:  # merged ideas are not in the engine: they are never suggested
            matches += self.engine.rank(vector, *self._merged(store, excluded))
            matches = sorted(matches, key=lambda m: (-m.score, m.id))[:CANDIDATES]
        ideas = store.get_ideas([m.id for m in matches])
        found: list[SimilarIdea] = []
        # one idea at most is "the same" (as bench/relevance.py measures it): trial 22 was
        # asked of three ideas about other things whether each was the same as its own
        shown = {i for i, idea in ideas.items() if include_hidden or idea.status not in HIDDEN}
        shown_matches = [m for m in matches if m.id in shown]
        same = self.engine.same_idea(vector, shown_matches, self.thresholds, exclude=excluded)
        for match in matches:
            candidate = ideas.get(match.id)
            if candidate is None or (match.score < threshold and match.id != same):
                continue
            duplicate = match.id == same
            if author is not None and candidate.author_id == author and not duplicate:
                continue
            if candidate.status in HIDDEN and not include_hidden:
                continue
            shared = reasons.shared_terms(text, idea_text(candidate))
            reason = (
                self.t("match.shared_terms", terms=", ".join(shared))
                if shared
                else self.t("match.same_meaning")
            )
            found.append(SimilarIdea(candidate, match.score, reason, duplicate=duplicate))
            if len(found) == limit:
                break
        return found

    def _merged(self, store: IdeaRepository, excluded: set[int]) -> tuple[list[int], np.ndarray]:
        merged = {i.id for i in store.ideas() if i.status == Status.MERGED} - excluded
        stored = [(i, b) for i, b in store.embeddings(self.encoder.name) if i in merged]
        if not stored:
            return [], np.empty((0, self.encoder.dim), np.float32)
        return [i for i, _ in stored], np.vstack([from_blob(b) for _, b in stored])

    def threshold(self, store: IdeaRepository) -> float:
        """The score an idea needs to be suggested, after "not similar" feedback."""
        return adapted_threshold(self.thresholds.related, store.link_scores("not_similar"))

    def search(
        self, store: Store, text: str, vector: np.ndarray | None = None, *, limit: int,
        include_hidden: bool = False,
    ) -> list[SimilarIdea]:  # fmt: skip
        """The ``limit`` closest ideas to a free text, whatever their score."""
        vector = self.encoder.encode([text])[0] if vector is None else vector
        return self.similar(
            store, text, vector, include_hidden=include_hidden, limit=limit, threshold=float("-inf")
        )

    def who(
        self, store: Store, topic: str, asker: Person, limit: int, *, ranked: bool = False,
        also: tuple[str, ...] = (),
    ) -> list[Colleague]:  # fmt: skip
        """``ranked``: the asker is ranked too, as in anybody else's `!wer` (the digest asks
        for a person's own interest: without them, the next best stays however weak).
        ``also``: other names of the topic (``matching.people.Wording``)."""
        declared = {t: v for p in self._load_profiles(store).values()
                    for t, v in zip(p.topics, p.topic_vectors, strict=False)}  # fmt: skip
        known = declared.get(topic)  # the digest asks for declared interests: 30 encodes, 2.5 s
        vector = self.encoder.encode([topic])[0] if known is None else known
        return self._colleagues(store, vector, asker, threshold=self.thresholds.person_topic,
                                limit=limit, prefer_other_departments=False, topic=topic,
                                include_asker=ranked, also=also)  # fmt: skip

    def pair_score(self, idea_a: int, idea_b: int) -> float | None:
        return self.engine.pair_score(idea_a, idea_b)

    def forget(self, idea_ids: list[int]) -> None:
        """Never suggest these again (for callers without events: tests, a one-shot load)."""
        self._catch_up()  # what was committed before comes first
        self._forget(idea_ids)

    def _forget(self, idea_ids: list[int]) -> None:
        self._forgotten.update(idea_ids)
        self._engine.remove([i for i in idea_ids if i in self._engine])
        self._stale_profiles = True

    def person_changed(self, person_id: int) -> None:
        """Rebuild this person's profile at the next query (for callers without events)."""
        self._stale_people.add(person_id)

    # -- people -----------------------------------------------------------------------------

    def _colleagues(
        self,
        store: Store,
        vector: np.ndarray,
        asker: Person,
        *,
        threshold: float,
        limit: int = MAX_COLLEAGUES,
        exclude_authors: set[int] | None = None,
        prefer_other_departments: bool = True,
        topic: str | None = None,
        include_asker: bool = False,
        text: str | None = None,
        also: tuple[str, ...] = (),
    ) -> list[Colleague]:
        """``text`` given: ``vector`` is that idea on intake, scored as
        ``matching.people.rank_people`` says; otherwise a short `!wer` ``topic``, scored raw
        (centring listed more unfitting people for topics on people set B) with its words."""
        people = {p.id: p for p in store.opted_in_people() if include_asker or p.id != asker.id}
        profiles = [p for pid, p in self._load_profiles(store).items() if pid in people]
        wording = None if topic is None else Wording.among(topic, profiles, reference_ideas(), also)
        matches = rank_people(
            vector,
            profiles,
            limit=limit * 4,
            min_score=threshold,
            centre=None if text is None else self.engine.centre(),
            interest_min=None if text is None else self.thresholds.person_interest,
            wording=wording,
            text=text,
            named_interest_min=self.thresholds.person_interest_named,
        )
        if prefer_other_departments:  # connecting across departments is the point
            matches.sort(
                key=lambda m: (
                    people[m.person_id].department == asker.department
                    and asker.department is not None,
                    -m.score,
                )
            )
        chosen: list[Colleague] = []
        for match in matches:
            if exclude_authors and match.person_id in exclude_authors:
                continue
            chosen.append(Colleague(people[match.person_id], self._person_reason(store, match)))
            if len(chosen) == limit:
                break
        return chosen

    def _person_reason(self, store: Store, match: PersonMatch) -> str:
        if match.topic:
            return self.t("match.interest", topic=match.topic)
        idea = store.get_idea(match.idea_id) if match.idea_id else None
        if idea is None:
            return self.t("match.same_meaning")
        return self.t("match.own_idea", id=idea.id, summary=render.summary(idea_text(idea), 60))

    def _load_profiles(self, store: Store) -> dict[int, Profile]:
        """Profiles of opted-in people, rebuilt only where something changed.

        Posting an idea changes its author's profile only, so one person is rebuilt, not
        everyone: a full rebuild reads every opted-in person's ideas. It still happens hourly,
        because profiles weigh ideas by their age.
        """
        self._catch_up()  # the events name whose profile is stale
        now = self.clock()
        if self._stale_profiles or now - self._profiles_built >= PROFILES_MAX_AGE:
            ids = [p.id for p in store.opted_in_people()]
            self._profiles = build_profiles(store, self.encoder, self.engine, ids, self.clock())
            self._profiles_built = now
        elif self._stale_people:
            opted_in = {p.id for p in store.opted_in_people()}
            for pid in self._stale_people:
                self._profiles.pop(pid, None)
            changed = [pid for pid in self._stale_people if pid in opted_in]
            self._profiles.update(
                build_profiles(store, self.encoder, self.engine, changed, self.clock())
            )
        self._stale_profiles = False
        self._stale_people = set()
        return self._profiles
