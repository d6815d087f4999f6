"""``serve`` in Socket Mode: apps.connections.open on the double, then a local websocket."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters import slack
from bot.config import ConfigError, Settings
from tests.conftest import FakeClock
from tests.slack import payloads
from tests.slack.rig import LoopThread, build_app, posted_text
from tests.slack.socket_server import SocketModeServer
from tests.slack.web_api import WebApiDouble


@pytest.fixture
def socket_server() -> Iterator[SocketModeServer]:
    server = SocketModeServer().start()
    yield server
    server.stop()


def test_socket_mode_end_to_end(
    tmp_path: Path,
    slack_settings: Settings,
    web_api: WebApiDouble,
    socket_server: SocketModeServer,
    clock: FakeClock,
) -> None:
    web_api.socket_url = socket_server.url
    app = build_app(tmp_path / "data", slack_settings, clock)
    environ = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_APP_TOKEN": "xapp-test-token",
        "SLACK_API_URL": web_api.url.rstrip("/"),
    }
    loop = LoopThread()

    async def start() -> asyncio.Task[None]:
        return asyncio.create_task(slack.serve(app, slack_settings, environ))

    running = loop.run(start())
    try:
        assert socket_server.wait_connected()
        opened = web_api.called("apps.connections.open")  # the token check, then the socket
        assert [call.authorization for call in opened] == ["Bearer xapp-test-token"] * 2

        event = payloads.message(
            "UANNA", "Wie beantrage ich einen Laptop?", "DUANNA", "1.000001", channel_type="im"
        )
        body = {"type": "event_callback", "team_id": "T0STADT", "event": event, "event_id": "Ev1"}
        socket_server.send_envelope("env-1", "events_api", body)
        assert socket_server.wait_ack("env-1")
        [reply, *_] = web_api.wait_for("chat.postMessage", 3)  # the asker, the CDO, the CIO
        assert reply.params["channel"] == "DUANNA"
        assert "Ihre Frage ist als *#1* gespeichert" in posted_text(reply)

        command = {
            "command": "/lotse",
            "text": "suche Laptop",
            "user_id": "UANNA",
            "channel_id": "CIDEEN",
            "trigger_id": "trig-1",
            "team_id": "T0STADT",
        }
        socket_server.send_envelope("env-2", "slash_commands", command)
        assert socket_server.wait_ack("env-2")
        found = web_api.wait_for("chat.postMessage", 4)[3]
        assert found.params["channel"] == "CIDEEN" and "Laptop" in posted_text(found)
    finally:
        loop.close()  # cancels serve, which closes the socket and the Bolt app
        assert running.cancelled()
        app.close()


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "set SLACK_APP_TOKEN (xapp-…) for Socket Mode"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-wrong"}, "SLACK_APP_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_HTTP_PORT": "3000"}, "needs SLACK_SIGNING_SECRET"),
        (
            {"SLACK_BOT_TOKEN": "x", "SLACK_HTTP_PORT": "http", "SLACK_SIGNING_SECRET": "s"},
            "SLACK_HTTP_PORT must be a port number",
        ),
        (
            {"SLACK_BOT_TOKEN": "x", "SLACK_APP_TOKEN": "xapp-1", "SLACK_API_URL": "slack.com"},
            "SLACK_API_URL must be an http(s) URL",
        ),
    ],
)
def test_bad_settings_are_one_clear_error(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=r"^Slack: ") as raised:
        slack.SlackConfig.from_environ(environ)
    assert message in str(raised.value)
    for secret in ("xoxb-1", "xoxb-wrong", "xapp-1"):
        assert secret not in str(raised.value)


def test_serve_raises_config_error_before_connecting(settings: Settings) -> None:
    with pytest.raises(ConfigError):
        asyncio.run(slack.serve(None, settings, {}))  # type: ignore[arg-type]


def test_config_from_the_environment() -> None:
    http = slack.SlackConfig.from_environ(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_HTTP_PORT": "3000",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": "https://slack-gov.com/api",
        }
    )
    assert (http.http_port, http.api_url, http.app_token) == (
        3000,
        "https://slack-gov.com/api/",
        None,
    )
    socket = slack.SlackConfig.from_environ({"SLACK_BOT_TOKEN": "x", "SLACK_APP_TOKEN": "xapp-1"})
    assert (socket.http_port, socket.api_url) == (None, "https://slack.com/api/")


@pytest.mark.parametrize(
    ("refused", "mode"),
    [
        ("auth.test", {}),
        ("apps.connections.open", {}),
        ("auth.test", {"SLACK_HTTP_PORT": "0", "SLACK_SIGNING_SECRET": "s"}),
    ],
)
def test_a_refused_token_is_a_config_error(
    web_api: WebApiDouble, settings: Settings, refused: str, mode: dict[str, str]
) -> None:
    web_api.errors[(refused, "")] = "invalid_auth"
    environ = {
        "SLACK_BOT_TOKEN": "xoxb-old",
        "SLACK_APP_TOKEN": "xapp-old",
        "SLACK_API_URL": web_api.url,
        "SLACK_HTTP_HOST": "127.0.0.1",
        **mode,
    }
    with pytest.raises(ConfigError, match=r"^Slack refused the token: invalid_auth$"):
        asyncio.run(slack.serve(None, settings, environ))  # type: ignore[arg-type]


def test_unreachable_slack_is_a_config_error(settings: Settings) -> None:
    environ = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xapp-1",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    with pytest.raises(ConfigError, match=r"^Slack: cannot reach http://127\.0\.0\.1:9/api/"):
        asyncio.run(slack.serve(None, settings, environ))  # type: ignore[arg-type]
