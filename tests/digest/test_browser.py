"""The HTML digest of the cycling dialogues in a real browser: the map loads, sections show.

Posts of the three cities' online participations (CIMT "Cycling Dialogues", Romberg & Escher
2022; posts CC BY 4.0, attributed by URL in ../shared/data/cycling-dialogues/dataset.csv),
each city standing in for a department. Needs Debian's chromium and chromedriver.
"""

from __future__ import annotations

import csv
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.digest_build import digest_for
from bot.digest_render import render_html
from bot.i18n import Translator
from bot.semantic import SemanticMatcher
from knowledge.open import open_store
from knowledge.records import NewIdea
from matching.encoder import SentenceEncoder

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("IDEENLOTSE_SHARED_DATA", ROOT.parent / "shared" / "data"))
POSTS = DATA / "cycling-dialogues" / "dataset.csv"
CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
CITIES = {"B": "Bonn", "E": "Köln-Ehrenfeld", "M": "Moers"}
PER_CITY = 40
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
SECTIONS = (
    "map",
    "new-ideas",
    "clusters",
    "duplicates",
    "introductions",
    "questions",
    "status-changes",
    "most-supported",
    "trend",
)

if not (CHROMIUM.exists() and DRIVER.exists()):
    pytest.skip(
        "no Chromium: install Debian's chromium and chromium-driver", allow_module_level=True
    )
if not POSTS.exists():
    pytest.skip(f"cycling dialogues data not found at {POSTS}", allow_module_level=True)


def cycling_posts() -> list[tuple[str, str]]:
    """(city, text) for the first posts of each city that have a text."""
    taken: dict[str, int] = {}
    posts = []
    with POSTS.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            city = CITIES[row["dataset"]]
            if row["text"].strip() and taken.get(city, 0) < PER_CITY:
                taken[city] = taken.get(city, 0) + 1
                posts.append((city, f"{row['title']}\n{row['text']}".strip()))
    return posts


@pytest.fixture
def digest_page(tmp_path: Path, encoder: SentenceEncoder) -> Path:
    now = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    store = open_store(tmp_path / "data")
    try:
        with store.transaction():
            for city, text in cycling_posts():
                store.add_idea(NewIdea(text, None, department=city), "2026-11-27T10:00:00+00:00")
        matcher = SemanticMatcher(encoder)
        matcher.load(store)
        digest = digest_for(store, Settings(data_dir=tmp_path / "data"), now, matcher)
    finally:
        store.close()
    assert digest.synergies, "posts of three cities on one theme should meet somewhere"
    page = tmp_path / "digest.html"
    page.write_text(render_html(digest, Translator("de")), encoding="utf-8")
    return page


def test_the_html_digest_shows_its_map_and_sections(digest_page: Path, tmp_path: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    driver = webdriver.Chrome(options=options, service=Service(str(DRIVER)))
    try:
        driver.get(digest_page.as_uri())
        image = driver.find_element(By.ID, "map-image")
        loaded = driver.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth", image
        )
        assert loaded and int(loaded) > 0
        assert image.size["width"] > 0 and image.size["height"] > 0
        for section in SECTIONS:
            assert driver.find_element(By.ID, section).is_displayed(), section
        assert driver.find_element(By.TAG_NAME, "h1").text.startswith("Synergie-Digest")
        clusters = driver.find_element(By.ID, "clusters").text
        assert "Ideen aus" in clusters and "Bonn" in clusters
        assert driver.execute_script("return document.documentElement.lang") == "de"
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "profile", ignore_errors=True)
