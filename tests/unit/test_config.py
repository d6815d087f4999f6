from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

GOOD = """
language = "en"
[rooms]
ideas = ["!abc:stadt.de", "C0123"]
[roles]
cdo = ["@cdo:stadt.de"]
cio = ["@cio:stadt.de", "U777"]
admin = ["@admin:stadt.de"]
[limits]
max_text_length = 1000
"""


def test_reads_file_and_environment(tmp_path: Path) -> None:
    path = tmp_path / "ideenlotse.toml"
    path.write_text(GOOD, encoding="utf-8")
    settings = load_settings(path, {"IDEENLOTSE_DATA_DIR": "/srv/lotse"})
    assert settings.language == "en"
    assert settings.data_dir == Path("/srv/lotse")
    assert settings.role_for("U777") == "cio"
    assert settings.role_for("@someone:stadt.de") is None
    assert settings.is_idea_room("C0123") and not settings.is_idea_room("C9")
    assert settings.max_text_length == 1000


def test_missing_default_file_gives_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, {})
    assert settings.language == "de"
    assert settings.data_dir == Path("data")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("language = 'fr'", "language must be one of"),
        ("[roles]\nboss = ['x']", "unknown role 'boss'"),
        ("[roles]\ncdo = 'x'", "must be a list of strings"),
        ("[limits]\nmax_text_length = 0", "positive whole number"),
        ("[slack]\nbot_token = 'xoxb-1'", "looks like a secret"),
        ("this is = not toml =", "not valid TOML"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "ideenlotse.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(path, {})


def test_named_config_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(None, {"IDEENLOTSE_CONFIG": str(tmp_path / "nope.toml")})


def test_question_settings_and_defaults(tmp_path: Path) -> None:
    from datetime import time

    path = tmp_path / "ideenlotse.toml"
    path.write_text(
        GOOD + '[questions]\ntriage_room = "!triage:stadt.de"\nsla_hours = 8\n'
        'working_hours = "07:30-15:30"\ntimezone = "Europe/Vienna"\n',
        encoding="utf-8",
    )
    questions = load_settings(path, {}).questions
    assert questions.triage_room == "!triage:stadt.de" and questions.sla_hours == 8
    assert (questions.work_start, questions.work_end) == (time(7, 30), time(15, 30))
    assert questions.timezone == "Europe/Vienna"
    path.write_text(GOOD, encoding="utf-8")
    defaults = load_settings(path, {})
    assert defaults.questions.triage_room is None and defaults.questions.sla_hours == 16
    assert (defaults.questions.work_start, defaults.questions.work_end) == (time(8), time(16))
    assert defaults.questions.timezone == "Europe/Berlin"
    assert defaults.holders("cio") == ("@cio:stadt.de", "U777")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[questions]\nsla_hours = 0", "sla_hours"),
        ("[questions]\nsla_hours = 'viel'", "sla_hours"),
        ("[questions]\nsla_hours = true", "sla_hours"),
        ("[questions]\nworking_hours = '8-16'", "working_hours"),
        ("[questions]\nworking_hours = '16:00-08:00'", "end after it starts"),
        ("[questions]\nworking_hours = 8", "working_hours"),
        ("[questions]\ntimezone = 'Mars/Olympus'", "not a known time zone"),
        ("[questions]\ntriage_room = ''", "triage_room"),
        ("questions = 3", r"\[questions\]"),
    ],
)
def test_bad_question_settings(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "ideenlotse.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(path, {})


@pytest.mark.parametrize(
    ("content", "name"),
    [
        ("[[bridges]]\nname = 'a'\n[[bridges]]\nbot_token = 'xoxb-1'", r"bridges\[1\]\.bot_token"),
        ("[[bridges]]\n[bridges.auth]\npassword = 'x'", r"bridges\[0\]\.auth\.password"),
        ("[storage]\naccess_key = 'AKIA1'", "storage.access_key"),
        ("[database]\npasswd = 'x'", "database.passwd"),
        ("[matching]\napi_key = 'sk-1'", "matching.api_key"),
        ("[[oidc.providers]]\nclient_secret = 'x'", r"oidc.providers\[0\]\.client_secret"),
        ("[matrix]\nprivate_key = 'x'", "matrix.private_key"),
        ("[matching]\nmodel = 'https://user:pass@models.example/e5'", "matching.model"),
        ("[rooms]\nideas = ['https://tok@hub.example/r']", r"rooms.ideas\[0\]"),
    ],
)
def test_secrets_are_refused_everywhere(tmp_path: Path, content: str, name: str) -> None:
    path = tmp_path / "ideenlotse.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"'{name}' (looks like a secret|holds a URL)") as error:
        load_settings(path, {})
    assert "user:pass" not in str(error.value) and "tok@" not in str(error.value)


def test_a_key_is_a_secret_only_at_the_end_of_a_name(tmp_path: Path) -> None:
    path = tmp_path / "ideenlotse.toml"
    path.write_text(GOOD + "[[extra]]\nkey_terms = ['Drucker']\nkeyword = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown setting 'extra'"):  # no secret, but unknown
        load_settings(path, {})
    path.write_text(
        GOOD + "[[extra]]\nkey_terms = ['Drucker']\nsigning_key = 'x'\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"'extra\[0\]\.signing_key' looks like a secret"):
        load_settings(path, {})


def test_errors_never_show_url_credentials() -> None:
    error = ConfigError("model 'https://user:s3cr@t@host.example/e5' and http://tok@h:80/x")
    assert str(error) == "model 'https://***@host.example/e5' and http://***@h:80/x"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[role]\ncdo = ['maria']\n", "unknown setting 'role' (known: language, data_dir"),
        ("[privacy]\nerase_modus = 'anonymise'\n", "unknown setting 'privacy.erase_modus'"),
        ("[privacy]\nretention_tage = 30\n", "known: erase_mode, event_days, retention_days"),
    ],
)
def test_a_misspelt_setting_is_an_error_not_a_silent_default(
    tmp_path: Path, text: str, message: str
) -> None:
    """Trial 24: "[role]" and "erase_modus" were accepted; the bot ran with the defaults."""
    path = tmp_path / "ideenlotse.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(path, {})
