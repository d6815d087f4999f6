"""The city's plans as a service: import, show, and what a text is about.

Plain values and ports in (store, encoder), plain values out; the CLI, the chat commands, the
intake of ideas and the routing of questions all go through here. Plan items are few (tens,
perhaps hundreds), so every call reads them from the store: a plan imported by another
process, or a status set in chat, counts at once, and nothing has to be kept in step. Their
vectors are stored with the model's name and encoded again only when the text or the model
changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.i18n import Translator
from knowledge.plans import PlanItem
from knowledge.repositories import PeopleRepository, PlanRepository
from knowledge.store import Store
from matching import reasons
from matching.encoder import Encoder
from matching.engine import reference_ideas
from matching.kept import encode_kept
from matching.places import offices
from matching.plans import (
    LEXICAL_WEIGHT,
    IdeaPlan,
    PlanEntry,
    PlanHit,
    PlanScorer,
    PlanThresholds,
    QuestionPlan,
    for_idea,
    for_question,
    goals_of,
    mentions,
    plan_thresholds_for,
    touching,
)
from matching.question_intent import about_plans, asks_permission, reports_fault
from matching.vectors import from_blob, to_blob

log = logging.getLogger(__name__)


# -- import and show --------------------------------------------------------------------------


def item_json(item: PlanItem) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "key": item.key,
        "title": item.title,
        "description": item.description,
        "owner": item.owner,
        "owner_name": item.owner_name,
        "department": item.department,
        "status": item.status,
        "goal": item.goal,
        "systems": list(item.systems),
        "aliases": list(item.aliases),
        "start": item.start_date,
        "end": item.end_date,
    }


def show_plan(store: Store) -> dict[str, list[dict[str, Any]]]:
    """The whole plan, JSON-ready: agenda goals, projects and systems, in key order."""
    with store.transaction():
        items = store.plan_items()
    return {
        section: [item_json(i) for i in items if i.kind == kind]
        for section, kind in (("agenda", "agenda"), ("projects", "project"), ("systems", "system"))
    }


def find_items(store: Store, words: str, kind: str | None = None) -> list[PlanItem]:
    """Items by key, name or alias (exactly, any case), else those whose texts contain every
    word but stopwords ("für", trial 20): ``!projekte E-Rechnung``, ``!wer Tablets für Schulen``."""
    items = store.plan_items(kind)
    if not (wanted := " ".join(words.split()).casefold()):
        return items
    if exact := [i for i in items if named_by(i, wanted)]:
        return exact
    terms = [t for t in wanted.split() if t not in reasons.stopwords()] or wanted.split()
    return [i for i in items if all(mentions(searchable(i), t) for t in terms)]


def find_by_most_words(store: Store, words: str, kind: str) -> list[PlanItem]:
    """Items mentioning the most content words of a phrase ("wo die Bebauungspläne liegen"):
    trial 19's phrases found nothing where a single word of them did."""
    stop = reasons.stopwords()
    wanted = [w for w in words.casefold().split() if len(w) > 2 and w.strip("?!.,") not in stop]
    counted = [(sum(mentions(searchable(i), w) for w in wanted), i) for i in store.plan_items(kind)]
    best = max((n for n, _ in counted), default=0)
    return [i for n, i in counted if n == best] if best else []


def named_by(item: PlanItem, words: str) -> bool:
    """Is ``words`` the item's key, title or an alias (any case, any spacing)?"""
    wanted = " ".join(words.split()).casefold()
    return wanted in {item.key.casefold(), item.title.casefold(), *map(str.casefold, item.aliases)}


def searchable(item: PlanItem) -> str:
    return " ".join((item.key, item.title, item.description, *item.aliases)).casefold()


def owner_label(people: PeopleRepository, owner: str | None) -> str | None:
    """The owner as people know them: the name they chat under, else the name the plan
    gives them (``owner_name``), else their user id, which staff cannot tell apart. Shown
    only: owners are reached by user id (``owner_address``), since anybody can take a name."""
    from knowledge.plans import PlanQueries  # the store; a repository of people alone has no plan

    if not owner:
        return None
    known = people.people_with_user_id(owner)
    if known:
        return known[0].display_name
    named = people.plan_owner_name(owner) if isinstance(people, PlanQueries) else None
    return named or owner


def owner_address(people: PeopleRepository, owner: str) -> str:
    """Where a direct message to the owner goes: the chat user id the plan names, spelt as
    the platform spells it where the bot knows it. Never a display name: anybody can take
    any name, and would then receive and answer the questions meant for the owner."""
    known = people.people_with_user_id(owner)
    return known[0].platform_user_id if known else owner


