"""Slack's Events API over HTTP: verify the signature, then parse, then hand the request to Bolt.

Bolt's own verification runs after Bolt has parsed the body and logs the body of each request
it refuses, so ``adapters.slack`` turns it off and this server verifies before either: no body
Slack did not sign is parsed or logged. Nothing of a body is logged at all, signed or not (it
is what people wrote), and a signed body that is no Slack payload is a 400, not a traceback
and a 500. Socket Mode needs none of this: Slack's socket carries only what Slack sent.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# What Slack posts: events as JSON, slash commands and interactivity as a form.
CONTENT_TYPES = ("application/json", "application/x-www-form-urlencoded")


def is_signed(verifier: SignatureVerifier, body: bytes, headers: Mapping[str, str]) -> bool:
    """Slack's signature of ``body``, made in the last five minutes (an older one is a replay).

    The verifier raises on a timestamp that is no number, a signature that is not ASCII and
    a body that is not UTF-8: none of them is anything Slack signed, and an exception here
    would give anybody a 500 and a traceback in the log.
    """
    timestamp = headers.get("X-Slack-Request-Timestamp")
    signature = headers.get("X-Slack-Signature")
    try:
        return verifier.is_valid(body, timestamp, signature)
    except (ValueError, TypeError):
        return False


def bolt_request(body: bytes, request: web.Request) -> AsyncBoltRequest | None:
    """Bolt's request for a signed ``body``; None if it is not a payload Slack sends.

    Bolt parses the body in the constructor and fails with what it runs into: bad UTF-8 or
    JSON (ValueError), JSON that is no object or has fields of the wrong shape (AttributeError,
    TypeError).
    """
    if request.content_type not in CONTENT_TYPES:
        return None
    try:
        return AsyncBoltRequest(
            body=body.decode(), query=request.query_string, headers=dict(request.headers)
        )
    except (ValueError, AttributeError, TypeError):
        return None


class EventsServer:
    """One route, ``EVENTS_PATH``, that passes Bolt only what Slack signed."""

    def __init__(self, bolt: AsyncApp, signing_secret: str, host: str, port: int):
        self.bolt = bolt
        self.host, self.port = host, port  # port 0: a free one, known once started
        self._verifier = SignatureVerifier(signing_secret)
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Listen; the port it listens on."""
        server = web.Application()
        server.router.add_post(EVENTS_PATH, self._on_request)
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        log.info("slack: Events API at http://%s:%s%s", self.host, self.port, EVENTS_PATH)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _on_request(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not is_signed(self._verifier, body, request.headers):
            log.info("slack: refused a request from %s without a valid signature", request.remote)
            return web.json_response({"error": "invalid request"}, status=401)
        parsed = bolt_request(body, request)
        if parsed is None:
            log.warning("slack: refused a signed request that is no Slack payload")
            return web.json_response({"error": "malformed request"}, status=400)
        return await to_aiohttp_response(await self.bolt.async_dispatch(parsed))
