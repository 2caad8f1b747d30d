"""The embedded PostgreSQL: started on demand, shared by concurrent commands, stopped by the last one.

Each test runs real processes against one data folder of its own (initialised once for the module).
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import psycopg
import pytest
from django.conf import settings

EXIT_TIMEOUT = 30

HOLDER_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from archive.embedded_db import embedded_database_url

    shared_buffers_mb = int(sys.argv[2]) if len(sys.argv) > 2 else None
    print(embedded_database_url(Path(sys.argv[1]), shared_buffers_mb=shared_buffers_mb), flush=True)
    sys.stdin.readline()  # hold the server until told to exit
    """
)


class Holder:
    """A process that starts or joins the embedded server and holds it until ``release()``."""

    def __init__(self, pgdata: Path, *, shared_buffers_mb: int | None = None):
        size = [] if shared_buffers_mb is None else [str(shared_buffers_mb)]
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER_SCRIPT, str(pgdata), *size],
            cwd=settings.BASE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.url = self.process.stdout.readline().strip()
        assert self.url.startswith("postgresql://"), "the holder could not start the server"

    def release(self) -> None:
        self.process.stdin.close()
        assert self.process.wait(EXIT_TIMEOUT) == 0


def postmaster_pid(pgdata: Path) -> int | None:
    pid_file = pgdata / "postmaster.pid"
    return int(pid_file.read_text().split()[0]) if pid_file.exists() else None


def server_is_running(pgdata: Path) -> bool:
    pid = postmaster_pid(pgdata)
    return pid is not None and psutil.pid_exists(pid)


def answers(url: str) -> bool:
    with psycopg.connect(url) as connection:
        return connection.execute("SELECT 1").fetchone() == (1,)


def shared_buffers_mb(url: str) -> int:
    with psycopg.connect(url) as connection:
        query = "SELECT setting::bigint FROM pg_settings WHERE name = 'shared_buffers'"
        (pages,) = connection.execute(query).fetchone()
    return pages * 8192 // 2**20


@pytest.fixture(scope="module")
def pgdata(tmp_path_factory):
    folder = tmp_path_factory.mktemp("embedded") / "pgdata"
    yield folder
    if server_is_running(folder):  # never leave a server behind, even when a test failed
        psutil.Process(postmaster_pid(folder)).terminate()


def test_two_commands_share_one_server_and_the_last_stops_it(pgdata):
    first = Holder(pgdata)
    second = Holder(pgdata)
    assert first.url == second.url
    server_pid = postmaster_pid(pgdata)

    first.release()
    assert server_is_running(pgdata)
    assert postmaster_pid(pgdata) == server_pid
    assert answers(second.url)

    second.release()
    assert not server_is_running(pgdata)


def test_the_database_has_the_search_extensions_available(pgdata):
    holder = Holder(pgdata)
    try:
        with psycopg.connect(holder.url) as connection:
            available = {
                name
                for (name,) in connection.execute(
                    "SELECT name FROM pg_available_extensions WHERE name IN ('pg_trgm', 'unaccent')"
                )
            }
        assert available == {"pg_trgm", "unaccent"}
    finally:
        holder.release()


def test_a_killed_holder_does_not_keep_the_server_alive_forever(pgdata):
    crashed = Holder(pgdata)
    crashed.process.kill()
    crashed.process.wait(EXIT_TIMEOUT)
    assert server_is_running(pgdata)  # nobody stopped it...

    survivor = Holder(pgdata)  # ...so the next command joins it
    assert answers(survivor.url)
    survivor.release()
    assert not server_is_running(pgdata)  # and, as the last live holder, stops it


def test_sigterm_stops_the_server_cleanly(pgdata):
    holder = Holder(pgdata)
    holder.process.terminate()
    holder.process.wait(EXIT_TIMEOUT)
    assert not server_is_running(pgdata)


def test_the_server_is_given_a_quarter_of_the_memory_from_its_very_first_start(tmp_path):
    pgdata = tmp_path / "pgdata"  # not initialised yet: initdb, then the start, both in the holder
    holder = Holder(pgdata)
    try:
        quarter = psutil.virtual_memory().total // 4 // 2**20
        assert shared_buffers_mb(holder.url) == max(quarter, 128)
        assert (pgdata / "archive.conf").read_text().count("shared_buffers") == 1
    finally:
        holder.release()


def test_a_chosen_size_applies_from_the_next_start_and_a_running_server_keeps_its_own(pgdata):
    first = Holder(pgdata, shared_buffers_mb=200)
    joining = Holder(pgdata, shared_buffers_mb=300)  # joins the running server: no restart
    try:
        assert shared_buffers_mb(first.url) == 200
        assert shared_buffers_mb(joining.url) == 200
    finally:
        first.release()
        joining.release()
    assert not server_is_running(pgdata)

    restarted = Holder(pgdata, shared_buffers_mb=300)
    try:
        assert shared_buffers_mb(restarted.url) == 300
        included = (pgdata / "postgresql.conf").read_text().splitlines()
        assert included.count("include_if_exists = 'archive.conf'") == 1  # written once, whatever the starts
    finally:
        restarted.release()
