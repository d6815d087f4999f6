"""Matrix settings and credentials: bad values are refused with one clear line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from nio.crypto import OlmDevice

from adapters.matrix import MatrixAdapter, serve
from adapters.matrix_connection import Credentials
from adapters.matrix_retry import Backoff
from adapters.matrix_state import MatrixState
from bot.config import ConfigError, MatrixSettings, load_settings

GOOD = {
    "MATRIX_HOMESERVER": "https://matrix.stadt.de",
    "MATRIX_USER_ID": "@lotse:stadt.de",
    "MATRIX_PASSWORD": "geheim",
}


def settings_from(tmp_path: Path, text: str) -> MatrixSettings:
    path = tmp_path / "ideenlotse.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, {}).matrix


def test_matrix_table_is_read(tmp_path: Path) -> None:
    found = settings_from(
        tmp_path,
        '[matrix]\nallowed_inviters = ["partner.de", "@kim:land.de"]\ndevice_trust = "tofu"\n'
        "encrypt_direct_rooms = false\ndue_interval_seconds = 5\n",
    )
    assert found == MatrixSettings(("partner.de", "@kim:land.de"), "tofu", False, 5.0)
    assert settings_from(tmp_path, "") == MatrixSettings()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[matrix]\ndevice_trust = "blind"', "'matrix.device_trust' must be one of all, tofu"),
        ('[matrix]\nallowed_inviters = "partner.de"', "'matrix.allowed_inviters' must be a list"),
        ('[matrix]\nencrypt_direct_rooms = "ja"', "'matrix.encrypt_direct_rooms' must be true"),
        ("[matrix]\ndue_interval_seconds = 0", "'matrix.due_interval_seconds' must be a number"),
        ('[matrix]\naccess_token = "x"', "looks like a secret"),
    ],
)
def test_bad_matrix_settings_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        settings_from(tmp_path, text)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"MATRIX_HOMESERVER": "matrix.stadt.de"}, "MATRIX_HOMESERVER must be a URL"),
        ({"MATRIX_USER_ID": "lotse"}, "MATRIX_USER_ID must be a full user id"),
        ({"MATRIX_PASSWORD": ""}, "set MATRIX_PASSWORD or MATRIX_ACCESS_TOKEN"),
    ],
)
def test_bad_credentials_are_refused_before_connecting(
    change: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Credentials.from_environ(GOOD | change)


@pytest.mark.anyio
async def test_serve_refuses_missing_credentials(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MATRIX_USER_ID"):
        await serve(
            None,
            load_settings(None, {"IDEENLOTSE_DATA_DIR": str(tmp_path)}),
            {  # type: ignore[arg-type]
                "MATRIX_HOMESERVER": "https://matrix.stadt.de"
            },
        )


def test_state_round_trips_with_buttons(tmp_path: Path) -> None:
    state = MatrixState(tmp_path / "state.json", "@lotse:stadt.de", "DEV", "s1_2")
    state.direct_rooms["@anna:stadt.de"] = "!dm:stadt.de"
    state.remember_buttons("$bot", "$t", ["!unterstuetzen 1"], "@anna:stadt.de")
    state.save()
    loaded = MatrixState.load(state.path)
    assert loaded == state
    loaded.forget("@anna:stadt.de")  # an erasure: whom a button was for goes too
    assert "@anna:stadt.de" not in str(loaded.buttons) and not loaded.direct_rooms


def test_backoff_doubles_up_to_a_ceiling() -> None:
    delays = [Backoff(0.5, 15).delay(n) for n in range(8)]
    assert delays == [0.5, 1, 2, 4, 8, 15, 15, 15]


@pytest.mark.anyio
@pytest.mark.parametrize("policy", ["all", "tofu"])
async def test_device_trust_policy(tmp_path: Path, policy: str) -> None:
    """With real nio device objects: under tofu, a device added later gets no keys."""
    settings = load_settings(None, {"IDEENLOTSE_DATA_DIR": str(tmp_path)})
    settings = replace(settings, matrix=MatrixSettings(device_trust=policy))
    adapter = MatrixAdapter(None, settings, Credentials.from_environ(GOOD))  # type: ignore[arg-type]
    client = adapter.client
    client.restore_login("@lotse:stadt.de", "BOTDEVICE", "no-network-needed")
    store = client.device_store
    phone = OlmDevice("@anna:stadt.de", "PHONE", {"ed25519": "e1", "curve25519": "c1"})
    store.add(phone)
    adapter.keys.apply_trust()
    stolen = OlmDevice("@anna:stadt.de", "LATER", {"ed25519": "e2", "curve25519": "c2"})
    store.add(stolen)
    adapter.keys.apply_trust()
    if policy == "tofu":
        assert phone.verified and not phone.blacklisted  # seen with Anna's first keys
        assert stolen.blacklisted and not stolen.verified  # appeared later: kept out
    else:  # "all": nobody is judged; messages go to every device (ignore_unverified_devices)
        assert not (phone.verified or phone.blacklisted or stolen.blacklisted)
    await adapter.close()