# -- what a text is about ---------------------------------------------------------------------

_CENTRES: dict[str, np.ndarray] = {}


def centre_of(encoder: Encoder) -> np.ndarray:
    """The fixed centre of the plan scores: the mean of the packaged reference ideas."""
    if encoder.name not in _CENTRES:
        _CENTRES[encoder.name] = encode_kept(encoder, reference_ideas()).mean(axis=0)
    return _CENTRES[encoder.name]


def entry(item: PlanItem) -> PlanEntry:
    return PlanEntry(item.key, item.kind, item.title, item.description, item.aliases)


@dataclass(frozen=True)
class PlanMatcher:
    """The plan items and their scorer, as the store held them when it was made."""

    items: dict[str, PlanItem]
    scorer: PlanScorer
    thresholds: PlanThresholds

    def hits(self, text: str, vector: np.ndarray) -> list[PlanHit]:
        return self.scorer.score(text, vector)

    def for_question(self, text: str, vector: np.ndarray, target: str) -> QuestionPlan:
        return for_question(
            self.hits(text, vector),
            target,
            self.thresholds,
            about_plans=about_plans(text),
            reports_fault=reports_fault(text),
            asks_permission=asks_permission(text),
            projects_of=self.scorer.bringing(touching(self.facts)),
        )

    def for_idea(self, text: str, vector: np.ndarray) -> IdeaPlan:
        return for_idea(self.hits(text, vector), self.thresholds, goals_of(self.facts))

    @property
    def facts(self) -> list[tuple[str, str, str | None, tuple[str, ...]]]:
        return [(i.key, i.kind, i.goal, i.systems) for i in self.items.values()]


def plan_matcher(
    store: PlanRepository, encoder: Encoder, thresholds: PlanThresholds | None = None
) -> PlanMatcher | None:
    """The matcher over the stored plan (None when there is none); items whose vectors are
    missing or of another model are encoded now and stored. Run inside a transaction."""
    items = store.plan_items()
    if not items:
        return None
    stale = [i for i in items if i.embedding is None or i.embedding_model != encoder.name]
    fresh: dict[str, np.ndarray] = {}
    if stale:
        views = [view for i in stale for view in entry(i).views]
        vectors = encoder.encode(views)
        start = 0
        for item in stale:
            count = len(entry(item).views)
            fresh[item.key] = vectors[start : start + count]
            store.set_plan_embedding(item.key, to_blob(fresh[item.key]), encoder.name)
            start += count
        log.info("plans: %d items encoded", len(stale))
    arrays = [
        fresh[i.key] if i.key in fresh else from_blob(i.embedding or b"").reshape(-1, encoder.dim)
        for i in items
    ]
    entries = [entry(i) for i in items]
    scorer = PlanScorer(entries, arrays, centre_of(encoder), reference_ideas(), LEXICAL_WEIGHT)
    chosen = thresholds or plan_thresholds_for(encoder.name)
    return PlanMatcher({i.key: i for i in items}, scorer, chosen)


# A search word that no project mentions finds projects by meaning from this score (centred
# cosine and term overlap, as for ideas): "Homeoffice" finds "Mobiles Arbeiten" (0.59), while
# "Kantine", "Drucker", "Urlaub" or "Müll" stay below 0.3 (trial 13, 16 words looked at).
SEARCH_BY_MEANING = 0.5


def items_by_meaning(
    store: Store, encoder: Encoder, query: str, kind: str, limit: int = 3
) -> list[PlanItem]:
    """Items of a kind a search word means without naming them, best first. A system from
    the score that sends a question to its owner: ``!system Einwohnerprogramm`` knew nothing
    the routing of a question with that word knew (a CDO's blind trial). In a transaction."""
    matcher = plan_matcher(store, encoder)
    if matcher is None:
        return []
    least = matcher.thresholds.question_system if kind == "system" else SEARCH_BY_MEANING
    hits = matcher.hits(query, encoder.encode([query])[0])
    found = [h for h in hits if h.kind == kind and h.score >= least]
    return [matcher.items[h.key] for h in found[:limit]]


