"""An import killed (SIGKILL) in the middle of a batch leaves whole articles only; running it again completes the set.

``manage.py import_articles`` runs as a real process against the test database (committed data:
the test is transactional, and pytest-django empties the tables after it). The test lets a few
batches commit, then holds a lock that the next batch's insert into ``articles_article`` waits for,
so the kill lands inside an open batch transaction, after it has already written (the batch's new
sources, people and tags), never between two batches by chance. The process is given
``DATABASE_URL``, so it does not join the embedded server's holder list (``archive.embedded_db``)
and leaves no stale pid behind there.

What a complete import creates is worked out from the input itself: each article's text and digest,
its source, authors, people and tags, its fingerprints, and the near-copies planted in the input.
"""

import json
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from psycopg.conninfo import make_conninfo

from articles.models import Article, ArticleFingerprint, ArticleVersion, NearDuplicate, Person, Source, Tag
from articles.near_duplicates import fingerprints, words
from articles.services import vocabulary_refresh
from articles.text import body_sha256, normalise_body
from tests.search_statistics import assert_search_statistics_as_rebuilt

pytestmark = pytest.mark.django_db(transaction=True)

ARTICLES = 600
BATCH_SIZE = 50
BATCHES_BEFORE_KILL = 2
COPY_EVERY = 10  # every tenth article retells one from an earlier batch...
COPY_DISTANCE = 2 * BATCH_SIZE + 1  # ...that is no retelling itself (its number does not end in 9)
NEW_TAG_EVERY = 25  # every 25th article brings a tag no other article has
WAIT_SECONDS = 120  # bounds on waiting, not measures
POLL_SECONDS = 0.02
IMPORT_APPLICATION = "test_import_killed"
# The import's session while it waits for a lock the test holds; with HAS_WRITTEN, only once its
# transaction has written (it holds a transaction id).
WAITING = """
SELECT activity.pid FROM pg_stat_activity AS activity
WHERE %s = ANY(pg_blocking_pids(activity.pid)) AND activity.application_name = %s
"""
HAS_WRITTEN = "AND EXISTS (SELECT FROM pg_locks WHERE pid = activity.pid AND locktype = 'transactionid')"
SOURCES = [f"The {place} Courier" for place in ("Harbour", "Valley", "Island", "Northern", "Coastal")]
PEOPLE = [f"{first} {last}" for first in ("Ana", "Boris", "Chen", "Dana") for last in ("Ivanova", "Okafor", "Lund")]
TAGS = ["Elections", "Fisheries", "Ferries", "Weather", "Courts", "Schools"]


# --- The input --------------------------------------------------------------------------------------


def made_up_words(rng: random.Random, count: int) -> list[str]:
    """Words no two unrelated articles share five in a row of (so only the planted copies pair up)."""
    syllables = ["ka", "lo", "mi", "re", "su", "ta", "vo", "ne", "pi", "du", "ga", "ho", "zu", "be", "fy"]
    return ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(count)]


def records(count: int) -> list[dict]:
    rng = random.Random(20240305)
    lines = []
    for n in range(count):
        if n % COPY_EVERY == COPY_EVERY - 1 and n >= COPY_DISTANCE:
            # A retelling: the same report with its last paragraph rewritten.
            paragraphs = lines[n - COPY_DISTANCE]["body"].split("\n\n")
            body = "\n\n".join([*paragraphs[:-1], " ".join(made_up_words(rng, 30)) + "."])
        else:
            body = "\n\n".join(" ".join(made_up_words(rng, 30)) + "." for _ in range(3))
        tags = rng.sample(TAGS, 2) + ([f"Dispatch {n}"] if n % NEW_TAG_EVERY == 0 else [])
        lines.append(
            {
                "title": f"Report {n} from the wire",
                "summary": f"Summary of report {n}.",
                "body": body,
                "source": SOURCES[n % len(SOURCES)],
                "authors": rng.sample(PEOPLE, 1),
                "people": rng.sample(PEOPLE, 2),
                "tags": tags,
                "published": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}",
                "url": f"https://wire.example.org/reports/{n}",
            }
        )
    return lines


def planted_pairs(lines: list[dict], urls: set[str]) -> set[frozenset[str]]:
    """The retellings among the articles at ``urls``, as pairs of URLs."""
    return {
        frozenset({line["url"], lines[n - COPY_DISTANCE]["url"]})
        for n, line in enumerate(lines)
        if n % COPY_EVERY == COPY_EVERY - 1 and n >= COPY_DISTANCE
        and {line["url"], lines[n - COPY_DISTANCE]["url"]} <= urls
    }  # fmt: skip


