"""Who may use which command: every registered command against every role.

The table below is the authorisation policy. A command added without an entry here fails
``test_every_command_is_in_the_policy``, so nobody can add a command without deciding who
may use it; the policy must equal what the command declares (roles are checked in one place,
``Bot._dispatch``, from the declaration) and what the bot does.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot import render
from bot.config import load_settings
from bot.events import Action, Sender
from bot.handlers import REGISTRY
from bot.i18n import Translator
from knowledge.records import ROLES
from tests.privacy.conftest import PLATFORM, World

EVERYBODY = None
STEWARDS = frozenset({"cdo", "cio", "admin"})
USERS = {role: f"@{role}-user:stadt.example" for role in ROLES}

# command -> (roles allowed, None: everybody; an invocation with valid arguments)
POLICY: dict[str, tuple[frozenset[str] | None, str]] = {
    "idee": (EVERYBODY, "!idee Akten digital führen"),
    "suche": (EVERYBODY, "!suche Akten"),
    "unterstuetzen": (EVERYBODY, "!unterstuetzen 1"),
    "status": (STEWARDS, "!status 1 umgesetzt"),
    "interessen": (EVERYBODY, "!interessen E-Akte"),
    "matching": (EVERYBODY, "!matching an"),
    "wer": (EVERYBODY, "!wer E-Akte"),
    "vernetzen": (EVERYBODY, "!vernetzen 1"),
    "nicht-aehnlich": (EVERYBODY, "!nicht-aehnlich 1 2"),  # authors and stewards: own check
    "zusammenfuehren": (STEWARDS, "!zusammenfuehren 2 1"),
    "frage": (EVERYBODY, "!frage Wer ist für die E-Akte zuständig?"),
    "antwort": (STEWARDS, "!antwort 1 Das macht das Team E-Akte."),
    "weiterleiten": (STEWARDS, "!weiterleiten 1 cio"),
    "offen": (STEWARDS, "!offen"),
    "erledigt": (STEWARDS, "!erledigt 1"),
    "fachbereich": (EVERYBODY, "!fachbereich FD 20 Finanzen"),
    "meine-ideen": (EVERYBODY, "!meine-ideen"),
    "aendern": (EVERYBODY, "!aendern 1 Akten digital führen"),  # the author only: own check
    "meine-fragen": (EVERYBODY, "!meine-fragen"),
    "geholfen": (EVERYBODY, "!geholfen ja 1"),  # the asker only: own check
    "als-idee": (EVERYBODY, "!als-idee 1"),  # the asker only: own check
    "meine-daten": (EVERYBODY, "!meine-daten"),
    "vergiss-mich": (EVERYBODY, "!vergiss-mich"),
    "hilfe": (EVERYBODY, "!hilfe"),
    "digest": (frozenset({"cdo", "admin"}), "!digest"),
    "lagebild": (EVERYBODY, "!lagebild"),
    "projekte": (EVERYBODY, "!projekte"),
    "agenda": (EVERYBODY, "!agenda"),
    "system": (EVERYBODY, "!system DMS"),
    "projektstatus": (STEWARDS, "!projektstatus P-1 laufend"),
}
CASES = [(name, role) for name in POLICY for role in ROLES]


def forbidden_text(name: str, roles: frozenset[str]) -> str:
    t = Translator("de")
    phrase = render.roles_phrase(t, roles)
    command = REGISTRY.lookup(name)
    if command is not None and command.also is not None:  # the plans' contacts, for theirs
        phrase = t("error.roles_and_contacts", roles=phrase)
    return t("error.forbidden", name=name, roles=phrase)


def test_every_command_is_in_the_policy() -> None:
    registered = {command.name for command in REGISTRY}
    missing = registered - set(POLICY)
    assert not missing, f"add these commands to POLICY (who may use them?): {sorted(missing)}"
    assert not set(POLICY) - registered, "POLICY names commands that do not exist"


@pytest.mark.parametrize("name", sorted(POLICY))
def test_the_declaration_is_the_policy(name: str) -> None:
    command = REGISTRY.lookup(name)
    assert command is not None
    assert command.roles == POLICY[name][0]
    for alias in command.names:  # every spelling leads to the same declaration
        assert REGISTRY.lookup(alias) is command


@pytest.fixture
def stage(tmp_path: Path) -> World:
    """Ideas #1 and #2 and an open question #1 by somebody else; roles from the config."""
    world = World(tmp_path / "data", {u: r for r, u in USERS.items()}, routing=False)
    world.say("@other:stadt.example", "!idee Akten digital führen und archivieren")
    world.say("@other:stadt.example", "!idee Akten digital führen und signieren")
    world.say("@other:stadt.example", "!matching an")
    world.say("@other:stadt.example", "!frage Wer kümmert sich um die Telefonanlage?")
    return world