def match_texts(
    store: Store, encoder: Encoder, texts: Sequence[str], thresholds: PlanThresholds | None = None
) -> list[list[dict[str, Any]]]:
    """For each text, what an idea of that text would be shown with (``ideenlotse plan
    match``): the covering project, the goal, the systems, best first."""
    with store.transaction():
        matcher = plan_matcher(store, encoder, thresholds)
    if matcher is None:
        return [[] for _ in texts]
    vectors = encoder.encode(list(texts))
    found = []
    for text, vector in zip(texts, vectors, strict=True):
        plan = matcher.for_idea(text, vector)
        hits = [h for h in (plan.project, plan.goal, *plan.systems) if h is not None]
        found.append(
            [
                {
                    "kind": hit.kind,
                    "key": hit.key,
                    "title": matcher.items[hit.key].title,
                    "score": round(hit.score, 4),
                    "owner": matcher.items[hit.key].owner,
                }
                for hit in sorted(hits, key=lambda h: -h.score)
            ]
        )
    return found


# -- intake of an idea ------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanHint:
    """A plan item shown with a new idea, and why."""

    item: PlanItem
    score: float
    reason: str
    owner_name: str | None = None


@dataclass(frozen=True)
class IdeaHints:
    project: PlanHint | None = None
    goal: PlanHint | None = None
    systems: tuple[PlanHint, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.project or self.goal or self.systems)

    def all(self) -> Iterable[PlanHint]:
        return [h for h in (self.project, self.goal, *self.systems) if h is not None]


def hit_reason(t: Translator, hit: PlanHit, text: str, item: PlanItem) -> str:
    """Why it fits: a name the text uses, else shared words (no office: trial 19), else meaning."""
    if hit.names:
        return t("plans.reason_name", names=", ".join(f"„{n}“" for n in hit.names))
    if shared := [s for s in reasons.shared_terms(text, entry(item).text) if not offices(s)]:
        return t("match.shared_terms", terms=", ".join(shared))
    return t("plans.reason_meaning")


def idea_hints(
    store: Store,
    encoder: Encoder,
    t: Translator,
    idea_id: int,
    text: str,
    now: str,
    *,
    thresholds: PlanThresholds | None = None,
) -> IdeaHints:
    """The plan items to show with a new idea, each linked to it (for the project owner's
    batched notice and the digest). The idea's vector is the one the idea matcher stored."""
    matcher = plan_matcher(store, encoder, thresholds)
    if matcher is None:
        return IdeaHints()
    stored = store.embeddings(encoder.name, [idea_id])
    vector = from_blob(stored[0][1]) if stored else encoder.encode([text])[0]
    plan = matcher.for_idea(text, vector)

    def hint(hit: PlanHit | None, reason: str | None = None) -> PlanHint | None:
        if hit is None:
            return None
        item = matcher.items[hit.key]
        reason = reason or hit_reason(t, hit, text, item)
        store.link_idea_to_plan(idea_id, item.key, hit.score, reason, now)
        return PlanHint(item, hit.score, reason, owner_label(store, item.owner))

    via = None  # the goal of the covering project or the system needs no reason of its own
    if plan.goal_via is not None:
        kind = matcher.items[plan.goal_via].kind
        via = t(f"plans.reason_via_{kind}", code=plan.goal_via)
    systems = tuple(h for h in map(hint, plan.systems) if h is not None)
    return IdeaHints(hint(plan.project), hint(plan.goal, via), systems)


def encoder_of(matcher: object, fallback: Encoder | None) -> Encoder | None:
    """The encoder the idea matcher uses (its stored idea vectors are of that model), else the
    question desk's; None without a model: then nothing is matched against the plans."""
    own = getattr(matcher, "encoder", None)
    return own if own is not None else fallback


def hint_lines(t: Translator, hints: IdeaHints) -> list[str]:
    """The lines of the intake reply about the plans (none when nothing fits)."""
    if not hints.any:
        return []
    lines = ["", t("plans.intake_header")]
    if hints.project is not None:
        project = hints.project
        status = project.item.status or ""
        key = {"laufend": "running", "abgeschlossen": "done"}.get(status, "other")
        contact = t("plans.intake_contact", owner=project.owner_name) if project.owner_name else ""
        lines.append(
            t(
                f"plans.intake_project_{key}",
                title=project.item.title,
                code=project.item.key,
                status=status,
                contact=contact,
                reason=project.reason,
            )
        )
    if hints.goal is not None:
        goal = hints.goal
        lines.append(
            t("plans.intake_goal", title=goal.item.title, code=goal.item.key, reason=goal.reason)
        )
    for system in hints.systems:
        item = system.item
        lines.append(
            t("plans.intake_system", title=item.title, code=item.key, reason=system.reason)
        )
    return lines
