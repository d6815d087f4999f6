"""Suggestions a colleague would nod at, with the real (adapted) model and the bot's wiring."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core import Bot
from bot.events import Message, Sender
from bot.semantic import SemanticMatcher, idea_text
from knowledge.open import open_store
from knowledge.records import NewIdea
from matching.encoder import SentenceEncoder
from matching.reasons import lemma, stopwords

pytestmark = pytest.mark.model

NOW = "2026-11-23T09:00:00+00:00"
FIXTURE = Path(__file__).parents[1] / "fixtures" / "ideen.jsonl"


class Chat:
    """Several colleagues in one idea room of a bot with the real matcher."""

    def __init__(self, tmp_path: Path, encoder: SentenceEncoder) -> None:
        self.store = open_store(tmp_path / "chat")
        self.matcher = SemanticMatcher(encoder)
        self.bot = Bot(self.store, Settings(data_dir=tmp_path), matcher=self.matcher)
        self.events = 0

    def say(self, who: str, text: str, department: str = "Hauptamt") -> str:
        self.events += 1
        sender = Sender(who, who.capitalize(), department)
        message = Message("matrix", f"$e{self.events}", sender, text, room="!ideen")
        return "\n".join(reply.text for reply in self.bot.handle(message, idea_room=True))


@pytest.fixture
def chat(tmp_path: Path, encoder: SentenceEncoder):  # type: ignore[no-untyped-def]
    room = Chat(tmp_path, encoder)
    yield room
    room.store.close()


def test_the_obvious_duplicate_is_marked_and_offered_for_support(chat: Chat) -> None:
    chat.say("anna", "!idee Online-Terminvergabe für das Bürgerbüro mit Erinnerung per SMS")
    reply = chat.say(
        "bob",
        "!idee Bürger sollten Termine im Bürgeramt online buchen können und eine Erinnerung "
        "aufs Handy bekommen",
    )
    assert "Ist das dieselbe Idee wie #1?" in reply, reply
    assert "`!unterstuetzen 1`" in reply
    # trial 32: without a reason nobody could tell why a mark was made
    assert "Warum ähnlich: gemeinsame Begriffe: Erinnerung, Bürger, Termin" in reply, reply


def test_ones_own_earlier_idea_is_pointed_out_when_it_is_the_same(chat: Chat) -> None:
    chat.say("anna", "!idee Eingangsrechnungen elektronisch über einen Freigabe-Workflow buchen")
    chat.say("anna", "!idee Mehr Fahrradstellplätze vor dem Rathaus")
    reply = chat.say("anna", "!idee Rechnungen digital empfangen und elektronisch freigeben")
    assert "dieselbe Idee wie Ihre #1" in reply, reply
    assert "#2" not in reply  # one's own merely related ideas are not repeated back


def test_a_weak_match_is_not_shown(chat: Chat) -> None:
    chat.say("anna", "!idee Mehr Fahrradstellplätze vor dem Rathaus")
    reply = chat.say("bob", "!idee WLAN im Rathaus")
    assert "Ähnliche Ideen" not in reply and "#1" not in reply, reply


def test_wer_lists_only_people_with_a_fitting_interest_or_idea(chat: Chat) -> None:
    people = {
        "anna": ("Urlaubsplanung, Zeiterfassung", "Personalamt"),
        "bernd": ("Fuhrpark, E-Mobilität", "Bauhof"),
        "clara": ("Social Media, Öffentlichkeitsarbeit", "Presseamt"),
        "dirk": ("Tablets, Mobiles Arbeiten", "Ordnungsamt"),
        "eva": ("E-Akte, Scannen", "Hauptamt"),
    }
    for who, (interests, department) in people.items():
        chat.say(who, f"!interessen {interests}", department)
        chat.say(who, "!matching an", department)
    chat.say("dirk", "!idee Außendienst mit Tablets ausstatten, Fotos direkt in den Vorgang", "OA")
    urlaub = chat.say("zoe", "!wer Urlaub")
    assert "Anna" in urlaub and "Urlaubsplanung" in urlaub, urlaub
    assert not {"Bernd", "Clara", "Dirk", "Eva"} & set(urlaub.replace(",", " ").split()), urlaub
    tablets = chat.say("zoe", "!wer Tablets")
    assert "Dirk" in tablets, tablets
    assert not {"Anna", "Bernd", "Clara", "Eva"} & set(tablets.replace(",", " ").split()), tablets
    nobody = chat.say("zoe", "!wer Friedhofsverwaltung")
    assert "kenne ich noch niemanden" in nobody, nobody


def test_wer_puts_the_shared_term_above_a_merely_close_one(chat: Chat) -> None:
    """The trial's defect: two short terms sit close by cosine ("IT-Sicherheit" came out as
    near to "E-Rechnung" as "E-Rechnung" itself); the shared word decides."""
    chat.say("anna", "!interessen E-Rechnung, Haushalt", "Kämmerei")
    chat.say("dirk", "!interessen IT-Sicherheit, WLAN", "IT")
    for who in ("anna", "dirk"):
        chat.say(who, "!matching an")
    reply = chat.say("zoe", "!wer E-Rechnung")
    assert "Anna" in reply and "E-Rechnung" in reply, reply
    assert "Dirk" not in reply, reply


def test_wer_finds_the_colleague_whose_idea_names_the_topic(chat: Chat) -> None:
    """Trial 7: `!wer Parkverstöße` knew nobody, though Tom's idea began with the word."""
    chat.say("tom", "!interessen Außendienst", "Ordnungsamt")
    chat.say("eva", "!interessen E-Akte, Scannen", "Hauptamt")
    chat.say(
        "tom",
        "!idee Parkverstöße direkt vor Ort mit dem Smartphone erfassen (mit Foto und "
        "Standort), statt alles auf Papier zu notieren und im Büro nochmal abzutippen.",
        "Ordnungsamt",
    )
    for who in ("tom", "eva"):
        chat.say(who, "!matching an")
    reply = chat.say("zoe", "!wer Parkverstöße")
    assert "Tom" in reply and "#1" in reply and "Eva" not in reply, reply