@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_command_and_role(stage: World, name: str, role: str) -> None:
    allowed, invocation = POLICY[name]
    replies = stage.say(USERS[role], invocation)
    text = "\n".join(reply.text for reply in replies)
    assert replies, invocation
    refused = forbidden_text(name, allowed) if allowed else None
    if allowed is None or role in allowed:
        assert "können nur diese Rollen verwenden" not in text, text
        assert "etwas schiefgegangen" not in text, text
    else:
        assert text == refused
        assert len(replies) == 1 and replies[0].direct_to is None  # nothing else leaks out
    stage.store.close()


@pytest.mark.parametrize("name", [n for n, (roles, _) in POLICY.items() if roles])
def test_a_button_click_is_checked_like_typed_text(stage: World, name: str) -> None:
    invocation = POLICY[name][1]
    sender = Sender(USERS["staff"], "Staff")
    [reply] = stage.bot.handle(Action(PLATFORM, f"$click-{name}", sender, invocation))
    assert "können nur diese Rollen verwenden" in reply.text
    stage.store.close()


def test_a_role_removed_from_the_config_is_gone_on_the_next_message(tmp_path: Path) -> None:
    chief = "@chief:stadt.example"
    world = World(tmp_path / "data", {chief: "cdo"}, routing=False)
    assert Translator("de")("question.none_open") in world.text(chief, "!offen")
    world.bot.settings = world.settings = type(world.settings)(data_dir=world.data, roles={})
    assert "können nur diese Rollen verwenden" in world.text(chief, "!offen")
    person = world.store.find_person(PLATFORM, chief)
    assert person is not None and person.role == "staff"
    world.store.close()


def test_a_chat_platform_cannot_claim_a_role_through_the_display_name(tmp_path: Path) -> None:
    world = World(tmp_path / "data", {}, routing=False)
    text = world.text("@mallory:stadt.example", "!offen", name="admin")
    assert "können nur diese Rollen verwenden" in text
    world.store.close()


def test_questions_are_handled_only_by_the_role_they_are_routed_to(tmp_path: Path) -> None:
    """SECURITY.md: role holders act on the questions routed to their role, admin on all."""
    cdo, cio, admin = USERS["cdo"], USERS["cio"], USERS["admin"]
    world = World(tmp_path / "data", {cdo: "cdo", cio: "cio", admin: "admin"}, routing=False)
    asker, second = "@asker:stadt.example", "@second:stadt.example"
    world.say(asker, "!frage Wie beantrage ich Sonderurlaub für eine Fortbildung?")
    world.say(admin, "!weiterleiten 1 cdo")
    refused = Translator("de")("question.not_in_remit_where", id=1, where="die oder den CDO")
    assert world.text(cio, "!antwort 1 Im Personalportal.") == refused
    assert world.text(cio, "!weiterleiten 1 cio") == refused
    assert "Sonderurlaub" not in world.text(cio, "!offen")
    assert "gespeichert" in world.text(cdo, "!antwort 1 Im Personalportal unter Abwesenheiten.")
    # The same question again: the earlier answer is offered, and until the asker says whether
    # it helped, the question is routed to nobody and nobody but admin may act on it.
    offered = world.text(second, "!frage Wie beantrage ich Sonderurlaub für eine Fortbildung?")
    assert "Personalportal" in offered
    question = world.store.get_question(2)
    assert question is not None and question.awaits_feedback
    assert world.text(cdo, "!antwort 2 Siehe oben.") == Translator("de")(
        "question.not_in_remit", id=2
    )
    assert world.text(cio, "!weiterleiten 2 cio") == Translator("de")("question.not_in_remit", id=2)
    assert "Sonderurlaub" not in world.text(cdo, "!offen")
    world.store.close()


def test_roles_follow_the_config_file_without_a_restart(tmp_path: Path) -> None:
    """SECURITY.md: roles are re-read from the config file (when it changed) for every message."""
    chief = "@chief:stadt.example"
    config = tmp_path / "ideenlotse.toml"

    def write(text: str, second: int) -> None:
        config.write_text(text, encoding="utf-8")
        os.utime(config, ns=(second * 10**9, second * 10**9))  # a new stamp, however fast

    write(f'[roles]\ncdo = ["{chief}"]\n', 1)
    world = World(tmp_path / "data", {}, routing=False)
    world.bot.settings = load_settings(config, environ={"IDEENLOTSE_DATA_DIR": str(world.data)})
    assert "können nur diese Rollen" not in world.text(chief, "!offen")
    write("[roles]\ncdo = []\n", 2)
    assert "können nur diese Rollen verwenden" in world.text(chief, "!offen")
    write(f'[roles]\ncdo = ["{chief}"]\n', 3)
    assert "können nur diese Rollen" not in world.text(chief, "!offen")
    write("[roles\nkaputt", 4)  # a broken edit keeps the roles as they were
    assert "können nur diese Rollen" not in world.text(chief, "!offen")
    world.store.close()
