"""The store's database on PostgreSQL: what it uses of ``sqlite_utils.Database``, on psycopg 3.

The query modules (ideas, people, links, questions, ...) are written once, in the SQL both
backends understand, against the small part of ``sqlite_utils.Database`` they use: ``execute``
(a cursor with ``rowcount`` and ``fetchone``), ``query`` (dict rows), ``table(name).update`` and
``atomic``. ``PgDatabase`` offers the same on a psycopg connection; the one thing it changes in
a statement is the parameter style, which it asks of the dialect (``knowledge.dialect``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql
from psycopg.adapt import Loader
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row

from knowledge.dialect import POSTGRES


class _NumericLoader(Loader):
    """SUM/AVG of integers are NUMERIC in PostgreSQL; give ints and floats back, like SQLite."""

    def load(self, data: Any) -> int | float:
        value = Decimal(bytes(data).decode())
        return int(value) if value == value.to_integral_value() else float(value)


def _noop(conn: psycopg.Connection[Any]) -> None:
    pass


class Result:
    """What a sqlite3 cursor offers the query modules: rows and ``rowcount``. New ids are not
    guessed after an insert: the queries ask for them with ``RETURNING id``."""

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int):
        self._rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows, []
        return rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.fetchall())


class _Table:
    def __init__(self, db: PgDatabase, name: str):
        self.db, self.name = db, name

    def update(self, pk: Any, updates: Mapping[str, Any]) -> None:
        assignments = sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(key), sql.Placeholder()) for key in updates
        )
        query = sql.SQL("UPDATE {} SET {} WHERE id = {}").format(
            sql.Identifier(self.name), assignments, sql.Placeholder()
        )
        self.db.conn.execute(query, [*map(_param, updates.values()), pk])


class PgDatabase:
    """The part of ``sqlite_utils.Database`` the query modules use, on PostgreSQL.

    Autocommit outside ``atomic()``, like sqlite-utils; ``atomic()`` blocks nest as savepoints.
    """

    def __init__(self, url: str, *, on_connect: Callable[[psycopg.Connection[Any]], None] = _noop):
        self._url = url
        self._on_connect = on_connect
        self._closed = False
        self.conn = self._connect()

    def _connect(self) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self._url, autocommit=True)
        conn.adapters.register_loader("numeric", _NumericLoader)
        self._on_connect(conn)
        return conn

    def close(self) -> None:
        self._closed = True
        self.conn.close()

    def reconnect_if_broken(self) -> None:
        """A restarted or failed-over server breaks the connection: the next unit of work
        opens a new one instead of failing every event from then on."""
        if self._closed:
            return
        lost = self.conn.closed or self.conn.broken
        if lost or self.conn.info.transaction_status == TransactionStatus.UNKNOWN:
            self.conn = self._connect()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        self.reconnect_if_broken()
        with self.conn.transaction():
            yield

    def table(self, name: str) -> _Table:
        return _Table(self, name)

    def execute(self, statement: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Result:
        query, values = self._prepare(statement, params)
        with self.conn.cursor() as cursor:
            cursor.execute(query, values)
            rows = cursor.fetchall() if cursor.description is not None else []
            return Result(list(rows), cursor.rowcount)

    def query(
        self, statement: str, params: Sequence[Any] | Mapping[str, Any] = ()
    ) -> Iterator[dict[str, Any]]:
        query, values = self._prepare(statement, params)
        with self.conn.cursor(row_factory=dict_row) as cursor:
            cursor.execute(query, values)
            rows = cursor.fetchall()
        yield from rows

    def _prepare(
        self, statement: str, params: Sequence[Any] | Mapping[str, Any]
    ) -> tuple[str, Any]:
        if isinstance(params, Mapping):
            named = POSTGRES.query(statement, named=True)
            return named, {k: _param(v) for k, v in params.items()}
        return POSTGRES.query(statement), [_param(v) for v in params]


def _param(value: Any) -> Any:
    """SQLite stores booleans as 0/1 in INTEGER columns, and so do the PostgreSQL tables."""
    return int(value) if isinstance(value, bool) else value