# --- The import's process ---------------------------------------------------------------------------


def database_url(**more: str) -> str:
    """The test database, as the command's DATABASE_URL (the settings read it back the same way)."""
    params = connection.settings_dict
    given = {
        **more,
        "dbname": params["NAME"],
        "user": params["USER"],
        "password": params["PASSWORD"],
        "host": params["HOST"],
        "port": params["PORT"],
    }
    return make_conninfo(**{key: str(value) for key, value in given.items() if value})


def import_command(path: Path, output: Path) -> subprocess.Popen:
    environment = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": database_url(application_name=IMPORT_APPLICATION),
        "DJANGO_SECRET_KEY": "test-import-killed",
        "DJANGO_DEBUG": "0",
    }
    with output.open("w") as file:
        return subprocess.Popen(
            [sys.executable, "manage.py", "import_articles", "--batch-size", str(BATCH_SIZE), str(path)],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=file,
            stderr=subprocess.STDOUT,
        )


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(POLL_SECONDS)


# --- What is stored ---------------------------------------------------------------------------------


def stored() -> dict[str, dict]:
    """Every article, by URL, as the input describes it (names), with its fingerprints counted."""
    articles = Article.objects.select_related("source").prefetch_related("authors", "people", "tags")
    prints: dict[int, int] = {}
    for article_id in ArticleFingerprint.objects.values_list("article_id", flat=True):
        prints[article_id] = prints.get(article_id, 0) + 1
    return {
        article.url: {
            "title": article.title,
            "summary": article.summary,
            "body": article.body,
            "body_sha256": article.body_sha256,
            "source": article.source.name,
            "authors": sorted(person.name for person in article.authors.all()),
            "people": sorted(person.name for person in article.people.all()),
            "tags": sorted(tag.name for tag in article.tags.all()),
            "published": article.published_on.isoformat(),
            "fingerprints": prints.get(article.pk, 0),
        }
        for article in articles
    }


def complete(line: dict) -> dict:
    """What a complete import stores for ``line``."""
    body = normalise_body(line["body"])
    return {
        "title": line["title"],
        "summary": line["summary"],
        "body": body,
        "body_sha256": body_sha256(body),
        "source": line["source"],
        "authors": sorted(line["authors"]),
        "people": sorted(line["people"]),
        "tags": sorted(line["tags"]),
        "published": line["published"],
        "fingerprints": len(fingerprints(words(body))),
    }


def pairs_stored() -> set[frozenset[str]]:
    return {
        frozenset({first, second}) for first, second in NearDuplicate.objects.values_list("article__url", "other__url")
    }


def assert_whole(lines: list[dict]) -> set[str]:
    """Every stored article is whole, nothing is stored for articles that are not; their URLs."""
    by_url = {line["url"]: line for line in lines}
    articles = stored()
    for url, article in articles.items():
        assert article == complete(by_url[url]), url
    urls = set(articles)
    assert pairs_stored() == planted_pairs(lines, urls)
    # Sources, people and tags exist only for stored articles: those a lost batch created went with it.
    assert not Source.objects.filter(articles__isnull=True).exists()
    assert not Tag.objects.filter(articles__isnull=True).exists()
    assert not Person.objects.filter(articles__isnull=True, authored_articles__isnull=True).exists()
    assert not ArticleVersion.objects.exists()  # an import writes first versions only
    return urls


