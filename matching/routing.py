"""Routing a staff question to the CDO, the CIO, or both, with a reason the asker can read.

The classifier is a three-class logistic regression on e5 embeddings: "both" is a class of
its own, learnt from the border questions of the seed set, and in addition any question whose
best single role is less likely than `min_confidence` goes to both. bench/routing.py measures
this with stratified 5-fold cross-validation (five shuffles) against the alternatives: two
classes where only low confidence leads to both never learn what a border question looks
like - at a floor that keeps clear-case accuracy at 0.90 they reach 0.38 of the "both" seeds,
this design 0.71 at 0.94; the third class without the floor sends more questions to the
wrong single role (0.025 against 0.015). Measured while choosing, not repeated in the bench:
TF-IDF word or character features next to the embeddings gave no gain, balanced class
weights cost clear-case accuracy (0.89 against 0.93), C between 16 and 128 was within noise.

Re-routings by a role holder become training examples with a higher weight and take effect at
once: embeddings are cached per text, so a refit encodes only the new question and fits the
small linear model again (milliseconds).

The reason names the remit, not the class: each role's remit is a small table of areas with a
German label; the question is compared with each area's description by embedding similarity,
nudged by topic keywords it contains, and the closest area of the chosen role is named.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
from sklearn.linear_model import LogisticRegression

from matching.encoder import Encoder
from matching.reasons import terms

LABELS = ("cdo", "cio", "both")
SEED_FILE = "routing_seed.csv"
# Chosen by cross-validation on the seed set (see the module docstring and bench/routing.py).
DEFAULT_MIN_CONFIDENCE = 0.5
REGULARISATION_C = 32.0  # inverse L2 strength; 16-128 were within noise of each other
# A role holder's re-routing counts this many times a seed example: one correction must move
# its close neighbourhood against a few hundred seeds (weight 1 did not, in a small check of
# four re-routings with paraphrases; 4 did), yet stay one voice among many elsewhere.
FEEDBACK_WEIGHT = 4.0
SECOND_AREA_GAP = 0.005  # name a second area when its score is this close to the first
# Added to an area's cosine per keyword stem found in the question (at most two): cosines of
# one question to the areas spread over ~0.1, so a named term decides near-ties only.
KEYWORD_BONUS = 0.03

ROLE_NAMES = {"cdo": "der CDO", "cio": "der CIO"}
# "Hallo", "Danke!" or an empty line carry no topic, yet the model would still pick a side
# with high confidence; such texts (at most one content word and no remit keyword) go to both.
UNCLEAR_REASON = "Das Thema ist aus der Frage nicht erkennbar – CDO und CIO sehen sie sich an."
EMPTY_PLACEHOLDER = "?"  # encoded in place of an empty text, keeps the batch aligned


@dataclass(frozen=True)
class Route:
    """Where a question goes and why; `reason` is one German line shown to the asker."""

    target: str  # "cdo" | "cio" | "both"
    confidence: float  # 0..1: p(target); for "both", 1 - p(best single role)
    reason: str


@dataclass(frozen=True)
class Example:
    """A labelled question: from the seed set or from a role holder's re-routing."""

    text: str
    label: str


@dataclass(frozen=True)
class Area:
    """One part of a role's remit: the label the asker reads, and what it is matched by.

    `description` is compared with the question by embedding similarity; `keywords` are
    lower-case word stems found anywhere in the question (German compounds hide them:
    "Softwarelizenzen"). Embeddings alone named a fitting area for about 60% of the
    role-area pairs of a small hand-checked list; with the keyword nudge, about 75%.
    """

    role: str
    label: str
    description: str
    keywords: tuple[str, ...]


def _area(role: str, label: str, description: str, keywords: str) -> Area:
    return Area(role, label, description, tuple(keywords.split()))


