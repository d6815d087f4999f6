"""Walk: the project modules one posted idea passes through, from the Matrix event to nio.

Issue #16 asked how far a single idea travels: how many of our modules it touches and how
often it changes between them, between ``bot/`` and the layers below above all. This walks
one idea through the Matrix adapter's handler in-process and records, with
``sys.setprofile`` (and ``threading.setprofile`` for the worker thread the adapter hands the
core to), every call into ``adapters/``, ``bot/``, ``knowledge/`` and ``matching/``.

What is counted:

- a *project call*: a function of one of those four packages starting. A generator or
  coroutine that resumes is not a new call; library code (nio, numpy, sqlite) and code made at
  run time (a dataclass's ``__init__``) are not project calls, nor are module bodies (imports).
- *modules touched*: the distinct modules with at least one project call.
- the *call path* of a call: the project frames on the stack below it, library frames in
  between skipped; its *caller* is the nearest of them. In the worker thread a call with no
  project frame below it on that thread has, as its caller, the project frame that handed the
  work over (the one that called ``asyncio.to_thread``).
- a *hop*: a project call whose module is not its caller's. Only calls count: going back to
  the caller when a call returns is no second hop.
- a *crossing*: a hop between ``bot/`` and ``knowledge/`` or ``matching/``, either way;
  ``crossings_in_suggest`` counts those under ``SemanticMatcher.suggest``.

The window opens when the event reaches the adapter's per-event handler (``_on_event``, what
its sync loop calls for each new timeline event) and closes when the reply is handed to nio
(``room_send`` of the message). No homeserver: the adapter's nio client is replaced by a
stand-in that knows the room and accepts sends. The store is SQLite in a temporary folder,
with a few ideas posted first; the encoder is the unit tests' hashing encoder with its
thresholds, so no model is loaded. One idea goes the same way unrecorded first (imports, lazy
set-ups), then the recorded one. The typing notice's timer is put out of reach: whether it
fires depends on the machine's speed, not on the path.

Only public entry points of the tree are used besides ``_on_event`` (unchanged since the
adapter began), so older commits can be walked too: put their tree first on the path,
``PYTHONPATH=/tmp/walk-before .venv/bin/python bench/walk.py``. A tree without
``bot.app.bootstrap`` gets the fake encoder into its ``build_app``. Where the adapter takes its
client (since it hands the client to its parts) the stand-in is passed in; an older adapter
gets it set after construction, and ``Credentials`` comes from ``adapters.matrix`` there.

Run: .venv/bin/python bench/walk.py   (prints the modules, then one JSON line, last)
"""

from __future__ import annotations

import asyncio
import dis
import inspect
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

sys.path.append(str(Path(__file__).resolve().parents[1]))  # after PYTHONPATH: an older tree wins

from nio import MatrixRoom, RoomMessageText, RoomSendResponse

import bot
from adapters import matrix
from bot.config import Settings
from bot.events import Message, Sender
from tests.fakes import SAMPLE, HashingEncoder, hashing_thresholds

# Where the walked tree keeps Credentials: asked by file, since with an import the editable
# install would find this tree's module for an older tree that lacks it.
if Path(matrix.__file__).with_name("matrix_connection.py").exists():
    from adapters.matrix_connection import Credentials
else:  # an older tree: the credentials lived in (or were re-exported by) adapters.matrix
    Credentials = matrix.Credentials  # type: ignore[misc]

PACKAGES = ("adapters", "bot", "knowledge", "matching")
BELOW = ("knowledge", "matching")
ROOM = "!ideen:walk.test"
BOT_USER = "@lotse:walk.test"
STAFF = "@anna:walk.test"
COLLEAGUE = "@bob:walk.test"  # wrote the ideas there are already
WARM_UP = "Die Sitzungsräume sollten ein stabiles WLAN für alle Gäste bekommen."
WALKED = "Eingangsrechnungen sollten automatisch digital verarbeitet und freigegeben werden."
GENERATOR_FLAGS = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


