"""Which refusals of the homeserver are worth another attempt (trial 29)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from nio import ErrorResponse

from adapters.matrix_retry import Backoff, PermanentError, Retrying
from bot.events import Action, Message, Reply, Sender

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def refusal(http_status: int | None, code: str | None = "M_UNKNOWN") -> ErrorResponse:
    response = ErrorResponse("Cannot start threads from an event with a relation", code)
    if http_status is not None:
        response.transport_response = SimpleNamespace(status=http_status)  # type: ignore[assignment]
    return response


async def calls_until_done(first: ErrorResponse) -> tuple[int, object]:
    calls = 0

    async def send() -> object:
        nonlocal calls
        calls += 1
        return first if calls == 1 else "sent"

    retrying = Retrying(Backoff(first=0.0, most=0.0))
    outcome: object
    try:
        outcome = await retrying(send, "send")
    except PermanentError as exc:
        outcome = exc
    return calls, outcome


async def test_a_refused_request_is_not_sent_again() -> None:
    calls, outcome = await calls_until_done(refusal(400))
    assert calls == 1 and isinstance(outcome, PermanentError)


@pytest.mark.parametrize("http_status", [502, 503, None])
async def test_a_failing_server_or_proxy_is_tried_again(http_status: int | None) -> None:
    calls, outcome = await calls_until_done(refusal(http_status, None))
    assert calls == 2 and outcome == "sent"


def test_a_reply_to_a_click_opens_no_thread_on_the_reaction() -> None:
    ben = Sender("@ben:stadt.test", "Ben")
    click = Action("matrix", "$reaction", ben, "!unterstuetzen 1", room="!team").as_message()
    assert Reply("Danke").in_thread_of(click).thread_id is None
    threaded = Action("matrix", "$r", ben, "!hilfe", room="!team", thread_id="$idea")
    assert Reply("Danke").in_thread_of(threaded.as_message()).thread_id == "$idea"
    posted = Message("matrix", "$idea", ben, "Eine Idee", room="!team")
    assert Reply("Danke").in_thread_of(posted).thread_id == "$idea"
    theirs = Action("matrix", "$r2", ben, "!nicht-aehnlich 2 1", room="!team", thread_id="$idea",
                    answer_privately=True)  # fmt: skip
    told = Reply("Nur die Autorinnen …").in_thread_of(theirs.as_message())
    assert (told.direct_to, told.thread_id) == ("@ben:stadt.test", None)
