"""Who the Matrix bot is and how it connects: its credentials, its nio client, its login.

Apart from the adapter's loop (``adapters.matrix``) because the client is made once and then
handed to every part that uses it; the login runs at the start and again when the homeserver
logged the bot out. The device id is kept in ``MatrixState``: the crypto store in the same
folder belongs to that device.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nio import AsyncClient, AsyncClientConfig, LoginResponse, WhoamiResponse

from adapters.matrix_crypto import crypto_store_key
from adapters.matrix_retry import Retrying
from adapters.matrix_state import MatrixState
from bot.config import ConfigError

log = logging.getLogger("adapters.matrix")


@dataclass(frozen=True)
class Credentials:
    homeserver: str
    user_id: str
    password: str | None = None
    access_token: str | None = None
    device_id: str | None = None
    pickle_key: str | None = field(default=None, repr=False)  # encrypts the crypto store

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Credentials:
        homeserver, user = environ.get("MATRIX_HOMESERVER", ""), environ.get("MATRIX_USER_ID", "")
        password, token = environ.get("MATRIX_PASSWORD"), environ.get("MATRIX_ACCESS_TOKEN")
        if not homeserver.startswith(("http://", "https://")):
            raise ConfigError("MATRIX_HOMESERVER must be a URL such as https://matrix.stadt.de")
        if not (user.startswith("@") and ":" in user):
            raise ConfigError("MATRIX_USER_ID must be a full user id such as @lotse:stadt.de")
        if not (password or token):
            raise ConfigError("set MATRIX_PASSWORD or MATRIX_ACCESS_TOKEN for the Matrix login")
        return cls(
            homeserver,
            user,
            password,
            token,
            environ.get("MATRIX_DEVICE_ID"),
            environ.get("MATRIX_PICKLE_KEY"),
        )


def open_client(
    credentials: Credentials, folder: Path, device_id: str | None, sync_timeout_ms: int
) -> AsyncClient:
    """The client with its crypto store in ``folder``; nio's own retries are off (``Retrying``
    does them) and a request may last as long as a sync waits, and some."""
    return AsyncClient(
        credentials.homeserver,
        credentials.user_id,
        device_id=device_id,
        store_path=str(folder),
        config=AsyncClientConfig(
            max_limit_exceeded=0,  # rate limits and timeouts are handled by Retrying
            max_timeouts=0,
            encryption_enabled=True,
            pickle_key=crypto_store_key(folder, credentials.pickle_key),
            store_sync_tokens=False,  # the sync token lives in MatrixState
            request_timeout=sync_timeout_ms / 1000 + 30,
        ),
    )


async def log_in(
    client: AsyncClient, creds: Credentials, state: MatrixState, retrying: Retrying
) -> None:
    """Log in with the access token (checked first) or the password, and keep the device."""
    if creds.access_token:
        client.access_token = creds.access_token
        who = await retrying(client.whoami, "whoami", permanent_ok=True)
        if not isinstance(who, WhoamiResponse) or who.user_id != creds.user_id:
            raise ConfigError(f"MATRIX_ACCESS_TOKEN is not valid for {creds.user_id}")
        device = who.device_id or creds.device_id
        if not device:
            raise ConfigError("set MATRIX_DEVICE_ID: the access token names no device")
        client.restore_login(creds.user_id, device, creds.access_token)
    else:
        assert creds.password is not None
        password = creds.password
        response = await retrying(
            lambda: client.login(password, device_name="Ideenlotse"),
            "login",
            permanent_ok=True,
        )
        if not isinstance(response, LoginResponse):
            raise ConfigError(f"Matrix login as {creds.user_id} failed: {response}")
    state.user_id, state.device_id = creds.user_id, client.device_id
    state.save()
    log.info("matrix: logged in as %s, device %s", creds.user_id, client.device_id)
    if client.should_upload_keys:
        await retrying(client.keys_upload, "keys upload")
