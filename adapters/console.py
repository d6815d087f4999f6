"""Console chat: the terminal as a chat platform, for trying Ideenlotse and for tests.

Each line typed (or piped in) is one message in an idea room. Replies are printed as
Markdown; buttons are shown with the command that does the same, since a terminal cannot
click. A reply meant for somebody else than the person typing (a direct message to the CDO,
an answer into another person's thread) is headed by whom it is for, since the terminal shows
everything to whoever sits at it.

Replies take the same path as on every platform: the core commits them to the store's outbox
with the message (``bot.delivery``), and the console takes them from there, prints them and
marks them delivered. It takes the replies to its own messages, and the scheduled ones for
console people (or for no platform's ids); replies to another console process's messages are
that process's to print.
"""

from __future__ import annotations

import shutil
import sys
import uuid
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from bot.core import Bot
from bot.delivery import Delivery, Outbox
from bot.domain_events import PersonErased
from bot.events import Message, Reply, Sender

PLATFORM = "console"
ROOM = "konsole"
CLAIMABLE = ("cdo", "cio")  # what `chat --role` makes a console person besides staff


def to_message(sender: Sender, line: str, event_id: str | None = None) -> Message:
    return Message(PLATFORM, event_id or uuid.uuid4().hex, sender, line.rstrip("\n"), ROOM)


Names = Callable[[str], str | None]  # a console user id -> their display name, if known


def nobody(user_id: str) -> str | None:
    return None


def label(user_id: str, name_of: Names = nobody) -> str:
    """The person as the heading names them: name and id, or the id alone when the name is
    unknown or the same (``chat --as anna`` is called "anna")."""
    name = name_of(user_id)
    return f"{name} ({user_id})" if name and name != user_id else user_id


def addressee(
    reply: Reply, me: str, name_of: Names = nobody, author_of: Names = nobody
) -> str | None:
    """The heading that says for whom a reply is, None when it is for the person typing.

    ``author_of`` tells who posted a message (by event id): a reply sent into the thread of
    somebody else's message, such as the answer to their question, is for them.
    """
    if reply.direct_to == me:
        return None
    if reply.direct_to is not None:
        return f"[Direktnachricht an {label(reply.direct_to, name_of)}]"
    if reply.room is None:  # the thread of the message just typed
        return None
    if reply.room != ROOM:
        return f"[In den Raum {reply.room}]"
    author = author_of(reply.thread_id) if reply.thread_id else None
    if author == me:
        return None
    if author is None:
        return "[In den Thread einer früheren Nachricht, nicht an Sie]"
    return f"[An {label(author, name_of)}, im Thread]"


def to_text(
    reply: Reply,
    me: str,
    outbox: Path | None = None,
    name_of: Names = nobody,
    author_of: Names = nobody,
) -> str:
    """The reply as terminal text; attachments are saved in ``outbox`` and named by path."""
    text = reply.text
    heading = addressee(reply, me, name_of, author_of)
    if heading is not None:
        text = f"{heading}\n{text}"
    if reply.buttons:
        # apart from the last section, so they do not read as part of it (trial 31)
        text += "\n\n" + "\n".join(f"  [{b.label}] {b.command}" for b in reply.buttons)
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


@dataclass
class Seen:
    """Who typed what in this process. Every chat on one bot shares it (several people can
    type in one process, as the tests and scenario runs do), so a reply into the thread of
    somebody else's message names them."""

    names: dict[str, str] = field(default_factory=dict)  # user id -> display name
    authors: dict[str, str] = field(default_factory=dict)  # event id -> user id

    def forget(self, user_id: str) -> None:
        self.names.pop(user_id, None)
        self.authors = {e: u for e, u in self.authors.items() if u != user_id}


_SEEN: weakref.WeakKeyDictionary[Bot, Seen] = weakref.WeakKeyDictionary()


def seen_by(bot: Bot) -> Seen:
    return _SEEN.setdefault(bot, Seen())


LocalCommand = Callable[[str], str]  # the words after the command -> the text to print
SCHEDULED = ("reminder", "digest")