# The remits as staff would describe them, in the words people actually use.
AREAS: tuple[Area, ...] = (
    _area(
        "cdo",
        "Digitalstrategie und Digitalagenda",
        "Digitalisierungsstrategie, Digitalagenda, Ziele, Fahrplan und Prioritäten der "
        "digitalen Verwaltung, Smart City",
        "digitalstrategie digitalisierungsstrategie agenda fahrplan smart ziele priorit",
    ),
    _area(
        "cdo",
        "Organisation und Abläufe",
        "Arbeitsabläufe und Prozesse optimieren und vereinfachen, Zuständigkeiten, "
        "Aufgabenverteilung, Medienbrüche, Verwaltungsorganisation",
        "ablauf abläuf prozess zuständigkeit organis verschlank vereinfach workflow",
    ),
    _area(
        "cdo",
        "Online-Dienste nach dem OZG",
        "Onlinezugangsgesetz, Verwaltungsleistungen online anbieten, Onlineanträge, "
        "Nachnutzung von EfA-Diensten anderer Kommunen",
        "ozg onlinezugang online antrag anträg verwaltungsleistung efa formular",
    ),
    _area(
        "cdo",
        "Bürgerservice",
        "Bürgerservice, Bürgerbüro, Bürgerbeteiligung, bürgerfreundliche und verständliche "
        "Angebote, Wartezeiten, Zufriedenheit der Bürgerinnen und Bürger",
        "bürger beteiligung wartezeit termin",
    ),
    _area(
        "cdo",
        "Koordination und Synergien",
        "Digitalprojekte koordinieren, Ideen bündeln, Ideenmanagement, ähnliche Vorhaben "
        "zusammenbringen, Austausch und Vernetzung zwischen Ämtern und Kommunen",
        "koordin zusammenbring bündel synergi austausch vernetz idee ähnlich nachnutz",
    ),
    _area(
        "cdo",
        "Veränderungsmanagement",
        "Change Management, Beschäftigte mitnehmen, Sorgen und Widerstände, Führungskräfte, "
        "Personalrat, neue Arbeitsweisen",
        "veränderung wandel mitnehm mitgenommen widerst personalrat führungskr umstellung",
    ),
    _area(
        "cdo",
        "Qualifizierung und Schulung",
        "Fortbildung, Schulungen, Workshops, Lernangebote, Qualifizierung der Beschäftigten "
        "für digitales Arbeiten",
        "schulung schult fortbild weiterbild qualifiz workshop lernangebot einarbeit coach",
    ),
    _area(
        "cdo",
        "Fördermittel",
        "Förderprogramme, Fördermittel, Förderanträge und Förderquoten für Digitalisierung",
        "förder zuschuss",
    ),
    _area(
        "cdo",
        "Datenstrategie und Open Data",
        "Datenstrategie, Open Data, Verwaltungsdaten offen veröffentlichen, Datenqualität, "
        "Daten mit anderen Stellen teilen, Datenschutz in den Abläufen",
        "open-data datenstrategie offene datensätze datenqualität datenschutz",
    ),
    _area(
        "cio",
        "IT-Strategie und IT-Projektplan",
        "IT-Strategie, IT-Projektplan, technische Planung für die nächsten Jahre, "
        "Cloud-Umzug, Ablösung alter Technik",
        "it-strategie it-projekt ablösung",
    ),
    _area(
        "cio",
        "IT-Service",
        "Störung, Fehlermeldung, etwas funktioniert nicht, Helpdesk, Support, Absturz, "
        "langsamer Rechner",
        "störung fehler absturz stürzt helpdesk support langsam kaputt ausgefallen",
    ),
    _area(
        "cio",
        "IT-Architektur und Fachverfahren",
        "IT-Architektur, Systemlandschaft, Fachverfahren, Schnittstellen, Datenbanken, "
        "technische Standards",
        "architektur fachverfahren fachanwendung schnittstelle systemlandschaft datenbank",
    ),
    _area(
        "cio",
        "Hardware",
        "IT-Ausstattung, Laptops, PCs, Monitore, Drucker, Scanner, Diensthandys, Tablets, "
        "Headsets, Geräte bestellen",
        "laptop notebook rechner pc drucker monitor bildschirm scanner handy tablet headset "
        "gerät hardware ausstattung maus tastatur",
    ),
    _area(
        "cio",
        "Software und Lizenzen",
        "Programme installieren, Software freigeben, Lizenzen, Updates, Betriebssystem, "
        "E-Mail-Programm",
        "software programm lizenz install update betriebssystem",
    ),
    _area(
        "cio",
        "Netzwerk und WLAN",
        "Netzwerk, WLAN, Internetanschluss, VPN, Glasfaser, Leitungen, Verbindung, Telefonie",
        "wlan netzwerk internet vpn glasfaser verbindung telefon",
    ),
    _area(
        "cio",
        "IT-Sicherheit",
        "IT-Sicherheit, Informationssicherheit, BSI IT-Grundschutz, Viren, Phishing, "
        "Verschlüsselung, Firewall, Sicherheitsvorfall, technischer Datenschutz",
        "sicherheit grundschutz viren virus trojaner phishing verschlüssel firewall "
        "schadsoftware verdächtig ransomware angriff",
    ),
    _area(
        "cio",
        "IT-Verträge und Beschaffung",
        "IT-Verträge, Wartungsverträge, Ausschreibung und Beschaffung von IT, Dienstleister, "
        "Rahmenverträge",
        "vertrag verträg ausschreib beschaff dienstleister einkauf kaufen anschaff",
    ),
    _area(
        "cio",
        "Server und Rechenzentrum",
        "Server, Rechenzentrum, Hosting, Backups, Speicherplatz, Cloud, Verfügbarkeit",
        "server rechenzentrum hosting backup speicher cloud",
    ),
    _area(
        "cio",
        "Benutzerkonten und Zugänge",
        "Passwort, Benutzerkonto, Anmeldung, Zugriffsrechte, Zwei-Faktor-Anmeldung, "
        "Administratorrechte",
        "passwort kennwort konto zugang zugriff anmeld berechtigung zwei-faktor token",
    ),
)


