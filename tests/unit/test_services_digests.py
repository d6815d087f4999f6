"""The digest's bookkeeping on a real store: the schedule starts once, a fire time is claimed
once with the introductions it suggested, and a digest counts as sent only when no row of it
waits in the outbox - each with its audit line, in the caller's unit of work."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.delivery import Outbox
from bot.events import Reply
from bot.services.digests import claim_digest, last_covered, mark_sent
from bot.uow import UnitOfWork
from knowledge.store import Store
from tests.unit.test_services_ideas import NOW, audited, person

FIRE = "2026-11-23T07:00:00+00:00"
LATER = "2026-11-30T07:00:00+00:00"


def run_kind(store: Store) -> str:
    with store.transaction():
        last = store.last_digest_run()
    assert last is not None
    return str(last["kind"])


def test_the_first_look_starts_the_schedule_and_later_ones_read_it(store: Store) -> None:
    with UnitOfWork(store) as uow:
        assert last_covered(uow, NOW) is None
        assert last_covered(uow, LATER) == NOW  # started at the first look, not again
    assert run_kind(store) == "start"


def test_a_fire_time_is_claimed_once_with_its_introductions(store: Store) -> None:
    anna, bob = person(store, "anna"), person(store, "bob")
    with UnitOfWork(store) as uow:
        assert claim_digest(uow, FIRE, 2, [(bob.id, anna.id)], NOW)
        assert not claim_digest(uow, FIRE, 2, [(anna.id, bob.id)], NOW)  # a second process
        assert last_covered(uow, NOW) == FIRE
    assert store.digest_introduced_since(FIRE) == {(anna.id, bob.id)}
    assert [e["detail"] for e in store.audit_entries("digest.queued")] == ["2 recipients"]


def test_a_rolled_back_claim_leaves_the_fire_time_free(store: Store) -> None:
    with pytest.raises(RuntimeError), UnitOfWork(store) as uow:
        claim_digest(uow, FIRE, 1, [], NOW)
        raise RuntimeError("the outbox could not be written")
    with UnitOfWork(store) as uow:
        assert claim_digest(uow, FIRE, 1, [], NOW)
    assert audited(store, "digest.queued") == 1


def test_a_digest_is_sent_once_no_copy_of_it_waits(store: Store) -> None:
    outbox = Outbox()
    with UnitOfWork(store) as uow:
        claim_digest(uow, FIRE, 1, [], NOW)
        outbox.queue(uow.store, [Reply("Digest", direct_to="cdo")], kind="digest",
                     cause=FIRE, now=NOW)  # fmt: skip
    with UnitOfWork(store) as uow:
        assert mark_sent(uow, [FIRE], NOW) == []  # its copy is still in the outbox
    assert run_kind(store) == "queued"
    [copy] = outbox.take(store, "console", datetime.fromisoformat(NOW))
    assert copy.id is not None
    with UnitOfWork(store) as uow:
        uow.store.mark_delivered([copy.id], NOW)
        assert mark_sent(uow, [FIRE, FIRE], NOW) == [FIRE]
        assert mark_sent(uow, [FIRE], NOW) == []  # once
    assert run_kind(store) == "sent"
    assert [e["detail"] for e in store.audit_entries("digest.sent")] == [f"fire_time={FIRE}"]
