"""Matching in the conversation: similar ideas, colleagues, introductions, feedback, merges.

These run the real SemanticMatcher and store with a fast hashing encoder: they test what the
core does with similarity scores, not how good the scores are (tests/integration does that
with the real model).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from bot.config import Settings
from bot.core import Bot
from bot.events import Message, Reply, Sender
from bot.semantic import SemanticMatcher
from knowledge.open import open_store
from tests.conftest import FakeClock
from tests.fakes import HashingEncoder, hashing_thresholds

E_RECHNUNG = "Eingangsrechnungen sollten als E-Rechnung automatisch verarbeitet werden"
E_RECHNUNG_2 = "Eingangsrechnungen als E-Rechnung automatisch verarbeiten und digital freigeben"
WLAN = "WLAN in allen Sitzungsräumen des Rathauses"


class Chat:
    def __init__(self, tmp_path: Path):
        self.store = open_store(tmp_path / "data")
        self.clock = FakeClock()
        self.matcher = SemanticMatcher(
            HashingEncoder(), clock=self.clock, thresholds=hashing_thresholds()
        )
        self.matcher.load(self.store)
        settings = Settings(data_dir=tmp_path / "data", roles={"cdo": "cdo"})
        self.bot = Bot(self.store, settings, matcher=self.matcher, clock=self.clock)
        self.events = itertools.count(1)

    def say(self, who: str, text: str, department: str | None = None) -> list[Reply]:
        sender = Sender(who, who.capitalize(), department)
        message = Message("console", f"{id(self)}-{next(self.events)}", sender, text, room="r")
        return self.bot.handle(message, idea_room=True)


@pytest.fixture
def chat(tmp_path: Path):  # type: ignore[no-untyped-def]
    opened = Chat(tmp_path)
    yield opened
    opened.store.close()


def test_similar_idea_of_a_colleague_is_shown_with_reason_and_buttons(chat: Chat) -> None:
    chat.say("anna", "!matching an", "FD 20")  # "Kontakt" only for those who allow it
    chat.say("anna", f"!idee {E_RECHNUNG}", "FD 20")
    chat.say("bob", f"!idee {WLAN}", "IT")
    [reply] = chat.say("carla", f"!idee {E_RECHNUNG_2}", "FD 30")
    assert "Ähnliche Ideen" in reply.text and "**#1**" in reply.text
    assert "#2" not in reply.text
    assert "rechnung" in reply.text.lower()
    commands = [b.command for b in reply.buttons]
    assert "!unterstuetzen 1" in commands and "!nicht-aehnlich 3 1" in commands
    assert "!vernetzen 1" in commands


def test_own_ideas_are_shown_only_when_they_are_the_same_idea(chat: Chat) -> None:
    chat.say("anna", f"!idee {E_RECHNUNG}")
    chat.say("anna", "!idee Fahrradständer vor der Bibliothek aufstellen")
    [reply] = chat.say("anna", f"!idee {E_RECHNUNG_2}")
    assert "dieselbe Idee wie Ihre #1" in reply.text
    assert "sagen Sie es mir mit `!nicht-aehnlich 3 1`" in reply.text  # trial 28: typeable
    assert "#2" not in reply.text
    commands = {b.command for b in reply.buttons}
    assert "!unterstuetzen 1" not in commands  # nobody supports their own idea


def test_one_idea_at_most_is_asked_about_as_the_same(chat: Chat) -> None:
    """Trial 22: one new idea was asked about as "dieselbe Idee" as three others."""
    chat.say("bob", f"!idee {E_RECHNUNG}, bitte", "IT")
    chat.say("carla", f"!idee {E_RECHNUNG} und gebucht", "FD 30")
    [reply] = chat.say("anna", f"!idee {E_RECHNUNG}")
    assert reply.text.count("dieselbe Idee") == 1 and "dieselbe Idee wie #1" in reply.text
    assert "#2" in reply.text  # still shown as similar


def test_not_similar_hides_the_pair_for_good_and_raises_the_threshold(chat: Chat) -> None:
    chat.say("anna", f"!idee {E_RECHNUNG}")
    chat.say("carla", f"!idee {E_RECHNUNG_2}")
    before = chat.matcher.threshold(chat.store)
    [done] = chat.say("carla", "!nicht-aehnlich 2 1")
    assert "nicht mehr als ähnlich" in done.text
    assert chat.matcher.threshold(chat.store) > before
    assert "schon gesagt" in chat.say("carla", "!nicht-aehnlich 1 2")[0].text
    assert "können nur die Autorinnen" in chat.say("dora", "!nicht-aehnlich 1 2")[0].text
    text = chat.matcher.search(chat.store, E_RECHNUNG, limit=5)
    assert [s.idea.id for s in text] == [1, 2]  # search still finds both
    # the pair itself is hidden from suggestions of either idea
    vector = chat.matcher.encoder.encode([E_RECHNUNG_2])[0]
    hidden = chat.matcher.similar(chat.store, E_RECHNUNG_2, vector, exclude={2}, threshold=-9)
    assert 1 not in [s.idea.id for s in hidden]


def test_colleagues_only_after_opt_in_and_other_departments_first(chat: Chat) -> None:
    chat.say("dora", "!interessen E-Rechnung, Rechnungsbearbeitung", "FD 20")
    chat.say("emil", "!interessen E-Rechnung, Eingangsrechnungen", "FD 30")
    chat.say("fritz", "!interessen E-Rechnung", "FD 20")
    [reply] = chat.say("anna", f"!idee {E_RECHNUNG}", "FD 20")
    assert "am selben Thema" not in reply.text  # nobody opted in yet
    for who in ("dora", "emil", "fritz"):
        assert "eingeschaltet" in chat.say(who, "!matching an")[0].text
    [reply] = chat.say("anna", f"!idee {E_RECHNUNG_2}", "FD 20")
    section = reply.text.split("am selben Thema")[1]
    names = [line.split(" (")[0].strip("• ") for line in section.splitlines() if "•" in line]
    assert len(names) == 2 and names[0] == "Emil"  # other department first
    assert "Anna" not in names
    assert "Interesse „E-Rechnung" in section
    chat.say("emil", "!matching aus")
    [reply] = chat.say("anna", "!idee Rechnungen als E-Rechnung automatisch verarbeiten")
    assert "Emil" not in reply.text


def test_who_lists_opted_in_colleagues(chat: Chat) -> None:
    chat.say("dora", "!interessen Open Data, Haushaltsdaten", "FD 20")
    chat.say("dora", "!matching an")
    chat.say("emil", "!interessen Open Data", "FD 30")  # not opted in
    [reply] = chat.say("anna", "!wer Open Data")
    assert "Dora (FD 20)" in reply.text and "Emil" not in reply.text
    assert "!matching an" not in reply.text  # anna declared no interest: no hint (trial 26)
    chat.say("anna", "!interessen Open Data", "FD 20")
    assert "!matching an" in chat.say("anna", "!wer Open Data")[0].text  # now she would be found
    assert "niemanden" in chat.say("anna", "!wer Straßenbeleuchtung Laternen")[0].text


def test_who_knows_changed_interests_at_once(chat: Chat) -> None:
    """Issue #16: after ``!interessen`` the profiles were rebuilt only hourly."""
    chat.say("dora", "!matching an", "FD 20")
    chat.say("dora", "!interessen Open Data", "FD 20")
    assert "Dora" in chat.say("anna", "!wer Open Data")[0].text  # profiles built now
    [changed] = chat.say("dora", "!interessen Straßenbeleuchtung, Laternen", "FD 20")
    # trial 22: interests replaced without a word; now with the command that keeps them all
    assert "Nicht mehr dabei: Open Data." in changed.text
    assert "`!interessen Straßenbeleuchtung, Laternen, Open Data`" in changed.text
    assert "Dora" in chat.say("anna", "!wer Straßenbeleuchtung Laternen")[0].text
    assert "Dora" not in chat.say("anna", "!wer Open Data")[0].text
    chat.say("dora", "!interessen keine", "FD 20")
    assert "Dora" not in chat.say("anna", "!wer Straßenbeleuchtung Laternen")[0].text


