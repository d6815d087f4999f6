"""The bot on a real Synapse, seen from a staff member's real matrix-nio client."""

from __future__ import annotations

import pytest

from adapters.matrix_render import NUMBER_KEYS
from tests.matrix.conftest import Matrix, Seen, is_reply_to

pytestmark = [pytest.mark.anyio, pytest.mark.model]

FIRST = "Eingangsrechnungen sollten als E-Rechnung automatisch verarbeitet werden"
SECOND = "Rechnungen von Lieferanten digital und ohne Papier bearbeiten"
QUESTION = "Wer koordiniert unsere Digitalstrategie und bündelt die Ideen der Fachbereiche?"


def button_key(body: str, command: str) -> str:
    """The number reaction of the button listed with ``command`` in a reply's body."""
    return next(
        key for line in body.splitlines() for key in NUMBER_KEYS
        if line.startswith(key) and command in line
    )  # fmt: skip


async def test_idea_is_answered_in_its_thread_with_number_and_similar_idea(world: Matrix) -> None:
    anna, ben = await world.person("anna"), await world.person("ben")
    room = await anna.create_room([world.bot_id, ben.user_id])
    await world.start_bot(world.settings(idea_rooms=(room,)))
    await anna.wait_joined(room, world.bot_id)

    first = await anna.say(room, f"!idee {FIRST}")
    reply = await anna.expect(is_reply_to(first), "the answer to the first idea")
    assert "**#1**" in reply.body and "gespeichert" in reply.body
    assert "<strong>#1</strong>" in reply.content["formatted_body"]
    relates = reply.content["m.relates_to"]
    assert relates["m.in_reply_to"]["event_id"] == first and relates["is_falling_back"]

    second = await ben.say(room, SECOND)  # plain text in an idea room is an idea
    similar = await ben.expect(is_reply_to(second), "the answer to the second idea")
    assert "**#2**" in similar.body and "Ähnliche Ideen" in similar.body and "#1" in similar.body

    # Buttons come as numbered reactions; Ben reacts with the number of "support #1".
    key = button_key(similar.body, "!unterstuetzen 1`")
    reaction = await ben.react(room, similar.event.event_id, key)
    support = await ben.expect(lambda s: "unterstützen jetzt Idee **#1**" in s.body, "support")
    assert support.thread == second  # the click is answered where the button was
    assert reaction != support.event.event_id


async def test_a_click_in_a_direct_room_is_answered_there(world: Matrix) -> None:
    """Trial 29: a reply to a click opened a thread on the reaction, which Synapse refuses
    ("Cannot start threads from an event with a relation"); no click in a direct room was
    answered, and the retries held up every other reply for a minute."""
    anna, ben = await world.person("anna"), await world.person("ben")
    room = await anna.create_room([world.bot_id, ben.user_id])
    direct = await ben.create_room([world.bot_id])
    await world.start_bot(world.settings(idea_rooms=(room,)))
    await anna.wait_joined(room, world.bot_id)
    await ben.wait_joined(direct, world.bot_id)

    first = await anna.say(room, f"!idee {FIRST}")
    await anna.expect(is_reply_to(first), "the answer to the first idea")
    await ben.say(direct, f"!idee {SECOND}")
    similar = await ben.expect(
        lambda s: s.room_id == direct and "**#2**" in s.body, "the answer to ben's idea"
    )
    assert similar.thread is None  # a direct room has no threads
    await ben.react(direct, similar.event.event_id, button_key(similar.body, "!unterstuetzen 1`"))
    support = await ben.expect(lambda s: "unterstützen jetzt Idee **#1**" in s.body, "support")
    assert support.room_id == direct and support.thread is None
    earlier = (similar.event.event_id, support.event.event_id)
    await ben.say(direct, "!hilfe")  # and nothing is held up behind it
    await ben.expect(
        lambda s: s.room_id == direct and "!idee" in s.body and s.event.event_id not in earlier,
        "the help after the click",
    )


async def test_question_reaches_the_cdo_and_the_answer_reaches_the_asker(world: Matrix) -> None:
    await _question_and_answer(world, encrypted=False)


async def test_question_and_answer_in_an_encrypted_room(world: Matrix) -> None:
    await _question_and_answer(world, encrypted=True)


