"""Fragen: a question settled another way is closed from the page, as `!erledigt` in chat."""

from __future__ import annotations

from bot.lagebild import csrf_token
from tests.web.conftest import Stage


def test_a_cdo_closes_a_question_on_the_page_and_the_asker_is_told(stage: Stage) -> None:
    stage.say("anna", "!frage Wer entscheidet über unsere Digitalstrategie?")
    session = stage.session(stage.link("carola"))
    _, _, page = stage.request("GET", "/fragen", cookie=session)
    assert "Frage #1 ohne Antwort schließen" in page
    status, _, _ = stage.request("POST", "/fragen/1/erledigt", cookie=session, form="csrf=0")
    assert status == 403  # no form without its token
    form = f"csrf={csrf_token(session)}"
    status, headers, _ = stage.request("POST", "/fragen/1/erledigt", cookie=session, form=form)
    assert status == 303 and ("Location", "/fragen") in headers
    with stage.app.store.transaction():
        question = stage.app.store.get_question(1)
        waiting = stage.app.store.open_questions()
        waiting_news = stage.app.store.parcels(waiting=True)
    assert question is not None and question.status == "geschlossen" and not waiting
    news = [p for p in waiting_news if "hat Carola als erledigt geschlossen" in (p.content or "")]
    assert len(news) == 1  # to the asker, through the outbox like every reply


def test_staff_cannot_close_a_question(stage: Stage) -> None:
    stage.say("anna", "!frage Wer entscheidet über unsere Digitalstrategie?")
    session = stage.session(stage.link("bob"))
    form = f"csrf={csrf_token(session)}"
    stage.request("POST", "/fragen/1/erledigt", cookie=session, form=form)
    with stage.app.store.transaction():
        question = stage.app.store.get_question(1)
    assert question is not None and question.status == "offen"
