"""The Lagebild in a real browser: Debian's Chromium through Selenium, as the digest test.

Logins come from the console chat's ``!lagebild`` (or, for a Matrix person, from the outbox
the Matrix adapter drains); time passes on the fake clock, never by sleeping; every wait is
for a condition.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.drain import drain
from bot.delivery import Delivery
from tests.web.conftest import LINK, Stage
from tests.web.test_plan_pages import plan

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run")  # fmt: skip
AXE_DIR = Path(__file__).resolve().parents[1] / "data" / "axe"  # tests/data is not committed
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
HIDDEN = "Dieter"  # never opted in: no page may name him
ROOM = "!ideen:stadt.example"

if not (CHROMIUM.exists() and DRIVER.exists()):
    pytest.skip(
        "no Chromium: install Debian's chromium and chromium-driver", allow_module_level=True
    )


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tmp_path_factory.mktemp("chromium")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(str(DRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def driver(browser: Any, stage: Stage) -> Any:
    """The browser with no cookies of an earlier test."""
    browser.get(stage.base + "/static/lagebild.css")
    browser.delete_all_cookies()
    return browser


def wait_for(driver: Any, condition: Any, timeout: float = 30.0) -> Any:
    """Wait while the page changes under us: an element read mid-navigation goes stale."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))
    return wait.until(condition)


