"""DSGVO self-service: what the bot stores about me (Art. 15), and forget me (Art. 17).

Both act on the person who writes, never on somebody named in the command, so nobody can
ask for another person's data or erase them. The export goes to the person alone, as a
direct message with a JSON file; the erasure needs a second, explicit command.
"""

from __future__ import annotations

import json
from datetime import datetime

from bot import confirmations
from bot.commands import REGISTRY, Param
from bot.context import Context
from bot.events import Attachment, Button, Reply
from bot.render import typed
from bot.services.privacy import erase_person, export_person
from knowledge.folding import fold

EXPORT_FILENAME = "meine-daten.json"
CONFIRM_WORDS = {"bestaetigen", "confirm"}
ERASE = "erase"


@REGISTRY.command("meine-daten", aliases=("my-data",))
def meine_daten(ctx: Context) -> list[Reply]:
    t, person = ctx.t, ctx.person
    data = export_person(ctx.uow, person, ctx.now)
    tables = data["tables"]
    file = Attachment(
        EXPORT_FILENAME,
        json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"),
        "application/json",
    )
    text = t(
        "privacy.export_sent",
        ideas=len(tables["ideas"]),
        questions=len(tables["questions"]),
        interests=len(tables["interests"]),
    )
    replies = [Reply(text, direct_to=person.platform_user_id, attachments=(file,))]
    if not ctx.message.is_direct:  # a note the console leaves out: the file follows there
        replies.insert(0, Reply(t("privacy.export_notice"), notes_direct=True))
    return replies


@REGISTRY.command(
    "vergiss-mich",
    aliases=("forget-me",),
    params=(Param("confirmation", required=False), Param("code", required=False)),
)
def vergiss_mich(ctx: Context, confirmation: str | None, code: str | None) -> list[Reply]:
    """Asked in a direct message with a one-time code: whoever clicks the button or types the
    command erases only themselves, and only with the code they were sent in the last minutes."""
    t, person = ctx.t, ctx.person
    mode = ctx.settings.privacy.erase_mode
    now = datetime.fromisoformat(ctx.now)
    if confirmation is None:
        ideas, questions = ctx.store.erasure_preview(person.id)
        what = t(f"privacy.what_{mode}", ideas=ideas, questions=questions)
        issued = confirmations.issue(ctx.store, ERASE, person.id, now)
        command = typed(t, "vergiss-mich", t("word.confirm"), issued)
        button = Button(t("privacy.forget_button"), command, "danger")
        ask = t("privacy.forget_ask", what=what, code=issued)
        return ctx.privately([Reply(ask, buttons=(button,))])
    if fold(confirmation) not in CONFIRM_WORDS or code is None:
        return [Reply(t("privacy.forget_bad_word"))]
    if not confirmations.redeem(ctx.store, ERASE, person.id, code, now):
        return [Reply(t("privacy.forget_bad_code"))]
    erasure = erase_person(
        ctx.uow, person, ctx.now, mode=mode, anonymous_label=t("privacy.anonymous")
    )
    if mode == "delete":
        ideas, questions = len(erasure.deleted_ideas), len(erasure.deleted_questions)
    else:
        ideas, questions = erasure.anonymised_ideas, erasure.anonymised_questions
    return ctx.privately([Reply(t(f"privacy.forgotten_{mode}", ideas=ideas, questions=questions))])
