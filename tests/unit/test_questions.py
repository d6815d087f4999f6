"""Questions in the conversation: detection, delivery, answers, re-routing, reminders, reuse.

A keyword router and the hashing encoder stand in for the model: these tests check what the
core does with a routing decision and a similarity score, not how good they are
(tests/integration/test_questions.py does that with the real model).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import QuestionSettings, Settings
from bot.core import Bot
from bot.events import Message, Reply, Sender
from bot.question_text import looks_like_question
from bot.questions import QuestionDesk, due_reminders, recipients
from bot.semantic import SemanticMatcher
from knowledge.open import open_store
from knowledge.store import Store
from matching.routing import Route
from tests.conftest import FakeClock
from tests.fakes import HashingEncoder, hashing_thresholds

ROLES = {"cdo-user": "cdo", "cio-user": "cio", "admin-user": "admin"}
PRINTER = "Wer repariert meinen Drucker im Bauamt?"
STRATEGY = "Wer ist für die Digitalstrategie der Stadt zuständig?"
UNCLEAR = "Wer kümmert sich um die Bauanträge?"


class KeywordRouter:
    """Routes by a few keywords; learns exact texts like a re-routing would."""

    def __init__(self) -> None:
        self.learnt: dict[str, str] = {}

    def route(self, text: str) -> Route:
        if text in self.learnt:
            return Route(self.learnt[text], 0.9)
        if "Drucker" in text:
            return Route("cio", 0.95, ("Hardware",))
        if "Digitalstrategie" in text:
            return Route("cdo", 0.9, ("Digitalstrategie und Digitalagenda",))
        return Route("both", 0.4)

    def add_example(self, text: str, label: str) -> None:
        self.learnt[text] = label


class Chat:
    def __init__(
        self,
        tmp_path: Path,
        roles: dict[str, str] | None = None,
        language: str = "de",
        prefix: str = "!",
        **questions: object,
    ):
        self.store = open_store(tmp_path / "data")
        self.clock = FakeClock()  # Monday 2026-11-23 09:00 UTC = 10:00 in Berlin
        self.router = KeywordRouter()
        self.encoder = HashingEncoder()
        self.matcher = SemanticMatcher(
            self.encoder, clock=self.clock, thresholds=hashing_thresholds()
        )
        self.desk = QuestionDesk(
            self.encoder,
            self.router,  # type: ignore[arg-type]
            self.matcher,
            reuse_threshold=0.8,
        )
        self.settings = Settings(
            data_dir=tmp_path / "data",
            roles=ROLES if roles is None else roles,
            language=language,
            command_prefix=prefix,
            questions=QuestionSettings(**questions),  # type: ignore[arg-type]
        )
        self.bot = Bot(
            self.store, self.settings, matcher=self.matcher, questions=self.desk, clock=self.clock
        )
        self.events = itertools.count(1)

    def say(self, who: str, text: str, *, direct: bool = False, room: str = "ideen") -> list[Reply]:
        message = Message(
            "console",
            f"ev{next(self.events)}",
            Sender(who, who.capitalize(), "FD 20" if who == "anna" else None),
            text,
            room=None if direct else room,
            is_direct=direct,
        )
        return self.bot.handle(message, idea_room=room == "ideen")

    def reminders(self) -> list[Reply]:
        return due_reminders(self.store, self.settings, self.clock())


@pytest.fixture
def chat(tmp_path: Path):  # type: ignore[no-untyped-def]
    opened = Chat(tmp_path)
    yield opened
    opened.store.close()


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("Wer ist für die E-Akte zuständig?", True),
        ("Geht das auch online ?  ", True),
        ("wie beantrage ich einen Laptop", True),
        ("Welche Software ist erlaubt", True),
        ("Warum dauert die Freigabe so lange", True),
        ("Who is responsible for the e-file", True),
        ("Wir sollten die E-Akte einführen", False),
        ("Wie wäre es, wenn wir Rechnungen digital prüfen", False),
        ("Warum nicht alle Formulare online anbieten", False),
        ("Wie wäre es mit einem Open-Data-Portal?", True),  # "?" wins
        ("Wiedervorlage digital führen", False),  # starts like "wie", but is not
        ("Wer einen Container aufstellen will, sollte das online beantragen können.", False),
        ("Was wir brauchen, ist ein Ticketsystem!", False),
        ("", False),
    ],
)
def test_question_detection(text: str, question: bool) -> None:
    assert looks_like_question(text) is question


def test_a_question_is_routed_and_reaches_the_role_holder(chat: Chat) -> None:
    mine, theirs = chat.say("anna", f"!frage {PRINTER}")
    assert "**#1**" in mine.text and "an die oder den CIO" in mine.text
    assert "Hardware – das betreut die oder der CIO" in mine.text  # the reason, for the asker
    assert theirs.direct_to == "cio-user"
    assert "Anna (FD 20)" in theirs.text and PRINTER in theirs.text
    assert "Hardware" in theirs.text and "`!antwort 1 <Text>`" in theirs.text
    question = chat.store.get_question(1)
    assert question is not None and (question.target, question.status) == ("cio", "offen")


def test_a_borderline_question_goes_to_both(chat: Chat) -> None:
    mine, *theirs = chat.say("anna", f"!frage {UNCLEAR}")
    assert "an CDO und CIO" in mine.text
    assert sorted(r.direct_to or "" for r in theirs) == ["cdo-user", "cio-user"]


def test_plain_questions_in_the_idea_room_and_by_dm_are_questions(chat: Chat) -> None:
    assert "Frage ist als **#1**" in chat.say("anna", PRINTER)[0].text
    assert "Idee ist als **#1**" in chat.say("anna", "Wir sollten Drucker teilen")[0].text
    [mine, _] = chat.say("anna", "wie komme ich an einen neuen Drucker", direct=True)
    assert "Frage ist als **#2**" in mine.text
    assert chat.say("anna", "Kennt jemand das?", room="kaffeeküche") == []  # not an idea room
    assert chat.store.count_ideas() == 1


def test_the_answer_reaches_the_asker_in_their_thread(chat: Chat) -> None:
    chat.say("anna", f"!frage {PRINTER}")  # event ev1 in room "ideen"
    assert "nur diese Rollen" in chat.say("bob", "!antwort 1 Geht nicht")[0].text
    done, to_anna = chat.say("cio-user", "!antwort 1 Das IT-Service-Team kommt morgen vorbei.")
    assert "gespeichert und geht an Anna" in done.text
    assert (to_anna.room, to_anna.thread_id, to_anna.direct_to) == ("ideen", "ev1", None)
    assert "Antwort auf Ihre Frage #1" in to_anna.text and "kommt morgen" in to_anna.text
    note, mine = chat.say("anna", "!meine-fragen")  # a private list: by direct message
    assert "Direktnachricht" in note.text and note.direct_to is None
    assert mine.direct_to == "anna" and "beantwortet von Cio-user" in mine.text
    assert "keine offenen Fragen" in chat.say("cio-user", "!offen")[-1].text


def test_an_answer_to_a_direct_question_is_a_direct_message(chat: Chat) -> None:
    chat.say("anna", PRINTER, direct=True)
    _, to_anna = chat.say("cio-user", "!answer 1 Bitte ein Ticket aufmachen.")
    assert to_anna.direct_to == "anna"


def test_rerouting_moves_the_question_and_teaches_the_router(chat: Chat) -> None:
    chat.say("anna", f"!frage {UNCLEAR}")
    done, to_cdo, to_anna = chat.say("cio-user", "!weiterleiten 1 cdo")
    assert "geht jetzt an die oder den CDO" in done.text
    assert to_cdo.direct_to == "cdo-user"
    assert "von Cio-user an die oder den CDO weitergeleitet" in to_cdo.text
    assert to_anna.room == "ideen" and "an die oder den CDO weitergeleitet" in to_anna.text
    assert chat.router.learnt == {UNCLEAR: "cdo"}
    assert chat.store.reroute_examples() == [(UNCLEAR, "cdo")]
    assert "ging bereits an die oder den CDO" in chat.say("cdo-user", "!weiterleiten 1 cdo")[0].text
    assert "kein Ziel" in chat.say("cdo-user", "!weiterleiten 1 bürgermeister")[0].text
    # the same question later goes straight to the CDO
    mine, theirs = chat.say("carla", f"!frage {UNCLEAR}")
    assert "an die oder den CDO" in mine.text and theirs.direct_to == "cdo-user"


def test_a_steward_who_re_routes_to_both_gets_no_copy_of_their_own(chat: Chat) -> None:
    chat.say("anna", f"!frage {STRATEGY}")
    replies = chat.say("cdo-user", "!weiterleiten 1 beide")
    assert [r.direct_to for r in replies if r.direct_to] == ["cio-user"]


def test_a_steward_closes_a_question_without_an_answer(chat: Chat) -> None:
    chat.say("anna", f"!frage {PRINTER}")  # to the CIO
    chat.say("anna", f"!frage {STRATEGY}")  # to the CDO
    assert "nur diese Rollen" in chat.say("anna", "!erledigt 1")[0].text
    # trial 25: and whose it is, so the CDO need not guess
    refused = chat.say("cdo-user", "!erledigt 1")[0].text
    assert refused.startswith("Frage #1 ging an die oder den CIO, nicht an Ihre Rolle.")
    assert chat.say("cdo-user", "!weiterleiten 1 beide")[0].text == refused
    done, to_anna = chat.say("cio-user", "!erledigt 1")
    assert "#1 ist als erledigt geschlossen" in done.text
    assert to_anna.room == "ideen" and "hat Cio-user als erledigt geschlossen" in to_anna.text
    assert chat.store.get_question(1).status == "geschlossen"  # type: ignore[union-attr]
    assert "#1" not in chat.say("cio-user", "!offen")[-1].text
    assert "bereits beantwortet oder erledigt" in chat.say("cio-user", "!erledigt 1")[0].text
    no_more = chat.say("cio-user", "!antwort 1 Doch noch: Papierfach 2 nehmen")[0].text
    assert no_more.startswith("Frage #1 ist schon als erledigt geschlossen")
    chat.clock.advance(days=10)  # a closed question is never reminded
    assert not [r for r in chat.reminders() if "#1" in r.text]


def test_open_questions_per_role_and_overdue_marked(chat: Chat) -> None:
    chat.say("anna", f"!frage {PRINTER}")
    chat.say("anna", f"!frage {STRATEGY}")
    chat.say("anna", f"!frage {UNCLEAR}")
    cio = chat.say("cio-user", "!offen")[-1].text
    assert "#1" in cio and "#3" in cio and "#2" not in cio and "überfällig" not in cio
    assert all(f"#{n}" in chat.say("admin-user", "!offen")[-1].text for n in (1, 2, 3))
    chat.clock.advance(days=3)
    assert "überfällig" in chat.say("cio-user", "!offen")[-1].text


def test_reminders_fire_once_after_the_sla_then_go_to_the_admin(chat: Chat) -> None:
    chat.say("anna", f"!frage {PRINTER}")  # Monday 10:00 Berlin; SLA 16 working hours
    chat.clock.now = datetime(2026, 11, 25, 8, 59, tzinfo=UTC)  # Wednesday 09:59 Berlin
    assert chat.reminders() == []
    chat.clock.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    [reminder] = chat.reminders()
    assert reminder.direct_to == "cio-user" and "Erinnerung" in reminder.text
    assert PRINTER in reminder.text and "23.11.2026 10:00" in reminder.text
    assert chat.reminders() == []  # once
    chat.clock.now = datetime(2026, 11, 27, 8, 59, tzinfo=UTC)  # Friday 09:59
    assert chat.reminders() == []
    chat.clock.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    [escalation] = chat.reminders()
    assert escalation.direct_to == "admin-user" and "überfällig" in escalation.text
    chat.clock.advance(days=30)
    assert chat.reminders() == []


def test_answered_questions_are_not_reminded(chat: Chat) -> None:
    chat.say("anna", f"!frage {PRINTER}")
    chat.say("cio-user", "!antwort 1 Erledigt.")
    chat.clock.advance(days=10)
    assert chat.reminders() == []


def test_no_role_holder_configured_goes_to_the_admin(tmp_path: Path) -> None:
    chat = Chat(tmp_path, roles={"admin-user": "admin"})
    mine, to_admin = chat.say("anna", f"!frage {PRINTER}")
    assert "Für CIO ist derzeit niemand eingetragen" in mine.text
    assert to_admin.direct_to == "admin-user" and "Für CIO ist niemand eingetragen" in to_admin.text
    chat.store.close()


def test_with_one_role_and_no_admin_the_question_is_said_to_go_there_alone(
    tmp_path: Path,
) -> None:
    """Trial 9: the asker read "passed to the administrators" though none was configured,
    and the steward who re-routed read "Ihre Frage" about somebody else's question."""
    chat = Chat(tmp_path, roles={"cio-user": "cio"})
    mine, to_cio = chat.say("anna", f"!frage {UNCLEAR}")
    nobody = "Für CDO ist derzeit niemand eingetragen; die Frage geht deshalb nur an"
    assert f"{nobody} die oder den CIO" in mine.text
    assert "Administration" not in mine.text and to_cio.direct_to == "cio-user"
    done = chat.say("cio-user", "!weiterleiten 1 cdo")[0]
    assert "Frage #1 bleibt gespeichert" in done.text and "Ihre Frage" not in done.text
    chat.store.close()


