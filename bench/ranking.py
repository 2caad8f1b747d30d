"""Benchmark: ranking quality and speed of the search, against BM25 (tantivy) as the yardstick.

    .venv/bin/python bench/ranking.py [--queries 200] [--seed 1]

Reads the published articles of the configured database (load one with
``manage.py generate_corpus``; the search statistics must be fresh, as the command
leaves them), indexes them in tantivy (title, summary, body; English stemming)
and asks both the same known-item queries: three distinctive words of one article
(each in 2 to 1% of the articles), ``clean``, and ``foreign`` with a fourth word
the article does not contain (a reader misremembering). Reports MRR@10 and
success@1 of each, and the search's relevance and newest-first times (p50, p95),
measured as the search page runs them (sequential scans discouraged, first page).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

import django

django.setup()

import tantivy  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from articles.models import Article  # noqa: E402
from articles.search import SORT_NEWEST, SORT_RELEVANCE, ArticleSearch  # noqa: E402

WORD = re.compile(r"[a-z]{4,}")
PAGE = 20


def words_of(text: str) -> set[str]:
    return set(WORD.findall(text.lower()))


def known_items(articles, rng: random.Random, count: int) -> list[tuple[int, str, str]]:
    """(article id, clean query, query with a foreign word) for ``count`` random articles."""
    frequency = Counter(word for _, text in articles for word in words_of(text))
    most = max(2, len(articles) // 100)
    distinctive = sorted(word for word, df in frequency.items() if 2 <= df <= most)
    queries = []
    for pk, text in rng.sample(articles, count):
        own = words_of(text)
        candidates = sorted(word for word in own if 2 <= frequency[word] <= most)
        if len(candidates) < 3:
            continue
        chosen = rng.sample(candidates, 3)
        foreign = next(word for word in iter(lambda: rng.choice(distinctive), None) if word not in own)
        clean = " ".join(chosen)
        queries.append((pk, clean, " ".join([*chosen[:2], foreign, chosen[2]])))
    return queries


def tantivy_index(articles_rows):
    schema_builder = tantivy.SchemaBuilder()
    schema_builder.add_integer_field("id", stored=True, indexed=True)
    for name in ("title", "summary", "body"):
        schema_builder.add_text_field(name, tokenizer_name="en_stem")
    schema = schema_builder.build()
    index = tantivy.Index(schema, path=tempfile.mkdtemp(prefix="rank-bench-"))
    writer = index.writer()
    for pk, title, summary, body in articles_rows:
        writer.add_document(tantivy.Document(id=pk, title=title, summary=summary, body=body))
    writer.commit()
    index.reload()
    return index


def tantivy_top(index, query: str) -> list[int]:
    searcher = index.searcher()
    parsed = index.parse_query(query, ["title", "summary", "body"])
    return [searcher.doc(address)["id"][0] for _, address in searcher.search(parsed, 10).hits]


def our_top(query: str, sort: str) -> tuple[list[int], float]:
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        search = ArticleSearch(query)
        results = Article.objects.published().search(search).sorted_by(sort)
        total = results.count()
        ids = list(results.values_list("pk", flat=True)[:PAGE])
    del total
    return ids, (time.perf_counter() - started) * 1000


def scores(ranked: list[list[int]], wanted: list[int]) -> tuple[float, float]:
    reciprocal = [
        1 / (ids[:10].index(pk) + 1) if pk in ids[:10] else 0.0 for ids, pk in zip(ranked, wanted, strict=True)
    ]
    first = [bool(ids) and ids[0] == pk for ids, pk in zip(ranked, wanted, strict=True)]
    return statistics.mean(reciprocal), statistics.mean(first)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    rows = list(Article.objects.published().values_list("pk", "title", "summary", "body"))
    print(f"{len(rows)} published articles")
    queries = known_items([(pk, f"{t} {s} {b}") for pk, t, s, b in rows], random.Random(options.seed), options.queries)
    index = tantivy_index(rows)
    del rows
    wanted = [pk for pk, _, _ in queries]
    for kind, position in (("clean", 1), ("foreign", 2)):
        texts = [query[position] for query in queries]
        ours, times = zip(*(our_top(text, SORT_RELEVANCE) for text in texts), strict=True)
        _, newest_times = zip(*(our_top(text, SORT_NEWEST) for text in texts), strict=True)
        bm25 = [tantivy_top(index, text) for text in texts]
        mrr, success = scores(list(ours), wanted)
        bm25_mrr, bm25_success = scores(bm25, wanted)
        print(
            f"{kind:8} n={len(texts)}  ours MRR@10 {mrr:.3f} success@1 {success:.3f}"
            f" | tantivy MRR@10 {bm25_mrr:.3f} success@1 {bm25_success:.3f}"
            f" | relevance p50 {percentile(times, 0.5):.0f} ms p95 {percentile(times, 0.95):.0f} ms"
            f" | newest p50 {percentile(newest_times, 0.5):.0f} ms p95 {percentile(newest_times, 0.95):.0f} ms"
        )


if __name__ == "__main__":
    main()
