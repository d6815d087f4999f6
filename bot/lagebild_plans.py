"""The city's plans in the Lagebild: agenda goals with and without ideas, an idea's project.

Read from the links made when an idea came in (``bot.plans``: the project that covers it, the
goal it serves), so a page never encodes anything; a goal counts an idea linked to it directly
or through one of its projects.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.plans import owner_label
from knowledge.store import Store


@dataclass(frozen=True)
class GoalRow:
    key: str
    title: str
    ideas: int  # ideas linked to the goal since it was imported
    recent: int  # ... of them since ``since``


@dataclass(frozen=True)
class ProjectRow:
    key: str
    title: str
    status: str | None
    owner: str | None  # as people know them (a plan's contact is a role, named as in chat)


def agenda_goals(store: Store, since: str) -> tuple[GoalRow, ...]:
    """Every goal of the Digital Agenda with its ideas, in the agenda's order; empty where
    no plan was imported."""
    with store.transaction():
        goals = store.plan_items("agenda")
        goal_of = {p.key: p.goal for p in store.plan_items("project")}
        links = store.plan_idea_links() if goals else []
    ideas: dict[str, set[int]] = {g.key: set() for g in goals}
    recent: dict[str, set[int]] = {g.key: set() for g in goals}
    for link in links:
        key = link.item_key if link.kind == "agenda" else goal_of.get(link.item_key)
        if key in ideas:
            ideas[key].add(link.idea_id)
            if link.created_at >= since:
                recent[key].add(link.idea_id)
    return tuple(GoalRow(g.key, g.title, len(ideas[g.key]), len(recent[g.key])) for g in goals)


def idea_projects(store: Store, idea_id: int) -> tuple[ProjectRow, ...]:
    """The projects an idea was linked to when it came in."""
    with store.transaction():
        links = store.plan_idea_links(idea_ids=[idea_id])
        items = [store.get_plan_item(link.item_key) for link in links if link.kind == "project"]
        return tuple(
            ProjectRow(item.key, item.title, item.status, owner_label(store, item.owner))
            for item in items
            if item is not None
        )