def test_a_question_for_a_role_nobody_holds_reaches_the_other_role(tmp_path: Path) -> None:
    """Trial 32: with a CDO and no CIO, four technical questions reached nobody, and the CDO
    saw them neither in `!offen` nor in the digest."""
    chat = Chat(tmp_path, roles={"cdo-user": "cdo"})
    mine, to_cdo = chat.say("anna", f"!frage {PRINTER}")
    assert "geht an die oder den CIO" in mine.text and "Hardware" in mine.text
    assert "Für CIO ist derzeit niemand eingetragen; die Frage geht deshalb nur an" in mine.text
    assert to_cdo.direct_to == "cdo-user" and PRINTER in to_cdo.text
    assert "Für CIO ist niemand eingetragen" in to_cdo.text
    assert "#1" in chat.say("cdo-user", "!offen")[-1].text
    done, to_anna = chat.say("cdo-user", "!antwort 1 Das übernimmt der IT-Dienstleister.")
    assert "gespeichert und geht an Anna" in done.text and "IT-Dienstleister" in to_anna.text
    chat.store.close()


def test_nothing_is_lost_when_nobody_is_configured(tmp_path: Path) -> None:
    chat = Chat(tmp_path, roles={})
    [mine] = chat.say("anna", f"!frage {PRINTER}")
    assert "geht nicht verloren" in mine.text and "#1" in mine.text
    [question] = chat.store.open_questions()
    assert question.text == PRINTER
    assert "offen" in chat.say("anna", "!meine-fragen")[-1].text
    # configured later: the reminder reaches the new role holder
    chat.settings = chat.bot.settings = Settings(data_dir=tmp_path, roles={"neu-cio": "cio"})
    chat.clock.advance(days=7)
    [reminder] = chat.reminders()
    assert reminder.direct_to == "neu-cio" and PRINTER in reminder.text
    chat.store.close()