def heading(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    text: str = driver.find_element(By.TAG_NAME, "h1").text
    return text


def open_page(driver: Any, stage: Stage, path: str) -> str:
    driver.get(stage.base + path)
    wait_for(driver, lambda d: d.execute_script("return document.readyState") == "complete")
    return heading(driver)


def log_in(driver: Any, link: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(link)
    assert heading(driver) == "Anmelden"
    driver.find_element(By.LINK_TEXT, "Weiter zum Überblick").click()
    wait_for(driver, lambda d: heading(d) == "Überblick")


def deliveries(stage: Stage) -> list[Delivery]:
    """What the Matrix adapter would send now, as its drain loop hands it out."""
    sent: list[Delivery] = []

    async def send(delivery: Delivery) -> bool:
        sent.append(delivery)
        return True

    asyncio.run(drain(stage.app, "matrix", send))
    return sent


def test_a_console_link_logs_in_once_and_expires(driver: Any, stage: Stage) -> None:
    from selenium.webdriver.common.by import By

    assert open_page(driver, stage, "/ideen") == "Anmelden"  # no session: how to get one
    assert "!lagebild" in driver.find_element(By.TAG_NAME, "main").text
    link = stage.link("anna")
    log_in(driver, link)
    assert "Angemeldet als Anna" in driver.find_element(By.TAG_NAME, "header").text
    cookie = driver.get_cookie("lagebild")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and not cookie["secure"]
    driver.delete_all_cookies()
    assert open_page(driver, stage, link.removeprefix(stage.base)) == "Link nicht mehr gültig"
    assert driver.get_cookie("lagebild") is None
    late = stage.link("anna")
    stage.clock.advance(minutes=10, seconds=1)
    assert open_page(driver, stage, late.removeprefix(stage.base)) == "Link nicht mehr gültig"
    log_in(driver, stage.link("anna"))
    stage.clock.advance(hours=8)
    assert open_page(driver, stage, "/") == "Anmelden"  # the session ended after 8 hours
    log_in(driver, stage.link("anna"))
    driver.find_element(By.CSS_SELECTOR, "form.logout button").click()
    wait_for(driver, lambda d: heading(d) == "Abgemeldet")
    assert open_page(driver, stage, "/ich") == "Anmelden"


def test_staff_get_403_on_questions_and_never_see_a_hidden_name(driver: Any, stage: Stage) -> None:
    from selenium.webdriver.common.by import By

    stage.say("anna", "!matching an")
    stage.say("anna", "!idee Eingangsrechnungen automatisch als E-Rechnung verarbeiten")
    stage.say("dieter", "!idee Rechnungen elektronisch empfangen und digital freigeben")
    stage.say("dieter", "!unterstuetzen 1")
    stage.say("dieter", "!frage Wer kümmert sich um die E-Rechnung?")
    stage.say("bob", "!unterstuetzen 1")
    session = stage.session(stage.link("bob"))
    status, _, body = stage.request("GET", "/fragen", cookie=session)
    assert status == 403 and "Kein Zugriff" in body and "E-Rechnung?" not in body
    log_in(driver, stage.link("bob"))
    assert open_page(driver, stage, "/fragen") == "Kein Zugriff"
    nav = driver.find_element(By.TAG_NAME, "nav").text
    assert "Fragen" not in nav and "Menschen" in nav
    seen = ""
    for path in ("/", "/ideen", "/ideen/1", "/ideen/2", "/themen", "/menschen", "/ich",
                 "/ideen?suche=Rechnung", "/ideen?suche=Rechnung&bedeutung=1"):  # fmt: skip
        open_page(driver, stage, path)
        seen += driver.page_source
    assert HIDDEN not in seen  # not as author, supporter, asker or colleague
    assert "Anna" in seen  # she opted in: named as author, on "Menschen"
    open_page(driver, stage, "/ideen/1")
    assert "2 Personen unterstützen" in driver.find_element(By.TAG_NAME, "main").text


def test_a_cdo_answers_on_the_page_and_the_asker_gets_it_in_chat(driver: Any, stage: Stage) -> None:
    from selenium.webdriver.common.by import By

    stage.post("@cdo:stadt.example", "!lagebild")
    [link] = [LINK.search(d.reply.text) for d in deliveries(stage)]
    assert link is not None
    stage.post("@anna:stadt.example", "!frage Wie bekomme ich einen zweiten Bildschirm?",
               room=ROOM)  # fmt: skip
    deliveries(stage)  # the question reached the CDO in chat
    log_in(driver, link.group(0))
    assert open_page(driver, stage, "/fragen") == "Fragen"
    field = driver.find_element(By.ID, "antwort-1")
    field.send_keys("Bitte stellen Sie ein Ticket im IT-Serviceportal unter „Hardware“.")
    field.find_element(By.XPATH, "ancestor::form").find_element(By.TAG_NAME, "button").click()
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".notice"))
    assert "#1" in driver.find_element(By.CSS_SELECTOR, ".notice").text
    assert "Zurzeit wartet keine Frage" in driver.find_element(By.TAG_NAME, "main").text
    sent = deliveries(stage)
    to_asker = [d for d in sent if "IT-Serviceportal" in d.reply.text]
    assert len(to_asker) == 1, [d.reply for d in sent]
    reply = to_asker[0].reply
    assert reply.room == ROOM and reply.thread_id is not None  # the thread of the question
    assert not [d for d in sent if d.reply.direct_to == "@cdo:stadt.example"]  # shown on page
    with stage.app.store.transaction():
        question = stage.app.store.get_question(1)
    assert question is not None and question.status == "beantwortet"


def test_a_form_without_its_csrf_token_is_refused(stage: Stage) -> None:
    session = stage.session(stage.link("anna"))
    for form in ("switch=an", "switch=an&csrf=" + "0" * 64):
        status, _, body = stage.request("POST", "/ich/matching", cookie=session, form=form)
        assert status == 403 and "nicht mehr gültig" in body
    with stage.app.store.transaction():
        anna = stage.app.store.find_person("console", "anna")
    assert anna is not None and not anna.matching_opt_in
    from bot.lagebild import csrf_token

    form = f"switch=an&csrf={csrf_token(session)}"
    status, headers, _ = stage.request("POST", "/ich/matching", cookie=session, form=form)
    assert status == 303 and ("Location", "/ich") in headers
    with stage.app.store.transaction():
        anna = stage.app.store.find_person("console", "anna")
    assert anna is not None and anna.matching_opt_in


