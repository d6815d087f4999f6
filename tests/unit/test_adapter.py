"""Merging a LoRA adapter into the weights: W + (alpha / r) * B @ A, read from peft's files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from matching.adapter import available, lora_deltas, merged


def write_adapter(folder: Path, tensors: dict[str, np.ndarray], r: int = 2, alpha: int = 4) -> None:
    folder.mkdir()
    (folder / "adapter_config.json").write_text(json.dumps({"r": r, "lora_alpha": alpha}))
    save_file(tensors, str(folder / "adapter_model.safetensors"))


def test_delta_is_scaled_low_rank_product(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2, 4)).astype(np.float16)
    b = rng.normal(size=(3, 2)).astype(np.float16)
    key = "base_model.model.encoder.layer.0.attention.self.query"
    write_adapter(tmp_path / "ad", {f"{key}.lora_A.weight": a, f"{key}.lora_B.weight": b})
    assert available(tmp_path / "ad")
    deltas = lora_deltas(tmp_path / "ad")
    expected = 2.0 * (b.astype(np.float32) @ a.astype(np.float32))
    np.testing.assert_allclose(deltas["encoder.layer.0.attention.self.query.weight"], expected)
    weight = np.ones((3, 4), dtype=np.float32)
    state = [("encoder.layer.0.attention.self.query.weight", weight), ("other", weight)]
    out = dict(merged(state, deltas))
    np.testing.assert_allclose(out["encoder.layer.0.attention.self.query.weight"], 1 + expected)
    np.testing.assert_array_equal(out["other"], weight)


def test_adapter_for_an_unknown_module_is_refused(tmp_path: Path) -> None:
    key = "encoder.layer.9.attention.self.query"
    one = np.ones((1, 1), dtype=np.float32)
    write_adapter(tmp_path / "ad", {f"{key}.lora_A.weight": one, f"{key}.lora_B.weight": one})
    with pytest.raises(ValueError, match="unknown modules"):
        list(
            merged(
                [("encoder.layer.0.attention.self.query.weight", one)], lora_deltas(tmp_path / "ad")
            )
        )


def test_the_shipped_adapter_is_complete() -> None:
    assert available()
    deltas = lora_deltas()
    assert len(deltas) == 12 * 6  # every layer: q, k, v, attention output, intermediate, output


def test_our_pair_files_parse_and_keep_the_people_sets_unseen() -> None:
    from matching.adapter_train import OWN_DATA, read_pairs

    people_terms: set[str] = set()
    for path in (Path(__file__).resolve().parents[2] / "bench" / "eval_sets").glob("people*.json"):
        raw = json.loads(path.read_text(encoding="utf-8"))
        people_terms |= {t.lower() for p in raw["people"] for t in p["interests"]}
        people_terms |= {q["text"].lower() for q in raw["queries"] if q["kind"] == "topic"}
    assert people_terms
    for name in ("municipal_pairs.csv", "term_pairs.csv"):
        pairs = read_pairs(OWN_DATA / name)
        assert len(pairs) > 500 and all(0 <= score <= 5 for _, _, score in pairs)
    terms = read_pairs(OWN_DATA / "term_pairs.csv")
    assert not [(a, b) for a, b, _ in terms if {a.lower(), b.lower()} & people_terms]
