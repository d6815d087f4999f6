"""An idea's author changes its text: `!aendern`, or an edit of the chat message that posted it.

The bot used to keep matching the first version of every idea (trial 31: a typo stayed in the
digest). The new text is searched and matched at once, in this process and in another one
sharing the database; the old one is gone from the store.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from bot.config import Settings
from bot.core import Bot
from bot.events import Message, Reply, Sender
from bot.semantic import SemanticMatcher
from knowledge.open import open_store
from knowledge.store import Store
from tests.conftest import FakeClock, Say
from tests.fakes import HashingEncoder, hashing_thresholds

TYPO = "Dienstrader für den Bauhof anschaffen"
FIXED = "Diensträder für den Bauhof anschaffen, mit Ladestation im Hof"


def test_the_author_changes_the_text_and_the_old_one_is_gone(say: Say, store: Store) -> None:
    say(f"!idee {TYPO}", "kai")
    [reply] = say(f"!aendern 1 {FIXED}", "kai")
    assert reply.text.startswith("Erledigt: Idee **#1** steht jetzt in Ihrer neuen Fassung.")
    assert store.get_idea(1).text == FIXED  # type: ignore[union-attr]
    assert [i.id for i in store.search_ideas("Ladestation")] == [1]
    assert store.search_ideas("Dienstrader") == []
    [again] = say(f"!aendern 1 {FIXED}", "kai")
    assert again.text == "Idee **#1** hat diesen Text schon. Es gab nichts zu ändern."
    assert store.needs_scrub()  # the nightly scrub wipes the old text from the file too


def test_only_the_author_may_change_an_idea(say: Say, store: Store) -> None:
    say(f"!idee {TYPO}", "kai")
    for who, role in (("anja", None), ("cdo-user", "cdo")):  # a role changes statuses, not texts
        [reply] = say("!aendern 1 Etwas ganz anderes", who, role=role)
        assert reply.text == (
            "Idee **#1** stammt nicht von Ihnen. Ändern kann sie nur, wer sie eingebracht hat."
        )
    assert store.get_idea(1).text == TYPO  # type: ignore[union-attr]
    [missing] = say("!aendern 7 Text", "kai")
    assert "#7" in missing.text


def test_a_supported_or_decided_idea_keeps_its_text(say: Say, store: Store) -> None:
    """Supporters backed this wording; a new one would carry their support to something else."""
    say(f"!idee {TYPO}", "kai")
    say(f"!idee {TYPO} und Lastenräder", "kai")
    say("!unterstuetzen 1", "anja")
    [supported] = say(f"!aendern 1 {FIXED}", "kai")
    assert supported.text.startswith(
        "Idee **#1** hat schon Unterstützung in der bisherigen Fassung."
    )
    assert "`!idee …`" in supported.text
    say("!status 2 in Prüfung", "cdo-user", role="cdo")
    [decided] = say(f"!aendern 2 {FIXED}", "kai")
    assert decided.text.startswith("Idee **#2** ist schon „in Prüfung“.")
    assert [i.text for i in store.ideas()] == [TYPO, f"{TYPO} und Lastenräder"]


def edit(bot: Bot, who: str, text: str, replaces: str, event_id: str) -> list[Reply]:
    message = Message(
        "slack", event_id, Sender(who, who.capitalize(), "FD 20"), text, room="C1",
        replaces=replaces,
    )  # fmt: skip
    return bot.handle(message)


def post(bot: Bot, who: str, text: str, event_id: str) -> list[Reply]:
    message = Message("slack", event_id, Sender(who, who.capitalize(), "FD 20"), text, room="C1")
    return bot.handle(message, idea_room=True)


def test_an_edited_chat_message_changes_its_idea_once(bot: Bot, store: Store) -> None:
    post(bot, "U1", TYPO, "C1:1.1")
    post(bot, "U1", "Wann kommt das neue WLAN?", "C1:1.2")  # a question, not an idea
    [answer] = edit(bot, "U1", FIXED, replaces="C1:1.1", event_id="C1:1.1:edit:2.1")
    assert answer.direct_to == "U1"  # the room saw the edit; the answer is the author's
    assert answer.text.startswith("Erledigt: Idee **#1**")
    assert store.get_idea(1).text == FIXED  # type: ignore[union-attr]
    # a platform's retry of the same edit is skipped; edits of other messages change nothing
    assert edit(bot, "U1", "ganz anders", replaces="C1:1.1", event_id="C1:1.1:edit:2.1") == []
    assert edit(bot, "U1", "Wann kommt WLAN?", replaces="C1:1.2", event_id="C1:1.2:edit:2.2") == []
    assert edit(bot, "U1", "!hilfe", replaces="C1:1.1", event_id="C1:1.1:edit:2.3") == []
    assert store.get_idea(1).text == FIXED  # type: ignore[union-attr]
    # "!idee …" edited: the idea takes the text after the command
    post(bot, "U1", "!idee E-Akte im Standesamt", "C1:1.4")
    edit(bot, "U1", "!idee E-Akte im Standesamt und Bürgerbüro", "C1:1.4", "C1:1.4:edit:2.4")
    assert store.get_idea(2).text == "E-Akte im Standesamt und Bürgerbüro"  # type: ignore[union-attr]


def test_an_edit_by_somebody_else_changes_nothing_and_says_nothing(bot: Bot, store: Store) -> None:
    """Matrix lets anybody send an edit event naming anybody's message (clients hide it)."""
    post(bot, "U1", TYPO, "C1:1.1")
    assert edit(bot, "U2", "Gekapert", replaces="C1:1.1", event_id="C1:1.1:edit:9.9") == []
    assert store.get_idea(1).text == TYPO  # type: ignore[union-attr]


def test_the_new_text_is_matched_here_and_in_another_process(
    tmp_path: Path, settings: Settings
) -> None:
    clock, encoder = FakeClock(), HashingEncoder()
    chat_store, cockpit_store = open_store(tmp_path / "data"), open_store(tmp_path / "data")
    chat = SemanticMatcher(encoder, clock=clock, thresholds=hashing_thresholds())
    cockpit = SemanticMatcher(encoder, clock=clock, thresholds=hashing_thresholds())
    bot = Bot(chat_store, settings, matcher=chat, clock=clock)
    numbers = itertools.count(1)

    def say(text: str) -> list[Reply]:
        message = Message("console", f"e{next(numbers)}", Sender("kai", "Kai"), text, room="r")
        return bot.handle(message, idea_room=True)

    say("!idee Parkausweise für Anwohner online beantragen")
    say("!idee Sitzungsunterlagen für den Rat auf Tablets")
    cockpit.load(cockpit_store)
    query = "Eingangsrechnungen digital freigeben und buchen"

    def first(matcher: SemanticMatcher, store: Store) -> int:
        with store.transaction():
            return matcher.search(store, query, limit=1)[0].idea.id

    assert first(cockpit, cockpit_store) == first(chat, chat_store) != 1
    say("!aendern 1 Eingangsrechnungen digital freigeben und buchen, ohne Papier")
    assert first(chat, chat_store) == 1
    assert first(cockpit, cockpit_store) == 1  # it read the new vector the chat stored
    with cockpit_store.transaction():
        assert cockpit_store.search_ideas("Parkausweise") == []
    chat_store.close()
    cockpit_store.close()