def test_a_triage_room_gets_the_question_instead_of_direct_messages(tmp_path: Path) -> None:
    chat = Chat(tmp_path, triage_room="!triage:stadt.de")
    _, posted = chat.say("anna", f"!frage {UNCLEAR}")
    assert posted.room == "!triage:stadt.de" and posted.direct_to is None
    assert posted.thread_id is None  # a new post there, not a thread of the asker's room
    chat.store.close()


def test_recipients_table() -> None:
    settings = Settings(roles={"c1": "cdo", "c2": "cdo", "a": "admin"})
    assert recipients(settings, "cdo").users == ("c1", "c2")
    both = recipients(settings, "both")
    assert both.users == ("c1", "c2", "a") and both.missing == ("cio",)
    assert recipients(Settings(), "cio").nobody


def test_an_earlier_answer_is_offered_and_yes_closes_the_question(chat: Chat) -> None:
    chat.say("anna", f"!frage {PRINTER}")
    chat.say("cio-user", "!antwort 1 Das IT-Service-Team kommt vorbei.")
    [offer] = chat.say("bob", "Wer repariert meinen Drucker im Bauamt")
    assert "Frage ist als **#2**" in offer.text and "schon eine Antwort" in offer.text
    assert "kommt vorbei" in offer.text and "Hat das geholfen?" in offer.text
    # no "!als-idee": it asks who does something (trial 29)
    assert [b.command for b in offer.buttons] == ["!geholfen ja 2", "!geholfen nein 2"]
    assert chat.store.open_questions() == []  # not routed while the asker decides
    assert "nicht" in chat.say("anna", "!geholfen ja 2")[0].text  # not her question
    assert "erledigt" in chat.say("bob", "!geholfen ja 2")[0].text
    assert "schon beantwortet oder erledigt" in chat.say("bob", "!geholfen nein 2")[0].text
    # trial 22: the list showed only "erledigt", not the answer that helped
    assert "beantwortet von" in chat.say("bob", "!meine-fragen")[-1].text
    assert "kommt vorbei" in chat.say("bob", "!meine-fragen")[-1].text


