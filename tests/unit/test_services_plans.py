"""The project status on a real store: set by its key in any case, once, with the old status
kept in the audit line (the plan's next import overwrites what chat set)."""

from __future__ import annotations

from bot.services.plans import set_project_status
from bot.uow import UnitOfWork
from knowledge.plans import NewPlanItem
from knowledge.store import Store
from tests.unit.test_services_ideas import NOW, person


def test_a_project_status_is_set_once_by_its_key(store: Store) -> None:
    cdo = person(store, "cdo", role="cdo")
    with store.transaction():
        store.upsert_plan_item(NewPlanItem("project", "P-1", "E-Akte", status="geplant"), NOW)
        store.upsert_plan_item(NewPlanItem("system", "S-1", "DMS"), NOW)
    with UnitOfWork(store) as uow:
        changed = set_project_status(uow, cdo, "p-1", "laufend", NOW)
        unchanged = set_project_status(uow, cdo, "P-1", "laufend", NOW)
        assert set_project_status(uow, cdo, "P-9", "laufend", NOW) is None
        assert set_project_status(uow, cdo, "S-1", "laufend", NOW) is None  # not a project
    assert changed is not None and changed.changed
    assert (changed.project.key, changed.project.status) == ("P-1", "geplant")  # as it was
    assert unchanged is not None and not unchanged.changed
    item = store.get_plan_item("P-1")
    assert item is not None and item.status == "laufend"
    assert [e["detail"] for e in store.audit_entries("plan.status")] == ["P-1: geplant->laufend"]