def test_wer_finds_an_interest_declared_in_other_words(chat: Chat) -> None:
    """Trial 8: `!wer Hochzeiten` knew nobody beside an interest "Eheschließungen". Words
    of one meaning count for declared interests, never inside ideas, where a word's other
    meanings lurk ("Abfall" is also a decline, "Senkung")."""
    chat.say("sophie", "!interessen Eheschließungen, Personenstandsrecht", "Standesamt")
    chat.say("gabi", "!interessen Haushalt", "Kämmerei")
    chat.say("gabi", "!idee Eine Senkung der Druckkosten durch zentrale Drucker", "Kämmerei")
    for who in ("sophie", "gabi"):
        chat.say(who, "!matching an")
    reply = chat.say("zoe", "!wer Hochzeiten")
    assert "Sophie" in reply and "Eheschließungen" in reply and "Gabi" not in reply, reply
    assert "Gabi" not in chat.say("zoe", "!wer Abfall")


def test_wer_as_people_type_it_question_words_typos_and_compounds(chat: Chat) -> None:
    """People sets B and D: "Bebaungsplan", "kitaplatz" and "jemand Ahnung von Schul-WLAN?"
    found nobody, though an interest said so."""
    chat.say("claudia", "!interessen Bebauungspläne, Bürgerbeteiligung", "Stadtplanung")
    chat.say("julia", "!interessen Kita-Platzvergabe, Elternbeiträge", "Jugendamt")
    chat.say("markus", "!interessen WLAN, Tablets", "Schulverwaltung")
    chat.say("oliver", "!interessen Gewerbeanmeldung", "Ordnungsamt")
    for who in ("claudia", "julia", "markus", "oliver"):
        chat.say(who, "!matching an")
    for topic, right in (
        ("Bebaungsplan", "Claudia"),
        ("kitaplatz", "Julia"),
        ("jemand Ahnung von Schul-WLAN?", "Markus"),
        ("wer kennt sich mit Elternbeiträgen aus", "Julia"),
    ):
        reply = chat.say("zoe", f"!wer {topic}")
        listed = set(re.findall(r"• (\w+)", reply))
        assert listed == {right}, (topic, reply)
        assert "kennt sich" not in reply and "Ahnung" not in reply  # the topic alone is named
    assert "Oliver" not in chat.say("zoe", "!wer Kita-Anmeldung")


