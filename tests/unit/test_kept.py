"""Results of the model and the packaged data, computed once and read back (matching.kept)."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from matching.encoder import ModelInfo
from matching.kept import KEPT_DIR, encode_kept, kept_arrays
from matching.routing import Linear, Router, fit_linear, seed_examples
from tests.fakes import HashingEncoder


class FolderEncoder(HashingEncoder):
    """The fake encoder with a model folder, like the real ones; counts the texts it encodes."""

    prefix = "query: "

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.info = ModelInfo(self.name, str(folder), self.dim, "test")
        self.texts = 0

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        self.texts += len(texts)
        return super().encode(texts, batch_size=batch_size, progress=progress)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    return tmp_path


def test_vectors_are_computed_once_per_model_and_texts(folder: Path) -> None:
    first = FolderEncoder(folder)
    texts = ["Rechnungen digital freigeben", "WLAN im Rathaus"]
    vectors = encode_kept(first, texts)
    assert first.texts == 2 and len(list((folder / KEPT_DIR).glob("*.npz"))) == 1
    second = FolderEncoder(folder)  # another process, the same model
    assert np.array_equal(encode_kept(second, texts), vectors) and second.texts == 0
    assert encode_kept(second, texts[:1]).shape == (1, second.dim) and second.texts == 1
    (folder / "model.safetensors").write_bytes(b"other weights")  # a rebuilt model
    encode_kept(second, texts)
    assert second.texts == 3


def test_without_a_folder_or_writable_folder_it_simply_computes(folder: Path) -> None:
    plain = HashingEncoder()  # the tests' encoders have no folder
    assert encode_kept(plain, ["a"]).shape == (1, plain.dim)
    os.chmod(folder, stat.S_IRUSR | stat.S_IXUSR)  # a read-only model folder
    try:
        encoder = FolderEncoder(folder)
        assert kept_arrays(encoder, ["k"], lambda: {"x": np.arange(3)})["x"].tolist() == [0, 1, 2]
    finally:
        os.chmod(folder, stat.S_IRWXU)


def test_a_damaged_file_is_computed_again(folder: Path) -> None:
    encoder = FolderEncoder(folder)
    encode_kept(encoder, ["Termine online buchen"])
    (kept,) = (folder / KEPT_DIR).glob("*.npz")
    kept.write_bytes(b"not numpy")
    assert encode_kept(encoder, ["Termine online buchen"]).shape == (1, encoder.dim)
    assert encoder.texts == 2


@pytest.mark.parametrize("classes", [("cdo", "cio"), ("both", "cdo", "cio")])
def test_linear_gives_scikit_learns_probabilities(classes: tuple[str, ...]) -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    features = rng.normal(size=(60, 8))
    labels = [classes[i % len(classes)] for i in range(60)]
    weights = rng.uniform(0.5, 2.0, size=60)
    ours = fit_linear(features, labels, weights.tolist(), 4.0, 500)
    theirs = LogisticRegression(C=4.0, max_iter=500).fit(features, labels, sample_weight=weights)
    assert ours.classes == tuple(theirs.classes_)
    assert np.allclose(ours.probabilities(features), theirs.predict_proba(features), atol=1e-9)
    again = Linear.from_arrays(ours.arrays())
    assert again.classes == ours.classes
    assert np.array_equal(again.probabilities(features), ours.probabilities(features))


def test_a_second_router_reads_the_seed_models_back(folder: Path) -> None:
    questions = ["Wer betreut das WLAN im Rathaus?", "Wer ist für die Digitalagenda zuständig?"]
    first = FolderEncoder(folder)
    routes = Router(first).route_many(questions)
    assert first.texts >= len(seed_examples())
    second = FolderEncoder(folder)
    assert Router(second).route_many(questions) == routes
    assert second.texts == len(questions)  # the seeds were neither encoded nor fitted again
    learner = Router(second)
    learner.add_example("Mein Bildschirm flackert", "cio")  # a re-routing: fitted, not kept
    assert learner.route("Mein Bildschirm flackert").target == "cio"
    # seed vectors; role and area models, each by embeddings and by character n-grams
    assert len(list((folder / KEPT_DIR).glob("*.npz"))) == 5
