"""Benchmark: the search page and the rest of the archive at archive scale (the performance issue).

    make bench [BENCH_SIZES=10000,100000]
    .venv/bin/python bench/search.py --sizes 10000,100000 [--repeat 50] [--skip http,import] …

For each corpus size, in a database of its own on the embedded server (``bench_<size>``, built
once with ``generate_corpus --flush`` and reused while the corpus is the same; the dev database
is never touched), it measures and writes ``bench/results/<size>.json``, then rewrites
``bench/results/README.md`` from every result file (``bench/report.py``):

- the search page's server time (the whole Django request: routing, middleware, search, count,
  facets, timeline, headlines, template, search log) for a query mix drawn from the corpus (rare
  word, common word, two words, phrase, exclusion, prefix, filtered, alias), relevance and newest
  order, p50/p95/p99; the same queries the textbook way (``SearchRank`` over every match), in the
  same rounds, and the ratio; where one page's SQL time goes, and the EXPLAIN ANALYZE of its main
  queries;
- the server time of the article, person and home pages, the search page without words and the sources' list;
- ranking quality on known-item queries beside BM25 (``bench/ranking.py``);
- the page's results against the exact computation, every match ranked (``bench/exactness.py``);
- database and index sizes;
- HTTP throughput with gunicorn under wrk, and the import command's rate and memory
  (``bench/throughput.py``).

Each size runs in a process of its own (Django set up on that size's database); this process only
holds the embedded server for them and writes the README. Everything is seeded.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import html
import itertools
import json
import os
import platform
import random
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import psutil
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench import report  # noqa: E402  (needs BASE_DIR on the path)

RESULTS_DIR = BASE_DIR / "bench" / "results"
SCRATCH_DIR = BASE_DIR / "bench" / "corpus"  # ignored by git: static files, the import's JSONL, indexes
DATABASE_PREFIX = "bench_"
IMPORT_DATABASE = "bench_import"
# Bump when the way the bench builds its corpus changes, to rebuild every cached database.
CORPUS_FORMAT = 1
CORPUS_MARKER_TABLE = "bench_corpus"
# The digest of what the corpus's champion lists were listed with (``champions_digest``).
CHAMPIONS_MARKER_TABLE = "bench_ranking_champions"
GENERATOR_FILES = ("articles/corpus.py", "articles/management/commands/generate_corpus.py")
# The archive's code, watched for changes during a run (see code_state).
CODE_FOLDERS = ("archive", "articles", "templates")

DEFAULT_SIZES = "10000,100000"
ORDERS = ("relevance", "newest")
# Series of requests made with the cache emptied first (search) or served from it (other pages).
UNCACHED, CACHED, CHANGED = " uncached", " cached", " after a change"
ORDERS_UNCACHED = tuple(f"{order}{UNCACHED}" for order in ORDERS)
ORDERS_CHANGED = tuple(f"{order}{CHANGED}" for order in ORDERS)
# The newest article written again as it is: every trigger fires as for an editor's save of it, and
# nothing changes. Its segment is the one a day's imports and most edits touch.
ARTICLE_REWRITE_SQL = "UPDATE articles_article SET status = status WHERE id = (SELECT max(id) FROM articles_article)"
KINDS = ("rare word", "common word", "two words", "phrase", "exclusion", "prefix", "filtered", "alias")
RARE_MATCHES = (5, 50)
COMMON_SHARE = (0.30, 0.60)
TWO_WORDS_SHARE = (0.02, 0.20)
EXCLUSION_SHARES = ((0.10, 0.40), (0.05, 0.20))
PREFIX_SHARE = (0.01, 0.20)
PREFIX_LENGTH = 5
MIN_PREFIX_WORD = 7
MIN_RARE_WORD = 5
MIN_PHRASE_WORD = 3
ALIAS_MIN_ARTICLES = 5
FILTER_YEARS = tuple(range(2010, 2025))
CANDIDATE_ATTEMPTS = 200
PAGE_SAMPLE_WARMUP = 20
HOME_WARMUP = 2
MIN_PAGE_REQUESTS = 10
HTTP_ARTICLE_ADDRESSES = 500


def log(message: str) -> None:
    print(message, flush=True)


# --- The query mix (pure: the database comes in through its arguments) ---------------------------


@dataclass(frozen=True)
class BenchQuery:
    """One search of the mix: its kind, how a report shows it, and its parameters (sort excepted)."""

    kind: str
    label: str
    params: tuple[tuple[str, str], ...]

    def path(self, order: str, prefix: str = "/search/") -> str:
        return prefix + "?" + urlencode([*self.params, ("sort", order)])

    @property
    def text(self) -> str:
        return dict(self.params)["q"]


def _words_between(vocabulary: Sequence[tuple[str, int]], low: float, high: float, min_length: int = 1) -> list[str]:
    """The words of ``vocabulary`` in ``low`` to ``high`` articles, at least ``min_length`` letters long."""
    return [word for word, ndoc in vocabulary if low <= ndoc <= high and len(word) >= min_length]


def phrase_candidates(text: str, stop_words: set[str]) -> list[str]:
    """Pairs of neighbouring words of ``text`` (same clause, letters only, neither a stop word) as phrases."""
    pairs = []
    for clause in re.split(r"[.,;:?!“”\"()\n]+", text):
        words = clause.split()
        for first, second in itertools.pairwise(words):
            if all(
                word.isalpha() and word.lower() not in stop_words and len(word) >= MIN_PHRASE_WORD
                for word in (first, second)
            ):
                pairs.append(f"{first.lower()} {second.lower()}")
    return pairs


def query_mix(
    *,
    vocabulary: Sequence[tuple[str, int]],
    stop_words: set[str],
    total: int,
    texts: Sequence[str],
    aliases: Sequence[str],
    sources: Sequence[str],
    matches: Callable[[dict[str, str]], int],
    instances: int,
    seed: int,
) -> list[BenchQuery]:
    """``instances`` queries of each kind in KINDS, drawn from the corpus and checked by ``matches``.

    ``vocabulary`` is (word, articles using it) for words that are not stop words, in a fixed
    order; ``matches`` counts the search page's results for a set of parameters, so a word's
    share is checked with its stemming, spellings and aliases, as the page finds it. Raises
    ValueError when a kind cannot be filled (a corpus too small for it).
    """
    rng = random.Random(f"query mix {seed}")
    queries: list[BenchQuery] = []

    def draw(kind: str, candidates: Sequence, make: Callable[[object], tuple[str, dict] | None], accept) -> None:
        pool = list(candidates)
        rng.shuffle(pool)
        found: list[BenchQuery] = []
        for candidate in pool[:CANDIDATE_ATTEMPTS]:
            made = make(candidate)
            if made is None:
                continue
            label, params = made
            if any(query.label == label for query in found):
                continue
            if accept(matches(params)):
                found.append(BenchQuery(kind, label, tuple(params.items())))
            if len(found) == instances:
                queries.extend(found)
                return
        raise ValueError(f"only {len(found)} of {instances} {kind} queries found in this corpus")

    def share(low: float, high: float) -> Callable[[int], bool]:
        return lambda count: low * total <= count <= high * total

    def found_any(count: int) -> bool:
        return count > 0

    def word(candidate: str):
        return candidate, {"q": candidate}

    rare = _words_between(vocabulary, *RARE_MATCHES, min_length=MIN_RARE_WORD)
    draw("rare word", rare, word, lambda count: RARE_MATCHES[0] <= count <= RARE_MATCHES[1])
    common = _words_between(vocabulary, *(share * total for share in COMMON_SHARE))
    draw("common word", common, word, share(*COMMON_SHARE))
    middling = _words_between(vocabulary, *(share * total for share in TWO_WORDS_SHARE))

    def two_words(candidate):
        first, second = candidate, rng.choice(middling)
        return (f"{first} {second}", {"q": f"{first} {second}"}) if first != second else None

    draw("two words", middling, two_words, found_any)
    phrases = [phrase for text in texts for phrase in phrase_candidates(text, stop_words)]
    draw("phrase", phrases, lambda phrase: (f'"{phrase}"', {"q": f'"{phrase}"'}), found_any)
    wanted = _words_between(vocabulary, *(share * total for share in EXCLUSION_SHARES[0]))
    unwanted = _words_between(vocabulary, *(share * total for share in EXCLUSION_SHARES[1]))

    def exclusion(candidate):
        excluded = rng.choice(unwanted)
        return (f"{candidate} -{excluded}", {"q": f"{candidate} -{excluded}"}) if excluded != candidate else None

    draw("exclusion", wanted, exclusion, found_any)
    stems = sorted(
        {
            word[:PREFIX_LENGTH]
            for word in _words_between(vocabulary, *(s * total for s in PREFIX_SHARE), MIN_PREFIX_WORD)
        }
    )
    draw("prefix", stems, lambda stem: (f"{stem}*", {"q": f"{stem}*"}), found_any)

    def filtered(candidate):
        if rng.random() < 0.5:
            source = rng.choice(sources)
            return f"{candidate} (source: {source})", {"q": candidate, "source": source}
        year = rng.choice(FILTER_YEARS)
        return f"{candidate} ({year})", {"q": candidate, "date_from": f"{year}-01-01", "date_to": f"{year}-12-31"}

    draw("filtered", common, filtered, found_any)
    draw("alias", aliases, word, found_any)
    return queries


# --- SQL captured from one request -----------------------------------------------------------------

# (part, pattern) in the order they are tried, each matched at the start of a statement (leading
# spaces dropped) unless it starts with ".*": the first that matches names the statement.
SQL_PARTS = (
    ("setup", r"SET\b"),
    ("transaction", r"(BEGIN|COMMIT|ROLLBACK)\b"),
    ("published state", r"SELECT (database|segment), number, changed_by\b.*FROM articles_(publicversion|countsegment)"),
    ("search log", r'INSERT INTO "articles_searchlog"'),
    ("headlines", r".*\bts_headline\("),
    ("suggestions", r".*\bsimilarity\("),
    ("prefixes", r".*\barticles_vocabulary\b"),
    ("ranking statistics", r".*\barticles_(lexeme|search)_stats\b"),
    ("partial matches", r"WITH full_matches AS"),
    # The counts' statement (or, for the whole archive, the counts the database keeps), then the
    # labels of the facets' values shown.
    (
        "counts: total, facets, timeline",
        r"WITH results \(|\(\s*SELECT '(source|person|tag)', value\.|\(SELECT 'month', NULL::bigint",
    ),
    ("count", r"SELECT COUNT\(\*\)"),
    ("timeline", r"SELECT DATE_TRUNC\('month'"),
    ("facet: year", r"SELECT EXTRACT\(YEAR"),
    ("facet: source", r'SELECT "articles_source"\."slug" AS "source__slug"'),
    ("facet: tag", r'SELECT "articles_tag"\."slug" AS "tag__slug"'),
    ("facet: person", r"SELECT person\.\*, counts\.n"),
    ("people and tags", r"SELECT 'authors' AS relation"),
    ("people named", r'\(?SELECT \d+ AS "position"|SELECT "articles_person"\."id".*alias_names'),
    ("ranking window", r"SELECT scored\.article_id"),
    ("page", r'SELECT "articles_article"\."id".* LIMIT \d+$'),
    ("page, read by id", r'SELECT "articles_article"\."id", .*"articles_article"\."id" IN \([\d, ]+\)'),
    ("filter values", r'SELECT "articles_(source|person|tag)"\."id".* WHERE "articles_\w+"\."slug" IN \('),
)
_SQL_PARTS = tuple((name, re.compile(pattern, re.S)) for name, pattern in SQL_PARTS)


def sql_part(statement: str) -> str:
    """Which part of a search page ``statement`` is (see SQL_PARTS), or "other"."""
    text = statement.strip()
    for name, pattern in _SQL_PARTS:
        if pattern.match(text):
            return name
    return "other"


# --- Databases ----------------------------------------------------------------------------------


def server_url() -> str:
    """The server the bench uses: DATABASE_URL's, or the embedded one (started or joined)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from archive.embedded_db import embedded_database_url

    return embedded_database_url(BASE_DIR / ".pgdata")


