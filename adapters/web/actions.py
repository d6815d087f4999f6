"""The forms (POST): each one is the chat command it stands for, run through the bot.

``bot.lagebild.act`` handles the command as if the person had typed it to the bot: the same
checks, the same services, the same outbox (an answer reaches the asker in chat). What the
bot says to the person is shown on the next page (post, redirect, get); the CSRF token was
checked before any of this runs (``server.guard``).
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from adapters.web.server import (
    COOKIE,
    Notice,
    cockpit_of,
    form_text,
    page,
    set_visit,
    signed_in,
    token_of,
)
from bot import lagebild
from bot.lagebild import Done, Viewer
from bot.lagebild_pages import STATUSES

TARGETS = ("cdo", "cio", "both")


def add_routes(server: web.Application) -> None:
    server.router.add_post(r"/ideen/{number:\d{1,12}}/status", set_status)
    server.router.add_post(r"/ideen/{number:\d{1,12}}/unterstuetzen", support)
    server.router.add_post(r"/fragen/{number:\d{1,12}}/antwort", answer)
    server.router.add_post(r"/fragen/{number:\d{1,12}}/weiterleiten", reroute)
    server.router.add_post(r"/fragen/{number:\d{1,12}}/erledigt", close)
    server.router.add_post("/ich/interessen", interests)
    server.router.add_post("/ich/matching", matching)
    server.router.add_post("/ich/export", export)
    server.router.add_post("/ich/loeschen", erase)
    server.router.add_post("/ich/loeschen/bestaetigen", erase_confirmed)


async def run(request: web.Request, who: Viewer, command: str, *args: object) -> Done:
    cockpit = cockpit_of(request)
    app = cockpit.app
    return await asyncio.to_thread(lagebild.act, app.bot, app.outbox, who, command, *args)


def back(request: web.Request, done: Done, to: str) -> web.Response:
    """Show the bot's reply on the page ``to`` (post, redirect, get)."""
    token = token_of(request)
    if token and done.text:
        cockpit_of(request).tell(token, Notice(done.text))
    raise web.HTTPSeeOther(to)


def number(request: web.Request) -> int:
    return int(request.match_info["number"])


@signed_in
async def set_status(request: web.Request, who: Viewer) -> web.Response:
    wanted = form_text(request, "status")
    if wanted not in STATUSES[:-1]:
        raise web.HTTPSeeOther(f"/ideen/{number(request)}")
    done = await run(request, who, "status", number(request), wanted)
    return back(request, done, f"/ideen/{number(request)}")


@signed_in
async def support(request: web.Request, who: Viewer) -> web.Response:
    done = await run(request, who, "unterstuetzen", number(request))
    return back(request, done, f"/ideen/{number(request)}")


@signed_in
async def answer(request: web.Request, who: Viewer) -> web.Response:
    text = form_text(request, "text").strip()
    if not text:
        raise web.HTTPSeeOther("/fragen")
    done = await run(request, who, "antwort", number(request), text)
    return back(request, done, "/fragen")


@signed_in
async def reroute(request: web.Request, who: Viewer) -> web.Response:
    target = form_text(request, "target")
    if target not in TARGETS:
        raise web.HTTPSeeOther("/fragen")
    done = await run(request, who, "weiterleiten", number(request), target)
    return back(request, done, "/fragen")


@signed_in
async def close(request: web.Request, who: Viewer) -> web.Response:
    done = await run(request, who, "erledigt", number(request))
    return back(request, done, "/fragen")


@signed_in
async def interests(request: web.Request, who: Viewer) -> web.Response:
    topics = " ".join(form_text(request, "topics").split())
    done = await run(request, who, "interessen", topics or "keine")
    return back(request, done, "/ich")


@signed_in
async def matching(request: web.Request, who: Viewer) -> web.Response:
    switch = "an" if form_text(request, "switch") == "an" else "aus"
    done = await run(request, who, "matching", switch)
    return back(request, done, "/ich")


@signed_in
async def export(request: web.Request, who: Viewer) -> web.StreamResponse:
    """``!meine-daten``: the JSON file as a download instead of a direct message."""
    done = await run(request, who, "meine-daten")
    files = lagebild.attachments(done)
    if not files:
        return back(request, done, "/ich")
    name, data, mime = files[0]
    return web.Response(
        body=data,
        content_type=mime,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@signed_in
async def erase(request: web.Request, who: Viewer) -> web.Response:
    """``!vergiss-mich``: what would be erased, and the button with its one-time code."""
    done = await run(request, who, "vergiss-mich")
    token = token_of(request)
    code = next(
        (b.command.split()[-1] for r in done.replies for b in r.buttons if b.style == "danger"),
        None,
    )
    if token:
        cockpit_of(request).tell(token, Notice(done.text, confirm=code))
    raise web.HTTPSeeOther("/ich")


@signed_in
async def erase_confirmed(request: web.Request, who: Viewer) -> web.Response:
    """``!vergiss-mich bestätigen CODE``; the sessions go with the person (the store's
    cascade), so the answer is shown here and the cookie cleared."""
    code = form_text(request, "code").strip()
    done = await run(request, who, "vergiss-mich", "bestätigen", code)
    cockpit = cockpit_of(request)
    still = await asyncio.to_thread(
        lagebild.viewer, cockpit.app.store, cockpit.settings, token_of(request), cockpit.now()
    )
    if still is not None:  # a wrong or expired code: nothing was erased
        return back(request, done, "/ich")
    set_visit(request, None, None)
    response = page(request, "message.html.j2", title_key="web.me.erased_title", text=done.text)
    response.del_cookie(COOKIE, path="/")
    return response
