"""The light model's tokenizer, loaded in a fraction of the time of the whole one.

``tokenizer.json`` holds e5's 250,002 pieces of every script, and building them takes the
`tokenizers` library 0.6 s: a third of ``ideenlotse similar TEXT``. The pieces written in Latin
script alone (about 110,000) load in a third of that. For a text whose characters, after the
tokenizer's own normalisation, each have a piece of their own among those, every piece that
could cover any part of it is among them too, so the unigram segmentation is the very same;
the ids are mapped back to the full vocabulary. Any other text (Cyrillic, emoji, "<mask>")
goes through the whole tokenizer, loaded when it is first needed.

The Latin part is written next to ``tokenizer.json`` by ``keep_latin`` (``matching.light``'s
check does it) and used only while its record names that very file.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

SOURCE = "tokenizer.json"
LATIN = "tokenizer-latin.json"
LATIN_IDS = "tokenizer-latin-ids.npy"
LATIN_RECORD = "tokenizer-latin.record.json"
SPECIAL = 4  # <s>, <pad>, </s>, <unk>: kept first, so their ids (and the template's) stay
_EXTRA = frozenset("‘’‚“”„–—…€•▁")


def _latin(piece: str) -> bool:
    return all(ord(c) < 0x250 or c in _EXTRA for c in piece)


def _stamp(folder: Path) -> list[int]:
    info = (folder / SOURCE).stat()
    return [info.st_size, info.st_mtime_ns]


def keep_latin(folder: Path) -> None:
    """Write the Latin-script part of the folder's tokenizer, unless it is there already.
    Written under temporary names and renamed, the record last: a reader sees all or none."""
    try:
        record = json.loads((folder / LATIN_RECORD).read_text(encoding="utf-8"))
        if record == {"source": _stamp(folder)}:
            return
    except (OSError, ValueError):
        pass
    whole = json.loads((folder / SOURCE).read_text(encoding="utf-8"))
    vocab = whole["model"]["vocab"]
    if whole["model"]["type"] != "Unigram" or whole["model"].get("byte_fallback"):
        return  # only a unigram model without byte fallback segments as the module says
    keep = list(range(SPECIAL)) + [i for i in range(SPECIAL, len(vocab)) if _latin(vocab[i][0])]
    whole["model"]["vocab"] = [vocab[i] for i in keep]
    whole["added_tokens"] = [t for t in whole["added_tokens"] if t["id"] < SPECIAL]
    tag = uuid.uuid4().hex
    parts = {
        LATIN: json.dumps(whole, ensure_ascii=False).encode("utf-8"),
        LATIN_IDS: None,
        LATIN_RECORD: json.dumps({"source": _stamp(folder)}).encode("utf-8"),
    }
    for name, data in parts.items():
        temporary = folder / f".{name}.{tag}"
        if data is None:
            with temporary.open("wb") as fh:
                np.save(fh, np.asarray(keep, dtype=np.int32))
        else:
            temporary.write_bytes(data)
        os.replace(temporary, folder / name)


class Tokens:
    """Token ids of a text, as the whole tokenizer gives them."""

    def __init__(self, folder: Path, max_length: int) -> None:
        self.folder, self.max_length = folder, max_length
        self._whole: Tokenizer | None = None
        self._latin: Tokenizer | None = None
        self._ids = np.zeros(0, dtype=np.int32)
        self._alphabet: frozenset[str] = frozenset()
        try:
            record = json.loads((folder / LATIN_RECORD).read_text(encoding="utf-8"))
            if record == {"source": _stamp(folder)}:
                self._latin = self._load(folder / LATIN)
                self._ids = np.load(folder / LATIN_IDS)
                vocab = self._latin.get_vocab()
                self._alphabet = frozenset(p for p in vocab if len(p) == 1) | {" "}
        except (OSError, ValueError):
            self._latin = None

    def _load(self, path: Path) -> Tokenizer:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(path))
        tokenizer.enable_truncation(self.max_length)
        tokenizer.no_padding()
        return tokenizer

    def _covers(self, text: str) -> bool:
        """Whether the Latin part segments ``text`` as the whole tokenizer does."""
        latin = self._latin
        if latin is None or latin.normalizer is None or "<mask>" in text:
            return False
        return set(latin.normalizer.normalize_str(text)) <= self._alphabet

    def ids(self, text: str) -> list[int]:
        if self._covers(text):
            assert self._latin is not None
            return [int(i) for i in self._ids[self._latin.encode(text).ids]]
        if self._whole is None:
            self._whole = self._load(self.folder / SOURCE)
        return list(self._whole.encode(text).ids)
