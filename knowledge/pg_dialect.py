"""The queries of knowledge/ on PostgreSQL: the SQLite dialect, translated, on psycopg 3.

The query modules (ideas, people, links, questions, ...) are written once, in SQLite's
dialect, against the small part of ``sqlite_utils.Database`` they use: ``execute`` (a cursor
with ``rowcount``, ``lastrowid``, ``fetchone``), ``query`` (dict rows), ``table(name).update``
and ``atomic``. ``PgDatabase`` offers the same on a psycopg connection, so every query module
- including ones added later - runs on both backends without a second copy of its SQL.

What is translated (outside string literals): ``?`` and ``:name`` parameters, ``INSERT OR
IGNORE`` (-> ``ON CONFLICT DO NOTHING``), ``IS [NOT] ?`` (-> ``IS [NOT] DISTINCT FROM``),
``GROUP_CONCAT`` (-> ``string_agg``), and ``lastrowid`` (``RETURNING id`` on tables that have
an ``id``). Statements with no PostgreSQL meaning (FTS5 ``MATCH``, ``PRAGMA``, ``VACUUM``) are
overridden by method in ``knowledge.pg.PgStore`` - the dialect hook - not translated here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import sql
from psycopg.adapt import Loader
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row

_LITERAL = re.compile(r"('(?:[^']|'')*')")
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_INSERT = re.compile(r"^\s*INSERT\s+(?:OR\s+IGNORE\s+)?INTO\s+(\w+)", re.IGNORECASE)
_OR_IGNORE = re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_IS_NOT_PARAM = re.compile(r"\bIS\s+NOT\s+\?", re.IGNORECASE)
_IS_PARAM = re.compile(r"\bIS\s+\?", re.IGNORECASE)
_GROUP_CONCAT = re.compile(r"\bGROUP_CONCAT\s*\(", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)


@lru_cache(maxsize=1024)
def translate(statement: str, *, named: bool = False) -> str:
    """One SQLite statement in PostgreSQL's dialect (with psycopg's ``%s`` parameters)."""
    parts = _LITERAL.split(statement.strip().rstrip(";"))
    out = []
    for index, part in enumerate(parts):
        part = part.replace("%", "%%")
        if index % 2 == 0:  # outside string literals
            part = _OR_IGNORE.sub("INSERT INTO", part)
            part = _IS_NOT_PARAM.sub("IS DISTINCT FROM ?", part)
            part = _IS_PARAM.sub("IS NOT DISTINCT FROM ?", part)
            part = _GROUP_CONCAT.sub("string_agg(", part)
            part = _NAMED.sub(r"%(\1)s", part) if named else part.replace("?", "%s")
        out.append(part)
    translated = "".join(out)
    if _OR_IGNORE.search(statement):
        translated = _before_returning(translated, " ON CONFLICT DO NOTHING")
    return translated


def _before_returning(statement: str, clause: str) -> str:
    match = _RETURNING.search(statement)
    if match is None:
        return statement + clause
    return statement[: match.start()].rstrip() + clause + " " + statement[match.start() :]


class _NumericLoader(Loader):
    """SUM/AVG of integers are NUMERIC in PostgreSQL; give ints and floats back, like SQLite."""

    def load(self, data: Any) -> int | float:
        value = Decimal(bytes(data).decode())
        return int(value) if value == value.to_integral_value() else float(value)


def _noop(conn: psycopg.Connection[Any]) -> None:
    pass


class Result:
    """What a sqlite3 cursor offers the query modules: rows, ``rowcount`` and ``lastrowid``."""

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int, lastrowid: int | None):
        self._rows = rows
        self.rowcount = rowcount
        self.lastrowid = lastrowid

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
        self._id_tables: frozenset[str] | None = None
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
        table = _INSERT.match(statement)
        wants_id = (
            table is not None
            and table.group(1).lower() in self.id_tables()
            and not _RETURNING.search(statement)
        )
        if wants_id:
            query += " RETURNING id"
        with self.conn.cursor() as cursor:
            cursor.execute(query, values)
            rows = cursor.fetchall() if cursor.description is not None else []
            if wants_id:
                lastrowid = int(rows[-1][0]) if rows else None
                return Result([], cursor.rowcount, lastrowid)
            return Result(list(rows), cursor.rowcount, None)

    def query(
        self, statement: str, params: Sequence[Any] | Mapping[str, Any] = ()
    ) -> Iterator[dict[str, Any]]:
        query, values = self._prepare(statement, params)
        with self.conn.cursor(row_factory=dict_row) as cursor:
            cursor.execute(query, values)
            rows = cursor.fetchall()
        yield from rows

    def id_tables(self) -> frozenset[str]:
        """Tables with an ``id`` column: inserts into them report ``lastrowid``."""
        if self._id_tables is None:
            rows = self.conn.execute(
                "SELECT table_name FROM information_schema.columns"
                " WHERE column_name = 'id' AND table_schema = current_schema()"
            ).fetchall()
            self._id_tables = frozenset(row[0] for row in rows)
        return self._id_tables

    def forget_schema(self) -> None:
        """After a migration: tables may have changed."""
        self._id_tables = None

    def _prepare(
        self, statement: str, params: Sequence[Any] | Mapping[str, Any]
    ) -> tuple[str, Any]:
        if isinstance(params, Mapping):
            return translate(statement, named=True), {k: _param(v) for k, v in params.items()}
        return translate(statement), [_param(v) for v in params]


def _param(value: Any) -> Any:
    """SQLite stores booleans as 0/1 in INTEGER columns, and so do the PostgreSQL tables."""
    return int(value) if isinstance(value, bool) else value
