"""What every part of the Matrix adapter shares: the nio client and its state, the login,
retries, and the clean-up after a person is erased.

``MatrixAdapter`` (``adapters.matrix``) is put together from this base and the parts built on
it: invites (``matrix_invites``), sending the outbox (``matrix_outbox``) and the upkeep of
end-to-end keys (``matrix_keys``). ``_retry`` is how all of them call the homeserver: it waits
out rate limits and backs off on network errors and homeserver restarts. All parts log as
``adapters.matrix``: to an operator the adapter is one thing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

from aiohttp import ClientError
from nio import AsyncClient, AsyncClientConfig, ErrorResponse, LoginResponse, WhoamiResponse

from adapters.matrix_crypto import crypto_store_key
from adapters.matrix_crypto import forget_user as forget_in_crypto_store
from adapters.matrix_state import MatrixState
from bot.app import App
from bot.config import ConfigError, MatrixSettings, Settings
from bot.domain_events import PersonErased

log = logging.getLogger("adapters.matrix")
T = TypeVar("T")

TRANSIENT = (ClientError, TimeoutError, asyncio.TimeoutError, OSError)


@dataclass(frozen=True)
class Credentials:
    homeserver: str
    user_id: str
    password: str | None = None
    access_token: str | None = None
    device_id: str | None = None
    pickle_key: str | None = field(default=None, repr=False)  # encrypts the crypto store

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Credentials:
        homeserver, user = environ.get("MATRIX_HOMESERVER", ""), environ.get("MATRIX_USER_ID", "")
        password, token = environ.get("MATRIX_PASSWORD"), environ.get("MATRIX_ACCESS_TOKEN")
        if not homeserver.startswith(("http://", "https://")):
            raise ConfigError("MATRIX_HOMESERVER must be a URL such as https://matrix.stadt.de")
        if not (user.startswith("@") and ":" in user):
            raise ConfigError("MATRIX_USER_ID must be a full user id such as @lotse:stadt.de")
        if not (password or token):
            raise ConfigError("set MATRIX_PASSWORD or MATRIX_ACCESS_TOKEN for the Matrix login")
        return cls(
            homeserver,
            user,
            password,
            token,
            environ.get("MATRIX_DEVICE_ID"),
            environ.get("MATRIX_PICKLE_KEY"),
        )


@dataclass(frozen=True)
class Backoff:
    """Waits between attempts after network errors: doubling from ``first`` up to ``most``."""

    first: float = 0.5
    most: float = 15.0

    def delay(self, attempt: int) -> float:
        return float(min(self.most, self.first * 2 ** min(attempt, 16)))


class PermanentError(Exception):
    """The homeserver refused for good (no such room, forbidden): retrying cannot help."""


class MatrixBase:
    """The adapter's state and connection; the parts of ``MatrixAdapter`` build on it."""

    def __init__(
        self,
        app: App,
        settings: Settings,
        credentials: Credentials,
        *,
        backoff: Backoff = Backoff(),
        sync_timeout_ms: int = 30_000,
    ):
        self.app, self.settings, self.credentials = app, settings, credentials
        self.options: MatrixSettings = settings.matrix
        self.backoff, self.sync_timeout_ms = backoff, sync_timeout_ms
        self.folder = Path(settings.data_dir) / "matrix"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.state = MatrixState.load(self.folder / "state.json")
        if self.state.user_id not in (None, credentials.user_id):
            log.warning("matrix: the data dir belonged to another user; starting afresh")
            self.state = MatrixState(self.state.path)
        self.client = AsyncClient(
            credentials.homeserver,
            credentials.user_id,
            device_id=self.state.device_id or credentials.device_id,
            store_path=str(self.folder),
            config=AsyncClientConfig(
                max_limit_exceeded=0,  # rate limits and timeouts are handled in _retry
                max_timeouts=0,
                encryption_enabled=True,
                pickle_key=crypto_store_key(self.folder, credentials.pickle_key),
                store_sync_tokens=False,  # the sync token lives in MatrixState
                request_timeout=self.sync_timeout_ms / 1000 + 30,
            ),
        )
        self.idea_rooms: set[str] = set(settings.idea_rooms)
        self.next_due = 0.0
        self.draining = asyncio.Lock()  # the sync loop and the scheduled jobs both send
        self.waiting = False  # the outbox holds a reply for a room not synced yet
        self.due_task: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.loop = asyncio.get_running_loop()
        if app is not None:  # None: a settings check that never handles a message
            app.bot.subscribe(self._on_domain_event)
        self.due_task.set_result(None)
        self.joining: dict[str, asyncio.Task[None]] = {}
        self.follow_ups: set[asyncio.Task[None]] = set()  # slow work of handled events
        self.erased: dict[str, str | None] = {}  # user id -> the direct room they had

    @property
    def me(self) -> str:
        return self.credentials.user_id

    def _on_domain_event(self, event: object) -> None:
        """Told from the worker thread that handled the message: the state belongs to the loop."""
        if isinstance(event, PersonErased) and event.platform == "matrix":
            self.loop.call_soon_threadsafe(self._forget, event.user_id)

    def _forget(self, user_id: str) -> None:
        self.erased[user_id] = self.state.direct_rooms.get(user_id)
        self.state.forget(user_id)
        self.state.save()

    async def _leave_erased(self) -> None:
        """Once the replies to an erased person are out: leave the direct room that was only
        theirs and drop their keys and sessions from the crypto store."""
        if self.waiting:
            return
        while self.erased:
            user_id, room_id = self.erased.popitem()
            if room_id is not None:  # forgotten too: nio then holds no room they share with it
                await self._retry(partial(self.client.room_leave, room_id), "leave", True)
                await self._retry(partial(self.client.room_forget, room_id), "forget", True)
            try:
                forget_in_crypto_store(self.client, user_id)
            except Exception:  # the erasure itself is done; this must not stop the bot
                log.exception("matrix: could not remove an erased person from the crypto store")

    async def login(self) -> None:
        creds = self.credentials
        if creds.access_token:
            self.client.access_token = creds.access_token
            who = await self._retry(self.client.whoami, "whoami", permanent_ok=True)
            if not isinstance(who, WhoamiResponse) or who.user_id != creds.user_id:
                raise ConfigError(f"MATRIX_ACCESS_TOKEN is not valid for {creds.user_id}")
            device = who.device_id or creds.device_id
            if not device:
                raise ConfigError("set MATRIX_DEVICE_ID: the access token names no device")
            self.client.restore_login(creds.user_id, device, creds.access_token)
        else:
            assert creds.password is not None
            password = creds.password
            response = await self._retry(
                lambda: self.client.login(password, device_name="Ideenlotse"),
                "login",
                permanent_ok=True,
            )
            if not isinstance(response, LoginResponse):
                raise ConfigError(f"Matrix login as {creds.user_id} failed: {response}")
        self.state.user_id, self.state.device_id = creds.user_id, self.client.device_id
        self.state.save()
        log.info("matrix: logged in as %s, device %s", creds.user_id, self.client.device_id)
        if self.client.should_upload_keys:
            await self._retry(self.client.keys_upload, "keys upload")

    async def _retry(
        self, call: Callable[[], Awaitable[T]], what: str, permanent_ok: bool = False
    ) -> T:
        """Call until it succeeds: wait out rate limits, back off on network errors.

        A refusal (an ``ErrorResponse`` other than a rate limit or a server error) is returned
        when ``permanent_ok``, else raised as ``PermanentError``.
        """
        attempt = 0
        while True:
            try:
                response = await call()
            except TRANSIENT as exc:
                wait = self.backoff.delay(attempt)
                name = type(exc).__name__
                log.warning("matrix: %s failed (%s); retrying in %.1f s", what, name, wait)
                attempt += 1
                await asyncio.sleep(wait)
                continue
            if not isinstance(response, ErrorResponse):
                return response
            if response.status_code == "M_LIMIT_EXCEEDED":
                wait = (response.retry_after_ms or 1000) / 1000
                log.info("matrix: rate limited on %s; waiting %.1f s", what, wait)
            elif response.status_code in (None, "M_UNKNOWN") and attempt < 8:
                wait = self.backoff.delay(attempt)  # a proxy's 502 while the server restarts
                log.warning("matrix: %s got %s; retrying in %.1f s", what, response, wait)
            elif permanent_ok:
                return response
            else:
                raise PermanentError(f"{what}: {response}")
            attempt += 1
            await asyncio.sleep(wait)
