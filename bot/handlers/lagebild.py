"""``!lagebild``: a one-time login link for the Lagebild cockpit, by direct message.

The link logs its holder in as the person who asked, so it goes to them alone (a direct
message, whatever room they asked in) and says how long it works.
"""

from __future__ import annotations

from bot.commands import REGISTRY
from bot.context import Context
from bot.events import Reply
from bot.lagebild import LINK_VALID
from bot.services.web import make_login_link


@REGISTRY.command("lagebild", aliases=("cockpit",))
def lagebild(ctx: Context) -> list[Reply]:
    t, person = ctx.t, ctx.person
    if ctx.message.platform != "console" and not ctx.settings.web.url:
        # trial 29 got http://127.0.0.1:8088/… in Matrix: no colleague's PC reaches it
        return [Reply(t("lagebild.not_set_up"))]
    link = make_login_link(ctx.uow, person, ctx.now, ctx.settings.web.base_url())
    minutes = int(LINK_VALID.total_seconds() // 60)
    direct = Reply(
        t("lagebild.link", link=link, minutes=minutes), direct_to=person.platform_user_id
    )
    if ctx.message.is_direct:
        return [direct]
    return [Reply(t("lagebild.sent_privately"), notes_direct=True), direct]
