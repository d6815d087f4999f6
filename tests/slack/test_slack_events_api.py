"""The Slack adapter over the HTTP Events API: real Bolt, signed requests, the Web API double.

Every test sends what Slack would send to ``/slack/events`` and asserts on the Web API calls
the adapter made in return, as recorded by the double.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from bot.core import Handled
from bot.events import Action, Attachment, Message, Reply
from knowledge.store import Store
from tests.conftest import FakeClock
from tests.slack import payloads
from tests.slack.rig import IDEAS, SlackRig, posted_text
from tests.slack.web_api import BOT_USER, Call, WebApiDouble

IDEA = "Eingangsrechnungen sollten als E-Rechnung automatisch verarbeitet werden"
QUESTION = "Wer ist für die Einführung der E-Akte zuständig?"


def direct_posts(web_api: WebApiDouble, user: str) -> list[Call]:
    return [call for call in web_api.posts() if call.params["channel"] == "D" + user]


def test_idea_from_a_channel_message_is_answered_in_its_thread(rig: SlackRig) -> None:
    [post] = rig.say("UANNA", IDEA)
    event_ts = rig.web_api.posts()[0].params["thread_ts"]
    assert post.params["channel"] == IDEAS and event_ts.startswith("1700001000.")
    assert "Danke, Anna Schmidt! Ihre Idee ist als *#1* gespeichert." in posted_text(post)
    assert post.params["text"].startswith("Danke, Anna Schmidt!")  # plain-text fallback
    assert post.authorization == "Bearer xoxb-test-token"
    [idea] = rig.app.store.ideas()
    assert (idea.text, idea.department) == (IDEA, "FD 20")  # department from users.info
    assert len(rig.web_api.called("users.info")) == 1
    rig.say("UANNA", "Noch eine Idee: Sitzungsunterlagen digital verteilen")
    assert len(rig.web_api.called("users.info")) == 1  # asked once, then known


def test_chatter_elsewhere_and_in_threads_is_left_alone(rig: SlackRig, store: Store) -> None:
    assert rig.say("UANNA", "Mittagessen um zwölf?", channel="CALLGEMEIN") == []
    [post] = rig.say("UANNA", IDEA)
    assert rig.say("UBEN", "Gute Idee!", thread_ts=post.params["thread_ts"]) == []
    [support] = rig.say("UBEN", "!unterstuetzen 1", thread_ts=post.params["thread_ts"])
    assert "Sie unterstützen jetzt Idee *#1*" in posted_text(support)
    assert support.params["thread_ts"] == post.params["thread_ts"]
    assert rig.app.store.count_ideas() == 1


def test_idea_via_slash_command(rig: SlackRig) -> None:
    assert rig.command("UANNA", f"idee {IDEA}") == 200
    [post] = rig.web_api.posts()
    assert post.params["channel"] == IDEAS and "thread_ts" not in post.params
    assert "*#1* gespeichert" in posted_text(post)
    assert rig.app.store.ideas()[0].text == IDEA
    rig.command("UANNA", "")  # a bare /lotse shows the help
    assert "Ideenlotse – so können Sie mich nutzen" in posted_text(rig.web_api.posts()[1])


def test_slash_command_where_the_bot_is_not_goes_to_a_direct_message(rig: SlackRig) -> None:
    rig.web_api.errors[("chat.postMessage", "CPRIVAT")] = "not_in_channel"
    rig.command("UANNA", f"idee {IDEA}", channel="CPRIVAT")
    failed, delivered = rig.web_api.posts()
    assert failed.params["channel"] == "CPRIVAT"
    assert delivered.params["channel"] == "DUANNA" and "*#1*" in posted_text(delivered)
    assert rig.web_api.called("conversations.open")[0].params["users"] == "UANNA"


def test_idea_via_mention_is_handled_once_for_both_events_slack_sends(rig: SlackRig) -> None:
    ts = rig.new_ts()
    text = f"<@{BOT_USER}> Wir sollten Parkausweise online beantragen können"
    mention = payloads.message("UANNA", text, "CALLGEMEIN", ts, kind="app_mention")
    assert rig.event(mention) == 200
    assert rig.event(payloads.message("UANNA", text, "CALLGEMEIN", ts)) == 200
    [post] = rig.web_api.posts()
    assert post.params["channel"] == "CALLGEMEIN" and post.params["thread_ts"] == ts
    [idea] = rig.app.store.ideas()
    assert idea.text == "Wir sollten Parkausweise online beantragen können"


def test_a_retried_event_is_processed_once(rig: SlackRig) -> None:
    event = payloads.message("UANNA", IDEA, IDEAS, rig.new_ts())
    assert rig.event(event, "Ev0RETRY") == 200
    assert (
        rig.event(event, "Ev0RETRY", X_Slack_Retry_Num="1", X_Slack_Retry_Reason="timeout") == 200
    )
    assert rig.event(event, "Ev0RETRY", X_Slack_Retry_Num="2") == 200
    assert len(rig.web_api.posts()) == 1
    assert rig.app.store.count_ideas() == 1


def test_bad_signature_and_stale_timestamp_are_rejected(rig: SlackRig) -> None:
    body = payloads.event_callback(payloads.message("UANNA", IDEA, IDEAS, rig.new_ts()), "Ev1")
    forged = payloads.signed_headers(body, secret="not-the-secret")
    assert rig.post(body, "application/json", headers=forged)[0] == 401
    stale = int(time.time()) - 10 * 60
    assert rig.post(body, "application/json", timestamp=stale)[0] == 401
    assert rig.post(body, "application/json", headers={})[0] == 401  # unsigned
    assert rig.app.store.count_ideas() == 0 and rig.web_api.posts() == []


def test_rate_limited_reply_is_retried_after_the_pause_and_delivered(rig: SlackRig) -> None:
    rig.web_api.rate_limit("chat.postMessage", times=2, retry_after=1)
    rig.say("UANNA", IDEA)
    first, second, delivered = rig.web_api.posts()
    assert first.params == second.params == delivered.params  # the same message, sent again
    assert "*#1* gespeichert" in posted_text(delivered)


def test_similar_idea_buttons_and_a_click(rig: SlackRig) -> None:
    rig.say("UANNA", "!matching an")  # Anna allows introductions: "Kontakt" is offered
    rig.say("UANNA", IDEA)
    [post] = rig.say("UBEN", IDEA + "!")
    labels = [
        e["text"]["text"]
        for b in post.params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert labels[:3] == ["Unterstützen #1", "Kontakt zu Anna Schmidt (#1)", "Nicht ähnlich: #1"]
    button = post.params["blocks"][-1]["elements"][0]
    assert (button["value"], button["style"]) == ("!unterstuetzen 1", "primary")
    assert "`!unterstuetzen 1`" in post.params["text"]  # the fallback names the command

    rig.click("UBEN", post, "Unterstützen #1", trigger="click-1")
    reply = rig.web_api.posts()[-1]
    assert "Sie unterstützen jetzt Idee *#1*" in posted_text(reply)
    assert reply.params["thread_ts"] == post.params["thread_ts"]  # in the idea's thread
    rig.click("UBEN", post, "Unterstützen #1", trigger="click-1")  # the same click replayed
    rig.click("UBEN", post, "Unterstützen #1", trigger="click-2")  # a second click
    assert len(rig.web_api.posts()) == 5  # matching on, two ideas, two clicks
    assert "bereits" in posted_text(rig.web_api.posts()[-1])


def test_a_click_on_buttons_meant_for_somebody_else_is_answered_to_the_clicker_alone(
    rig: SlackRig,
) -> None:
    """Anybody in the channel can click the buttons of Ben's reply; Carla's refused "not
    similar" (only Ben may say so) goes to her, and Ben's thread stays his."""
    rig.say("UANNA", IDEA)
    [post] = rig.say("UBEN", IDEA + "!")
    rows = [b for b in post.params["blocks"] if b["type"] == "actions"]
    assert rows and all(b["block_id"].startswith("for:UBEN:") for b in rows)
    before = len(rig.web_api.posts())
    rig.click("UCARLA", post, "Nicht ähnlich: #1")
    [refusal] = rig.web_api.posts()[before:]
    assert refusal.params["channel"] == "DUCARLA" and "thread_ts" not in refusal.params
    rig.click("UBEN", post, "Nicht ähnlich: #1")  # Ben's own click is answered in his thread
    [answer] = rig.web_api.posts()[before + 1 :]
    assert answer.params["channel"] == IDEAS
    assert answer.params["thread_ts"] == post.params["thread_ts"]


