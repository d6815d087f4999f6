"""Posting a reply to Slack: which channel, its blocks and files, and where it goes instead.

A reply goes to its own address (a direct message, another channel) or to the channel of the
event it answers, in that thread. Where the bot cannot post in that channel (not a member, a
DM between two people), it goes to the person as a direct message rather than being lost.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters import slack_events as events
from adapters.slack_blocks import fallback_text, message_blocks
from bot.delivery import Delivery, NotDelivered
from bot.events import Reply

UNREACHABLE = ("not_in_channel", "channel_not_found", "is_archived", "cannot_dm_bot")


class Poster:
    """``chat.postMessage`` and file uploads for replies; knows the bot's direct channels."""

    def __init__(self, client: AsyncWebClient):
        self.client = client
        self._dm_channels: dict[str, str] = {}

    async def deliver(self, delivery: Delivery) -> bool:
        """Post one reply from the outbox; Slack's refusal is a ``NotDelivered`` by its code."""
        try:
            await self.post(delivery.reply, delivery.origin_room, delivery.origin_user)
        except SlackApiError as exc:
            raise NotDelivered(str(exc.response.get("error"))) from None
        return True

    async def post(self, reply: Reply, origin: str | None, user: str | None) -> None:
        if reply.direct_to is not None:
            direct = await self.direct_channel(reply.direct_to)
            await self.send(direct, None, reply, reply.direct_to)
            return
        channel = reply.room or origin
        if channel is None:
            if user is None:
                raise NotDelivered("a reply without an address", final=True)
            channel = await self.direct_channel(user)
        # an answer to ``user``'s message is for them; one posted to another room (a role
        # holders' room) is for whoever works there
        meant_for = user if reply.room is None else None
        try:
            await self.send(channel, events.thread_ts(reply.thread_id), reply, meant_for)
        except SlackApiError as exc:
            if (
                reply.room is not None
                or user is None
                or exc.response.get("error") not in UNREACHABLE
            ):
                raise
            await self.send(await self.direct_channel(user), None, reply, user)

    async def send(
        self, channel: str, thread: str | None, reply: Reply, meant_for: str | None
    ) -> None:
        await self.client.chat_postMessage(
            channel=channel,
            thread_ts=thread,
            text=fallback_text(reply),
            blocks=message_blocks(reply, meant_for),
            unfurl_links=False,
            unfurl_media=False,
        )
        if reply.attachments:
            uploads = [
                {"file": each.data, "filename": each.filename, "title": each.filename}
                for each in reply.attachments
            ]
            await self.client.files_upload_v2(
                channel=channel, thread_ts=thread, file_uploads=uploads
            )

    async def direct_channel(self, user: str) -> str:
        channel = self._dm_channels.get(user)
        if channel is None:
            response = await self.client.conversations_open(users=user)
            channel = str(response["channel"]["id"])
            self._dm_channels[user] = channel
        return channel
