"""Sending what the outbox holds for one platform: the loop Matrix and Slack share.

An adapter drains on start (what an earlier process committed but never sent), after each
event it handled, and after each look at the scheduled jobs. It hands every row to its
``send``, which answers True once the platform accepted it, False when the row cannot go yet
(Matrix: the room is not synced yet: the rest waits, in order), or raises. A refusal is
logged by its reason - never the message text - and tried again later (``bot.delivery.Retry``).
The store is asked off the event loop: a digest or an import may hold it for a while.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.app import App
from bot.delivery import Delivery, NotDelivered

Send = Callable[[Delivery], Awaitable[bool]]


async def drain(app: App, platform: str, send: Send) -> bool:
    """Send the rows due for ``platform``, oldest first; True if some must wait for later."""
    outbox, store, clock = app.outbox, app.store, app.bot.clock
    while True:
        taken = await asyncio.to_thread(outbox.take, store, platform, clock())
        if not taken:
            return False
        for index, delivery in enumerate(taken):
            try:
                sent = await send(delivery)
            except NotDelivered as refused:
                reason, final = refused.reason, refused.final
            except Exception as error:  # the platform library's own errors, by kind only
                reason, final = type(error).__name__, False
            else:
                if not sent:
                    await asyncio.to_thread(outbox.put_back, store, taken[index:], clock())
                    return True
                await asyncio.to_thread(outbox.delivered, store, [delivery], clock())
                continue
            await asyncio.to_thread(outbox.failed, store, delivery, clock(), reason, final=final)


def in_background(
    running: set[asyncio.Task[None]],
    work: Callable[[], object],
    then: Callable[[], Awaitable[None]],
) -> None:
    """Run ``work`` (an event's slow follow-up, ``bot.core.Handled.later``) in a thread and
    ``then`` (drain what it queued) on the loop, beside the next events; ``running`` keeps the
    task alive until it is done."""

    async def run() -> None:
        await asyncio.to_thread(work)
        await then()

    task = asyncio.create_task(run())
    running.add(task)
    task.add_done_callback(running.discard)
