"""Scheduled replies reach the adapter whose platform knows the recipient."""

from __future__ import annotations

import pytest

from bot.delivery import Outbox, platform_of
from bot.events import Reply


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


def test_each_adapter_takes_its_own_and_the_rest_waits() -> None:
    outbox = Outbox(running=("matrix", "slack"))
    to_matrix = Reply("Erinnerung", direct_to="@cdo:stadt.de")
    to_slack = Reply("Erinnerung", direct_to="U024BE7LH")
    room_on_slack = Reply("Digest", room="C0123ABCD")
    outbox.put([to_matrix, to_slack, room_on_slack])
    assert outbox.take("matrix") == [to_matrix]
    assert outbox.take("matrix") == []  # taken once
    assert outbox.take("slack") == [to_slack, room_on_slack]
    assert outbox.take("slack") == []


def test_addresses_of_no_running_platform_go_to_whoever_asks() -> None:
    """A misconfigured holder id must surface in some adapter's log, not wait forever."""
    outbox = Outbox(running=("slack",))
    stray = Reply("Digest", direct_to="@cdo:stadt.de")  # Matrix id, but only Slack runs
    console = Reply("Erinnerung", direct_to="anna")
    outbox.put([stray, console])
    assert outbox.take("slack") == [stray, console]


def test_without_a_platform_everything_is_taken() -> None:
    outbox = Outbox()
    replies = [Reply("a", direct_to="@x:y.de"), Reply("b", direct_to="U024BE7LH")]
    outbox.put(replies)
    assert outbox.take() == replies
