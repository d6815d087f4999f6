"""The scheduled digest on an injected clock: when it fires, to whom, and exactly once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, DigestSettings, Settings, load_settings
from bot.crontab import ScheduleError, parse_schedule
from bot.digest import Digest
from bot.digest_build import build_digest
from bot.digest_render import render_markdown
from bot.schedule import DigestSchedule, due_digest
from knowledge.open import open_store
from knowledge.records import NewIdea
from knowledge.store import Store
from tests.fakes import HashingEncoder

SUNDAY = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
MONDAY_8_BERLIN = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # CET: UTC+1


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (SUNDAY, MONDAY_8_BERLIN),
        (MONDAY_8_BERLIN, MONDAY_8_BERLIN + timedelta(days=7)),
        # summer time: 08:00 in Berlin is 06:00 UTC
        (datetime(2026, 3, 28, 12, tzinfo=UTC), datetime(2026, 3, 30, 6, 0, tzinfo=UTC)),
    ],
)
def test_default_schedule_is_monday_eight_in_berlin(after: datetime, expected: datetime) -> None:
    schedule = DigestSchedule.of(DigestSettings().schedule, "Europe/Berlin")
    assert schedule.next_after(after) == expected


def test_after_a_long_downtime_only_the_latest_fire_time_is_due() -> None:
    schedule = DigestSchedule.of("0 8 * * mon", "Europe/Berlin")
    now = MONDAY_8_BERLIN + timedelta(days=22)
    assert schedule.latest_due(SUNDAY, now) == MONDAY_8_BERLIN + timedelta(days=21)
    assert schedule.latest_due(now, now) is None


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("0 8 * * 1", "weekdays as names"),
        ("0 8 * *", "five fields"),
        ("61 8 * * mon", "not a valid schedule"),
    ],
)
def test_bad_schedules_are_refused_with_a_reason(line: str, reason: str) -> None:
    with pytest.raises(ScheduleError, match=reason):
        parse_schedule(line, "Europe/Berlin")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('schedule = "0 8 * * 1"', "weekdays as names"),
        ('timezone = "Mars/Olympus"', "not a known time zone"),
        ('staff_council = "ja"', "true or false"),
        ("days = 0", "from 1 to 366"),
    ],
)
def test_digest_settings_are_checked(tmp_path: Path, table: str, message: str) -> None:
    path = tmp_path / "ideenlotse.toml"
    path.write_text(f"[digest]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(path, {})


def test_digest_settings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "ideenlotse.toml"
    path.write_text(
        '[digest]\nschedule = "30 7 * * fri"\nstaff_council = true\ndays = 14\n', encoding="utf-8"
    )
    digest = load_settings(path, {}).digest
    assert digest == DigestSettings("30 7 * * fri", "Europe/Berlin", 14, True)


# -- due_digest against a real store ---------------------------------------------------------


class Builds:
    """The real digest (with the fast hashing encoder), counting how often it was built."""

    def __init__(self, store: Store, settings: Settings):
        self.store, self.settings, self.count = store, settings, 0

    def __call__(self, now: datetime) -> Digest:
        self.count += 1
        return build_digest(self.store, self.settings, now, encoder=HashingEncoder())


@pytest.fixture
def digest_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", roles={"cdo-user": "cdo", "cdo-2": "cdo", "admin-1": "admin"}
    )


def seed(store: Store, now: datetime) -> None:
    with store.transaction():
        for text in ("WLAN in allen Sitzungsräumen", "Das WLAN im Rathaus ist zu langsam"):
            store.add_idea(NewIdea(text, None, department="FD 20"), now.isoformat())


def test_fires_once_per_fire_time_for_each_cdo(tmp_path: Path, digest_settings: Settings) -> None:
    store = open_store(tmp_path / "data")
    builds = Builds(store, digest_settings)
    assert due_digest(store, digest_settings, SUNDAY, builds) == []  # the schedule starts
    seed(store, SUNDAY)
    assert due_digest(store, digest_settings, MONDAY_8_BERLIN - timedelta(seconds=1), builds) == []
    assert builds.count == 0  # nothing is built while nothing is due
    replies = due_digest(store, digest_settings, MONDAY_8_BERLIN, builds)
    assert [r.direct_to for r in replies] == ["cdo-user", "cdo-2"]
    assert all("Synergie-Digest" in r.text and "Neue Ideen: 2" in r.text for r in replies)
    assert all(r.attachments[0].mime_type == "image/png" for r in replies)
    assert replies[0].attachments[0].data.startswith(b"\x89PNG")
    later = MONDAY_8_BERLIN + timedelta(hours=3)
    assert due_digest(store, digest_settings, later, builds) == []
    assert builds.count == 1
    # queued with its replies; "sent" only once the adapters delivered every copy
    assert len(store.audit_entries("digest.queued")) == 1
    assert store.audit_entries("digest.sent") == []
    store.close()


def test_a_restart_neither_repeats_nor_misses(tmp_path: Path, digest_settings: Settings) -> None:
    first = open_store(tmp_path / "data")
    due_digest(first, digest_settings, SUNDAY, Builds(first, digest_settings))
    assert due_digest(first, digest_settings, MONDAY_8_BERLIN, Builds(first, digest_settings))
    first.close()
    # the process restarts (same database, new objects) a minute later: nothing again
    second = open_store(tmp_path / "data")
    builds = Builds(second, digest_settings)
    assert due_digest(second, digest_settings, MONDAY_8_BERLIN + timedelta(minutes=1), builds) == []
    # it was down over the next Monday and comes back on Wednesday: the digest comes, once
    wednesday = MONDAY_8_BERLIN + timedelta(days=9)
    assert len(due_digest(second, digest_settings, wednesday, builds)) == 2
    assert due_digest(second, digest_settings, wednesday + timedelta(minutes=1), builds) == []
    assert builds.count == 1
    second.close()


def test_two_processes_on_one_database_send_one_digest(
    tmp_path: Path, digest_settings: Settings
) -> None:
    a, b = open_store(tmp_path / "data"), open_store(tmp_path / "data")
    due_digest(a, digest_settings, SUNDAY, Builds(a, digest_settings))
    # both see the fire time due and build; the claim lets only one of them send
    sent = [
        due_digest(store, digest_settings, MONDAY_8_BERLIN, Builds(store, digest_settings))
        for store in (a, b)
    ]
    assert sorted(len(s) for s in sent) == [0, 2]
    a.close()
    b.close()


def test_admins_stand_in_and_an_empty_schedule_sends_nothing(tmp_path: Path) -> None:
    store = open_store(tmp_path / "data")
    settings = Settings(data_dir=tmp_path / "data", roles={"admin-1": "admin"})
    due_digest(store, settings, SUNDAY, Builds(store, settings))
    replies = due_digest(store, settings, MONDAY_8_BERLIN, Builds(store, settings))
    assert [r.direct_to for r in replies] == ["admin-1"]
    off = replace(settings, digest=DigestSettings(schedule=""))
    later = MONDAY_8_BERLIN + timedelta(days=7)
    assert due_digest(store, off, later, Builds(store, off)) == []
    store.close()


def test_a_digest_that_finds_nothing_says_so_briefly(
    tmp_path: Path, digest_settings: Settings
) -> None:
    store = open_store(tmp_path / "data")
    due_digest(store, digest_settings, SUNDAY, Builds(store, digest_settings))
    replies = due_digest(store, digest_settings, MONDAY_8_BERLIN, Builds(store, digest_settings))
    assert replies and all(r.attachments == () for r in replies)
    text = replies[0].text.strip()
    assert "\n" not in text and "nichts Neues" in text and len(text) < 200
    store.close()


def test_a_merged_idea_is_no_new_idea(tmp_path: Path, digest_settings: Settings) -> None:
    """Trial 9: two ideas merged into their originals still counted as new ideas."""
    store = open_store(tmp_path / "data")
    seed(store, SUNDAY)
    with store.transaction():
        copy = store.add_idea(NewIdea("WLAN in jedem Sitzungsraum", None, department="FD 32"),
                              SUNDAY.isoformat())  # fmt: skip
        store.merge_idea(copy.id, 1, SUNDAY.isoformat())
    digest = build_digest(store, digest_settings, MONDAY_8_BERLIN, encoder=HashingEncoder())
    text = render_markdown(digest, digest_settings.translator())
    assert "Neue Ideen: 2" in text and "FD 32" not in text
    store.close()