def test_role_holder_answers_in_a_modal_and_the_asker_reads_it_in_the_thread(
    rig: SlackRig,
) -> None:
    [asked, to_cdo, to_cio] = rig.say("UANNA", QUESTION)
    assert "Ihre Frage ist als *#1* gespeichert" in posted_text(asked)
    assert to_cdo.params["channel"] == "DUCDO" and to_cio.params["channel"] == "DUCIO"
    assert "Neue Frage #1" in posted_text(to_cdo)
    labels = [e["text"]["text"] for e in to_cdo.params["blocks"][-1]["elements"]]
    assert labels == [
        "Antworten #1",
        "Nur noch an die oder den CDO",
        "Nur noch an die oder den CIO",
    ]

    rig.click("UCDO", to_cdo, "Antworten #1")
    [opened] = rig.web_api.called("views.open")
    view = opened.params["view"]
    assert view["title"]["text"] == "Antworten #1" and view["submit"]["text"] == "Senden"
    assert len(rig.web_api.posts()) == 3  # nothing posted for opening the form

    status, body = rig.interact(payloads.view_submission("UCDO", view, "V1", "   "))
    assert status == 200 and json.loads(body)["response_action"] == "errors"
    answer = "Das macht das Team E-Akte im Hauptamt."
    status, body = rig.interact(payloads.view_submission("UCDO", view, "V1", answer))
    assert status == 200 and body == ""
    thanks, for_asker = rig.web_api.posts()[3:]
    assert thanks.params["channel"] == "DUCDO" and "Antwort auf Frage #1" in posted_text(thanks)
    assert for_asker.params["channel"] == IDEAS
    assert for_asker.params["thread_ts"] == asked.params["thread_ts"]
    assert answer in posted_text(for_asker)
    question = rig.app.store.get_question(1)
    assert question is not None and question.status == "beantwortet"


