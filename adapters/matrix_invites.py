"""Invites to the Matrix bot: which it accepts, joining, and who really invited it.

An invite's state comes from the inviting server, which may name anyone as the inviter. So an
invite is first judged by the inviters it claims (declined at once when none may invite the
bot), and once the bot is a member the real inviter is read from the room's own history: the
bot leaves when that one may not invite it (``matrix.allowed_inviters``).

``InviteGuard`` is its own part of the adapter because these checks are what stands between a
remote server's word and a room the bot answers in: the sync loop hands it each invite and, for
a room joined on an invite, the first timeline; it keeps the joins still running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

from nio import AsyncClient, ErrorResponse, RoomGetEventResponse, RoomGetStateResponse

from adapters import matrix_events as events
from adapters.matrix_retry import Retrying
from adapters.matrix_state import MatrixState

log = logging.getLogger("adapters.matrix")

JOIN_ATTEMPTS = 8  # a federated invite may reach the room's server late: about a minute


class InviteGuard:
    """Decides invites and joins; ``me`` is the bot's user id, ``allowed`` who else may invite."""

    def __init__(
        self,
        client: AsyncClient,
        state: MatrixState,
        retrying: Retrying,
        *,
        me: str,
        allowed: Sequence[str],
    ):
        self.client, self.state, self.retrying = client, state, retrying
        self.me, self.allowed = me, allowed
        self.joining: dict[str, asyncio.Task[None]] = {}

    async def on_invite(self, room_id: str, invite_state: list[Any]) -> None:
        claimed = events.invite_claims(invite_state, self.me)
        if not claimed or room_id in self.joining:
            return
        if not any(events.accepts_invite(inviter, self.me, self.allowed) for inviter in claimed):
            log.info("matrix: declined an invite to %s from another server", room_id)
            await self.retrying(lambda: self.client.room_leave(room_id), "decline", True)
            return
        if room_id not in self.state.pending_joins:
            self.state.pending_joins.append(room_id)
            self.state.save()
        self.start_join(room_id)

    def start_join(self, room_id: str) -> None:
        """Join beside the sync loop: a federated join may have to wait for the invite."""
        task = asyncio.create_task(self.join_invited(room_id))
        self.joining[room_id] = task
        task.add_done_callback(lambda _: self.joining.pop(room_id, None))

    async def join_invited(self, room_id: str) -> None:
        """Join, retrying "not invited" with back-off: under load the room's server may not
        have the invite yet when the bot's server asks to join."""
        for attempt in range(JOIN_ATTEMPTS):
            joined = await self.retrying(lambda: self.client.join(room_id), "join", True)
            if not isinstance(joined, ErrorResponse):
                return  # the next sync brings the room, and with it the real inviter
            if joined.status_code != "M_FORBIDDEN" or attempt == JOIN_ATTEMPTS - 1:
                break
            wait = self.retrying.backoff.delay(attempt)
            log.info("matrix: joining %s refused (%s); retrying in %.1f s", room_id, joined, wait)
            await asyncio.sleep(wait)
        log.warning("matrix: could not join %s: %s", room_id, joined)
        with contextlib.suppress(ValueError):
            self.state.pending_joins.remove(room_id)
            self.state.save()

    async def verify(self, room_id: str, timeline: list[Any]) -> events.Invite | None:
        """Who really invited the bot, read from the room's history now that it is a member.

        The invite's stripped state is written by the inviting server and may name anyone (a
        forged "from @anna" ahead of the real invite from @evil). So the bot leaves when the
        real inviter may not invite it, and a direct room is recorded only from this event.
        """
        replaced = events.replaced_by_own_join(timeline, self.me)
        if replaced is None:  # the join is not in this sync's timeline: ask for the state
            state = await self.retrying(lambda: self.client.room_get_state(room_id), "state", True)
            if isinstance(state, RoomGetStateResponse):
                own = [e for e in state.events if e.get("state_key") == self.me]
                replaced = next((e.get("unsigned", {}).get("replaces_state") for e in own), None)
        invite = None
        if isinstance(replaced, str):
            fetched = await self.retrying(
                partial(self.client.room_get_event, room_id, replaced), "fetch invite", True
            )
            if isinstance(fetched, RoomGetEventResponse):
                invite = events.verified_invite(fetched.event.source, self.me)
        self.state.pending_joins.remove(room_id)
        if invite is None or not events.accepts_invite(invite.inviter, self.me, self.allowed):
            inviter = invite.inviter if invite else "an unknown user"
            log.warning("matrix: left %s: invited by %s, who may not invite the bot", room_id,
                        inviter)  # fmt: skip
            await self.retrying(lambda: self.client.room_leave(room_id), "leave", True)
            self.state.save()
            return None
        if invite.is_direct:
            self.state.direct_rooms.setdefault(invite.inviter, room_id)
        self.state.save()
        return invite
