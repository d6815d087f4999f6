"""Every text the code asks for exists in German and English, with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.handlers import REGISTRY
from bot.i18n import Translator, catalogue
from bot.render import command_name

ROOT = Path(__file__).resolve().parents[2]
KEY_USE = re.compile(r"""\bt\(\s*f?["']([a-z_.{}]+)["']""")
NAMED_COMMAND = re.compile(r"\{prefix\}([a-z-]+)")  # "`{prefix}unterstuetzen {id}`"


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_languages_have_the_same_keys_and_placeholders() -> None:
    german, english = catalogue("de"), catalogue("en")
    assert set(german) == set(english)
    for key, text in german.items():
        assert placeholders(text) == placeholders(english[key]), key


def test_every_literal_key_in_the_code_exists() -> None:
    german = catalogue("de")
    for path in list((ROOT / "bot").rglob("*.py")):
        for key in KEY_USE.findall(path.read_text(encoding="utf-8")):
            if "{" in key:
                prefix = key.split("{")[0]
                assert any(k.startswith(prefix) for k in german), (path, key)
            else:
                assert key in german, (path.name, key)


@pytest.mark.parametrize("command", list(REGISTRY), ids=lambda c: c.name)
def test_every_command_has_help_in_both_languages(command) -> None:  # type: ignore[no-untyped-def]
    for language in ("de", "en"):
        texts = catalogue(language)
        for part in ("summary", "description", "example"):
            assert texts.get(f"cmd.{command.name}.{part}"), (language, command.name, part)
        for param in command.params:
            assert f"param.{param.name}" in texts


@pytest.mark.parametrize("command", list(REGISTRY), ids=lambda c: c.name)
def test_a_command_for_some_roles_says_so_in_the_overview(command) -> None:  # type: ignore[no-untyped-def]
    """Trial 7: `!hilfe` listed `!erledigt` as if everybody could close questions."""
    summary = catalogue("de")[f"cmd.{command.name}.summary"]
    says_who = summary.endswith(("Administration)", "Ansprechpersonen der Pläne)"))
    assert says_who == (command.roles is not None), (command.name, summary)
    assert summary.endswith("Pläne)") == (command.also is not None), (command.name, summary)


@pytest.mark.parametrize("language", ["de", "en"])
def test_texts_name_declared_commands_with_the_configured_prefix(language: str) -> None:
    """Issue #16: a "!" written into a text is wrong wherever another prefix is configured,
    and a command a text names is one its reader can type."""
    t = Translator(language)
    for key, text in catalogue(language).items():
        assert not re.search(r"!(?=[a-z{])", text), (key, text)
        for name in NAMED_COMMAND.findall(text):
            command = REGISTRY.lookup(name)
            assert command is not None and command_name(t, command) == name, (key, name)


def test_german_texts_address_people_formally() -> None:
    # Lower-case "ihr" is informal plural; capitalised "Ihr" is the formal possessive.
    informal = re.compile(r"\b(du|Du|dich|dir|dein\w*|Dein\w*|euch|euer|ihr)\b")
    for key, text in catalogue("de").items():
        assert not informal.search(text), key


def test_a_count_takes_its_word_in_singular_or_plural() -> None:
    t = Translator("de")
    assert t("idea.supporters", count=1) == " · 1 Unterstützung"
    assert t("idea.supporters", count=3) == " · 3 Unterstützungen"
    assert "2 Ideen und 1 Frage" in t("privacy.what_delete", ideas=2, questions=1)
    assert Translator("en")("idea.supporters", count=1) == " · 1 supporter"


def test_no_text_writes_a_plural_in_brackets() -> None:
    for language in ("de", "en"):
        for key, text in catalogue(language).items():
            assert not re.search(r"\w\((en|n|e|s|es)\)", text), (language, key, text)