def test_introductions_reach_both_sides_and_can_be_declined(chat: Chat) -> None:
    chat.say("bob", f"!idee {WLAN}", "IT")
    refused = chat.say("anna", "!vernetzen 1")[0].text  # trial 27: not why, nor a name
    assert "Über Idee #1 kann ich Sie nicht vernetzen." in refused and "Bob" not in refused
    chat.say("bob", "!matching an")
    mine, theirs = chat.say("anna", "!vernetzen 1", "FD 20")
    assert "Bob Bescheid gegeben" in mine.text and "zu Idee #1" in mine.text
    assert theirs.direct_to == "bob" and "Anna (FD 20)" in theirs.text
    # trial 9 read "ablehnen 1" after "!vernetzen 1" as the idea's number
    assert "Vernetzung Nr. 1" in mine.text and "keine Idee" in theirs.text
    assert "!vernetzen zurueckziehen 1" in mine.text  # the asker withdraws, not declines
    assert "besteht bereits" in chat.say("anna", "!vernetzen bob")[0].text
    assert "gibt es nicht" in chat.say("carla", "!vernetzen ablehnen 1")[0].text
    declined, notice = chat.say("bob", "!vernetzen ablehnen 1")
    assert "beendet" in declined.text and notice.direct_to == "anna"
    assert "bereits beendet" in chat.say("anna", "!vernetzen ablehnen 1")[0].text
    assert "selbst" in chat.say("bob", "!vernetzen bob")[0].text
    unknown = chat.say("anna", "!vernetzen Unbekannt")[0].text
    assert "nicht vernetzen" in unknown
    # trial 23: who has not opted in is not told apart from who is unknown
    chat.say("dora", "!idee Akten digital", "FD 20")
    assert chat.say("anna", "!vernetzen dora")[0].text == unknown.replace("Unbekannt", "dora")


