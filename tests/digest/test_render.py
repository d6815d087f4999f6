"""Rendering the digest: every text from the catalogue, in both languages, user text escaped."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.digest_build import build_digest
from bot.digest_render import render_html, render_json, render_markdown, write_digest
from bot.i18n import Translator
from knowledge.open import open_store
from knowledge.records import NewIdea
from knowledge.store import Store
from tests.fakes import HashingEncoder

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
IDEAS = [
    ("WLAN in allen Sitzungsräumen des Rathauses", "FD 20"),
    ("Das WLAN in den Sitzungsräumen des Rathauses ist langsam", "FD 32"),
    ("<script>alert('x')</script> WLAN in allen Sitzungsräumen des Rathauses", "FD <b>66</b>"),
    (
        "WLAN in allen Sitzungsräumen des Rathauses [klick](javascript:alert(1)) ![bild](x.png)",
        "FD 10",
    ),
]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = open_store(tmp_path / "data")
    with opened.transaction():
        for text, department in IDEAS:
            opened.add_idea(NewIdea(text, None, department=department), "2026-11-29T10:00:00+00:00")
    return opened


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_text_comes_from_the_catalogue(store: Store, language: str) -> None:
    digest = build_digest(store, Settings(), NOW, encoder=HashingEncoder())
    t = Translator(language)
    for text in (render_markdown(digest, t), render_html(digest, t)):
        assert "digest." not in text and "{" not in text.replace("{ ", "")
    title = "Synergie-Digest" if language == "de" else "Synergy digest"
    assert title in render_markdown(digest, t)
    store.close()


def test_user_text_is_escaped_in_html(store: Store) -> None:
    digest = build_digest(store, Settings(), NOW, encoder=HashingEncoder())
    html = render_html(digest, Translator())
    assert "<script>" not in html and "&lt;script&gt;" in html
    store.close()


def test_without_a_model_the_digest_says_what_is_missing(store: Store) -> None:
    digest = build_digest(store, Settings(), NOW)
    assert not digest.analysed and digest.clusters == ()
    assert "Ohne Sprachmodell" in render_markdown(digest, Translator())
    store.close()


def test_write_digest_files(store: Store, tmp_path: Path) -> None:
    digest = build_digest(store, Settings(), NOW, encoder=HashingEncoder())
    text, written = write_digest(digest, Translator("de"), "markdown", tmp_path / "woche.md")
    assert written == [tmp_path / "woche.md", tmp_path / "woche-karte.png"]
    assert "![Ideenlandkarte" in text and "(woche-karte.png)" in text
    # trial 23: user text became HTML, a link and an image in the Markdown file
    assert "<script>" not in text and "&lt;script&gt;" in text and "<b>" not in text
    assert "[klick]" not in text and "\\[klick\\](javascript" in text and "![bild]" not in text
    _, written = write_digest(digest, Translator("en"), "json", tmp_path / "woche.json")
    data = json.loads(written[0].read_text(encoding="utf-8"))
    assert data["trend"]["ideas"] == [4, 0] and len(data["map"]["points"]) == 4
    assert render_json(digest)["period"]["days"] == 7
    # trial 24: `digest --out /dev/null` replaced the device and wrote /dev/null-karte.png
    _, written = write_digest(digest, Translator("de"), "markdown", Path("/dev/null"))
    assert written == [Path("/dev/null")] and Path("/dev/null").is_char_device()
    store.close()
