"""The frame of every cockpit request (aiohttp): sessions, CSRF, security headers, pages.

Every request is looked at in one place (``guard``) before a page sees it, as the bot's core
does for chat events: who holds the session cookie, and for every form whether it carries the
session's CSRF token. The store is asked off the event loop (``asyncio.to_thread``): a
digest or an import may hold it for a while.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from aiohttp import web

from adapters.web.render import html
from bot import lagebild
from bot.app import App
from bot.config import Settings
from bot.i18n import Translator
from bot.lagebild import CurrentRoles, Viewer
from bot.lagebild_map import Landscapes

log = logging.getLogger(__name__)

COOKIE = "lagebild"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Pages come from this server only, with no script and no framing by other sites.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self';"
    " script-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a login link's token never leaves in a Referer
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class Notice:
    """A reply of the bot shown once on the next page (after a form was sent)."""

    text: str
    confirm: str | None = None  # the erasure's confirmation code, for its form


@dataclass
class Cockpit:
    """What the pages share: the bot's app, the roles as configured now, the theme map."""

    app: App
    roles: CurrentRoles
    landscapes: Landscapes
    secure: bool  # served behind TLS: cookies are Secure
    notices: dict[str, list[Notice]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def settings(self) -> Settings:
        return self.roles()

    def now(self) -> datetime:
        return self.app.bot.clock()

    def translator(self, who: Viewer | None = None) -> Translator:
        return self.settings.translator(who.person.language if who else None)

    def tell(self, token: str, notice: Notice) -> None:
        with self._lock:
            self.notices.setdefault(lagebild.token_hash(token), []).append(notice)

    def told(self, token: str | None) -> list[Notice]:
        if not token:
            return []
        with self._lock:
            return self.notices.pop(lagebild.token_hash(token), [])


@dataclass(frozen=True)
class Visit:
    """What ``guard`` found out about a request: who (None: no session), their session's
    token, and the form they sent."""

    viewer: Viewer | None = None
    token: str | None = None
    form: Mapping[str, Any] = field(default_factory=dict)


COCKPIT = web.AppKey("cockpit", Cockpit)
VISIT = web.RequestKey("lagebild_visit", Visit)


def cockpit_of(request: web.Request) -> Cockpit:
    return request.app[COCKPIT]


def visit(request: web.Request) -> Visit:
    return request.get(VISIT) or Visit()


def viewer_of(request: web.Request) -> Viewer | None:
    return visit(request).viewer


def token_of(request: web.Request) -> str | None:
    return visit(request).token


def set_visit(request: web.Request, who: Viewer | None, token: str | None) -> None:
    """The session changed while handling the request (a login, a logout, an erasure)."""
    request[VISIT] = replace(visit(request), viewer=who, token=token)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Who is asking (their session), and whether a form is theirs (its CSRF token)."""
    cockpit = cockpit_of(request)
    token = request.cookies.get(COOKIE)
    who = None
    if token and not request.path.startswith("/static/"):
        who = await asyncio.to_thread(
            lagebild.viewer, cockpit.app.store, cockpit.settings, token, cockpit.now()
        )
    request[VISIT] = Visit(who, token if who else None)
    if request.method == "POST" and who is not None:
        form = await request.post()
        request[VISIT] = Visit(who, token, form)
        if not lagebild.csrf_valid(token, _text(form.get("csrf"))):
            log.info("lagebild: a form without a valid CSRF token was refused")
            return page(request, "message.html.j2", status=403, title_key="web.forbidden_title",
                        text_key="web.csrf_refused")  # fmt: skip
    try:
        response = await handler(request)
    except web.HTTPNotFound:
        response = page(request, "message.html.j2", status=404,
                        title_key="web.not_found_title", text_key="web.not_found")  # fmt: skip
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def form_text(request: web.Request, name: str) -> str:
    return _text(visit(request).form.get(name)) or ""


def page(request: web.Request, template: str, *, status: int = 200, **values: Any) -> web.Response:
    """A page with the frame every page has: navigation for who is logged in, the notices
    waiting for them, and the CSRF token for its forms."""
    cockpit = cockpit_of(request)
    who, token = viewer_of(request), token_of(request)
    settings = cockpit.settings
    pages = [("/", "web.page.overview"), ("/ideen", "web.page.ideas"),
             ("/themen", "web.page.themes")]  # fmt: skip
    if who is not None and who.steward:
        pages.append(("/fragen", "web.page.questions"))
    if not settings.digest.staff_council:
        pages.append(("/menschen", "web.page.people"))
    pages.append(("/ich", "web.page.me"))
    body = html(
        template,
        settings,
        cockpit.translator(who),
        viewer=who,
        csrf=lagebild.csrf_token(token) if token else "",
        pages=pages if who is not None else [],
        path=request.path,
        notices=cockpit.told(token),
        **values,
    )
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


SignedInHandler = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]


def signed_in(handler: SignedInHandler) -> Handler:
    """A page or form for someone with a session, who is handed to it; without a session,
    the page that explains how to get a link (no error page)."""

    @functools.wraps(handler)
    async def checked(request: web.Request) -> web.StreamResponse:
        who = viewer_of(request)
        if who is None:
            return login_page(request)
        return await handler(request, who)

    return checked


def login_page(request: web.Request) -> web.Response:
    """What a page says to somebody without a session: how to get a link (not an error)."""
    return page(request, "login.html.j2", title_key="web.login.title")
