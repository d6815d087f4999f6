"""The project status on a real store: set by its key in any case, once, with the old status
kept in the audit line (the plan's next import overwrites what chat set)."""

from __future__ import annotations

import itertools
from pathlib import Path

from bot.config import Settings
from bot.core import Bot
from bot.events import Message, Reply, Sender
from bot.plans_import import import_plan, read_plan
from bot.services.plans import set_project_status
from bot.uow import UnitOfWork
from knowledge.open import open_store
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


def test_the_owner_hears_of_a_status_set_by_somebody_else(tmp_path: Path) -> None:
    """Trial 25: the CDO set P-11 to "laufend" and its owner dirk never heard of it."""
    store = open_store(tmp_path / "data")
    with store.transaction():
        item = NewPlanItem("project", "P-1", "E-Payment", owner="dirk", status="pausiert")
        store.upsert_plan_item(item, NOW)
    bot = Bot(store, Settings(data_dir=tmp_path / "data", roles={"maria": "cdo", "dirk": "cdo"}))
    events = itertools.count()

    def say(who: str, text: str) -> list[Reply]:
        message = Message("console", f"e{next(events)}", Sender(who, who.capitalize()), text)
        return bot.handle(message, idea_room=False)

    mine, told = say("maria", "!projektstatus P-1 laufend")
    assert mine.direct_to is None and "hat jetzt den Stand „laufend“" in mine.text
    assert told.direct_to == "dirk" and told.text == (
        "Ihr Projekt P-1 „E-Payment“ hat jetzt den Stand „laufend“ (bisher „pausiert“),"
        " eingetragen von Maria."
    )
    assert len(say("dirk", "!projektstatus P-1 abgeschlossen")) == 1  # his own: nobody told
    store.close()


def test_statuses_set_in_chat_and_by_an_import_are_read_back_for_the_digest(
    store: Store, tmp_path: Path
) -> None:
    cdo = person(store, "cdo", role="cdo")
    with store.transaction():
        store.upsert_plan_item(NewPlanItem("project", "P-1", "E-Akte", status="geplant"), NOW)
    with UnitOfWork(store) as uow:
        set_project_status(uow, cdo, "P-1", "laufend", NOW)
    plan = tmp_path / "plan.csv"
    plan.write_text("kind;key;title;status\nproject;P-1;E-Akte;pausiert\n", encoding="utf-8")
    import_plan(store, read_plan(plan), NOW)
    with store.transaction():
        changes = store.project_status_changes(NOW, "2099-01-01")
    assert changes == [("P-1", "geplant", "laufend"), ("P-1", "laufend", "pausiert")]
