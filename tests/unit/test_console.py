"""The console adapter: lines in, Markdown out, buttons shown as the commands they stand for."""

from __future__ import annotations

import io
from pathlib import Path

from adapters.console import ConsoleChat, to_message, to_text
from bot.clock import iso
from bot.config import Settings
from bot.core import Bot
from bot.delivery import Outbox
from bot.events import Button, Reply, Sender
from knowledge.open import open_store


def test_to_message_and_to_text() -> None:
    message = to_message(Sender("anna", "Anna"), "!hilfe\n", event_id="x1")
    assert (message.platform, message.event_id, message.text) == ("console", "x1", "!hilfe")
    reply = Reply("Hallo", buttons=(Button("Unterstützen #3", "!unterstuetzen 3"),))
    assert to_text(reply, "anna") == "Hallo\n\n  [Unterstützen #3] !unterstuetzen 3"
    assert to_text(Reply("Psst", direct_to="bob"), "anna").startswith("[Direktnachricht an bob]")
    assert to_text(Reply("Für mich", direct_to="anna"), "anna") == "Für mich"


def test_due_jobs_are_printed_after_each_message(bot: Bot) -> None:
    """A job puts its reminder into the outbox (as ``App.due`` does); the console prints it
    from there after the message, once."""
    out = io.StringIO()
    due = [[Reply("Erinnerung: Frage #1 ist offen.", direct_to="cdo-user")], [], []]

    def job() -> None:
        with bot.store.transaction():
            now = iso(bot.clock())
            Outbox().queue(bot.store, due.pop(0), kind="reminder", cause="1:remind", now=now)

    chat = ConsoleChat(bot, Sender("anna", "Anna"), out, jobs=job)
    chat.run(["!idee Akten digital führen\n", "   \n", "!suche Akten\n", "!hilfe\n"])
    text = out.getvalue()
    assert "**#1**" in text and "[Direktnachricht an cdo-user]\nErinnerung" in text
    assert text.index("Erinnerung") < text.index("gefunden")
    assert text.count("Erinnerung") == 1
    assert bot.store.parcels(waiting=True) == []  # everything printed is marked delivered


def test_console_replies_go_through_the_outbox(bot: Bot) -> None:
    """What the console prints was committed to the outbox with the message, and is marked
    delivered once printed; another console's replies are left to that console."""
    anna = ConsoleChat(bot, Sender("anna", "Anna"), io.StringIO())
    [saved] = anna.say("!idee Akten digital führen")
    [parcel] = bot.store.parcels()
    assert (parcel.platform, parcel.kind, parcel.attempts) == ("console", "answer", 1)
    assert parcel.delivered_at is not None and parcel.content is None  # sent: text forgotten
    other = to_message(Sender("bob", "Bob"), "!hilfe")
    bot.handle(other, idea_room=True)  # as another console process would
    anna.say("!suche Akten")
    assert [p.cause for p in bot.store.parcels(waiting=True)] == [other.event_id]
    assert "#1" in saved.text


def test_an_erased_console_user_leaves_no_file_behind(tmp_path: Path) -> None:
    """Each person's export in their own folder (no two users share a file name), and gone with
    them when they are forgotten."""
    store = open_store(tmp_path / "data")
    bot = Bot(store, Settings(data_dir=tmp_path / "data"))
    outbox = tmp_path / "data" / "dateien"
    anna = ConsoleChat(bot, Sender("anna", "Anna"), out=io.StringIO(), outbox=outbox)
    bob = ConsoleChat(bot, Sender("bob", "Bob"), out=io.StringIO(), outbox=outbox)
    anna.say("!idee Akten digital führen")
    anna.say("!meine-daten")
    bob.say("!meine-daten")
    assert (outbox / "anna" / "meine-daten.json").exists()
    assert (outbox / "bob" / "meine-daten.json").exists()
    import readline

    readline.add_history("!idee Akten digital führen")  # as the prompt keeps what was typed
    asked = anna.say("!vergiss-mich")
    command = next(b.command for r in asked for b in r.buttons)
    anna.say(command)
    assert store.find_person("console", "anna") is None
    assert not (outbox / "anna").exists()
    assert readline.get_current_history_length() == 0  # trial 24: the history file kept it
    assert (outbox / "bob" / "meine-daten.json").exists()
    store.close()


def test_typed_lines_are_kept_for_the_session_only(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Trial 27: one history file for every console user kept an erased person's ideas."""
    from adapters.console import prompt_loop

    old = tmp_path / "console_history"
    old.write_text("!idee Geheime Testidee von Yvonne\n", encoding="utf-8")
    lines = iter(["!ende"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(lines))
    prompt_loop(old, "Hallo", "> ", lambda: None)  # type: ignore[arg-type,return-value]
    assert list(tmp_path.iterdir()) == []
