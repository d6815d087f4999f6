"""Matrix latency: time from a staff member posting an idea to the bot's reply in its thread.

A real Synapse (tests/matrix/synapse.py) runs on 127.0.0.1. A staff member's matrix-nio
client posts 50 ideas into an idea room served by the Ideenlotse adapter (real model,
SQLite on disk), and, alternating with them, 50 messages into a second room served by a bare
echo bot (matrix-nio, answers in the thread at once). Both are measured the same way: from
just before ``room_send`` to the moment the staff client's sync delivers the reply, in the
same run on the same server. The overhead is Ideenlotse minus echo, per percentile.
A third series runs the same adapter with the core replaced by a ready answer, which splits
the overhead into the adapter's share and the core's (``Bot.handle`` is timed too).
After 3 warm-up ideas (model and router loaded). Prints a table, then one JSON line (last).
Run: .venv/bin/python bench/matrix_latency.py
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from nio import AsyncClient, AsyncClientConfig, MatrixRoom, RoomMessage, RoomMessageText

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters import matrix  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core import Handled  # noqa: E402
from bot.events import Reply  # noqa: E402
from matching.encoder import SentenceEncoder, provision_model  # noqa: E402
from tests.conftest import model_cache_dir  # noqa: E402
from tests.matrix.conftest import build_app  # noqa: E402
from tests.matrix.synapse import launch  # noqa: E402

RUNS = 50
WARMUP = 3
TARGET_P95_OVERHEAD_MS = 60.0


def ideas() -> list[str]:
    rows = (ROOT / "tests" / "fixtures" / "ideen.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(row)["text"] for row in rows]
    return [texts[i % len(texts)] + ("" if i < len(texts) else " – auch im Bauamt") for i in
            range(RUNS + WARMUP)]  # fmt: skip


class Waiter:
    """Staff client: futures resolved when a reply in the thread of an event arrives."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}  # a reply may come before room_send returns
        self.bodies: dict[str, str] = {}
        self.pending: dict[str, asyncio.Future[float]] = {}

    async def on_message(self, room: MatrixRoom, event: RoomMessage) -> None:
        relates = event.source.get("content", {}).get("m.relates_to") or {}
        if relates.get("rel_type") != "m.thread":
            return
        now, root = time.perf_counter(), relates.get("event_id", "")
        self.arrived.setdefault(root, now)
        self.bodies.setdefault(root, str(event.source.get("content", {}).get("body", "")))
        future = self.pending.get(root)
        if future is not None and not future.done():
            future.set_result(now)

    async def reply_to(self, event_id: str) -> float:
        if event_id in self.arrived:
            return self.arrived[event_id]
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.pending[event_id] = future
        return await asyncio.wait_for(future, 120)


async def login(url: str, user: str, password: str, folder: Path) -> AsyncClient:
    folder.mkdir(parents=True, exist_ok=True)
    config = AsyncClientConfig(encryption_enabled=False)
    client = AsyncClient(url, user, store_path=str(folder), config=config)
    await client.login(password)
    return client


async def echo_bot(client: AsyncClient) -> None:
    """The baseline: answer every text message in its thread, nothing else."""

    async def echo(room: MatrixRoom, event: RoomMessageText) -> None:
        if event.sender == client.user_id:
            return
        content = {
            "msgtype": "m.notice",
            "body": event.body,
            "m.relates_to": {"rel_type": "m.thread", "event_id": event.event_id},
        }
        await client.room_send(room.room_id, "m.room.message", content)

    async def join(room: MatrixRoom, event: Any) -> None:
        await client.join(room.room_id)

    from nio import InviteMemberEvent

    client.add_event_callback(join, InviteMemberEvent)
    await client.sync(timeout=0)  # history is not echoed
    client.add_event_callback(echo, RoomMessageText)
    await client.sync_forever(timeout=30_000)


async def joined(client: AsyncClient, room_id: str, user_id: str) -> None:
    while True:
        members = await client.joined_members(room_id)
        if user_id in {m.user_id for m in getattr(members, "members", [])}:
            return
        await asyncio.sleep(0.05)


async def measure(staff: AsyncClient, waiter: Waiter, room_id: str, text: str) -> tuple[float, str]:
    start = time.perf_counter()
    content = {"msgtype": "m.text", "body": text}
    response = await staff.room_send(room_id, "m.room.message", content)
    event_id = str(response.event_id)
    arrived = await waiter.reply_to(event_id)
    return (arrived - start) * 1000, event_id


def percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 1), "p95": round(cuts[94], 1), "max": round(max(values), 1)}