def test_no_routes_the_question_after_an_offer(chat: Chat) -> None:
    chat.say("anna", f"!frage {PRINTER}")
    chat.say("cio-user", "!antwort 1 Das IT-Service-Team kommt vorbei.")
    chat.say("bob", f"!frage {PRINTER}")
    assert "Antwort vorgeschlagen" in chat.say("bob", "!meine-fragen")[-1].text
    mine, theirs = chat.say("bob", "!helped no 2")
    assert "Schade" in mine.text and "an die oder den CIO" in mine.text
    assert theirs.direct_to == "cio-user" and "#2" in theirs.text
    assert "bereits an die zuständige Stelle" in chat.say("bob", "!geholfen nein 2")[0].text


def test_an_idea_that_fits_is_mentioned_and_the_question_routed_at_once(chat: Chat) -> None:
    """An idea answers no question: trial 20's questions waited for "geholfen nein" behind
    ideas about something else."""
    chat.say("carla", "!idee Eingangsrechnungen als E-Rechnung automatisch verarbeiten")
    [routed, *delivered] = chat.say(
        "anna", "!frage Können Eingangsrechnungen als E-Rechnung automatisch verarbeitet werden?"
    )
    assert "auch schon eine Idee" in routed.text and "**#1**" in routed.text
    assert "geholfen" not in routed.text and delivered
    assert chat.store.open_questions()


