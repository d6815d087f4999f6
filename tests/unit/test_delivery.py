"""The outbox in the store: written with its cause, taken once, marked, retried, given up.

Every test here runs on SQLite and, with IDEENLOTSE_TEST_BACKEND=postgres, on PostgreSQL.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from bot.clock import iso
from bot.delivery import Origin, Outbox, Retry, platform_of, queue_answers
from bot.events import Attachment, Button, Reply
from knowledge.open import open_store
from knowledge.store import Store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ORIGIN = Origin("slack", "C1:1.1", "C1", "UANNA", "C1:1.1")


def answer(store: Store, *replies: Reply, origin: Origin = ORIGIN) -> None:
    with store.transaction():
        queue_answers(store, replies, origin, iso(NOW))


def schedule(store: Store, outbox: Outbox, *replies: Reply, kind: str = "reminder") -> None:
    with store.transaction():
        outbox.queue(store, replies, kind=kind, cause=iso(NOW), now=iso(NOW))


@pytest.mark.parametrize(
    ("address", "platform"),
    [
        ("@cdo:stadt.de", "matrix"),
        ("!AbCdEf:stadt.de", "matrix"),
        ("#ideen:stadt.de", "matrix"),
        ("U024BE7LH", "slack"),
        ("W0123ABCD", "slack"),
        ("C0123ABCD", "slack"),
        ("anna", None),  # a console name
        ("@anna", None),  # no server: not a Matrix id
        ("u024be7lh", None),
        ("", None),
        (None, None),
    ],
)
def test_platform_of_reads_the_id_grammar(address: str | None, platform: str | None) -> None:
    assert platform_of(address) == platform


def test_a_reply_comes_out_as_it_went_in(store: Store) -> None:
    reply = Reply(
        "Danke! Idee *#1* gespeichert.",
        thread_id="1.1",
        buttons=(Button("Unterstützen #1", "!unterstuetzen 1", "primary"),),
        attachments=(Attachment("karte.png", b"\x89PNG\x00\xff", "image/png"),),
    )
    answer(store, reply)
    [taken] = Outbox().take(store, "slack", NOW)
    assert taken.reply == reply
    assert (taken.origin_room, taken.origin_user, taken.reply_to) == ("C1", "UANNA", "C1:1.1")
    assert (taken.kind, taken.cause, taken.attempts) == ("answer", "C1:1.1", 1)
    [parcel] = store.parcels()
    assert parcel.person_id is None  # nobody called UANNA in the store yet


def test_each_adapter_takes_its_own_and_the_rest_waits(store: Store) -> None:
    outbox = Outbox(running=("matrix", "slack"))
    to_matrix = Reply("Erinnerung", direct_to="@cdo:stadt.de")
    to_slack = Reply("Erinnerung", direct_to="U024BE7LH")
    room_on_slack = Reply("Digest", room="C0123ABCD")
    schedule(store, outbox, to_matrix, to_slack, room_on_slack)
    assert [d.reply for d in outbox.take(store, "matrix", NOW)] == [to_matrix]
    assert outbox.take(store, "matrix", NOW) == []  # taken once
    assert [d.reply for d in outbox.take(store, "slack", NOW)] == [to_slack, room_on_slack]
    assert outbox.take(store, "slack", NOW) == []


def test_addresses_of_no_running_platform_go_to_whoever_asks(store: Store) -> None:
    """A misconfigured holder id must surface in some adapter's log, not wait forever."""
    outbox = Outbox(running=("slack",))
    stray = Reply("Digest", direct_to="@cdo:stadt.de")  # Matrix id, but only Slack runs
    console = Reply("Erinnerung", direct_to="anna")
    schedule(store, outbox, stray, console)
    assert [d.reply for d in outbox.take(store, "slack", NOW)] == [stray, console]


def test_a_console_name_goes_to_the_platform_its_person_writes_from(store: Store) -> None:
    with store.transaction():
        anna = store.upsert_person("console", "anna", "Anna", iso(NOW))
    outbox = Outbox()
    schedule(store, outbox, Reply("Erinnerung", direct_to="anna"))
    assert outbox.take(store, "matrix", NOW) == []
    [taken] = outbox.take(store, "console", NOW)
    assert taken.reply.direct_to == "anna"
    assert store.parcels()[0].person_id == anna.id  # linked: an erasure finds it


