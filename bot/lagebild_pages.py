"""What each page of the Lagebild cockpit shows, as plain values from the store.

Privacy is decided here, not in the templates: an author or supporter is named only if they
opted in to matching, and in staff-council mode nobody is named (the digest's rules,
``bot.digest``); the questions' page is for the roles that answer them; the people's page
lists opted-in people only and does not exist in staff-council mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import render
from bot.clock import iso
from bot.config import Settings
from bot.lagebild import Viewer
from bot.lagebild_map import RECENT_DAYS, Landscape
from bot.questions import asker_label, is_overdue, local_time
from bot.semantic import SemanticMatcher, idea_text
from bot.sla import WorkingHours, add_working_hours
from bot.statuses import Status
from knowledge.folding import search_terms
from knowledge.logins import HistoryEntry, IdeaFilter, ListedIdea
from knowledge.records import Idea
from knowledge.store import Store
from matching.vectors import from_blob

PAGE_SIZE = 50
SEARCH_LIMIT = 200
SIMILAR = 5
PERIODS = (7, 30, 365)  # days a list can be narrowed to
OVERVIEW_IDEAS = 10
STATUSES = tuple(Status)  # the settable ones, then "merged" (last: no form offers it)


@dataclass(frozen=True)
class IdeaRow:
    id: int
    summary: str
    department: str | None
    author: str | None  # None: not to be named
    status: str
    supporters: int
    created_at: str


def may_name(settings: Settings, opted_in: bool) -> bool:
    return opted_in and not settings.digest.staff_council


def row_of(settings: Settings, listed: ListedIdea) -> IdeaRow:
    idea = listed.idea
    author = idea.author_name if may_name(settings, listed.author_opted_in) else None
    return IdeaRow(
        idea.id,
        render.summary(idea.title or idea.text, 120),
        idea.department,
        author,
        idea.status,
        idea.supporters,
        idea.created_at,
    )


# -- Überblick ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    days: int
    ideas_now: int
    ideas_before: int
    questions_now: int
    questions_before: int
    supports_now: int
    supports_before: int
    new_ideas: tuple[IdeaRow, ...]
    open_questions: int
    overdue_questions: int
    mine: tuple[QuestionRow, ...]  # the viewer's role's open questions (stewards only)
    growing: tuple[tuple[int, str, int, int], ...] | None  # theme, name, recent, all; None: not yet


def overview(
    store: Store, settings: Settings, who: Viewer, now: datetime, landscape: Landscape | None
) -> Overview:
    days = RECENT_DAYS
    start, before = now - timedelta(days=days), now - timedelta(days=2 * days)
    s_start, s_before, s_end = iso(start), iso(before), iso(now + timedelta(seconds=1))
    with store.transaction():
        ideas_now = sum(store.ideas_per_department(s_start, s_end).values())
        ideas_before = sum(store.ideas_per_department(s_before, s_start).values())
        questions = (
            store.questions_asked(s_start, s_end),
            store.questions_asked(s_before, s_start),
        )
        supports = (store.supports_given(s_start, s_end), store.supports_given(s_before, s_start))
        listed, _ = store.listed_ideas(IdeaFilter(since=s_start), limit=OVERVIEW_IDEAS)
        waiting = store.open_questions()
    overdue = sum(1 for q in waiting if is_overdue(settings, q, now))
    mine = tuple(question_rows(store, settings, who, now)[:5]) if who.steward else ()
    growing = None
    if landscape is not None:
        ranked = sorted(landscape.themes, key=lambda th: (-th.recent, -len(th.ideas), th.index))
        growing = tuple((th.index, th.name, th.recent, len(th.ideas)) for th in ranked[:5]
                        if th.recent)  # fmt: skip
    return Overview(
        days, ideas_now, ideas_before, *questions, *supports,
        tuple(row_of(settings, item) for item in listed),
        len(waiting), overdue, mine, growing,
    )  # fmt: skip


# -- Ideen ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdeaQuery:
    status: str | None = None
    department: str | None = None
    theme: int | None = None
    days: int | None = None
    text: str = ""
    meaning: bool = False  # search by meaning (the model) instead of the words
    page: int = 1


@dataclass(frozen=True)
class IdeaList:
    rows: tuple[IdeaRow, ...]
    total: int
    page: int
    pages: int
    departments: tuple[str, ...]
    themes: tuple[tuple[int, str], ...]
    too_short: bool  # a word search without a usable word


def idea_list(
    store: Store,
    matcher: object,
    settings: Settings,
    query: IdeaQuery,
    landscape: Landscape | None,
    now: datetime,
) -> IdeaList:
    """One page of ideas: the filters in SQL, a search first narrowing to its hits in the
    order of their rank (words: the full-text index, as ``!suche``; meaning: the model, as
    ``ideenlotse similar``)."""
    ids: list[int] | None = None
    theme = landscape.theme(query.theme) if landscape and query.theme is not None else None
    if query.theme is not None:
        ids = [item.id for item in theme.ideas] if theme else []
    text = query.text.strip()
    too_short = False
    if text:
        hits = search(store, matcher, text, query.meaning)
        too_short = hits is None
        hits = hits or []
        ids = hits if ids is None else [i for i in hits if i in set(ids)]
    since = iso(now - timedelta(days=query.days)) if query.days else None
    where = IdeaFilter(query.status, query.department, since, None if ids is None else tuple(ids))
    page = max(1, query.page)
    with store.transaction():
        listed, total = store.listed_ideas(where, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        departments = store.idea_departments()
    themes = tuple((th.index, th.name) for th in landscape.listed) if landscape else ()
    return IdeaList(
        tuple(row_of(settings, item) for item in listed),
        total,
        page,
        max(1, -(-total // PAGE_SIZE)),
        tuple(departments),
        themes,
        too_short,
    )


def search(store: Store, matcher: object, text: str, meaning: bool) -> list[int] | None:
    """Idea ids for a search, best first; None: a word search with no word to search for."""
    if meaning and isinstance(matcher, SemanticMatcher):
        vector = matcher.encoder.encode([text])[0]  # outside the store's lock: it takes a while
        with store.transaction():
            found = matcher.search(store, text, vector, limit=SEARCH_LIMIT, include_hidden=True)
        return [s.idea.id for s in found]
    if not search_terms(text):
        return None
    with store.transaction():
        return [idea.id for idea in store.search_ideas(text, limit=SEARCH_LIMIT)]


@dataclass(frozen=True)
class SimilarRow:
    id: int
    summary: str
    status: str
    reason: str


@dataclass(frozen=True)
class IdeaPage:
    idea: Idea
    author: str | None
    supporters: int
    supporter_names: tuple[str, ...]
    similar: tuple[SimilarRow, ...]
    history: tuple[HistoryEntry, ...]
    merged_from: tuple[int, ...]
    theme: str | None
    may_support: bool
    may_set_status: bool


def idea_page(
    store: Store,
    matcher: object,
    settings: Settings,
    who: Viewer,
    number: int,
    landscape: Landscape | None,
) -> IdeaPage | None:
    with store.transaction():
        idea = store.get_idea(number)
        if idea is None:
            return None
        author = store.get_person(idea.author_id) if idea.author_id else None
        supporters = store.idea_supporters(idea.id)
        history = store.idea_history(idea.id)
        merged_from = store.merged_into_idea(idea.id)
        similar = _similar(store, matcher, idea)
    council = settings.digest.staff_council
    named = author is not None and may_name(settings, author.matching_opt_in)
    return IdeaPage(
        idea,
        author.display_name if named and author else None,
        len(supporters),
        () if council else tuple(name for name, opted_in in supporters if opted_in),
        similar,
        tuple(history),
        tuple(merged_from),
        landscape.theme_names.get(idea.id) if landscape else None,
        idea.merged_into is None and idea.author_id != who.person.id,
        who.steward,
    )


def _similar(store: Store, matcher: object, idea: Idea) -> tuple[SimilarRow, ...]:
    """The idea's neighbours as the intake shows them; run inside a transaction."""
    if not isinstance(matcher, SemanticMatcher):
        return ()
    stored = store.embeddings(matcher.encoder.name, [idea.id])
    text = idea_text(idea)
    vector = from_blob(stored[0][1]) if stored else matcher.encoder.encode([text])[0]
    found = matcher.similar(store, idea_text(idea), vector, exclude={idea.id}, limit=SIMILAR)
    return tuple(
        SimilarRow(s.idea.id, render.summary(s.idea.title or s.idea.text, 100), s.idea.status,
                   s.reason)
        for s in found
    )  # fmt: skip


