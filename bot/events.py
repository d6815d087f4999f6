"""What adapters hand to the core and what the core hands back.

Adapters translate platform payloads into these dataclasses and replies back into platform
messages; the core never sees a Slack or Matrix object. What people typed (text, commands,
names) is cleaned on construction (``bot.text_input``), whichever adapter builds the event.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.text_input import clean_text


def _clean(event: object, name: str, empty: str | None = "") -> None:
    value = getattr(event, name)
    if value is not None:  # frozen dataclasses: set once, on creation
        object.__setattr__(event, name, clean_text(value) or empty)


@dataclass(frozen=True)
class Sender:
    user_id: str  # platform identity: "@anna:stadt.de", "U0123", or the console name
    display_name: str
    department: str | None = None
    role: str | None = None  # only adapters that can vouch for it (the local console) set this
    language: str | None = None

    def __post_init__(self) -> None:
        _clean(self, "display_name")
        _clean(self, "department", empty=None)


@dataclass(frozen=True)
class Message:
    platform: str  # "console", "matrix", "slack"
    event_id: str  # the platform's id: a replay of the same event carries the same id
    sender: Sender
    text: str
    room: str | None = None
    thread_id: str | None = None  # the thread the message was posted in, if any
    is_direct: bool = False
    # A reply may open a thread on this event. A button click is a reaction: Matrix refuses
    # a thread on an event with a relation (trial 29: no click in a direct room was answered).
    starts_thread: bool = True
    answer_privately: bool = False  # a click on a button meant for somebody else
    replaces: str | None = None  # an edit: the event id of the message it changes

    def __post_init__(self) -> None:
        _clean(self, "text")


@dataclass(frozen=True)
class Action:
    """A button click. Every button carries the text command it stands for."""

    platform: str
    event_id: str
    sender: Sender
    command: str
    room: str | None = None
    thread_id: str | None = None
    is_direct: bool = False
    # the button was on a message for somebody else: the answer goes to the clicker alone
    # (trial 29: a refusal of mallory's click landed in anna's thread)
    answer_privately: bool = False

    def __post_init__(self) -> None:
        _clean(self, "command")

    def as_message(self) -> Message:
        return Message(
            platform=self.platform,
            event_id=self.event_id,
            sender=self.sender,
            text=self.command,
            room=self.room,
            thread_id=self.thread_id,
            is_direct=self.is_direct,
            starts_thread=False,
            answer_privately=self.answer_privately,
        )


@dataclass(frozen=True)
class Button:
    label: str
    command: str  # e.g. "!unterstuetzen 12": typed by hand where a platform has no buttons
    style: str | None = None  # "primary" or "danger"; platforms may ignore it


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply: the digest picture, a data export."""

    filename: str
    data: bytes
    mime_type: str


@dataclass(frozen=True)
class Reply:
    text: str  # Markdown
    room: str | None = None  # None: the room the message came from
    thread_id: str | None = None  # answer inside this thread
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    direct_to: str | None = None  # platform user id: deliver as a direct message instead
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    # "Das habe ich Ihnen als Direktnachricht geschickt": where direct messages show in the
    # same place as the room (the console), the note only confuses (trial 13)
    notes_direct: bool = False

    def in_thread_of(self, message: Message) -> Reply:
        # A reply addressed elsewhere (a direct message, or another room or thread such as a
        # triage room or the thread of an earlier question) keeps its own address.
        if self.direct_to is not None or message.is_direct or self.room is not None:
            return self
        if message.answer_privately:
            return replace(self, direct_to=message.sender.user_id, thread_id=None)
        root = message.event_id if message.starts_thread else None
        return replace(self, thread_id=message.thread_id or root)
