"""The shared scenario table on the console and on Slack, and the two runs compared.

The console run goes through adapters/console.py (clicks as the Action a button stands for);
the Slack run goes through the real Bolt app with signed requests and the Web API double
(clicks as block_actions, typed answers through the modal). Both use the same App wiring
with the hashing encoder, so what differs can only be the adapters.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.console import ROOM as CONSOLE_ROOM
from adapters.console import ConsoleChat
from bot.config import Settings
from bot.events import Action, Button, Message, Reply, Sender
from tests.conftest import FakeClock
from tests.scenarios import PEOPLE, ROOM, SCENARIOS, Delivered, Scenario, Step, missing, plain
from tests.slack import payloads
from tests.slack.rig import IDEAS, ROLES, USERS, SlackRig, build_app, posted_text, slack_id
from tests.slack.web_api import Call, WebApiDouble


class ConsoleRun:
    def __init__(self, tmp_path: Path, clock: FakeClock):
        roles = {name: p.role for name, p in PEOPLE.items() if p.role}
        settings = Settings(data_dir=tmp_path / "console", roles=roles)
        self.app = build_app(settings.data_dir, settings, clock)
        self.chats = {
            name: ConsoleChat(self.app.bot, self.sender(name), io.StringIO()) for name in PEOPLE
        }
        self.seen: list[tuple[Delivered, tuple[Button, ...]]] = []
        self.ids = itertools.count(1)

    @staticmethod
    def sender(name: str) -> Sender:
        return Sender(name, PEOPLE[name].name, PEOPLE[name].department)

    def step(self, step: Step) -> list[Delivered]:
        where = ROOM
        if step.click is not None:
            where, button = self.find(step.who, step.click)
            command = button.command + (f" {step.typed}" if step.typed else "")
            click = Action(
                "console",
                f"click{next(self.ids)}",
                self.sender(step.who),
                command,
                room=CONSOLE_ROOM,
            )
            replies = self.app.bot.handle(click)
        elif step.direct:
            assert step.says is not None
            message = Message(
                "console", f"dm{next(self.ids)}", self.sender(step.who), step.says, is_direct=True
            )
            replies, where = self.app.bot.handle(message), step.who
        else:
            assert step.says is not None
            replies = self.chats[step.who].say(step.says)
        return [self.deliver(reply, where) for reply in replies]

    def deliver(self, reply: Reply, where: str) -> Delivered:
        to = reply.direct_to or (ROOM if reply.room is not None else where)
        delivered = Delivered(to, plain(reply.text), tuple(b.label for b in reply.buttons))
        self.seen.append((delivered, reply.buttons))
        return delivered

    def find(self, who: str, label: str) -> tuple[str, Button]:
        for delivered, buttons in reversed(self.seen):
            if delivered.to in (who, ROOM):
                for button in buttons:
                    if button.label == label:
                        return delivered.to, button
        raise AssertionError(f"{who} sees no button {label!r}")

    def close(self) -> None:
        self.app.close()


class SlackRun:
    def __init__(self, tmp_path: Path, clock: FakeClock, web_api: WebApiDouble):
        settings = Settings(data_dir=tmp_path / "slack", idea_rooms=(IDEAS,), roles=dict(ROLES))
        self.app = build_app(settings.data_dir, settings, clock)
        self.web_api = web_api
        self.rig = SlackRig(self.app, settings, web_api, due_every=3600)
        self.names = {f"D{slack_id(name)}": name for name in PEOPLE}

    def step(self, step: Step) -> list[Delivered]:
        before = len(self.web_api.posts())
        user = slack_id(step.who)
        if step.click is not None:
            post = self.find(step.who, step.click)
            opened = len(self.web_api.called("views.open"))
            self.rig.click(user, post, step.click)
            if step.typed is not None:
                view = self.web_api.called("views.open")[opened].params["view"]
                submission = payloads.view_submission(user, view, f"V{before}", step.typed)
                assert self.rig.interact(submission)[0] == 200
        else:
            assert step.says is not None
            channel = f"D{user}" if step.direct else IDEAS
            self.rig.say(user, step.says, channel=channel)
        return [self.delivered(call) for call in self.web_api.posts()[before:]]

    def delivered(self, call: Call) -> Delivered:
        to = self.names.get(call.params["channel"], ROOM)
        return Delivered(to, plain(posted_text(call)), labels(call))

    def find(self, who: str, label: str) -> Call:
        for call in reversed(self.web_api.posts()):
            if self.delivered(call).to in (who, ROOM) and label in labels(call):
                return call
        raise AssertionError(f"{who} sees no button {label!r}")

    def close(self) -> None:
        self.rig.close()
        self.app.close()


def labels(call: Call) -> tuple[str, ...]:
    return tuple(
        element["text"]["text"]
        for block in call.params.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
    )


@pytest.fixture
def web_api() -> Iterator[WebApiDouble]:
    double = WebApiDouble(users=dict(USERS)).start()
    yield double
    double.stop()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario_on_console_and_slack(
    scenario: Scenario, tmp_path: Path, clock: FakeClock, web_api: WebApiDouble
) -> None:
    console, slack = ConsoleRun(tmp_path, clock), SlackRun(tmp_path, clock, web_api)
    try:
        for number, step in enumerate(scenario.steps, 1):
            on_console, on_slack = console.step(step), slack.step(step)
            assert missing(step, on_console) == [], f"console, step {number}: {on_console}"
            assert missing(step, on_slack) == [], f"slack, step {number}: {on_slack}"
            assert on_slack == on_console, f"step {number} differs between the platforms"
    finally:
        console.close()
        slack.close()
