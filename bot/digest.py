"""The weekly synergy digest as a value: what the CDO should know about the last days, on one page.

``bot.digest_build`` gathers it from the store (ideas, questions, supports, status changes,
people who opted in) and ``bot.digest_analysis`` adds the clusters, likely duplicates,
introductions and the map. The result is a plain ``Digest`` value; ``bot.digest_render``
turns it into Markdown, HTML or JSON.

Privacy, by construction rather than by template discipline: a person's name enters the
``Digest`` only if that person opted in to matching, and in staff-council mode no name enters
it at all - introductions are then only counted. No part of the digest ranks people.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.digest_plans import PlanSection


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
    # all of them, the period's new ones first: renderers shorten, and the week's news must
    # not vanish behind older open ideas (a trial: "und 14 weitere" hid every new one)
    ideas: tuple[IdeaItem, ...]
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
    score: float  # the cosine
    margin: float  # how much closer than to their neighbours (``matching.margin``): the order


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
    into: int | None = None  # merged into this idea


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
    # every likely duplicate pair found; ``duplicates`` shows only the most certain of them
    duplicate_count: int = 0

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
    def more_duplicates(self) -> int:
        """Likely pairs beyond those shown: said as a number, so the cap hides nothing."""
        return max(0, self.duplicate_count - len(self.duplicates))

    @property
    def synergies(self) -> tuple[ClusterItem, ...]:
        return tuple(c for c in self.clusters if c.synergy)
