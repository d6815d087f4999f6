"""``!digest``: the CDO's preview of the weekly synergy digest, at any time."""

from __future__ import annotations

from datetime import datetime

from bot.commands import REGISTRY, ArgumentError, Param
from bot.context import Context
from bot.digest import digest_for
from bot.digest_render import map_attachment, render_markdown
from bot.events import Reply
from bot.schedule import next_digest_time

MAX_DAYS = 366


def parse_days(raw: str) -> int:
    if not raw.isdecimal() or not 1 <= int(raw) <= MAX_DAYS:
        raise ArgumentError("digest.bad_days")
    return int(raw)


@REGISTRY.command(
    "digest", params=(Param("days", parse_days, required=False),), roles=frozenset({"cdo", "admin"})
)
def digest(ctx: Context, days: int | None) -> list[Reply]:
    """A preview changes nothing: introductions it shows are not marked as suggested."""
    now = datetime.fromisoformat(ctx.now)
    found = digest_for(ctx.store, ctx.settings, now, ctx.matcher, days=days)
    text = render_markdown(found, ctx.t)
    upcoming = next_digest_time(ctx.settings, now)
    if upcoming is None:
        text += "\n" + ctx.t("digest.preview_unscheduled")
    else:
        text += "\n" + ctx.t("digest.preview", next=upcoming)
    return ctx.privately([Reply(text, attachments=map_attachment(found, ctx.t))])
