"""Start-up benchmark: from process start to answer, for the commands a person types.

Each command runs REPEATS times as a fresh process on a data dir holding the example town
(Musterstadt), and the median wall time is reported. In the same run, the floor of any Python
command line tool is measured (`python -c pass`), and the ratio to it shows what is ours; and
`similar` is timed before `ideenlotse model` built the light model (``matching.light``), as
the baseline of the light path.
Targets of the startup issue (quiet machine, page cache warm): `--help` and `export` within
0.5 s, `similar TEXT` and `route TEXT` within 2 s. On a shared 2-core machine the figures are
noisy; the median of several runs hides single stalls.

Prints a table, then one JSON line with all figures (the last line).
Run: .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).with_name("ideenlotse"))
REPEATS = 5
TARGETS = {"help": 0.5, "export": 0.5, "similar": 2.0, "route": 2.0}
COMMANDS = {
    "help": [EXE, "--help"],
    "export": [EXE, "export"],
    "similar": [EXE, "similar", "Rechnungen digital freigeben"],
    "route": [EXE, "route", "Wer betreut das WLAN im Rathaus?"],
}


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, env=env, cwd=env["IDEENLOTSE_DATA_DIR"], check=True, capture_output=True
    )
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MATRIX_", "SLACK_"))}
        env |= {"IDEENLOTSE_DATA_DIR": folder}  # no ideenlotse.toml there: the defaults
        env.pop("IDEENLOTSE_CONFIG", None)
        timed([EXE, "demo"], env)  # the example town: 32 ideas
        timed(COMMANDS["similar"], env)  # the page cache holds the model from here on
        floor = statistics.median(timed([sys.executable, "-c", "pass"], env) for _ in range(5))
        # the baseline: `similar` through sentence-transformers, before the light model exists
        full = statistics.median(timed(COMMANDS["similar"], env) for _ in range(REPEATS))
        timed([EXE, "model"], env)  # builds the light model
        figures: dict[str, dict[str, float]] = {}
        for name, command in COMMANDS.items():
            median = statistics.median(timed(command, env) for _ in range(REPEATS))
            figures[name] = {
                "seconds": round(median, 3),
                "target": TARGETS[name],
                "ratio_to_python": round(median / floor, 1),
            }
    print(f"python -c pass: {floor:.3f} s (the floor)")
    light = figures["similar"]["seconds"]
    print(f"similar with the full model: {full:.3f} s; light model: {light:.3f} s")
    print(f"{'command':10} {'median s':>9} {'target s':>9} {'x floor':>8}")
    for name, row in figures.items():
        mark = "" if row["seconds"] <= row["target"] else "  over target"
        ratio = row["ratio_to_python"]
        print(f"{name:10} {row['seconds']:9.3f} {row['target']:9.1f} {ratio:8.1f}{mark}")
    print(json.dumps({"python_floor": round(floor, 3), "similar_full_model": round(full, 3),
                      "commands": figures}))  # fmt: skip


if __name__ == "__main__":
    main()