def database_ensure(server: str, name: str) -> str:
    """Create database ``name`` if missing; its URL."""
    with psycopg.connect(make_conninfo(server, dbname="postgres"), autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_conninfo(server, dbname=name)


def database_copy(server: str, source: str, name: str) -> str:
    """Database ``name`` afresh as a copy of ``source``, which nobody may be connected to; its URL."""
    from django.db import connections

    connections.close_all()  # this process's own session on the corpus, if it has one
    database_drop(server, name)
    with psycopg.connect(make_conninfo(server, dbname="postgres"), autocommit=True) as connection:
        # Copying the files is much faster than the default (writing every page to the WAL) for gigabytes.
        connection.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(name), sql.Identifier(source)
            )
        )
    return make_conninfo(server, dbname=name)


def database_drop(server: str, name: str) -> None:
    with psycopg.connect(make_conninfo(server, dbname="postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def bench_environment(database_url: str) -> dict[str, str]:
    """The environment the archive runs in for the bench: production settings on the bench database."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_DEBUG="0",
        DJANGO_HTTPS="0",
        DJANGO_BEHIND_PROXY="0",
        DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1",
        DJANGO_STATIC_ROOT=str(SCRATCH_DIR / "static"),
        DJANGO_LOG_LEVEL="WARNING",
    )
    env.setdefault("DJANGO_SECRET_KEY", os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50))
    return env


def cache_ensure_empty(folder: Path) -> Path:
    """``folder``, created or emptied: a cache folder for one size of the bench."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def generator_digest() -> str:
    """What the corpus depends on: the generator's code, wordfreq's version, the bench's own format."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"{CORPUS_FORMAT}:{version('wordfreq')}".encode())
    for name in GENERATOR_FILES:
        digest.update((BASE_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


def champions_digest() -> str:
    """What the champion lists depend on besides the corpus: the statement that lists them and its limits."""
    from articles import services

    listing = (
        services.ranking_champions_sql(),
        services.RANKING_CHAMPION_MIN_ARTICLES,
        services.RANKING_CHAMPION_MIN_OCCURRENCES,
        services.RANKING_CHAMPIONS_PER_LEXEME,
    )
    return hashlib.sha256(repr(listing).encode()).hexdigest()[:16]


def corpus_ensure(size: int, seed: int, database: str) -> dict:
    """Migrate the bench database and load the corpus, unless the one it holds is this one already."""
    from django.core.management import call_command
    from django.db import connection, connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", verbosity=0)
    digest = generator_digest()
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {CORPUS_MARKER_TABLE} "
            "(articles integer, seed integer, digest text, built_at timestamptz, build_seconds double precision)"
        )
        cursor.execute(f"SELECT articles, seed, digest, built_at, build_seconds FROM {CORPUS_MARKER_TABLE}")
        marker = cursor.fetchone()
    reused = marker is not None and tuple(marker[:3]) == (size, seed, digest)
    if reused:
        built_at, build_seconds = marker[3], marker[4]
        if pending:
            # A new migration may have rebuilt the vocabulary empty or changed what the planner knows.
            from articles.services import vocabulary_refresh

            log(f"   {len(pending)} migration(s) applied to the cached corpus: refreshing the vocabulary")
            vocabulary_refresh()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
    else:
        log(f"   generating {size:,} articles (seed {seed}) into {database}")
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {CORPUS_MARKER_TABLE}")
        connections.close_all()
        started = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "generate_corpus",
                "--articles",
                str(size),
                "--seed",
                str(seed),
                "--flush",
            ],
            cwd=BASE_DIR,
            env=dict(os.environ),
            check=True,
        )
        build_seconds = time.monotonic() - started
        built_at = datetime.datetime.now(datetime.UTC)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {CORPUS_MARKER_TABLE} VALUES (%s, %s, %s, %s, %s)",
                [size, seed, digest, built_at, build_seconds],
            )
    from articles.models import Article, RankingChampion, SearchLog
    from articles.services import ranking_champions_refresh, recent_ranking_index_refresh

    # As an archive's maintenance would (``manage.py refresh_recent_ranking_index``): built once, then
    # kept while the newest months it holds are the same.
    recent_since = recent_ranking_index_refresh()
    if recent_since is None:
        log("   no recent ranking index: too few dated articles")
    else:
        log(f"   the recent ranking index holds the articles dated from {recent_since} on")
    # Likewise ``manage.py refresh_ranking_champions``: listed again once the corpus, the migrations
    # or what lists them (its statement and limits, ``champions_digest``) changed, otherwise kept
    # (3 minutes at 1,000,000 articles, reading every ranking vector).
    champions_seconds = None
    listed_with = champions_digest()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {CHAMPIONS_MARKER_TABLE} (digest text)")
        cursor.execute(f"SELECT digest FROM {CHAMPIONS_MARKER_TABLE}")
        marker = cursor.fetchone()
    if not reused or pending or marker != (listed_with,):
        started = time.monotonic()
        refreshed = ranking_champions_refresh()
        champions_seconds = round(time.monotonic() - started, 1)
        log(f"   {refreshed.champions:,} champions listed for {refreshed.lexemes:,} lexemes in {champions_seconds} s")
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {CHAMPIONS_MARKER_TABLE}")
            cursor.execute(f"INSERT INTO {CHAMPIONS_MARKER_TABLE} VALUES (%s)", [listed_with])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(DISTINCT lexeme), count(*) FROM {RankingChampion._meta.db_table}")
        champion_lexemes, champions = cursor.fetchone()
    with connection.cursor() as cursor:
        # Earlier runs' logged searches: each run starts from the same table.
        cursor.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(SearchLog._meta.db_table)))
    return {
        "database": database,
        "articles": Article.objects.count(),
        "published": Article.objects.published().count(),
        "seed": seed,
        "digest": digest,
        "reused": reused,
        "built_at": built_at.isoformat(timespec="seconds"),
        "build_seconds": round(build_seconds, 1),
        "migrations_applied": len(pending),
        "recent_ranking_index_since": None if recent_since is None else recent_since.isoformat(),
        "ranking_champions": {"lexemes": champion_lexemes, "rows": champions, "refresh_seconds": champions_seconds},
    }


# --- Measuring in-process -----------------------------------------------------------------------


def client_make():
    from django.test import Client

    return Client(SERVER_NAME="localhost")


def timed_get(client, path: str) -> float:
    """Milliseconds for one request through Django (routing, middleware, view, template); must answer 200."""
    started = time.perf_counter()
    response = client.get(path)
    content = response.content
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}: {content[:300]!r}")
    return elapsed


def textbook_queryset(query: BenchQuery):
    """The textbook search: websearch syntax, SearchRank over every match, best first; the mix's filters."""
    from django.contrib.postgres.search import SearchQuery, SearchRank
    from django.db.models import F

    from articles.models import Article
    from articles.search import SEARCH_CONFIG

    params = dict(query.params)
    search_query = SearchQuery(params["q"], search_type="websearch", config=SEARCH_CONFIG)
    queryset = (
        Article.objects.published()
        .filter(search_vector=search_query)
        .annotate(rank=SearchRank(F("search_vector"), search_query))
        .order_by("-rank")
    )
    if "source" in params:
        queryset = queryset.filter(source__slug=params["source"])
    if "date_from" in params:
        queryset = queryset.filter(published_on__range=(params["date_from"], params["date_to"]))
    return queryset


def timed_textbook(query: BenchQuery) -> float:
    """Milliseconds for the textbook query's first 20 results and its count."""
    queryset = textbook_queryset(query)
    started = time.perf_counter()
    list(queryset[:20])
    queryset.count()
    return (time.perf_counter() - started) * 1000


def page_matches(params: dict[str, str]) -> int:
    """The number of results the search page shows for ``params`` (the FilterSet's count, as the page runs it)."""
    from django.db import connection, transaction
    from django.http import QueryDict

    from articles.filters import ArticleFilterSet
    from articles.models import Article

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        filterset = ArticleFilterSet(QueryDict(urlencode(params)), queryset=Article.objects.published())
        if not filterset.is_valid():
            raise ValueError(f"invalid query {params}: {filterset.errors}")
        return filterset.qs.count()


def mix_from_database(instances: int, seed: int) -> list[BenchQuery]:
    from django.db import connection

    from articles.models import Article

    total = Article.objects.published().count()
    rng = random.Random(f"mix texts {seed}")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word, ndoc FROM articles_vocabulary WHERE ndoc > 0 AND word ~ '^[a-z]+$' "
            "AND to_tsvector('english_unaccent', word) <> ''::tsvector ORDER BY word"
        )
        vocabulary = cursor.fetchall()
        cursor.execute(
            "SELECT word FROM articles_vocabulary WHERE to_tsvector('english_unaccent', word) = ''::tsvector"
        )
        stop_words = {word for (word,) in cursor.fetchall()}
        cursor.execute(
            """
            SELECT alias.name FROM articles_personalias AS alias
            WHERE (SELECT count(*) FROM articles_article_people AS link WHERE link.person_id = alias.person_id) >= %s
            ORDER BY alias.name
            """,
            [ALIAS_MIN_ARTICLES],
        )
        aliases = [name for (name,) in cursor.fetchall()]
        cursor.execute(
            """
            SELECT source.slug FROM articles_source AS source
            ORDER BY (SELECT count(*) FROM articles_article AS article WHERE article.source_id = source.id) DESC,
                     source.slug
            LIMIT 20
            """
        )
        sources = [slug for (slug,) in cursor.fetchall()]
    ids = list(Article.objects.published().order_by("pk").values_list("pk", flat=True)[:100_000])
    texts = list(
        Article.objects.filter(pk__in=rng.sample(ids, min(len(ids), 3 * instances))).values_list("body", flat=True)
    )
    return query_mix(
        vocabulary=vocabulary,
        stop_words=stop_words,
        total=total,
        texts=sorted(texts),
        aliases=aliases,
        sources=sources,
        matches=page_matches,
        instances=instances,
        seed=seed,
    )


class SqlRecorder:
    """Every statement a request runs, as PostgreSQL got it, with its time (a database execute wrapper).

    Django's own CaptureQueriesContext rounds times to the millisecond; this keeps microseconds.
    """

    def __init__(self, connection) -> None:
        self.connection = connection
        self.statements: list[dict] = []

    def __call__(self, execute, sql_text, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            statement = self.connection.ops.last_executed_query(context["cursor"], sql_text, params) or sql_text
            self.statements.append({"sql": statement, "ms": elapsed, "part": sql_part(statement)})


def captured_request(client, path: str) -> tuple[float, list[dict]]:
    """One request with its SQL recorded: (milliseconds, [{"sql", "ms", "part"}])."""
    from django.db import connection

    recorder = SqlRecorder(connection)
    with connection.execute_wrapper(recorder):
        elapsed = timed_get(client, path)
    return elapsed, recorder.statements


def sql_breakdown(elapsed: float, statements: list[dict]) -> dict:
    parts: dict[str, dict] = {}
    for statement in statements:
        part = parts.setdefault(statement["part"], {"ms": 0.0, "queries": 0})
        part["ms"] += statement["ms"]
        part["queries"] += 1
    for part in parts.values():
        part["ms"] = round(part["ms"], 2)
    return {
        "request_ms": round(elapsed, 2),
        "total_ms": round(sum(statement["ms"] for statement in statements), 2),
        "queries": len(statements),
        "parts": dict(sorted(parts.items(), key=lambda item: -item[1]["ms"])),
    }


def explain(statements: list[dict], part: str) -> dict | None:
    """EXPLAIN (ANALYZE, BUFFERS) of the first statement of ``part``, with the request's SET commands replayed."""
    from django.db import connection, transaction

    target = next((statement for statement in statements if statement["part"] == part), None)
    if target is None:
        return None
    settings = [statement["sql"] for statement in statements if statement["part"] == "setup"]
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in settings:
            cursor.execute(setting)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + target["sql"])
        plan = [line for (line,) in cursor.fetchall()]
    execution = next((float(m[1]) for line in plan if (m := re.search(r"Execution Time: ([\d.]+) ms", line))), 0.0)
    return {
        "summary": report.plan_summary(plan),
        "execution_ms": execution,
        "settings": settings,
        "sql": target["sql"],
        "plan": plan,
    }


def uncached_get(client, path: str) -> float:
    """``timed_get`` with the cache emptied first: the page as the first reader after a change gets it."""
    from django.core.cache import cache

    cache.clear()
    return timed_get(client, path)


def changed_get(client, path: str) -> float:
    """``timed_get`` after one article changed (``ARTICLE_REWRITE_SQL``): the first reader after an edit.

    The change makes every cached value stale but for the search counts of the segments it did not
    touch (``articles.caching.by_segment``)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(ARTICLE_REWRITE_SQL)
    return timed_get(client, path)


def cached_get(client, path: str) -> float:
    """``timed_get`` of a page served from the cache: requested once untimed, to fill it."""
    timed_get(client, path)
    return timed_get(client, path)


def search_rounds(
    client, mix: list[BenchQuery], *, repeat: int, warmup: int, textbook_repeat: int, uncached_repeat: int
) -> dict[BenchQuery, dict[str, list[float]]]:
    """Server times of every query of the mix in both orders, in interleaved rounds, then the textbook way's.

    The search page caches its counts until the archive changes (``articles.caching``), so after the
    warm-up round the timed rounds find them cached; ``uncached_repeat`` more rounds change one
    article before each request (``ORDERS_CHANGED``), as the first reader of a search after an
    edit, then as many empty the cache before each request (``ORDERS_UNCACHED``), as the first
    reader of a search ever.

    The textbook query runs in rounds of its own after those (``textbook_repeat``, after the same
    warm-up), not between the page's requests: it reads every match's vector, half a million for a
    common word at 1,000,000 articles, which pushes the ranking vectors the page reads out of
    memory. Between them, the page's rounds measured that, which no reader's search causes.
    """
    samples = {
        query: {order: [] for order in (*ORDERS, *ORDERS_CHANGED, *ORDERS_UNCACHED, "textbook")} for query in mix
    }
    rounds = warmup + repeat + 2 * uncached_repeat
    started = time.monotonic()
    for round_number in range(rounds):
        counted = round_number >= warmup
        changed = round_number >= warmup + repeat
        uncached = round_number >= warmup + repeat + uncached_repeat
        for query in mix:
            for order in ORDERS:
                if uncached:
                    samples[query][f"{order}{UNCACHED}"].append(uncached_get(client, query.path(order)))
                    continue
                if changed:
                    samples[query][f"{order}{CHANGED}"].append(changed_get(client, query.path(order)))
                    continue
                elapsed = timed_get(client, query.path(order))
                if counted:
                    samples[query][order].append(elapsed)
        if round_number == warmup or (round_number + 1) % 10 == 0 or round_number + 1 == rounds:
            log(f"   round {round_number + 1} of {rounds} ({time.monotonic() - started:.0f} s)")
    for round_number in range(warmup + textbook_repeat):
        for query in mix:
            elapsed = timed_textbook(query)
            if round_number >= warmup:
                samples[query]["textbook"].append(elapsed)
    log(f"   {textbook_repeat} textbook round(s) ({time.monotonic() - started:.0f} s)")
    return samples


def search_measure(client, mix: list[BenchQuery], **rounds) -> dict:
    """``search_rounds`` summed up: each query's figures, each kind's and the whole mix's."""
    started = time.monotonic()
    samples = search_rounds(client, mix, **rounds)
    queries = []
    for query in mix:
        api = client.get(query.path("relevance", prefix="/api/search/"))
        entry = {
            "kind": query.kind,
            "label": query.label,
            "params": dict(query.params),
            "matches": api.json()["count"],
            "textbook_matches": textbook_queryset(query).count(),
        }
        for order, series in samples[query].items():
            entry[order] = report.summary(series)
        entry["textbook_ratio_p95"] = round(entry["textbook"]["p95"] / entry["relevance"]["p95"], 2)
        entry["samples_ms"] = {order: [round(value, 2) for value in series] for order, series in samples[query].items()}
        queries.append(entry)

    def pooled(entries: list[dict], order: str) -> list[float]:
        return [value for entry in entries for value in entry["samples_ms"][order]]

    def figures(entries: list[dict]) -> dict:
        orders = (*ORDERS, *ORDERS_CHANGED, *ORDERS_UNCACHED, "textbook")
        result = {order: report.summary(pooled(entries, order)) for order in orders}
        result["textbook_ratio_p95"] = round(result["textbook"]["p95"] / result["relevance"]["p95"], 2)
        return result

    return {
        "queries": queries,
        "by_kind": {kind: figures([entry for entry in queries if entry["kind"] == kind]) for kind in KINDS},
        "overall": figures(queries),
        "seconds": round(time.monotonic() - started, 1),
    }


def kept_ahead_measure(client, mix: list[BenchQuery], *, rounds: int) -> dict:
    """``manage.py keep_search_counts`` over the mix's searches, as cron runs it, and the pages after it.

    The search rounds logged the mix's searches (the search page logs what readers ask), so the
    command's most made searches are the mix's. First with nothing kept (after a deploy: every
    search counted anew), then ``rounds`` times after a change to one article (an editor's save:
    only what changed is counted), each followed by the mix's pages in both orders, whose readers
    come after the command and find their counts kept and current.
    """
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection

    def kept() -> float:
        started = time.perf_counter()
        call_command("keep_search_counts", "--searches", str(len(mix)), verbosity=0)
        return round(time.perf_counter() - started, 2)

    cache.clear()
    nothing_kept = kept()
    after_change: list[float] = []
    pages: dict[str, list[float]] = {order: [] for order in ORDERS}
    for _ in range(rounds):
        with connection.cursor() as cursor:
            cursor.execute(ARTICLE_REWRITE_SQL)
        after_change.append(kept())
        for query in mix:
            for order in ORDERS:
                pages[order].append(timed_get(client, query.path(order)))
    return {
        "searches": len(mix),
        "nothing_kept_s": nothing_kept,
        "after_a_change_s": after_change,
        "pages": {order: report.summary(series) for order, series in pages.items()},
    }


def search_explain(client, mix: list[BenchQuery], queries: list[dict]) -> None:
    """Add each query's SQL breakdown (one captured request per order) and its main plans to ``queries``.

    The cache is emptied before each request, so the breakdown shows every statement a search
    can cost, the counts' included.
    """
    from django.core.cache import cache

    for query, entry in zip(mix, queries, strict=True):
        plans = {}
        for order in ORDERS:
            cache.clear()
            elapsed, statements = captured_request(client, query.path(order))
            entry[f"{order}_sql"] = sql_breakdown(elapsed, statements)
            if order == "relevance":
                plans["count"] = explain(statements, "count")
            plans[f"{order}_page"] = explain(statements, "page")
        entry["explain"] = plans


def pages_measure(client, *, requests: int, home_requests: int, seconds: float, seed: int) -> dict:
    """Server times of article pages (a sample), person pages (people of sampled articles) and their
    "search all coverage" links, the home page, the search page without words (browsing the whole
    archive) and the sources' list.

    Each kind is warmed up first on other addresses of its own (a page of one address on itself),
    then timed for ``requests`` addresses (a page of one address ``home_requests`` times) or until ``seconds``
    have gone by, whichever comes first, but at least MIN_PAGE_REQUESTS times.
    """
    from articles.models import Article, Person

    rng = random.Random(f"pages {seed}")
    ids = list(Article.objects.published().order_by("pk").values_list("pk", flat=True))
    sample = rng.sample(ids, min(len(ids), requests + PAGE_SAMPLE_WARMUP))
    articles = {article.pk: article for article in Article.objects.filter(pk__in=sample)}
    article_paths = [articles[pk].get_absolute_url() for pk in sample]
    # A person's page as readers reach it: from an article, so well-covered people come up more often.
    mentioned = dict(
        Article.people.through.objects.filter(article_id__in=sample)
        .order_by("article_id", "-person_id")
        .values_list("article_id", "person_id")
    )
    people = Person.objects.in_bulk(set(mentioned.values()))
    persons = [people[mentioned[pk]] for pk in sample if pk in mentioned]
    person_paths = [person.get_absolute_url() for person in persons]
    # The person page's "Search all coverage of …": their articles browsed on the search page.
    coverage_paths = [f"/search/?{urlencode({'person': person.slug})}" for person in persons]
    kinds = {
        "article": (article_paths[:PAGE_SAMPLE_WARMUP], article_paths[PAGE_SAMPLE_WARMUP:]),
        "person": (person_paths[:PAGE_SAMPLE_WARMUP], person_paths[PAGE_SAMPLE_WARMUP:]),
        "person's coverage searched": (coverage_paths[:PAGE_SAMPLE_WARMUP], coverage_paths[PAGE_SAMPLE_WARMUP:]),
        "home": (["/"] * HOME_WARMUP, ["/"] * home_requests),
        "search without words": (["/search/"] * HOME_WARMUP, ["/search/"] * home_requests),
        "sources": (["/sources/?sort=count"] * HOME_WARMUP, ["/sources/?sort=count"] * home_requests),
    }
    results = {}
    for name, (warmup, paths) in kinds.items():
        for path in warmup:
            timed_get(client, path)
        # Built: the cache emptied before each request (``articles.caching``), as the first
        # reader after a change gets the page. Then the same addresses from the cache: those the
        # budget let be built (the others' first request would be built, not read from the cache).
        for cached, timed in ((False, uncached_get), (True, cached_get)):
            started, timings = time.monotonic(), []
            for path in paths:
                if len(timings) >= MIN_PAGE_REQUESTS and time.monotonic() - started > seconds:
                    break
                timings.append(timed(client, path))
            paths = paths[: len(timings)]
            key = f"{name}{CACHED}" if cached else name
            results[key] = report.summary(timings)
            log(f"   {key} page: p50 {results[key]['p50']} ms, p95 {results[key]['p95']} ms ({len(timings)} requests)")
    return results


# The facets whose first link a reader follows from a search (``facet_links_measure``), and that link
# on the page: the facet, then the link's address.
FACETS_FOLLOWED = ("source", "person", "tag")
FACET_LINK = re.compile(rf'aria-labelledby="facet-({"|".join(FACETS_FOLLOWED)})">.*?<a href="([^"]+)"', re.DOTALL)


def facet_links_measure(client, mix: list[BenchQuery]) -> dict:
    """Server times of facet links followed from their search: each search of the mix that has no facet
    value chosen yet, in relevance order, requested with the cache emptied first (untimed), then the
    first link of its source, person and tag facets, each timed as its first reader: a reader who
    searched, then narrows the results."""
    from django.core.cache import cache

    timings = []
    for query in mix:
        if set(dict(query.params)) & set(FACETS_FOLLOWED):
            continue  # a value chosen already: that facet's links widen the results instead
        cache.clear()
        response = client.get(query.path(ORDERS[0]))
        for _, link in FACET_LINK.findall(response.content.decode()):
            timings.append(timed_get(client, html.unescape(link)))
    figures = report.summary(timings)
    log(f"   facet link after its search: p50 {figures['p50']} ms, p95 {figures['p95']} ms ({len(timings)} links)")
    return {"facet link after its search": figures}


def database_figures() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
        cursor.execute(
            """
            SELECT c.relname, greatest(c.reltuples, 0)::bigint, pg_relation_size(c.oid),
                   coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0), pg_indexes_size(c.oid),
                   pg_total_relation_size(c.oid)
            FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm')
            ORDER BY pg_total_relation_size(c.oid) DESC
            """
        )
        tables = [
            dict(zip(("name", "rows", "heap_bytes", "toast_bytes", "indexes_bytes", "total_bytes"), row, strict=True))
            for row in cursor.fetchall()
        ]
        cursor.execute(
            """
            SELECT indexrelname, relname, pg_relation_size(indexrelid) FROM pg_stat_user_indexes
            ORDER BY pg_relation_size(indexrelid) DESC, indexrelname
            """
        )
        indexes = [dict(zip(("name", "table", "bytes"), row, strict=True)) for row in cursor.fetchall()]
    return {"size_bytes": size, "tables": [table for table in tables if table["total_bytes"] > 0], "indexes": indexes}


def machine_description() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]
        settings = {}
        for name in (
            "shared_buffers",
            "work_mem",
            "effective_cache_size",
            "random_page_cost",
            "jit",
            "max_parallel_workers_per_gather",
        ):
            cursor.execute(sql.SQL("SHOW {}").format(sql.Identifier(name)))
            settings[name] = cursor.fetchone()[0]
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )

    import django

    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "postgresql": " ".join(version.split()[:2]),
        "postgresql_settings": settings,
        "python": platform.python_version(),
        "django": django.get_version(),
        "git_commit": git("rev-parse", "--short", "HEAD"),
        # The results of the sizes measured before this one are not changes to the code measured.
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results")),
    }


