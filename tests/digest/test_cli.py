"""``ideenlotse digest`` as a person runs it: a real process on a real data dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import cli
from matching.encoder import ModelInfo

pytestmark = pytest.mark.model

EXE = str(Path(sys.executable).parent / "ideenlotse")
IDEAS = [
    ("Alle Sitzungsräume im Rathaus brauchen ein stabiles WLAN", "FD 51"),
    ("Das WLAN in den Besprechungsräumen ist zu schwach für Videokonferenzen", "FD 10"),
    ("Gäste-WLAN für Besucher in den Sitzungssälen des Rathauses einrichten", "FD 20"),
    ("Parkausweise für Anwohner online beantragen und bezahlen", "FD 33"),
]


def run(tmp_path: Path, model_info: ModelInfo, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "ideenlotse.toml"
    config.write_text(f"[matching]\nmodel = {json.dumps(model_info.path)}\n", encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MATRIX_", "SLACK_"))}
    environ |= {"IDEENLOTSE_DATA_DIR": str(tmp_path / "data"), "IDEENLOTSE_CONFIG": str(config)}
    return subprocess.run(
        [EXE, *args], capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=300
    )


def test_help_has_examples() -> None:
    command = cli.commands["digest"]
    assert command.help and "Examples:" in command.help and "--format html" in command.help
    assert all(p.help for p in command.params if p.name != "help")


def test_digest_as_json_markdown_and_html_files(tmp_path: Path, model_info: ModelInfo) -> None:
    created = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")
    rows = [{"text": t, "department": d, "created": created} for t, d in IDEAS]
    source = tmp_path / "ideen.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    assert run(tmp_path, model_info, "import", str(source), "--quiet").returncode == 0

    result = run(tmp_path, model_info, "digest", "--format", "json", "--out", "d.json")
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    wifi = [c for c in data["clusters"] if "WLAN" in c["terms"]]
    assert wifi and wifi[0]["ideas"] == [1, 2, 3]
    assert wifi[0]["departments"] == ["FD 10", "FD 20", "FD 51"]
    assert all(4 not in pair["ideas"] for pair in data["duplicates"])  # parking is unrelated
    assert data["open_questions"] == []

    result = run(tmp_path, model_info, "digest", "--days", "14", "--out", "d.md")
    assert result.returncode == 0, result.stderr
    markdown = (tmp_path / "d.md").read_text(encoding="utf-8")
    assert "Synergie-Digest" in markdown and "](d-karte.png)" in markdown
    assert (tmp_path / "d-karte.png").read_bytes().startswith(b"\x89PNG")

    result = run(tmp_path, model_info, "digest", "--format", "html")
    assert result.returncode == 0 and 'src="data:image/png;base64,' in result.stdout


def test_bad_days_is_a_usage_error(tmp_path: Path, model_info: ModelInfo) -> None:
    result = run(tmp_path, model_info, "digest", "--days", "0")
    assert result.returncode == 2 and "--days" in result.stderr
