"""The names of clusters, and the terms two sets of texts share ("why these two").

Texts in, terms out; no I/O. ``matching.clustering`` names its clusters with ``cluster_terms``,
``bot.digest_analysis`` says with ``shared_terms`` what brings two people together.

Names are class-based TF-IDF (c-TF-IDF, as in BERTopic): a term names a cluster when many of
its ideas use it and few elsewhere do; terms count by lemma ("Radweg", "Radwege") and show as
most often written. Stopwords are matched by lemma too, chat filler ("erstmal", "wünsche")
names nothing, nouns beat other words (a theme is a thing), and a compound also counts for
its head when the week uses the head alone ("Eingangsrechnungen" counts for "Rechnung").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

import numpy as np

from matching.reasons import (
    MIN_PART,
    as_written_properly,
    compound_parts,
    lemma,
    stopwords,
    without_elisions,
)

NAME_TERMS = 3  # terms in a name
MODIFIER_MIN = 5  # letters of a compound's modifier that counts as a shared term
# a word begins with a letter, or with the digits of "3D-Stadtmodell" (trial 28 read
# "D-Stadtmodell"); a number alone is no word
_WORD = re.compile(r"(?<![\w-])\d*[^\W\d_](?:[\w-]*[^\W_])?|[^\W\d_](?:[\w-]*[^\W_])?", re.UNICODE)
EXTRA_STOPWORDS = frozenset(
    """
    bzw dass sowie ggf evtl z.b usw etc mal sehr ganz eher sowie seit wurde wurden worden
    gibt geben gerne leider bereits schon wieder ebenso daher deren dessen denen welche welcher
    welches viel vielen wenig weniger mehrere einige anderen andere anderer anderes eigentlich
    hierzu hierfür dafür dabei davon dazu darüber außerdem insbesondere möglich möglichkeit
    sollen sollte sollten müsste könnten würden wären habe haben hatte hätte bitte danke
    per via pro beim eines einem einer allem ganze ganzen neben innerhalb außerhalb
    erstmal erstmals nochmal schonmal einmal bisschen halt eben echt quasi irgendwie sowieso
    ziemlich total super okay naja vielleicht eventuell wohl tatsächlich wirklich genau klar
    natürlich prima toll schade ständig dringend endlich direkt unbedingt komplett völlig
    deutlich häufig oft selten manchmal teilweise stellenweise wesentlich fast gar kaum
    denken gedacht glauben meinen hoffen wünschen versuchen empfinden vorstellen bekommen brauchen
    """.split()  # noqa: SIM905
)
# A word that is not a noun counts this much of its c-TF-IDF weight when naming a cluster:
# "Wurzeln, Radweg" says what a group is about, "beschädigt, uneben" how its ideas sound.
NON_NOUN_WEIGHT = 0.5
# Of the packaged reference ideas (40), "digital" is in 8 and "online" in 6; no other term is
# in more than 3. A term in a tenth of ordinary ideas is no reason to introduce two people.
COMMON_SHARE = 0.1
_SKIP_BACK = " \t\"'„“”‚‘’«»()[]-–—"  # between a word and what ends the sentence before it


def words(text: str) -> list[str]:
    """Content words as written: no stopwords (also by lemma), no numbers, three letters up."""
    return [word for word, _ in _tokens(text)]


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Content words as written, each with whether it reads as a noun.

    German capitalises nouns: a capitalised word inside a sentence is a noun, one at a
    sentence start only if its dictionary form is capitalised too ("Stellenweise" is not).
    Chat is often typed in lower case: there a word is a noun when its dictionary form is
    ("eingangsrechnungen" is "Eingangsrechnung", trial 21's digest did not split it).
    """
    found = []
    text = without_elisions(text)  # same length: the sentence starts stay where they are
    for match in _WORD.finditer(text):
        word = match.group()
        if not _content(word):
            continue
        if word.islower():
            noun = _noun_typed_small(word)
        else:
            noun = word.lstrip("0123456789")[:1].isupper() and (
                not _sentence_start(text, match.start()) or lemma(word)[:1].isupper()
            )
        found.append((word, noun))
    return found


@lru_cache(maxsize=65536)
def _noun_typed_small(word: str) -> bool:
    if lemma(word)[:1].isupper():
        return True
    capital = word[:1].upper() + word[1:]
    known = lemma(capital)  # unknown words stay as written
    return known != capital and known[:1].isupper()


def _content(word: str) -> bool:
    low = word.lower()
    if len(low) < 3 or _stop(low):
        return False
    return not (_stop(_stem(low)) or _stop(lemma(word).lower()))


def _stop(word: str) -> bool:
    return word in stopwords() or word in EXTRA_STOPWORDS


