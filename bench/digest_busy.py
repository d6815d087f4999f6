"""Ideas posted while the CDO's ``!digest`` preview of 10,000 ideas is built (issue #16).

Why: a digest of 10k ideas takes a quarter of a minute or more. It is a follow-up
(``bot.followups``): the ``!digest`` event only records the request in its transaction; the
preview is built after the commit, without holding the store's lock. So an idea posted
meanwhile should be answered about as promptly as when nothing else runs.
tests/unit/test_digest_preview.py checks that with a stand-in digest; this measures it with the
real digest, the real model and a real store.

How: the 10k store of bench/digest.py ("Digest at scale": the cycling posts, 12 departments,
200 people, two thirds opted in; vectors cached in $IDEENLOTSE_DATA_DIR/bench-cache), built in
a child process; the app composed by ``bot.app.bootstrap`` with the configured model (ONNX
Runtime, no torch) and warmed up as ``ideenlotse run`` does; events go to ``app.bot.process``
as the Matrix adapter builds them (an idea room). (a) Baseline: N short German ideas
(tests/fixtures/ideen.jsonl) posted by staff one after another, nothing else running. (b) A
person whose role is cdo (the settings' roles, as the config file gives them) sends ``!digest
30`` in the idea room (30 days: all seeded ideas), handled in a worker thread as the adapters
hand events to the core (``asyncio.to_thread(bot.process, ...)``; the preview is built inside
that call, after the commit), while the main thread posts N other ideas, one due every
``--pace`` seconds, each timed from when it was due. Only posts that began and ended while the
``!digest`` call ran count as "during digest". This is the core's share: it needs an adapter
that hands events over side by side, as the Slack one does (Bolt runs each on its own task).

Expectation: ideas are answered within a small multiple of the baseline, since the digest holds
the store's lock only for its short reads and its final write. On 2 cores the digest competes
for the CPU (numpy, the map, rendering, the GIL) with the model encoding each idea, so some
slow-down is expected and is no lock wait. A benchmark figure, no timing asserts.
Prints a table, then one JSON line (the last).
Run: .venv/bin/python bench/digest_busy.py [--posts 15] [--pace 1.0]
     (under a minute with cached vectors; the first run encodes the posts: minutes)
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from digest import load_posts, post_vectors, seed_store  # noqa: E402

from bot.app import App, bootstrap, provide_model  # noqa: E402
from bot.clock import utcnow  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core import Handled  # noqa: E402
from bot.events import Message, Sender  # noqa: E402
from knowledge.store import Store  # noqa: E402

SIZE = 10_000
DIGEST_DAYS = 30  # bench/digest.seed_store spreads the ideas over the last 28 days
ROOM = "!ideen:stadt.de"
CDO = "@cdo:stadt.de"
STAFF = 5  # people taking turns to post, each well under the per-person rate limit
WARMUP = 3


@dataclass(frozen=True)
class Post:
    started: float  # time.perf_counter()
    ended: float
    answered: bool  # the idea's confirmation, not an apology for a busy store

    @property
    def ms(self) -> float:
        return (self.ended - self.started) * 1000


@dataclass(frozen=True)
class Outcome:
    baseline: list[Post]
    second: list[Post]  # the series posted after the !digest, one every ``pace`` seconds
    digest: tuple[float, float]  # start and end of the !digest's ``process``: commit, build, queue
    preview: str  # the preview's first line; empty when none was queued
    model: str

    @property
    def during(self) -> list[Post]:
        """The posts that began and ended while the digest was being built."""
        start, end = self.digest
        return [p for p in self.second if start <= p.started and p.ended <= end]


def idea_texts() -> list[str]:
    """40 different short ideas of a city administration."""
    rows = (ROOT / "tests" / "fixtures" / "ideen.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(row)["text"] for row in rows]


def build_store(folder: Path, model_name: str) -> None:
    """bench/digest.py's 10k store in ``folder``, with the bot's model's vectors.

    Run in a child process: ``post_vectors`` imports torch, which the bot's process (ONNX
    Runtime) has not, and with torch loaded ``matching.similarity`` scans another way."""
    posts = load_posts()
    name, vectors = post_vectors(posts.texts)
    if name != model_name:
        raise SystemExit(f"cached vectors are from {name}, the bot uses {model_name}")
    store: Store = seed_store(folder, posts, vectors, SIZE, utcnow(), name)
    store.close()


def message(number: int, text: str, user: str) -> Message:
    """What ``adapters.matrix_events.to_message`` makes of a post in the idea room."""
    sender = Sender(user, user.split(":")[0].lstrip("@").capitalize())
    return Message("matrix", f"$bench-{number}", sender, text, room=ROOM)


def post(
    app: App, number: int, text: str, apologies: tuple[str, ...], due: float | None = None
) -> Post:
    """One idea by one of the staff, timed from ``due`` (when it arrives; default: now) to
    its reply: a main thread that wakes late because the digest holds the GIL counts."""
    event = message(number, text, f"@staff{number % STAFF}:stadt.de")
    started = time.perf_counter() if due is None else due
    handled = app.bot.process(event, idea_room=True)
    ended = time.perf_counter()
    answered = bool(handled.replies) and not any(r.text in apologies for r in handled.replies)
    return Post(started, ended, answered)


def percentiles(posts: list[Post]) -> dict[str, float | None]:
    if not posts:
        return {"p50": None, "p95": None, "max": None}
    ms = np.array([p.ms for p in posts])
    p50, p95 = np.percentile(ms, [50, 95])
    return {
        "p50": round(float(p50), 1),
        "p95": round(float(p95), 1),
        "max": round(float(ms.max()), 1),
    }


def run(folder: Path, n: int, pace: float) -> Outcome:
    """Series (a) and (b) of the module's docstring, with ``folder`` as the bot's data folder;
    its models are the machine's (a fresh folder would build the model first: minutes)."""
    data_dir = Path(os.environ.get("IDEENLOTSE_DATA_DIR", ROOT / "data"))
    (folder / "models").symlink_to((data_dir / "models").resolve())
    settings = Settings(data_dir=folder, idea_rooms=(ROOM,), roles={CDO: "cdo"})
    model = provide_model(settings)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
        child.submit(build_store, folder, model.name).result()
    app = bootstrap(settings)  # as ``ideenlotse run``: the store in the data folder
    try:
        app.warm_up()
        t = settings.translator()
        apologies = (t("error.busy"), t("error.internal"))
        texts = idea_texts()
        for number, text in enumerate(texts[:WARMUP]):
            post(app, number, text, apologies)
        numbered = list(enumerate(texts))[WARMUP : WARMUP + 2 * n]
        baseline = [post(app, number, text, apologies) for number, text in numbered[0::2]]

        asked = message(900, f"!digest {DIGEST_DAYS}", CDO)

        def ask_digest() -> tuple[Handled, float]:
            """The adapters' worker thread: the event, its commit, then the preview's build."""
            return app.bot.process(asked, idea_room=True), time.perf_counter()

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="digest") as worker:
            digest_start = time.perf_counter()
            running = worker.submit(ask_digest)
            during: list[Post] = []
            for number, text in numbered[1::2]:
                due = digest_start + pace * len(during)
                time.sleep(max(0.0, due - time.perf_counter()))
                during.append(post(app, number, text, apologies, due))
            handled, digest_end = running.result()
    finally:
        app.close()
    preview = [r for r in handled.replies if r.attachments] if handled.queued else []
    return Outcome(
        baseline,
        during,
        (digest_start, digest_end),
        preview[0].text.splitlines()[0] if preview else "",
        model.name,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=15, help="ideas per series (at most 18)")
    parser.add_argument("--pace", type=float, default=1.0, help="seconds between posts")
    args = parser.parse_args()
    if not 1 <= args.posts <= (len(idea_texts()) - WARMUP) // 2:
        parser.error("--posts: the fixture has ideas for 1 to 18 posts per series")
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="digest-busy-") as tmp:
        result = run(Path(tmp), args.posts, args.pace)
    base, during = percentiles(result.baseline), percentiles(result.during)
    before, meanwhile = base["p50"], during["p50"]
    ratio = round(meanwhile / before, 2) if meanwhile and before else None
    print(f"{'':16} {'posts':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, posts, figures in (
        ("baseline", result.baseline, base),
        ("during digest", result.during, during),
    ):
        cells = " ".join(f"{'-' if v is None else v:>8}" for v in figures.values())
        print(f"{name:16} {len(posts):>5} {cells}")
    print(f"p50 during / baseline: {ratio}")
    seconds = result.digest[1] - result.digest[0]
    answered = sum(p.answered for p in result.baseline + result.second)
    print(
        f"digest of {SIZE:,} ideas ({DIGEST_DAYS} days): {seconds:.1f} s; "
        f"{len(result.during)} of {len(result.second)} posts overlapped it; "
        f"{answered} of {2 * args.posts} posts confirmed"
    )
    print(f"preview: {result.preview or 'none queued'}")
    summary = {
        "benchmark": "digest_busy",
        "ideas_in_store": SIZE,
        "posts_per_series": args.posts,
        "pace_s": args.pace,
        "baseline_ms": base,
        "during_digest_ms": during,
        "p50_ratio": ratio,
        "digest_s": round(seconds, 1),
        "posts_overlapping_digest": len(result.during),
        "posts_confirmed": answered,
        "preview_queued": bool(result.preview),
        "model": result.model,
        "cpu_threads": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
