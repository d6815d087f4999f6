"""The example town as a newcomer meets it: `ideenlotse demo`, `!beispiele`, the first start."""

from __future__ import annotations

import getpass
import os
import pty
import select
import subprocess
import time
from pathlib import Path

from bot import demo
from knowledge.open import open_store
from tests.e2e.test_cli import EXE, config, run

__all__ = ["config"]  # the autouse fixture: every run uses the test model folder

APPOINTMENTS = "!idee Bürgerinnen und Bürger sollten Termine im Bürgerbüro online buchen\n"


def test_demo_help_has_examples(tmp_path: Path) -> None:
    result = run(tmp_path, "demo", "--help")
    assert result.returncode == 0, result.stderr
    assert "Examples:" in result.stdout and "ideenlotse demo --remove" in result.stdout
    assert "!beispiele" in result.stdout


def test_demo_loads_once_meets_a_newcomer_and_goes_in_one_step(tmp_path: Path) -> None:
    loaded = run(tmp_path, "demo")
    assert loaded.returncode == 0, loaded.stderr
    assert "Musterstadt examples loaded: 10 people, 32 ideas" in loaded.stdout
    assert "ideenlotse demo --remove" in loaded.stderr
    again = run(tmp_path, "demo")
    assert again.returncode == 0 and "already there; nothing added" in again.stdout

    chat = run(tmp_path, "chat", "--as", "nora", stdin=APPOINTMENTS + "!wer E-Akte\n")
    assert chat.returncode == 0, chat.stderr
    assert "Termine im Bürgerbüro online buchen lassen" in chat.stdout
    assert "— Jana Schulz (Beispiel) (Bürgerbüro)" in chat.stdout
    assert "• Markus Köhler (Beispiel) (Hauptamt): Interesse „E-Akte“" in chat.stdout

    removed = run(tmp_path, "demo", "--remove")
    assert removed.returncode == 0, removed.stderr
    assert "Musterstadt examples removed: 10 people, 32 ideas, 5 questions" in removed.stdout
    store = open_store(tmp_path / "data")
    try:
        with store.transaction():
            assert demo.demo_people(store) == []
            [left] = store.ideas()
            assert left.author_name == "nora" and left.source_platform == "console"
            assert store.find_person("console", "nora") is not None
    finally:
        store.close()
    assert "no examples to remove" in run(tmp_path, "demo", "--remove").stdout


def test_the_console_loads_and_removes_the_examples_itself(tmp_path: Path) -> None:
    """Piped input: no first-start hint (nothing waits for an answer), and `!beispiele` works
    in the running console at once, as the next idea shows."""
    lines = (
        "!idee Termine im Bürgerbüro sollte man online buchen können\n"
        "!beispiele\n" + APPOINTMENTS + "!beispiele entfernen\n"
        "!idee Online-Termine für das Bürgerbüro\n"
    )
    result = run(tmp_path, "run", stdin=lines)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Noch ist alles leer" not in out
    first, loaded, met, removed, after = cut(
        out, "Die Beispiele der erfundenen", "Danke, ", "Die Beispiele von", "Danke, "
    )
    assert "Kolleginnen und Kollegen können sie" in first  # alone: nothing to meet
    assert "erfundenen Stadt Musterstadt sind da" in loaded
    assert "Jana Schulz (Beispiel)" in met
    assert "Die Beispiele von Musterstadt sind entfernt: 10 Personen" in removed
    assert "Danke, " in after and "(Beispiel)" not in after


def cut(text: str, *marks: str) -> list[str]:
    """``text`` cut before each mark in turn (each found after the previous one)."""
    parts, start = [], 0
    for mark in marks:
        at = text.index(mark, start + 1)
        parts.append(text[start:at])
        start = at
    return [*parts, text[start:]]


def test_the_first_start_on_a_terminal_offers_the_examples(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MATRIX_", "SLACK_"))}
    environ |= {"IDEENLOTSE_DATA_DIR": str(tmp_path / "data"),
                "IDEENLOTSE_CONFIG": str(tmp_path / "ideenlotse.toml")}  # fmt: skip
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [EXE, "run"], stdin=follower, stdout=follower, stderr=follower, env=environ, cwd=tmp_path
    )
    os.close(follower)
    try:
        seen = read_until(leader, f"{getpass.getuser()}> ", timeout=300)  # the prompt
        assert "Noch ist alles leer" in seen and "`!beispiele`" in seen, seen
        assert "erfundenen Stadt Musterstadt" in seen
        os.write(leader, b"\x04")  # Ctrl+D ends the chat
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(leader)


def read_until(fd: int, marker: str, timeout: float) -> str:
    """What a terminal shows until ``marker`` appears (or the time is up)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while marker.encode() not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    return seen.decode("utf-8", "replace")
