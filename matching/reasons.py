"""A short, human "why similar": the words that matter which two texts share.

People read these reasons, so each term must be a real German word: a lemma ("Termine" and
"Termin" meet as "Termin"), or a real part of a compound ("Terminvergabe" and "Termin" share
"Termin", "Bürgeramt" and "Bürgerbüro" share "Bürger"), never a cut stem ("erinne") and never a
stopword ("per"). Lemmas and the word list for compound parts come from simplemma (MIT, data in
the wheel, no model); stopwords from stopwordsiso plus the filler words of idea posts.
"""

from __future__ import annotations

import os
import re
import uuid
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simplemma import Lemmatizer
    from simplemma.strategies import DictionaryLookupStrategy
    from simplemma.strategies.dictionaries import DictionaryFactory

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
GENERIC_SHARE = 0.1  # a word this share of ordinary ideas use is no reason (see generic)
MIN_PART = 4  # shorter compound parts are mostly accidents ("Amt" in "Amtsblatt" is fine whole)
_LINKS = ("", "s", "es", "n", "en", "e")  # Fugenelemente between the parts of a compound
# Endings that make adjectives and abstract nouns, never a compound's head, though the
# dictionary knows some as words: "elektronisch" is no "Elektron" + "Isch".
_SUFFIXES = frozenset({"isch", "lich", "heit", "keit", "schaft"})
# Rare words the dictionary knows that are mostly accidents inside another word: a linking
# "s" and a short head ("Samt" in "Ordnungsamt", "Stag" in "Arbeitstag"; trial 7 read
# "gemeinsame Begriffe: Samt"), a prefix ("Besch" in "Beschreibung"), an ending ("Mente" in
# "Dokumente", "Dung" in "Gründung"). Found by splitting the words of the packaged texts.
_FALSE_PARTS = frozenset(
    [
        "samt",
        "stag",
        "besch",
        "chen",
        "mente",
        "riff",
        "dung",
        "tand",
        "iker",
        "ismus",
        "rial",
        "prise",
        "hops",
        "zeuge",
        "ster",
        "kata",
        "papi",
        "tran",
        "verb",
        "platt",
        "nehm",
    ]
)
# Modifiers with these endings always take the linking "s": "Ordnungsamt" is no "Ordnung"
# + "Samt", "Rechnungstelle" no "Rechnung" + "Stelle".
_LINKING_S = ("ung", "heit", "keit", "schaft", "tät", "ion", "arbeit")

# Words every idea post uses: they tell nothing about what two ideas share.
_FILLER = """
    idee ideen vorschlag vorschläge anregung stadt stadtverwaltung verwaltung bitte gut gute
    besser einfach mal eigentlich sollte sollten könnte könnten würde wäre gerne schon immer
    mehr viel viele neu neue neuen neuer alle jeder jede man wir uns unser unsere ich mein
    meine bisher aktuell derzeit momentan zukünftig künftig möglich möglichkeit einführen
    machen geben gibt gehen geht kommen kommt sehen lassen sein haben werden können müssen
    sollen wollen dürfen brauchen bekommen stehen finden nutzen nutzung sinnvoll schnell
    problem frage thema sache teil art weise fall beispiel zeit jahr tag woche leute per via
    bzw usw etc ggf z b evtl hallo hi moin servus danke dank gruß grüße liebe lieber
""".split()  # noqa: SIM905


# Nouns of the organisation itself: true words, but sharing "Fachdienst" or "Bereich" says
# nothing about why two posts belong together (trial 16 read "gemeinsame Begriffe: Fachdienst,
# Arbeit"). Left out of the reasons shown, not of matching: a part of a word still counts there.
_VAGUE = frozenset(
    """
    fachdienst fachbereich bereich abteilung dezernat dienststelle amt referat sachgebiet team
    stelle arbeit programm projekt mitarbeiter mitarbeiterin mitarbeitende beschäftigte
    kollege kollegin leitung verfahren prozess lösung angebot aufgabe einsatz extra fach
""".split()  # noqa: SIM905
)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    import stopwordsiso

    return frozenset(w.lower() for w in stopwordsiso.stopwords("de")) | frozenset(_FILLER)


_dictionary_folder: Path | None = None


def keep_dictionary_in(folder: Path | None) -> None:
    """Keep simplemma's German dictionary in ``folder`` as a memory-mapped trie.

    Its shipped form is a compressed list that takes 1.5 s to unpack in every process, more
    than a one-shot command may take in all; the trie (about 8 MB) opens in milliseconds and
    gives the same lemmas. Built on first use; without a folder the shipped form is used.
    """
    global _dictionary_folder
    if folder != _dictionary_folder:
        _dictionary_folder = folder
        for cached in (_lemmatizer, lemma, _is_noun, compound_parts):
            cached.cache_clear()


