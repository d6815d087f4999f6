"""The login link on a real store: written in the caller's unit of work with its audit line,
gone with it on a rollback, and spent links cleared when the next one is made."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.clock import iso
from bot.config import Settings
from bot.services.web import log_in as log_in_service
from bot.services.web import log_out as log_out_service
from bot.services.web import make_login_link
from bot.uow import UnitOfWork, in_unit
from knowledge.store import Store
from tests.unit.test_services_ideas import NOW, audited, person

log_in, log_out = in_unit(log_in_service), in_unit(log_out_service)

BASE = "https://lagebild.stadt.example/"


def token_of(link: str) -> str:
    assert link.startswith("https://lagebild.stadt.example/login/")
    return link.rsplit("/", 1)[1]


def logins(store: Store) -> int:
    return int(store.db.execute("SELECT COUNT(*) FROM web_logins").fetchone()[0])


def test_a_link_is_made_in_the_unit_of_work_with_its_audit_line(store: Store) -> None:
    anna = person(store, "anna")
    with UnitOfWork(store) as uow:
        link = make_login_link(uow, anna, NOW, BASE)
    [entry] = store.audit_entries("web.link")
    assert (entry["actor_id"], entry["subject_id"]) == (anna.id, anna.id)
    session = log_in(store, Settings(), token_of(link), datetime.fromisoformat(NOW))
    assert session is not None and session.viewer.person.id == anna.id


def test_a_link_made_on_the_command_line_is_audited_as_the_operators(store: Store) -> None:
    """Trial 27: `web-link --as maria` was audited as if maria had asked for it."""
    maria = person(store, "maria")
    with UnitOfWork(store) as uow:
        make_login_link(uow, maria, NOW, BASE, operator="root")
    [entry] = store.audit_entries("web.link")
    assert (entry["actor_id"], entry["subject_id"], entry["detail"]) == (
        None,
        maria.id,
        "operator=root",
    )


def test_a_rolled_back_link_never_works(store: Store) -> None:
    anna = person(store, "anna")
    with pytest.raises(RuntimeError), UnitOfWork(store) as uow:
        link = make_login_link(uow, anna, NOW, BASE)
        raise RuntimeError("the reply could not be queued")
    assert logins(store) == 0 and audited(store, "web.link") == 0
    assert log_in(store, Settings(), token_of(link), datetime.fromisoformat(NOW)) is None


def test_spent_and_expired_links_are_cleared_by_the_next(store: Store) -> None:
    anna = person(store, "anna")
    with UnitOfWork(store) as uow:
        spent = make_login_link(uow, anna, NOW, BASE)
        make_login_link(uow, anna, NOW, BASE)  # expires unused
    assert log_in(store, Settings(), token_of(spent), datetime.fromisoformat(NOW))
    later = iso(datetime.fromisoformat(NOW) + timedelta(minutes=10))
    with UnitOfWork(store) as uow:
        make_login_link(uow, anna, later, BASE)
    assert logins(store) == 2  # the new link and the session the spent one opened
