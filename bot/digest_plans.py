"""The digest's section on the city's plans: where the ideas meet the agenda and the projects.

For the CDO, who is responsible for the Digital Agenda: how many ideas each goal got in the
period against the period before (goals without any are named: silence is a finding too),
projects with new related ideas, systems touched by ideas from several departments (the
"Wirkungszusammenhänge": a change there concerns all of them), and ideas that fit no goal.

Every idea of both periods is scored against the plan with the vectors the store holds, the
way its intake would have been (``bot.plans``): ideas imported in bulk count as well as those
posted in chat. No person is named here, so the section is the same in staff-council mode.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot import render
from bot.i18n import Translator
from bot.plans import plan_matcher
from bot.semantic import idea_text
from knowledge.store import Store
from matching.encoder import Encoder
from matching.vectors import from_blob, to_blob

MAX_NO_GOAL = 10


@dataclass(frozen=True)
class GoalCount:
    key: str
    title: str
    now: int
    before: int


@dataclass(frozen=True)
class ProjectIdeas:
    key: str
    title: str
    ideas: tuple[int, ...]


@dataclass(frozen=True)
class SystemSpread:
    key: str
    title: str
    ideas: tuple[int, ...]
    departments: tuple[str, ...]


@dataclass(frozen=True)
class ProjectMove:
    key: str
    title: str
    old: str
    new: str


@dataclass(frozen=True)
class PlanSection:
    goals: tuple[GoalCount, ...]
    projects: tuple[ProjectIdeas, ...]
    systems: tuple[SystemSpread, ...]
    no_goal: tuple[tuple[int, str], ...]  # idea id, summary
    moves: tuple[ProjectMove, ...] = ()  # project statuses changed in the period

    @property
    def goals_without(self) -> tuple[GoalCount, ...]:
        return tuple(g for g in self.goals if g.now == 0)


def plan_section(
    store: Store, encoder: Encoder, before: str, start: str, end: str
) -> PlanSection | None:
    """The section for the period [start, end), compared with [before, start); None when no
    plan is imported."""
    with store.transaction():
        matcher = plan_matcher(store, encoder)
        if matcher is None:
            return None
        rows = store.ideas_created_between(before, end)
        titles = {key: item.title for key, item in matcher.items.items()}
        moves = project_moves(store.project_status_changes(start, end), titles)
        ideas = store.get_ideas([row["id"] for row in rows])
        stored = dict(store.embeddings(encoder.name, list(ideas)))
        missing = [i for i in ideas if i not in stored]
        if missing:
            vectors = encoder.encode([idea_text(ideas[i]) for i in missing])
            for idea_id, vector in zip(missing, vectors, strict=True):
                stored[idea_id] = to_blob(vector)
                store.set_embedding(idea_id, stored[idea_id], encoder.name)
    goals = {key: item for key, item in matcher.items.items() if item.kind == "agenda"}
    counts: dict[str, list[int]] = {key: [0, 0] for key in goals}
    projects: dict[str, list[int]] = defaultdict(list)
    systems: dict[str, list[tuple[int, str | None]]] = defaultdict(list)
    no_goal: list[tuple[int, str]] = []
    for row in rows:
        idea = ideas.get(row["id"])
        if idea is None:
            continue
        plan = matcher.for_idea(idea_text(idea), from_blob(stored[idea.id]))
        new = row["created_at"] >= start
        if plan.goal is not None and plan.goal.key in counts:
            counts[plan.goal.key][0 if new else 1] += 1
        if not new:
            continue
        if plan.goal is None:
            no_goal.append((idea.id, render.summary(idea.text, 80)))
        if plan.project is not None:
            projects[plan.project.key].append(idea.id)
        for system in plan.systems:
            systems[system.key].append((idea.id, idea.department))
    spread = []
    for key, found in systems.items():
        departments = sorted({d for _, d in found if d})
        if len(departments) >= 2:
            ids = tuple(i for i, _ in found)
            spread.append(SystemSpread(key, matcher.items[key].title, ids, tuple(departments)))
    return PlanSection(
        tuple(GoalCount(k, goals[k].title, now, was) for k, (now, was) in counts.items()),
        tuple(
            ProjectIdeas(k, matcher.items[k].title, tuple(ids))
            for k, ids in sorted(projects.items(), key=lambda kv: -len(kv[1]))
        ),
        tuple(sorted(spread, key=lambda s: -len(s.departments))),
        tuple(no_goal),
        moves,
    )


def project_moves(
    changes: list[tuple[str, str, str]], titles: Mapping[str, str]
) -> tuple[ProjectMove, ...]:
    """Per project still in the plan, its first old and last new status of the period; a
    status set and set back is no news (trial 25: the digest said nothing of P-11 and P-9)."""
    first: dict[str, tuple[str, str]] = {}
    for key, old, new in changes:
        first[key] = (first.get(key, (old, new))[0], new)
    return tuple(
        ProjectMove(key, titles[key], old or "–", new)
        for key, (old, new) in first.items()
        if key in titles and old != new
    )


def section_lines(
    section: PlanSection, t: Translator, most: int | None = MAX_NO_GOAL
) -> list[tuple[int, str]]:
    """The section as (level, text): 0 a heading, 1 a sub-heading, 2 a list item. ``most``:
    the ideas without a goal listed (None: all, for a file or a page)."""

    def delta(now: int, before: int) -> str:
        return f"{now - before:+d}" if before or now else "±0"

    lines = [(0, t("plans.digest.header")), (1, t("plans.digest.goals_header"))]
    for goal in section.goals:
        if not (goal.now or goal.before):  # named once, below (trial 9 read it twice)
            continue
        values = {"code": goal.key, "title": goal.title, "now": goal.now}
        lines.append((2, t("plans.digest.goal_line", **values, delta=delta(goal.now, goal.before))))
    if section.goals_without:
        names = ", ".join(f"{g.key} {g.title}" for g in section.goals_without)
        lines.append((2, t("plans.digest.goals_without", goals=names)))
    if section.projects:
        lines.append((1, t("plans.digest.projects_header")))
        for project in section.projects:
            ids = ", #".join(str(i) for i in project.ideas)
            values = {"code": project.key, "title": project.title, "count": len(project.ideas)}
            lines.append((2, t("plans.digest.project_line", **values, ids=ids)))
    if section.moves:
        lines.append((1, t("plans.digest.moves_header")))
        for move in section.moves:
            values = {"code": move.key, "title": move.title, "old": move.old, "new": move.new}
            lines.append((2, t("plans.digest.move_line", **values)))
    if section.systems:
        lines.append((1, t("plans.digest.systems_header")))
        for system in section.systems:
            values = {"code": system.key, "title": system.title, "count": len(system.ideas)}
            departments = ", ".join(system.departments)
            lines.append((2, t("plans.digest.system_line", **values, departments=departments)))
    if section.no_goal:
        lines.append((1, t("plans.digest.no_goal_header", count=len(section.no_goal))))
        for idea_id, summary in section.no_goal[:most]:
            lines.append((2, t("plans.digest.no_goal_line", id=idea_id, summary=summary)))
        if most is not None and len(section.no_goal) > most:
            lines.append((2, t("digest.more", count=len(section.no_goal) - most)))
    return lines


def plans_markdown(section: PlanSection | None, t: Translator, *, complete: bool = False) -> str:
    if section is None:
        return ""
    # as the digest's other sections: a bold heading, list items with "•"
    marks = {0: "\n**", 1: "\n_", 2: "• "}
    ends = {0: "**", 1: "_", 2: ""}
    lines = section_lines(section, t, None if complete else MAX_NO_GOAL)
    return "\n".join(marks[level] + text + ends[level] for level, text in lines)


def plans_html(section: PlanSection | None, t: Translator) -> str:
    if section is None:
        return ""
    parts = ['<section class="plans">']
    for level, text in section_lines(section, t, None):
        tag = {0: "h2", 1: "h3", 2: "p"}[level]
        parts.append(f"<{tag}>{html.escape(text)}</{tag}>")
    return "\n".join([*parts, "</section>"])


def plans_json(section: PlanSection | None) -> dict[str, Any] | None:
    if section is None:
        return None
    return {
        "goals": [
            {"key": g.key, "title": g.title, "now": g.now, "before": g.before}
            for g in section.goals
        ],
        "goals_without_ideas": [g.key for g in section.goals_without],
        "projects": [{"key": p.key, "ideas": list(p.ideas)} for p in section.projects],
        "systems": [
            {"key": s.key, "ideas": list(s.ideas), "departments": list(s.departments)}
            for s in section.systems
        ],
        "no_goal": [idea_id for idea_id, _ in section.no_goal],
        "project_status_changes": [
            {"key": m.key, "old": m.old, "new": m.new} for m in section.moves
        ],
    }
