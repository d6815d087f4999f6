"""Who a Slack user is: display name from ``users.info``, asked once per user and kept.

A failing lookup (missing scope, deleted user, Slack unreachable) never stops a message: the
person is then known by their user id until the next start. Roles never come from Slack;
they are configured in ideenlotse.toml by user id.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.events import Sender

log = logging.getLogger(__name__)
MAX_LOOKUPS = 10  # mentions resolved per message; more stay as user ids


def to_sender(user_id: str, user: dict[str, Any]) -> Sender:
    profile = user.get("profile") or {}
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or user_id
    )
    # Slack has no department field of its own; Enterprise Grid and SCIM directories fill
    # "enterprise_user.department", which is the one place it can come from.
    department = (user.get("enterprise_user") or {}).get("department") or None
    return Sender(user_id, str(name), department)


class Directory:
    def __init__(self, client: AsyncWebClient):
        self.client = client
        self._known: dict[str, Sender] = {}

    async def sender(self, user_id: str) -> Sender:
        known = self._known.get(user_id)
        if known is not None:
            return known
        try:
            response = await self.client.users_info(user=user_id)
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
            return Sender(user_id, user_id)
        except Exception:  # Slack unreachable: the message still counts
            log.warning("users.info failed for %s", user_id, exc_info=True)
            return Sender(user_id, user_id)
        sender = to_sender(user_id, response.get("user") or {})
        self._known[user_id] = sender
        return sender

    async def names(self, user_ids: list[str]) -> dict[str, str]:
        """Display names for mentioned users (at most a few lookups per message)."""
        return {user: (await self.sender(user)).display_name for user in user_ids[:MAX_LOOKUPS]}