def git(*args: str) -> str:
    """A read-only git command's output, or "" (no git, not a checkout)."""
    try:
        return subprocess.run(["git", *args], cwd=BASE_DIR, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def code_state() -> dict:
    """The commit and a digest of the archive's code as it is on disk now (committed or not).

    Taken at the start and the end of a size's run: code edited meanwhile (a checkout, a commit
    landing) would give figures that mix two versions, and gunicorn's workers would load the new one.
    """
    digest = hashlib.sha256()
    for folder in CODE_FOLDERS:
        for path in sorted((BASE_DIR / folder).rglob("*")):
            if path.suffix in (".py", ".html") and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(BASE_DIR)).encode() + b"\0" + path.read_bytes())
    return {"commit": git("rev-parse", "--short", "HEAD"), "digest": digest.hexdigest()[:16]}


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


# --- One size -----------------------------------------------------------------------------------


@contextlib.contextmanager
def phase(result: dict, name: str, description: str):
    """Log the start of a part of the run; record (and log) how long it took in ``result["phase_seconds"]``."""
    log(f"-- {description}")
    started = time.monotonic()
    yield
    seconds = time.monotonic() - started
    result.setdefault("phase_seconds", {})[name] = round(seconds, 1)
    log(f"   ({seconds:.0f} s)")