def test_staff_cannot_answer_through_a_forged_modal(rig: SlackRig) -> None:
    [_, to_cdo, _] = rig.say("UANNA", QUESTION)
    rig.click("UCDO", to_cdo, "Antworten #1")
    view = rig.web_api.called("views.open")[0].params["view"]
    rig.interact(payloads.view_submission("UBEN", view, "V9", "Ich antworte einfach selbst."))
    assert "nur diese Rollen" in posted_text(rig.web_api.posts()[-1])
    question = rig.app.store.get_question(1)
    assert question is not None and question.status == "offen"


def test_reroute_button(rig: SlackRig) -> None:
    [_, to_cdo, _] = rig.say("UANNA", QUESTION)
    rig.click("UCDO", to_cdo, "Nur noch an die oder den CIO")
    texts = [posted_text(call) for call in rig.web_api.posts()[3:]]
    assert any("Frage #1 geht jetzt an die oder den CIO" in text for text in texts)
    assert any("weitergeleitet" in text for text in texts)
    question = rig.app.store.get_question(1)
    assert question is not None and question.target == "cio"


def test_did_it_help_buttons(rig: SlackRig) -> None:
    [_, to_cdo, _] = rig.say("UANNA", QUESTION)
    rig.click("UCDO", to_cdo, "Antworten #1")
    view = rig.web_api.called("views.open")[0].params["view"]
    rig.interact(payloads.view_submission("UCDO", view, "V1", "Das Hauptamt."))
    [offer] = rig.say("UBEN", QUESTION)
    assert "Das Hauptamt." in posted_text(offer)
    labels = [e["text"]["text"] for e in offer.params["blocks"][-1]["elements"]]
    assert labels == ["Ja, hat geholfen", "Nein, bitte weitergeben"]  # asks who: no idea
    rig.click("UBEN", offer, "Ja, hat geholfen")
    assert "Schön, dass es geholfen hat" in posted_text(rig.web_api.posts()[-1])


def test_user_text_cannot_mention_everybody(rig: SlackRig) -> None:
    rig.say("UANNA", "<!channel> <!here|@here> <@UBEN> Wer ist für die E-Akte zuständig?")
    deliveries = direct_posts(rig.web_api, "UCDO")
    assert deliveries
    for call in rig.web_api.posts():
        for text in (call.params["text"], posted_text(call)):
            assert "<!" not in text and "<@" not in text and "@channel" not in text
    assert "@\u2060channel @\u2060here @Ben Weber Wer ist" in posted_text(deliveries[0])


