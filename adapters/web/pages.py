"""The pages that show (GET): each asks ``bot.lagebild_pages`` for its data and renders it.

Paths are fixed (outside checks rely on them): ``/``, ``/ideen``, ``/ideen/<Nummer>``,
``/themen``, ``/fragen``, ``/menschen``, ``/ich``, ``/login/<token>``, ``/logout``.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiohttp import web

from adapters.web.server import (
    COOKIE,
    cockpit_of,
    page,
    set_visit,
    signed_in,
    token_of,
)
from bot import lagebild_pages, lagebild_plans
from bot.clock import iso
from bot.lagebild import SESSION_VALID, Viewer
from bot.lagebild_map import MAP_HEIGHT, MAP_WIDTH, Landscape
from bot.lagebild_pages import PERIODS, STATUSES, IdeaQuery
from bot.services import web as web_service
from bot.uow import in_unit

FIRST_MAP_WAIT = 5.0  # seconds a page waits for the very first theme map


def add_routes(server: web.Application) -> None:
    server.router.add_get("/", overview)
    server.router.add_get("/ideen", ideas)
    server.router.add_get(r"/ideen/{number:\d{1,12}}", idea)
    server.router.add_get("/themen", themes)
    server.router.add_get("/fragen", questions)
    server.router.add_get("/menschen", people)
    server.router.add_get("/ich", me)
    server.router.add_get("/login/{token}", login)
    server.router.add_get("/logout", logout)
    server.router.add_post("/logout", logout)


async def landscape(request: web.Request) -> Landscape | None:
    cockpit = cockpit_of(request)
    return await asyncio.to_thread(cockpit.landscapes.current, wait=FIRST_MAP_WAIT)


@signed_in
async def overview(request: web.Request, who: Viewer) -> web.Response:
    cockpit = cockpit_of(request)
    found = await landscape(request)
    data = await asyncio.to_thread(
        lagebild_pages.overview, cockpit.app.store, cockpit.settings, who, cockpit.now(), found
    )
    since = iso(cockpit.now() - timedelta(days=data.days))
    goals = await asyncio.to_thread(lagebild_plans.agenda_goals, cockpit.app.store, since)
    return page(request, "overview.html.j2", title_key="web.page.overview", o=data, goals=goals)


def _number(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdecimal() and len(raw) < 9 else None


def idea_query(request: web.Request) -> IdeaQuery:
    """The filters from the address; anything unknown is no filter, never an error."""
    q = request.query
    status = q.get("status") if q.get("status") in STATUSES else None
    days = _number(q.get("zeitraum"))
    return IdeaQuery(
        status=status,
        department=q.get("bereich") or None,
        theme=_number(q.get("thema")),
        days=days if days in PERIODS else None,
        text=q.get("suche", "")[:200],
        meaning=q.get("bedeutung") == "1",
        page=_number(q.get("seite")) or 1,
    )


@signed_in
async def ideas(request: web.Request, who: Viewer) -> web.Response:
    cockpit = cockpit_of(request)
    query = idea_query(request)
    found = await landscape(request)
    data = await asyncio.to_thread(
        lagebild_pages.idea_list, cockpit.app.store, cockpit.app.matcher, cockpit.settings,
        query, found, cockpit.now(),
    )  # fmt: skip
    keep = {k: v for k, v in request.query.items() if k != "seite"}
    return page(request, "ideas.html.j2", title_key="web.page.ideas", q=query, data=data,
                periods=PERIODS, statuses=STATUSES, keep=keep)  # fmt: skip


@signed_in
async def idea(request: web.Request, who: Viewer) -> web.Response:
    cockpit = cockpit_of(request)
    number = int(request.match_info["number"])
    found = await landscape(request)
    data = await asyncio.to_thread(
        lagebild_pages.idea_page, cockpit.app.store, cockpit.app.matcher, cockpit.settings,
        who, number, found,
    )  # fmt: skip
    if data is None:
        raise web.HTTPNotFound()
    projects = await asyncio.to_thread(lagebild_plans.idea_projects, cockpit.app.store, number)
    return page(request, "idea.html.j2", title_key="web.idea.title", title_id=number, p=data,
                statuses=lagebild_pages.STATUSES[:-1], projects=projects)  # fmt: skip


@signed_in
async def themes(request: web.Request, who: Viewer) -> web.Response:
    found = await landscape(request)
    return page(request, "themes.html.j2", title_key="web.page.themes", map=found,
                width=MAP_WIDTH, height=MAP_HEIGHT)  # fmt: skip


@signed_in
async def questions(request: web.Request, who: Viewer) -> web.Response:
    if not who.steward:
        return page(request, "message.html.j2", status=403, title_key="web.forbidden_title",
                    text_key="web.forbidden")  # fmt: skip
    cockpit = cockpit_of(request)
    rows = await asyncio.to_thread(
        lagebild_pages.question_rows, cockpit.app.store, cockpit.settings, who, cockpit.now()
    )
    return page(request, "questions.html.j2", title_key="web.page.questions", rows=rows)


@signed_in
async def people(request: web.Request, who: Viewer) -> web.Response:
    cockpit = cockpit_of(request)
    found = await landscape(request)
    rows = await asyncio.to_thread(
        lagebild_pages.people_rows, cockpit.app.store, cockpit.settings, found
    )
    if rows is None:  # staff-council mode: the page does not exist
        raise web.HTTPNotFound()
    return page(request, "people.html.j2", title_key="web.page.people", rows=rows)


@signed_in
async def me(request: web.Request, who: Viewer) -> web.Response:
    cockpit = cockpit_of(request)
    data = await asyncio.to_thread(lagebild_pages.my_data, cockpit.app.store, who)
    return page(request, "me.html.j2", title_key="web.page.me", d=data)


async def login(request: web.Request) -> web.Response:
    """Spend the link and set the session cookie. The answer is a page, not a redirect: a link
    opened from a chat app is a navigation from another site, and a SameSite=Strict cookie is
    not sent along a redirect that started there; the next click on this site carries it."""
    cockpit = cockpit_of(request)
    session = await asyncio.to_thread(
        in_unit(web_service.log_in), cockpit.app.store, cockpit.settings,
        request.match_info["token"], cockpit.now(),
    )  # fmt: skip
    if session is None:
        return page(request, "message.html.j2", status=403, title_key="web.login.invalid_title",
                    text_key="web.login.invalid")  # fmt: skip
    set_visit(request, session.viewer, session.token)
    response = page(request, "welcome.html.j2", title_key="web.login.title")
    set_cookie(request, response, session.token)
    return response


def set_cookie(request: web.Request, response: web.Response, token: str) -> None:
    response.set_cookie(
        COOKIE, token, max_age=int(SESSION_VALID.total_seconds()), path="/",
        httponly=True, samesite="Strict", secure=cockpit_of(request).secure,
    )  # fmt: skip


async def logout(request: web.Request) -> web.Response:
    """Ends the session: the button (a form with its CSRF token), or ``GET /logout``, which is
    safe without one: the cookie is SameSite=Strict, so a link or form on another site never
    carries it and cannot end somebody's session."""
    cockpit = cockpit_of(request)
    await asyncio.to_thread(in_unit(web_service.log_out), cockpit.app.store, token_of(request))
    set_visit(request, None, None)
    response = page(request, "message.html.j2", title_key="web.login.logged_out_title",
                    text_key="web.login.logged_out")  # fmt: skip
    response.del_cookie(COOKIE, path="/")
    return response