def run_size(options: argparse.Namespace) -> dict:
    """Everything measured at one corpus size, in this process (Django set up on that size's database)."""
    size, seed = options.articles, options.seed
    started = time.monotonic()
    result: dict = {
        "size": size,
        "started_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "load": {"before": load_average()},
        "code": {"start": code_state()},
    }
    server = server_url()
    database = f"{DATABASE_PREFIX}{size}"
    env = bench_environment(database_ensure(server, database))
    # A cache of its own, empty: the project's (``make run``'s, an earlier run's) would serve its
    # entries and, holding more than ``ARCHIVE_CACHE_ENTRIES``, have the file cache remove a third of
    # all entries now and then, this run's among them (a common word's counts, counted again: 2.5 s).
    env["ARCHIVE_CACHE_DIR"] = str(cache_ensure_empty(SCRATCH_DIR / f"cache-{size}"))
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    from django.core.management import call_command
    from django.db import connections

    # Django started as the server starts it, so the requests timed in this process meet the same
    # garbage collector (archive/wsgi.py freezes what start-up made).
    import archive.wsgi  # noqa: F401
    from articles.models import Article

    log(f"== {size:,} articles: database {database}")
    with phase(result, "corpus", "corpus (built once, then reused)"):
        result["corpus"] = corpus_ensure(size, seed, database)
        call_command("collectstatic", interactive=False, verbosity=0)
    result["machine"] = machine_description()
    result["settings"] = {
        **{name: value for name, value in vars(options).items() if name not in ("sizes", "articles", "results")},
        "skip": sorted(options.skip),
    }
    client = client_make()
    with phase(result, "mix", "query mix"):
        mix = mix_from_database(options.instances, seed)
        for query in mix:
            log(f"   {query.kind}: {query.label}")
    with phase(result, "search", f"search page, {options.repeat} rounds (textbook {options.textbook_repeat})"):
        result["search"] = search_measure(
            client,
            mix,
            repeat=options.repeat,
            warmup=options.warmup,
            textbook_repeat=options.textbook_repeat,
            uncached_repeat=options.uncached_repeat,
        )
        overall = result["search"]["overall"]
        log(
            f"   p95 relevance {overall['relevance']['p95']} ms, newest {overall['newest']['p95']} ms, "
            f"textbook {overall['textbook']['p95']} ms ({overall['textbook_ratio_p95']}{report.TIMES})"
        )
    with phase(result, "explain", "SQL breakdown and plans"):
        search_explain(client, mix, result["search"]["queries"])
    with phase(result, "kept", "counts kept ahead: keep_search_counts over the mix, then its pages"):
        result["search"]["kept_ahead"] = kept_ahead = kept_ahead_measure(
            client, mix, rounds=max(options.uncached_repeat, 1)
        )
        log(
            f"   {kept_ahead['nothing_kept_s']} s with nothing kept, {max(kept_ahead['after_a_change_s'])} s at most "
            f"after a change; pages after it p95 relevance {kept_ahead['pages']['relevance']['p95']} ms, "
            f"newest {kept_ahead['pages']['newest']['p95']} ms"
        )
    if "pages" not in options.skip:
        with phase(result, "pages", f"other pages ({options.page_requests} requests, home {options.home_requests})"):
            result["pages"] = pages_measure(
                client,
                requests=options.page_requests,
                home_requests=options.home_requests,
                seconds=options.page_seconds,
                seed=seed,
            )
            result["pages"].update(facet_links_measure(client, mix))
    if "ranking" not in options.skip:
        from bench.ranking import ranking_measure

        with phase(result, "ranking", f"ranking: {options.known_items} known items"):
            result["ranking"] = ranking_measure(
                client, count=options.known_items, seed=seed, index_folder=SCRATCH_DIR / f"bm25-{size}"
            )
            for kind in ("clean", "foreign"):
                page, bm25 = result["ranking"][kind]["page"], result["ranking"][kind]["bm25"]
                log(
                    f"   {kind}: MRR@10 {page['mrr10']} (BM25 {bm25['mrr10']}), "
                    f"success@1 {page['success1']} (BM25 {bm25['success1']})"
                )
    if "exactness" not in options.skip:
        from bench.exactness import exactness_measure

        with phase(result, "exactness", "results against the exact computation (every match ranked)"):
            result["exactness"] = exactness_measure(client, mix)
            summary = result["exactness"]["summary"]
            log(
                f"   top 20 identical in {summary['identical_top']} of {summary['queries']} queries "
                f"({summary['windowed']} beyond a ranking window), mean overlap@20 {summary['mean_overlap']}; "
                f"counts equal in {summary['counts_equal']}, newest identical in {summary['newest_identical']}, "
                f"facets in {summary['facets_equal']}, timelines in {summary['timelines_equal']}"
            )
    result["database"] = database_figures()
    if "http" not in options.skip:
        from bench.throughput import http_measure

        with phase(result, "http", f"HTTP: gunicorn under wrk, {options.http_seconds} s a page kind"):
            rng = random.Random(f"http {seed}")
            ids = list(Article.objects.published().order_by("pk").values_list("pk", flat=True))
            sample = rng.sample(ids, min(len(ids), HTTP_ARTICLE_ADDRESSES))
            articles = Article.objects.in_bulk(sample)
            article_paths = [articles[pk].get_absolute_url() for pk in sample]
            search_paths = [query.path(order) for query in mix for order in ORDERS]
            connections.close_all()  # the workers are the ones to use the database now
            result["http"] = http_measure(
                env,
                {"article": article_paths, "search": search_paths},
                scratch=SCRATCH_DIR,
                workers=options.http_workers,
                threads=options.http_threads,
                connections=options.http_connections,
                seconds=options.http_seconds,
                timeout=options.http_timeout,
            )
    if "import" not in options.skip:
        with phase(result, "import", f"import of {options.import_articles:,} articles"):
            result["import"] = import_run(server, env, articles=options.import_articles, seed=seed)
    result["load"]["after"] = load_average()
    result["code"]["end"] = code_state()
    # A commit alone (of other files, or of these as they were) changes nothing measured.
    result["code"]["changed"] = result["code"]["end"]["digest"] != result["code"]["start"]["digest"]
    if result["code"]["changed"]:
        log(f"!! the archive's code changed during this run: {result['code']}; its figures mix two versions")
    result["duration_s"] = round(time.monotonic() - started, 1)
    return result


