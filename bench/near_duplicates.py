"""Benchmark: near-duplicate detection on import, at archive scale.

    .venv/bin/python bench/near_duplicates.py --articles 100000 [--compare] [--keep]

Generates synthetic articles (words drawn with a Zipf-like distribution from a
made-up vocabulary, 300-1,200 words each) with near-copies planted among them,
imports them as one JSONL file through ``articles_import`` (the import command's
code path) into a database of its own, ``bench_near_duplicates`` on the embedded
server (dropped and created afresh; ``--keep`` leaves it for inspection), and
reports:

- the import rate and where the time went (fingerprinting, inserting, looking
  candidates up, verifying them); with ``--compare`` also the rate of the same
  import with detection switched off, in a second fresh database;
- the fingerprint table: rows, heap and index sizes;
- recall and precision on the planted pairs, by kind of copy;
- what one article costs afterwards: recomputing it (an editor changed its text)
  and reading its "Also reported in" list.

Everything is seeded: the same --articles and --seed give the same corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

DATABASE_NAME = "bench_near_duplicates"
BASELINE_DATABASE_NAME = "bench_near_duplicates_baseline"

VOCABULARY_SIZE = 40_000
ZIPF_EXPONENT = 1.05
MIN_WORDS, MAX_WORDS = 300, 1_200
# Planted pairs per 100,000 articles, spread over these kinds of copy.
PLANTED_PER_100K = 400
EXACT_DUPLICATES_PER_100K = 50
KINDS = ("sentences changed", "paragraphs dropped and moved", "quoted passage", "light paraphrase")
REPEATS = 20

SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]


# --- The corpus ---------------------------------------------------------------------------------


class Corpus:
    """Seeded synthetic articles: Zipf-distributed words from a made-up vocabulary."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        words: set[str] = set()
        while len(words) < VOCABULARY_SIZE:
            words.add("".join(self.rng.choices(SYLLABLES, k=self.rng.choice((1, 2, 2, 3, 3, 4)))))
        self.vocabulary = sorted(words, key=len)  # short words are the common ones, as in English
        weights = [1 / rank**ZIPF_EXPONENT for rank in range(1, VOCABULARY_SIZE + 1)]
        self.cumulative = list(_accumulate(weights))

    def words(self, count: int) -> list[str]:
        return self.rng.choices(self.vocabulary, cum_weights=self.cumulative, k=count)

    def paragraphs(self, count: int) -> list[list[str]]:
        """``count`` words as paragraphs of sentences, each sentence a list of words ending in a full stop."""
        words = self.words(count)
        paragraphs, sentences, position = [], [], 0
        while position < len(words):
            length = self.rng.randint(8, 28)
            sentence = words[position : position + length]
            sentence[0] = sentence[0].capitalize()
            sentence[-1] += "."
            sentences.append(" ".join(sentence))
            position += length
            if len(sentences) >= self.rng.randint(2, 6) or position >= len(words):
                paragraphs.append(sentences)
                sentences = []
        return paragraphs

    def text(self) -> str:
        return render(self.paragraphs(self.rng.randint(MIN_WORDS, MAX_WORDS)))

    def near_copy(self, original: str, kind: str) -> str:
        """An edited copy of ``original`` of the given kind (see KINDS)."""
        paragraphs = [paragraph.split("  ") for paragraph in original.split("\n\n")]
        if kind == "sentences changed":
            sentences = [(p, s) for p, paragraph in enumerate(paragraphs) for s in range(len(paragraph))]
            for p, s in self.rng.sample(sentences, k=max(1, len(sentences) // 6)):
                paragraphs[p][s] = "  ".join(
                    sentence for paragraph in self.paragraphs(self.rng.randint(8, 28)) for sentence in paragraph
                )
            return render(paragraphs)
        if kind == "paragraphs dropped and moved":
            kept = [p for p in paragraphs if self.rng.random() > 0.25] or paragraphs[:1]
            self.rng.shuffle(kept)
            return render(kept)
        words = original.split()
        if kind == "quoted passage":
            length = self.rng.randint(30, 60)
            start = self.rng.randrange(max(1, len(words) - length))
            quote = " ".join(words[start : start + length])
            text = self.paragraphs(self.rng.randint(MIN_WORDS, MAX_WORDS))
            text.insert(self.rng.randrange(len(text) + 1), [f'The report said: "{quote}"'])
            return render(text)
        if kind == "light paraphrase":
            # Every tenth word changed: exact runs of nine words, like a careful retelling.
            for position in range(self.rng.randrange(10), len(words), 10):
                words[position] = self.words(1)[0]
            return " ".join(words)
        raise ValueError(kind)


def _accumulate(values):
    total = 0.0
    for value in values:
        total += value
        yield total


def render(paragraphs: list[list[str]]) -> str:
    # Two spaces between sentences let near_copy find them again; the import collapses them.
    return "\n\n".join("  ".join(sentences) for sentences in paragraphs)


def corpus_write(path: Path, articles: int, seed: int) -> tuple[dict[tuple[int, int], str], int]:
    """Write ``articles`` articles to ``path`` (JSONL); return the planted pairs (by index) and their kinds,
    and how many exact duplicates were planted."""
    corpus = Corpus(seed)
    rng = random.Random(seed + 1)
    planted_count = max(len(KINDS), articles * PLANTED_PER_100K // 100_000)
    exact_count = max(1, articles * EXACT_DUPLICATES_PER_100K // 100_000)
    # A copy comes after its original: mostly in a later batch, sometimes in the same one.
    # Each article is in one planted pair at most, so every pair that should be found is planted.
    copies: dict[int, tuple[int, str]] = {}
    originals: set[int] = set()
    for n in range(planted_count):
        copy = rng.randrange(1, articles)
        original = max(0, copy - rng.choice((rng.randint(1, 400), rng.randint(1, copy))))
        if {copy, original} & (copies.keys() | originals):
            continue
        copies[copy] = (original, KINDS[n % len(KINDS)])
        originals.add(original)
    in_pairs = copies.keys() | originals
    exact = {
        index
        for index in (rng.randrange(1, articles) for _ in range(exact_count))
        if index not in in_pairs and index - 1 not in in_pairs
    }
    planted: dict[tuple[int, int], str] = {}
    kept: dict[int, str] = {}
    with path.open("w", encoding="utf-8") as file:
        for index in range(articles):
            if index in copies:
                original, kind = copies[index]
                body = corpus.near_copy(kept[original], kind)
                planted[(original, index)] = kind
            elif index in exact:
                body = kept[index - 1]
            else:
                body = corpus.text()
            if index in originals or index + 1 in exact:
                kept[index] = body
            record = {"title": f"Article {index}", "body": body, "published": "2024-01-01"}
            file.write(json.dumps(record) + "\n")
    return planted, len(exact)


# --- The database -------------------------------------------------------------------------------


def database_use(name: str) -> str:
    """Start (or join) the embedded server, create database ``name`` afresh and point DATABASE_URL at it."""
    from archive.embedded_db import embedded_database_url

    if os.environ.get("DATABASE_URL"):
        server_url = os.environ["DATABASE_URL"]
    else:
        server_url = embedded_database_url(BASE_DIR / ".pgdata")
    maintenance = make_conninfo(server_url, dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    os.environ["DATABASE_URL"] = make_conninfo(server_url, dbname=name)
    return server_url


def database_drop(server_url: str, name: str) -> None:
    from django.db import connections

    connections.close_all()
    with psycopg.connect(make_conninfo(server_url, dbname="postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def database_switch(server_url: str, name: str) -> None:
    """Point Django's connection at a fresh database ``name`` (for the comparison run) and migrate it."""
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    with psycopg.connect(make_conninfo(server_url, dbname="postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connections["default"].settings_dict["NAME"] = name
    call_command("migrate", verbosity=0)


# --- Measuring ----------------------------------------------------------------------------------


class Stopwatch:
    """Time spent inside named functions, by wrapping them where the import looks them up."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner, attribute: str, label: str) -> None:
        original = getattr(owner, attribute)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started
                self.calls[label] += 1

        setattr(owner, attribute, timed)
        self._undo.append(lambda: setattr(owner, attribute, original))

    def unwrap(self) -> None:
        while self._undo:
            self._undo.pop()()


def import_run(path: Path, *, detection: bool) -> tuple[float, object, Stopwatch]:
    from articles import services
    from articles.models import ArticleFingerprintQuerySet

    watch = Stopwatch()
    if detection:
        watch.wrap(services, "_near_duplicates_find", "detection (all)")
        watch.wrap(services, "words", "  words")
        watch.wrap(services, "fingerprints", "  fingerprints (hash + winnow)")
        watch.wrap(ArticleFingerprintQuerySet, "store", "  store fingerprints, find other holders")
        watch.wrap(services, "candidate_pairs", "  candidate pairs (Python)")
        watch.wrap(services, "overlap", "  verify candidates")
    else:
        find = services._near_duplicates_find
        services._near_duplicates_find = lambda bodies: 0
        watch._undo.append(lambda: setattr(services, "_near_duplicates_find", find))
    watch.wrap(services, "vocabulary_refresh", "vocabulary refresh (end of import)")
    last = [time.monotonic()]

    def progress(result) -> None:
        if time.monotonic() - last[0] >= 30:
            last[0] = time.monotonic()
            print(f"   … {result.processed:,} read, {result.imported:,} imported, {result.rate:.0f}/s", flush=True)

    started = time.monotonic()
    try:
        result = services.articles_import(
            paths=[path], on_progress=progress, on_error=lambda failure: print(f"   {failure}")
        )
    finally:
        watch.unwrap()
    return time.monotonic() - started, result, watch


def table_figures() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE articles_articlefingerprint")
        cursor.execute(
            """
            SELECT (SELECT count(*) FROM articles_articlefingerprint),
                   pg_relation_size('articles_articlefingerprint'),
                   pg_indexes_size('articles_articlefingerprint'),
                   pg_total_relation_size('articles_articlefingerprint'),
                   pg_total_relation_size('articles_article'),
                   (SELECT count(*) FROM articles_article),
                   (SELECT avg(array_length(regexp_split_to_array(body, '\\s+'), 1)) FROM articles_article)
            """
        )
        rows, heap, indexes, total, articles_total, articles, words = cursor.fetchone()
        cursor.execute(
            """
            SELECT count(*) FILTER (WHERE holders > 1), count(*) FILTER (WHERE holders > 100), max(holders)
            FROM (SELECT count(*) AS holders FROM articles_articlefingerprint GROUP BY hash) AS counted
            """
        )
        shared, boilerplate, most = cursor.fetchone()
    return {
        "rows": rows,
        "heap": heap,
        "indexes": indexes,
        "total": total,
        "articles_total": articles_total,
        "articles": articles,
        "words": float(words or 0),
        "hashes_shared": shared,
        "hashes_boilerplate": boilerplate,
        "most_holders": most,
    }


def quality(planted: dict[tuple[int, int], str]) -> dict:
    from articles.models import Article, NearDuplicate

    index_of = {pk: int(title.removeprefix("Article ")) for pk, title in Article.objects.values_list("pk", "title")}
    found = {
        (min(index_of[a], index_of[b]), max(index_of[a], index_of[b]))
        for a, b in NearDuplicate.objects.values_list("article_id", "other_id")
    }
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for pair, kind in planted.items():
        by_kind[kind][1] += 1
        by_kind[kind][0] += pair in found
    true_positives = len(found & planted.keys())
    return {
        "found": len(found),
        "planted": len(planted),
        "recall": true_positives / len(planted) if planted else 1.0,
        "precision": true_positives / len(found) if found else 1.0,
        "by_kind": dict(by_kind),
        "unplanted": sorted(found - planted.keys())[:10],
    }


def single_article_costs(planted: dict[tuple[int, int], str]) -> dict[str, float]:
    """Median milliseconds to recompute one article (an edited text) and to read its list for the page."""
    from django.db.models import Prefetch

    from articles.models import Article, NearDuplicate
    from articles.services import near_duplicates_refresh

    rng = random.Random(7)
    titles = [f"Article {copy}" for _, copy in rng.sample(sorted(planted), k=min(REPEATS, len(planted)))]
    ids = list(Article.objects.filter(title__in=titles).values_list("pk", flat=True))
    refresh, page = [], []
    for pk in ids:
        started = time.perf_counter()
        near_duplicates_refresh([pk])
        refresh.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        article = (
            Article.objects.published()
            .prefetch_related(
                Prefetch("near_duplicates", queryset=NearDuplicate.objects.shown(), to_attr="also_reported_in")
            )
            .get(pk=pk)
        )
        assert article.also_reported_in is not None
        page.append((time.perf_counter() - started) * 1000)
    return {"refresh_ms": statistics.median(refresh), "page_lookup_ms": statistics.median(page)}


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB"


def report_watch(watch: Stopwatch, elapsed: float) -> None:
    for label, seconds in watch.seconds.items():
        print(f"   {label:<40} {seconds:8.1f} s  ({seconds / elapsed:5.1%} of the import)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--compare", action="store_true", help="Also import with detection off, for the rate.")
    parser.add_argument("--keep", action="store_true", help=f"Keep the {DATABASE_NAME} database afterwards.")
    parser.add_argument(
        "--window", type=int, help="Try another winnowing window than articles.near_duplicates.WINNOW_WINDOW."
    )
    options = parser.parse_args()

    server_url = database_use(DATABASE_NAME)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from articles import near_duplicates

    if options.window:
        near_duplicates.WINNOW_WINDOW = options.window
    call_command("migrate", verbosity=0)
    print(f"database {conninfo_to_dict(os.environ['DATABASE_URL'])['dbname']} on the embedded server")
    print(
        f"batch size {settings.ARCHIVE_IMPORT_BATCH_SIZE}; fingerprints: {near_duplicates.SHINGLE_WORDS}-word "
        f"shingles winnowed over windows of {near_duplicates.WINNOW_WINDOW} (exact runs of "
        f"{near_duplicates.SHINGLE_WORDS + near_duplicates.WINNOW_WINDOW - 1} words always share one)"
    )

    with tempfile.TemporaryDirectory(prefix="bench-near-duplicates-") as folder:
        path = Path(folder) / "articles.jsonl"
        started = time.monotonic()
        planted, exact = corpus_write(path, options.articles, options.seed)
        print(
            f"generated {options.articles:,} articles ({path.stat().st_size / 1024 / 1024:,.0f} MB of JSONL), "
            f"{len(planted)} near-copies and {exact} exact copies planted, in {time.monotonic() - started:.0f} s"
        )
        kinds = Counter(planted.values())
        print("   planted: " + ", ".join(f"{count} {kind}" for kind, count in kinds.items()))

        print("\nimport with detection")
        elapsed, result, watch = import_run(path, detection=True)
        print(
            f"   {result.imported:,} imported, {result.duplicates} duplicates skipped, {result.failed} failed "
            f"in {elapsed:.0f} s: {result.imported / elapsed:.0f} articles/s"
        )
        report_watch(watch, elapsed)

        figures = table_figures()
        per_article = figures["rows"] / figures["articles"]
        print("\nfingerprint table")
        print(
            f"   {figures['rows']:,} rows ({per_article:.0f} an article of {figures['words']:.0f} words on average, "
            f"{per_article / figures['words']:.2f} a word)"
        )
        print(
            f"   heap {megabytes(figures['heap'])}, indexes {megabytes(figures['indexes'])}, "
            f"total {megabytes(figures['total'])} ({figures['total'] / figures['rows']:.0f} bytes a row); "
            f"articles table with its indexes {megabytes(figures['articles_total'])}"
        )
        print(
            f"   hashes held by more than one article: {figures['hashes_shared']:,}; by more than 100 "
            f"(boilerplate, ignored): {figures['hashes_boilerplate']:,}; most holders of one hash: "
            f"{figures['most_holders']}"
        )

        found = quality(planted)
        print("\nquality on the planted pairs")
        print(
            f"   {found['found']} pairs found, {found['planted']} planted: recall {found['recall']:.1%}, "
            f"precision {found['precision']:.1%}"
        )
        for kind, (hits, total) in found["by_kind"].items():
            print(f"   {kind:<30} {hits}/{total}")
        if found["unplanted"]:
            print(f"   unplanted pairs found (first ten, by index): {found['unplanted']}")

        costs = single_article_costs(planted)
        print("\none article afterwards (median of up to 20)")
        print(f"   near_duplicates_refresh([id]) after an edit: {costs['refresh_ms']:.1f} ms")
        print(f"   reading the article with its 'Also reported in' list (2 queries): {costs['page_lookup_ms']:.1f} ms")

        if options.compare:
            print("\nimport with detection off (fresh database)")
            database_switch(server_url, BASELINE_DATABASE_NAME)
            base_elapsed, base_result, base_watch = import_run(path, detection=False)
            print(
                f"   {base_result.imported:,} imported in {base_elapsed:.0f} s: "
                f"{base_result.imported / base_elapsed:.0f} articles/s"
            )
            report_watch(base_watch, base_elapsed)
            print(
                f"   detection makes the import {elapsed / base_elapsed:.2f} times as long "
                f"({result.imported / elapsed:.0f} against {base_result.imported / base_elapsed:.0f} articles/s)"
            )
            database_drop(server_url, BASELINE_DATABASE_NAME)

    if not options.keep:
        database_drop(server_url, DATABASE_NAME)


if __name__ == "__main__":
    main()
