"""One outbox on Slack: a reply committed before a crash arrives once, after the restart.

The core commits each reply with the event's claim; the adapter posts from the outbox and marks
what Slack accepted. These tests stop the adapter between the commit and the post, refuse
posts at the Web API double, and retry events the way Slack does (``X-Slack-Retry-Num``),
all through the real Bolt app with signed requests.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import iso
from bot.config import Settings
from knowledge.outbox import Parcel
from knowledge.store import Store
from tests.conftest import FakeClock
from tests.slack import payloads
from tests.slack.rig import IDEAS, SlackRig, build_app, posted_text
from tests.slack.web_api import WebApiDouble

IDEA = "Eingangsrechnungen sollten als E-Rechnung automatisch verarbeitet werden"
MONDAY_0800_BERLIN = datetime(2026, 11, 30, 7, 0, 30, tzinfo=UTC)


def until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def waiting_parcels(store: Store) -> list[Parcel]:
    """What waits to be sent, read under the store's lock: the bot's threads use the same
    connection, and a read between their statements breaks their savepoints."""
    with store.transaction():
        return store.parcels(waiting=True)


class Process:
    """One bot process on the data dir: its App and its running Slack adapter."""

    def __init__(self, data: Path, settings: Settings, web_api: WebApiDouble, clock: FakeClock):
        self.app: App = build_app(data, settings, clock)
        self.rig = SlackRig(self.app, settings, web_api, due_every=0.2)

    def stop(self) -> None:
        self.rig.close()
        self.app.close()


@pytest.fixture
def start(
    tmp_path: Path, slack_settings: Settings, web_api: WebApiDouble, clock: FakeClock
) -> Iterator[Callable[[], Process]]:
    running: list[Process] = []

    def started() -> Process:
        running.append(Process(tmp_path / "data", slack_settings, web_api, clock))
        return running[-1]

    yield started
    for process in running:
        if process.rig.loop.loop.is_running():
            process.stop()


def test_a_reply_committed_before_a_crash_is_posted_once_after_the_restart(
    start: Callable[[], Process], web_api: WebApiDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = start()

    async def killed() -> None:  # the process stops after the commit, before chat.postMessage
        return None

    monkeypatch.setattr(first.rig.adapter, "drain", killed)
    ts = first.rig.new_ts()
    event = payloads.message("UANNA", IDEA, IDEAS, ts)
    assert first.rig.event(event, "Ev0CRASH") == 200
    assert web_api.posts() == []  # committed, never posted
    [waiting] = waiting_parcels(first.app.store)
    assert (waiting.platform, waiting.cause) == ("slack", f"{IDEAS}:{ts}")
    first.stop()

    second = start()  # a new process on the same data dir
    [post] = web_api.wait_for("chat.postMessage", 1)
    assert "Ihre Idee ist als *#1* gespeichert" in posted_text(post)
    assert (post.params["channel"], post.params["thread_ts"]) == (IDEAS, ts)
    # Slack never saw the first answer in time and sends the event again: a replay
    retried = second.rig.event(event, "Ev0CRASH", X_Slack_Retry_Num="1", X_Slack_Retry_Reason="x")
    assert retried == 200
    until(lambda: waiting_parcels(second.app.store) == [], "the row marked delivered")
    assert len(web_api.posts()) == 1  # exactly once
    with second.app.store.transaction():
        assert second.app.store.count_ideas() == 1


def test_a_retry_that_reaches_the_restarted_bot_first_gets_the_reply_once(
    start: Callable[[], Process], web_api: WebApiDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whichever drains first - the start or the retried event's listener - posts it."""
    first = start()

    async def killed() -> None:
        return None

    monkeypatch.setattr(first.rig.adapter, "drain", killed)
    event = payloads.message("UANNA", IDEA, IDEAS, first.rig.new_ts())
    first.rig.event(event, "Ev0TWICE")
    first.stop()
    second = start()
    for attempt in ("1", "2"):
        second.rig.event(event, "Ev0TWICE", X_Slack_Retry_Num=attempt)
    until(lambda: waiting_parcels(second.app.store) == [], "the row marked delivered")
    [post] = web_api.posts()
    assert "*#1*" in posted_text(post)


def test_a_post_slack_refuses_is_tried_again_later_and_arrives_once(
    rig: SlackRig, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    rig.web_api.errors[("chat.postMessage", IDEAS)] = "internal_error"
    with caplog.at_level(logging.WARNING, logger="bot.delivery"):
        rig.say("UANNA", IDEA)
    [refused] = rig.web_api.posts()
    [waiting] = waiting_parcels(rig.app.store)
    assert waiting.attempts == 1
    assert "internal_error" in caplog.text and "Eingangsrechnungen" not in caplog.text
    del rig.web_api.errors[("chat.postMessage", IDEAS)]

    clock.advance(seconds=59)  # the first pause is a minute
    rig.loop.run(rig.adapter.drain())
    assert len(rig.web_api.posts()) == 1
    clock.advance(seconds=1)
    rig.loop.run(rig.adapter.drain())
    refused_again, delivered = rig.web_api.posts()
    assert refused_again is refused and delivered.params == refused.params
    assert waiting_parcels(rig.app.store) == []
    clock.advance(hours=2)
    rig.loop.run(rig.adapter.drain())
    assert len(rig.web_api.posts()) == 2  # delivered is delivered: never again


def test_a_digest_counts_as_sent_only_once_it_was_delivered(
    rig: SlackRig, clock: FakeClock
) -> None:
    store = rig.app.store

    def last_run() -> str | None:
        with store.transaction():
            run = store.last_digest_run()
        return None if run is None else str(run["kind"])

    until(lambda: last_run() == "start", "the schedule to start")
    rig.web_api.errors[("chat.postMessage", "DUCDO")] = "fatal_error"
    clock.now = MONDAY_0800_BERLIN
    rig.web_api.wait_for("chat.postMessage", 1)
    retry_at = iso(MONDAY_0800_BERLIN + timedelta(minutes=1))  # the first pause: a minute

    def failed_once() -> bool:
        return [(p.attempts, p.next_attempt_at) for p in waiting_parcels(store)] == [(1, retry_at)]

    until(failed_once, "the failed attempt recorded")
    assert last_run() == "queued"  # made and claimed, but not sent
    with store.transaction():
        assert store.audit_entries("digest.sent") == []

    del rig.web_api.errors[("chat.postMessage", "DUCDO")]
    clock.advance(minutes=1)
    until(lambda: last_run() == "sent", "the digest delivered")
    digests = [c for c in rig.web_api.posts() if c.params["channel"] == "DUCDO"]
    assert len(digests) == 2 and "Synergie-Digest" in posted_text(digests[1])
    assert len(store.audit_entries("digest.sent")) == 1
    clock.advance(minutes=5)
    time.sleep(0.5)  # a few more rounds of the due loop
    assert len([c for c in rig.web_api.posts() if c.params["channel"] == "DUCDO"]) == 2
