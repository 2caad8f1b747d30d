"""Load: the archive under gunicorn, driven by wrk on loopback with a mix of searches and article pages.

    make load
    .venv/bin/python bench/load.py [--database bench_10000] [--connections 50] [--seconds 30] [--workers 4] …

It serves a database with ``gunicorn archive.wsgi`` on a free loopback port, configured as
deployed (sync workers, the settings' persistent connections, production settings), asks every
address of the mix once (each must answer 200), warms up, then runs ``wrk`` with ``--connections``
connections for ``--seconds`` seconds over the mix, alternating a search and an article page. The
searches are drawn from the database's own words: one or two words, a phrase, a prefix, an
exclusion, a misspelling, each with a sort, a filter (source, tag, person, year) or a later page.

Meanwhile it counts the database's client connections (``pg_stat_activity``) every
``SAMPLE_SECONDS``. It prints requests/s, latency percentiles, errors (answers other than 2xx/3xx,
and wrk's socket errors: connect, read, write, timeout) and the most connections seen, against
the server's ``max_connections``; it exits 1 if there was any error.

The database: by default the archive's own (``DATABASE_URL``'s, or the embedded server's
``archive``), which ``make load`` migrates and fills with the seed archive first; ``--database``
names another on the same server, e.g. a benchmark corpus (``bench/search.py`` builds
``bench_<size>``). Searches write the search log, as they do in production. The page cache starts
empty (a folder of its own, under ``bench/corpus``) and fills during the warm-up, as a running
site's does; ``--uncached`` turns it off.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from psycopg.conninfo import make_conninfo

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.search import SCRATCH_DIR, bench_environment, server_url  # noqa: E402  (needs BASE_DIR on the path)
from bench.throughput import Gunicorn, wrk_parse, wrk_script  # noqa: E402

WRK = os.environ.get("WRK_PATH") or "wrk"
SAMPLE_SECONDS = 0.2
REQUEST_TIMEOUT_SECONDS = 60
SEED = 1
ARTICLE_ADDRESSES = 300
SEARCH_ADDRESSES = 300
PAGE_SIZE = 20  # the search page's (articles.views.search)
SORTS = ("relevance", "newest", "oldest")
MIN_WORD_LENGTH = 4
# Client connections, excluding this script's own: to this database, and to the whole server.
CONNECTIONS_SQL = """
SELECT count(*) FILTER (WHERE datname = current_database()), count(*)
FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
"""


def log(message: str) -> None:
    print(message, flush=True)


# --- The mix ------------------------------------------------------------------------------------


def search_addresses(rng: random.Random, count: int) -> list[str]:
    """``count`` search addresses drawn from the database's own words, names and dates."""
    from django.db import connection
    from django.urls import reverse

    from articles.models import Article, Person, Source, Tag

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word FROM articles_vocabulary WHERE ndoc > 0 AND length(word) >= %s AND word ~ '^[a-z]+$' "
            "AND to_tsvector('english_unaccent', word) <> ''::tsvector ORDER BY word",
            [MIN_WORD_LENGTH],
        )
        words = [word for (word,) in cursor.fetchall()]
    if not words:
        raise SystemExit("The database's word list is empty: load articles first (manage.py load_seed_archive).")
    published = Article.objects.published()
    sources = list(Source.objects.filter(articles__in=published).values_list("slug", flat=True).distinct())
    tags = list(Tag.objects.filter(articles__in=published).values_list("slug", flat=True).distinct())
    people = list(Person.objects.filter(articles__in=published).values_list("slug", flat=True).distinct())
    years = sorted({day.year for day in published.exclude(published_on=None).values_list("published_on", flat=True)})
    total = published.count()

    def query() -> str:
        first, second = rng.choice(words), rng.choice(words)
        return rng.choice(
            [
                first,
                first,
                f"{first} {second}",
                f'"{first} {second}"',
                f"{first[:MIN_WORD_LENGTH]}*",
                f"{first} -{second}",
                first[1:] + first[0],  # misspelt: the page offers a respelling
            ]
        )

    addresses = []
    for _ in range(count):
        params = {"q": query(), "sort": rng.choice(SORTS)}
        choice = rng.random()
        if choice < 0.15 and sources:
            params["source"] = rng.choice(sources)
        elif choice < 0.30 and tags:
            params["tag"] = rng.choice(tags)
        elif choice < 0.45 and people:
            params["person"] = rng.choice(people)
        elif choice < 0.55 and years:
            year = rng.choice(years)
            params.update(date_from=f"{year}-01-01", date_to=f"{year}-12-31")
        elif choice < 0.65 and total > PAGE_SIZE:
            # Browsing without words: a later page exists only when there is more than one.
            params = {"sort": "newest", "page": str(rng.randint(2, min(10, (total - 1) // PAGE_SIZE + 1)))}
        addresses.append(reverse("articles:search") + "?" + urlencode(params))
    return addresses


def article_addresses(rng: random.Random, count: int) -> list[str]:
    from articles.models import Article

    ids = list(Article.objects.published().order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise SystemExit("The database has no published article: load some first (manage.py load_seed_archive).")
    chosen = rng.sample(ids, min(count, len(ids)))
    articles = Article.objects.in_bulk(chosen)
    return [articles[pk].get_absolute_url() for pk in chosen]


def mix(searches: list[str], articles: list[str]) -> list[str]:
    """A search, then an article page, and so on (article pages repeat when there are fewer)."""
    return [path for n, search in enumerate(searches) for path in (search, articles[n % len(articles)])]


def addresses_check(url: str, paths: list[str], *, parallel: int) -> None:
    """Each address answers 200 (once, before any load), or the run stops: every error counts later."""

    def status(path: str) -> int:
        try:
            with urllib.request.urlopen(url + path, timeout=REQUEST_TIMEOUT_SECONDS) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    unique = list(dict.fromkeys(paths))
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        failed = [f"{code} {path}" for path, code in zip(unique, pool.map(status, unique), strict=True) if code != 200]
    if failed:
        raise SystemExit("Some addresses of the mix do not answer 200:\n" + "\n".join(failed))


# --- Database connections -----------------------------------------------------------------------


class ConnectionCounter(threading.Thread):
    """Samples the server's client connections every SAMPLE_SECONDS until stopped; keeps the most seen."""

    def __init__(self, database_url: str) -> None:
        super().__init__(daemon=True)
        # Autocommit: within a transaction PostgreSQL would show one snapshot of pg_stat_activity throughout.
        self.connection = psycopg.connect(database_url, autocommit=True)
        self.max_connections, self.reserved = (
            int(value)
            for (value,) in self.connection.execute(
                "SELECT setting FROM pg_settings WHERE name IN ('max_connections', 'superuser_reserved_connections') "
                "ORDER BY name"
            ).fetchall()
        )
        self.most = {"database": 0, "server": 0}
        self.samples = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(SAMPLE_SECONDS):
            database, server = self.connection.execute(CONNECTIONS_SQL).fetchone()
            self.most["database"] = max(self.most["database"], database)
            self.most["server"] = max(self.most["server"], server)
            self.samples += 1

    def stop(self) -> dict:
        self.stopped.set()
        self.join()
        self.connection.close()
        return {
            **self.most,
            "max_connections": self.max_connections,
            "superuser_reserved_connections": self.reserved,
            "samples": self.samples,
        }


# --- The run ------------------------------------------------------------------------------------


def wrk(url: str, script: Path, options: argparse.Namespace, seconds: int) -> dict:
    command = [WRK, f"-t{options.threads}", f"-c{options.connections}", f"-d{seconds}s",
               f"--timeout={options.timeout}s", "--latency", "-s", str(script), url]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    figures = wrk_parse(output)
    average, _, most = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", output).groups()
    figures["latency_average"], figures["latency_max"] = average, most
    return figures


def database_url_for(options: argparse.Namespace) -> str:
    server = server_url()  # the embedded server is started (or joined) and held while this runs
    return make_conninfo(server, dbname=options.database) if options.database else server


def run(options: argparse.Namespace) -> int:
    database_url = database_url_for(options)
    env = bench_environment(database_url)
    SCRATCH_DIR.mkdir(parents=True, exist_ok=True)
    cache = tempfile.TemporaryDirectory(prefix="load-cache-", dir=SCRATCH_DIR)
    env.update(ARCHIVE_CACHE_DIR=cache.name, ARCHIVE_CACHE_SECONDS="0" if options.uncached else "3600")
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    call_command("collectstatic", interactive=False, verbosity=0)
    rng = random.Random(f"load {options.seed}")
    searches = search_addresses(rng, options.searches)
    articles = article_addresses(rng, options.articles)
    paths = mix(searches, articles)
    connections.close_all()  # the workers are the ones to use the database now
    name = settings.DATABASES["default"]["NAME"]
    log(f"== load: database {name}, {len(set(searches))} search and {len(set(articles))} article addresses")
    script = Path(cache.name) / "mix.lua"
    script.write_text(wrk_script(paths))

    server = Gunicorn(env, options.workers)
    try:
        log(f"   gunicorn: {options.workers} sync workers, 30 s worker timeout, backlog 2048 ({server.url})")
        addresses_check(server.url, paths, parallel=options.workers)
        if options.warmup:
            wrk(server.url, script, options, options.warmup)
        counter = ConnectionCounter(database_url)
        counter.start()
        try:
            result = wrk(server.url, script, options, options.seconds)
        finally:
            seen = counter.stop()
    finally:
        server.stop()
        cache.cleanup()

    latency = result["latency_ms"]
    sockets = result["socket_errors"]
    log(
        f"   wrk: {options.connections} connections, {options.threads} threads, {options.seconds} s, "
        f"timeout {options.timeout} s; cache {'off' if options.uncached else 'on'}"
    )
    log(f"   requests:    {result['requests']} ({result['requests_per_s']:.1f}/s)")
    log(
        f"   latency:     p50 {latency['p50']:.0f} ms, p90 {latency['p90']:.0f} ms, p99 {latency['p99']:.0f} ms, "
        f"max {result['latency_max']}"
    )
    log(
        f"   errors:      {result['errors']} (non-2xx/3xx {result['non_2xx_3xx']}; sockets: connect "
        f"{sockets['connect']}, read {sockets['read']}, write {sockets['write']}, timeout {sockets['timeout']})"
    )
    usable = seen["max_connections"] - seen["superuser_reserved_connections"]
    log(
        f"   PostgreSQL:  at most {seen['database']} connections to {name}, {seen['server']} to the server, "
        f"of max_connections {seen['max_connections']} ({usable} for ordinary roles); {seen['samples']} samples"
    )
    exhausted = seen["server"] >= usable
    if result["errors"] or exhausted:
        log("!! errors under load" + ("; connections exhausted" if exhausted else ""))
        return 1
    log("   no errors")
    return 0


def options_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database",
        help="A database on the same server (default: the archive's own, DATABASE_URL's or the embedded one's).",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1),
        help="gunicorn sync workers (default: 2 per core, %(default)s; `make load` passes make run's WORKERS).",
    )
    parser.add_argument("--connections", type=int, default=50, help="wrk connections (default: %(default)s).")
    parser.add_argument("--seconds", type=int, default=30, help="Duration of the measured run (default: %(default)s).")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default: %(default)s).")
    parser.add_argument(
        "--timeout",
        type=int,
        default=10,
        help="Seconds after which wrk counts a request as a timeout error (default: %(default)s).",
    )
    parser.add_argument("--warmup", type=int, default=5, help="Unmeasured seconds first (default: %(default)s).")
    parser.add_argument("--searches", type=int, default=SEARCH_ADDRESSES, help="Search addresses (%(default)s).")
    parser.add_argument("--articles", type=int, default=ARTICLE_ADDRESSES, help="Article addresses (%(default)s).")
    parser.add_argument("--seed", type=int, default=SEED, help="Seed of the mix (default: %(default)s).")
    parser.add_argument("--uncached", action="store_true", help="Turn the page cache off (ARCHIVE_CACHE_SECONDS=0).")
    return parser


if __name__ == "__main__":
    sys.exit(run(options_parser().parse_args()))
