"""Routing questions to CDO, CIO or both with the real model, on questions not in the seed set."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.i18n import Translator
from bot.render import route_reason
from matching.encoder import Encoder, SentenceEncoder
from matching.routing import AREAS, LABELS, Route, Router, seed_examples

pytestmark = pytest.mark.model

CDO_QUESTIONS = [
    "Welche Förderung können wir für die Digitalisierung der Stadtbibliothek beantragen?",
    "Welche Verwaltungsleistungen sollen als Nächstes online gehen und wer legt die Reihenfolge "
    "fest?",
    "wer ist bei uns eigentlich für die digitale agenda zuständig",
]
CIO_QUESTIONS = [
    "Mein Drucker zeigt Papierstau an, obwohl gar kein Papier drin ist",
    "Ich habe mein Kennwort vergessen und komme nicht mehr an meinen PC.",
    "Im Besprechungsraum 3 gibt es kein WLAN-Signal.",
    "Wer verlängert den Wartungsvertrag für unsere Telefonanlage?",
    "Können wir für das Standesamt einen zusätzlichen Server im Rechenzentrum bekommen?",
]
BOTH_QUESTIONS = [
    "Wir sollen die Hundesteuer online beantragen lassen – welches System kaufen wir dafür?",
    "Wir wollen Bauanträge künftig komplett digital annehmen. Wer klärt den neuen Ablauf und "
    "die passende Software?",
]
LABELS_OF = {role: {a for a, r in AREAS.items() if r == role} for role in ("cdo", "cio")}


def reason(route: Route) -> str:
    """The line a German asker reads."""
    return route_reason(Translator("de"), route)


class SeedCachedEncoder:
    """The real encoder, except that seed texts are encoded once for the whole module.

    Several tests fit their own Router; without this each fit would encode the seed set
    again. Other texts always go to the model, so routing is tested for real. `encoded`
    counts the texts the model was asked for.
    """

    def __init__(self, inner: Encoder, seeds: dict[str, np.ndarray] | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        texts = [e.text for e in seed_examples()]
        self.seeds = (
            seeds if seeds is not None else dict(zip(texts, inner.encode(texts), strict=True))
        )
        self.encoded = 0

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        if texts and all(t in self.seeds for t in texts):
            return np.stack([self.seeds[t] for t in texts])
        self.encoded += len(texts)
        return self.inner.encode(texts, batch_size=batch_size, progress=progress)


@pytest.fixture(scope="module")
def seeded(encoder: SentenceEncoder) -> SeedCachedEncoder:
    return SeedCachedEncoder(encoder)


@pytest.fixture(scope="module")
def router(seeded: SeedCachedEncoder) -> Router:
    """Fitted once on the seed set; tests that teach it build their own."""
    fitted = Router(seeded)
    fitted.fit(seed_examples())
    return fitted


def test_questions_used_here_are_not_in_the_seed_set() -> None:
    seeds = {e.text.lower() for e in seed_examples()}
    for question in CDO_QUESTIONS + CIO_QUESTIONS + BOTH_QUESTIONS:
        assert question.lower() not in seeds


def test_the_evaluation_questions_are_not_in_the_seed_set() -> None:
    """bench/relevance.py's routing sets measure questions the router never saw: no seed
    shares half its words with one of them (set A had near-copies among the seeds)."""

    def words(text: str) -> frozenset[str]:
        return frozenset(re.findall(r"\w+", text.lower()))

    seeds = [words(e.text) for e in seed_examples()]
    sets = Path(__file__).resolve().parents[2] / "bench" / "eval_sets"
    for path in sorted(sets.glob("routing_eval*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            questions = [words(row["text"]) for row in csv.DictReader(fh)]
        assert len(questions) >= 100, path.name
        for q in questions:
            assert all(len(q & s) < 0.5 * len(q | s) for s in seeds), (path.name, sorted(q))


@pytest.mark.parametrize("question", CDO_QUESTIONS)
def test_clear_cdo_questions_go_to_the_cdo_with_a_reason(router: Router, question: str) -> None:
    route = router.route(question)
    assert route.target == "cdo", route
    assert route.confidence >= router.min_confidence
    assert reason(route).endswith("das betreut die oder der CDO.")
    assert not any(label in reason(route) for label in LABELS_OF["cio"]), reason(route)


@pytest.mark.parametrize("question", CIO_QUESTIONS)
def test_clear_cio_questions_go_to_the_cio_with_a_reason(router: Router, question: str) -> None:
    route = router.route(question)
    assert route.target == "cio", route
    assert route.confidence >= router.min_confidence
    assert reason(route).endswith("das betreut die oder der CIO.")
    assert not any(label in reason(route) for label in LABELS_OF["cdo"]), reason(route)


def test_an_unsure_area_gives_a_neutral_reason(router: Router) -> None:
    """A wrong reason is worse than none: without a likely area only the side is named."""
    route = router.route("Wen frage ich eigentlich bei so etwas Allgemeinem wie dem hier?")
    named = [a for a in AREAS if a in reason(route)]
    assert len(named) <= 1


def test_the_reason_names_the_matching_remit(router: Router) -> None:
    assert "Netzwerk und WLAN" in reason(router.route(CIO_QUESTIONS[2]))
    assert "Fördermittel" in reason(router.route(CDO_QUESTIONS[0]))


@pytest.mark.parametrize("question", BOTH_QUESTIONS)
def test_borderline_questions_go_to_both(router: Router, question: str) -> None:
    route = router.route(question)
    assert route.target == "both", route
    assert "CDO und CIO" in reason(route)
    assert "Organisation" in reason(route) and "Technik" in reason(route)


def test_low_confidence_goes_to_both(router: Router, seeded: SeedCachedEncoder) -> None:
    question = "Wer hilft uns, den Ablauf bei der Anmeldung der Hundesteuer zu verschlanken?"
    usual = router.route(question)
    assert usual.target == "cdo" and usual.confidence < 0.95
    strict = Router(seeded, min_confidence=0.95)
    strict.fit(seed_examples())
    route = strict.route(question)
    assert route.target == "both"
    assert reason(route).endswith("CDO und CIO sehen es sich gemeinsam an.")


def test_a_text_without_a_topic_goes_to_both(router: Router) -> None:
    for text in ("", "   ", "?", "Hallo", "Danke!"):
        route = router.route(text)
        assert route.target == "both" and route.confidence == 0.0


def test_rerouting_takes_effect_for_similar_questions(seeded: SeedCachedEncoder) -> None:
    counting = SeedCachedEncoder(seeded.inner, seeded.seeds)
    learner = Router(counting)
    learner.fit(seed_examples())
    rerouted = "Wer ist für die Barrierefreiheit unserer Internetseite zuständig?"
    similar = "Wer kümmert sich darum, dass die städtische Webseite barrierefrei wird?"
    assert learner.route(similar).target != "cio"

    before = counting.encoded
    learner.add_example(rerouted, "cio")  # the CIO took it over: "!weiterleiten 12 cio"
    assert counting.encoded == before  # learnt when the next question is routed

    route = learner.route(similar)
    assert counting.encoded - before == 2  # seed embeddings are cached: the two new texts
    assert route.target == "cio", route
    assert reason(route).endswith("das betreut die oder der CIO.")
    assert learner.examples[-1].text == rerouted


def test_add_example_rejects_unknown_labels(router: Router) -> None:
    with pytest.raises(ValueError):
        router.add_example("Wer ist zuständig?", "mayor")
    with pytest.raises(ValueError):
        router.add_example("   ", "cio")


def test_route_many_equals_route(router: Router) -> None:
    questions = [*CDO_QUESTIONS[:2], *CIO_QUESTIONS[:2], *BOTH_QUESTIONS, ""]
    batch = router.route_many(questions)
    assert len(batch) == len(questions)
    for question, together in zip(questions, batch, strict=True):
        alone = router.route(question)
        assert (together.target, reason(together)) == (alone.target, reason(alone))
        assert together.confidence == pytest.approx(alone.confidence, abs=0.002)
    assert router.route_many([]) == []


def test_seed_set_sanity() -> None:
    examples = seed_examples()
    assert len(examples) >= 150
    assert {e.label for e in examples} == set(LABELS)
    assert len({e.text for e in examples}) == len(examples)


def test_an_unfitted_router_starts_from_the_seed_set(seeded: SeedCachedEncoder) -> None:
    route = Router(seeded).route(CIO_QUESTIONS[0])
    assert route.target == "cio"


def test_replayed_reroutings_cost_nothing_until_a_question_comes(
    seeded: SeedCachedEncoder,
) -> None:
    """Trial 9: a process that replayed a stored re-routing at its start refitted the router
    there, so every command took seconds longer, `!hilfe` included."""
    counting = SeedCachedEncoder(seeded.inner, seeded.seeds)
    learner = Router(counting)
    learner.add_example("Wer pflegt die Liste der Ansprechpersonen im Intranet?", "cdo")
    learner.add_example("Wer richtet Verteilerlisten im Mailprogramm ein?", "cio")
    assert counting.encoded == 0
    assert [e.label for e in learner.examples[-2:]] == ["cdo", "cio"]

    learner.route("Wie bekomme ich einen zweiten Bildschirm?")
    assert counting.encoded == 3  # both re-routings, fitted once, and the question
    assert learner.examples[-1].text.startswith("Wer richtet Verteilerlisten")


def test_the_refit_on_reroutings_is_kept_for_the_next_process(
    encoder: SentenceEncoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Trial 10: with re-routings stored, every `route` and every console process's first
    question refitted the router (6-10 s on a busy machine)."""
    from matching import routing

    kept = tmp_path / "router-learnt.npz"
    learnt = [("Wer pflegt die Ansprechpersonen im Intranet?", "cdo")]
    question = "Wer aktualisiert die Kontaktliste im Intranet?"
    first = Router(encoder, learnt_at=kept)
    for text, label in learnt:
        first.add_example(text, label)
    expected = first.route(question)
    assert kept.exists()

    def no_fitting(*args: object, **kwargs: object) -> None:
        raise AssertionError("refitted although the same re-routings were kept")

    monkeypatch.setattr(routing, "fit_linear", no_fitting)
    monkeypatch.setattr(routing, "fit_lexical", no_fitting)
    second = Router(encoder, learnt_at=kept)
    for text, label in learnt:
        second.add_example(text, label)
    second.drop_stale_learnt()  # as at every start: the same re-routings, so it stays
    assert second.route(question) == expected

    erased = Router(encoder, learnt_at=kept)  # the re-routed question was erased meanwhile
    erased.drop_stale_learnt()
    assert not kept.exists()