def test_merge_keeps_authors_and_supports_and_updates_the_index(chat: Chat) -> None:
    chat.say("anna", f"!idee {E_RECHNUNG}")
    chat.say("carla", f"!idee {E_RECHNUNG_2}")
    chat.say("dora", "!unterstuetzen 2")
    assert "nur diese Rollen" in chat.say("anna", "!zusammenfuehren 2 1")[0].text
    done, notice = chat.say("cdo", "!zusammenfuehren 2 1")
    assert "Teil von Idee **#1**" in done.text and notice.direct_to == "carla"
    target = chat.store.get_idea(1)
    assert target is not None and target.supporters == 2  # dora, and carla as author
    assert 2 not in chat.matcher.engine
    assert [s.idea.id for s in chat.matcher.search(chat.store, E_RECHNUNG_2, limit=5)] == [1]
    assert "bereits" in chat.say("cdo", "!zusammenfuehren 2 1")[0].text
    assert "zusammengeführt" in chat.say("emil", "!unterstuetzen 2")[0].text
    assert chat.store.linked(2, "merged") == {1}
    # the CDO reads in the digest where the idea went, not just that it changed
    digest = "\n".join(reply.text for reply in chat.say("cdo", "!digest"))
    assert "#2 " in digest and "zusammengeführt in #1" in digest


def test_index_survives_a_restart_without_re_encoding(tmp_path: Path) -> None:
    first = Chat(tmp_path)
    first.say("anna", f"!idee {E_RECHNUNG}")
    first.say("bob", f"!idee {WLAN}")
    first.store.close()
    second = Chat(tmp_path)
    assert len(second.matcher.engine) == 2
    assert second.matcher.encoder.calls == 1  # type: ignore[attr-defined]  # the prior only
    [reply] = second.say("carla", f"!idee {E_RECHNUNG_2}")
    assert "**#1**" in reply.text
    second.store.close()


def test_merged_ideas_stay_out_of_the_index_after_a_restart(tmp_path: Path) -> None:
    first = Chat(tmp_path)
    first.say("anna", f"!idee {E_RECHNUNG}")
    first.say("carla", f"!idee {E_RECHNUNG_2}")
    first.say("cdo", "!zusammenfuehren 2 1")
    first.store.close()
    second = Chat(tmp_path)
    assert 1 in second.matcher.engine and 2 not in second.matcher.engine
    second.store.close()


