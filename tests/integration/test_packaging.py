"""The installed package is complete: what the container image gets from ``pip install .``.

The Dockerfile installs the project as a wheel, not in editable mode, so a data file that
pyproject's package-data does not name (a template, a migration, a locale) would be missing
only there. This builds the wheel the same way and compares it with the source tree, and checks
that the Dockerfile copies every package into the build stage.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "adapters", "knowledge", "matching")


def source_files() -> set[str]:
    files = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files.add(path.relative_to(ROOT).as_posix())
    return files


def test_the_wheel_holds_every_file_of_the_packages(tmp_path: Path) -> None:
    source = tmp_path / "src"  # what the Dockerfile copies into its build stage, nothing else
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps",
         "--quiet", "--wheel-dir", str(tmp_path)],
        check=True, timeout=300,
    )  # fmt: skip
    [wheel] = tmp_path.glob("ideenlotse-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    expected = source_files()
    assert {"bot/locales/de.toml", "knowledge/migrations/0001_initial.sql"} <= expected
    assert sorted(expected - shipped) == []


def test_the_dockerfile_copies_every_package() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, flags=re.MULTILINE))
    assert copied == set(PACKAGES)
