"""Slack: a slack-bolt AsyncApp over Socket Mode (default) or the HTTP Events API.

Over the Events API, signatures and timestamps are verified before anything parses or logs
the body (``adapters.slack_http``); Bolt acknowledges within Slack's three seconds and runs
our listeners after the ack; the listeners only translate (``adapters.slack_events``), call
the core off the event loop, then send what the outbox holds for Slack (``adapters.drain``):
the core commits its replies there with the event, so a crash before or while posting loses
nothing - the next start posts it - and Slack's retry of the event is a replay the core skips.
Rate limits are waited out by slack_sdk's retry handler, so a 429 delays a reply but never
drops it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    async_default_handlers,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters import slack_events as events
from adapters.drain import drain
from adapters.slack_blocks import (
    ACTION_PREFIX,
    MODAL_CALLBACK,
    MODAL_INPUT,
    ModalOrigin,
    needs_text,
    submitted_text,
    text_modal,
)
from adapters.slack_http import EventsServer
from adapters.slack_people import Directory
from adapters.slack_post import Poster
from adapters.slack_text import mentioned_users, mentions
from bot.app import App
from bot.config import ConfigError, Settings
from bot.delivery import NotDelivered
from bot.events import Action, Message, Reply
from bot.i18n import Translator

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
DUE_EVERY = 30.0  # seconds between looks at scheduled replies (reminders, digest) and retries
RATE_LIMIT_RETRIES = 20  # Retry-After is honoured each time; only a storm gives up


@dataclass(frozen=True)
class SlackConfig:
    """Connection settings, from the environment only (tokens are secrets)."""

    bot_token: str
    app_token: str | None = None
    signing_secret: str | None = None
    http_port: int | None = None  # set: HTTP Events API on this port instead of Socket Mode
    http_host: str = "0.0.0.0"
    api_url: str = DEFAULT_API_URL

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> SlackConfig:
        token = environ.get("SLACK_BOT_TOKEN", "").strip()
        if not token:
            raise ConfigError("Slack: SLACK_BOT_TOKEN is not set")
        api_url = environ.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
        if not re.match(r"^https?://[^/\s]+", api_url):
            raise ConfigError(f"Slack: SLACK_API_URL must be an http(s) URL, not {api_url!r}")
        api_url = api_url.rstrip("/") + "/"
        raw_port = environ.get("SLACK_HTTP_PORT", "").strip()
        secret = environ.get("SLACK_SIGNING_SECRET", "").strip() or None
        host = environ.get("SLACK_HTTP_HOST", "").strip() or "0.0.0.0"
        if raw_port:
            if not raw_port.isdigit() or int(raw_port) > 65535:
                raise ConfigError(f"Slack: SLACK_HTTP_PORT must be a port number, not {raw_port!r}")
            if secret is None:
                raise ConfigError(
                    "Slack: the Events API (SLACK_HTTP_PORT) needs SLACK_SIGNING_SECRET"
                )
            return cls(token, None, secret, int(raw_port), host, api_url)
        app_token = environ.get("SLACK_APP_TOKEN", "").strip()
        if not app_token.startswith("xapp-"):
            raise ConfigError(
                "Slack: set SLACK_APP_TOKEN (xapp-…) for Socket Mode, "
                "or SLACK_HTTP_PORT and SLACK_SIGNING_SECRET for the Events API"
            )
        return cls(token, app_token, secret, None, host, api_url)


def web_client(config: SlackConfig) -> AsyncWebClient:
    rate_limits = AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
    return AsyncWebClient(
        token=config.bot_token,
        base_url=config.api_url,
        retry_handlers=[*async_default_handlers(), rate_limits],
    )


class SlackAdapter:
    """One workspace: the Bolt app, its listeners, delivery of replies and the due loop."""

    def __init__(
        self, app: App, settings: Settings, config: SlackConfig, *, due_every: float = DUE_EVERY
    ):
        self.app = app
        self.settings = settings
        self.config = config
        self.due_every = due_every
        self.client = web_client(config)
        # Bolt's own verification runs after Bolt has parsed the body and logs the body of
        # each request it refuses; EventsServer verifies before either (Socket Mode needs none).
        # Requests no listener takes go to _on_bolt_error, not to Bolt's warning quoting them.
        self.bolt = AsyncApp(
            client=self.client,
            request_verification_enabled=False,
            raise_error_for_unhandled_request=True,
            logger=logging.getLogger("slack_bolt"),
        )
        self.bolt.error(self._on_bolt_error)
        # Its only message is a debug line quoting the bot's own event it skips, text and all.
        logging.getLogger("slack_bolt.IgnoringSelfEvents").setLevel(logging.INFO)
        self.directory = Directory(self.client)
        self.poster = Poster(self.client)
        self.port: int | None = None
        self._draining = asyncio.Lock()  # listeners and the due loop: one drain at a time
        self._tasks: set[asyncio.Task[None]] = set()
        self._http: EventsServer | None = None
        if config.http_port is not None:
            secret = config.signing_secret or ""
            self._http = EventsServer(self.bolt, secret, config.http_host, config.http_port)
        self._socket: AsyncSocketModeHandler | None = None
        self._settled = 0
        self._settled_change = threading.Condition()
        self._register()

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Check the tokens, then listen; a refused token or no Slack is a ConfigError."""
        try:
            identity = await self.client.auth_test()
            log.info("slack: signed in as %s", identity.get("user_id"))
            if self._http is not None:
                self.port = await self._http.start()
            else:
                app_token = self.config.app_token or ""
                # Checked once here: the socket client itself retries a refused token forever.
                await self.client.apps_connections_open(app_token=app_token)
                self._socket = AsyncSocketModeHandler(self.bolt, app_token)
                await self._socket.connect_async()
                log.info("slack: connected in Socket Mode")
        except SlackApiError as exc:
            await self.stop()
            raise ConfigError(f"Slack refused the token: {exc.response.get('error')}") from exc
        except (aiohttp.ClientError, OSError) as exc:
            await self.stop()
            raise ConfigError(f"Slack: cannot reach {self.config.api_url}: {exc}") from exc
        self._keep(asyncio.create_task(self._due_loop()))

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._socket is not None:
            await self._socket.close_async()
        if self._http is not None:
            await self._http.stop()

    async def _on_bolt_error(self, error: Exception) -> None:
        """Bolt's errors by kind only: its default handlers log the payload or quote it."""
        if isinstance(error, BoltUnhandledRequestError):
            log.warning("slack: no listener takes a request Slack sent; answered 404")
        else:
            log.error("slack: Bolt failed on a request: %s", type(error).__name__)

    def _keep(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- what tests and monitoring may wait for --------------------------------------------

    @property
    def settled(self) -> int:
        """Requests a listener has finished with: replies delivered, ignored, or failed."""
        return self._settled

    def wait_settled(self, count: int, timeout: float = 30.0) -> bool:
        with self._settled_change:
            return self._settled_change.wait_for(lambda: self._settled >= count, timeout)

    def _settle(self) -> None:
        with self._settled_change:
            self._settled += 1
            self._settled_change.notify_all()

    # -- listeners (Bolt passes arguments by name) -----------------------------------------

    def _register(self) -> None:
        bolt, counted = self.bolt, self._counted
        bolt.command(re.compile(r"^/"))(counted(self._on_command))
        bolt.event("app_mention")(counted(self._on_mention))
        bolt.event("message")(counted(self._on_message))
        bolt.action(re.compile(f"^{re.escape(ACTION_PREFIX)}"))(counted(self._on_button))
        bolt.view(MODAL_CALLBACK)(counted(self._on_modal))

    def _counted(self, listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """The listener, settled when it ends; a malformed payload is logged, never raised."""

        @functools.wraps(listener)  # Bolt reads the wrapped listener's argument names
        async def run(*args: Any, **kwargs: Any) -> None:
            try:
                await listener(*args, **kwargs)
            except Exception:
                log.exception("slack: listener %s failed", listener.__name__)
            finally:
                self._settle()

        return run

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        user = events.user_of(body)
        if user is None or not body.get("trigger_id"):
            return
        sender = await self.directory.sender(user)
        message = events.to_command(body, sender, self.settings.command_prefix)
        await self._process(message, idea_room=message.is_direct, origin=message.room, user=user)

    async def _on_mention(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        if events.is_person_message(event):
            await self._on_person_message(event, context.bot_user_id, idea_room=True)

    async def _on_message(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        if (edited := events.edit_of(event)) is not None:
            sender = await self.directory.sender(edited["user"])
            names = await self.directory.names(mentioned_users(str(edited.get("text") or "")))
            message = events.to_edit(edited, sender, context.bot_user_id, names)
            await self._process(message, idea_room=False, origin=message.room, user=sender.user_id)
            return
        if not events.is_person_message(event):
            return
        bot_user = context.bot_user_id
        direct = events.is_direct_channel(event["channel"], event.get("channel_type"))
        if not direct:
            if bot_user is not None and mentions(str(event.get("text") or ""), bot_user):
                return  # the app_mention event for the same message handles it
            if not self.settings.is_idea_room(event["channel"]):
                return
        # In an idea channel a top-level post is an idea or a question; replies in a thread
        # are conversation, in which only commands are taken up.
        await self._on_person_message(event, bot_user, idea_room=not events.is_threaded(event))

    async def _on_person_message(
        self, event: dict[str, Any], bot_user: str | None, *, idea_room: bool
    ) -> None:
        sender = await self.directory.sender(event["user"])
        names = await self.directory.names(mentioned_users(str(event.get("text") or "")))
        message = events.to_message(event, sender, bot_user, names)
        await self._process(message, idea_room=idea_room, origin=message.room, user=sender.user_id)

    async def _on_button(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user, command = events.user_of(body), action.get("value")
        if user is None or not isinstance(command, str) or not body.get("trigger_id"):
            return
        channel, parent = events.button_origin(body)
        if needs_text(command, self.settings.command_prefix):
            title = (action.get("text") or {}).get("text") or command
            origin = ModalOrigin(command, channel, parent, events.clicked_for_another(body))
            view = text_modal(self._translator(), title, origin)
            try:
                await self.client.views_open(trigger_id=body["trigger_id"], view=view)
            except SlackApiError as exc:
                log.warning("slack: views.open failed: %s", exc.response.get("error"))
            return
        sender = await self.directory.sender(user)
        click = events.to_action(body, command, sender)
        await self._process(click, idea_room=False, origin=channel, user=user)

    async def _on_modal(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        text = submitted_text(view)
        if not text:
            await ack(
                response_action="errors", errors={MODAL_INPUT: self._translator()("slack.empty")}
            )
            return
        await ack()
        user = events.user_of(body)
        origin = ModalOrigin.load(str(view.get("private_metadata") or ""))
        if user is None or origin is None or not view.get("id"):
            log.warning("slack: modal submission without its origin ignored")
            return
        sender = await self.directory.sender(user)
        submission = Action(
            events.PLATFORM,
            f"view:{view['id']}",
            sender,
            f"{origin.command} {text}",
            room=origin.channel,
            thread_id=origin.thread_ts,
            answer_privately=origin.privately,
        )
        await self._process(submission, idea_room=False, origin=origin.channel, user=user)

    def _translator(self) -> Translator:
        return self.settings.translator()

    # -- the core, then delivery -----------------------------------------------------------

    async def _process(
        self, event: Message | Action, *, idea_room: bool, origin: str | None, user: str
    ) -> None:
        handled = await asyncio.to_thread(self.app.bot.process, event, idea_room=idea_room)
        if not handled.queued:
            await self.deliver(handled.replies, origin=origin, user=user)
        await self.drain()

    async def drain(self) -> None:
        """Post what the outbox holds for Slack: the replies just committed, and any that an
        earlier attempt or process left."""
        async with self._draining:
            await drain(self.app, events.PLATFORM, self.poster.deliver)

    async def deliver(
        self, replies: list[Reply], *, origin: str | None = None, user: str | None = None
    ) -> None:
        """Post replies that are not in the outbox; one that cannot be delivered is logged."""
        for reply in replies:
            try:
                await self.poster.post(reply, origin, user)
            except SlackApiError as exc:
                log.warning("slack: reply not delivered: %s", exc.response.get("error"))
            except NotDelivered as exc:
                log.warning("slack: reply not delivered: %s", exc.reason)

    async def _due_loop(self) -> None:
        """Drain at once (what an earlier process left), then look at the scheduled jobs and
        drain again, every ``due_every`` seconds."""
        while True:
            try:
                await self.drain()
            except Exception:
                log.exception("slack: sending from the outbox failed")
            await asyncio.sleep(self.due_every)
            try:
                await asyncio.to_thread(self.app.due)
            except Exception:
                log.exception("slack: scheduled replies failed")


async def serve(app: App, settings: Settings, environ: Mapping[str, str]) -> None:
    """Run the Slack adapter until cancelled; ConfigError for missing or bad settings."""
    adapter = SlackAdapter(app, settings, SlackConfig.from_environ(environ))
    await adapter.start()
    try:
        await asyncio.Event().wait()
    finally:
        await adapter.stop()
