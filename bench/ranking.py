"""Ranking quality of the search page on known-item queries, beside a BM25 yardstick.

A known-item query is what a reader types to find one article again: three of its distinctive
words (``clean``), or the same with one word swapped for a word the article does not contain
(``foreign``: a reader misremembering). The search page's order (its JSON twin, which is the
page's own view, relevance first page) is scored by MRR@10 and success@1; so is BM25 from
tantivy over the same published articles (title, summary and body as one field, English
stemming, k1 = 1.2 and b = 0.75, tantivy's defaults; the words OR-ed, its query parser's default).
tantivy is used here only, never by the archive.

Called by ``bench/search.py`` with Django set up on the bench database.
"""

from __future__ import annotations

import math
import random
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from bench.report import ranking_figures

KNOWN_ITEMS = 200
WORDS_PER_QUERY = 3
# The words an article is remembered by are drawn from its this-many most distinctive ones.
DISTINCTIVE_POOL = 10
MIN_WORD_LENGTH = 4
# A word in more than this share of the articles distinguishes nothing (and takes in every stop word).
MAX_DISTINCTIVE_SHARE = 0.10
# Inflections of one word ("migrant", "migrants") count once: words sharing this many first letters.
SAME_WORD_PREFIX = 5
# The misremembered word: an ordinary word, found in this share of the articles.
FOREIGN_SHARE = (0.01, 0.10)
FOREIGN_ATTEMPTS = 50
INDEX_HEAP_BYTES = 400_000_000
RESULTS_COMPARED = 20

_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class KnownItem:
    article_id: int
    clean: str
    foreign: str


def words_of(text: str) -> list[str]:
    """The words of ``text``, lowercased, letters only (as the vocabulary view has them)."""
    return _WORD.findall(text.lower())


def distinctive_words(
    text: str,
    document_frequency: Mapping[str, int],
    total: int,
    rng: random.Random,
    *,
    count: int = WORDS_PER_QUERY,
    pool: int = DISTINCTIVE_POOL,
) -> list[str]:
    """``count`` words a reader might remember ``text`` by: drawn from its ``pool`` highest by tf·idf.

    Words shorter than MIN_WORD_LENGTH, unknown to ``document_frequency``, in one article only
    (too easy: any engine finds those) or in more than MAX_DISTINCTIVE_SHARE of them are left out,
    and so are other forms of a word already taken (same first SAME_WORD_PREFIX letters).
    """
    frequencies = Counter(words_of(text))
    limit = total * MAX_DISTINCTIVE_SHARE
    scored = sorted(
        (
            (-tf * math.log(total / document_frequency[word]), word)
            for word, tf in frequencies.items()
            if len(word) >= MIN_WORD_LENGTH and 2 <= document_frequency.get(word, 0) <= limit
        ),
    )
    candidates: list[str] = []
    for _, word in scored:
        if all(word[:SAME_WORD_PREFIX] != taken[:SAME_WORD_PREFIX] for taken in candidates):
            candidates.append(word)
        if len(candidates) == pool:
            break
    if len(candidates) < count:
        return []
    return rng.sample(candidates, count)


def with_foreign_word(
    words: Sequence[str],
    candidates: Sequence[str],
    rng: random.Random,
    contains: Callable[[str], bool],
    *,
    attempts: int = FOREIGN_ATTEMPTS,
) -> list[str] | None:
    """``words`` with one of them (at random) replaced by one of ``candidates`` that ``contains`` says is absent."""
    position = rng.randrange(len(words))
    for _ in range(attempts):
        word = rng.choice(candidates)
        if word in words or any(word[:SAME_WORD_PREFIX] == kept[:SAME_WORD_PREFIX] for kept in words):
            continue
        if not contains(word):
            return [*words[:position], word, *words[position + 1 :]]
    return None


# --- Building the queries from the bench database -----------------------------------------------


