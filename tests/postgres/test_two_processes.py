"""Two bot processes on one PostgreSQL database, fed the same events: each idea stored once."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from matching.encoder import ModelInfo

WORKER = Path(__file__).with_name("bot_worker.py")
ROOT = Path(__file__).parents[2]
IDEAS = [
    "Eingangsrechnungen als E-Rechnung automatisch verarbeiten",
    "Bürgerinnen sollen Termine im Bürgerbüro online buchen können",
    "Sitzungsunterlagen des Rates nur noch digital verteilen",
    "Ein gemeinsames Dokumentenmanagement für alle Fachdienste",
    "Parkausweise für Anwohner online beantragen",
    "Schlaglöcher per App mit Foto und Standort melden",
    "Offene Daten zu Baustellen im Stadtgebiet veröffentlichen",
    "Urlaubsanträge ohne Papier über das Intranet stellen",
    "WLAN in allen Schulen der Stadt ausbauen",
    "Hundesteuer-Anmeldung als Online-Formular anbieten",
    "Ein Chatbot beantwortet Fragen zu Öffnungszeiten",
    "Gebührenbescheide digital zustellen statt per Post",
]
USERS = [("anna", "FD 20"), ("bob", "FD 32"), ("carla", "FD 10"), ("dirk", "FD 61")]


def events() -> list[dict[str, str]]:
    found = []
    for number, text in enumerate(IDEAS * 2):  # each idea twice, by different people
        user, department = USERS[number % len(USERS)]
        found.append({"event_id": f"$ev{number}", "user": user, "department": department,
                      "text": f"{text} (Vorschlag {number})"})  # fmt: skip
    return found


def start_worker(url: str, model_info: ModelInfo, data_dir: Path) -> subprocess.Popen[str]:
    env = os.environ | {"IDEENLOTSE_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(WORKER), model_info.path, str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.model
def test_two_bots_on_one_database_store_every_idea_once(
    postgres_url: str, model_info: ModelInfo, tmp_path: Path
) -> None:
    feed = events()
    workers = [start_worker(postgres_url, model_info, tmp_path / f"bot{i}") for i in (1, 2)]
    for worker in workers:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready", worker.stderr
    for seed, worker in enumerate(workers):  # both get all input before either is read
        assert worker.stdin is not None
        order = feed[:]
        random.Random(seed).shuffle(order)  # different orders: the claims really race
        worker.stdin.write("go\n" + "".join(json.dumps(event) + "\n" for event in order))
        worker.stdin.flush()
    outputs = [worker.communicate(timeout=300) for worker in workers]  # closes stdin: EOF
    answers: dict[str, list[list[str]]] = {event["event_id"]: [] for event in feed}
    for (stdout, stderr), worker in zip(outputs, workers, strict=True):
        assert worker.returncode == 0, stderr
        for line in stdout.splitlines():
            answer = json.loads(line)
            answers[answer["event_id"]].append(answer["replies"])
    for event_id, replies in answers.items():
        assert len(replies) == 2, event_id  # both processes saw every event
        answered = [texts for texts in replies if texts]
        assert len(answered) == 1, (event_id, replies)  # exactly one answered it
        assert "gespeichert" in answered[0][0]  # and it was the confirmation, not an error
    with psycopg.connect(postgres_url) as conn:
        texts = [row[0] for row in conn.execute("SELECT text FROM ideas ORDER BY id")]
        claimed = conn.execute("SELECT COUNT(*) FROM processed_events").fetchone()
        people = conn.execute("SELECT COUNT(*) FROM people").fetchone()
    assert sorted(texts) == sorted(event["text"] for event in feed)  # every idea, once
    assert claimed == (len(feed),)
    assert people == (len(USERS),)