class ConsoleChat:
    def __init__(
        self,
        bot: Bot,
        sender: Sender,
        out: TextIO | None = None,
        jobs: Callable[[], object] | None = None,
        outbox: Path | None = None,
        names: Names = nobody,
        commands: Mapping[str, LocalCommand] | None = None,
        queue: Outbox | None = None,
    ):
        self.bot = bot
        self.sender = sender
        self.out = out or sys.stdout
        self.jobs = jobs  # queues due reminders and the like; run after every message
        self.queue = queue or Outbox()  # the store's outbox, as the console takes from it
        self.outbox = outbox  # where attachments (exports, digest pictures) are written
        self.names = names  # display names of people who typed elsewhere (another process)
        self.commands = dict(commands or {})  # the console's own, e.g. "beispiele"
        self.seen = seen_by(bot)
        bot.subscribe(self._on_event)

    def _on_event(self, event: object) -> None:
        """An erased person's files (their self-service export) go with them, and so does
        what this process remembers of them."""
        if isinstance(event, PersonErased) and event.platform == PLATFORM:
            self.seen.forget(event.user_id)
            if self.outbox:
                shutil.rmtree(self.outbox / folder_name(event.user_id), ignore_errors=True)
            if (history := sys.modules.get("readline")) is not None:  # arrow-up would still
                history.clear_history()  # recall the erased idea (trial 24)

    def author_of(self, event_id: str) -> str | None:
        """Who wrote a message: typed here, or in another console process (the store knows;
        trial 10: the CDO's answer went "into the thread of an earlier message, not to you")."""
        if event_id in self.seen.authors:
            return self.seen.authors[event_id]
        with self.bot.store.transaction():
            return self.bot.store.event_author(PLATFORM, event_id)

    def name_of(self, user_id: str) -> str | None:
        return self.seen.names.get(user_id) or self.names(user_id)

    def say(self, line: str) -> list[Reply]:
        """Handle one line and print what the bot says to it, then what is due; returns it."""
        local = self._local(line)
        taken: list[Delivery] = []
        if local is not None:
            replies = [Reply(local)]  # the console's own command: nothing the bot committed
        else:
            self._claims()
            message = to_message(self.sender, line)
            self.seen.names[self.sender.user_id] = self.sender.display_name
            self.seen.authors[message.event_id] = self.sender.user_id
            handled = self.bot.process(message, idea_room=True)
            replies = [] if handled.queued else handled.replies
            taken += self._take(cause=message.event_id)
        if self.jobs is not None:
            self.jobs()
            taken += self._take(kinds=SCHEDULED)
        replies += [delivery.reply for delivery in taken]
        me = self.sender.user_id
        for reply in replies:
            if reply.notes_direct:  # the direct message itself follows in this terminal
                continue
            text = to_text(reply, me, self.outbox, self.name_of, self.author_of)
            print(text, file=self.out)
            print(file=self.out)
        self.out.flush()
        self.queue.delivered(self.bot.store, taken, self.bot.clock())
        return replies

    def _claims(self) -> None:
        """Who claimed a role in a console, this person's claim (``chat --role``) included:
        read before every line, since others claim theirs in other processes meanwhile."""
        me = self.sender.user_id
        with self.bot.store.transaction():
            stored = self.bot.store.role_claims(PLATFORM)
        claims = {user: role for user, role in stored.items() if role in CLAIMABLE and user != me}
        mine = self.bot.settings.role_for(me, self.sender.role)
        if mine in CLAIMABLE:
            claims[me] = mine
        self.bot.settings = replace(self.bot.settings, claimed_roles=claims)

    def _take(
        self, *, cause: str | None = None, kinds: tuple[str, ...] = ("answer",)
    ) -> list[Delivery]:
        return self.queue.take(self.bot.store, PLATFORM, self.bot.clock(), kinds=kinds, cause=cause)

    def _local(self, line: str) -> str | None:
        """The console's own commands (not the bot's): the text to print, or None."""
        words = line.strip().split(maxsplit=1)
        if not words or not words[0].startswith("!"):
            return None
        command = self.commands.get(words[0][1:].casefold())
        if command is None:
            return None
        return command(words[1] if len(words) > 1 else "")

    def run(self, lines: Iterable[str]) -> None:
        for line in lines:
            if line.strip():
                self.say(line)


def prompt_loop(
    old_history: Path, greeting: str, prompt: str, start: Callable[[], ConsoleChat]
) -> None:
    """A prompt with line editing, and a history of this session only.

    Trial 27: a history file kept between sessions was one for every console user, and an
    erasure by ``ideenlotse forget`` left the person's ideas in it; so the lines are kept
    in memory only, and ``old_history`` (the file of earlier versions) is removed.

    The prompt comes at once; ``start`` makes the chat (loading the model and the similarity
    index, which takes a second or two) and is called for the first message, which waits
    only for what is still loading.
    """
    import readline  # noqa: F401  (line editing and arrow-up recall for input())

    old_history.unlink(missing_ok=True)
    print(greeting, flush=True)
    chat: ConsoleChat | None = None
    try:
        while True:
            try:
                line = input(prompt)
            except EOFError:
                print()
                break
            if line.strip() in ("!ende", "!quit", "!exit"):
                break
            if line.strip():
                chat = chat or start()
                chat.say(line)
    except KeyboardInterrupt:
        print()
