"""Which store a data folder means: its SQLite file, or PostgreSQL when a URL is configured.

A module of its own because it knows both backends: ``knowledge.pg`` builds on
``knowledge.store``, so the choice between them cannot sit in ``Store`` without an import
cycle.
"""

from __future__ import annotations

import os
from pathlib import Path

from knowledge.db import DB_FILENAME, connect
from knowledge.store import Store

DATABASE_URL = "IDEENLOTSE_DATABASE_URL"


def database_url(data_dir: Path) -> str | None:
    """The PostgreSQL database for ``data_dir``, or None for the SQLite file in it.

    One URL for every folder in production; a function of the folder so a test run on
    PostgreSQL can give each data folder a database of its own, as each has a file on SQLite.
    """
    return os.environ.get(DATABASE_URL, "").strip() or None


def open_store(data_dir: Path) -> Store:
    """The SQLite file in ``data_dir``, or PostgreSQL when IDEENLOTSE_DATABASE_URL is set."""
    url = database_url(Path(data_dir))
    if url:
        from knowledge.pg import PgStore  # psycopg is loaded only when it is used

        return PgStore.connect(url)
    return Store(connect(Path(data_dir) / DB_FILENAME))
