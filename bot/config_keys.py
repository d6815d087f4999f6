"""The keys the config file may hold: a misspelt one is an error, not a silent default."""

from __future__ import annotations

from typing import Any

# Every key the file may hold (roles: any role name, checked where read). A misspelt one
# ("erase_modus", "[role]") was ignored in silence: the install then ran with the default
# while the administrator believed otherwise (trial 24).
KNOWN: dict[str, frozenset[str] | None] = {
    "language": None, "data_dir": None, "command_prefix": None, "roles": None,
    "rooms": frozenset({"ideas"}),
    "limits": frozenset({"max_text_length", "search_results", "messages_per_minute"}),
    "matching": frozenset({"model"}),
    "questions": frozenset(
        {"holiday_state", "sla_hours", "timezone", "triage_room", "working_hours"}
    ),
    "digest": frozenset({"days", "schedule", "staff_council", "timezone"}),
    "privacy": frozenset({"erase_mode", "retention_days", "event_days"}),
    "matrix": frozenset(
        {"allowed_inviters", "device_trust", "due_interval_seconds", "encrypt_direct_rooms"}
    ),
}  # fmt: skip


def unknown_setting(raw: dict[str, Any]) -> str | None:
    """What is wrong with the first key no setting reads, if any."""
    for key, value in raw.items():
        if key not in KNOWN:
            return f"unknown setting '{key}' (known: {', '.join(KNOWN)})"
        inner = KNOWN[key]
        if inner is not None and isinstance(value, dict):
            for name in value:
                if name not in inner:
                    return f"unknown setting '{key}.{name}' (known: {', '.join(sorted(inner))})"
    return None
