"""Console chat: the terminal as a chat platform, for trying Ideenlotse and for tests.

Each line typed (or piped in) is one message in an idea room. Replies are printed as
Markdown; buttons are shown with the command that does the same, since a terminal cannot
click.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from bot.core import Bot
from bot.domain_events import PersonErased
from bot.events import Message, Reply, Sender

PLATFORM = "console"
ROOM = "konsole"


def to_message(sender: Sender, line: str, event_id: str | None = None) -> Message:
    return Message(PLATFORM, event_id or uuid.uuid4().hex, sender, line.rstrip("\n"), ROOM)


def to_text(reply: Reply, me: str, outbox: Path | None = None) -> str:
    """The reply as terminal text; attachments are saved in ``outbox`` and named by path."""
    text = reply.text
    if reply.direct_to is not None and reply.direct_to != me:
        text = f"[Direktnachricht an {reply.direct_to}]\n{text}"
    if reply.buttons:
        text += "\n" + "\n".join(f"  [{b.label}] {b.command}" for b in reply.buttons)
    for attachment in reply.attachments:
        if outbox is None:
            text += f"\n[Datei: {attachment.filename}]"
            continue
        folder = outbox / folder_name(reply.direct_to or me)  # one person's files apart
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / Path(attachment.filename).name  # never a path from elsewhere
        path.write_bytes(attachment.data)
        text += f"\n[Datei gespeichert: {path}]"
    return text


def folder_name(user_id: str) -> str:
    """A console user's own folder in the outbox: their name, made safe as one path part."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in user_id).strip(".")
    return safe or "_"


class ConsoleChat:
    def __init__(
        self,
        bot: Bot,
        sender: Sender,
        out: TextIO | None = None,
        jobs: Callable[[], list[Reply]] | None = None,
        outbox: Path | None = None,
    ):
        self.bot = bot
        self.sender = sender
        self.out = out or sys.stdout
        self.jobs = jobs  # due reminders and the like, checked after every message
        self.outbox = outbox  # where attachments (exports, digest pictures) are written
        bot.subscribe(self._on_event)

    def _on_event(self, event: object) -> None:
        """An erased person's files (their self-service export) go with them."""
        if isinstance(event, PersonErased) and event.platform == PLATFORM and self.outbox:
            shutil.rmtree(self.outbox / folder_name(event.user_id), ignore_errors=True)

    def say(self, line: str) -> list[Reply]:
        replies = self.bot.handle(to_message(self.sender, line), idea_room=True)
        if self.jobs is not None:
            replies = replies + self.jobs()
        for reply in replies:
            print(to_text(reply, self.sender.user_id, self.outbox), file=self.out)
            print(file=self.out)
        self.out.flush()
        return replies

    def run(self, lines: Iterable[str]) -> None:
        for line in lines:
            if line.strip():
                self.say(line)

    def interactive(self, history_file: Path, greet: Callable[[], str]) -> None:
        """A prompt with line editing and history kept between sessions."""
        import readline

        history_file.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # no history yet
            readline.read_history_file(history_file)
        readline.set_history_length(1000)
        print(greet(), file=self.out)
        try:
            while True:
                try:
                    line = input(f"{self.sender.display_name}> ")
                except EOFError:
                    print(file=self.out)
                    break
                if line.strip() in ("!ende", "!quit", "!exit"):
                    break
                if line.strip():
                    self.say(line)
        except KeyboardInterrupt:
            print(file=self.out)
        finally:
            readline.write_history_file(history_file)
