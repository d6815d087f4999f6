from __future__ import annotations

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