def test_direct_message_question_and_attachments(rig: SlackRig) -> None:
    [reply, *_] = rig.say("UANNA", "Wie beantrage ich einen Laptop", channel="DUANNA")
    assert reply.params["channel"] == "DUANNA" and "thread_ts" not in reply.params
    export = Attachment("export.json", b'{"ideen": []}', "application/json")
    rig.loop.run(rig.adapter.deliver([Reply("Ihr Export", attachments=(export,))], origin=IDEAS))
    [complete] = rig.web_api.called("files.completeUploadExternal")
    [upload] = rig.web_api.called("upload")
    assert upload.body == b'{"ideen": []}'
    assert complete.params["channel_id"] == IDEAS
    assert json.loads(complete.params["files"])[0]["title"] == "export.json"


def test_malformed_payloads_never_stop_the_bot(rig: SlackRig) -> None:
    broken = {"type": "message", "channel": IDEAS, "text": "ohne Absender und Zeit"}
    assert rig.event(broken) == 200
    assert rig.event({"type": "app_mention", "channel": IDEAS}) == 200
    bogus = payloads.block_actions("UANNA", {"action_id": "lotse:0"}, IDEAS, "1.1", "t-x")
    assert rig.interact(bogus)[0] == 200
    [post] = rig.say("UANNA", IDEA)
    assert "*#1*" in posted_text(post)


def test_reminders_are_delivered_by_the_due_loop(rig: SlackRig, clock: FakeClock) -> None:
    rig.say("UANNA", QUESTION)
    clock.advance(days=7)
    rig.web_api.wait_for("chat.postMessage", 5)
    reminders = [posted_text(c) for c in rig.web_api.posts()[3:]]
    assert any("Erinnerung" in text and "Frage #1" in text for text in reminders)


def test_slack_gets_its_ack_before_the_work_is_done(
    rig: SlackRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    process = rig.app.bot.process

    def held(event: Message | Action, **options: bool) -> Handled:
        assert gate.wait(60), "never released"
        return process(event, **options)

    monkeypatch.setattr(rig.app.bot, "process", held)
    event = payloads.event_callback(payloads.message("UANNA", IDEA, IDEAS, rig.new_ts()), "Ev1")
    command = payloads.slash_command("UBEN", "idee Akten digital führen", IDEAS, "trig-held")
    # Both answers arrive while the core is still held: the ack does not wait for the work.
    assert rig.post(event, "application/json") == (200, "")
    assert rig.post(command, "application/x-www-form-urlencoded") == (200, "")
    assert rig.web_api.posts() == [] and rig.app.store.count_ideas() == 0
    gate.set()
    rig.expected += 2
    rig.settle()
    assert len(rig.web_api.posts()) == 2 and rig.app.store.count_ideas() == 2


def test_my_data_via_slash_command_arrives_as_a_private_file(rig: SlackRig) -> None:
    rig.say("UANNA", IDEA)
    rig.command("UANNA", "meine-daten")
    notice, private = rig.web_api.posts()[1:]
    assert notice.params["channel"] == IDEAS
    assert private.params["channel"] == "DUANNA"
    [complete] = rig.web_api.called("files.completeUploadExternal")
    assert complete.params["channel_id"] == "DUANNA"
    [upload] = rig.web_api.called("upload")
    exported = json.loads(upload.body)
    assert IDEA in json.dumps(exported, ensure_ascii=False)


def test_an_edited_idea_takes_the_new_text_and_the_author_alone_hears_it(rig: SlackRig) -> None:
    """Trial 31: an idea's typo stayed in the store however often its message was edited."""
    ts = rig.new_ts()
    original = payloads.message("UANNA", "Eingangsrechnugen als E-Rechnung", IDEAS, ts)
    rig.event(original)
    before = len(rig.web_api.posts())
    unfurled = payloads.message_changed(original, original["text"], rig.new_ts(), edited=False)
    assert rig.event(unfurled) == 200  # Slack's own change: nothing to do
    edit = payloads.message_changed(original, IDEA, rig.new_ts())
    assert rig.event(edit, "Ev0EDIT") == 200
    assert rig.event(edit, "Ev0EDIT", X_Slack_Retry_Num="1") == 200  # handled once
    [answer] = rig.web_api.posts()[before:]
    assert answer.params["channel"] == "DUANNA"
    assert "Idee *#1* steht jetzt in Ihrer neuen Fassung" in posted_text(answer)
    assert [i.text for i in rig.app.store.ideas()] == [IDEA]
