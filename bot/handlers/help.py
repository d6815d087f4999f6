"""Help, generated from the command declarations so it cannot drift from them."""

from __future__ import annotations

from bot import render
from bot.commands import REGISTRY, Param
from bot.context import Context
from bot.events import Reply
from bot.plans_questions import is_plan_contact


@REGISTRY.command("hilfe", aliases=("help",), params=(Param("command", required=False),))
def hilfe(ctx: Context, command: str | None) -> list[Reply]:
    t = ctx.t
    if command is None:
        # what this person may use (trial 26: staff read all 27, the CDO's and CIO's too)
        mine = [c for c in REGISTRY if not c.roles or ctx.person.role in c.roles]
        if any(c.also is not None for c in REGISTRY if c not in mine) and is_plan_contact(
            ctx.store, ctx.person
        ):
            mine = [c for c in REGISTRY if c in mine or c.also is not None]
        lines = [t("help.header"), ""]
        for each in mine:
            usage = render.usage(t, each)
            lines.append("• " + t("help.line", usage=usage, summary=t(f"cmd.{each.name}.summary")))
        lines += ["", t("help.footer")]
        if hidden := sum(1 for c in REGISTRY if c not in mine):
            lines.append(t("help.more_for_roles", count=hidden))
        return [Reply("\n".join(lines))]
    name = command.removeprefix(t.prefix.strip())  # "!hilfe !suche" asks for "suche"
    wanted = REGISTRY.lookup(name)
    if wanted is None:
        text = t("help.unknown", name=command)
        suggestion = REGISTRY.closest(name)
        if suggestion:
            named = render.typed(t, "hilfe", render.command_name(t, suggestion))
            text += " " + t("error.did_you_mean", suggestion=named)
        return [Reply(text)]
    return [Reply(command_help(ctx, wanted.name))]


def command_help(ctx: Context, name: str) -> str:
    t = ctx.t
    command = REGISTRY.lookup(name)
    assert command is not None
    text = t(
        "help.command",
        usage=render.usage(t, command),
        summary=t(f"cmd.{name}.summary"),
        description=t(f"cmd.{name}.description"),
        example=t(f"cmd.{name}.example"),
    )
    others = [n for n in command.names if n != render.command_name(t, command)]
    if others:
        text += "\n" + t("help.aliases", aliases=", ".join(t.prefix + n for n in others))
    if command.roles:
        text += "\n" + t("help.roles", roles=render.roles_phrase(t, command.roles))
    if command.also is not None:
        text += " " + t("help.contacts")
    return text
