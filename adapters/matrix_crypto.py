"""The bot's end-to-end crypto store: the key of its pickles, and an erased person leaving it.

For everyone it shares an encrypted room with, nio keeps their devices (names and keys),
that it tracks them, the olm sessions with each device and the megolm sessions of what they
sent, which could decrypt their old messages, and the trust it gave their devices. nio has no
call to drop a user, so their rows go by SQL from nio's own SQLite store (opened with
``secure_delete``: freed pages are zeroed), their lines from its trust files, and the entries
from its in-memory stores. If the person is still in an encrypted room with the bot, nio
fetches their public device keys again when it next encrypts there: that is the protocol at
work, not a leftover of the erased data.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from nio import AsyncClient

from bot.private_files import private_secret

log = logging.getLogger(__name__)
LEGACY_PICKLE_KEY = "DEFAULT_KEY"  # nio's default, public

# (table, statement); which tables exist depends on nio's store class (the default one keeps
# device trust in text files, not in devicetruststate).
_BY_USER = (
    ("keys", "DELETE FROM keys WHERE device_id IN (SELECT id FROM devicekeys WHERE user_id = ?)"),
    ("devicetruststate",
     "DELETE FROM devicetruststate WHERE device_id IN"
     " (SELECT id FROM devicekeys WHERE user_id = ?)"),
    ("devicekeys", "DELETE FROM devicekeys WHERE user_id = ?"),
    ("trackedusers", "DELETE FROM trackedusers WHERE user_id = ?"),
)  # fmt: skip
_BY_SENDER_KEY = (
    ("olmsessions", "DELETE FROM olmsessions WHERE sender_key = ?"),
    ("forwardedchains",
     "DELETE FROM forwardedchains WHERE sender_key = ? OR session_id IN"
     " (SELECT session_id FROM megolminboundsessions WHERE sender_key = ?)"),
    ("megolminboundsessions", "DELETE FROM megolminboundsessions WHERE sender_key = ?"),
)  # fmt: skip


def forget_user(client: AsyncClient, user_id: str) -> None:
    """Remove every trace of ``user_id`` from the client's crypto state, stored and in memory."""
    olm: Any = client.olm
    if olm is None:  # encryption off, or not logged in yet
        return
    devices: dict[str, Any] = client.device_store._entries.pop(user_id, {})
    sender_keys = {device.curve25519 for device in devices.values() if device.curve25519}
    olm.tracked_users.discard(user_id)
    olm.users_for_key_query.discard(user_id)
    for key in sender_keys:
        olm.session_store._entries.pop(key, None)
        for room_sessions in olm.inbound_group_store._entries.values():
            room_sessions.pop(key, None)
    store: Any = client.store
    for trust in (store.trust_db, store.blacklist_db, store.ignore_db):  # text files of nio's
        trust.remove_many([key for key in trust if key.user_id == user_id])
    database = store.database
    tables = set(database.get_tables())
    with database.atomic():
        for table, statement in _BY_USER:
            if table in tables:
                database.execute_sql(statement, (user_id,))
        for key in sender_keys:
            for table, statement in _BY_SENDER_KEY:
                if table in tables:
                    database.execute_sql(statement, (key,) * statement.count("?"))


def crypto_store_key(folder: Path, from_environ: str | None) -> str:
    """The key of the crypto store's pickles (the olm account and sessions): MATRIX_PICKLE_KEY,
    else one generated and kept owner-only in the data dir, never nio's public default. A store
    pickled with the default by an older version keeps it until its files are removed."""
    key_file = folder / "pickle.key"
    if not from_environ and not key_file.exists() and any(folder.glob("*.db")):
        log.warning("matrix: crypto store has the default key; remove %s/*.db to re-key", folder)
        return LEGACY_PICKLE_KEY
    return private_secret(key_file, from_environ)