# -- Fragen -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionRow:
    id: int
    text: str
    asker: str
    target: str
    reason: str | None
    since: str  # local time
    due: str  # local time the SLA runs out
    overdue: bool


def question_rows(
    store: Store, settings: Settings, who: Viewer, now: datetime
) -> list[QuestionRow]:
    """The open questions of the viewer's role (admin: all), as ``!offen`` lists them."""
    targets = None if who.role == "admin" else (who.role, "both")
    t = settings.translator(who.person.language)
    with store.transaction():
        questions = store.open_questions(targets)
    hours = WorkingHours.of(settings.questions)
    rows = []
    for question in questions:
        since = question.routed_at or question.created_at
        due = add_working_hours(datetime.fromisoformat(since), settings.questions.sla_hours, hours)
        rows.append(
            QuestionRow(
                question.id,
                question.text,
                asker_label(t, question),
                question.target or "both",
                question.reason,
                local_time(settings, since),
                local_time(settings, due.isoformat()),
                is_overdue(settings, question, now),
            )
        )
    return rows


# -- Menschen ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRow:
    name: str
    department: str | None
    interests: tuple[str, ...]
    themes: tuple[str, ...]
    ideas: int


def people_rows(
    store: Store, settings: Settings, landscape: Landscape | None
) -> list[PersonRow] | None:
    """Who works on which theme: opted-in people only; None in staff-council mode."""
    if settings.digest.staff_council:
        return None
    with store.transaction():
        people = store.opted_in_people()
        ideas = store.ideas_by_author([p.id for p in people])
        interests = {p.id: store.interests(p.id) for p in people}
    themes = landscape.theme_names if landscape else {}
    rows = []
    for person in people:
        own = ideas.get(person.id, [])
        named = list(dict.fromkeys(themes[i] for i in own if i in themes))[:3]
        rows.append(
            PersonRow(
                person.display_name,
                person.department,
                tuple(interests[person.id]),
                tuple(named),
                len(own),
            )
        )
    return sorted(rows, key=lambda r: r.name.casefold())


# -- Meine Daten ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MyQuestion:
    id: int
    summary: str
    status: str
    answer: str | None


@dataclass(frozen=True)
class MyData:
    ideas: tuple[IdeaRow, ...]
    questions: tuple[MyQuestion, ...]
    interests: tuple[str, ...]
    matching: bool


def my_data(store: Store, who: Viewer) -> MyData:
    person = who.person
    with store.transaction():
        fresh = store.get_person(person.id) or person
        ideas = store.ideas(author_ids=[person.id])
        questions = store.questions_of(person.id, 50)
        answers = {q.id: store.latest_answer(q.id) for q in questions}
        interests = store.interests(person.id)
    return MyData(
        tuple(
            IdeaRow(i.id, render.summary(i.title or i.text, 120), i.department,
                    fresh.display_name, i.status, i.supporters, i.created_at)
            for i in reversed(ideas)
        ),
        tuple(
            MyQuestion(q.id, render.summary(q.text, 120), q.status,
                       render.summary(a.text, 200) if (a := answers[q.id]) else None)
            for q in questions
        ),
        tuple(interests),
        fresh.matching_opt_in,
    )  # fmt: skip
