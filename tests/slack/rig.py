"""The real Bolt app of the adapter, on a real port, with its Web API pointed at the double.

The adapter runs in its own event loop in a background thread, as it would in
``ideenlotse run``; the test thread sends signed HTTP requests to it like Slack does and
reads what the adapter posted back from the Web API double.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from adapters.slack import SlackAdapter, SlackConfig
from bot.app import App
from bot.config import Settings
from bot.core import Bot
from bot.questions import QuestionDesk
from bot.semantic import SemanticMatcher
from knowledge.open import open_store
from tests.conftest import FakeClock
from tests.fakes import HashingEncoder, hashing_thresholds
from tests.scenarios import PEOPLE
from tests.slack import payloads
from tests.slack.web_api import Call, WebApiDouble

T = TypeVar("T")
IDEAS = "CIDEEN"  # the configured idea channel


def slack_id(name: str) -> str:
    """The Slack user id of a person in tests/scenarios.py."""
    return "U" + name.upper()


ROLES = {slack_id(name): p.role for name, p in PEOPLE.items() if p.role}
USERS = {
    slack_id(name): {
        "id": slack_id(name),
        "name": name,
        "profile": {"display_name": p.name, "real_name": p.name},
        "enterprise_user": {"department": p.department} if p.department else {},
    }
    for name, p in PEOPLE.items()
}


def build_app(data_dir: Path, settings: Settings, clock: FakeClock) -> App:
    """The production App wiring with the hashing encoder and no router (fast, no model)."""
    store = open_store(data_dir)
    encoder = HashingEncoder()
    matcher = SemanticMatcher(encoder, clock=clock, thresholds=hashing_thresholds())
    desk = QuestionDesk(encoder, None, matcher)
    return App(store, matcher, Bot(store, settings, matcher=matcher, questions=desk, clock=clock))


class LoopThread:
    """An asyncio loop in a daemon thread; ``run`` waits for a coroutine's result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        """Cancel what is still running (and let it finish cancelling), then stop."""

        async def drain() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        self.run(drain())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


class SlackRig:
    def __init__(self, app: App, settings: Settings, web_api: WebApiDouble, due_every: float):
        self.app, self.web_api = app, web_api
        self.loop = LoopThread()
        config = SlackConfig(
            bot_token="xoxb-test-token",
            signing_secret=payloads.SECRET,
            http_port=0,
            http_host="127.0.0.1",
            api_url=web_api.url,
        )

        async def start() -> SlackAdapter:
            adapter = SlackAdapter(app, settings, config, due_every=due_every)
            await adapter.start()
            return adapter

        self.adapter = self.loop.run(start())
        self.url = f"http://127.0.0.1:{self.adapter.port}/slack/events"
        self.expected = 0  # requests a listener will take, so far
        self._ids = itertools.count(1)

    def close(self) -> None:
        self.loop.run(self.adapter.stop())
        self.loop.close()

    # -- raw requests ------------------------------------------------------------------------

    def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
    ) -> tuple[int, str]:
        """Send ``body`` signed (unless ``headers`` are given) and return status and body."""
        signed = payloads.signed_headers(body, timestamp=timestamp)
        sent = {"Content-Type": content_type, **(signed if headers is None else headers)}
        request = urllib.request.Request(self.url, body.encode(), sent, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def settle(self) -> None:
        assert self.adapter.wait_settled(self.expected, timeout=180), "the adapter never finished"

    # -- as Slack sends them -----------------------------------------------------------------

    def event(self, event: dict[str, Any], event_id: str | None = None, **headers: str) -> int:
        body = payloads.event_callback(event, event_id or f"Ev{next(self._ids):04d}")
        extra = {k.replace("_", "-"): v for k, v in headers.items()}
        status, _ = self.post(
            body, "application/json", headers={**payloads.signed_headers(body), **extra}
        )
        self.expected += 1
        self.settle()
        return status

    def command(self, user: str, text: str, channel: str = IDEAS) -> int:
        body = payloads.slash_command(user, text, channel, f"trig-{next(self._ids)}")
        status, _ = self.post(body, "application/x-www-form-urlencoded")
        self.expected += 1
        self.settle()
        return status

    def interact(self, payload: dict[str, Any]) -> tuple[int, str]:
        answer = self.post(payloads.interaction(payload), "application/x-www-form-urlencoded")
        self.expected += 1
        self.settle()
        return answer

    def new_ts(self) -> str:
        return f"1700001000.{next(self._ids):06d}"

    def say(self, user: str, text: str, channel: str = IDEAS, **options: Any) -> list[Call]:
        """A person's message (top level unless ``thread_ts``); returns the bot's posts."""
        before = len(self.web_api.posts())
        kind = "im" if channel.startswith("D") else "channel"
        event = payloads.message(user, text, channel, self.new_ts(), channel_type=kind, **options)
        assert self.event(event) == 200
        return self.web_api.posts()[before:]

    def click(self, user: str, post: Call, label: str, trigger: str | None = None) -> Call:
        """Click the button labelled ``label`` in the recorded ``post``; returns the request."""
        buttons = [
            (block.get("block_id", "b1"), element)
            for block in post.params["blocks"]
            if block["type"] == "actions"
            for element in block["elements"]
        ]
        [(block_id, button)] = [(i, b) for i, b in buttons if b["text"]["text"] == label]
        thread = post.params.get("thread_ts")
        payload = payloads.block_actions(
            user,
            button,
            post.params["channel"],
            self.new_ts(),
            trigger or f"trig-{next(self._ids)}",
            thread_ts=thread,
            block_id=block_id,
        )
        status, _ = self.interact(payload)
        assert status == 200
        return post


def posted_text(call: Call) -> str:
    """What a person reads: the section texts of the blocks."""
    return "\n".join(
        block["text"]["text"] for block in call.params["blocks"] if block["type"] == "section"
    )


def dump(calls: list[Call]) -> str:
    return json.dumps([c.params for c in calls], ensure_ascii=False, indent=1)