def test_an_idea_with_a_script_shows_as_text(driver: Any, stage: Stage) -> None:
    from selenium.webdriver.common.by import By

    evil = "<script>document.title='gehackt'</script><b>fett</b> Formulare digitalisieren"
    stage.say("anna", f"!idee {evil}")
    log_in(driver, stage.link("anna"))
    open_page(driver, stage, "/ideen/1")
    assert evil in driver.find_element(By.CSS_SELECTOR, ".idea-text").text
    assert driver.execute_script("return document.scripts.length") == 0
    assert "gehackt" not in driver.title
    assert not driver.find_elements(By.CSS_SELECTOR, ".idea-text b")


# -- accessibility -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core from the npm registry (``npm pack axe-core@4``), kept in tests/data/axe."""
    script = AXE_DIR / "package" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("no npm: install Node.js and npm to fetch axe-core")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        packed = subprocess.run([npm, "pack", "axe-core@4", "--silent"], cwd=AXE_DIR,
                                capture_output=True, text=True, timeout=300)  # fmt: skip
        if packed.returncode != 0:
            pytest.skip(f"npm pack axe-core@4 failed: {packed.stderr.strip()[:200]}")
        archive = AXE_DIR / packed.stdout.strip().splitlines()[-1]
        with tarfile.open(archive) as tar:
            tar.extract("package/axe.min.js", AXE_DIR, filter="data")
    return script.read_text(encoding="utf-8")


def violations(driver: Any, axe: str) -> list[dict[str, Any]]:
    driver.execute_script(axe)
    found: str = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(JSON.stringify(r.violations)), e => done(JSON.stringify([String(e)])));",
        WCAG,
    )
    result: list[dict[str, Any]] = json.loads(found)
    return result


def test_axe_finds_no_wcag_violation_on_any_page(
    driver: Any, stage: Stage, axe_source: str
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    stage.say("anna", "!matching an")
    stage.say("anna", "!interessen E-Rechnung, Open Data")
    for text in ("Eingangsrechnungen automatisch als E-Rechnung verarbeiten",
                 "E-Rechnungen automatisch verarbeiten und digital freigeben",
                 "WLAN in allen Sitzungsräumen des Rathauses",
                 "Stabiles WLAN in den Sitzungsräumen für Videokonferenzen"):  # fmt: skip
        stage.say("anna", f"!idee {text}")
    stage.say("bob", "!frage Wie bekomme ich einen zweiten Bildschirm?")
    plan(stage)  # the agenda on the overview, a project on the idea page
    with stage.app.store.transaction() as store:
        store.link_idea_to_plan(1, "P-1", 0.6, None, "2026-01-01T00:00:00+00:00")
    driver.set_script_timeout(60)
    pages = {"/login/ungueltig": "Link nicht mehr gültig", "/": "Anmelden"}
    for path, title in pages.items():
        assert open_page(driver, stage, path) == title
        assert violations(driver, axe_source) == [], path
    log_in(driver, stage.link("carola"))  # the CDO sees every page there is
    for path in ("/", "/ideen", "/ideen?suche=Rechnung", "/ideen/1", "/themen", "/fragen",
                 "/menschen", "/ich", "/gibt-es-nicht"):  # fmt: skip
        open_page(driver, stage, path)
        assert driver.execute_script("return document.documentElement.lang") == "de"
        assert violations(driver, axe_source) == [], path
    open_page(driver, stage, "/themen")
    assert driver.find_elements(By.CSS_SELECTOR, "svg a circle"), "the map has points"
    # Keyboard: the first Tab reaches the skip link, which leads into the content.
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    active = driver.switch_to.active_element
    assert active.get_attribute("class") == "skip"
    active.send_keys(Keys.ENTER)
    wait_for(driver, lambda d: d.switch_to.active_element.get_attribute("id") == "inhalt")
