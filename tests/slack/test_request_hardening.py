"""What reaches the Events API port and must not reach the log: request bodies (issue #15).

Every test logs everything at DEBUG, as ``ideenlotse -v`` with Bolt's loggers turned up
would, and then looks for the request's text in every captured record: the message, its
arguments and its traceback. A refused request is refused before its body is read; a signed
one that is no Slack payload is a 400, not a traceback and a 500.
"""

from __future__ import annotations

import hmac
import logging
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from tests.slack import payloads
from tests.slack.rig import IDEAS, SlackRig, posted_text
from tests.slack.web_api import BOT_USER

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Everything, from the start: Bolt copies the level to its loggers when the app is built."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="slack_bolt")
    return caplog


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Each captured record as a handler would write it, traceback included, plus its parts."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    texts = []
    for record in caplog.records:
        texts.append(formatter.format(record))
        texts.append(f"{record.msg} {record.args!r} {record.exc_text or ''}")
    return texts


def assert_not_logged(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    for text in logged(caplog):
        for secret in secrets:
            assert secret not in text, f"{secret!r} logged: {text!r}"


def event_body(text: str, channel: str = IDEAS, user: str = "UANNA") -> str:
    event = payloads.message(user, text, channel, "1700002000.000001")
    return payloads.event_callback(event, "EvHARDENING")


def test_unsigned_body_is_refused_unread(rig: SlackRig, caplog: pytest.LogCaptureFixture) -> None:
    body = "text=GEHEIMER TEXT\nFAKE LOG LINE"  # a raw newline, to forge a second log line
    forged = payloads.signed_headers(body, secret="not-the-secret")
    assert rig.post(body, FORM, headers={})[0] == 401
    assert rig.post(body, FORM, headers=forged)[0] == 401
    assert rig.post(body, FORM, headers={**forged, "X-Slack-Request-Timestamp": "jetzt"})[0] == 401
    assert rig.post(body, FORM, headers={**forged, "X-Slack-Signature": "v0=ä"})[0] == 401
    broken = '{"text": "GEHEIMER TEXT", '  # checked before it is parsed: 401, not a 500
    assert rig.post(broken, JSON, headers={})[0] == 401
    assert_not_logged(caplog, "GEHEIMER", "FAKE LOG LINE", "\nFAKE")
    assert all(record.exc_info is None for record in caplog.records)
    assert rig.app.store.count_ideas() == 0 and rig.web_api.posts() == []


def test_signed_but_stale_request_is_refused_unread(
    rig: SlackRig, caplog: pytest.LogCaptureFixture
) -> None:
    body = event_body("Vertraulicher Inhalt")
    stale = int(time.time()) - 10 * 60
    assert rig.post(body, JSON, timestamp=stale)[0] == 401
    assert_not_logged(caplog, "Vertraulich", "EvHARDENING")
    assert rig.app.store.count_ideas() == 0 and rig.web_api.posts() == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"type": "event_callback", "event": {"text": "Kaputtes Geheimnis"', JSON),
        ('["Kaputtes Geheimnis"]', JSON),  # JSON, but no object
        ('"Kaputtes Geheimnis"', JSON),
        (urlencode({"payload": '{"type": "block_actions", "Kaputtes Geheimnis'}), FORM),
        (urlencode({"payload": '"Kaputtes Geheimnis"'}), FORM),
        ("Kaputtes Geheimnis", "text/plain"),  # no content type Slack sends
    ],
    ids=["bad-json", "json-list", "json-string", "bad-payload", "payload-string", "text-plain"],
)
def test_signed_malformed_body_is_a_400_without_traceback(
    rig: SlackRig, caplog: pytest.LogCaptureFixture, body: str, content_type: str
) -> None:
    assert rig.post(body, content_type)[0] == 400
    assert_not_logged(caplog, "Kaputt", "Geheimnis", "Traceback")
    assert all(record.exc_info is None for record in caplog.records)
    assert all(record.levelno < logging.ERROR for record in caplog.records)


def test_body_that_is_no_utf8_is_refused_as_unsigned(
    rig: SlackRig, caplog: pytest.LogCaptureFixture
) -> None:
    """slack_sdk's verifier takes UTF-8 only, as Slack sends; it must not raise on the rest."""
    body = b'{"text": "Geheimnis \xff"}'
    stamp = str(int(time.time()))
    signature = hmac.new(payloads.SECRET.encode(), b"v0:%s:%s" % (stamp.encode(), body), "sha256")
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + signature.hexdigest(),
    }
    request = urllib.request.Request(rig.url, body, {"Content-Type": JSON, **headers})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 401
    assert_not_logged(caplog, "Geheimnis", "Traceback")


def test_signed_requests_nobody_handles_are_not_quoted(
    rig: SlackRig, caplog: pytest.LogCaptureFixture
) -> None:
    legacy = {
        "type": "interactive_message",
        "callback_id": "fremd",
        "actions": [{"name": "x", "type": "button", "value": "Geheimer Wert"}],
        "user": {"id": "UANNA"},
    }
    assert rig.post(payloads.interaction(legacy), FORM)[0] == 404
    pinned = {"type": "pin_added", "user": "UANNA", "item": {"text": "Angeheftetes Geheimnis"}}
    assert rig.post(payloads.event_callback(pinned, "EvPIN"), JSON)[0] == 404
    assert_not_logged(caplog, "Geheim", "fremd", "pin_added")


def test_the_bots_own_events_are_skipped_unquoted(
    rig: SlackRig, caplog: pytest.LogCaptureFixture
) -> None:
    own = payloads.message(BOT_USER, "Eigene Antwort mit Geheimnis", IDEAS, rig.new_ts())
    own["bot_id"] = "BBOT"
    assert rig.post(payloads.event_callback(own, "EvSELF"), JSON) == (200, "")
    assert_not_logged(caplog, "Geheimnis")
    assert rig.web_api.posts() == []


def test_a_signed_event_is_still_handled_and_its_text_not_logged(
    rig: SlackRig, caplog: pytest.LogCaptureFixture
) -> None:
    idea = "Vertrauliche Idee: Parkausweise online beantragen"
    [post] = rig.say("UANNA", idea)
    assert "*#1* gespeichert" in posted_text(post)
    assert rig.app.store.ideas()[0].text == idea
    click = payloads.interaction(
        payloads.block_actions(
            "UBEN", {"action_id": "lotse:x", "value": "!hilfe"}, IDEAS, "1.2", "t"
        )
    )
    assert rig.post(click, FORM)[0] == 200
    rig.expected += 1
    rig.settle()
    assert_not_logged(caplog, "Vertraulich", "Parkausweise")