def _sentence_start(text: str, start: int) -> bool:
    at = start - 1
    while at >= 0 and text[at] in _SKIP_BACK:
        at -= 1
    return at < 0 or text[at] in ".!?:;\n\r•"


def cluster_terms(
    texts: Sequence[str], labels: np.ndarray, k: int = NAME_TERMS
) -> dict[int, tuple[str, ...]]:
    """The ``k`` most distinctive terms of each cluster by class-based TF-IDF.

    Classes are the clusters plus everything unclustered (as one background class), so a term
    common to the whole week names nothing. Term frequency counts ideas, not occurrences: one
    long idea repeating a word does not name a cluster. Words that are no nouns count
    ``NON_NOUN_WEIGHT`` of their weight.
    """
    clusters = sorted({int(x) for x in labels if x >= 0})
    if not clusters:
        return {}
    spelled: dict[str, Counter[str]] = {}
    nouns: Counter[str] = Counter()  # per key: occurrences as a noun minus other occurrences
    tokens = [_tokens(text) for text in texts]
    alone = {_stem(part.lower()) for found in tokens for w, _ in found for part in _with_head(w)}
    per_class: dict[int, Counter[str]] = {c: Counter() for c in [*clusters, -1]}
    for found, label in zip(tokens, labels, strict=True):
        keys = _keys_of(found, spelled, nouns, alone)
        per_class[int(label) if label >= 0 else -1].update(keys)
    total = Counter[str]()
    for counts in per_class.values():
        total.update(counts)
    counted = Counter(int(x) for x in labels)
    sizes = {c: max(counted[c], 1) for c in clusters}
    average = sum(sum(c.values()) for c in per_class.values()) / len(per_class)
    names: dict[int, tuple[str, ...]] = {}
    for c in clusters:
        scored = []
        for key, n in per_class[c].items():
            if n < 2 and sizes[c] > 2:  # a term of one idea does not name a group
                continue
            weight = (n / sizes[c]) * np.log(1 + average / total[key])
            noun = nouns[key] >= 0
            if not noun:
                weight *= NON_NOUN_WEIGHT
            scored.append((-weight, not noun, -n, -len(key), key))
        scored.sort()
        chosen: list[str] = []
        for *_, key in scored:
            if len(chosen) == k:
                break
            # "Wurzeln, Baumwurzeln" says one thing twice: a compound and its head, one of them
            forms = {key, _display(spelled[key]).lower()}
            shown = {f for other in chosen for f in (other, _display(spelled[other]).lower())}
            if not any(a.endswith(b) or b.endswith(a) for a in forms for b in shown):
                chosen.append(key)
        names[c] = tuple(_display(spelled[key]) for key in chosen)
    return names


def _keys(text: str, spelled: dict[str, Counter[str]]) -> set[str]:
    """The stems of a text's content words; ``spelled`` learns how each stem is written."""
    return _keys_of(_tokens(text), spelled, Counter(), None)


def _keys_of(
    tokens: list[tuple[str, bool]],
    spelled: dict[str, Counter[str]],
    nouns: Counter[str],
    alone: set[str] | None,
    modifiers: bool = False,
) -> set[str]:
    """The stems of a text's words (see ``_keys``); ``nouns`` learns which stems are nouns.

    With ``alone`` (the stems written as words of their own), a compound noun also counts
    for its head among them: "Eingangsrechnungen" counts for "Rechnung" in a week that also
    has "Rechnungen", but "Ehrenfeld" not for "Feld" unless somebody wrote it. With
    ``modifiers``, also for a modifier of MODIFIER_MIN letters or more: "Urlaubsanträge" for
    "Urlaub" beside "Urlaub beantragen", but "Hausmeister" not for "Haus" beside "zu Hause"
    (short modifiers are the generic ones).
    """
    keys = set()
    for word, noun in tokens:
        parts = _with_head(word)  # as written: spellings of their stems
        inside: tuple[str, ...] = ()
        if alone is not None and noun and len(parts) == 1:
            inside = tuple(p for p in _compound_parts(word, modifiers) if _stem(p.lower()) in alone)
        elif alone is not None and noun and modifiers:  # "Fundbüro-Portal" beside "Fundbüro"
            inside = tuple(
                p
                for p in word.split("-")[:-1]
                if len(p) >= MODIFIER_MIN and _content(p) and _stem(p.lower()) in alone
            )
        for part in parts:
            key = _stem(part.lower())
            spelled.setdefault(key, Counter())[part] += 1
            is_noun = noun or (part != word and part[:1].isupper())  # a capitalised head
            nouns[key] += 1 if is_noun else -1
            keys.add(key)
        for part in inside:  # counts, but is shown as the week writes it
            key = _stem(part.lower())
            nouns[key] += 1
            keys.add(key)
    return keys


