"""Which offices of the administration a text names: "Bauamt", "Bürgerbüro", "FD 32".

An answer can hold for one office only. Trial 17 asked "Wann kommt die E-Akte zu uns ins
Standesamt?" and was offered the answer to the same question of the Bauamt ("Das Bauamt ist im
zweiten Quartal 2027 dran"): the cosine of the two questions is nearly 1, the one word that
differs is the one that matters. Words only, no model: a compound whose last part is an office
("Standesamt", "Ordnungsamt", "Bürgerbüro"), a few offices with names of their own, and the
numbered units many cities use ("FD 32", "Fachdienst 20", "Amt 61").
"""

from __future__ import annotations

import re

from matching.question_intent import about_plans

# The last part of a compound that makes it an office. Not "stelle" ("Schnittstelle") nor
# "verwaltung" ("Benutzerverwaltung"): those offices are named below.
_OFFICE_HEADS = ("amt", "ämter", "büro", "referat", "dezernat")
_NAMED = frozenset(
    """
    kämmerei stadtkasse bauhof feuerwehr bibliothek stadtbibliothek musikschule volkshochschule
    vhs friedhofsverwaltung schulverwaltung kita kitas grundschule grundschulen oberschule
    oberschulen gymnasium
    bauordnung stadtplanung poststelle vergabestelle bußgeldstelle rathausservice
""".split()  # noqa: SIM905
)
# Words with such an ending that name no office.
_NOT_OFFICES = frozenset({"insgesamt", "gesamt", "ehrenamt", "großraumbüro", "homeoffice"})
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_NUMBERED = re.compile(r"(?<!\w)(fd|fachdienst|fachbereich|fb|amt|dezernat)\s*(\d{1,3})(?!\d)")


def offices(text: str) -> frozenset[str]:
    """The offices a text names, case-folded ("fd 32" for "Fachdienst 32")."""
    folded = text.casefold()
    found = {
        word
        for word in _WORD.findall(folded)
        if word in _NAMED
        or (len(word) > 5 and word.endswith(_OFFICE_HEADS) and word not in _NOT_OFFICES)
    }
    for kind, number in _NUMBERED.findall(folded):
        found.add(f"{'amt' if kind == 'amt' else 'fd'} {number}")
    return frozenset(found)


def same_office(asked: frozenset[str], answered: frozenset[str]) -> bool:
    """May what was answered for ``answered`` be offered to a question about ``asked``? Yes
    unless both name offices and none is the same."""
    return not asked or not answered or bool(asked & answered)


_US = re.compile(r"(?<!\w)(uns|wir|unser\w*)(?!\w)", re.IGNORECASE)


def offices_meant(question: str, department: str | None) -> frozenset[str]:
    """The offices a question is about: those it names, else, for a question about a
    project's turn or time in the asker's own office ("Wann kommt die E-Akte zu uns?"), that
    office. Not without "uns": trial 18 was refused the answer on tablets for the schools
    because another department had asked."""
    named = offices(question)
    if named or not department or not about_plans(question) or not _US.search(question):
        return named
    return offices(department) or frozenset({department.casefold()})