def test_a_new_idea_rebuilds_only_its_authors_profile_and_equals_a_full_rebuild(
    chat: Chat, tmp_path: Path
) -> None:
    for who, topic, department in (("dora", "E-Rechnung", "FD 20"), ("emil", "WLAN", "IT")):
        chat.say(who, f"!interessen {topic}", department)
        chat.say(who, "!matching an")
    chat.say("dora", f"!idee {E_RECHNUNG}")
    chat.say("anna", f"!idee {E_RECHNUNG_2}", "FD 30")  # builds everyone's profile
    before = dict(chat.matcher._profiles)
    chat.say("emil", f"!idee {WLAN}")
    chat.say("anna", "!wer Rechnungen")  # emil's profile is rebuilt, dora's kept
    after = chat.matcher._profiles
    dora, emil = (chat.store.find_person("console", who) for who in ("dora", "emil"))
    assert dora is not None and emil is not None
    assert after[dora.id] is before[dora.id] and after[emil.id] is not before[emil.id]
    fresh = SemanticMatcher(HashingEncoder(), clock=chat.clock, thresholds=hashing_thresholds())
    fresh.load(chat.store)
    with chat.store.transaction():
        full = fresh._load_profiles(chat.store)
    assert set(full) == set(after)
    for pid, profile in full.items():
        assert (after[pid].topics, after[pid].idea_ids) == (profile.topics, profile.idea_ids)
        # equal up to the index's storage rounding (its int8 scale depends on the order of adds)
        assert np.allclose(after[pid].vector(), profile.vector(), atol=1e-4)  # type: ignore[arg-type]


def test_the_asker_withdraws_an_introduction_with_umlaut_or_without(chat: Chat) -> None:
    chat.say("bob", f"!idee {WLAN}", "IT")
    chat.say("bob", "!matching an")
    chat.say("anna", "!vernetzen 1", "FD 20")
    withdrawn, notice = chat.say("anna", "!vernetzen zurückziehen 1")
    assert "beendet" in withdrawn.text and notice.direct_to == "bob"


def test_a_refused_introduction_points_to_support_only_where_support_is_still_open(
    chat: Chat,
) -> None:
    """Trial 11: "Sie können die Idee aber mit !unterstuetzen 22 unterstützen" right after
    supporting it, and for an idea merged into another."""
    chat.say("bob", f"!idee {WLAN}", "IT")
    chat.say("bob", f"!idee {E_RECHNUNG}", "IT")
    assert "!unterstuetzen 1" in chat.say("anna", "!vernetzen 1")[0].text
    chat.say("anna", "!unterstuetzen 1")
    refused = chat.say("anna", "!vernetzen 1")[0].text
    assert "nicht vernetzen" in refused and "unterstuetzen" not in refused
    chat.say("cdo", "!zusammenfuehren 2 1")
    assert "unterstuetzen" not in chat.say("carla", "!vernetzen 2")[0].text


def test_merged_ideas_cannot_be_called_not_similar(chat: Chat) -> None:
    """Trial 11: after the CDO merged #26 into #11, "!nicht-aehnlich 11 26" was thanked and
    made every later suggestion more careful."""
    chat.say("anna", f"!idee {E_RECHNUNG}")
    chat.say("carla", f"!idee {E_RECHNUNG_2}")
    chat.say("cdo", "!zusammenfuehren 2 1")
    before = chat.matcher.threshold(chat.store)
    assert "zusammengeführt" in chat.say("carla", "!nicht-aehnlich 1 2")[0].text
    assert chat.matcher.threshold(chat.store) == before


def test_who_speaks_of_one_person_in_the_singular(chat: Chat) -> None:
    chat.say("dora", "!matching an", "FD 20")
    chat.say("dora", "!interessen Open Data", "FD 20")
    assert "Am Thema „Open Data“ arbeitet:" in chat.say("anna", "!wer Open Data")[0].text


def test_switching_matching_off_when_it_was_never_on_says_so(chat: Chat) -> None:
    """Trial 12: "Ich schlage Sie niemandem mehr vor" to somebody never suggested."""
    assert "mehr" not in chat.say("tom", "!matching aus")[0].text
    chat.say("tom", "!matching an")
    assert "niemandem mehr" in chat.say("tom", "!matching aus")[0].text


def test_a_steward_command_with_a_bad_argument_is_refused_for_others_first(chat: Chat) -> None:
    """Trial 12: "!status 5 erledigt" from a clerk listed the statuses they may not set."""
    chat.say("anna", f"!idee {WLAN}")
    assert "können nur diese Rollen" in chat.say("paul", "!status 1 erledigt")[0].text
    assert "können nur diese Rollen" not in chat.say("cdo", "!status 1 erledigt")[0].text