@lru_cache(maxsize=65536)
def _compound_parts(word: str, modifiers: bool) -> tuple[str, ...]:
    """The head of a compound noun ("Eingangsrechnungen" -> Rechnung) and, with
    ``modifiers``, its longer modifiers ("Urlaubsanträge" -> Urlaub); none for a word that
    does not split."""
    parts = compound_parts(lemma(word))
    if len(parts) < 2:
        return ()
    chosen = [p for p in parts[:-1] if len(p) >= MODIFIER_MIN] if modifiers else []
    return tuple(p for p in (*chosen, parts[-1]) if len(p) >= MIN_PART and _content(p))


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return lemma(word).lower()


def common_keys(background: Sequence[str], share: float = COMMON_SHARE) -> frozenset[str]:
    """The terms at least ``share`` of ordinary administrative ideas use ("digital",
    "online"): sharing one says nothing about two people's work."""
    counts: Counter[str] = Counter()
    for text in background:
        counts.update(_keys(text, {}))
    return frozenset(k for k, n in counts.items() if n >= share * len(background))


def shared_terms(
    texts_a: Sequence[str],
    texts_b: Sequence[str],
    limit: int = NAME_TERMS,
    ignore: frozenset[str] = frozenset(),
) -> tuple[str, ...]:
    """Terms both sides use, those most used on both sides first, nouns before other words
    (for "why these two"); none of ``ignore`` (see ``common_keys``). A compound shares its
    parts that either side writes alone."""
    spelled: dict[str, Counter[str]] = {}
    nouns: Counter[str] = Counter()
    tokens_a, tokens_b = [_tokens(t) for t in texts_a], [_tokens(t) for t in texts_b]
    alone = {
        _stem(part.lower())
        for found in (*tokens_a, *tokens_b)
        for word, _ in found
        for part in _with_head(word)
    }
    counts_a: Counter[str] = Counter()
    counts_b: Counter[str] = Counter()
    for found in tokens_a:
        counts_a.update(_keys_of(found, spelled, nouns, alone, modifiers=True))
    for found in tokens_b:
        counts_b.update(_keys_of(found, spelled, nouns, alone, modifiers=True))
    common = sorted(
        (counts_a.keys() & counts_b.keys()) - ignore,
        key=lambda k: (-min(counts_a[k], counts_b[k]), nouns[k] < 0, -len(k), k),
    )
    # where they share a noun, only nouns: "Anrufe, verlorene" named a theme by an adjective
    # (trial 11); a theme is a thing. Two shared words both sides write side by side are one
    # term: "mobiles Arbeiten", not "Arbeiten, Mobiles" (trial 10).
    things = [k for k in common if nouns[k] >= 0 or _display(spelled[k])[:1].isupper()]
    chosen = (things or common)[:limit]
    together = [
        (a, b)
        for a, b in _adjacent(texts_a) & _adjacent(texts_b)
        if {a, b} & {*chosen} and {a, b} <= {*common}
    ]
    shown: list[str] = []
    used: set[str] = set()
    for key in chosen:
        if key in used:
            continue
        pair = next((p for p in sorted(together) if key in p and not used & {*p}), None)
        if pair is None:
            shown.append(_display(spelled[key]))
        else:
            first = _display(spelled[pair[0]])
            shown.append(f"{first if nouns[pair[0]] > 0 else first.lower()} "
                         f"{_display(spelled[pair[1]])}")  # fmt: skip
        used |= {*pair} if pair else {key}
    return tuple(shown)


def _adjacent(texts: Sequence[str]) -> set[tuple[str, str]]:
    """Stems of content words written next to each other (only blanks between)."""
    pairs = set()
    for text in texts:
        for one, two in pairwise(_WORD.finditer(text)):
            gap = text[one.end() : two.start()]
            if gap.strip() or not (_content(one.group()) and _content(two.group())):
                continue
            pairs.add((_stem(one.group().lower()), _stem(two.group().lower())))
    return pairs


def _with_head(word: str) -> list[str]:
    """A hyphenated compound and its head: "Gäste-WLAN" also counts as "WLAN"."""
    head = word.rsplit("-", 1)[-1]
    if head != word and _content(head):
        return [word, head]
    return [word]


def _display(forms: Counter[str]) -> str:
    """The spelling used most; capitalised forms (German nouns) win ties; a noun only ever
    written in lower case is capitalised."""
    most = max(forms.items(), key=lambda kv: (kv[1], kv[0][:1].isupper(), -len(kv[0])))[0]
    return as_written_properly(most)