def known_items(count: int, seed: int) -> list[KnownItem]:
    """``count`` published articles (a seeded sample) with their clean and foreign queries."""
    from django.db import connection

    from articles.models import Article

    rng = random.Random(f"known items {seed}")
    ids = list(Article.objects.published().order_by("pk").values_list("pk", flat=True))
    total = len(ids)
    chosen = rng.sample(ids, min(count * 2, total))  # spares, for articles without three good words
    texts = {
        pk: " ".join((title, summary, body))
        for pk, title, summary, body in Article.objects.filter(pk__in=chosen).values_list(
            "pk", "title", "summary", "body"
        )
    }
    all_words = sorted({word for text in texts.values() for word in words_of(text)})
    with connection.cursor() as cursor:
        cursor.execute("SELECT word, ndoc FROM articles_vocabulary WHERE word = ANY(%s)", [all_words])
        document_frequency = dict(cursor.fetchall())
        cursor.execute(
            "SELECT word FROM articles_vocabulary WHERE ndoc BETWEEN %s AND %s AND length(word) >= %s "
            "AND word ~ '^[a-z]+$' ORDER BY word",
            [math.ceil(total * FOREIGN_SHARE[0]), math.floor(total * FOREIGN_SHARE[1]), MIN_WORD_LENGTH],
        )
        foreign_candidates = [word for (word,) in cursor.fetchall()]

    def contains(article_id: int) -> Callable[[str], bool]:
        def check(word: str) -> bool:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT search_vector @@ to_tsquery('english_unaccent', %s) FROM articles_article WHERE id = %s",
                    ["'" + word.replace("'", "''") + "'", article_id],
                )
                return cursor.fetchone()[0]

        return check

    items = []
    for article_id in chosen:
        words = distinctive_words(texts[article_id], document_frequency, total, rng)
        if not words:
            continue
        foreign = with_foreign_word(words, foreign_candidates, rng, contains(article_id))
        if foreign is None:
            continue
        items.append(KnownItem(article_id, " ".join(words), " ".join(foreign)))
        if len(items) == count:
            break
    return items


# --- Scoring ------------------------------------------------------------------------------------


def page_order(client, query: str) -> list[int]:
    """The ids of the search page's first page for ``query``, in its order (relevance), from its JSON twin."""
    response = client.get("/api/search/?" + urlencode({"q": query}))
    if response.status_code != 200:
        raise RuntimeError(f"/api/search/?q={query} answered {response.status_code}")
    return [result["id"] for result in response.json()["results"]]


class Bm25Index:
    """A tantivy index of the published articles (title, summary and body in one ``en_stem`` field)."""

    def __init__(self, folder: Path) -> None:
        import tantivy

        from articles.models import Article

        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.folder = folder
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("id", stored=True, indexed=True, fast=True)
        builder.add_text_field("text", stored=False, tokenizer_name="en_stem")
        self.index = tantivy.Index(builder.build(), path=str(folder))
        started = time.monotonic()
        writer = self.index.writer(heap_size=INDEX_HEAP_BYTES)
        rows = Article.objects.published().values_list("pk", "title", "summary", "body").iterator(chunk_size=2000)
        for pk, title, summary, body in rows:
            writer.add_document(tantivy.Document(id=pk, text=f"{title}\n{summary}\n{body}"))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.build_seconds = time.monotonic() - started
        self.searcher = self.index.searcher()

    def order(self, query: str, limit: int = RESULTS_COMPARED) -> list[int]:
        parsed = self.index.parse_query(query, ["text"])  # words OR-ed: the parser's default
        hits = self.searcher.search(parsed, limit).hits
        return [self.searcher.doc(address)["id"][0] for _, address in hits]

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def ranking_measure(client, *, count: int, seed: int, index_folder: Path) -> dict:
    """MRR@10 and success@1 of the page and of BM25 on ``count`` known items, clean and foreign."""
    started = time.monotonic()
    items = known_items(count, seed)
    built = time.monotonic()
    index = Bm25Index(index_folder)
    try:
        orders = {
            kind: {
                "page": [(page_order(client, getattr(item, kind)), item.article_id) for item in items],
                "bm25": [(index.order(getattr(item, kind)), item.article_id) for item in items],
            }
            for kind in ("clean", "foreign")
        }
    finally:
        index.remove()
    figures = {
        kind: {engine: ranking_figures(pairs) for engine, pairs in engines.items()} for kind, engines in orders.items()
    }
    return {
        "queries": len(items),
        "examples": {
            "clean": f"`{items[0].clean}`" if items else "",
            "foreign": f"`{items[0].foreign}`" if items else "",
        },
        "items": [{"article_id": item.article_id, "clean": item.clean, "foreign": item.foreign} for item in items],
        "queries_seconds": round(built - started, 1),
        "bm25_index_seconds": round(index.build_seconds, 1),
        **figures,
    }