def test_an_introduction_by_name_says_what_the_two_have_in_common(chat: Chat) -> None:
    """Trial 18: "nico möchte sich mit Ihnen austauschen" said nothing of the car pool."""
    chat.say("uwe", "!matching an")
    chat.say("uwe", "!interessen Fuhrpark, Winterdienst")
    chat.say("nico", "!idee Die Fahrzeuge des Fuhrparks online buchen", "IT")
    mine, theirs = chat.say("nico", "!vernetzen uwe", "IT")
    assert "zu „Fuhrpark“ austauschen" in mine.text
    assert theirs.direct_to == "uwe" and "zu „Fuhrpark“ austauschen" in theirs.text


def test_who_with_several_topics_asks_for_each_of_them_too(chat: Chat) -> None:
    """Trial 18: `!wer Stadtpläne und Karten` found nobody, `!wer Karten` three colleagues."""
    for who, interest in (("uwe", "Fuhrpark"), ("bernd", "Stadtpläne")):
        chat.say(who, "!matching an")
        chat.say(who, f"!interessen {interest}")
    [both] = chat.say("anna", "!wer Stadtpläne und Fuhrpark")
    assert "Bernd" in both.text and "Uwe" in both.text
    [one] = chat.say("anna", "!wer Fuhrpark")
    assert "Uwe" in one.text and "Bernd" not in one.text


def test_an_introduction_names_no_topic_only_a_part_of_a_word_shares(chat: Chat) -> None:
    """Trial 19: "zu „Winterdienst“" because the other had written of "Dienstwagen"."""
    chat.say("karl", "!matching an")
    chat.say("karl", "!interessen Winterdienst")
    chat.say("sandra", "!idee Tankkarten der Dienstwagen digital abrechnen", "Finanzen")
    mine, _ = chat.say("sandra", "!vernetzen karl", "Finanzen")
    assert "Winterdienst" not in mine.text


def test_no_contact_button_for_an_example_colleague(chat: Chat) -> None:
    """Trial 26: "[Kontakt zu Markus Köhler (Beispiel)]", and `!vernetzen` then refused."""
    with chat.store.transaction():
        markus = chat.store.upsert_person("demo", "markus", "Markus (Beispiel)", "2026-11-01")
        chat.store.set_interests(markus.id, ["E-Rechnung"], "2026-11-01")
        chat.store.set_matching(markus.id, True, "2026-11-01")
    chat.matcher.person_changed(markus.id)
    chat.say("dora", "!interessen E-Rechnung", "FD 30")
    chat.say("dora", "!matching an")
    [reply] = chat.say("anna", f"!idee {E_RECHNUNG}", "FD 20")
    section = reply.text.split("am selben Thema")[1]
    assert "Markus (Beispiel)" in section and "Dora" in section  # both named
    commands = [button.command for button in reply.buttons]
    assert "!vernetzen dora" in commands and "!vernetzen markus" not in commands


def test_accepting_an_introduction_is_explained_as_nothing_to_do(chat: Chat) -> None:
    """Trial 26: "!vernetzen annehmen 1" read as a person named "annehmen 1"."""
    [reply] = chat.say("kai", "!vernetzen annehmen 1")
    assert reply.text.startswith("Da ist nichts zu tun: Eine Vernetzung gilt, solange niemand")


def test_who_finds_nobody_but_points_to_the_ideas_on_the_topic(chat: Chat) -> None:
    """Trial 28: `!wer Zeiterfassung` said "kenne ich noch niemanden" beside five such ideas
    by people who had not opted in."""
    chat.say("bob", "!idee Elektronische Zeiterfassung statt Stundenzettel", "IT")
    chat.say("carla", "!idee Zeiterfassung per App für den Bauhof", "FD 20")
    found = chat.say("anna", "!wer Zeiterfassung")[0].text
    assert (
        "niemanden" in found and "Es gibt aber schon 2 Ideen dazu: `!suche Zeiterfassung`" in found
    )
    assert "Ideen dazu" not in chat.say("anna", "!wer Laternen")[0].text
