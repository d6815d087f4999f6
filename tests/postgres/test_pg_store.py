"""The PostgreSQL backend's own parts: migrations, racing claims, pgvector search.

The dialect's rewriting is tested without a server in tests/unit/test_dialect.py, and the
schema both backends end up with in tests/postgres/test_schema.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import psycopg
import pytest

from knowledge.db import available_migrations
from knowledge.pg import PgStore, nearest_sql, vector_index_name
from knowledge.records import NewIdea

NOW = "2026-11-23T09:00:00+00:00"


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[PgStore]:
    store = PgStore.connect(postgres_url)
    yield store
    store.close()


def test_migrating_twice_changes_nothing(postgres_url: str, pg_store: PgStore) -> None:
    again = PgStore.connect(postgres_url)  # a second process starting on the same database
    try:
        rows = again.pg.conn.execute("SELECT version FROM schema_migrations ORDER BY 1")
        assert [row[0] for row in rows] == [m.version for m in available_migrations()]
    finally:
        again.close()


def test_a_claim_racing_an_open_transaction_waits_and_then_loses(
    postgres_url: str, pg_store: PgStore
) -> None:
    """The primary key, not a Python lock, decides: the second claim sees the first commit."""
    other = PgStore.connect(postgres_url)
    results: list[bool] = []
    try:
        with pg_store.transaction():
            assert pg_store.claim_event("matrix", "$e1", None, NOW)
            racer = threading.Thread(
                target=lambda: results.append(other.claim_event("matrix", "$e1", None, NOW))
            )
            racer.start()
            racer.join(timeout=1)
            assert racer.is_alive()  # blocked on the uncommitted key
        racer.join(timeout=30)
        assert results == [False]
    finally:
        other.close()


def test_a_rolled_back_claim_leaves_the_event_to_the_other_process(
    postgres_url: str, pg_store: PgStore
) -> None:
    other = PgStore.connect(postgres_url)
    try:
        with pytest.raises(RuntimeError), pg_store.transaction():
            pg_store.claim_event("matrix", "$e2", None, NOW)
            raise RuntimeError("crash before the reply")
        assert other.claim_event("matrix", "$e2", None, NOW)
    finally:
        other.close()


def test_people_created_by_two_connections_at_once_exist_once(
    postgres_url: str, pg_store: PgStore
) -> None:
    other = PgStore.connect(postgres_url)
    try:
        with pg_store.transaction():
            first = pg_store.upsert_person("matrix", "@anna:stadt.de", "Anna", NOW)
            racer = threading.Thread(
                target=lambda: other.upsert_person("matrix", "@anna:stadt.de", "Anna", NOW)
            )
            racer.start()
            racer.join(timeout=1)
        racer.join(timeout=30)
        assert other.find_person("matrix", "@anna:stadt.de") == first
    finally:
        other.close()


def test_a_confirmation_code_from_one_process_is_redeemed_once_by_another(
    postgres_url: str, pg_store: PgStore
) -> None:
    """``bot.confirmations``: the erasure's code, asked for in one bot process, confirmed
    in another; spent by the first redemption, and replaced by a newer code."""
    other = PgStore.connect(postgres_url)
    later = "2026-11-23T09:05:00+00:00"
    try:
        with pg_store.transaction():
            anna = pg_store.upsert_person("matrix", "@anna:stadt.de", "Anna", NOW)
            pg_store.set_confirmation("erase", anna.id, "old", "2026-11-23T09:10:00+00:00")
            pg_store.set_confirmation("erase", anna.id, "new", "2026-11-23T09:10:00+00:00")
        with other.transaction():
            assert not other.redeem_confirmation("erase", anna.id, "old", later)
            assert other.redeem_confirmation("erase", anna.id, "new", later)
            assert not other.redeem_confirmation("erase", anna.id, "new", later)  # spent
    finally:
        other.close()


def unit(rng: np.random.Generator, dim: int = 384) -> np.ndarray:
    vector = rng.normal(size=dim).astype(np.float32)
    return vector / np.linalg.norm(vector)


def test_nearest_ideas_uses_the_hnsw_index_and_finds_the_neighbours(pg_store: PgStore) -> None:
    rng = np.random.default_rng(7)
    vectors = {}
    with pg_store.transaction():
        person = pg_store.upsert_person("console", "anna", "Anna", NOW)
        for number in range(200):
            idea = pg_store.add_idea(NewIdea(f"Idee {number}", person.id), NOW)
            vectors[idea.id] = unit(rng)
            pg_store.set_embedding(idea.id, vectors[idea.id].tobytes(), "e5")
    query = vectors[17] + 0.05 * unit(rng)
    ids = np.array(list(vectors))
    exact = ids[np.argsort(-(np.vstack(list(vectors.values())) @ query))[:5]]
    found = pg_store.nearest_ideas(query, "e5", k=5)
    assert [idea_id for idea_id, _ in found] == list(exact)
    assert found[0][0] == 17 and found[0][1] == pytest.approx(
        float(vectors[17] @ query / np.linalg.norm(query)), abs=1e-4
    )
    assert pg_store.nearest_ideas(query, "another-model", k=5) == []
    with pg_store.pg.conn.transaction():
        pg_store.pg.conn.execute("SET LOCAL enable_seqscan = off")
        plan = pg_store.pg.conn.execute(
            "EXPLAIN " + nearest_sql(384), (query, "e5", query, 5)
        ).fetchall()
    assert f"Index Scan using {vector_index_name(384)}" in " ".join(row[0] for row in plan)


def test_deleting_an_idea_deletes_its_vector_and_search_text(pg_store: PgStore) -> None:
    rng = np.random.default_rng(1)
    with pg_store.transaction():
        person = pg_store.upsert_person("console", "anna", "Anna", NOW)
        idea = pg_store.add_idea(NewIdea("Digitale Bauakte", person.id), NOW)
        pg_store.set_embedding(idea.id, unit(rng).tobytes(), "e5")
        pg_store.delete_idea(idea.id)
    conn: psycopg.Connection = pg_store.pg.conn  # type: ignore[type-arg]
    assert conn.execute("SELECT COUNT(*) FROM idea_vectors").fetchone() == (0,)
    assert pg_store.search_ideas("bauakte") == []


def test_a_dropped_connection_is_replaced_by_the_next_unit_of_work(
    postgres_url: str, pg_store: PgStore
) -> None:
    """A database restart must not leave the bot failing every event until it is restarted."""
    pid = pg_store.pg.conn.info.backend_pid
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(psycopg.OperationalError), pg_store.transaction():
        pg_store.claim_event("matrix", "$lost", None, NOW)  # the event in flight fails
    with pg_store.transaction():
        assert pg_store.claim_event("matrix", "$lost", None, NOW)  # its retry succeeds
    pg_store.ping()
