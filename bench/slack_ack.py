"""Slack delivery rules: how fast Slack gets its ack, and how long until the reply is posted.

The adapter serves the HTTP Events API on 127.0.0.1 (real Bolt, real model, SQLite on disk)
with its Web API pointed at the test double (tests/slack/web_api.py). Signed ``message``
events for 40 ideas are sent one after another, then a burst of 20 sent at once. Measured:
- ack: from sending the request to Slack's HTTP 200 (Slack retries after 3 s);
- reply: from sending the request to the double receiving ``chat.postMessage``.
Baseline in the same run: a bare aiohttp endpoint that only checks the signature with
slack_sdk and answers 200, the least any Slack endpoint must do. After 3 warm-up ideas.
Prints a table, then one JSON line (last). Run: .venv/bin/python bench/slack_ack.py
"""

from __future__ import annotations

import json
import logging
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.slack import SlackAdapter, SlackConfig  # noqa: E402
from bot.app import bootstrap  # noqa: E402
from bot.config import Settings  # noqa: E402
from matching.encoder import SentenceEncoder, provision_model  # noqa: E402
from tests.conftest import model_cache_dir  # noqa: E402
from tests.slack import payloads  # noqa: E402
from tests.slack.rig import IDEAS, LoopThread  # noqa: E402
from tests.slack.web_api import WebApiDouble  # noqa: E402

RUNS = 40
BURST = 20
WARMUP = 3
SLACK_ACK_LIMIT_MS = 3000.0


def ideas(count: int) -> list[str]:
    rows = (ROOT / "tests" / "fixtures" / "ideen.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(row)["text"] for row in rows]
    return [f"{texts[i % len(texts)]} (Vorschlag {i})" for i in range(count)]


def send(url: str, event: dict[str, Any], event_id: str) -> float:
    """POST a signed event; returns when the HTTP answer is in (perf_counter)."""
    body = payloads.event_callback(event, event_id)
    headers = {"Content-Type": "application/json", **payloads.signed_headers(body)}
    request = urllib.request.Request(url, body.encode(), headers, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200, response.status
    return time.perf_counter()


class Arrivals:
    """When the double received each chat.postMessage, by the thread it answers."""

    def __init__(self, web_api: WebApiDouble):
        self.web_api = web_api

    def wait(self, thread_ts: str, timeout: float = 120) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for call in self.web_api.posts():
                if call.params.get("thread_ts") == thread_ts:
                    return call.at
            time.sleep(0.002)
        raise TimeoutError(thread_ts)


async def baseline_server() -> tuple[web.AppRunner, int]:
    verifier = SignatureVerifier(payloads.SECRET)

    async def events(request: web.Request) -> web.Response:
        body = await request.text()
        if not verifier.is_valid_request(body, dict(request.headers)):
            return web.Response(status=401)
        return web.Response(status=200)

    server = web.Application()
    server.router.add_post("/slack/events", events)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, runner.addresses[0][1]


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "max": round(ordered[-1], 2),
    }


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    encoder = SentenceEncoder(provision_model(None, model_cache_dir()))
    # One author per idea: the core's per-person rate limit is not what is measured here.
    people = {f"U{n:04d}": {"id": f"U{n:04d}", "profile": {"display_name": f"Person {n}"}}
              for n in range(WARMUP + RUNS + BURST)}  # fmt: skip
    web_api = WebApiDouble(users=people).start()
    arrivals = Arrivals(web_api)
    loop = LoopThread()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), idea_rooms=(IDEAS,))
        app = bootstrap(settings, encoder=encoder)
        config = SlackConfig("xoxb-bench", None, payloads.SECRET, 0, "127.0.0.1", web_api.url)

        async def start() -> SlackAdapter:
            adapter = SlackAdapter(app, settings, config)
            await adapter.start()
            return adapter

        adapter = loop.run(start())
        runner, base_port = loop.run(baseline_server())
        url = f"http://127.0.0.1:{adapter.port}/slack/events"
        base_url = f"http://127.0.0.1:{base_port}/slack/events"
        texts = ideas(WARMUP + RUNS + BURST)
        ack, reply, base = [], [], []
        for number, text in enumerate(texts[: WARMUP + RUNS]):
            ts = f"1700002000.{number:06d}"
            event = payloads.message(f"U{number:04d}", text, IDEAS, ts)
            start = time.perf_counter()
            acked = send(url, event, f"EvB{number}")
            answered = arrivals.wait(ts)
            base_start = time.perf_counter()
            base_done = send(base_url, event, f"EvX{number}")
            if number >= WARMUP:
                ack.append((acked - start) * 1000)
                reply.append((answered - start) * 1000)
                base.append((base_done - base_start) * 1000)

        burst_texts = texts[WARMUP + RUNS :]
        stamps = [f"1700003000.{n:06d}" for n in range(BURST)]
        authors = [f"U{WARMUP + RUNS + n:04d}" for n in range(BURST)]
        events = [
            payloads.message(author, text, IDEAS, ts)
            for author, text, ts in zip(authors, burst_texts, stamps, strict=True)
        ]
        with ThreadPoolExecutor(BURST) as pool:
            started = time.perf_counter()
            acks = list(pool.map(lambda n: send(url, events[n], f"EvS{n}"), range(BURST)))
        burst_ack = [(done - started) * 1000 for done in acks]
        burst_reply = [(arrivals.wait(s) - started) * 1000 for s in stamps]

        loop.run(runner.cleanup())
        loop.run(adapter.stop())
        loop.close()
        app.close()
    web_api.stop()

    result = {
        "bench": "slack_ack",
        "runs": RUNS,
        "ack_ms": percentiles(ack),
        "baseline_ack_ms": percentiles(base),
        "ack_over_baseline_p50": round(statistics.median(ack) / statistics.median(base), 2),
        "reply_ms": percentiles(reply),
        "burst": BURST,
        "burst_ack_ms": percentiles(burst_ack),
        "burst_reply_ms": percentiles(burst_reply),
        "burst_acked_within_slack_limit": max(burst_ack) < SLACK_ACK_LIMIT_MS,
    }
    print(f"{'':24}{'p50':>10}{'p95':>10}{'max':>10}")
    for name in ("ack_ms", "baseline_ack_ms", "reply_ms", "burst_ack_ms", "burst_reply_ms"):
        row = result[name]
        assert isinstance(row, dict)
        print(f"{name:24}{row['p50']:>10}{row['p95']:>10}{row['max']:>10}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