def search_statistics() -> tuple[int, bool]:
    """How many articles the search's statistics count, and whether its word list has a word of this input."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT articles FROM articles_search_stats")
        (counted,) = cursor.fetchone()
        cursor.execute("SELECT EXISTS (SELECT FROM articles_vocabulary WHERE word = 'wire')")
        (listed,) = cursor.fetchone()
    return counted, listed


def run_to_the_end(path: Path, log: Path) -> str:
    """The import run again, to its end; its summary line."""
    process = import_command(path, log)
    assert process.wait(timeout=WAIT_SECONDS) == 0, log.read_text()
    return log.read_text().strip().splitlines()[-1]


def kill_while_waiting(process: subprocess.Popen, lock: str, *, written: bool) -> None:
    """Take a lock (``lock``, in a transaction), SIGKILL ``process`` once its session waits for it (and,
    if ``written``, has written in its transaction), then let go and wait until the server ends the session.

    The sessions are watched from a connection of their own in autocommit: within a transaction,
    PostgreSQL shows the same snapshot of ``pg_stat_activity`` throughout.
    """
    with (
        psycopg.connect(database_url(), autocommit=True) as holder,
        psycopg.connect(database_url(), autocommit=True) as watcher,
    ):
        holder.execute(f"BEGIN; {lock}")
        query = WAITING + (HAS_WRITTEN if written else "")

        def waiting():
            return watcher.execute(query, [holder.info.backend_pid, IMPORT_APPLICATION]).fetchone()

        wait_until(lambda: process.poll() is not None or waiting(), "the import to wait for the lock")
        assert process.poll() is None, "the import ended before it could be killed: give it more articles"
        (session,) = waiting()
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=WAIT_SECONDS) == -signal.SIGKILL
        holder.execute("ROLLBACK")
        # The server ends the session once it finds its client gone, rolling its transaction back.
        gone = "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = %s)"
        wait_until(lambda: watcher.execute(gone, [session]).fetchone()[0], "the killed session to end")


@pytest.fixture
def articles_file(tmp_path) -> Iterator[tuple[Path, list[dict]]]:
    """The input, to an empty archive: the search's statistics too (tables no model owns, which
    outlive the flush after each transactional test) count nothing."""
    assert not Article.objects.exists()
    vocabulary_refresh()
    lines = records(ARTICLES)
    path = tmp_path / "wire.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    yield path, lines


@pytest.fixture
def started():
    """Start the import (``started(path, log)``); it is killed at the end if still running."""
    processes = []

    def start(path: Path, log: Path) -> subprocess.Popen:
        processes.append(import_command(path, log))
        return processes[-1]

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    "lock",
    [
        # Reads go on; the next batch's insert of articles waits, after the batch created its new tags.
        pytest.param("LOCK TABLE articles_article IN SHARE MODE", id="inserting its articles"),
        # Searches go on reading the word list; the next batch, its articles written, waits to count them in it.
        pytest.param("LOCK TABLE articles_vocabulary IN SHARE MODE", id="counting them in the search statistics"),
    ],
)
def test_an_import_killed_mid_batch_leaves_whole_articles_and_a_rerun_completes_the_set(
    articles_file, started, tmp_path, lock
):
    path, lines = articles_file

    killed = started(path, tmp_path / "killed.log")
    wait_until(
        lambda: killed.poll() is not None or Article.objects.count() >= BATCHES_BEFORE_KILL * BATCH_SIZE,
        "the first batches to commit",
    )
    kill_while_waiting(killed, lock, written=True)

    survived = assert_whole(lines)
    assert len(survived) % BATCH_SIZE == 0  # whole batches, nothing of the one killed
    assert BATCHES_BEFORE_KILL * BATCH_SIZE <= len(survived) < ARTICLES
    assert search_statistics() == (len(survived), True)  # the batches that are in, counted
    assert_search_statistics_as_rebuilt()

    summary = run_to_the_end(path, tmp_path / "rerun.log")
    assert summary.startswith(
        f"Imported {ARTICLES - len(survived)} articles, {len(survived)} duplicates skipped, 0 failed"
    ), summary
    assert assert_whole(lines) == {line["url"] for line in lines}
    assert Article.objects.count() == ARTICLES
    assert search_statistics() == (ARTICLES, True)
    assert_search_statistics_as_rebuilt()


def test_an_import_killed_while_rebuilding_stale_search_statistics_has_them_rebuilt_by_a_rerun(
    articles_file, started, tmp_path
):
    path, _ = articles_file
    # As if an editor had retracted an article since the last rebuild: the import ends with one.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE articles_search_stats SET articles = articles + 1")
    killed = started(path, tmp_path / "killed.log")
    # A lock that lets the batches add to the word list but not the rebuild take it over, once every batch is in.
    kill_while_waiting(killed, "LOCK TABLE articles_vocabulary IN ROW EXCLUSIVE MODE", written=False)
    assert Article.objects.count() == ARTICLES
    counted, listed = search_statistics()
    assert (counted, listed) == (ARTICLES + 1, True)  # every batch added, the rebuild never ran

    summary = run_to_the_end(path, tmp_path / "rerun.log")
    assert summary.startswith(f"Imported 0 articles, {ARTICLES} duplicates skipped, 0 failed"), summary
    assert search_statistics() == (ARTICLES, True)
    assert_search_statistics_as_rebuilt()
