"""End-to-end key upkeep of the Matrix adapter: keys uploaded, queried and claimed between
syncs, and the trust given to the devices found (``matrix.device_trust``).

Its own small part because two others need it: the sync loop keeps the keys up between syncs,
and delivery before it sends into an encrypted room and when a new device turns up.
"""

from __future__ import annotations

import logging

from nio import AsyncClient

from adapters.matrix_retry import Retrying

log = logging.getLogger("adapters.matrix")


class KeyUpkeep:
    def __init__(self, client: AsyncClient, retrying: Retrying, device_trust: str):
        self.client, self.retrying, self.device_trust = client, retrying, device_trust

    async def maintain(self) -> None:
        """What nio's sync_forever does between syncs: upload, query and claim keys."""
        client = self.client
        if client.should_upload_keys:
            await self.retrying(client.keys_upload, "keys upload", True)
        if client.should_query_keys:
            await self.retrying(client.keys_query, "keys query", True)
            self.apply_trust()
        if client.should_claim_keys:
            users = client.get_users_for_key_claiming()
            await self.retrying(lambda: client.keys_claim(users), "keys claim", True)
        await self.retrying(client.send_to_device_messages, "to-device", True)

    def apply_trust(self) -> None:
        """Trust on first use: devices seen with a user's first keys are trusted, later ones not."""
        if self.device_trust != "tofu":
            return
        store = self.client.device_store
        for user_id, _ in list(store.items()):
            devices = list(store.active_user_devices(user_id))
            first_sight = not any(d.verified or d.blacklisted for d in devices)
            for device in devices:
                if device.verified or device.blacklisted:
                    continue
                if first_sight or device.device_id == self.client.device_id:
                    self.client.verify_device(device)
                else:
                    log.warning("matrix: new device %s of %s kept out", device.device_id, user_id)
                    self.client.blacklist_device(device)
