"""slack/manifest.yml asks for what the adapter uses: events, command, scopes, Socket Mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MANIFEST = Path(__file__).parents[2] / "slack" / "manifest.yml"


def test_manifest_matches_the_adapter() -> None:
    manifest: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    settings = manifest["settings"]
    events = set(settings["event_subscriptions"]["bot_events"])
    assert events == {"app_mention", "message.channels", "message.groups", "message.im"}
    assert settings["interactivity"]["is_enabled"] and settings["socket_mode_enabled"]
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/lotse"
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needed = {
        "app_mentions:read",
        "channels:history",
        "groups:history",
        "im:history",
        "chat:write",
        "commands",
        "im:write",
        "users:read",
        "files:write",
    }
    assert scopes == needed
    assert manifest["features"]["app_home"]["messages_tab_enabled"]
