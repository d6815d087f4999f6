"""OpenVINO encodes as sentence-transformers does, only where that was checked (#17).

The graph is made where the model folder is built (``provision_model``, so the session's
``model_info`` has it on a fresh machine too); an import then never imports torch.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import matching.graph_runtime as graph_runtime
from matching.encoder import ModelInfo, SentenceEncoder, fast_encoder
from matching.graph_runtime import (
    CHECK_FILE,
    COMPILED,
    GRAPH,
    MIN_COSINE,
    GraphEncoder,
    load_graph,
    verified,
)
from matching.light import CHECK_TEXTS
from tests.integration.test_encoder import LONG_1, LONG_2, SENTENCES

pytestmark = pytest.mark.model

EXE = str(Path(sys.executable).parent / "ideenlotse")


def _cosines(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", got, want)


def test_the_built_folder_has_a_checked_graph(model_info: ModelInfo) -> None:
    folder = Path(model_info.path)
    record = json.loads((folder / CHECK_FILE).read_text(encoding="utf-8"))
    assert record["min_cosine"] >= MIN_COSINE and record["error"] is None
    assert verified(model_info) and (folder / GRAPH).stat().st_size < 100_000_000


def test_onnx_vectors_equal_the_canonical_ones(
    model_info: ModelInfo, encoder: SentenceEncoder
) -> None:
    """The shared check sentences and varied German ones (emoji, long texts cut at 512
    tokens), in padded batches and alone: the same vectors as sentence-transformers."""
    fast = load_graph(model_info, encoder.prefix)
    assert fast is not None and (fast.name, fast.dim) == (encoder.name, encoder.dim)
    texts = [*CHECK_TEXTS, *SENTENCES, "", "🚲🚲🚲", LONG_1 + " " + LONG_2]
    want = encoder.encode(texts)
    batched = fast.encode(texts)
    alone = np.vstack([fast.encode([text]) for text in texts])
    for got in (batched, alone):
        assert got.shape == want.shape and got.dtype == np.float32
        assert float(_cosines(got, want).min()) >= MIN_COSINE
        # what matching compares with its calibrated thresholds: the scores between texts
        assert float(np.abs(got @ got.T - want @ want.T).max()) < 0.005
    assert fast.encode([]).shape == (0, encoder.dim)
    with pytest.raises(TypeError):
        fast.encode("ein einzelner String")


def test_runs_are_sorted_by_length_and_bounded() -> None:
    lengths = [30, 512, 5, 30, 700, 12] + [20] * 300
    runs = list(graph_runtime.batches(lengths))
    assert sorted(i for run in runs for i in run) == list(range(len(lengths)))
    flat = [lengths[i] for run in runs for i in run]
    assert flat == sorted(lengths)  # shortest first: little padding
    for run in runs:
        width = max(lengths[i] for i in run)
        assert len(run) <= graph_runtime.MAX_BATCH
        assert len(run) == 1 or len(run) * width <= graph_runtime.TOKEN_BUDGET


def _linked_copy(model_info: ModelInfo, tmp_path: Path, copied: tuple[str, ...] = ()) -> Path:
    """The model folder as links to the shared one, without its graph and record; ``copied``
    files are real copies."""
    folder = tmp_path / "model"
    folder.mkdir()
    for entry in Path(model_info.path).iterdir():
        if entry.name in copied:
            shutil.copy2(entry, folder / entry.name)  # the time too: the record holds it
        elif entry.name not in (
            GRAPH,
            CHECK_FILE,
            COMPILED,
            ".onnx.lock",
        ) and not entry.name.startswith(("light", "kept", "lemmas")):
            (folder / entry.name).symlink_to(entry)
    return folder


def test_sentence_transformers_answer_where_the_graph_is_missing_or_stale(
    model_info: ModelInfo, tmp_path: Path
) -> None:
    folder = _linked_copy(model_info, tmp_path, copied=("model.safetensors",))
    info = replace(model_info, path=str(folder))
    assert not verified(info) and load_graph(info, "query: ") is None  # no graph, no record
    shared = Path(model_info.path)
    (folder / GRAPH).symlink_to(shared / GRAPH)
    shutil.copy(shared / CHECK_FILE, folder / CHECK_FILE)
    assert verified(info)  # the same weights (a copy keeps their time), graph and code
    os.utime(folder / "model.safetensors", ns=(1, 1))  # the weights changed since the check
    assert not verified(info) and load_graph(info, "query: ") is None
    assert isinstance(fast_encoder(info), SentenceEncoder)

    os.utime(
        folder / "model.safetensors", ns=((shared / "model.safetensors").stat().st_mtime_ns,) * 2
    )
    record = json.loads((folder / CHECK_FILE).read_text(encoding="utf-8"))
    assert verified(info)
    (folder / CHECK_FILE).write_text(json.dumps(record | {"min_cosine": 0.99}), encoding="utf-8")
    assert not verified(info)  # a check that failed
    (folder / CHECK_FILE).write_text(json.dumps(record | {"graph": "1:1"}), encoding="utf-8")
    assert not verified(info)  # another graph file than the one checked
    (folder / CHECK_FILE).write_text("{not json", encoding="utf-8")
    assert not verified(info)


def test_ensure_exports_checks_and_records_once(
    model_info: ModelInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a fresh build does (in a child process, so no torch stays in the caller); the
    second call finds the record, and a failed check is not tried again."""
    folder = _linked_copy(model_info, tmp_path)
    info = replace(model_info, path=str(folder))
    assert graph_runtime.ensure_graph(folder) and verified(info)
    record = json.loads((folder / CHECK_FILE).read_text(encoding="utf-8"))
    assert record["min_cosine"] >= MIN_COSINE
    assert isinstance(load_graph(info, "query: "), GraphEncoder)

    def no_child(*args: object, **kwargs: object) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(graph_runtime.subprocess, "run", no_child)
    assert graph_runtime.ensure_graph(folder)
    failed = record | {"min_cosine": 0.5, "graph": "missing"}
    (folder / CHECK_FILE).write_text(json.dumps(failed), encoding="utf-8")
    (folder / GRAPH).unlink()
    assert not graph_runtime.ensure_graph(folder)  # recorded as failed for these sources: no retry