def seed_examples() -> list[Example]:
    """The labelled seed questions packaged with the code (matching/routing_seed.csv)."""
    text = resources.files("matching").joinpath(SEED_FILE).read_text(encoding="utf-8")
    examples = [Example(row["text"], row["label"]) for row in csv.DictReader(io.StringIO(text))]
    for example in examples:
        _check_label(example.label)
    return examples


def _check_label(label: str) -> None:
    if label not in LABELS:
        raise ValueError(f"unknown routing label {label!r}; expected one of {LABELS}")


class Router:
    """Routes questions; learns from re-routings without a restart.

    Not thread-safe: callers that route from several threads serialise access.
    """

    def __init__(self, encoder: Encoder, *, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> None:
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError("min_confidence must be between 0 and 1")
        self.encoder = encoder
        self.min_confidence = min_confidence
        self._cache: dict[str, np.ndarray] = {}  # text -> embedding, so refits skip encoding
        self._examples: list[Example] = []
        self._weights: list[float] = []
        self._model: LogisticRegression | None = None
        self._area_vectors: np.ndarray | None = None

    @property
    def examples(self) -> list[Example]:
        """The training examples in use: the fitted set plus re-routings, in order."""
        return list(self._examples)

    def fit(self, examples: Sequence[Example]) -> None:
        """Train on `examples` (usually `seed_examples()`), replacing earlier training."""
        for example in examples:
            _check_label(example.label)
        self._examples = list(examples)
        self._weights = [1.0] * len(self._examples)
        self._refit()

    def add_example(self, text: str, label: str) -> None:
        """Learn from a re-routing: `text` belongs to `label`; effective for the next route."""
        _check_label(label)
        if not text.strip():
            raise ValueError("cannot learn from an empty question")
        if self._model is None:
            self.fit(seed_examples())
        self._examples.append(Example(text, label))
        self._weights.append(FEEDBACK_WEIGHT)
        self._refit()

    def route(self, text: str) -> Route:
        """Route one question."""
        return self.route_many([text])[0]

    def route_many(self, texts: Sequence[str]) -> list[Route]:
        """Route several questions with one encoder call; same result as `route` per text."""
        if isinstance(texts, str):
            raise TypeError("route_many() takes a sequence of texts, not a single string")
        if not texts:
            return []
        model = self._fitted()
        vectors = self.encoder.encode([text.strip() or EMPTY_PLACEHOLDER for text in texts])
        probabilities = model.predict_proba(vectors)
        classes = [str(c) for c in model.classes_]
        area_scores = vectors @ self._areas().T + np.stack([_keyword_bonus(t) for t in texts])
        return [
            self._decide(dict(zip(classes, row.tolist(), strict=True)), scores)
            if _has_topic(text)
            else Route("both", 0.0, UNCLEAR_REASON)
            for text, row, scores in zip(texts, probabilities, area_scores, strict=True)
        ]

    # -- internals ------------------------------------------------------------------------

    def _fitted(self) -> LogisticRegression:
        if self._model is None:  # nobody called fit: start from the packaged seed set
            self.fit(seed_examples())
        assert self._model is not None
        return self._model

    def _refit(self) -> None:
        texts = [example.text for example in self._examples]
        missing = sorted({t for t in texts if t not in self._cache})
        if missing:
            for text, vector in zip(missing, self.encoder.encode(missing), strict=True):
                self._cache[text] = vector
        if len({example.label for example in self._examples}) < 2:
            raise ValueError("routing needs examples of at least two labels")
        features = np.stack([self._cache[t] for t in texts])
        labels = [example.label for example in self._examples]
        model = LogisticRegression(C=REGULARISATION_C, max_iter=2000)
        model.fit(features, labels, sample_weight=np.asarray(self._weights))
        self._model = model

    def _areas(self) -> np.ndarray:
        if self._area_vectors is None:
            texts = [f"{area.label}: {area.description}" for area in AREAS]
            self._area_vectors = self.encoder.encode(texts)
        return self._area_vectors

    def _decide(self, probabilities: dict[str, float], area_scores: np.ndarray) -> Route:
        """Pick the target from class probabilities; word the reason from the area scores."""
        p_cdo, p_cio = probabilities.get("cdo", 0.0), probabilities.get("cio", 0.0)
        p_both = probabilities.get("both", 0.0)
        best = "cdo" if p_cdo >= p_cio else "cio"
        p_best = max(p_cdo, p_cio)
        if p_both > p_best or p_best < self.min_confidence:
            # the chance that picking one role alone would be wrong
            return Route("both", round(1.0 - p_best, 3), _both_reason(area_scores))
        return Route(best, round(p_best, 3), _single_reason(best, area_scores))


def _has_topic(text: str) -> bool:
    lowered = text.lower()
    return len(terms(text)) >= 2 or any(k in lowered for area in AREAS for k in area.keywords)


def _keyword_bonus(text: str) -> np.ndarray:
    """Per area: KEYWORD_BONUS for each of its stems in the text, counting at most two."""
    lowered = text.lower()
    hits = [sum(stem in lowered for stem in area.keywords) for area in AREAS]
    return KEYWORD_BONUS * np.minimum(np.asarray(hits, dtype=np.float32), 2.0)


def _ranked(role: str, area_scores: np.ndarray) -> list[tuple[float, str]]:
    pairs = [
        (float(area_scores[i]), area.label) for i, area in enumerate(AREAS) if area.role == role
    ]
    return sorted(pairs, reverse=True)


def _single_reason(role: str, area_scores: np.ndarray) -> str:
    ranked = _ranked(role, area_scores)
    topic = ranked[0][1]
    if len(ranked) > 1 and ranked[0][0] - ranked[1][0] <= SECOND_AREA_GAP:
        topic = f"{topic} sowie {ranked[1][1]}"
    return f"Es geht um {topic} – das betreut {ROLE_NAMES[role]}."


def _both_reason(area_scores: np.ndarray) -> str:
    organisation = _ranked("cdo", area_scores)[0][1]
    technology = _ranked("cio", area_scores)[0][1]
    return (
        f"Das berührt Organisation ({organisation}) und Technik ({technology}) – "
        "CDO und CIO sehen es sich gemeinsam an."
    )