def test_a_bot_without_router_or_model_sends_questions_to_both(
    store: Store, clock: FakeClock
) -> None:
    bot = Bot(store, Settings(roles=ROLES), clock=clock)
    message = Message("console", "e1", Sender("anna", "Anna"), f"!frage {PRINTER}", room="r")
    mine, *theirs = bot.handle(message)
    assert "an CDO und CIO" in mine.text and "nicht möglich" in mine.text
    assert sorted(r.direct_to or "" for r in theirs) == ["cdo-user", "cio-user"]


def test_english_question_flow(chat: Chat) -> None:
    message = Message(
        "console", "en1", Sender("eve", "Eve", language="en"), f"!ask {PRINTER}", room="ideen"
    )
    mine, _ = chat.bot.handle(message)
    assert "saved as **#1** and goes to the CIO" in mine.text


PHONE = (
    "Im Homeoffice bin ich telefonisch nicht zu erreichen. Warum kann die Dienstnummer nicht "
    "einfach auf dem Dienstlaptop klingeln?"
)


def test_a_message_read_as_a_question_can_be_kept_as_an_idea(chat: Chat) -> None:
    [asked, *delivered] = chat.say("anna", PHONE)
    assert "Frage ist als **#1**" in asked.text and "als-idee 1" in asked.text
    assert "!als-idee 1" in [b.command for b in asked.buttons]
    assert delivered  # the role holders have it
    assert "nicht" in chat.say("bob", "!als-idee 1")[0].text  # a button anyone could click
    assert chat.store.get_question(1).status == "offen"  # type: ignore[union-attr]

    [kept, *told] = chat.say("anna", "!als-idee 1")
    assert kept.text.startswith("Frage #1 ist geschlossen") and "Idee ist als **#1**" in kept.text
    idea = chat.store.get_idea(1)
    assert idea is not None and idea.text == PHONE
    assert chat.store.open_questions() == []
    assert {r.direct_to for r in told} == {r.direct_to for r in delivered}
    assert all("keine Antwort" in r.text.lower() or "nicht nötig" in r.text for r in told)
    # twice is once: the question is closed now
    assert "schon beantwortet oder erledigt" in chat.say("anna", "!als-idee 1")[0].text
    assert chat.store.get_idea(2) is None


