"""How every part of the Matrix adapter calls the homeserver: until it answers.

Rate limits are waited out (``retry_after_ms``), network errors and a restarting homeserver
(a proxy's 502) get a back-off, and a refusal for good is a value or a ``PermanentError``. One
``Retrying`` is made by the adapter and handed to each part that calls the homeserver (login,
sync, invites, key upkeep, delivery), so all of them wait alike.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from aiohttp import ClientError
from nio import ErrorResponse

log = logging.getLogger("adapters.matrix")
T = TypeVar("T")

TRANSIENT = (ClientError, TimeoutError, asyncio.TimeoutError, OSError)


@dataclass(frozen=True)
class Backoff:
    """Waits between attempts after network errors: doubling from ``first`` up to ``most``."""

    first: float = 0.5
    most: float = 15.0

    def delay(self, attempt: int) -> float:
        return float(min(self.most, self.first * 2 ** min(attempt, 16)))


class PermanentError(Exception):
    """The homeserver refused for good (no such room, forbidden): retrying cannot help."""


@dataclass(frozen=True)
class Retrying:
    """Calls to the homeserver, retried with ``backoff``; tests make the waits short."""

    backoff: Backoff = Backoff()

    async def __call__(
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
            elif _server_failed(response) and attempt < 8:
                wait = self.backoff.delay(attempt)  # a proxy's 502 while the server restarts
                log.warning("matrix: %s got %s; retrying in %.1f s", what, response, wait)
            elif permanent_ok:
                return response
            else:
                raise PermanentError(f"{what}: {response}")
            attempt += 1
            await asyncio.sleep(wait)


def _server_failed(response: ErrorResponse) -> bool:
    """The server or a proxy failed (HTTP 5xx, or no Matrix error code): worth a retry. A 4xx
    with ``M_UNKNOWN`` refuses this very request ("Cannot start threads from an event with a
    relation"): retrying it held up every other reply for a minute (trial 29)."""
    status = getattr(response.transport_response, "status", None)
    if isinstance(status, int) and status < 500:
        return False
    return response.status_code in (None, "M_UNKNOWN")