@lru_cache(maxsize=1)
def _lemmatizer() -> tuple[Lemmatizer, DictionaryLookupStrategy]:
    from simplemma import Lemmatizer
    from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy

    factory = None if _dictionary_folder is None else _trie_factory(_dictionary_folder)
    lemmatizer = Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=factory))
    return lemmatizer, DictionaryLookupStrategy(factory or _default_factory())


def _default_factory() -> DictionaryFactory:
    from simplemma.strategies.dictionaries import DEFAULT_DICTIONARY_FACTORY

    return DEFAULT_DICTIONARY_FACTORY


def _trie_factory(folder: Path) -> DictionaryFactory:
    from simplemma.strategies.dictionaries.trie_dictionary_factory import TrieDictionaryFactory

    class AtomicTries(TrieDictionaryFactory):
        """Writes the trie under a temporary name and renames it, as two processes starting
        at once would otherwise each read the other's half-written file."""

        def _write_trie_to_disk(self, lang: str, trie: Any) -> None:
            folder.mkdir(parents=True, exist_ok=True)
            temporary = folder / f".{lang}.{uuid.uuid4().hex}.dic"
            try:
                trie.save(str(temporary))
                os.replace(temporary, folder / f"{lang}.dic")
            finally:
                temporary.unlink(missing_ok=True)

    return AtomicTries(disk_cache_dir=str(folder))


@lru_cache(maxsize=20000)
def lemma(word: str) -> str:
    """The dictionary form ("Termine" -> "Termin"); unknown words stay as written."""
    lemmatizer, _ = _lemmatizer()
    return str(lemmatizer.lemmatize(word, lang="de"))


@lru_cache(maxsize=20000)
def _is_noun(word: str) -> bool:
    """A known German word whose dictionary form is itself, capitalised: a real part."""
    from simplemma.utils import normalize_token

    _, lookup = _lemmatizer()
    cap = word[:1].upper() + word[1:]
    return lookup.get_lemma(normalize_token(cap), "de") is not None and lemma(cap) == cap


def as_written_properly(word: str) -> str:
    """A noun written in lower case, capitalised ("laternen" -> "Laternen"): a term shown
    to a reader in the spelling of a hasty chat message looked careless (trial 9). A noun is
    a word whose dictionary form is capitalised, or a compound of known nouns."""
    if not word.islower():
        return word
    from simplemma.utils import normalize_token

    _, lookup = _lemmatizer()
    found = lookup.get_lemma(normalize_token(word), "de")
    if (found and found[:1].isupper()) or (found is None and len(compound_parts(word)) > 1):
        return word[:1].upper() + word[1:]
    return word


@lru_cache(maxsize=20000)
def compound_parts(word: str) -> tuple[str, ...]:
    """The real words a compound is made of ("Fahrradstellplatz" -> Fahrrad, Stellplatz).

    One split, modifier + optional linking element + head, each part a known noun of at
    least MIN_PART letters; the head is split again. Of several splits the most balanced one
    wins. A word that does not split is its own only part.
    """
    low = word.lower()
    best: tuple[int, tuple[str, ...]] | None = None
    for cut in range(MIN_PART, len(low) - MIN_PART + 1):
        head = _head(low[cut:])
        if head is None:
            continue
        for link in _LINKS:
            modifier = low[:cut]
            if link:
                if not modifier.endswith(link):
                    continue
                modifier = modifier[: -len(link)]
            if modifier in _FALSE_PARTS or (modifier.endswith(_LINKING_S) and link != "s"):
                continue
            if link and _misread(modifier, link):
                continue
            if len(modifier) >= MIN_PART and _is_noun(modifier):
                balance = min(len(modifier), len(head))
                if best is None or balance > best[0]:
                    best = (balance, (_cap(modifier), *compound_parts(head)))
    return best[1] if best else (word,)


def _head(tail: str) -> str | None:
    """The tail of a compound as its last part: a noun, or the plural of one, as its
    dictionary form ("Digitalschulungen" -> Schulung: trial 16's `!wer Schulungen` did not
    find the project "Mobiles Arbeiten und Digitalschulungen")."""
    if tail in _SUFFIXES or tail in _FALSE_PARTS:
        return None
    if _is_noun(tail):
        return _cap(tail)
    base = lemma(_cap(tail))
    plural = base != _cap(tail) and tail.startswith(base.lower()[: len(base) - 2])
    return base if plural and len(base) >= MIN_PART and _is_noun(base.lower()) else None


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


# The first part of a compound whose rest the next word gives ("Geburts-, Ehe- und
# Sterbeurkunden"): no word to show as a reason (trial 26 read "gemeinsame Themen: Geburts").
# Matching keeps it: "Haushalts-, Kassen- und Rechnungswesen" is found by "Kasse", and
# without such parts the plan figures fell on three of four sets.
_ELIDED = re.compile(r"(?<![\w-])[^\W\d_]+-(?=\s*,|\s+(?:und|oder|sowie|bzw)\b)", re.UNICODE)


