"""``!digest``: the CDO's preview of the weekly synergy digest, at any time.

The handler only records the request; the preview is built after the event committed, so
the store is not locked while it is built (``bot.digest_preview``)."""

from __future__ import annotations

from bot.commands import REGISTRY, ArgumentError, Param
from bot.context import Context
from bot.digest_preview import PreviewRequest, preview_follow_up, record_request
from bot.events import Reply

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
    message = ctx.message
    request = PreviewRequest(message.platform, message.event_id, ctx.person.id, days, ctx.now)
    record_request(ctx.uow.audit, request)
    direct_to = None if message.is_direct else ctx.person.platform_user_id
    ctx.after_commit(
        preview_follow_up(ctx.store, ctx.settings, ctx.matcher, ctx.t, request, direct_to=direct_to)
    )
    return ctx.privately([])  # in a shared room the note where the preview went; else nothing