def test_an_asked_question_that_proposes_something_can_be_kept_as_an_idea(chat: Chat) -> None:
    """Trial 7: "Wäre es nicht sinnvoll, ...?" asked with !frage got no offer to keep it."""
    [asked, *_] = chat.say(
        "anna",
        "!frage Wäre es nicht sinnvoll, dass alle Fachdienste ihre Eingangsrechnungen in "
        "einem zentralen Postfach sammeln?",
    )
    assert "als-idee 1" in asked.text and "!als-idee 1" in [b.command for b in asked.buttons]
    assert "Idee ist als **#1**" in chat.say("anna", "!als-idee 1")[0].text


def test_an_asked_question_offers_no_idea_and_an_answered_one_stays(chat: Chat) -> None:
    [asked, *_] = chat.say("anna", f"!frage {PRINTER}")
    assert "als-idee" not in asked.text and not any("als-idee" in b.command for b in asked.buttons)
    chat.say("cio-user", "!antwort 1 Das IT-Service-Team kommt vorbei.")
    assert "schon beantwortet" in chat.say("anna", "!als-idee 1")[0].text
    assert chat.store.get_idea(1) is None


def test_a_plain_message_asking_for_help_is_not_offered_as_an_idea(chat: Chat) -> None:
    """Trial 11: "Ist das eher eine Idee als eine Frage?" under a question about a password."""
    [asked, *_] = chat.say("anna", "Kann mir jemand sagen, wie ich mein Passwort ändere?")
    assert "Frage ist als **#1**" in asked.text and "als-idee" not in asked.text
    [other, *_] = chat.say("anna", "Warum haben wir im Bauamt kein WLAN?")
    assert "als-idee 2" in other.text  # a complaint may well be an idea
    # nor one that asks for a fact, a person or a permission (trial 29)
    for text in (
        "Wer entscheidet eigentlich, welche Online-Dienste wir als Nächstes anbieten?",
        "Dürfen wir Bauantragsunterlagen mit personenbezogenen Daten per E-Mail schicken?",
        "Gibt es eine Dienstvereinbarung zum mobilen Arbeiten?",
    ):
        [fact, *_] = chat.say("anna", text)
        assert "Frage ist als" in fact.text and "als-idee" not in fact.text, text
    # a fault or a call for help further in is no idea either (trial 25)
    for n, text in enumerate(
        [
            "drucker im bürgerbüro druckt keine passanträge mehr, wer kann helfen?",
            "Hey, weiß jemand warum das DMS seit gestern so lahm ist?",
            "Warum geht das Gäste-WLAN im Ratssaal nicht?",
        ],
        start=6,
    ):
        [fault, *_] = chat.say("anna", text)
        assert f"Frage ist als **#{n}**" in fault.text and "als-idee" not in fault.text


def test_an_answer_that_names_the_asker_is_not_offered_to_others(chat: Chat) -> None:
    """Trial 12: "Liebe Frau claudia, ... ab morgen stimmt Ihr Gleitzeitkonto wieder" was
    offered to somebody else who asked about the time recording."""
    chat.say("anna", f"!frage {PRINTER}")
    chat.say("cio-user", "!antwort 1 Liebe Anna, das IT-Service-Team kommt morgen zu Ihnen.")
    [routed, *_] = chat.say("bob", f"!frage {PRINTER}")
    assert "schon eine Antwort" not in routed.text and "kommt morgen" not in routed.text