async def _question_and_answer(world: Matrix, *, encrypted: bool) -> None:
    anna, cdo = await world.person("anna"), await world.person("cdo")
    room = await anna.create_room([world.bot_id], encrypted=encrypted)
    settings = world.settings(idea_rooms=(room,), roles={cdo.user_id: "cdo"})
    await world.start_bot(settings)
    await anna.wait_joined(room, world.bot_id)

    asked = await anna.say(room, f"!frage {QUESTION}")
    notice = await anna.expect(is_reply_to(asked), "the asker's notice")
    assert "#1" in notice.body and "CDO" in notice.body

    def delivered(seen: Seen) -> bool:
        return QUESTION in seen.body and seen.room_id != room

    question = await cdo.expect(delivered, "the question in the CDO's direct message")
    direct = cdo.client.rooms[question.room_id]
    assert set(direct.users) == {cdo.user_id, world.bot_id}  # a direct room, just the two
    assert direct.encrypted  # direct rooms are created encrypted by default
    assert question.event.decrypted if encrypted else True

    await cdo.say(question.room_id, "!antwort 1 Das macht die CDO, Frau Dorn, Zimmer 204.")
    answer = await anna.expect(lambda s: "Zimmer 204" in s.body, "the answer for the asker")
    assert answer.room_id == room and answer.thread == asked
    if encrypted:
        assert answer.event.decrypted and notice.event.decrypted
    confirmed = await cdo.expect(lambda s: "#1" in s.body and s.room_id == question.room_id
                                 and s.body != question.body, "the CDO's confirmation")  # fmt: skip
    assert confirmed.thread is None


async def test_a_click_on_a_button_meant_for_another_is_answered_privately(
    world: Matrix,
) -> None:
    """Trial 29: mallory's refused click ("Diese Rückmeldung können nur die Autorinnen …")
    was posted into the thread of anna's idea."""
    anna, ben, mallory = [await world.person(n) for n in ("anna", "ben", "mallory")]
    room = await anna.create_room([world.bot_id, ben.user_id, mallory.user_id])
    await world.start_bot(world.settings(idea_rooms=(room,)))
    await anna.wait_joined(room, world.bot_id)
    await anna.wait_joined(room, mallory.user_id)
    first = await anna.say(room, f"!idee {FIRST}")
    await anna.expect(is_reply_to(first), "the answer to the first idea")
    second = await ben.say(room, SECOND)
    similar = await mallory.expect(is_reply_to(second), "ben's answer, seen by mallory")
    await mallory.react(room, similar.event.event_id, button_key(similar.body, "!nicht-aehnlich"))
    refused = await mallory.expect(lambda s: "nur die Autorinnen" in s.body, "the refusal")
    assert refused.room_id != room  # to mallory alone
    assert set(mallory.client.rooms[refused.room_id].users) == {mallory.user_id, world.bot_id}
    await ben.say(room, "!hilfe", thread=second)  # ben's thread holds no refusal
    await ben.expect(lambda s: s.thread == second and "!idee" in s.body, "help in the thread")
    assert not ben.matching(lambda s: "nur die Autorinnen" in s.body)


async def test_an_edited_idea_takes_the_new_text_and_an_edit_by_another_changes_nothing(
    world: Matrix,
) -> None:
    """Trial 31: the bot ignored edits, so an idea's typo stayed. Matrix accepts an edit event
    naming anybody's message (clients hide it): mallory's must change nothing."""
    anna, mallory = await world.person("anna"), await world.person("mallory")
    room = await anna.create_room([world.bot_id, mallory.user_id])
    bot = await world.start_bot(world.settings(idea_rooms=(room,)))
    await anna.wait_joined(room, world.bot_id)
    await anna.wait_joined(room, mallory.user_id)
    first = await anna.say(room, "Eingangsrechnugen als E-Rechnung verarbeiten")
    await anna.expect(is_reply_to(first), "the answer to the idea")
    await anna.edit(room, first, FIRST)
    done = await anna.expect(lambda s: "steht jetzt in Ihrer neuen Fassung" in s.body, "edit")
    assert done.room_id != room  # the room saw the edit; the answer is anna's alone
    await mallory.edit(room, first, "Gekapert")
    last = await mallory.say(room, "!hilfe")  # events are handled in order: once this is
    await mallory.expect(is_reply_to(last), "the help")  # answered, the forgery was too
    assert [idea.text for idea in bot.app.store.ideas()] == [FIRST]
    assert not mallory.matching(lambda s: "Fassung" in s.body or "stammt nicht" in s.body)
