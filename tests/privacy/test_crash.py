"""Crash safety: what the bot confirmed survives a SIGKILL, exactly once.

A real ``ideenlotse chat`` process (the real model from the test model folder) gets a burst
of 500 ideas on stdin and is killed with SIGKILL in the middle of it. After a restart every
idea whose confirmation ("#N") was printed before the kill is stored exactly once, under
that number; nothing is stored twice.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from matching.encoder import ModelInfo

EXE = str(Path(sys.executable).parent / "ideenlotse")
BURST = 500
KILL_AFTER = 60  # confirmations before the kill: the burst is still being written
CONFIRMED = re.compile(r"Ihre Idee ist als \*\*#(\d+)\*\* gespeichert")


def environment(tmp_path: Path, model_info: ModelInfo) -> dict[str, str]:
    config = tmp_path / "ideenlotse.toml"
    config.write_text(f"[matching]\nmodel = {json.dumps(model_info.path)}\n", encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MATRIX_", "SLACK_"))}
    environ.pop("IDEENLOTSE_DATABASE_URL", None)
    return environ | {"IDEENLOTSE_DATA_DIR": str(tmp_path / "data"),
                      "IDEENLOTSE_CONFIG": str(config)}  # fmt: skip


def test_every_confirmed_idea_survives_a_sigkill_exactly_once(
    tmp_path: Path, model_info: ModelInfo
) -> None:
    env = environment(tmp_path, model_info)
    lines = [f"Burst-Idee {i:03d}: Vorgang Nummer {i} digital abbilden" for i in range(BURST)]
    process = subprocess.Popen(
        [EXE, "chat", "--as", "anna", "--department", "FD 20"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert process.stdin is not None and process.stdout is not None
    confirmations: list[int] = []
    enough = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            found = CONFIRMED.search(line)
            if found:
                confirmations.append(int(found.group(1)))
                if len(confirmations) >= KILL_AFTER:
                    enough.set()
        enough.set()  # the process ended by itself: fail below, not hang

    def write() -> None:
        assert process.stdin is not None
        try:
            for line in lines:
                process.stdin.write(line + "\n")
                process.stdin.flush()
        except BrokenPipeError:  # killed while we were still writing
            pass

    reader, writer = threading.Thread(target=read), threading.Thread(target=write)
    reader.start()
    writer.start()
    assert enough.wait(timeout=400), "the bot did not confirm ideas in time"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    writer.join(timeout=60)
    reader.join(timeout=60)
    assert process.returncode == -signal.SIGKILL, "the bot finished before it was killed"
    seen = list(confirmations)  # printed before the kill
    assert KILL_AFTER <= len(seen) < BURST

    restart = subprocess.run(
        [EXE, "chat", "--as", "anna"],
        input="!idee Nach dem Neustart geht es weiter\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert restart.returncode == 0, restart.stderr
    after = CONFIRMED.search(restart.stdout)
    assert after is not None and int(after.group(1)) > max(seen)

    conn = sqlite3.connect(tmp_path / "data" / "ideenlotse.db")
    stored = conn.execute("SELECT id, text FROM ideas ORDER BY id").fetchall()
    conn.close()
    texts = [text for _, text in stored]
    assert len(texts) == len(set(texts)), "an idea was stored twice"
    by_id = dict(stored)
    # the k-th confirmation answers the k-th line: the console handles lines in order
    for k, number in enumerate(seen):
        assert by_id.get(number) == lines[k], f"confirmed #{number} is missing or wrong"
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
    # at most one idea more than confirmed: the one being handled when the kill came
    assert len(stored) - 1 - len(seen) in (0, 1)