def without_elisions(text: str) -> str:
    """The text with such parts blanked out, keeping every other word where it was."""
    return _ELIDED.sub(lambda match: " " * len(match.group()), text)


def terms(text: str) -> list[str]:
    """Content words of a text as lemmas, in order, without stopwords and repeats."""
    found: list[str] = []
    stop = stopwords()
    for token in _WORD.findall(text):
        for word in [token, *token.split("-")] if "-" in token else [token]:
            if len(word) < 3 or word.lower() in stop:
                continue
            base = lemma(word)
            if base.lower() not in stop and base not in found:
                found.append(base)
    return found


def _misread(modifier: str, link: str) -> bool:
    """Is the modifier with its "link" a word of its own, of another dictionary form? "Daten"
    (of "Datum") in "Datenschutz" is no "Date" and a link "n" (trial 13 read `!wer
    Datenschutz` matched "mobile Datenerfassung"); "Straßen" in "Straßenlaterne" is "Straße"."""
    whole = _cap(modifier + link)
    return lemma(whole) not in (whole, _cap(modifier))


def pieces(text: str, *, verbs_split: bool = True) -> dict[str, str]:
    """Lower-cased key -> display form, for every lemma and every compound part of a text.
    ``verbs_split``: a verb's parts too, which matching keeps (the plans' term overlap lost
    a right project without them) and a reason does not (``_parts``)."""
    found: dict[str, str] = {}
    stop = stopwords()
    for term in terms(text):
        found.setdefault(term.lower(), term)
        parts = compound_parts(term) if verbs_split else _parts(term)
        for part in parts:
            if part != term and len(part) >= MIN_PART and part.lower() not in stop:
                found.setdefault(part.lower(), part)
        for start in range(1, len(parts) - 1):  # the head split again: "Bürgerhaushalt" holds
            head = parts[start] + "".join(parts[start + 1 :]).lower()  # "Haushalt"
            if _is_noun(head.lower()):
                found.setdefault(head.lower(), head)
    return found


@lru_cache(maxsize=20000)
def heads(text: str) -> frozenset[str]:
    """The keys of a text's words and of its compounds' last parts (what they are about)."""
    return frozenset(k.lower() for term in terms(text) for k in (term, _parts(term)[-1]))


def _parts(term: str) -> tuple[str, ...]:
    """A noun's compound parts; a verb is not split (trial 31: "zurücksetzen" and "festlegen"
    gave the reasons "Setzen" and "Legen"). ``terms`` gives dictionary forms, in which a noun
    is capitalised however the text wrote it."""
    return compound_parts(term) if term[:1].isupper() else (term,)


def shared_terms(a: str, b: str, limit: int = 3) -> list[str]:
    """Words or compound parts both texts contain, whole words first, then the longest; where
    they share a noun, only nouns (trial 9 read "Fachdienst, Rechnung, sachlich": a theme is
    a thing, and "sachlich" or "laufen" says nothing about why two texts belong together)."""
    a, b = without_elisions(a), without_elisions(b)  # a reason, not matching: no "Geburts"
    left, right = pieces(a, verbs_split=False), pieces(b, verbs_split=False)
    whole_a, whole_b = {t.lower() for t in terms(a)}, {t.lower() for t in terms(b)}
    # a part that is the first half of a compound in both says little: "Dienst" of
    # "Dienstreise" and "Dienstvereinbarung" (trial 13); "Post" the word and "Posteingang" do
    shared = [key for key in left if key in right and key in heads(a) | heads(b)]
    # a part that only repeats a shared whole word adds nothing ("Termin" next to "Termine")
    shared = [k for k in shared if not any(k != o and k in o for o in shared)]
    shared.sort(key=lambda k: (not (k in whole_a and k in whole_b), -len(k)))
    common = generic() | _VAGUE  # trial 12: a project "because" of "Online"
    spelled = [_spelled(right.get(k), left[k]) for k in shared if k not in common]
    nouns = [term for term in spelled if term[:1].isupper()]
    return (nouns or spelled)[:limit]


@lru_cache(maxsize=1)
def generic() -> frozenset[str]:
    """Words that a tenth of ordinary administrative ideas use ("digital", "online"): no
    reason why two texts belong together."""
    from matching.engine import reference_ideas

    ideas = reference_ideas()
    counts = Counter(key for text in ideas for key in pieces(text))
    return frozenset(key for key, n in counts.items() if n >= GENERIC_SHARE * len(ideas))


def _spelled(*forms: str | None) -> str:
    """The capitalised one of a term's spellings, else the first made proper."""
    given = [f for f in forms if f]
    return next((f for f in given if not f.islower()), as_written_properly(given[0]))


def topic_overlap(topics: Iterable[str], text: str) -> list[str]:
    """Declared interest topics that appear in a text (by shared words or parts)."""
    return [topic for topic in topics if shared_terms(topic, text, limit=1)]