def import_run(server: str, env: dict[str, str], *, articles: int, seed: int) -> dict:
    from bench.throughput import import_file_write, import_measure

    import_seed = seed + 1_000  # other articles than the corpus's
    path = SCRATCH_DIR / f"import-{articles}-seed{import_seed}-{generator_digest()}.jsonl"
    SCRATCH_DIR.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        log(f"   writing {articles:,} articles to {path.relative_to(BASE_DIR)}")
        import_file_write(path, articles=articles, seed=import_seed)
    # Into the archive of this size, as an editor's import lands: what an import costs may grow with it.
    archive = conninfo_to_dict(env["DATABASE_URL"])["dbname"]
    log(f"   copying {archive} to {IMPORT_DATABASE}")
    import_env = {**env, "DATABASE_URL": database_copy(server, archive, IMPORT_DATABASE)}
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=BASE_DIR, env=import_env, check=True
        )
        log(f"   import_articles {path.name} into {IMPORT_DATABASE}")
        figures = import_measure(import_env, path)
    finally:
        database_drop(server, IMPORT_DATABASE)
    log(f"   {figures['summary_line']}; peak RSS {figures['peak_rss_mb']} MB, flat: {figures['memory']['flat']}")
    return figures


# --- Entry point --------------------------------------------------------------------------------