def test_a_taken_row_is_left_to_its_taker_until_the_lease_ends(store: Store) -> None:
    """A process that dies while sending: another one sends the reply after the lease."""
    outbox = Outbox(retry=Retry(lease=300))
    answer(store, Reply("Hallo"))
    [first] = outbox.take(store, "slack", NOW)
    assert outbox.take(store, "slack", NOW + timedelta(seconds=299)) == []
    [again] = outbox.take(store, "slack", NOW + timedelta(seconds=300))
    assert (first.id, first.attempts, again.attempts) == (again.id, 1, 2)


def test_two_processes_never_take_the_same_row(tmp_path: Path) -> None:
    """Two stores on one database (two bot processes) draining at once: each row goes once."""
    stores = [open_store(tmp_path / "data") for _ in range(2)]
    try:
        answer(stores[0], *[Reply(f"Antwort {n}") for n in range(60)])
        taken: list[list[int]] = [[], []]

        def drain(index: int) -> None:
            while batch := Outbox().take(stores[index], "slack", NOW):
                taken[index] += [d.id for d in batch if d.id is not None]

        workers = [threading.Thread(target=drain, args=(i,)) for i in (0, 1)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        assert sorted(taken[0] + taken[1]) == sorted(p.id for p in stores[0].parcels())
        assert not set(taken[0]) & set(taken[1])
    finally:
        for store in stores:
            store.close()


def test_delivered_rows_forget_what_they_said_and_to_whom(store: Store) -> None:
    outbox = Outbox()
    answer(store, Reply("Geheim", direct_to="UBEN"), Reply("Auch geheim"))
    delivered, waiting = outbox.take(store, "slack", NOW)
    outbox.delivered(store, [delivered], NOW)
    outbox.put_back(store, [waiting], NOW)
    done, left = store.parcels()
    assert done.delivered_at == iso(NOW) and done.content is None and done.direct_to is None
    assert done.origin_user is None and done.cause == "C1:1.1"  # the bookkeeping stays
    assert left.delivered_at is None and left.attempts == 0  # put back: no attempt counted
    assert [d.reply.text for d in outbox.take(store, "slack", NOW)] == ["Auch geheim"]


def test_a_failed_send_is_retried_after_a_growing_pause_then_given_up(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    outbox = Outbox(retry=Retry(first=60, most=100, attempts=3))
    answer(store, Reply("Vertraulicher Text"))
    moment = NOW
    for pause in (60, 100):  # 60 s, then doubled but at most 100 s
        [delivery] = outbox.take(store, "slack", moment)
        outbox.failed(store, delivery, moment, "fatal_error")
        assert outbox.take(store, "slack", moment + timedelta(seconds=pause - 1)) == []
        moment += timedelta(seconds=pause)
    [last] = outbox.take(store, "slack", moment)
    given_up = REGISTRY.get_sample_value("ideenlotse_replies_given_up_total", {"kind": "answer"})
    with caplog.at_level(logging.WARNING, logger="bot.delivery"):
        outbox.failed(store, last, moment, "fatal_error")
    after = REGISTRY.get_sample_value("ideenlotse_replies_given_up_total", {"kind": "answer"})
    assert after == (given_up or 0) + 1  # on /metrics (trial 29 saw none there)
    assert outbox.take(store, "slack", moment + timedelta(days=1)) == []  # no endless loop
    [parcel] = store.parcels()
    assert (parcel.attempts, parcel.given_up_at, parcel.content) == (3, iso(moment), None)
    assert "gave up answer" in caplog.text and "fatal_error" in caplog.text
    assert "Vertraulich" not in caplog.text  # the log never holds what was said


def test_a_digest_counts_as_sent_once_every_copy_was_delivered(store: Store) -> None:
    outbox = Outbox()
    with store.transaction():
        store.record_digest_run(iso(NOW), "queued", 2, iso(NOW))
    digest = [Reply("Digest", direct_to="cdo-1"), Reply("Digest", direct_to="cdo-2")]
    schedule(store, outbox, *digest, kind="digest")
    first, second = outbox.take(store, "console", NOW)
    outbox.delivered(store, [first], NOW)
    outbox.failed(store, second, NOW, "not_in_channel")
    with store.transaction():
        assert store.last_digest_run()["kind"] == "queued"  # type: ignore[index]
    assert store.audit_entries("digest.sent") == []
    [again] = outbox.take(store, "console", NOW + timedelta(hours=1))
    outbox.delivered(store, [again], NOW + timedelta(hours=1))
    with store.transaction():
        assert store.last_digest_run()["kind"] == "sent"  # type: ignore[index]
    assert len(store.audit_entries("digest.sent")) == 1
