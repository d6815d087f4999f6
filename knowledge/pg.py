"""The knowledge store on PostgreSQL with pgvector: the scale path.

Chosen by ``IDEENLOTSE_DATABASE_URL=postgresql://...`` (see ``knowledge.open``). The same store,
queries and migrations as on SQLite; what PostgreSQL does differently is the dialect's
(``knowledge.dialect.POSTGRES``). This module adds what only PostgreSQL has: similar-idea
search by a pgvector HNSW index, for several bot processes sharing one database.

Several processes, one database: correctness rests on constraints, never on Python locks. An
event is claimed by inserting its key (primary key ``(platform, event_id)``) in the same
transaction as its effects; a second process claiming the same event waits for the first
transaction and then finds the key taken. Migrations take a transaction-scoped advisory lock,
so processes starting together migrate once.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any, cast

import numpy as np
import psycopg
import sqlite_utils
from pgvector.psycopg import register_vector

from knowledge.dialect import MIGRATION_LOCK, POSTGRES
from knowledge.pg_database import PgDatabase
from knowledge.store import Store

# HNSW over half-precision copies of the vectors (halfvec): half the index size, so a million
# ideas' index (about 1.1 GB) stays in shared_buffers, with the same recall as full precision
# (bench/scale.py). m=16 is pgvector's default; ef_construction is doubled from 64, which
# raised recall@10 at 300k ideas from 0.963 to 0.977 at ef_search 100 (build 1.8x longer).
# ef_search 200: at a million ideas recall@10 0.968, p50 4.7 ms, p95 8.1 ms (bench/scale.py on
# 2 cores; 100 gives 0.934, 400 gives 0.986 at p95 14.5 ms).
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 128
HNSW_EF_SEARCH = 200


class PgStore(Store):
    """The knowledge store on PostgreSQL, with similar-idea search in the database."""

    def __init__(self, db: PgDatabase):
        # The query modules are typed against sqlite_utils; PgDatabase offers what they use.
        super().__init__(cast(sqlite_utils.Database, db), POSTGRES)
        self.pg = db
        self._indexed_dims: set[int] = set()
        _register_vector(db.conn)  # pgvector's types exist once the migrations ran

    @classmethod
    def connect(cls, url: str) -> PgStore:
        return cls(PgDatabase(url, on_connect=_register_vector))

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

    def change_text(self, idea_id: int, text: str, now: str) -> None:
        super().change_text(idea_id, text, now)
        self.pg.conn.execute("DELETE FROM idea_vectors WHERE idea_id = %s", (idea_id,))

    def ensure_vector_index(self, dim: int) -> None:
        """An HNSW index (cosine) for vectors of ``dim`` dimensions, made on first use.

        pgvector indexes need a fixed dimension, and the model (hence the dimension) is a
        setting, so the index is an expression index per dimension instead of a typed column.
        """
        dim = int(dim)
        if dim in self._indexed_dims:
            return
        with self.pg.atomic():
            self.pg.conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK + dim,))
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
