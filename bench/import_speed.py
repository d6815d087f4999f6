"""Import benchmark: 100,000 short ideas, from `ideenlotse import FILE` to searchable.

The ideas are one or two real German sentences each (STS-B de, ../shared/data/stsb-de, in
random pairs, all different), by 500 authors in 12 departments. The command runs as a person
runs it, in a fresh data dir with the model already built; the clock runs from process start
to exit, when every idea is stored and encoded. Peak memory is the child's maximum resident
set. In the same run, the baseline: how fast the same model encodes a sample of the same
texts in batches and nothing else (the floor of any import that makes ideas searchable).

Targets of the startup issue (#17): at least 110 ideas/s end to end (100k in 15 minutes),
at most 2 GB of memory. On a shared 2-core machine the figures are noisy.

Prints a table, then one JSON line with all figures (the last line).
Run: .venv/bin/python bench/import_speed.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).with_name("ideenlotse"))
STSB = ROOT.parent / "shared" / "data" / "stsb-de"
TARGET_RATE, TARGET_MEMORY_GB = 110.0, 2.0
SAMPLE = 3000
BASELINE = """
import json, sys, time
from matching.encoder import SentenceEncoder, provision_model
texts = json.load(open(sys.argv[1], encoding="utf-8"))
encoder = SentenceEncoder(provision_model(None, sys.argv[2]))
encoder.encode(texts[:64])
start = time.perf_counter()
encoder.encode(sorted(texts, key=len), batch_size=32)
print(len(texts) / (time.perf_counter() - start))
"""


def sentences() -> list[str]:
    found: set[str] = set()
    for part in ("train", "dev", "test"):
        with open(STSB / f"stsb-de-{part}.csv", encoding="utf-8", newline="") as file:
            for row in csv.reader(file):
                found.update(text.strip() for text in row[:2] if text.strip())
    return sorted(found)


def ideas(rows: int, seed: int = 17) -> list[dict[str, str]]:
    """One or two sentences each, every text different."""
    pool, rng = sentences(), random.Random(seed)
    texts: set[str] = set()
    while len(texts) < rows:
        first = rng.choice(pool)
        texts.add(first if rng.random() < 0.4 else f"{first} {rng.choice(pool)}")
    return [
        {"text": text, "author": f"Person {i % 500}", "department": f"FD {10 + i % 12}"}
        for i, text in enumerate(sorted(texts, key=lambda _: rng.random()))
    ]


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak memory (GB) of this one child (os.wait4), and its stdout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise SystemExit(f"{' '.join(command[:2])} failed: {err.read().decode()[-2000:]}")
        return seconds, usage.ru_maxrss / 2**20, out.read().decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    rows = ideas(args.rows)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MATRIX_", "SLACK_"))}
        env |= {"IDEENLOTSE_DATA_DIR": str(data)}
        env.pop("IDEENLOTSE_CONFIG", None)
        env.pop("IDEENLOTSE_DATABASE_URL", None)
        subprocess.run([EXE, "model"], env=env, check=True, capture_output=True)
        sample = Path(folder) / "sample.json"
        sample.write_text(json.dumps([r["text"] for r in rows[:SAMPLE]]), encoding="utf-8")
        baseline = float(
            subprocess.run(
                [sys.executable, "-c", BASELINE, str(sample), str(data / "models")],
                env=env, check=True, capture_output=True, text=True, cwd=ROOT,
            ).stdout.split()[-1]
        )  # fmt: skip
        file = Path(folder) / "ideen.jsonl"
        with open(file, "w", encoding="utf-8") as out:
            out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        seconds, peak_gb, output = run_measured([EXE, "import", str(file), "--quiet"], env)
        if f"{len(rows)} ideas imported" not in output:
            raise SystemExit(f"unexpected import result: {output.strip()}")
        _, _, found = run_measured([EXE, "similar", "--json", rows[-1]["text"]], env)
        searchable = json.loads(found)[0]["text"] == rows[-1]["text"]
    rate = len(rows) / seconds
    figures = {
        "rows": len(rows),
        "seconds": round(seconds, 1),
        "ideas_per_second": round(rate, 1),
        "peak_memory_gb": round(peak_gb, 2),
        "encode_only_per_second": round(baseline, 1),
        "ratio_to_encode_only": round(rate / baseline, 2),
        "searchable": searchable,
        "targets": {"ideas_per_second": TARGET_RATE, "peak_memory_gb": TARGET_MEMORY_GB},
    }
    print(
        f"import of {len(rows):,} short ideas: {seconds:.0f} s, {rate:.1f} ideas/s "
        f"(target >= {TARGET_RATE:.0f}), peak {peak_gb:.2f} GB (target <= {TARGET_MEMORY_GB})"
    )
    print(
        f"encoding alone (baseline, same run): {baseline:.1f} texts/s; "
        f"import reaches {rate / baseline:.0%} of it; last idea found again: {searchable}"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
