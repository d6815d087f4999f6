"""Project owners hear of new related ideas: collected, and sent at most once a day each.

One message per idea would teach an owner to ignore the bot. So an idea found to be covered by
a project is only linked at its intake (``bot.plans.idea_hints``); once the oldest idea an
owner has not heard of is ``NOTICE_AFTER`` old, everything collected for them goes out in one
direct message, through the outbox like every scheduled reply, and is marked as told in the
same transaction. Adapters call ``due_owner_notices`` with the other scheduled work
(``App.due``); it is one cheap query when nothing is due.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from bot import render
from bot.clock import iso
from bot.config import Settings
from bot.delivery import Outbox
from bot.events import Reply
from bot.plans import owner_address
from bot.questions import translator_for
from knowledge.plans import PlanIdeaLink
from knowledge.records import Idea
from knowledge.store import Store

NOTICE_AFTER = timedelta(hours=24)
MAX_LISTED = 10  # ideas per project in one notice; the rest are counted


def due_owner_notices(
    store: Store, settings: Settings, now: datetime, *, outbox: Outbox | None = None
) -> list[Reply]:
    """The notices due at ``now``, each queued in ``outbox`` with its links marked as told."""
    stamp = iso(now)
    replies: list[Reply] = []
    with store.transaction():
        by_owner: dict[str, list[PlanIdeaLink]] = defaultdict(list)
        for link in store.plan_idea_links(pending=True):
            by_owner[link.owner or ""].append(link)
        for owner, links in sorted(by_owner.items()):
            oldest = min(datetime.fromisoformat(link.created_at) for link in links)
            if not owner or now - oldest < NOTICE_AFTER:
                continue
            address = owner_address(store, owner)
            ideas = store.get_ideas([link.idea_id for link in links])
            own = {person.id for person in store.people_with_user_id(address)}
            theirs = [
                link
                for link in links
                if link.idea_id in ideas and ideas[link.idea_id].author_id not in own
            ]
            store.mark_plan_notified([(link.idea_id, link.item_key) for link in links], stamp)
            if not theirs:
                continue  # only their own ideas: nothing to tell
            reply = Reply(compose(store, settings, address, theirs, ideas), direct_to=address)
            if outbox is not None:
                cause = f"plan-notice:{owner}:{stamp}"
                outbox.queue(store, [reply], kind="reminder", cause=cause, now=stamp)
            replies.append(reply)
    return replies


def compose(
    store: Store,
    settings: Settings,
    address: str,
    links: list[PlanIdeaLink],
    ideas: dict[int, Idea],
) -> str:
    t = translator_for(store, settings, address)
    by_project: dict[tuple[str, str], list[PlanIdeaLink]] = defaultdict(list)
    for link in links:
        by_project[(link.item_key, link.title)].append(link)
    lines = [t("plans.notice_header", count=len(links))]
    for (key, title), found in by_project.items():
        lines += ["", t("plans.notice_project", title=title, code=key)]
        for link in found[:MAX_LISTED]:
            idea = ideas[link.idea_id]
            lines.append(
                t(
                    "plans.notice_line",
                    id=idea.id,
                    summary=render.summary(idea.text, 90),
                    department=idea.department or t("digest.no_department"),
                    reason=link.reason or "",
                )
            )
        if len(found) > MAX_LISTED:
            lines.append(t("digest.more", count=len(found) - MAX_LISTED))
    lines += ["", t("plans.notice_footer")]
    return "\n".join(lines)