def test_an_import_encodes_without_torch(model_info: ModelInfo, tmp_path: Path) -> None:
    """`ideenlotse import` takes the ONNX path: torch is never imported (Python's import
    log of the whole process), and the ideas are searchable afterwards."""
    config = tmp_path / "ideenlotse.toml"
    config.write_text(f"[matching]\nmodel = {json.dumps(model_info.path)}\n", encoding="utf-8")
    ideas = [SENTENCES[i] for i in range(0, 30)]
    file = tmp_path / "ideen.jsonl"
    file.write_text(
        "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in ideas),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MATRIX_", "SLACK_"))}
    env |= {"IDEENLOTSE_DATA_DIR": str(tmp_path / "data"), "IDEENLOTSE_CONFIG": str(config)}
    done = subprocess.run(
        [EXE, "import", str(file), "--quiet"],
        env=env | {"PYTHONPROFILEIMPORTTIME": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{len(ideas)} ideas imported" in done.stdout
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "openvino" in imported
    assert not {"torch", "sentence_transformers", "transformers"} & imported
    found = subprocess.run(
        [EXE, "similar", "--json", "--top", "1", ideas[7]],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert found.returncode == 0, found.stderr[-2000:]
    assert json.loads(found.stdout)[0]["text"] == ideas[7]


def test_an_export_that_dies_is_recorded_and_not_tried_again(
    model_info: ModelInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child killed before it wrote its record (out of memory, say) would otherwise cost
    every later command another try."""
    folder = _linked_copy(model_info, tmp_path)
    calls: list[object] = []

    def killed(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        return subprocess.CompletedProcess(command, -9, "", "Killed")

    monkeypatch.setattr(graph_runtime.subprocess, "run", killed)
    assert not graph_runtime.ensure_graph(folder) and len(calls) == 1
    record = json.loads((folder / CHECK_FILE).read_text(encoding="utf-8"))
    assert record["min_cosine"] is None and "Killed" in record["error"]
    assert not graph_runtime.ensure_graph(folder) and len(calls) == 1
    assert isinstance(fast_encoder(replace(model_info, path=str(folder))), SentenceEncoder)


def test_a_one_shot_command_never_waits_for_an_export(
    model_info: ModelInfo, tmp_path: Path
) -> None:
    """A built folder without a graph (an update of OpenVINO makes its record stale the
    same way): `similar` answers without exporting; `ideenlotse model` makes the graph."""
    models = tmp_path / "data" / "models"
    models.mkdir(parents=True)
    folder = _linked_copy(model_info, models)
    folder.rename(models / Path(model_info.path).name)
    folder = models / Path(model_info.path).name
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MATRIX_", "SLACK_"))}
    env |= {"IDEENLOTSE_DATA_DIR": str(tmp_path / "data")}
    env.pop("IDEENLOTSE_CONFIG", None)
    found = subprocess.run(
        [EXE, "similar", "--json", "Rechnungen digital freigeben"],
        env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip
    assert found.returncode == 0, found.stderr[-2000:]
    digest = subprocess.run(
        [EXE, "digest", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )  # fmt: skip; trial 11: the digest exported the graph first (20 s)
    assert digest.returncode == 0, digest.stderr[-2000:]
    assert not (folder / GRAPH).exists() and not (folder / CHECK_FILE).exists()
    shown = subprocess.run(
        [EXE, "model"], env=env, capture_output=True, text=True, timeout=900, cwd=tmp_path
    )
    assert "onnx:      ready" in shown.stdout, shown.stderr[-2000:]
    assert verified(replace(model_info, path=str(folder)))


NO_NETWORK = """
import json, sys
def note(event, args):  # a name looked up, a connection or request begun: by any thread,
    if event in ("socket.getaddrinfo", "socket.connect", "urllib.Request"):  # or a child
        with open(sys.argv[2], "a", encoding="utf-8") as log:  # forked to send (telemetry)
            log.write(f"{event} {args[0]!r}"[:200] + "\\n")
sys.addaudithook(note)
from matching.encoder import ModelInfo
from matching.graph_runtime import load_graph
encoder = load_graph(ModelInfo(*json.loads(sys.argv[1])), "query: ")
vectors = encoder.encode(["Rechnungen digital freigeben", "Das DMS startet nicht mehr"])
import openvino.tools.ovc  # the converter, whose telemetry sends on import (trial 24)
print(json.dumps({"rows": len(vectors)}))
"""


def test_loading_and_encoding_open_no_connection(model_info: ModelInfo, tmp_path: Path) -> None:
    """OpenVINO's converter comes with a telemetry client that sends a usage event to Google
    Analytics when openvino is imported (trial 24 recorded it; a refused connect did not, as
    the name lookup came first). Texts, and even usage counts, stay on the city's server: a
    fresh process that loads the graph, encodes and imports the converter looks nothing up."""
    info = [model_info.name, model_info.path, model_info.dim, model_info.source]
    tried = tmp_path / "tried.txt"
    done = subprocess.run(
        [sys.executable, "-c", NO_NETWORK, json.dumps(info), str(tried)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == {"rows": 2}
    assert not tried.exists(), tried.read_text(encoding="utf-8")


def test_a_graph_never_runs_in_a_precision_its_check_did_not(
    model_info: ModelInfo, tmp_path: Path
) -> None:
    """An image built on a server without bfloat16 and run on one with it computes in float32,
    as it was checked; bfloat16 only where the check ran in it and the CPU has it."""
    import openvino

    folder = _linked_copy(model_info, tmp_path, copied=(GRAPH, CHECK_FILE))
    info = replace(model_info, path=str(folder))
    record = json.loads((folder / CHECK_FILE).read_text(encoding="utf-8"))
    has_bf16 = "BF16" in openvino.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    for checked, runs in (("f32", "f32"), ("bf16", "bf16" if has_bf16 else "f32")):
        (folder / CHECK_FILE).write_text(json.dumps(record | {"precision": checked}))
        fast = load_graph(info, "query: ")
        assert fast is not None and fast.precision == runs
