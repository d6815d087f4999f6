"""Turning records into the short Markdown lines users read."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot.commands import REGISTRY, Command
from bot.i18n import Translator
from bot.matcher import Colleague
from knowledge.records import Idea

if TYPE_CHECKING:
    from matching.routing import Route  # sklearn behind it: not loaded for rendering

SUMMARY_LENGTH = 90


def summary(text: str, length: int = SUMMARY_LENGTH) -> str:
    """The first line of a text, shortened on a word boundary."""
    first = " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
    if len(first) <= length:
        return first
    cut = first[:length].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:-–") + " …"


def department(t: Translator, name: str | None) -> str:
    return t("idea.department", department=name) if name else ""


def idea_line(t: Translator, idea: Idea) -> str:
    return t(
        "idea.line",
        id=idea.id,
        summary=summary(idea.title or idea.text),
        author=idea.author_name or t("idea.unknown_author"),
        department=department(t, idea.department),
        status=t(f"status.names.{idea.status}"),
        supporters=t("idea.supporters", count=idea.supporters) if idea.supporters else "",
    )


def colleague_line(t: Translator, colleague: Colleague) -> str:
    person = colleague.person
    return t(
        "idea.colleague_line",
        name=person.display_name,
        department=department(t, person.department),
        reason=colleague.reason,
    )


def command_name(t: Translator, command: Command) -> str:
    """The name users of this language type: German first, the English alias in English."""
    if t.language == "en" and command.aliases:
        return command.aliases[0]
    return command.name


def typed(t: Translator, name: str, *args: object) -> str:
    """A command as this reader would type it: the configured prefix, their language's name,
    then the values. The one place command strings are built: a button's command is shown
    where a platform has no buttons and is what a click sends, so it must parse here."""
    command = REGISTRY.lookup(name)
    assert command is not None, f"no command {name!r}"
    return " ".join([t.prefix + command_name(t, command), *(str(a) for a in args)])


def route_reason(t: Translator, route: Route) -> str:
    """The one line that tells the asker why their question goes where it goes."""
    if route.basis != "topic":
        return t(f"route.{route.basis}")
    areas = [t(f"area.{area}") for area in route.areas]
    if route.target == "both":
        if len(areas) == 2:
            return t("route.both_areas", organisation=areas[0], technology=areas[1])
        return t("route.both")
    if areas:
        return t("route.single", area=areas[0], role=t(f"route.role_{route.target}"))
    return t(f"route.side_{route.target}")


def usage(t: Translator, command: Command) -> str:
    parts = [typed(t, command.name)]
    for param in command.params:
        label = t(f"param.{param.name}")
        parts.append(f"<{label}>" if param.required else f"[{label}]")
    return " ".join(parts)


def roles_phrase(t: Translator, roles: frozenset[str]) -> str:
    order = ("cdo", "cio", "admin", "staff")
    return ", ".join(t(f"roles.{role}") for role in order if role in roles)


def json_document(data: dict[str, object]) -> str:
    """``data`` as JSON for people and programs: indented at the top, one line per list item.

    Indenting every level makes json use its pure-Python encoder: 0.3 s for an export of
    10,000 ideas, more than the whole command may take; item by item, its C encoder writes.
    """
    fields = []
    for key, value in data.items():
        name = json.dumps(key)
        if isinstance(value, list) and value:
            items = ",\n".join("    " + json.dumps(item, ensure_ascii=False) for item in value)
            fields.append(f"  {name}: [\n{items}\n  ]")
        else:
            fields.append(f"  {name}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(fields) + "\n}"
