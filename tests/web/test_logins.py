"""Login links, sessions and CSRF tokens without a server: fast, on SQLite on disk."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import lagebild
from bot.cli import cli
from bot.clock import iso
from bot.config import Settings, WebSettings
from bot.core import Bot
from bot.events import Message, Sender
from bot.services.web import log_in as log_in_service
from bot.services.web import log_out as log_out_service
from bot.services.web import make_login_link
from bot.uow import UnitOfWork, in_unit
from knowledge.db import DB_FILENAME
from knowledge.records import Person
from knowledge.store import Store
from tests.conftest import FakeClock

log_in, log_out = in_unit(log_in_service), in_unit(log_out_service)

BASE = "http://127.0.0.1:8088"


def person(
    store: Store, user: str = "anna", platform: str = "console", role: str = "staff"
) -> Person:
    with store.transaction():
        return store.upsert_person(platform, user, user.capitalize(), "2026-11-23T09:00:00+00:00",
                                   role=role)  # fmt: skip


def link_for(store: Store, someone: Person, clock: FakeClock) -> str:
    """A link as ``!lagebild`` makes it: the service, in a unit of work of its own."""
    with UnitOfWork(store) as uow:
        return make_login_link(uow, someone, iso(clock()), BASE)


def token_of(link: str) -> str:
    assert link.startswith(BASE + "/login/")
    return link.rsplit("/", 1)[1]


def test_a_link_works_once_and_only_its_hash_is_stored(store: Store, clock: FakeClock) -> None:
    anna = person(store)
    link = link_for(store, anna, clock)
    token = token_of(link)
    rows = store.db.execute("SELECT token_hash FROM web_logins").fetchall()
    assert rows == [(lagebild.token_hash(token),)] and token not in str(rows)
    session = log_in(store, Settings(), token, clock())
    assert session is not None and session.viewer.person.id == anna.id
    assert log_in(store, Settings(), token, clock()) is None  # spent
    found = lagebild.viewer(store, Settings(), session.token, clock())
    assert found is not None and found.person.id == anna.id


@pytest.mark.parametrize(("minutes", "works"), [(9.9, True), (10, False), (11, False)])
def test_a_link_expires_after_ten_minutes(
    store: Store, clock: FakeClock, minutes: float, works: bool
) -> None:
    link = link_for(store, person(store), clock)
    clock.advance(minutes=minutes)
    assert (log_in(store, Settings(), token_of(link), clock()) is not None) is works


def test_a_session_lasts_eight_hours_and_ends_with_logout(store: Store, clock: FakeClock) -> None:
    link = link_for(store, person(store), clock)
    session = log_in(store, Settings(), token_of(link), clock())
    assert session is not None
    assert session.expires - clock() == timedelta(hours=8)
    clock.advance(hours=7, minutes=59)
    assert lagebild.viewer(store, Settings(), session.token, clock()) is not None
    clock.advance(minutes=1)
    assert lagebild.viewer(store, Settings(), session.token, clock()) is None
    link = link_for(store, person(store), clock)
    fresh = log_in(store, Settings(), token_of(link), clock())
    assert fresh is not None
    log_out(store, fresh.token)
    assert lagebild.viewer(store, Settings(), fresh.token, clock()) is None
    assert lagebild.viewer(store, Settings(), "made-up", clock()) is None


def test_the_csrf_token_belongs_to_its_session() -> None:
    one, other = lagebild.new_token(), lagebild.new_token()
    token = lagebild.csrf_token(one)
    assert lagebild.csrf_valid(one, token)
    assert not lagebild.csrf_valid(other, token)
    assert not lagebild.csrf_valid(one, None) and not lagebild.csrf_valid(one, "")
    assert not lagebild.csrf_valid(None, token)
    assert not lagebild.csrf_valid(one, token[:-1] + ("0" if token[-1] != "0" else "1"))


@pytest.mark.parametrize(
    ("platform", "user", "stored", "configured", "role"),
    [
        ("console", "anna", "cdo", {}, "cdo"),  # the console vouches for its own claim
        ("matrix", "@anna:stadt.de", "cdo", {}, "staff"),  # elsewhere only the config counts
        ("matrix", "@anna:stadt.de", "staff", {"@anna:stadt.de": "cio"}, "cio"),
        ("console", "anna", "cdo", {"anna": "admin"}, "admin"),
    ],
)
def test_roles_come_from_the_configuration_as_in_chat(
    store: Store, platform: str, user: str, stored: str, configured: dict[str, str], role: str
) -> None:
    someone = person(store, user, platform, stored)
    assert lagebild.role_of(Settings(roles=configured), someone) == role


def test_erasure_ends_links_and_sessions(store: Store, clock: FakeClock) -> None:
    anna = person(store)
    spare, used = link_for(store, anna, clock), link_for(store, anna, clock)
    session = log_in(store, Settings(), token_of(used), clock())
    assert session is not None
    with store.transaction():
        store.erase_person(anna.id, "2026-11-23T10:00:00+00:00")
    assert store.db.execute("SELECT COUNT(*) FROM web_logins").fetchone()[0] == 0
    assert log_in(store, Settings(), token_of(spare), clock()) is None
    assert lagebild.viewer(store, Settings(), session.token, clock()) is None


def test_lagebild_in_a_room_sends_the_link_by_direct_message(
    store: Store, clock: FakeClock
) -> None:
    message = Message("matrix", "$1", Sender("@anna:stadt.de", "Anna"), "!lagebild", "!room:x")
    # trial 29: without the address people reach it by, a link to 127.0.0.1 helps nobody
    [refused] = Bot(store, Settings(), clock=clock).handle(message)
    assert (
        "noch nicht für den Browser eingerichtet" in refused.text and "/login/" not in refused.text
    )
    assert store.db.execute("SELECT COUNT(*) FROM web_logins").fetchone()[0] == 0
    web = WebSettings(url="https://lagebild.stadt.de")
    bot = Bot(store, Settings(web=web), clock=clock)
    notice, direct = bot.handle(replace(message, event_id="$1b"))
    assert (
        direct.direct_to == "@anna:stadt.de" and "https://lagebild.stadt.de/login/" in direct.text
    )
    assert "/login/" not in notice.text and notice.direct_to is None
    english = Message("matrix", "$2", Sender("@anna:stadt.de", "Anna"), "!cockpit", is_direct=True)
    [only] = bot.handle(english)
    assert only.direct_to == "@anna:stadt.de" and only.text.startswith("Ihr Anmeldelink")


def test_web_link_prints_a_link_the_store_redeems(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"IDEENLOTSE_DATA_DIR": str(data), "IDEENLOTSE_CONFIG": str(tmp_path / "none.toml")}
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["web-link", "--as", "anna", "--port", "9123"], env=env)
    assert result.exit_code == 0, result.output
    link = result.output.strip()
    assert link.startswith("http://127.0.0.1:9123/login/")
    env["IDEENLOTSE_WEB_URL"] = "https://lagebild.stadt.example/"
    again = runner.invoke(cli, ["web-link", "--as", "anna"], env=env)
    assert again.output.startswith("https://lagebild.stadt.example/login/")
    conn = sqlite3.connect(data / DB_FILENAME)
    users = conn.execute("SELECT platform, platform_user_id FROM people").fetchall()
    assert users == [("console", "anna")]  # made once, found the second time
    token = link.rsplit("/", 1)[1]
    hashed = conn.execute("SELECT kind FROM web_logins WHERE token_hash = ?",
                          (lagebild.token_hash(token),)).fetchall()  # fmt: skip
    conn.close()
    assert hashed == [("link",)]
