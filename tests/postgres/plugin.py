"""The database backend of a test run: SQLite by default, PostgreSQL on request.

``IDEENLOTSE_TEST_BACKEND=postgres`` starts one local PostgreSQL with pgvector for the
session (tests/postgres/server.py), migrates a template database once, and gives every test
a fresh copy of it through ``IDEENLOTSE_DATABASE_URL`` - the variable production uses - so
the ``store`` fixture, ``open_store`` in a test and ``ideenlotse`` subprocesses all use it.
In that mode only the tests that touch the store run (``make test`` runs the rest once, on
SQLite); tests in tests/postgres use PostgreSQL in either mode, so they run in the SQLite pass.
"""

from __future__ import annotations

import inspect
import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from tests.postgres.server import LocalPostgres, start_postgres

BACKEND = os.environ.get("IDEENLOTSE_TEST_BACKEND", "sqlite")
TEMPLATE = "ideenlotse_template"
STORE_FIXTURES = {"store", "bot", "say"}
STORE_MARKERS = ("open_store(", "Store.open(", "build_app(", "bootstrap(")
SQLITE_FILE_MARKERS = ("sqlite3.", "DB_FILENAME", "ideenlotse.db", "PRAGMA ")
_names = itertools.count(1)


def on_postgres() -> bool:
    return BACKEND == "postgres"


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    """PostgreSQL + pgvector on 127.0.0.1 for the session, with a migrated template DB."""
    from knowledge.pg import PgStore

    # Not under pytest's tmp dir: that is private to root, and the server runs as its own user.
    base = Path(tempfile.mkdtemp(prefix="ideenlotse-pg-"))
    server = start_postgres(base / "pgdata")
    try:
        PgStore.connect(server.create_database(TEMPLATE)).close()
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres: LocalPostgres) -> Iterator[str]:
    """A fresh, migrated database of its own for one test."""
    name = f"t{os.getpid()}_{next(_names)}"
    yield postgres.create_database(name, template=TEMPLATE)
    postgres.drop_database(name)


@pytest.fixture(autouse=True)
def _database_backend(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """On PostgreSQL, each data dir a test opens is a database of its own, as each is a
    SQLite file of its own on SQLite (tests that run two bots side by side rely on that).
    The first one is also IDEENLOTSE_DATABASE_URL, for ``ideenlotse`` subprocesses."""
    if not on_postgres():
        monkeypatch.delenv("IDEENLOTSE_DATABASE_URL", raising=False)
        yield
        return
    from knowledge import open as opening

    server: LocalPostgres = request.getfixturevalue("postgres")
    first: str = request.getfixturevalue("postgres_url")
    monkeypatch.setenv("IDEENLOTSE_DATABASE_URL", first)
    databases: dict[Path, str] = {}
    extra: list[str] = []

    def database_for(data_dir: Path) -> str:
        key = Path(data_dir).resolve()
        if key not in databases:
            if databases:
                extra.append(f"t{os.getpid()}_{next(_names)}")
                databases[key] = server.create_database(extra[-1], template=TEMPLATE)
            else:
                databases[key] = first
        return databases[key]

    monkeypatch.setattr(opening, "database_url", database_for)
    yield
    for name in extra:
        server.drop_database(name)


def pytest_report_header() -> str:
    return f"ideenlotse store backend: {BACKEND}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: reads the SQLite file itself; not run on PostgreSQL"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not on_postgres():
        return
    keep, drop = [], []
    for item in items:
        wanted = _touches_store(item) and not _sqlite_only(item)
        (keep if wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _touches_store(item: pytest.Item) -> bool:
    path = Path(str(item.path))
    if path.parent.name == "postgres":  # on PostgreSQL in either mode: ran in the first pass
        return False
    if STORE_FIXTURES & set(getattr(item, "fixturenames", ())) or path.parent.name == "e2e":
        return True
    # the test module, or the fixtures and rigs next to it (conftest.py, rig.py), open one
    helpers = [p for p in path.parent.glob("*.py") if not p.name.startswith("test_")]
    return any(_opens_store(p) for p in [path, *helpers])


def _sqlite_only(item: pytest.Item) -> bool:
    """Marked so, or the test or one of its fixtures handles the SQLite file itself (sqlite3,
    PRAGMA, copying the file by name)."""
    if item.get_closest_marker("sqlite_only"):
        return True
    functions = [getattr(item, "function", None)]
    fixtures = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    functions += [definition.func for defs in fixtures.values() for definition in defs]
    return any(_handles_sqlite_file(function) for function in functions if function)


@cache
def _handles_sqlite_file(function: object) -> bool:
    try:
        source = inspect.getsource(function)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return False
    return any(marker in source for marker in SQLITE_FILE_MARKERS)


@cache
def _opens_store(path: Path) -> bool:
    source = path.read_text(encoding="utf-8")
    return any(marker in source for marker in STORE_MARKERS)
