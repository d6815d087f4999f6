"""Trial 9: in a terminal trial the CDO and CIO said who they are with ``chat --role``, yet
every question told its asker that nobody answers questions. A console claim now holds a role
the config leaves empty, across console processes, and never one the config fills."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_cli import config, run  # noqa: F401  (config: every run's model folder)

QUESTION = "!frage Wer entscheidet, welche Abläufe wir als Nächstes digitalisieren?\n"


def test_a_role_claimed_in_one_console_receives_questions_asked_in_another(
    tmp_path: Path,
) -> None:
    run(tmp_path, "chat", "--as", "maria", "--role", "cdo", stdin="!hilfe\n")
    run(tmp_path, "chat", "--as", "hans", "--role", "cio", stdin="!hilfe\n")
    asked = run(tmp_path, "chat", "--as", "oliver", stdin=QUESTION)
    assert asked.returncode == 0, asked.stderr
    assert "[Direktnachricht an maria]\n**Neue Frage #1**" in asked.stdout
    assert "niemand eingetragen" not in asked.stdout
    inbox = run(tmp_path, "chat", "--as", "maria", "--role", "cdo", stdin="!offen\n")
    assert "#1" in inbox.stdout and "Wer entscheidet" in inbox.stdout


def test_a_claim_ends_with_a_session_without_the_role(tmp_path: Path) -> None:
    run(tmp_path, "chat", "--as", "maria", "--role", "cdo", stdin="!hilfe\n")
    run(tmp_path, "chat", "--as", "maria", stdin="!hilfe\n")  # back as staff
    asked = run(tmp_path, "chat", "--as", "oliver", stdin=QUESTION)
    assert "Direktnachricht an maria" not in asked.stdout
    assert "niemand eingetragen" in asked.stdout


def test_the_config_outranks_a_claim(tmp_path: Path, config: Path) -> None:  # noqa: F811
    config.write_text(config.read_text() + '[roles]\ncdo = ["claudia"]\n', encoding="utf-8")
    run(tmp_path, "chat", "--as", "mallory", "--role", "cdo", stdin="!hilfe\n")
    asked = run(tmp_path, "chat", "--as", "oliver", stdin=QUESTION)
    assert "[Direktnachricht an claudia]\n**Neue Frage #1**" in asked.stdout
    assert "Direktnachricht an mallory" not in asked.stdout
    # trial 27: nor do the role's rights come with the claim, and the console says so
    inbox = run(tmp_path, "chat", "--as", "mallory", "--role", "cdo", stdin="!offen\n")
    assert "nur diese Rollen" in inbox.stdout and "Wer entscheidet" not in inbox.stdout
    assert "gives the role cdo to others; you chat as staff" in inbox.stderr