def test_wer_lists_who_names_the_topic_not_who_is_merely_close(chat: Chat) -> None:
    """Trial 20: `!wer E-Rechnung` listed "Benutzerverwaltung" and "Dienstpläne" first and
    "Rechnungsbearbeitung" last."""
    chat.say("kai", "!interessen IT-Sicherheit, Netzwerk, Benutzerverwaltung", "IT")
    chat.say("tanja", "!interessen Kitaplatzvergabe, Dienstpläne, Elterngespräche", "Kita")
    chat.say("ulrike", "!interessen Rechnungsbearbeitung, Haushaltsplanung, Mahnwesen", "FD 20")
    for who in ("kai", "tanja", "ulrike"):
        chat.say(who, "!matching an")
    reply = chat.say("zoe", "!wer hat jemand Ahnung von E-Rechnung?")
    assert set(re.findall(r"• (\w+)", reply)) == {"Ulrike"}, reply


def test_intake_suggests_the_colleague_whose_interest_the_idea_names_and_no_other(
    chat: Chat,
) -> None:
    # Trial 15: "Netzwerk" was suggested for an intranet wiki, "Terminvergabe" and
    # "Standesamt" for an idea about the time recording, whose expert was not named.
    for who, interests, department in (
        ("bernd", "IT-Sicherheit, Netzwerk, Rechenzentrum", "IT"),
        ("claudia", "Terminvergabe, Online-Dienste, Bürgerservice", "Bürgerbüro"),
        ("sandra", "Personalakte, Bewerbermanagement, Zeiterfassung", "Personal"),
        ("anja", "Standesamt, Eheschließungen, E-Akte", "Standesamt"),
    ):
        chat.say(who, "!matching an", department)
        chat.say(who, f"!interessen {interests}", department)
    wiki = chat.say(
        "paul",
        "!idee Ein Intranet-Wiki, in dem jede Abteilung ihre Abläufe, Formulare und "
        "Ansprechpartner selbst pflegt.",
        "Bauhof",
    )
    assert "Kolleginnen und Kollegen, die am selben Thema" not in wiki, wiki
    time = chat.say(
        "paul",
        "!idee Dienstgänge und Außentermine sollte man in der Zeiterfassung selbst nachtragen "
        "können, statt jedesmal einen Korrekturzettel an die Personalabteilung zu schicken.",
        "Bauhof",
    )
    colleagues = time.partition("Kolleginnen und Kollegen, die am selben Thema")[2]
    assert "Sandra" in colleagues and "„Zeiterfassung“" in colleagues, time
    assert "Claudia" not in colleagues and "Anja" not in colleagues
    # trial 21: "Zeugnisse" (a synonym of "Urkunden") and "im Netz" (of "Netzwerk") in an
    # idea mean something else than the interests
    chat.say("jana", "!matching an", "Standesamt")
    chat.say("jana", "!interessen Urkunden, Namensrecht", "Standesamt")
    portal = chat.say(
        "ines",
        "!idee Bewerberinnen sollten Lebenslauf und Zeugnisse über eine Plattform hochladen "
        "können, statt alles auszudrucken. Ältere Menschen finden sich im Netz sonst schwer "
        "zurecht.",
        "Bibliothek",
    )
    colleagues = portal.partition("Kolleginnen und Kollegen, die am selben Thema")[2]
    assert "Jana" not in colleagues and "Bernd" not in colleagues, portal


def test_no_stopword_or_cut_stem_in_any_reason_over_the_fixture_data(
    tmp_path: Path, encoder: SentenceEncoder
) -> None:
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    store = open_store(tmp_path / "fixture")
    matcher = SemanticMatcher(encoder)
    with store.transaction():
        author = store.upsert_person("console", "anna", "Anna", NOW)
        ideas = [store.add_idea(NewIdea(row["text"], author.id), NOW) for row in rows]
    matcher.load(store)
    stop = stopwords()
    seen = 0
    for idea in ideas:
        text = idea_text(idea)
        vector = encoder.encode([text])[0]
        for similar in matcher.similar(store, text, vector, exclude={idea.id}, threshold=0.0):
            if ":" not in similar.reason:
                continue  # "ähnlicher Inhalt, andere Worte"
            for term in similar.reason.split(":", 1)[1].split(","):
                term = term.strip()
                seen += 1
                assert term.lower() not in stop, similar.reason
                whole_words = re.findall(r"\w+", text + " " + idea_text(similar.idea))
                assert lemma(term) == term or term in whole_words, (term, similar.reason)
    assert seen > 10  # the fixture's many "digital", "online", "Portal" are no reasons (trial 12)
    store.close()
