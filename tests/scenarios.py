"""Conversation scenarios as data: who says (or clicks) what, and what who must read then.

The same table runs on every platform (tests/test_scenarios.py), and the runs are also
compared with each other, so a platform cannot quietly behave differently. Texts to expect
are written without markup (no ``*``, ``_`` or backticks): each platform's rendering is
reduced to plain text by ``plain`` before comparing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ROOM = "room"  # the idea room / channel everybody reads


@dataclass(frozen=True)
class Person:
    name: str
    department: str | None = None
    role: str | None = None


PEOPLE = {
    "anna": Person("Anna Schmidt", "FD 20"),
    "ben": Person("Ben Weber", "FD 32"),
    "cdo": Person("Clara Dorn", role="cdo"),
    "cio": Person("Ivo Ott", role="cio"),
}


@dataclass(frozen=True)
class Expect:
    to: str  # ROOM, or the person who gets it as a direct message
    text: str


@dataclass(frozen=True)
class Step:
    who: str
    says: str | None = None
    click: str | None = None  # the label of a button this person can see
    typed: str | None = None  # the text a clicked button asks for (a form on Slack)
    direct: bool = False  # said in a direct message to the bot
    expect: tuple[Expect, ...] = ()


@dataclass(frozen=True)
class Scenario:
    name: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Delivered:
    """One message as its reader sees it, whatever the platform."""

    to: str
    text: str
    buttons: tuple[str, ...] = ()


IDEA = "Eingangsrechnungen sollten als E-Rechnung automatisch verarbeitet werden"
QUESTION = "Wer ist für die Einführung der E-Akte zuständig?"
ANSWER = "Das macht das Team E-Akte im Hauptamt."

SCENARIOS = (
    Scenario(
        "idea, similar idea, support",
        (
            Step(
                "anna",
                IDEA,
                expect=(Expect(ROOM, "Danke, Anna Schmidt! Ihre Idee ist als #1 gespeichert."),),
            ),
            Step(
                "ben",
                IDEA + " (wie bei uns)",
                expect=(Expect(ROOM, "Ähnliche Ideen, die es schon gibt"),),
            ),
            Step(
                "ben",
                click="Unterstützen #1",
                expect=(Expect(ROOM, "Sie unterstützen jetzt Idee #1"),),
            ),
            Step("anna", "!unterstuetzen 1", expect=(Expect(ROOM, "ist Ihre eigene Idee"),)),
        ),
    ),
    Scenario(
        "question answered by a role holder",
        (
            Step(
                "anna",
                QUESTION,
                expect=(
                    Expect(ROOM, "Ihre Frage ist als #1 gespeichert"),
                    Expect("cdo", "Neue Frage #1 an CDO und CIO"),
                    Expect("cio", "Von: Anna Schmidt (FD 20)"),
                ),
            ),
            Step(
                "cdo",
                click="Antworten #1",
                typed=ANSWER,
                expect=(
                    Expect("cdo", "Danke! Ihre Antwort auf Frage #1 ist gespeichert"),
                    Expect(ROOM, "Antwort auf Ihre Frage #1 von Clara Dorn"),
                    Expect(ROOM, ANSWER),
                ),
            ),
            Step("ben", QUESTION, expect=(Expect(ROOM, "Hat das geholfen?"), Expect(ROOM, ANSWER))),
            Step(
                "ben",
                click="Ja, hat geholfen",
                expect=(Expect(ROOM, "Schön, dass es geholfen hat"),),
            ),
        ),
    ),
    Scenario(
        "question re-routed",
        (
            Step("anna", QUESTION, expect=(Expect("cio", "Neue Frage #1"),)),
            Step(
                "cdo",
                click="Nur noch an die oder den CIO",
                expect=(
                    Expect("cdo", "Frage #1 geht jetzt an die oder den CIO"),
                    Expect("cio", "von Clara Dorn an die oder den CIO weitergeleitet"),
                    Expect(ROOM, "Ihre Frage #1 wurde an die oder den CIO weitergeleitet"),
                ),
            ),
            Step(
                "anna",
                "!meine-fragen",
                expect=(Expect(ROOM, "als Direktnachricht"), Expect("anna", "offen")),
            ),
        ),
    ),
    Scenario(
        "status change reaches the author; roles are checked",
        (
            Step("anna", IDEA, expect=(Expect(ROOM, "#1 gespeichert"),)),
            Step(
                "ben",
                "!status 1 umgesetzt",
                expect=(Expect(ROOM, "nur diese Rollen verwenden: CDO, CIO, Administration"),),
            ),
            Step(
                "cdo",
                "!status 1 in Prüfung",
                expect=(
                    Expect(ROOM, "Idee #1 hat jetzt den Status „in Prüfung“."),
                    Expect("anna", "Ihre Idee #1 hat jetzt den Status „in Prüfung“, gesetzt von"),
                ),
            ),
        ),
    ),
    Scenario(
        "help, mistakes and direct messages",
        (
            Step(
                "anna", "!hilfe", expect=(Expect(ROOM, "Ideenlotse – so können Sie mich nutzen"),)
            ),
            Step("anna", "!ide Tippfehler", expect=(Expect(ROOM, "Meinten Sie !idee?"),)),
            Step(
                "anna",
                "!unterstuetzen zwölf",
                expect=(Expect(ROOM, "„zwölf“ ist keine gültige Nummer"),),
            ),
            Step(
                "ben",
                "Wie beantrage ich einen Laptop?",
                direct=True,
                expect=(Expect("ben", "Ihre Frage ist als #1 gespeichert"),),
            ),
            Step(
                "anna",
                "<Skript> & @channel: Formulare online",
                expect=(Expect(ROOM, "Ihre Idee ist als #1 gespeichert"),),
            ),
        ),
    ),
)


def plain(text: str) -> str:
    """A rendering reduced to what both Markdown and Slack mrkdwn show as plain text."""
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = text.replace("\u2060", "")
    text = re.sub(r"[*_`]", "", text)
    return "\n".join(line.rstrip() for line in text.splitlines())


def missing(step: Step, delivered: list[Delivered]) -> list[Expect]:
    """The expectations of ``step`` that no delivered message meets."""
    return [
        expect
        for expect in step.expect
        if not any(d.to == expect.to and expect.text in d.text for d in delivered)
    ]
