"""Lagebild page benchmark: how long each page takes at 10,000 ideas (issue #19).

A store with 10,000 short ideas (bench/import_speed.py makes them; 500 authors, every fifth
opted in, 12 departments), 50 supports and 20 routed questions is served by the cockpit on a
free port; a CDO's session asks for every page REPEATS times, one request after another on a
fresh connection each, as a browser opening a page. The baseline is a static file of the
same server in the same run (the floor of any request here). The theme map is made before
measuring (it is made in the background and pages show the last one; at 10,000 ideas that
takes a while); the time it took is reported too.

Vectors come from the tests' fast hashing encoder: the pages read stored vectors and the map,
they encode at most one search text; the model's speed is bench/speed.py's subject.
Target: page render p95 <= 150 ms. Prints a table, then one JSON line (the last line).
Run: .venv/bin/python bench/web.py
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from import_speed import ideas as short_ideas  # noqa: E402

from adapters.web.app import BackgroundServer  # noqa: E402
from adapters.web.server import COOKIE  # noqa: E402
from bot.app import bootstrap  # noqa: E402
from bot.clock import iso, utcnow  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.services.web import log_in, make_login_link  # noqa: E402
from bot.uow import UnitOfWork  # noqa: E402
from knowledge.open import open_store  # noqa: E402
from knowledge.questions import NewQuestion  # noqa: E402
from knowledge.records import NewIdea  # noqa: E402
from tests.fakes import HashingEncoder, hashing_thresholds  # noqa: E402

STORED = 10_000
REPEATS = 40
TARGET_MS = 150.0
PAGES = (
    "/",
    "/ideen",
    "/ideen?suche=Rechnung",
    "/ideen?status=neu&zeitraum=30&seite=3",
    "/ideen/5000",
    "/themen",
    "/fragen",
    "/menschen",
    "/ich",
)
STATIC = "/static/lagebild.css"


def fill(store_dir: Path) -> None:
    store = open_store(store_dir)
    now = iso(utcnow())
    rows = short_ideas(STORED)
    with store.transaction():
        people = {}
        for n in range(500):
            person = store.upsert_person("console", f"person{n}", f"Person {n}", now,
                                         department=f"FD {10 + n % 12}")  # fmt: skip
            store.set_matching(person.id, n % 5 == 0, now)
            if n % 5 == 0:
                store.set_interests(person.id, ["E-Rechnung", "Open Data"], now)
            people[f"Person {n}"] = person.id
        for row in rows:
            store.add_idea(NewIdea(row["text"], people[row["author"]],
                                   department=row["department"]), now)  # fmt: skip
        for n in range(50):
            store.add_support(1 + n, people[f"Person {(n + 7) % 500}"], now)
        for n in range(20):
            question = store.add_question(
                NewQuestion(f"Wer hilft bei Frage {n} zur E-Rechnung?", people["Person 3"]), now
            )
            store.route_question(question.id, ("cdo", "cio", "both")[n % 3], 0.9, "bench", now)
    store.close()


def get(port: int, path: str, cookie: str | None) -> tuple[float, int]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path, headers={"Cookie": f"{COOKIE}={cookie}"} if cookie else {})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    return time.perf_counter() - started, response.status


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        started = time.perf_counter()
        fill(data)
        settings = Settings(data_dir=data, roles={"cdo": "cdo"})
        app = bootstrap(settings, encoder=HashingEncoder(), thresholds=hashing_thresholds())
        store = app.store
        filled = time.perf_counter() - started
        server = BackgroundServer(app, map_interval=3600.0).start()
        try:
            with UnitOfWork(store) as uow:
                cdo = store.upsert_person("console", "cdo", "CDO", iso(utcnow()), role="cdo")
                link = make_login_link(uow, cdo, iso(utcnow()), "http://x")
            with UnitOfWork(store) as uow:
                session = log_in(uow, settings, link.rsplit("/", 1)[1], utcnow())
            assert session is not None
            cookie = session.token
            started = time.perf_counter()
            while True:  # the theme map, made in the background
                _, status = get(server.port, "/themen", cookie)
                body = _body(server.port, "/themen", cookie)
                if "Themen als Tabelle" in body or time.perf_counter() - started > 1800:
                    break
                time.sleep(1.0)
            map_seconds = time.perf_counter() - started
            for path in (*PAGES, STATIC):  # warm: templates compiled, pages cached
                get(server.port, path, cookie)
            timings: dict[str, list[float]] = {path: [] for path in (*PAGES, STATIC)}
            for _ in range(REPEATS):
                for path in timings:
                    seconds, status = get(server.port, path, cookie)
                    assert status == 200, (path, status)
                    timings[path].append(seconds)
        finally:
            server.stop()
            app.close()
    rows = {
        path: {"p50_ms": round(statistics.median(v) * 1000, 1), "p95_ms": round(p95(v) * 1000, 1)}
        for path, v in timings.items()
    }
    pages = [s for path in PAGES for s in timings[path]]
    overall = round(p95(pages) * 1000, 1)
    print(f"{STORED} ideas stored and encoded in {filled:.1f} s; theme map ready after "
          f"{map_seconds:.1f} s")  # fmt: skip
    print(f"{'page':42} {'p50 ms':>8} {'p95 ms':>8}")
    for path, row in rows.items():
        print(f"{path:42} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f}")
    verdict = "within" if overall <= TARGET_MS else "OVER"
    print(f"all pages: p95 {overall} ms ({verdict} the target of {TARGET_MS:.0f} ms); "
          f"static file p95 {rows[STATIC]['p95_ms']} ms")  # fmt: skip
    print(json.dumps({"ideas": STORED, "repeats": REPEATS, "map_seconds": round(map_seconds, 1),
                      "pages_p95_ms": overall, "static_p95_ms": rows[STATIC]["p95_ms"],
                      "target_ms": TARGET_MS, "rows": rows}))  # fmt: skip


def _body(port: int, path: str, cookie: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path, headers={"Cookie": f"{COOKIE}={cookie}"})
        return connection.getresponse().read().decode("utf-8")
    finally:
        connection.close()


if __name__ == "__main__":
    main()
