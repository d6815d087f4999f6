"""The city's plan: a project's status, set by a role holder between two imports."""

from __future__ import annotations

from dataclasses import dataclass

from bot.uow import UnitOfWork
from knowledge.plans import PlanItem
from knowledge.records import Person


@dataclass(frozen=True)
class ProjectStatus:
    """The project as it was before, and whether its status changed."""

    project: PlanItem
    changed: bool


def set_project_status(
    uow: UnitOfWork, actor: Person, key: str, status: str, now: str
) -> ProjectStatus | None:
    """Set the status of the project with this key (any case); None: no such project.

    The audit line keeps the old status, which the plan's next import may overwrite."""
    projects = uow.plans.plan_items("project")
    project = next((p for p in projects if p.key.casefold() == key.casefold()), None)
    if project is None:
        return None
    if project.status == status:
        return ProjectStatus(project, changed=False)
    uow.plans.set_plan_status(project.key, status, now)
    uow.audit.audit(
        "plan.status",
        now,
        actor_id=actor.id,
        subject_type="plan",
        detail=f"{project.key}: {project.status}->{status}",
    )
    return ProjectStatus(project, changed=True)