def test_an_answer_that_hands_over_a_password_is_not_offered_to_others(chat: Chat) -> None:
    """Trial 23: "Ihr neues Passwort lautet übrigens Winter2026." was offered to another."""
    chat.say("anna", f"!frage {PRINTER}")
    chat.say("cio-user", "!antwort 1 Erledigt. Ihr neues Passwort lautet übrigens Winter2026.")
    [routed, *_] = chat.say("bob", f"!frage {PRINTER}")
    assert "schon eine Antwort" not in routed.text and "Winter2026" not in routed.text


def test_health_data_is_never_offered_to_others_and_both_sides_are_told(chat: Chat) -> None:
    """Trial 27: a colleague's cancer, named in an answer, was offered to another asker."""
    asked = "Meine Kollegin Frau Weber ist krankgeschrieben. Darf ich an ihr Outlook-Postfach?"
    [routed, *_] = chat.say("anna", f"!frage {asked}")
    assert "Angaben zur Gesundheit" in routed.text and "Personalamt" in routed.text
    [saved, *_] = chat.say("admin-user", "!antwort 1 Solange Frau Weber fehlt, hilft der Service.")
    assert "zeige ich sie niemand anderem" in saved.text and "wörtlich" not in saved.text
    [again, *_] = chat.say("bob", f"!frage {asked}")
    assert "schon eine Antwort" not in again.text and "Solange" not in again.text
    [plain, *_] = chat.say("carla", f"!frage {PRINTER}")
    assert "Angaben zur Gesundheit" not in plain.text


def test_a_conflict_at_work_gets_no_reason_the_council_and_no_reuse(chat: Chat) -> None:
    """Trial 29: a conflict with one's boss was told "Es geht um Veränderungsmanagement"."""
    asked = (
        "Ich habe ein Problem mit meinem Vorgesetzten wegen der Überstunden – an wen kann ich "
        "mich vertraulich wenden?"
    )
    [routed, *_] = chat.say("anna", f"!frage {asked}")
    assert "Personalrat" in routed.text and "Es geht um" not in routed.text
    [saved, *_] = chat.say("admin-user", "!antwort 1 Bitte wenden Sie sich an Herrn Kunze.")
    assert "zeige ich sie niemand anderem" in saved.text
    [again, *_] = chat.say("bob", f"!frage {asked}")
    assert "schon eine Antwort" not in again.text and "Kunze" not in again.text
    [plain, *_] = chat.say("carla", "!frage Muss mein Vorgesetzter den Urlaub im Portal freigeben?")
    assert "Personalrat" not in plain.text  # a question about the boss is no conflict


def test_only_an_idea_that_asks_the_same_is_mentioned(chat: Chat) -> None:
    """Trial 12: a question about booking cemetery appointments online was answered with an
    idea about an online grave search."""
    chat.say(
        "anna", "!idee Eingangsrechnungen sollten automatisch als E-Rechnung verarbeitet werden"
    )
    [same, *_] = chat.say(
        "bob", "!frage Eingangsrechnungen automatisch als E-Rechnung verarbeiten?"
    )
    assert "schon eine Idee" in same.text and "**#1**" in same.text
    [other, *delivered] = chat.say(
        "carla", "!frage Eingangsrechnungen als E-Rechnung: wer ist dafür zuständig?"
    )
    assert "schon eine Idee" not in other.text and delivered


def test_a_question_for_somebody_who_knows_points_to_who(chat: Chat) -> None:
    """Trial 26: "Kennt sich hier jemand mit XRechnung aus?" named nobody and no way on."""
    [asked, *_] = chat.say("thomas", "!frage Kennt sich hier jemand mit XRechnung aus?")
    assert "Wer sich damit auskennt, zeigt Ihnen `!wer XRechnung` sofort." in asked.text
    [other, *_] = chat.say("kai", "!frage hat jemand ahnung vom winterdienst-streuplan im GIS?")
    assert "`!wer <Thema>`" in other.text
    [plain, *_] = chat.say("anna", f"!frage {PRINTER}")
    assert "!wer" not in plain.text
