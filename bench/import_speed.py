"""Import benchmark: 100,000 short ideas, from `ideenlotse import FILE` to searchable.

The ideas are one or two real German sentences each (STS-B de, ../shared/data/stsb-de, in
random pairs, all different), by 500 authors in 12 departments. The command runs as a person
runs it, in a fresh data dir with the model already built (`ideenlotse model`, which also
exports and checks the ONNX graph, matching.graph_runtime); the clock runs from process start
to exit, when every idea is stored and encoded. Peak memory is the child's maximum resident
set; its resident set is also sampled, to say in which phase the peak falls (storing the
rows, or encoding them: from the "encoding N ideas" line on).

In the same run, the baselines: how fast each runtime encodes a sample of the same texts in
batches and nothing else (the floor of any import that makes ideas searchable), both in one
child process, alternating, best of ROUNDS: sentence-transformers on torch (the canonical
path, through matching.encoder.SentenceEncoder) and OpenVINO (matching.graph_runtime),
with the worst cosine between their vectors.

`--runtime sentence-transformers` removes the ONNX record from the fresh data dir's model
folder first, so the import takes the fallback (the previous state of things, for memory).

Targets of the startup issue (#17): at least 110 ideas/s end to end (100k in 15 minutes),
at most 2 GB of memory. On a shared 2-core machine the figures are noisy: compare the
figures of one run with each other.

Prints a table, then one JSON line with all figures (the last line).
Run: .venv/bin/python bench/import_speed.py [--rows 100000] [--sample 2000]
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
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).with_name("ideenlotse"))
STSB = ROOT.parent / "shared" / "data" / "stsb-de"
TARGET_RATE, TARGET_MEMORY_GB = 110.0, 2.0
SAMPLE, ROUNDS = 2000, 2
ENCODING_LINE = "ideas for similarity search"  # what `import` prints when encoding starts
BASELINE = """
import json, sys, time
import numpy as np
from matching.encoder import SentenceEncoder, provision_model
from matching.graph_runtime import GraphEncoder
texts = json.load(open(sys.argv[1], encoding="utf-8"))
info = provision_model(None, sys.argv[2])
canonical = SentenceEncoder(info)
fast = GraphEncoder(info, canonical.prefix)
rates = {"sentence_transformers": [], "openvino": []}
vectors = {}
for name, encoder in (("sentence_transformers", canonical), ("openvino", fast)):
    encoder.encode(texts[:64])
for _ in range(int(sys.argv[3])):
    for name, encoder in (("sentence_transformers", canonical), ("openvino", fast)):
        start = time.perf_counter()
        vectors[name] = encoder.encode(texts)
        rates[name].append(len(texts) / (time.perf_counter() - start))
worst = np.einsum("ij,ij->i", vectors["openvino"], vectors["sentence_transformers"]).min()
print(json.dumps({"rates": rates, "min_cosine": float(worst)}))
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


def _rss_gb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        return None
    return None


def run_measured(
    command: list[str], env: dict[str, str]
) -> tuple[float, float, str, dict[str, float]]:
    """Wall seconds, peak memory (GB) of this one child (os.wait4), its stdout, and the peak
    resident set sampled before and after it printed ENCODING_LINE (on stderr)."""
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        phases = {"storing": 0.0, "encoding": 0.0}
        done = threading.Event()

        def sample() -> None:
            phase = "storing"
            while not done.wait(0.2):
                if phase == "storing" and ENCODING_LINE.encode() in Path(err.name).read_bytes():
                    phase = "encoding"
                rss = _rss_gb(child.pid)
                if rss is not None:
                    phases[phase] = max(phases[phase], rss)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        if child.returncode != 0:
            detail = Path(err.name).read_bytes().decode()[-2000:]
            raise SystemExit(f"{' '.join(command[:2])} failed: {detail}")
        return seconds, usage.ru_maxrss / 2**20, out.read().decode(), phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=SAMPLE, help="texts per baseline round")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="baseline rounds")
    parser.add_argument(
        "--runtime",
        choices=["auto", "sentence-transformers"],
        default="auto",
        help="what the import may use (auto: OpenVINO where checked)",
    )
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
        texts = [r["text"] for r in rows[: args.sample]]
        sample.write_text(json.dumps(texts), encoding="utf-8")
        baseline = json.loads(
            subprocess.run(
                [sys.executable, "-c", BASELINE, str(sample), str(data / "models"),
                 str(args.rounds)],
                env=env, check=True, capture_output=True, text=True, cwd=ROOT,
            ).stdout.splitlines()[-1]
        )  # fmt: skip
        if args.runtime == "sentence-transformers":
            for record in (data / "models").glob("*/onnx.json"):
                record.unlink()
        file = Path(folder) / "ideen.jsonl"
        with open(file, "w", encoding="utf-8") as out:
            out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        command = [EXE, "import", str(file), "--quiet"]
        seconds, peak_gb, output, phases = run_measured(command, env)
        if f"{len(rows)} ideas imported" not in output:
            raise SystemExit(f"unexpected import result: {output.strip()}")
        _, _, found, _ = run_measured([EXE, "similar", "--json", rows[-1]["text"]], env)
        searchable = json.loads(found)[0]["text"] == rows[-1]["text"]
    rate = len(rows) / seconds
    best = {name: max(values) for name, values in baseline["rates"].items()}
    figures = {
        "rows": len(rows),
        "runtime": args.runtime,
        "seconds": round(seconds, 1),
        "ideas_per_second": round(rate, 1),
        "peak_memory_gb": round(peak_gb, 2),
        "peak_memory_gb_by_phase": {k: round(v, 2) for k, v in phases.items()},
        "encode_only_per_second": {k: round(v, 1) for k, v in best.items()},
        "encode_only_rounds": {
            k: [round(v, 1) for v in values] for k, values in baseline["rates"].items()
        },
        "encode_only_sample": len(texts),
        "min_cosine_onnx_vs_canonical": round(baseline["min_cosine"], 7),
        "ratio_to_graph_encode_only": round(rate / best["openvino"], 2),
        "searchable": searchable,
        "targets": {"ideas_per_second": TARGET_RATE, "peak_memory_gb": TARGET_MEMORY_GB},
    }
    print(
        f"import of {len(rows):,} short ideas ({args.runtime}): {seconds:.0f} s, {rate:.1f} "
        f"ideas/s (target >= {TARGET_RATE:.0f}), peak {peak_gb:.2f} GB (target <= "
        f"{TARGET_MEMORY_GB}; storing {phases['storing']:.2f}, encoding {phases['encoding']:.2f})"
    )
    print(
        f"encoding {len(texts):,} of the texts alone, same run, best of {args.rounds}: "
        f"sentence-transformers {best['sentence_transformers']:.1f} texts/s, OpenVINO "
        f"{best['openvino']:.1f} texts/s (worst cosine {baseline['min_cosine']:.7f}); "
        f"the import reaches {rate / best['openvino']:.0%} of OpenVINO's rate; "
        f"last idea found again: {searchable}"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
