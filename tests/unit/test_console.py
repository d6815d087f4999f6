"""The console adapter: lines in, Markdown out, buttons shown as the commands they stand for."""

from __future__ import annotations

import io

from adapters.console import ConsoleChat, to_message, to_text
from bot.core import Bot
from bot.events import Button, Reply, Sender


def test_to_message_and_to_text() -> None:
    message = to_message(Sender("anna", "Anna"), "!hilfe\n", event_id="x1")
    assert (message.platform, message.event_id, message.text) == ("console", "x1", "!hilfe")
    reply = Reply("Hallo", buttons=(Button("Unterstützen #3", "!unterstuetzen 3"),))
    assert to_text(reply, "anna") == "Hallo\n  [Unterstützen #3] !unterstuetzen 3"
    assert to_text(Reply("Psst", direct_to="bob"), "anna").startswith("[Direktnachricht an bob]")
    assert to_text(Reply("Für mich", direct_to="anna"), "anna") == "Für mich"


def test_due_jobs_are_printed_after_each_message(bot: Bot) -> None:
    out = io.StringIO()
    due = [[Reply("Erinnerung: Frage #1 ist offen.", direct_to="cdo-user")], []]
    chat = ConsoleChat(bot, Sender("anna", "Anna"), out, jobs=lambda: due.pop(0))
    chat.run(["!idee Akten digital führen\n", "   \n", "!suche Akten\n"])
    text = out.getvalue()
    assert "**#1**" in text and "[Direktnachricht an cdo-user]\nErinnerung" in text
    assert text.index("Erinnerung") < text.index("gefunden")