def sizes_parse(text: str) -> list[int]:
    sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes are positive whole numbers, comma-separated")
    return sizes


def at_least_one(text: str) -> int:
    """A count of rounds the report takes a p95 of: with none there is nothing to report."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1: the report gives percentiles of these rounds")
    return value


def skip_parse(text: str) -> set[str]:
    parts = {part.strip() for part in text.split(",") if part.strip()}
    unknown = parts - {"pages", "ranking", "exactness", "http", "import"}
    if unknown:
        raise argparse.ArgumentTypeError(f"cannot skip {', '.join(sorted(unknown))}")
    return parts


def options_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes",
        type=sizes_parse,
        default=sizes_parse(os.environ.get("BENCH_SIZES") or DEFAULT_SIZES),
        help="Corpus sizes, comma-separated (default: BENCH_SIZES or %(default)s).",
    )
    parser.add_argument("--articles", type=int, help=argparse.SUPPRESS)  # one size, in a process of its own
    parser.add_argument("--seed", type=int, default=1, help="Corpus and sampling seed (default: %(default)s).")
    parser.add_argument(
        "--repeat", type=at_least_one, default=50, help="Timed rounds over the query mix (default: %(default)s)."
    )
    parser.add_argument("--warmup", type=int, default=1, help="Untimed rounds first (default: %(default)s).")
    parser.add_argument(
        "--textbook-repeat",
        type=at_least_one,
        default=20,
        help="Timed rounds of the textbook query, after the page's (default: %(default)s; it is slow by design, "
        "and the p95 it is compared at pools every query's samples).",
    )
    parser.add_argument(
        "--uncached-repeat",
        type=at_least_one,
        default=3,
        help="Rounds over the mix after the timed ones with one article changed before each request, then as many "
        "with the cache emptied (default: %(default)s).",
    )
    parser.add_argument("--instances", type=int, default=3, help="Queries of each kind (default: %(default)s).")
    parser.add_argument(
        "--page-requests", type=int, default=100, help="Timed requests of each other page (default: %(default)s)."
    )
    parser.add_argument(
        "--home-requests",
        type=int,
        default=30,
        help="Timed requests of each page of one address: home, search without words, sources (default: %(default)s).",
    )
    parser.add_argument(
        "--page-seconds",
        type=float,
        default=60,
        help=f"Time budget of each of those pages; at least {MIN_PAGE_REQUESTS} requests (default: %(default)s).",
    )
    parser.add_argument("--known-items", type=int, default=200, help="Known-item queries (default: %(default)s).")
    parser.add_argument(
        "--http-workers",
        type=int,
        default=2 * (os.cpu_count() or 1),
        help="gunicorn workers (default: 2 per core, %(default)s).",
    )
    parser.add_argument("--http-threads", type=int, default=2, help="wrk threads (default: %(default)s).")
    parser.add_argument("--http-connections", type=int, default=20, help="wrk connections (default: %(default)s).")
    parser.add_argument(
        "--http-seconds", type=int, default=15, help="wrk duration per page kind (default: %(default)s)."
    )
    parser.add_argument(
        "--http-timeout",
        type=int,
        default=10,
        help="Seconds after which wrk counts a request as an error (default: %(default)s).",
    )
    parser.add_argument(
        "--import-articles",
        type=int,
        default=10_000,
        help="Articles in the import's JSONL file (default: %(default)s).",
    )
    parser.add_argument(
        "--skip", type=skip_parse, default=set(), help="Leave out: pages, ranking, exactness, http, import."
    )
    parser.add_argument(
        "--results", type=Path, default=RESULTS_DIR, help="Folder for the results (default: bench/results)."
    )
    return parser


def child_arguments(options: argparse.Namespace, size: int) -> list[str]:
    """The options of this run for the process measuring ``size``."""
    arguments = ["--articles", str(size)]
    for name, value in vars(options).items():
        if name in ("sizes", "articles") or value is None or value == set():
            continue
        arguments += ["--" + name.replace("_", "-"), ",".join(sorted(value)) if isinstance(value, set) else str(value)]
    return arguments


def shown_path(path: Path) -> Path:
    """``path`` relative to the repository when it is inside it (``--results`` may be anywhere)."""
    return path.relative_to(BASE_DIR) if path.is_relative_to(BASE_DIR) else path


def main() -> None:
    options = options_parser().parse_args()
    options.results = options.results.resolve()
    options.results.mkdir(parents=True, exist_ok=True)
    if options.articles:
        result = run_size(options)
        path = options.results / f"{options.articles}.json"
        path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
        log(f"wrote {shown_path(path)}")
        return
    server_url()  # held by this process between the sizes, so the embedded server is not restarted for each
    for size in options.sizes:
        subprocess.run([sys.executable, __file__, *child_arguments(options, size)], check=True)
    log(f"wrote {shown_path(report.readme_write(options.results))}")


if __name__ == "__main__":
    main()
