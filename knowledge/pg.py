"""The knowledge store on PostgreSQL with pgvector: the scale path.

Chosen by ``IDEENLOTSE_DATABASE_URL=postgresql://...`` (see ``Store.open``). Same repository
API and the same queries as SQLite (``knowledge.pg_dialect`` translates them); this module
holds only what differs: migrations from ``migrations/postgres``, conflict-safe writes for
several bot processes on one database, full-text search without FTS5, and similar-idea
search by a pgvector HNSW index.

Several processes, one database: correctness rests on constraints, never on Python locks. An
event is claimed by inserting its key (primary key ``(platform, event_id)``) in the same
transaction as its effects; a second process claiming the same event waits for the first
transaction and then finds the key taken. Migrations take a transaction-scoped advisory lock,
so processes starting together migrate once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any, cast

import numpy as np
import psycopg
import sqlite_utils
from pgvector.psycopg import register_vector

from knowledge import folding
from knowledge.db import Migration, available_migrations
from knowledge.pg_dialect import PgDatabase
from knowledge.records import Idea, from_row
from knowledge.store import Store

_MIGRATION_LOCK = 0x1DEE1075  # any constant; names the advisory lock of migrations
# HNSW over half-precision copies of the vectors (halfvec): half the index size, so a million
# ideas' index (about 1.1 GB) stays in shared_buffers, with the same recall as full precision
# (bench/scale.py). m=16 is pgvector's default; ef_construction is doubled from 64, which
# raised recall@10 at 300k ideas from 0.963 to 0.977 at ef_search 100 (build 1.8x longer).
# ef_search 200: at a million ideas recall@10 0.968, p50 4.7 ms, p95 8.1 ms (bench/scale.py on
# 2 cores; 100 gives 0.934, 400 gives 0.986 at p95 14.5 ms).
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 128
HNSW_EF_SEARCH = 200


def postgres_migrations() -> list[Migration]:
    return available_migrations("postgres")


def migrate_postgres(db: PgDatabase) -> list[int]:
    """Apply every PostgreSQL migration newer than the database, each in one transaction."""
    applied = []
    with db.atomic():
        db.conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        db.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        row = db.conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        current = int(row[0] or 0) if row else 0
        for migration in postgres_migrations():
            if migration.version <= current:
                continue
            with db.atomic():
                db.conn.execute(migration.sql.encode())  # several statements: simple protocol
                db.conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)",
                    (migration.version, migration.name, datetime.now(UTC).isoformat()),
                )
            applied.append(migration.version)
    db.forget_schema()
    return applied


class PgStore(Store):
    """PostgreSQL implementation of the knowledge store."""

    def __init__(self, db: PgDatabase):  # no super().__init__: that migrates SQLite
        self.pg = db
        # The query modules are typed against sqlite_utils; PgDatabase offers what they use.
        self.db = cast(sqlite_utils.Database, db)
        self._lock = threading.RLock()
        self._indexed_dims: set[int] = set()
        migrate_postgres(db)
        _register_vector(db.conn)

    @classmethod
    def connect(cls, url: str) -> PgStore:
        return cls(PgDatabase(url, on_connect=_register_vector))

    def close(self) -> None:
        self.pg.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Row locks and MVCC make PostgreSQL's plain transaction enough (see Store's)."""
        with self._lock, self.pg.atomic():
            yield self

    # -- full text: LIKE over the folded text (no FTS5; the bundled server has no pg_trgm) ----

    def search_ideas(self, query: str, limit: int = 5) -> list[Idea]:
        """All terms first, any term when that finds nothing; most terms matched first."""
        terms = folding.search_terms(query)
        if not terms:
            return []
        patterns = ["%" + _like_escape(term) + "%" for term in terms]
        hit = "(ideas_fts.title LIKE ? ESCAPE '\\' OR ideas_fts.text LIKE ? ESCAPE '\\')"
        matched = " + ".join(f"(CASE WHEN {hit} THEN 1 ELSE 0 END)" for _ in patterns)
        pair_values = [p for pattern in patterns for p in (pattern, pattern)]
        for any_term in (False, True):
            where = (" OR " if any_term else " AND ").join(hit for _ in patterns)
            rows = list(
                self.db.query(
                    "SELECT ideas.*, people.display_name AS author_name,"
                    " (SELECT COUNT(*) FROM supports WHERE supports.idea_id = ideas.id)"
                    f" AS supporters, ({matched}) AS matched_terms"
                    " FROM ideas LEFT JOIN people ON people.id = ideas.author_id"
                    " JOIN ideas_fts ON ideas_fts.rowid = ideas.id"
                    f" WHERE ({where}) AND ideas.status != 'zusammengefuehrt'"
                    " ORDER BY matched_terms DESC, ideas.id DESC LIMIT ?",
                    [*pair_values, *pair_values, limit],
                )
            )
            if rows or len(terms) == 1:
                return [from_row(Idea, row) for row in rows]
        return []

    # -- privacy: making deletions physical (knowledge/privacy.py's SQLite-only steps) -------

    def _zero_freed_space(self) -> None:
        """Nothing to switch on: PostgreSQL has no secure_delete; ``scrub`` rewrites tables."""

    def scrub(self, now: str) -> None:
        """Rewrite the tables (VACUUM FULL), so deleted rows leave no bytes in their files.

        Takes an exclusive lock per table while it runs; the other bot processes wait. WAL
        segments with older row versions are recycled by the server's own checkpoints.
        """
        with self._lock:
            self.pg.conn.execute("VACUUM FULL")
            with self.pg.atomic():
                self.audit("storage.scrubbed", now)

    # -- vectors: pgvector next to the float32 blob ---------------------------------------

    def set_embedding(self, idea_id: int, blob: bytes, model: str) -> None:
        super().set_embedding(idea_id, blob, model)
        vector = np.frombuffer(blob, dtype="<f4").astype(np.float32)
        self.ensure_vector_index(len(vector))
        self.pg.conn.execute(
            "INSERT INTO idea_vectors (idea_id, model, embedding) VALUES (%s, %s, %s)"
            " ON CONFLICT (idea_id) DO UPDATE SET model = EXCLUDED.model,"
            " embedding = EXCLUDED.embedding",
            (idea_id, model, vector),
        )

    def ensure_vector_index(self, dim: int) -> None:
        """An HNSW index (cosine) for vectors of ``dim`` dimensions, made on first use.

        pgvector indexes need a fixed dimension, and the model (hence the dimension) is a
        setting, so the index is an expression index per dimension instead of a typed column.
        """
        dim = int(dim)
        if dim in self._indexed_dims:
            return
        with self.pg.atomic():
            self.pg.conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK + dim,))
            # replaces the full-precision index that earlier versions made
            self.pg.conn.execute(f"DROP INDEX IF EXISTS idea_vectors_hnsw_{dim}")
            self.pg.conn.execute(
                f"CREATE INDEX IF NOT EXISTS {vector_index_name(dim)} ON idea_vectors"
                f" USING hnsw ((embedding::halfvec({dim})) halfvec_cosine_ops)"
                f" WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})"
                f" WHERE vector_dims(embedding) = {dim}"
            )
        self._indexed_dims.add(dim)

    def nearest_ideas(
        self, vector: np.ndarray, model: str, k: int = 10, *, ef_search: int = HNSW_EF_SEARCH
    ) -> list[tuple[int, float]]:
        """(idea id, cosine) of the ``k`` nearest stored vectors of ``model``, by HNSW.

        Approximate: bench/scale.py measures its recall against exact search.
        """
        query = np.asarray(vector, dtype=np.float32)
        dim = int(query.shape[-1])
        with self.pg.atomic():
            self.pg.conn.execute(f"SET LOCAL hnsw.ef_search = {int(ef_search)}")
            self.pg.conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            rows = self.pg.conn.execute(nearest_sql(dim), (query, model, query, int(k))).fetchall()
        ranked = sorted(rows, key=lambda row: row[1])
        return [(int(row[0]), 1.0 - float(row[1])) for row in ranked]


def vector_index_name(dim: int) -> str:
    return f"idea_vectors_halfvec_hnsw_{int(dim)}"


def nearest_sql(dim: int) -> str:
    """The k nearest vectors: found by the halfvec index, reported by the exact distance.

    Parameters: the query vector, the model name, the query vector again, k.
    """
    return (
        f"SELECT idea_id, embedding::vector({dim}) <=> %s::vector({dim}) AS distance"
        f" FROM idea_vectors WHERE vector_dims(embedding) = {dim} AND model = %s"
        f" ORDER BY embedding::halfvec({dim}) <=> %s::halfvec({dim}) LIMIT %s"
    )


def _register_vector(conn: psycopg.Connection[Any]) -> None:
    """pgvector's types for this connection (the extension exists once migrations ran)."""
    with suppress(psycopg.ProgrammingError):  # a new database: the first migration makes it
        register_vector(conn)


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
