"""The CDO's digest preview (``!digest``), built after its chat event committed.

Building a digest takes a while (about 20 s at 10k ideas: encoding, clustering, the map), so
it is not built in the event's transaction, where it held the store's write lock and every
other chat event waited. Instead (``bot.followups``):

1. The event's transaction claims the event, records the request in the audit log
   (``digest.preview_requested``: platform, event id, days; the asker as actor) and queues
   the note "sent by direct message" when asked in a shared room.
2. After the commit the preview is built without the lock.
3. A second transaction claims ``<event id>#digest``, queues the preview (or, when building
   failed, an apology) and records ``digest.preview_queued``.

A crash between 1 and 3 leaves the request recorded and not queued. The platform's retry of
the event is a replay (the event is claimed) and changes nothing, but ``resume_previews``,
which ``App.due`` runs at start and every few minutes, finds the open request and builds
and queues the preview then: late, never lost. A crash after 3 changes nothing: the claim
of step 3 makes any further run (a replay, the sweep, a second process) queue nothing, so
the preview is never queued twice. A request whose asker was erased meanwhile is dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.clock import iso
from bot.config import Settings
from bot.delivery import Origin
from bot.digest_build import digest_for
from bot.digest_map import map_attachment
from bot.digest_render import render_markdown
from bot.events import Reply
from bot.followups import FollowUp, FollowUps
from bot.i18n import Translator
from bot.schedule import next_digest_time
from knowledge.repositories import AuditLog
from knowledge.store import Store

REQUESTED = "digest.preview_requested"
QUEUED = "digest.preview_queued"
NAME = "digest"
# A request this old and still open was left by a crash (or a store too busy to queue it);
# younger ones may still be on their way in the process that took them.
GRACE = timedelta(minutes=1)
SWEEP_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class PreviewRequest:
    """A ``!digest`` as recorded in its event's transaction (ids and numbers, never text)."""

    platform: str
    event_id: str
    person_id: int
    days: int | None
    asked_at: str  # ISO 8601, UTC: the preview covers the period up to here

    @property
    def key(self) -> str:
        return json.dumps([self.platform, self.event_id])

    def detail(self) -> str:
        return json.dumps({"platform": self.platform, "event": self.event_id, "days": self.days})

    @classmethod
    def from_entry(cls, entry: dict[str, Any]) -> PreviewRequest | None:
        """The request an audit entry records; None once its asker was erased."""
        if entry["actor_id"] is None:
            return None
        data = json.loads(entry["detail"])
        return cls(data["platform"], data["event"], int(entry["actor_id"]), data["days"],
                   entry["at"])  # fmt: skip


def record_request(audit: AuditLog, request: PreviewRequest) -> None:
    """Run in the event's unit of work: the request is open from its commit on."""
    audit.audit(REQUESTED, request.asked_at, actor_id=request.person_id, detail=request.detail())


def build_preview(
    store: Store, settings: Settings, matcher: object, t: Translator, request: PreviewRequest
) -> Reply:
    """The preview of the digest up to the moment asked; reads in its own transactions.

    A preview changes nothing: the introductions it shows are not marked as suggested."""
    now = datetime.fromisoformat(request.asked_at)
    found = digest_for(store, settings, now, matcher, days=request.days)
    text = render_markdown(found, t)
    upcoming = next_digest_time(settings, now)
    if upcoming is None:
        text += "\n" + t("digest.preview_unscheduled")
    else:
        text += "\n" + t("digest.preview", next=upcoming)
    return Reply(text, attachments=map_attachment(found, t))


def preview_follow_up(
    store: Store,
    settings: Settings,
    matcher: object,
    t: Translator,
    request: PreviewRequest,
    *,
    direct_to: str | None,
) -> FollowUp:
    """The preview as a follow-up of its event. ``direct_to``: the asker, when the preview
    goes by direct message (asked in a shared room, or resumed after a crash)."""

    def addressed(reply: Reply) -> list[Reply]:
        return [replace(reply, direct_to=direct_to) if direct_to else reply]

    def done(store: Store, now: str) -> None:
        store.audit(QUEUED, now, detail=request.key)

    return FollowUp(
        NAME,
        build=lambda: addressed(build_preview(store, settings, matcher, t, request)),
        sorry=lambda: addressed(Reply(t("error.internal"))),
        done=done,
    )


def open_requests(store: Store) -> list[PreviewRequest]:
    """Requests recorded and not queued; run inside a transaction."""
    queued = {entry["detail"] for entry in store.audit_entries(QUEUED)}
    found = (PreviewRequest.from_entry(entry) for entry in store.audit_entries(REQUESTED))
    return [request for request in found if request is not None and request.key not in queued]


def resume_previews(
    store: Store, settings: Settings, matcher: object, follow_ups: FollowUps, now: datetime
) -> list[Reply]:
    """Build and queue the previews a crash left open (see the module's docstring): each by
    direct message to its asker; returns what was queued."""
    with store.transaction():
        waiting = [
            (request, store.get_person(request.person_id))
            for request in open_requests(store)
            if datetime.fromisoformat(request.asked_at) <= now - GRACE
        ]
    queued: list[Reply] = []
    for request, person in waiting:
        if person is None:
            continue
        t = settings.translator(person.language)
        follow = preview_follow_up(
            store, settings, matcher, t, request, direct_to=person.platform_user_id
        )
        origin = Origin(request.platform, request.event_id, None, person.platform_user_id, None)
        queued += follow_ups.run(follow, origin, None, iso(now))
    return queued