@dataclass
class Walk:
    """The project calls seen while ``active``, by the rules of the module docstring."""

    root: Path
    active: bool = False
    calls: Counter[str] = field(default_factory=Counter)
    hops: int = 0
    crossings: int = 0
    crossings_in_suggest: int = 0
    edges: set[tuple[str, str]] = field(default_factory=set)
    handed_over: str | None = None  # the module that last called asyncio.to_thread
    _modules: dict[CodeType, str | None] = field(default_factory=dict)
    _first: dict[CodeType, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def module_of(self, code: CodeType) -> str | None:
        if code not in self._modules:
            path = Path(code.co_filename)
            name = None
            if path.is_relative_to(self.root) and path.parts[len(self.root.parts)] in PACKAGES:
                parts = path.relative_to(self.root).with_suffix("").parts
                name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            self._modules[code] = name
        return self._modules[code]

    def starts(self, frame: FrameType) -> bool:
        """A call, not a generator or coroutine resuming (3.11: it resumes past its RESUME)."""
        code = frame.f_code
        if not code.co_flags & GENERATOR_FLAGS:
            return True
        if code not in self._first:
            resumes = (i.offset for i in dis.get_instructions(code) if i.opname == "RESUME")
            self._first[code] = next(resumes, 0)
        return frame.f_lasti <= self._first[code]

    def caller(self, frame: FrameType) -> tuple[str | None, bool]:
        """The module of the nearest project frame below, and whether ``suggest`` is below."""
        found, suggesting = None, False
        below = frame.f_back
        while below is not None:
            module = self.module_of(below.f_code)
            if module is not None:
                found = found or module
                if below.f_code.co_name == "suggest" and module.startswith("bot."):
                    suggesting = True
                    break
            below = below.f_back
        if found is None and threading.current_thread() is not threading.main_thread():
            found = self.handed_over
        return found, suggesting

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if not self.active or event != "call":
            return
        code = frame.f_code
        if code.co_name == "to_thread" and code.co_filename.endswith("asyncio/threads.py"):
            if self.starts(frame):
                self.handed_over = self.caller(frame)[0]
            return
        module = self.module_of(code)
        if module is None or code.co_name == "<module>" or not self.starts(frame):
            return
        caller, suggesting = self.caller(frame)
        with self._lock:
            self.calls[module] += 1
            if caller is None or caller == module:
                return
            self.hops += 1
            self.edges.add((caller, module))
            tops = {caller.split(".")[0], module.split(".")[0]}
            if "bot" in tops and tops & set(BELOW):
                self.crossings += 1
                self.crossings_in_suggest += suggesting

    def summary(self) -> dict[str, Any]:
        return {
            "modules": len(self.calls),
            "hops": self.hops,
            "crossings": self.crossings,
            "crossings_in_suggest": self.crossings_in_suggest,
            "calls": sum(self.calls.values()),
            "distinct_edges": len(self.edges),
        }


class StandIn:
    """What the adapter asks of nio while it handles an event: the room, and sends accepted.
    The first message sent closes the walk's window."""

    def __init__(self, room: MatrixRoom, walk: Walk):
        self.user_id, self.rooms, self.walk = BOT_USER, {room.room_id: room}, walk
        self.sent: list[dict[str, Any]] = []

    async def room_send(self, room_id: str, kind: str, content: dict[str, Any], *_: Any) -> Any:
        if kind == "m.room.message":
            self.walk.active = False  # handed back for sending: the walk ends here
            self.sent.append(content)
        return RoomSendResponse(f"$sent{len(self.sent)}:walk.test", room_id)

    async def room_typing(self, *_: Any, **__: Any) -> None:
        return None

    async def close(self) -> None:
        return None


def compose(settings: Settings) -> Any:
    """The app as the tree composes it, around the hashing encoder and its thresholds."""
    from bot import app as composing

    encoder, thresholds = HashingEncoder(), hashing_thresholds()
    if hasattr(composing, "bootstrap"):
        return composing.bootstrap(settings, encoder=encoder, thresholds=thresholds)
    # before issue #16 build_app loaded the configured model itself: it gets the fake instead
    stand_ins = {
        "provide_model": lambda *_, **__: None,
        "SentenceEncoder": lambda _info: encoder,
        "SemanticMatcher": partial(composing.SemanticMatcher, thresholds=thresholds),
    }
    for name, stand_in in stand_ins.items():
        setattr(composing, name, stand_in)
    return composing.build_app(settings)


def adapter_around(client: StandIn, app: Any, settings: Settings, credentials: Any) -> Any:
    """The tree's adapter with the stand-in as its client: passed in where the adapter takes
    one (its parts are handed the client when it is made), set afterwards in older trees."""
    if "client" in inspect.signature(matrix.MatrixAdapter).parameters:
        return matrix.MatrixAdapter(app, settings, credentials, client=client)
    adapter: Any = matrix.MatrixAdapter(app, settings, credentials)
    adapter.client = client
    return adapter


def posted(text: str, number: int) -> RoomMessageText:
    return RoomMessageText.from_dict(
        {
            "type": "m.room.message",
            "event_id": f"$walk{number}:walk.test",
            "sender": STAFF,
            "origin_server_ts": 1_764_000_000_000 + number,
            "content": {"msgtype": "m.text", "body": text},
        }
    )


async def walk_one(folder: Path, walk: Walk) -> list[dict[str, Any]]:
    """The messages sent for the walked idea (the first of them closed the window)."""
    settings = Settings(data_dir=folder, idea_rooms=(ROOM,))
    app = compose(settings)
    for number, text in enumerate(SAMPLE[:6]):  # ideas the walked one is compared with
        seed = Message("matrix", f"$seed{number}", Sender(COLLEAGUE, "Bob"), text, ROOM)
        app.bot.handle(seed, idea_room=True)
    credentials = Credentials("http://127.0.0.1:9", BOT_USER, password="unused")
    room = MatrixRoom(ROOM, BOT_USER)
    room.add_member(STAFF, "Anna", None)
    room.add_member(BOT_USER, "Ideenlotse", None)
    stand_in = StandIn(room, walk)
    adapter = adapter_around(stand_in, app, settings, credentials)
    try:
        await adapter._on_event(room, posted(WARM_UP, 1))  # sends the seeds' replies too
        before = len(stand_in.sent)
        walk.active = True
        await adapter._on_event(room, posted(WALKED, 2))
        walk.active = False
    finally:
        await adapter.close()
        app.close()
    return stand_in.sent[before:]


def main() -> None:
    walk = Walk(Path(bot.__file__).resolve().parents[1])
    matrix.TYPING_DELAY = 3600.0
    started = time.perf_counter()
    threading.setprofile(walk)  # the worker threads asyncio.to_thread starts from now on
    sys.setprofile(walk)
    try:
        with tempfile.TemporaryDirectory() as folder:
            sent = asyncio.run(walk_one(Path(folder), walk))
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    assert sent, "the walked idea got no reply: the walk did not reach nio"
    result = {"tree": str(walk.root), **walk.summary()}
    result["seconds"] = round(time.perf_counter() - started, 2)
    for module, count in sorted(walk.calls.items()):
        print(f"{count:6d}  {module}")
    print(
        f"{result['modules']} modules, {result['hops']} hops, {result['crossings']} crossings"
        f" between bot/ and knowledge/ or matching/ ({result['crossings_in_suggest']} in"
        f" suggest), {result['calls']} calls, {result['distinct_edges']} distinct edges"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