async def run(folder: Path) -> dict[str, Any]:
    server = launch(folder / "synapse")
    tasks: list[asyncio.Task[Any]] = []
    clients: list[AsyncClient] = []
    try:
        (bot_id, bot_pw), (echo_id, echo_pw), (staff_id, staff_pw) = (
            server.register(name) for name in ("lotse", "echo", "anna")
        )
        staff = await login(server.url, staff_id, staff_pw, folder / "anna")
        echo = await login(server.url, echo_id, echo_pw, folder / "echo")
        clients += [staff, echo]
        waiter = Waiter()
        staff.add_event_callback(waiter.on_message, RoomMessage)
        idea_room = str((await staff.room_create(invite=[bot_id])).room_id)
        echo_room = str((await staff.room_create(invite=[echo_id])).room_id)

        encoder = SentenceEncoder(provision_model(None, model_cache_dir()))
        # One person posting 50 ideas a minute would meet the core's flood limit.
        settings = Settings(
            data_dir=folder / "bot", idea_rooms=(idea_room,), messages_per_minute=100_000
        )
        app = build_app(settings, encoder)
        handle_ms: list[float] = []
        process = app.bot.process  # what the adapter calls for each event
        instant = [False]  # True: the adapter alone, the core replaced by a ready answer

        def timed_process(event: Any, **kwargs: Any) -> Handled:
            if instant[0]:
                return Handled([Reply("Ihre Idee ist gespeichert.").in_thread_of(event)], False)
            start = time.perf_counter()
            try:
                return process(event, **kwargs)
            finally:
                handle_ms.append((time.perf_counter() - start) * 1000)

        app.bot.process = timed_process  # type: ignore[method-assign]
        environ = {"MATRIX_HOMESERVER": server.url, "MATRIX_USER_ID": bot_id,
                   "MATRIX_PASSWORD": bot_pw}  # fmt: skip
        tasks.append(asyncio.create_task(matrix.serve(app, settings, environ)))
        tasks.append(asyncio.create_task(echo_bot(echo)))
        await staff.sync(timeout=0)
        tasks.append(asyncio.create_task(staff.sync_forever(timeout=30_000)))
        await joined(staff, idea_room, bot_id)
        await joined(staff, echo_room, echo_id)

        texts = ideas()
        for text in texts[:WARMUP]:
            await measure(staff, waiter, idea_room, text)
            await measure(staff, waiter, echo_room, text)
        bot_ms, echo_ms, adapter_ms = [], [], []
        del handle_ms[:]
        posted = []
        for text in texts[WARMUP:]:
            echo_ms.append((await measure(staff, waiter, echo_room, text))[0])
            elapsed, event_id = await measure(staff, waiter, idea_room, text)
            bot_ms.append(elapsed)
            posted.append(event_id)
            instant[0] = True
            adapter_ms.append((await measure(staff, waiter, idea_room, "!idee " + text))[0])
            instant[0] = False
        app.close()
        # Every reply measured must be the idea's confirmation, not some other notice.
        confirmed = sum(f"**#{n}**" in waiter.bodies[e] for n, e in enumerate(posted, WARMUP + 1))
        return {"bot": bot_ms, "echo": echo_ms, "adapter": adapter_ms, "handle": handle_ms,
                "confirmed": confirmed}  # fmt: skip
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        for client in clients:
            await client.close()
        server.stop()


def main() -> int:
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("adapters").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="matrix-bench-") as tmp:
        samples = asyncio.run(run(Path(tmp)))
    bot, echo = percentiles(samples["bot"]), percentiles(samples["echo"])
    handle, adapter = percentiles(samples["handle"]), percentiles(samples["adapter"])
    overhead = {key: round(bot[key] - echo[key], 1) for key in ("p50", "p95")}
    adapter_overhead = {key: round(adapter[key] - echo[key], 1) for key in ("p50", "p95")}
    print(f"{'':12} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    rows = (("ideenlotse", bot), ("adapter only", adapter), ("echo bot", echo),
            ("Bot.handle", handle))  # fmt: skip
    for name, figures in rows:
        print(f"{name:12} {figures['p50']:8.1f} {figures['p95']:8.1f} {figures['max']:8.1f}")
    print(f"{'overhead':12} {overhead['p50']:8.1f} {overhead['p95']:8.1f}")
    result = {
        "benchmark": "matrix_latency",
        "ideas": RUNS,
        "replies_confirming_the_idea": samples["confirmed"],
        "bot_ms": bot,
        "echo_ms": echo,
        "overhead_ms": overhead,
        "bot_handle_ms": handle,  # the core's share: encode, match, store, commit
        "adapter_only_ms": adapter,  # the same adapter with an instant core
        "adapter_overhead_ms": adapter_overhead,
        "target_p95_overhead_ms": TARGET_P95_OVERHEAD_MS,
        "meets_target": overhead["p95"] <= TARGET_P95_OVERHEAD_MS and samples["confirmed"] == RUNS,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
