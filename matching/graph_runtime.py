"""Batches without torch: the model's transformer as an ONNX graph, run by OpenVINO.

Importing 100,000 ideas is bound by encoding them. Through sentence-transformers on torch
that ran at 73 texts/s on 2 cores, and importing torch alone costs seconds and about a
gigabyte of memory. The exported graph runs without torch: ONNX Runtime ran it at 104
texts/s, OpenVINO at 111-114 in float32 and at 175-210 where the CPU computes in bfloat16
(AVX512-BF16 or AMX), measured side by side on the same graph and batches (2,000 short
ideas; bench/import_speed.py measures the import). bfloat16 keeps the vectors: the worst
cosine against float32 was 0.99997 on short ideas and 0.99998 on texts of up to 512 tokens,
and every folder's graph is checked again below. A process that uses it never imports torch.

What is run: the folder's own transformer with mean pooling and normalisation, exported by
``torch.onnx`` (``matching.onnx_export``) to ``model.onnx``, with dynamic batch and sequence
axes. The word embedding table (250,000 rows, four fifths of the weights) stays out of the
graph: rows are read from the memory-mapped ``model.safetensors`` (float16, upcast exactly as
torch upcasts them), so the graph file is 86 MB instead of 470 and only the rows that texts
use are paged in. Tokens come from the folder's ``tokenizer.json`` through the `tokenizers`
library, as sentence-transformers gets them. Texts are sorted by token count and run in
batches up to a budget of padded tokens: short texts are not padded to a long neighbour's
length (unsorted batches ran at half the rate). OpenVINO keeps its compiled form in the
folder (``openvino-cache``), so a later process loads it in a quarter of a second.

It is used only where it was checked: ``ensure_graph`` has the graph exported and compared
with sentence-transformers (the canonical path) on the shared check texts, one at a time and
in padded batches; the worst cosine is recorded in the folder (``onnx.json``), bound to the
weights, the tokenizer, the graph file, the source of both modules and the OpenVINO version,
with the precision it ran in. Later runs use that precision at most: bfloat16 only where the
check ran in bfloat16 (a CPU without it falls back to float32, which is nearer still to the
canonical vectors), so an image built on one server and run on another never computes in a
precision nobody checked. ``load_graph`` refuses a folder without a passing record, and
callers then load sentence-transformers (``matching.encoder.fast_encoder``). The export and
the check run in a child process, so torch never stays in the memory of the process that
asked for them. OpenVINO's telemetry client (its converter's, imported with it) is kept out
by ``matching/__init__.py``; a test makes sure that nothing here looks up a network name.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from matching.model_files import file_stamp, mapped_tensors, weights_stamp

if TYPE_CHECKING:
    from openvino import CompiledModel
    from tokenizers import Tokenizer

    from matching.encoder import ModelInfo

log = logging.getLogger(__name__)

GRAPH = "model.onnx"
CHECK_FILE = "onnx.json"
TOKENIZER = "tokenizer.json"
WEIGHTS = "model.safetensors"
MIN_COSINE = 0.999
# Padded tokens per run, and texts per run. On 1,000 short German ideas (9-116 tokens), sorted
# runs of 2,048 tokens were as fast as sorted runs of 32 texts and faster than runs of 4,096
# or 8,192 tokens or of 128 texts; the budget also bounds the memory a run of long texts takes.
TOKEN_BUDGET = 2048
MAX_BATCH = 128
EXPORT_TIMEOUT = 1800  # seconds; the export and the check take about a minute
_LOCK = ".onnx.lock"
_WORDS = "embeddings.word_embeddings.weight"
_SOURCES = ("graph_runtime.py", "onnx_export.py")  # the code a check holds for
COMPILED = "openvino-cache"


class GraphEncoder:
    """A sentence-transformers folder's model (Transformer, mean Pooling, Normalize) through
    OpenVINO; the interface of ``matching.encoder.SentenceEncoder``."""

    def __init__(
        self, info: ModelInfo, prefix: str, *, threads: int | None = None, precision: str = "bf16"
    ) -> None:
        import openvino

        folder = Path(info.path)
        self.info, self.name, self.prefix = info, info.name, prefix
        self.tokenizer = _tokenizer(folder)
        self.words = mapped_tensors(folder / WEIGHTS)[_WORDS]
        self.dim = int(self.words.shape[1])
        config: dict[str, Any] = {
            "INFERENCE_NUM_THREADS": threads or _usable_cpus(),
            "PERFORMANCE_HINT": "LATENCY",  # one request at a time, all threads on it
            "INFERENCE_PRECISION_HINT": precision,  # float32 where the CPU has no bfloat16
        }
        if os.access(folder, os.W_OK):  # a container's read-only folder compiles each time
            config["CACHE_DIR"] = str(folder / COMPILED)
        self.model: CompiledModel = openvino.Core().compile_model(
            str(folder / GRAPH), "CPU", config
        )
        # what the CPU runs in: "bf16" or "f32"
        self.precision = self.model.get_property("INFERENCE_PRECISION_HINT").get_type_name()
        # One request, one run at a time: a request is not safe across threads, and two runs
        # side by side on 2 cores would only take turns (the bot encodes from its chat,
        # the digest and the Lagebild's threads).
        self._request = self.model.create_infer_request()
        self._running = threading.Lock()

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        """float32 (len(texts), dim), rows L2-normalised, `self.prefix` put before every text.

        ``batch_size`` is taken for the interface's sake: runs are sized by TOKEN_BUDGET.
        """
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not a single string")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not len(texts):
            return out
        ids = [e.ids for e in self.tokenizer.encode_batch([self.prefix + t for t in texts])]
        from tqdm import tqdm

        with tqdm(total=len(texts), desc="Texte", unit=" Text", disable=not progress) as bar:
            for run in batches([len(row) for row in ids]):
                out[run] = self.run([ids[i] for i in run])
                bar.update(len(run))
        return out

    def run(self, ids: Sequence[Sequence[int]]) -> np.ndarray:
        """One forward pass over lists of token ids, padded to the longest (mask 0 behind)."""
        width = max(len(row) for row in ids)
        tokens = np.zeros((len(ids), width), dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for r, row in enumerate(ids):
            tokens[r, : len(row)] = row
            mask[r, : len(row)] = 1
        embeds = self.words[tokens].astype(np.float32)
        with self._running:
            result = self._request.infer({"inputs_embeds": embeds, "attention_mask": mask})
            return np.array(result[0], dtype=np.float32)  # a copy: the request reuses its buffer


def batches(lengths: Sequence[int]) -> Iterator[list[int]]:
    """Indices of texts, shortest first, in runs of at most TOKEN_BUDGET padded tokens (a
    longer text runs alone) and MAX_BATCH texts."""
    run: list[int] = []
    for i in sorted(range(len(lengths)), key=lambda n: lengths[n]):
        if run and (len(run) >= MAX_BATCH or (len(run) + 1) * lengths[i] > TOKEN_BUDGET):
            yield run
            run = []
        run.append(i)
    if run:
        yield run


def _usable_cpus() -> int:
    """OMP_NUM_THREADS where an operator set it (the container image does, for torch;
    OpenVINO's own thread pool does not read it), else the CPUs this process may run on."""
    configured = os.environ.get("OMP_NUM_THREADS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _tokenizer(folder: Path) -> Tokenizer:
    from tokenizers import Tokenizer

    sbert = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
    tokenizer = Tokenizer.from_file(str(folder / TOKENIZER))
    tokenizer.enable_truncation(int(sbert["max_seq_length"]))
    tokenizer.no_padding()
    return tokenizer


# -- the record: what a check holds for -----------------------------------------------------


def _runtime_version() -> str:
    try:
        return metadata.version("openvino")
    except metadata.PackageNotFoundError:
        return "missing"


def sources(folder: Path) -> dict[str, str]:
    """What the graph and its check follow from: a change in any of these asks for both
    again (new weights or a new tokenizer, an update of this code or of OpenVINO)."""
    here = Path(__file__).parent
    code = b"".join((here / name).read_bytes() for name in _SOURCES)
    return {
        "weights": weights_stamp(folder),
        "tokenizer": file_stamp(folder / TOKENIZER),
        "engine": hashlib.sha256(code).hexdigest()[:16],
        "openvino": _runtime_version(),
    }


def read_record(folder: Path) -> dict[str, Any] | None:
    try:
        record = json.loads((Path(folder) / CHECK_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _verified(folder: Path) -> bool:
    record = read_record(folder)
    if record is None or _runtime_version() == "missing":
        return False
    try:
        return bool(
            record["sources"] == sources(folder)
            and record["graph"] == file_stamp(folder / GRAPH)
            and float(record["min_cosine"]) >= MIN_COSINE
        )
    except (KeyError, TypeError, ValueError):
        return False


def verified(info: ModelInfo) -> bool:
    """Whether the graph in this folder was checked against sentence-transformers, for these
    weights, this tokenizer and this very graph file, and passed."""
    return _verified(Path(info.path))


def load_graph(info: ModelInfo, prefix: str) -> GraphEncoder | None:
    """The OpenVINO encoder, if its graph was verified for this model folder."""
    if not verified(info):
        return None
    checked = (read_record(Path(info.path)) or {}).get("precision")
    try:
        return GraphEncoder(info, prefix, precision="bf16" if checked == "bf16" else "f32")
    except Exception as exc:  # a damaged file or a missing library: the canonical path
        log.warning("ONNX model of %s unusable (%s); loading sentence-transformers", info.path, exc)
        return None


# -- making it: export and check, in a child process ----------------------------------------


def ensure_graph(folder: Path) -> bool:
    """Have the graph exported and checked for ``folder`` (``python -m
    matching.onnx_export FOLDER``) unless that was done, or tried and failed, for what it
    follows from; whether a verified graph is there now.

    A failed try is recorded too, so a model the graph cannot reproduce costs one try, not one
    per command. A folder this process cannot write to (a container's) is left as it is.
    Concurrent callers wait for each other on a lock file; the second finds the record.
    """
    folder = Path(folder)
    if _verified(folder):
        return True
    if not os.access(folder, os.W_OK):
        return False
    with _locked(folder):
        record = read_record(folder)
        if record is not None and record.get("sources") == sources(folder):
            return _verified(folder)  # done (or failed) for these sources, here or meanwhile
        log.info("exporting %s for OpenVINO and checking it (once, about a minute)", folder)
        command = [sys.executable, "-m", "matching.onnx_export", str(folder)]
        made_from = sources(folder)
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=EXPORT_TIMEOUT, check=False
            )
            failure = (done.stderr.strip().splitlines() or ["no output"])[-1]
        except (OSError, subprocess.TimeoutExpired) as exc:
            failure = f"did not finish: {exc}"
        record = read_record(folder)
        if record is None or record.get("sources") != made_from:  # killed before it wrote one
            write_record(folder, made_from, None, failure)
        if not _verified(folder):
            log.warning("no ONNX model for %s: %s", folder, failure)
    return _verified(folder)


def write_record(
    folder: Path,
    made_from: dict[str, str],
    worst: float | None,
    error: str | None,
    precision: str | None = None,
) -> None:
    """Record a check (a failed one too: ``worst`` None or below MIN_COSINE) and the precision
    it ran in, under a temporary name and renamed, so a reader never sees half of it."""
    record = {
        "sources": made_from,
        "graph": file_stamp(folder / GRAPH),
        "min_cosine": None if worst is None else round(worst, 7),
        "precision": precision,
        "error": error,
    }
    staged = folder / f".{CHECK_FILE}.{os.getpid()}"
    staged.write_text(json.dumps(record), encoding="utf-8")
    os.replace(staged, folder / CHECK_FILE)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    import fcntl

    with open(folder / _LOCK, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
