"""Full-text search settings shared by the model, the migrations and the QuerySets.

The stored search vector is a generated column, so everything it is built from
must be immutable. ``unaccent()`` the function is only STABLE, but the
``unaccent`` *dictionary* inside a text-search configuration is fine:
``to_tsvector(regconfig, text)`` stays IMMUTABLE. Hence a configuration of our
own, created in migration 0001: English stemming after accent folding, so
"Perez" and "Pérez" meet.

``ArticleSearch`` turns what a reader typed into SQL: see its docstring for how
words, spellings, prefixes and people's names are expanded, and how ranking
stays fast when a word matches most of the archive.

Ranking is BM25-like, because ts_rank knows nothing of how rare a word is. The
query's terms are its groups (a word with its spellings, a phrase, a prefix, or
alternatives joined by OR, each counting as one term; stop words are no terms).
Each term's document frequency comes from the ``articles_lexeme_stats``
table (in how many published articles each stored lexeme occurs) and N and the
mean length from ``articles_search_stats``, both kept with the vocabulary (counted
as articles are imported, published, retracted or edited; rebuilt by
``vocabulary_refresh``); they are read once per query, for its few lexemes, and
remembered per published state. An article's score is Σ idf·tf·(k1+1)/(tf + k1·(1 - b + b·len/avglen))
over the terms it matches (k1 1.2, b 0.75; idf = ln(1 + (N - df + 0.5)/(df + 0.5));
len = the size of its text (title, summary and body in bytes: proportional to its
words, and read without unpacking the text); tf = occurrences in the stored vector,
which ts_rank_cd counts in C).
Scoring reads each vector (a relevance page of many results reads them from RANKING_VECTORS_TABLE,
a copy stored inline: see ``WindowFirst``), so only the RANK_WINDOW newest matches are scored:
exact for every query with fewer matches, and for a very common word the older
matches follow by date (rank 0). The windows are taken among the results, after
the other filters (source, date…: see ``ArticleFilterSet.searched``). Sorted by
date, there is no window: only the page's hits are scored. Partial matches
sorted by relevance are scored within the PARTIAL_RANK_WINDOW newest of them,
the newest of each combination of words (PARTIAL_COMBINATION_BUDGET shared among
them), and all those with more of the words than the fallback level (fewer than
PARTIAL_THRESHOLD by construction): exact when the fallback set is that small,
else older articles with only the fallback level's number of words follow by
date.

When fewer than PARTIAL_THRESHOLD articles have every term, the search falls
back: articles with all terms but one, then all but two, … down to one term,
stopping at the first level with PARTIAL_THRESHOLD articles (each level one GIN
-served tsquery, an OR of the conjunctions; counted with a LIMIT in one query).
Those results are flagged ``partial_match`` and ranked together with the few
articles with every term, by the same score: a lacking word scores nothing, so an
article with every word comes first unless the words it shares with a partial
match are much more common in it (as BM25 engines, which OR the words, rank them:
on known-item queries with one misremembered word, putting every full match first
cost about one in five of the sought articles its first place). Exclusions still
exclude, and people's names still match. The decision is taken over the words
alone (before source, tag or date filters: ``fallback_decide``), so the count,
the facets, the page, the API, the feeds and the CSV all describe the same set:
full matches plus partial ones when the search fell back.
"""

from __future__ import annotations

import datetime
import functools
import math
import operator
import re
import secrets
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations, pairwise
from typing import TYPE_CHECKING

from django.apps import apps
from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections, router, transaction
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest
from django.db.models.lookups import Exact, GreaterThanOrEqual
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.query_parser import ParsedQuery, Term, parse_query, spelling_variants
from articles.text import PARAGRAPH_SEPARATOR

if TYPE_CHECKING:
    from articles.timeline import MonthCountRow  # the timeline module needs the models, which need this one

SEARCH_CONFIG = "english_unaccent"

# Title above summary above body (PostgreSQL's weights A > B > C).
TITLE_WEIGHT = "A"
SUMMARY_WEIGHT = "B"
BODY_WEIGHT = "C"

CREATE_SEARCH_CONFIG_SQL = f"""
CREATE TEXT SEARCH CONFIGURATION {SEARCH_CONFIG} (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION {SEARCH_CONFIG}
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
"""
DROP_SEARCH_CONFIG_SQL = f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {SEARCH_CONFIG};"


# The archive's own words, as readers type them (lowercase, unstemmed), with how many published
# articles use each: prefixes expand to them and "did you mean" respells from them. The words of
# people's names, aliases and tag names are in it too (0 articles when no text uses them), so a
# correction can reach a spelling only an alias has. Letters (and inner ' or -) only, so numbers
# and URLs stay out.
#
# And what BM25-like ranking needs to know of the archive: in how many published articles each
# stored (stemmed) lexeme occurs, and how many published articles there are with their total
# length (bytes of title, summary and body: see ``ArticleSearch.rank_expression``).
#
# Tables (migration 0019), not materialized views: an import counts each batch in them in the
# batch's transaction, and publishing or unpublishing articles counts them in or out
# (``SEARCH_STATISTICS_COUNT_SQL``), where a view could only be refreshed from every article
# (about a minute at 100,000 articles, whatever the change). Counts of articles add up exactly, so
# the tables stay what a rebuild gives; a rebuild (``SEARCH_STATISTICS_REBUILD_SQL``) catches up
# with what is not counted as it happens (a text saved outside the admin, a person added or renamed
# by hand, an article deleted).
VOCABULARY_WORD_CONDITION = "word ~ '^[[:alpha:]]([[:alpha:]''-]*[[:alpha:]])?$' AND length(word) <= 40"


def _article_words_sql(articles: str) -> str:
    """Each word of the ``articles`` (a condition on them) with how many of them use it."""
    return f"""
        SELECT lexeme AS word, count(*) AS ndoc
        FROM articles_article, unnest(to_tsvector('simple', title || ' ' || summary || ' ' || body))
        WHERE status = 'published' AND {articles} GROUP BY lexeme"""


def _article_lexemes_sql(articles: str) -> str:
    """Each stored lexeme of the ``articles`` with how many of them hold it."""
    return f"""
        SELECT lexeme, count(*) AS ndoc FROM articles_article, unnest(search_vector)
        WHERE status = 'published' AND {articles} GROUP BY lexeme"""


# An article's length for BM25 (``ArticleSearch.rank_expression``), as the statistics sum it and
# RANKING_VECTORS_TABLE stores it: the bytes of its text, its columns written where named.
ARTICLE_LENGTH_SQL = "(octet_length({title}) + octet_length({summary}) + octet_length({body}))"


def _article_sizes_sql(articles: str) -> str:
    length = ARTICLE_LENGTH_SQL.format(title="title", summary="summary", body="body")
    return f"""
        SELECT count(*) AS articles, coalesce(sum({length}), 0) AS total_length
        FROM articles_article WHERE status = 'published' AND {articles}"""


# The words of every name: people's, their aliases' and tags'.
NAME_WORDS_SQL = """
    SELECT lexeme FROM (
        SELECT name FROM articles_person UNION ALL SELECT name FROM articles_personalias
        UNION ALL SELECT name FROM articles_tag
    ) AS names, unnest(to_tsvector('simple', name))"""


def _vocabulary_count_sql(article_words: str) -> str:
    """Count the ``article_words`` (rows of word and ndoc) and the names' words into the vocabulary."""
    return f"""
    WITH counted AS (
        INSERT INTO articles_vocabulary AS vocabulary (word, ndoc)
        SELECT word, %(sign)s * sum(ndoc) FROM (
            {article_words}
            UNION ALL
            SELECT lexeme, 0 FROM unnest(%(names)s::text[]) AS name, unnest(to_tsvector('simple', name))
        ) AS words
        WHERE {VOCABULARY_WORD_CONDITION}
        GROUP BY word ORDER BY word
        ON CONFLICT (word) DO UPDATE SET ndoc = vocabulary.ndoc + excluded.ndoc WHERE excluded.ndoc <> 0
        RETURNING word, ndoc
    )
    SELECT word FROM counted WHERE ndoc <= 0"""


# Articles counted in (``sign`` 1, once published or saved) or out (-1, as stored, before they are
# unpublished or their text changes), with the words of the names linked to them (0 articles). Rows in word order, so
# that two writers lock the words they share in the same order. The first two statements return
# the words and lexemes the counting brought to nothing, for ``SEARCH_STATISTICS_TIDY_SQL``.
SEARCH_STATISTICS_COUNT_SQL = (
    _vocabulary_count_sql(_article_words_sql("id = ANY(%(articles)s)")),
    f"""
    WITH counted AS (
        INSERT INTO articles_lexeme_stats AS stats (lexeme, ndoc)
        SELECT lexeme, %(sign)s * ndoc FROM ({_article_lexemes_sql("id = ANY(%(articles)s)")}) AS lexemes
        ORDER BY lexeme
        ON CONFLICT (lexeme) DO UPDATE SET ndoc = stats.ndoc + excluded.ndoc
        RETURNING lexeme, ndoc
    )
    SELECT lexeme FROM counted WHERE ndoc <= 0""",
    f"""
    UPDATE articles_search_stats AS stats
    SET articles = stats.articles + %(sign)s * counted.articles,
        total_length = stats.total_length + %(sign)s * counted.total_length
    FROM ({_article_sizes_sql("id = ANY(%(articles)s)")}) AS counted""",
)
# The first of them with the articles' words counted already (``TEXT_WORDS_SQL``), as ``words`` and
# ``ndocs``: an import counts a batch's words before the batch is stored, on a connection of its own.
VOCABULARY_COUNT_GIVEN_SQL = _vocabulary_count_sql(
    "SELECT word, ndoc FROM unnest(%(words)s::text[], %(ndocs)s::bigint[]) AS given(word, ndoc)"
)
# The words of published articles' texts (title, summary and body, joined as ``_article_words_sql``
# joins them) with how many texts use each, as ``_article_words_sql`` counts them once stored. It
# reads no table, so it can run on another connection, beside the transaction that stores them.
TEXT_WORDS_SQL = f"""
    SELECT word, count(*) FROM (
        SELECT lexeme AS word FROM unnest(%(texts)s::text[]) AS text, unnest(to_tsvector('simple', text))
    ) AS words
    WHERE {VOCABULARY_WORD_CONDITION}
    GROUP BY word"""

# What a rebuild leaves out: words no published article uses any more and no name holds (those
# ``words``, or those of the ``names`` merged away), and lexemes no published article holds.
SEARCH_STATISTICS_TIDY_SQL = (
    f"""
    DELETE FROM articles_vocabulary
    WHERE (word = ANY(%(words)s)
           OR word IN (SELECT lexeme FROM unnest(%(names)s::text[]) AS name, unnest(to_tsvector('simple', name))))
      AND ndoc <= 0 AND word NOT IN ({NAME_WORDS_SQL})""",
    "DELETE FROM articles_lexeme_stats WHERE lexeme = ANY(%(lexemes)s) AND ndoc <= 0",
)

# Rebuilt from every published article and name, in one transaction. The lock lets searches read
# the old rows meanwhile but waits for the writers counting in them (imports, status changes), so
# that what they counted is either in the rebuild or counted after it, never lost. Only rows that
# change are written.
SEARCH_STATISTICS_REBUILD_SQL = (
    "LOCK TABLE articles_vocabulary, articles_lexeme_stats, articles_search_stats IN EXCLUSIVE MODE",
    f"""
    CREATE TEMPORARY TABLE rebuilt_vocabulary AS
    SELECT word, max(ndoc) AS ndoc FROM (
        {_article_words_sql("TRUE")}
        UNION ALL
        SELECT lexeme, 0 FROM ({NAME_WORDS_SQL}) AS name_words
    ) AS words
    WHERE {VOCABULARY_WORD_CONDITION}
    GROUP BY word""",
    f"CREATE TEMPORARY TABLE rebuilt_lexeme_stats AS {_article_lexemes_sql('TRUE')}",
    """
    DELETE FROM articles_vocabulary AS vocabulary
    WHERE NOT EXISTS (SELECT FROM rebuilt_vocabulary AS rebuilt WHERE rebuilt.word = vocabulary.word)""",
    """
    INSERT INTO articles_vocabulary AS vocabulary (word, ndoc) SELECT word, ndoc FROM rebuilt_vocabulary
    ON CONFLICT (word) DO UPDATE SET ndoc = excluded.ndoc WHERE vocabulary.ndoc <> excluded.ndoc""",
    """
    DELETE FROM articles_lexeme_stats AS stats
    WHERE NOT EXISTS (SELECT FROM rebuilt_lexeme_stats AS rebuilt WHERE rebuilt.lexeme = stats.lexeme)""",
    """
    INSERT INTO articles_lexeme_stats AS stats (lexeme, ndoc) SELECT lexeme, ndoc FROM rebuilt_lexeme_stats
    ON CONFLICT (lexeme) DO UPDATE SET ndoc = excluded.ndoc WHERE stats.ndoc <> excluded.ndoc""",
    f"""
    UPDATE articles_search_stats AS stats SET articles = counted.articles, total_length = counted.total_length
    FROM ({_article_sizes_sql("TRUE")}) AS counted""",
    # Not left to the commit: a test's transaction, or an editor's, may rebuild twice before it.
    "DROP TABLE rebuilt_vocabulary, rebuilt_lexeme_stats",
)


def name_search_vector() -> SearchVector:
    """The vector of a person's name or alias, GIN-indexed on both tables so names are found fast."""
    return SearchVector("name", config=SEARCH_CONFIG)


def article_search_vector() -> SearchVector:
    """The weighted vector stored on every article (title A, summary B, body C)."""
    return (
        SearchVector("title", weight=TITLE_WEIGHT, config=SEARCH_CONFIG)
        + SearchVector("summary", weight=SUMMARY_WEIGHT, config=SEARCH_CONFIG)
        + SearchVector("body", weight=BODY_WEIGHT, config=SEARCH_CONFIG)
    )


SORT_RELEVANCE = "relevance"
SORT_NEWEST = "newest"
SORT_OLDEST = "oldest"
SORT_CHOICES = [(SORT_RELEVANCE, "relevance"), (SORT_NEWEST, "newest first"), (SORT_OLDEST, "oldest first")]

# A search with at most this many results, sorted by date, finds them all and sorts them; with more,
# PostgreSQL may walk the date index instead, testing each article, newest first, until a page
# of them turns up (ArticleQuerySet.sorted_by). On 1,000,000 articles, sorting the 8,000 of two
# words took 20 ms; a word in most articles fills a page after a few dozen.
FEW_RESULTS = 10_000
# A date-sorted search with at most this many results, whose words are in at most this many articles
# (the statistics' counts), reads them all for a page rather than only the months that hold it
# (``months_bound``): the index then finds a handful of articles, where the bound made PostgreSQL
# also read every article of those months from the date index. On 1,000,000 articles, a word in 40 of
# them, newest first, took 40 to 50 ms bounded (387,000 articles since its 20th newest) and 11 to 16 ms
# not; reading 1,000 articles costs a few milliseconds at most.
UNBOUNDED_PAGE_RESULTS = 1000
# A search with at most this many results gets their ids with its counts (``ArticleFilterSet.counts``,
# which caches them together): its pages are then read by id, without searching again
# (``count_known``). On 1,000,000 articles, a page of the phrase "france building" (27 results, but
# 16,634 articles with both words, each checked for the phrase) took 41 ms to search for again.
# Fewer than RANK_WINDOW, so every one of them is scored.
LISTED_RESULTS = 1000

# The ranking window (the newest RANK_WINDOW results) is found either by sorting the results by date,
# once the GIN index has listed the articles with the rarest of the words (``RankedTerm.frequency``),
# or by walking the ranking vectors newest first (within one source, that source's: see
# ``ArticleFilterSet.walk_scope``), testing each row against the words and scoring the window's as
# they turn up (``WindowFirst``): RANK_WINDOW * articles walked / results tests. Walking pays when
# listed * results > RANK_WINDOW * articles walked * this. Whole pages at 1,000,000 articles, walked
# and sorted: "well" (in 51% of them) 90 and 185 ms, "ratin*" (17%) 130 and 155, "project -came"
# (13%) 154 and 159, "optio*" (8%) 204 and 145, a common word within one source (7,181 of its 12,800)
# 102 and 200; at 100,000: "need" (58%) 84 and 106, "three" (34%) 99 and 103, "development -lord"
# (25%) 110 and 105. The costs meet near 4.5 at 1,000,000 and near 2 at 100,000.
# Results no more than the window are all scored, and a walk for them meets every article searched:
# walking pays when listed > articles walked * this (``ArticleSearch._index_finds``). "long" within
# one source (4,462 of its 12,800 articles; the GIN index lists 356,000): 106 and 125 ms.
WINDOW_WALK_TEST_COST = 3
# Sorted, the window is taken from the rows the GIN index lists from the window's floor on
# (``window_floor``). PostgreSQL ANDs that list with the date index's, which lists every article since
# the floor. When results are spread in time as articles are, the GIN index lists listed * results /
# (RANK_WINDOW * articles walked) times as many rows as the date index does; below this share the
# date is tested on each row listed instead (``ArticleSearch.floor_tested_on_rows``). At 1,000,000
# articles, "datab*" (the GIN index lists 19,094; 253,689 articles since its floor) took the window's
# statement 68 ms with the date index and 29 without; "sorry -mind" (78,320 listed, 67,363 since) 45
# and 94, "optio*" (83,676 and 62,844) 47 and 117. Listing one more row cost about 0.8 µs, one more
# date 0.2.
WINDOW_FLOOR_ROW_TEST_SHARE = 0.25

# A second GIN index on the ranking vectors lists those of the newest months alone: a window whose
# floor is in them is listed from it, the GIN index then listing only the matches of those months
# (``recent_ranking_index``). It holds about this share of the dated vectors, from the first day of
# a month (``services.recent_ranking_index_refresh``), and is kept for archives of this many at least.
# At 1,000,000 articles (this share: since 2023-04-01, 152 MB, built in 23 s without blocking
# writes) the window's statement of "sorry -mind" took 72 ms listed from the whole index and 29
# from this one; "project -came", walked (38,000 rows), 83 ms, and listed from this one 27.
RECENT_RANKING_INDEX = "articles_ranking_vector_recent"
RECENT_RANKING_SHARE = 0.1
RECENT_RANKING_MIN_ARTICLES = 50_000

# Relevance is computed for at most this many matches, the newest ones (and the words' champions,
# below); older matches follow by date.
# Scoring reads every matching vector, so ranking all 87,000 matches of a common word took about 1 s
# on 200,000 articles, while finding the newest matches takes milliseconds. Below this many matches
# (nearly every real query) the order is pure relevance.
RANK_WINDOW = 5000
# The window's first rows in its order, ten pages of the search page's: scored once in a published
# state and then read from the cache (``articles.caching.cached_value``), by a reader paging through
# them as by the next reader of the same search. Scoring a window took 25 to 45 ms at 1,000,000
# articles, whichever page was asked for; a page past these scores it again.
WINDOW_ROWS_CACHED = 200
# Besides its newest matches, a window scores the articles each of its words scores best in the
# whole archive, its champions (``RankingChampion``), so that a common word's best-scored articles
# come first wherever they are in time. Listed by ``services.ranking_champions_refresh`` for the
# lexemes in more published articles than RANKING_CHAMPION_MIN_ARTICLES: the
# RANKING_CHAMPIONS_PER_LEXEME best-scored among the articles using it at least
# RANKING_CHAMPION_MIN_OCCURRENCES times (one use scores little, and most uses are single: at
# 100,000 articles, 3.3 million of the 20 million (lexeme, article) pairs of the lexemes in more
# than 5,000 articles had two or more).
# A one-word search, or one word with exclusions, whose page all scores above the last champion
# listed (and one use in the shortest text) has the page the exact computation has, as the archive
# was when they were listed. Lexemes in fewer articles than a window holds are listed too, from
# those in more than a list holds: a prefix's rarer expansions are terms of the window's search. At
# 100,000 articles, listing those in more than 5,000 articles (1,516 lexemes, 302,503 rows) left
# `viewe*`'s first 20 sharing 14 with the exact computation's; from 200 (9,836 and 854,010), all 20.
RANKING_CHAMPIONS_PER_LEXEME = 200
RANKING_CHAMPION_MIN_ARTICLES = RANKING_CHAMPIONS_PER_LEXEME
RANKING_CHAMPION_MIN_OCCURRENCES = 2
RANKING_CHAMPIONS_TABLE = "articles_ranking_champion"
# Published articles' vectors and lengths again, each vector stored in its row rather than out of
# line (migration 0020, kept by triggers): the window is scored from there (``WindowFirst``).
RANKING_VECTORS_TABLE = "articles_ranking_vector"
# A relevance-sorted search with every word and more results than this, all in the window, finds
# its page by scoring them from RANKING_VECTORS_TABLE, then reads the page's articles: one statement
# more (about a millisecond), where scoring each from its article's vector costs about 10 µs more.
RANKED_APART_RESULTS = 100
# Relevance order: hits in the reader's own words before those found through a person's alias, then
# best rank, then newest (ids break ties). Articles with only some of the words (see ``Fallback``)
# are ranked among those with all of them: their score already counts the words they lack.
NEWEST_ORDER = (F("published_on").desc(nulls_last=True), "-pk")
RELEVANCE_ORDER = ("alias_match", "-rank", *NEWEST_ORDER)
# The same for articles with only some of the words: scored are the newest this many of them, plus
# every article with more of the words than the fallback needs (fewer than PARTIAL_THRESHOLD), plus
# the newest of each combination of words the fallback accepts, this budget shared among them
# (``_partial_window``). A misremembered query's two rare words are then scored wherever they are in
# time, however many newer articles pair a common word with one of them. On the bench's 200 such
# queries at 1,000,000 articles, MRR@10 was 0.230 with the newest 1,000 alone, 0.252 with the newest
# 5,000, and 0.263 with 1,000 plus the combinations' 1,000 (0.262 giving them 3,000); BM25 0.278.
PARTIAL_RANK_WINDOW = 1000
PARTIAL_COMBINATION_BUDGET = 1000
# BM25 as Lucene and tantivy use it: term-frequency saturation and length normalisation.
BM25_K1 = 1.2
BM25_B = 0.75
# How much one occurrence counts by where it is (BM25F-style field boosts), by the vector's weights
# (title A, summary B, body C). Equal: on known-item queries (bench/ranking.py, 200 at 100,000
# articles) even a mild boost (title 1.5, summary 1.2) put the sought article first 171 times
# against 175: readers remember words from anywhere in an article.
OCCURRENCE_WEIGHTS = {"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0}
# A term of this many lexemes or more (a prefix's expansions) has its occurrences counted from the
# vector's positions rather than by ts_rank_cd (see ``rank_expression``), when every occurrence
# counts alike. ts_rank_cd tests every occurrence against the whole disjunction: on 3,000 articles
# at 100,000 it took 6 ms more than reading their vectors for one lexeme, 23 for four, 100 for
# sixteen and 240 for forty; counting positions took 20 to 30 ms more, whatever their number.
POSITION_COUNT_MIN_LEXEMES = 5
# Fewer matches of every word than this (a page) and articles matching most of the words are added.
PARTIAL_THRESHOLD = 20
# "At least k of the n words" is one tsquery of C(n, k) conjunctions; levels needing more are skipped.
MAX_PARTIAL_COMBINATIONS = 70
# A word or phrase naming more people than this is a common name (a first name, say), not a way to
# find someone: it is searched as text only. Every name of every person a term names is a phrase of
# the ranking query, and the scoring reads each of them in every scored article: "Ramon", naming
# 110 people of a generated archive, took 30 ms an article.
MAX_PEOPLE_NAMED = 20
# How many vocabulary words a prefix stands for at most (the most frequent ones).
PREFIX_EXPANSION_LIMIT = 40
# A phrase's results are read only from the months that hold them (``count_known``) when those make
# at most this many spans of consecutive months: each span is one more range of the date index to
# read. The GIN index finds every article with the phrase's words, and each one's vector is then
# read to find the words side by side: on 1,000,000 articles, "france building" (27 results in 26
# months) had 16,634 such articles; its page statement took 176 ms so and 57 ms from its months.
MAX_RESULT_SPANS = 48

HIGHLIGHT_START = "<mark>"
HIGHLIGHT_STOP = "</mark>"
# Random bytes in the markers ts_headline puts around matches (``headline_markers``).
HEADLINE_MARKER_BYTES = 12
HEADLINE_OPTIONS = {"max_fragments": 2, "max_words": 35, "min_words": 15, "fragment_delimiter": " … "}
# ts_headline is given these few paragraphs of a body, not all of it (``headline_passage``).
HEADLINE_PARAGRAPHS = HEADLINE_OPTIONS["max_fragments"]

# Trigram similarity below which a vocabulary word is no correction, and how many people/tags to offer.
CORRECTION_MIN_SIMILARITY = 0.4
SUGGESTION_MIN_SIMILARITY = 0.3
SUGGESTION_LIMIT = 5
# How many of a query's words are compared with names, each on its own.
SUGGESTION_WORDS = 5
# Shorter queries resemble too many names to suggest any.
MIN_SUGGESTION_TEXT = 3


def read_connection():
    """The connection the archive is read through: the one Django's database router picks for articles.

    In a public request that is the request's replica (``archive.routers``), otherwise the primary.
    Raw SQL reads come here, not to ``django.db.connection`` (always the primary), so that they read
    the same server, and the same state, as the ORM's queries of the request.
    """
    return connections[router.db_for_read(apps.get_model("articles", "Article"))]


def _lexeme(word: str) -> str:
    """A word as a quoted tsquery operand: to_tsquery unaccents and stems it, a cast to tsquery keeps it as it is."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


# Memory for each sort, hash or bitmap of a search request (see search_transaction); a few are
# used at once, in each worker, for the request only.
SEARCH_WORK_MEM = "64MB"


def prefer_index_scans(view):
    """Run ``view`` (and render its response) in a search's transaction (``search_transaction``).

    A GET (or HEAD) that starts the transaction reads one snapshot; a request that may write
    (a POST) stays READ COMMITTED.
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        with search_transaction(one_snapshot=request.method in ("GET", "HEAD")):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            return response

    return wrapped


@contextmanager
def search_transaction(*, one_snapshot: bool = True) -> Iterator[None]:
    """A transaction on the server searches read from, with PostgreSQL's sequential scans discouraged.

    For a word found in most articles PostgreSQL picks a sequential scan that unpacks every
    stored (TOASTed) vector to test it, because it does not count that unpacking; the GIN
    bitmap answers without opening a single vector. Measured on 30,000 articles: a count of
    a word in 89% of them took 282 ms that way and 13 ms through the index. ``SET LOCAL``
    keeps the settings to this transaction, on the server it reads from (a request's replica, if
    it has one: the writes it makes, such as the search log, go to the primary).

    The bitmaps of those matches get SEARCH_WORK_MEM: in PostgreSQL's default 4 MB, the bitmap
    of a word in half of 1,000,000 articles is lossy (whole pages, not rows), and every article
    on a lossy page has its vector unpacked to be checked again. Counting that word took 2.1 s
    so and 0.25 s with 64 MB.

    And no parallel workers: each request is one of many on a server with few cores, and
    starting workers cost more than they saved even alone, measured on 1,000,000 articles on two
    cores: a common word's uncounted facets 3.1 to 3.6 s with two workers, 2.8 to 3.2 s without;
    an alias search's page 12 ms with them, 6.5 ms without.

    With ``one_snapshot``, a transaction it starts is REPEATABLE READ: its statements (a page's
    counts, its hits, their people and headlines) then all see the archive as it was when the
    first of them ran, and its published state is read once (``caching.one_published_state``)
    rather than for each cached value, three times a search. Under READ COMMITTED each saw the
    state of its own moment: a publication between the counts and the page showed a page the
    counts did not count. Counts are kept by segment only within one snapshot (``by_segment``).
    """
    from articles.caching import one_published_state  # it reads the database through this module

    reads = read_connection()
    one_snapshot = one_snapshot and not reads.in_atomic_block
    with transaction.atomic(using=reads.alias), one_published_state() if one_snapshot else nullcontext():
        with reads.cursor() as cursor:
            cursor.execute(
                ("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; " if one_snapshot else "")
                + f"SET LOCAL enable_seqscan = off; SET LOCAL work_mem = '{SEARCH_WORK_MEM}';"
                " SET LOCAL max_parallel_workers_per_gather = 0"
            )
        yield


def _any_of(operands: list[str]) -> str:
    unique = list(dict.fromkeys(operands))
    return unique[0] if len(unique) == 1 else "(" + " | ".join(unique) + ")"


@dataclass(frozen=True)
class Suggestions:
    """What to offer when a search finds nothing."""

    correction: str | None  # the query respelled from the archive's own vocabulary, if any
    people: list = field(default_factory=list)  # nearest Person rows by name or alias
    tags: list = field(default_factory=list)  # nearest Tag rows by name


@dataclass(frozen=True)
class RankedTerm:
    """One group of the query (a word, phrase or prefix, or alternatives joined by OR), as ranking sees it.

    ``idf`` is BM25's inverse document frequency of the whole group (see ``ranked_terms``); the
    names of the people the group names count as its alternatives in ``ranking_operand``.
    """

    text: str  # as typed, for "not found in any article"
    operand: str  # to_tsquery text of the group (without people's names): what must match
    ranking_operand: str  # the same with the names of the people it names: what ranking counts
    people: tuple = ()
    idf: float = 0.0
    frequency: int = 0  # how many articles have the group, as ``ranked_terms`` counts it from the statistics
    # Its lexemes, when ``ranking_operand`` is only lexemes joined by OR (no phrase, name or prefix
    # match): an occurrence of any of them is one of the group's. Otherwise empty.
    lexemes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fallback:
    """Too few articles have every word: the search also returns those with at least ``level`` of them."""

    level: int  # how many of the query's terms a result has at least
    terms: int  # how many terms the query has (stop words aside)
    missing: tuple[str, ...] = ()  # terms no article has at all, as typed


def inverse_document_frequency(documents: int, frequency: int) -> float:
    """BM25's idf, ln(1 + (N - df + 0.5) / (df + 0.5)): positive, larger for rarer terms."""
    frequency = min(frequency, documents)  # the statistics may be older than the articles
    return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


class ArticleSearch:
    """One reader's query, prepared for PostgreSQL.

    - Words become to_tsquery operands, normalised by the archive's configuration
      (accents folded, English stems); each also stands for its other British or
      American spelling (``mobilisation`` | ``mobilization``).
    - A prefix (``mobili*``) stands for the archive's own words that start so
      (the most frequent ones, from the ``articles_vocabulary`` view), since the
      stored stems (``mobil``) are not prefixed by what readers type.
    - A word or phrase that names a person, by name or alias (``Cupik``), also
      matches the articles linked to that person, as mentioned or author; such
      hits are flagged ``alias_match`` and come after the articles that use the
      reader's own spelling (ranked among themselves with the person's names).
    - Ranking is BM25-like (see ``rank_expression``) within the RANK_WINDOW newest
      matches (see RANK_WINDOW) and the words' champions (``champion_lexemes``), so
      relevance stays fast for very common words.
    - When fewer than PARTIAL_THRESHOLD articles have every word (a misremembered
      or misspelt word), articles with all words but one are added, then all but
      two, … (see ``Fallback``); they are flagged ``partial_match`` and ranked
      with the few articles that have every word.

    Preparing costs at most five small queries (prefixes; people and their names; the
    lexemes' statistics; whether to fall back), made once.
    """

    def __init__(
        self, text: str, *, aliases: bool = True, partial: bool = True, windowed: bool = True, published: bool = False
    ):
        self.text = text or ""
        self.aliases = aliases
        self.partial = partial
        #: Whether the articles searched are all published (the public pages'): then a date-sorted
        #: page's months are read from the published articles' date index (``_or_linked_with``).
        self.published = published
        #: Whether only the RANK_WINDOW newest matches are scored (see ``apply``). False when the
        #: results are sorted by date (the rank is only shown, so only the page's hits are scored)
        #: or known to be fewer (every one is scored, without finding the window first).
        self.windowed = windowed
        #: Whether the window is found by sorting the matches by date rather than by walking the
        #: date index (see ``count_known``).
        self.window_sorted = False
        #: Whether the results, all scored (not ``windowed``), are found by walking the ranking
        #: vectors of the articles searched rather than through the GIN index (``count_known``).
        self.results_walked = False
        #: The first day of the earliest month the window reaches back to, from the results' counts
        #: by month (``count_known``): only matches from then on are sorted to find it.
        self.window_floor: datetime.date | None = None
        #: Whether the floor is tested on each row the GIN index lists rather than through the date
        #: index (WINDOW_FLOOR_ROW_TEST_SHARE; ``count_known``).
        self.floor_tested_on_rows = False
        #: The first day the recent ranking vectors' index holds, when the window's floor is on or
        #: after it (``count_known``, RECENT_RANKING_INDEX): the window is listed from that index.
        self.recent_since: datetime.date | None = None
        #: The spans of months (first day, first day after; None, None: undated) that hold every
        #: result of a search with a phrase, from the counts by month (``count_known``).
        self.result_spans: list[tuple[datetime.date | None, datetime.date | None]] | None = None
        #: The results' ids, when the counts listed them (``count_known``): then only those are read.
        self.result_ids: list[int] | None = None
        #: The dates the articles looked for now lie within (a page of results sorted by date: the
        #: months that hold it, see ``months_bound``), or None.
        self.page_bound: Q | None = None
        #: The articles' ids counted now (the counts of some segments, ``ArticleFilterSet.counts_statement``),
        #: or None: put inside each part of a search naming people, as dates are (``_or_linked_with``).
        self.ids_bound: Q | None = None
        #: None: ``apply`` gives every result. WINDOW or PAST_WINDOW: only the window's (scored) or
        #: every result newest first, unscored (``WindowFirst`` pages through the two).
        self.part: str | None = None
        self.parsed: ParsedQuery = parse_query(self.text)
        #: Set by ``fallback_decide`` (or the first ``apply``): how the search fell back to partial
        #: matches, or None (every word matched).
        self.fallback: Fallback | None = None
        self._fallback_decided = False
        self._walk_scope: int | None = None

    @property
    def is_blank(self) -> bool:
        return not self.parsed.groups  # exclusions alone select nothing worth ranking

    # --- expansions (each looked up once) ---

    @cached_property
    def _prefix_words(self) -> dict[str, list[str]]:
        """For each prefix in the query, the archive's most frequent words starting with it."""
        prefixes = sorted({term.words[-1].lower() for term in self._all_terms if term.prefix})
        if not prefixes:
            return {}
        patterns = [prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for prefix in prefixes]
        expansions: dict[str, list[str]] = {prefix: [] for prefix in prefixes}
        with read_connection().cursor() as cursor:
            cursor.execute(
                """
                SELECT prefix, expansion.word
                FROM unnest(%s::text[], %s::text[]) AS typed(prefix, pattern)
                CROSS JOIN LATERAL (
                    SELECT word FROM articles_vocabulary WHERE word LIKE typed.pattern
                    ORDER BY ndoc DESC, word LIMIT %s
                ) AS expansion
                """,
                [prefixes, patterns, PREFIX_EXPANSION_LIMIT],
            )
            for prefix, word in cursor.fetchall():
                expansions[prefix].append(word)
        return expansions

    @cached_property
    def people_by_term(self) -> dict[Term, list]:
        """People each positive word or phrase names, by name or alias (nothing when aliases are off).

        When some people are named by every word that names anyone ("Ramon Sanchez"), those are
        the people each of those words names, not every Ramon and every Sanchez (see ``people``).
        A word naming more than MAX_PEOPLE_NAMED people even so is a common name: it names
        no one. Only people readers may see count: one only drafts name would be offered as
        "Looking for …?".

        Which people the words name is remembered, with those people, per state of the people
        (``caching.remembered`` under ``caching.people_version``, which an edit to an article's
        text or tags leaves as it was; ``_people_named`` finds them, ``_visible_people`` loads them):
        finding which of all the people found readers may see took up to 12 ms a search
        ("marine", naming 223 people on 1,000,000 articles), and loading them with their aliases'
        names 2.5 ms, 1.5 of them PostgreSQL's planning the statement. The people are shared by
        the searches that name them, so they are only read.
        """
        from articles.caching import people_version, remembered  # it reads the database through this module

        terms = [term for term in self.parsed.positive_terms if not term.prefix]
        if not self.aliases or not terms:
            return {}
        names_all_words = tuple(" & ".join(_lexeme(word) for word in term.words) for term in terms)
        named, people = remembered(
            "people named",
            (names_all_words, MAX_PEOPLE_NAMED),
            functools.partial(_people_named, names_all_words),
            state=people_version,
        )
        by_term = {
            terms[position]: [people[person_id] for person_id in ids if person_id in people]
            for position, ids in named.items()
        }
        return {term: named_people for term, named_people in by_term.items() if named_people}

    @property
    def people(self) -> list:
        """The people the query names: those named by all of its words that name anyone, if any.

        "Sergei Mironov" is Sergey Mironov (his alias), not also every other Sergei; but
        "Putin Shoigu" names two people, so then everyone named by any word, in query order.
        """
        named = list(self.people_by_term.values())
        anyone = list(dict.fromkeys(person for people in named for person in people))
        in_all = [person for person in anyone if all(person in people for people in named)]
        return in_all or anyone

    # --- to_tsquery texts ---

    @property
    def _all_terms(self) -> list[Term]:
        return [*self.parsed.positive_terms, *self.parsed.excluded]

    def _word_operand(self, word: str) -> str:
        return _any_of([_lexeme(spelling) for spelling in (word, *spelling_variants(word))])

    def _term_operand(self, term: Term, *, with_names: bool, lexemes: dict[str, dict[str, int]] | None = None) -> str:
        """``term`` as a to_tsquery operand; ``with_names``, OR any name of the people it names.

        ``lexemes`` (each spelling's lexemes, as ``ranked_terms`` looks them up): for ranking, a
        one-word term leaves out the names that hold the word itself. Every occurrence of such a
        name holds an occurrence of the word, which ``ts_rank_cd`` counts already (each occurrence
        of an alternative is a cover of its own, and covers are the smallest spans that match), so
        the score is the same; but each alternative is a phrase to look for in every scored
        article. "Ramon", naming people whose eight names all hold it, scored 5,000 articles in
        210 ms with the names and in 54 ms without them.
        """
        operands = [self._word_operand(word) for word in term.words[:-1]]
        last = term.words[-1]
        if term.prefix:
            expansions = self._prefix_words.get(last.lower(), [])
            # The archive's words when it knows some; else the (stemmed) prefix itself, which also
            # catches words published since the vocabulary was last refreshed.
            operands.append(_any_of([_lexeme(word) for word in expansions] or [f"{_lexeme(last)}:*"]))
        else:
            operands.append(self._word_operand(last))
        operand = " <-> ".join(operands)
        if with_names and term in self.people_by_term:
            people = self.people_by_term[term]
            names = [name.split() for person in people for name in (person.name, *person.alias_names)]
            if lexemes is not None and len(term.words) == 1 and not term.prefix:
                own = {lexeme for spelling in (last, *spelling_variants(last)) for lexeme in lexemes.get(spelling, {})}
                names = [name for name in names if not any(own & lexemes.get(word, {}).keys() for word in name)]
            phrases = [" <-> ".join(_lexeme(word) for word in name) for name in names]
            operand = _any_of([f"({operand})", *(f"({phrase})" for phrase in phrases)])
        return operand

    def _group_operand(
        self, group: tuple[Term, ...], *, with_names: bool, lexemes: dict[str, dict[str, int]] | None = None
    ) -> str:
        """One group of alternatives (terms joined by OR)."""
        return _any_of([f"({self._term_operand(term, with_names=with_names, lexemes=lexemes)})" for term in group])

    def _tsquery(self, *, with_names: bool) -> str:
        groups = [self._group_operand(group, with_names=with_names) for group in self.parsed.groups]
        if with_names:  # ranking and highlighting: exclusions only filter, and ts_rank scores them 0
            return " & ".join(groups)
        excluded = [f"!({self._term_operand(term, with_names=False)})" for term in self.parsed.excluded]
        return " & ".join(groups + excluded)

    def _query(self, text: str) -> SearchQuery:
        return SearchQuery(text, search_type="raw", config=SEARCH_CONFIG)

    @cached_property
    def text_query(self) -> SearchQuery:
        """The query as typed (with spellings and prefixes expanded), matched against the text."""
        return self._query(self._tsquery(with_names=False))

    @cached_property
    def ranking_tsquery(self) -> str:
        """The wanted words plus the names of the people they name, as a to_tsquery text."""
        return self._tsquery(with_names=True)

    @cached_property
    def ranking_query(self) -> SearchQuery:
        """``ranking_tsquery``: ranks and highlights alias hits too."""
        return self._query(self.ranking_tsquery)

    # --- ranking statistics ---

    def _group_spellings(self, group: tuple[Term, ...]) -> list[list[list[str]]]:
        """Each alternative of ``group`` as words, each word as the spellings it stands for (names included)."""
        alternatives = []
        for term in group:
            words = [[word, *spelling_variants(word)] for word in term.words[:-1]]
            last = term.words[-1]
            if term.prefix:
                words.append(self._prefix_words.get(last.lower(), []) or [last])
            else:
                words.append([last, *spelling_variants(last)])
            alternatives.append(words)
            for person in self.people_by_term.get(term, []):
                for name in (person.name, *person.alias_names):
                    alternatives.append([[word] for word in name.split()])
        return alternatives

    @cached_property
    def ranked_terms(self) -> list[RankedTerm]:
        """The query's groups with their lexemes and idf, in one query; groups of stop words only are left out.

        A word's document frequency is that of its most frequent lexeme (its spellings are
        alternatives), a phrase's that of its rarest word (an upper bound), and a group of
        alternatives has the sum of theirs (at most every article), leaving out names that
        hold one of the group's words (their matches are that word's).
        """
        groups = [(group, self._group_spellings(group)) for group in self.parsed.groups]
        spellings = sorted(
            {spelling for _, alternatives in groups for words in alternatives for word in words for spelling in word}
        )
        lexemes: dict[str, dict[str, int]] = {}
        documents = 0
        average_length = 0.0
        if spellings:
            for spelling, lexeme, frequency, *totals in _lexeme_statistics(tuple(spellings)):
                lexemes.setdefault(spelling, {})[lexeme] = frequency
                documents, average_length = totals
        self._documents, self._average_length = documents, average_length
        # What the words and names searched stem to: the headlines' clues (``headlines``).
        self._ranking_lexemes = [lexeme for found in lexemes.values() for lexeme in found]
        ranked = []
        for group, alternatives in groups:
            kept = []
            for words in alternatives:
                word_lexemes = [
                    {lexeme: lexemes[spelling][lexeme] for spelling in word for lexeme in lexemes.get(spelling, {})}
                    for word in words
                ]
                word_lexemes = [found for found in word_lexemes if found]  # stop words match anything
                if word_lexemes:
                    kept.append(word_lexemes)
            if not kept:
                continue
            # A name holding a word that is an alternative of its own ("Emily Dunmore" beside the
            # typed "Dunmore") matches nothing that word does not: counting both made a surname
            # naming ten people look eleven times as common as it is.
            single_words = [set(words[0]) for words in kept if len(words) == 1]
            counted = [
                words
                for words in kept
                if len(words) == 1 or not any(set(word) <= single for word in words for single in single_words)
            ]
            frequency = min(documents, sum(min(max(word.values()) for word in words) for words in counted))
            ranked.append(
                RankedTerm(
                    text=" OR ".join(term.text for term in group),
                    operand=self._group_operand(group, with_names=False),
                    ranking_operand=self._group_operand(group, with_names=True, lexemes=lexemes),
                    people=tuple(person for term in group for person in self.people_by_term.get(term, [])),
                    idf=inverse_document_frequency(documents, frequency),
                    frequency=frequency,
                    lexemes=self._single_lexemes(group, lexemes),
                )
            )
        return ranked

    def _single_lexemes(self, group: tuple[Term, ...], lexemes: dict[str, dict[str, int]]) -> tuple[str, ...]:
        """The lexemes of ``group``'s ranking operand when it is a disjunction of single lexemes, else ().

        So it is when each of its terms is one word (a prefix with its expansions), names no one
        (names are phrases), and each spelling is one lexeme (to_tsquery makes a phrase of a
        spelling of several, "well-known"; a stop word is left out).
        """
        found: set[str] = set()
        for term in group:
            if len(term.words) != 1 or term in self.people_by_term:
                return ()
            word = term.words[0]
            spellings = self._prefix_words.get(word.lower(), []) if term.prefix else [word, *spelling_variants(word)]
            if not spellings:  # the stem itself, as a prefix (``:*``)
                return ()
            for spelling in spellings:
                stems = lexemes.get(spelling, {})
                if len(stems) > 1:
                    return ()
                found.update(stems)
        return tuple(sorted(found))

    def rank_expression(self):
        """The BM25-like score of an article for the query, computed from its stored vector.

        Σ over the query's terms (a group: a word, a phrase, alternatives joined by OR) that the
        article matches of idf · tf·(k1+1) / (tf + k1·(1 - b + b·length/average length)), where
        length is the size of the article's text in bytes (title, summary, body: proportional to
        its words as BM25 wants, stop words included, and known without reading the text, which
        ``octet_length`` takes from the stored value's header) and tf is the term's weighted
        frequency: each
        occurrence of any of its spellings, expansions or alternatives (each occurrence of a
        phrase) counts by where it is (OCCURRENCE_WEIGHTS).

        That frequency is what ``ts_rank_cd`` computes, in C, for a query of one term with its
        weights and no normalisation: every occurrence is a cover of its own, worth its position's
        weight (OCCURRENCE_WEIGHTS, scaled to at most 1 as ts_rank_cd requires, and back). The
        same sum written in SQL (unnesting the vector) cost about six times as much per article.
        ts_rank_cd answers in single precision, so scores agree with an exact computation to
        about 1e-7. But it tests each occurrence against the whole disjunction: a term of many
        lexemes (POSITION_COUNT_MIN_LEXEMES, a prefix's expansions: ``RankedTerm.lexemes``), when
        every occurrence counts alike, has its occurrences counted instead, as the positions of
        those lexemes in the vector. They are picked out in C: ``setweight`` gives theirs weight D,
        which the stored vectors never use (title A, summary B, body C), and ``ts_filter`` keeps
        them. Reads the vector: apply it to a bounded set of articles.
        """
        if not self.ranked_terms:
            return Value(0.0, output_field=FloatField())
        return _VectorSQL(*self.rank_sql())

    def rank_sql(self) -> tuple[str, list]:
        """``rank_expression``'s SQL and parameters, reading the vector and the text's length where
        ``{vector}`` and ``{length}`` are written: the article's own (``_VectorSQL``), or its row of
        RANKING_VECTORS_TABLE (``WindowFirst``).
        """
        terms = self.ranked_terms
        if not terms:
            return "0.0", []
        # ts_rank_cd takes weights up to 1 only (in the order D, C, B, A): scaled down, then back up.
        scale = max(OCCURRENCE_WEIGHTS.values())
        weights = "{" + ",".join(str(OCCURRENCE_WEIGHTS[weight] / scale) for weight in "DCBA") + "}"
        # Each term's part as idf·(k1+1) / (1 + K/tf): tf written once, so computed once; NULL (then
        # 0) when the article lacks the term. Written out inline, not in a subquery that unpacks the
        # vector once for every term: on 5,000 articles at 1,000,000, a one-word score took 52 ms
        # so and 94 ms that way, a two-word one 70 and 100 ms (a vector just unpacked is in memory).
        saturation = f"""{BM25_K1} * (1 - {BM25_B} + {BM25_B}
            * coalesce({{length}}::float8 / nullif(%s::float8, 0), 1))"""
        query = f"to_tsquery('{SEARCH_CONFIG}', %s)"
        covers = f"{scale} * ts_rank_cd('{weights}'::float4[], {{vector}}, {query}, 0)::float8"
        positions = f"""{scale} * (SELECT sum(cardinality(entry.positions))
            FROM unnest(ts_filter(setweight({{vector}}, 'D', %s::text[]), '{{D}}')) AS entry)::float8"""
        # A term of single lexemes is given them as they are, each once: its spellings or
        # expansions often share one ("option", "options", "optional" all give option), and
        # ts_rank_cd tests each occurrence against every operand.
        lexeme_covers = covers.replace(query, "%s::tsquery")
        counted_alike = len(set(OCCURRENCE_WEIGHTS.values())) == 1
        parts, params = [], []
        for term in terms:
            if counted_alike and len(term.lexemes) >= POSITION_COUNT_MIN_LEXEMES:
                frequency, operand = positions, list(term.lexemes)
            elif term.lexemes:
                frequency, operand = lexeme_covers, " | ".join(_lexeme(lexeme) for lexeme in term.lexemes)
            else:
                frequency, operand = covers, term.ranking_operand
            parts.append(f"coalesce(%s::float8 * {BM25_K1 + 1} / (1 + {saturation} / nullif({frequency}, 0)), 0)")
            params += [term.idf, self._average_length, operand]
        return "(" + " + ".join(parts) + ")", params

    # --- applying it ---

    def _at_least(self, level: int) -> Q:
        """Articles with at least ``level`` of the ranked terms (people's articles count for their names).

        Those reaching ``level`` through their text are one tsquery of the C(n, level) conjunctions,
        which the GIN index answers; with people, also the linked articles that reach it (see
        ``_or_linked_with``).
        """
        chosen = combinations(range(len(self.ranked_terms)), level)
        text = " | ".join(f"({self._conjunction(combo)})" for combo in chosen)
        return self._or_linked_with(Q(search_vector=self._query(text)), level)

    def _conjunction(self, combo: tuple[int, ...]) -> str:
        """The to_tsquery text of the ranked terms numbered ``combo``, all of them required."""
        return " & ".join(f"({self.ranked_terms[i].operand})" for i in combo)

    def _or_linked_with(self, by_text: Q, level: int, within: Q | None = None) -> Q:
        """``by_text`` (the articles with ``level`` of the terms in their text, which the GIN index
        finds), or, with people named, an article linked to one of them that has ``level`` terms
        when a term also counts through a link to the people it names.

        ``within``: a condition on the articles' dates or ids, put inside each part (the text's
        matches, the linked articles): PostgreSQL then reads only those articles from each, where
        the condition outside the parts is tested on every article they gather.

        Only the linked articles, gathered from the link tables, have their terms counted, each
        term tested once (text or link). Testing each term through a subquery of all its matches
        read and joined every article with any of the words: 50,000 for "Camila" on 1,000,000
        articles (0.8 s for "Camila Gonzalez Cortes"), and counting every article's terms read
        every vector (30 s); C(n, level) conjunctions of such tests made thousands of subqueries.
        """
        from articles.models import Article, ArticleStatus

        terms = self.ranked_terms
        enough, fewer = self._linked_enough(level)
        if not enough and not fewer:
            return by_text if within is None else by_text & within
        excluding = self._excluding()
        dated = within if within is not None else Q()
        if self.published and self.page_bound is not None:
            # A date-sorted page's few months: each part then reads the published articles of those
            # months from their date index alone (``article_published_newest``), not each article.
            # At 1,000,000 articles the 8,489 linked to the people "Ramon Sanchez" names, newest
            # first: the linked part read the 4,957 articles of its month one by one (21 ms) to
            # keep the linked ones; the page took 70 ms, now 60. Not for a ranking window's months,
            # which reach further back: PostgreSQL then read half the archive's dates from the
            # index (134 → 205 ms) rather than the 8,489 articles by id.
            dated &= Q(status=ArticleStatus.PUBLISHED)
        gathered = [Article.objects.filter(by_text, dated).order_by().values("pk")]
        if enough:
            for linked in _linked_articles(enough):
                gathered.append(
                    Article.objects.filter(pk__in=linked).filter(excluding, dated).order_by().values("pk")
                    if excluding or within is not None
                    else linked
                )
        if fewer:
            found = []
            for term in terms:
                by_word = Q(search_vector=self._query(term.operand))
                # The link first: two index probes, where the text test unpacks the vector, and these
                # articles are linked to someone named, usually by the words that name them.
                matched = _is_linked(term.people) | by_word if term.people else by_word
                found.append(Case(When(matched, then=Value(1)), default=Value(0)))
            # One union of the link tables here, so the terms' tests are written once.
            mentioned, authored = _linked_articles(fewer)
            gathered.append(
                Article.objects.filter(pk__in=mentioned.union(authored, all=True))
                .filter(GreaterThanOrEqual(sum(found, start=Value(0)), level), excluding, dated)
                .order_by()
                .values("pk")
            )
        return Q(pk__in=gathered[0].union(*gathered[1:], all=True))

    def _linked_enough(self, level: int) -> tuple[list, list]:
        """The people named for whom a link counts as ``level`` of the ranked terms, and the others.

        A link to someone named by ``level`` of the terms (a full name's every word names the same
        people) is enough: those articles need no test but the exclusions'. At 1,000,000 articles,
        testing the 8,489 linked to the people "Ramon Sanchez" names took 150 ms.
        """
        named = {person.pk: person for term in self.ranked_terms for person in term.people}
        naming_terms = Counter(pk for term in self.ranked_terms for pk in {person.pk for person in term.people})
        enough = [person for pk, person in named.items() if naming_terms[pk] >= level]
        fewer = [person for pk, person in named.items() if naming_terms[pk] < level]
        return enough, fewer

    def _excluding(self) -> Q:
        condition = Q()
        for term in self.parsed.excluded:
            condition &= ~Q(search_vector=self._query(self._term_operand(term, with_names=False)))
        return condition

    def _fallback_levels(self) -> list[int]:
        """The numbers of terms a partial match may have, from all terms but one down to one, each
        level of so few combinations of terms that it is counted."""
        terms = len(self.ranked_terms)
        return [level for level in range(terms - 1, 0, -1) if math.comb(terms, level) <= MAX_PARTIAL_COMBINATIONS]

    def _fallback_statement(self, queryset) -> tuple[str, list]:
        """The statement ``_choose_fallback`` decides from, over ``queryset`` (the articles searched):
        one row of the full matches counted up to PARTIAL_THRESHOLD; then, only when fewer, each
        level counted the same way (``_fallback_levels``), and whether each term is in any article."""
        wanted = self._wanted(queryset)
        full = wanted.filter(self._match())

        def sql(queryset, limit: int) -> tuple[str, tuple]:
            return queryset.order_by().values("pk")[:limit].query.sql_with_params()

        full_sql, params = sql(full, PARTIAL_THRESHOLD)
        params = list(params)
        found_sql = f"SELECT count(*) AS found FROM ({full_sql}) AS hits"
        if self.people_by_term:
            # Enough articles with every word in their text settle it without gathering the linked ones.
            text_sql, text_params = sql(wanted.filter(search_vector=self.text_query), PARTIAL_THRESHOLD)
            found_sql = (
                f"SELECT CASE WHEN count(*) >= {PARTIAL_THRESHOLD} THEN count(*) ELSE ({found_sql}) END AS found "
                f"FROM ({text_sql}) AS text_hits"
            )
            params += text_params
        counts, exists = [], []
        for level in self._fallback_levels():
            level_sql, level_params = sql(wanted.filter(self._at_least(level), self._excluding()), PARTIAL_THRESHOLD)
            counts.append(f"(SELECT count(*) FROM ({level_sql}) AS hits)")
            params += level_params
        for term in self.ranked_terms:
            term_sql, term_params = _any_text_or_linked(wanted, self._query(term.operand), term.people)
            exists.append(term_sql)
            params += term_params
        statement = f"""
            WITH full_matches AS ({found_sql})
            SELECT found, CASE WHEN found < {PARTIAL_THRESHOLD} THEN ARRAY[{", ".join(counts)}]::int[] END,
                   CASE WHEN found < {PARTIAL_THRESHOLD} THEN ARRAY[{", ".join(exists)}]::boolean[] END
            FROM full_matches
            """
        return statement, params

    def _choose_fallback(self, statement: tuple[str, list]) -> Fallback | None:
        """Whether to add partial matches, and down to how many terms: ``statement`` (``_fallback_statement``) run.

        Decided over the searched articles before other filters, so the page, the API, the count
        and the facets all describe the same results. Partial matches are added when fewer than
        PARTIAL_THRESHOLD articles have every term, down to the first level with that many.
        """
        terms = self.ranked_terms  # two or more, partial matches allowed (``fallback_decide``)
        levels = self._fallback_levels()
        with read_connection().cursor() as cursor:
            cursor.execute(*statement)
            found, level_counts, term_exists = cursor.fetchone()
        if found >= PARTIAL_THRESHOLD or not level_counts:
            return None
        # The first level with enough articles; else the first with as many as the last (no fewer words needed).
        enough = min(PARTIAL_THRESHOLD, level_counts[-1])
        chosen, chosen_count = next(
            (level, count) for level, count in zip(levels, level_counts, strict=True) if count >= enough
        )
        if chosen_count <= found:
            return None  # nothing to add: no article has fewer of the words either
        missing = tuple(term.text for term, exists in zip(terms, term_exists, strict=True) if not exists)
        return Fallback(level=chosen, terms=len(terms), missing=missing)

    def _match(self, within: Q | None = None) -> Q:
        """Articles with every term, in their text or (a term naming people) through a link to one of them.

        ``within``: only those dated so (see ``_or_linked_with``).
        """
        return self._or_linked_with(Q(search_vector=self.text_query), len(self.ranked_terms), within)

    def _bounds(self, *extra: Q | None) -> Q | None:
        """The bounds in effect (``result_spans``, ``page_bound``, ``ids_bound``, ``extra``), as one condition."""
        spans = _within(self.result_spans) if self.result_spans is not None and self.fallback is None else None
        bounds = [bound for bound in (spans, self.page_bound, self.ids_bound, *extra) if bound is not None]
        return functools.reduce(operator.and_, bounds) if bounds else None

    def ranking_vector_match(self, *extra: Q | None) -> Q:
        """The condition a result's RankingVector row meets (every word, within the date bounds in
        effect and ``extra``), for a search that names no one: the row has no links."""
        return self._bounds(Q(vector=self.text_query), *extra)

    def champion_lexemes(self) -> tuple[str, ...]:
        """The lexemes whose champions (``RankingChampion``) the ranking window scores besides the
        newest matches: those of the ranked terms that are single lexemes or disjunctions of them
        (``RankedTerm.lexemes``), each with a list. Empty unless the search is ``windowed`` with
        every word matched and no one named (the window of a search naming people is split by
        alias hits, and a name is a phrase: no list).
        """
        if not self.windowed or self.fallback is not None or self.people_by_term:
            return ()
        return self._listed_champion_lexemes

    @cached_property
    def _listed_champion_lexemes(self) -> tuple[str, ...]:
        lexemes = tuple(sorted({lexeme for term in self.ranked_terms for lexeme in term.lexemes}))
        return _champions_listed(lexemes) if lexemes else ()

    def champions(self) -> QuerySet:
        """The ids of the articles listed as champions of ``champion_lexemes`` (matches or not)."""
        champion = apps.get_model("articles", "RankingChampion")
        return champion.objects.filter(lexeme__in=self.champion_lexemes()).values("article_id")

    @cached_property
    def links_suffice(self) -> bool:
        """Whether people are named and a link to any of them is a match (``ranking_vector_linked``)."""
        enough, fewer = self._linked_enough(len(self.ranked_terms))
        return bool(enough) and not fewer

    def ranking_vector_linked(self, *extra: Q | None) -> Q | None:
        """The condition a result's RankingVector row meets when it is a result through a link alone:
        linked to someone the search names, without every word in its text (``ranking_vector_match``
        then holds the others), none excluded, within the date bounds in effect and ``extra``.

        None unless ``links_suffice``: with no one named, or with a link to some of them not enough
        for a match (each term must then be counted through its link or its text: ``_or_linked_with``).
        """
        if not self.links_suffice:
            return None
        enough, _ = self._linked_enough(len(self.ranked_terms))
        mentioned, authored = _linked_articles(enough)
        excluded = [self._query(self._term_operand(term, with_names=False)) for term in self.parsed.excluded]
        condition = Q(pk__in=mentioned.union(authored, all=True)) & ~Q(vector=self.text_query)
        for query in excluded:
            condition &= ~Q(vector=query)
        return self._bounds(condition, *extra)

    def _alias_match(self, *, each: bool = False):
        """True for a hit linked to a person named but without the reader's spelling of the name
        (of every word or phrase that names someone) in its text.

        Only the naming terms are looked for: an article with some of the words (see ``Fallback``)
        that spells the name as the reader did is found through the reader's words, not the alias.
        The text is only looked at for linked articles: reading every matching vector is what
        makes searches slow (see RANK_WINDOW). Whether a hit is linked is two index probes of the
        link tables, not a test against the linked articles' ids: a first name can name a hundred
        people linked to 100,000 articles.

        Sorted by date, the flag is worked out after the sort and the limit, for the page's hits
        only: their vectors are tested. Sorted best first it is part of the order, so every match
        has it worked out, and with more matches than the window (``windowed``) the articles whose
        text has the names are found once, by the GIN index, and each linked match is looked up
        among them. At 1,000,000 articles, "Ramon Sanchez" (9,764 results, 8,489 articles linked
        to the people it names) took 20 to 27 ms less so; "Camila Gonzalez Cortes" (103 results)
        took 4 ms more, and newest first, "Ramon Sanchez" took 22 ms more. ``each``: the articles
        are a few read by id (``window_hits``), and each has its vector tested.
        """
        from articles.models import Article

        if not self.people_by_term:
            return Value(False, output_field=BooleanField())
        names_as_typed = self._query(self._names_as_typed)
        if self.windowed and not each:
            spelled_so = Q(pk__in=Article.objects.filter(search_vector=names_as_typed).order_by().values("pk"))
        else:
            spelled_so = Q(search_vector=names_as_typed)
        return Case(
            When(_is_linked(self.people), then=ExpressionWrapper(~spelled_so, BooleanField())),
            default=Value(False),
            output_field=BooleanField(),
        )

    def window_hits(self, queryset):
        """``queryset`` annotated as ``apply`` annotates the window's hits (every word matched):
        scored, and each told apart as an alias hit or not from its own vector. ``WindowFirst``
        scores a page's hits as these are scored, from the ranking vectors' copies of the same
        vectors, and reads the page's articles by id from the articles the filters leave, not
        from the results: PostgreSQL found them all again ("Ramon Sanchez": the text's matches and
        the people's linked articles, 80 ms at 1,000,000 articles) to keep 20."""
        return queryset.annotate(
            rank=self.rank_expression(),
            alias_match=self._alias_match(each=True),
            partial_match=Value(False, output_field=BooleanField()),
        )

    @cached_property
    def _names_as_typed(self) -> str:
        """The to_tsquery text of every term that names people, as the reader spelled them."""
        return " & ".join(f"({term.operand})" for term in self.ranked_terms if term.people)

    def alias_sql(self) -> tuple[str, list]:
        """``alias_match`` (see ``_alias_match``) as SQL over a ranking vector's row: its article's id
        written ``{article}``, its vector ``{vector}``; with its parameters. False with no one named."""
        if not self.people_by_term:
            return "false", []
        # The linked articles' ids, gathered once and hashed (a window's 5,000 rows looked up in
        # the 8,489 articles linked to the people "Ramon Sanchez" names), not two index probes a row.
        mentioned, authored = _linked_articles(self.people)
        linked_sql, linked_params = mentioned.union(authored, all=True).query.sql_with_params()
        return f"({{article}} IN ({linked_sql}) AND NOT {{vector}} @@ to_tsquery(%s::regconfig, %s))", [
            *linked_params,
            SEARCH_CONFIG,
            self._names_as_typed,
        ]

    def _wanted(self, queryset):
        # Words that are all stop words ("the -migrants") leave only exclusions: nothing to look for.
        has_wanted_words = ~Q(Exact(Func(self.text_query, function="querytree", output_field=TextField()), "T"))
        return queryset.filter(has_wanted_words)

    def fallback_decide(self, queryset) -> Fallback | None:
        """Decide, once, whether the search falls back to partial matches, over ``queryset``.

        Pass the articles searched before any other filter (a source, a date range…), so the
        decision depends on the words alone, and then ``apply`` the search to the filtered
        articles: the ranking windows are then taken among the results themselves, not among
        matches the filters take away. Without it, the first ``apply`` decides over its queryset.
        """
        if not self._fallback_decided and not self.is_blank:
            from articles.caching import remembered, written  # it reads the database through this module

            # Only a question for the database with partial matches allowed and two terms or more:
            # otherwise no statement is written either (about 1 ms of the ORM's).
            if self.partial and len(self.ranked_terms) > 1:
                decided_from = self._decided_from(queryset)
                # What else the statement is written from: a date-sorted page's published articles
                # (``_or_linked_with``), and whether the words name anyone, if not any ranked term.
                written_from = (decided_from, self.published and self.page_bound is not None, bool(self.people_by_term))

                def decide() -> Fallback | None:
                    write = functools.partial(self._fallback_statement, queryset)
                    return self._choose_fallback(written("fallback statement", written_from, write))

                self.fallback = remembered("fallback", decided_from, decide)
            else:
                self.fallback = None
            self._fallback_decided = True
        return self.fallback

    def _decided_from(self, queryset) -> tuple:
        """What ``_choose_fallback`` decides from (with the code): the words as typed and as searched
        (spellings, the archive's words for prefixes, exclusions), the people each term names, the
        articles searched, and the thresholds.

        Writing the statement took the ORM 3 to 4 ms for two words and 11 to 25 ms for a name (at
        10,000 articles), so the decision is remembered per published state (``caching.remembered``),
        and the statement, for the next state, in the process (``caching.written``): after a change
        to one article, `Camila Gonzalez Cortes` spent 16 ms writing it again and 4 running it.
        """
        # The articles' conditions only: their columns and order change nothing decided (and cost 0.3 ms more).
        searched_sql, searched_params = queryset.order_by().values("pk").query.sql_with_params()
        terms = tuple(
            (term.text, term.operand, tuple(person.pk for person in term.people)) for term in self.ranked_terms
        )
        thresholds = (PARTIAL_THRESHOLD, MAX_PARTIAL_COMBINATIONS)
        return (self._tsquery(with_names=False), terms, searched_sql, repr(searched_params), thresholds)

    def count_known(
        self,
        total: int,
        months: Iterable[MonthCountRow] = (),
        ids: Iterable[int] | None = None,
        walk_scope: Callable[[], int | None] | None = None,
    ) -> bool:
        """Tell the search how many results it has, and (``months``) how many in each month, as the
        search page's counts give them; True when it is then to be applied again.

        With every word matched and no more results than RANK_WINDOW, the window would hold them
        all: every one is scored, without looking for the window first. With more, the window is
        found by sorting the results by date unless walking the date index costs less (see
        WINDOW_WALK_TEST_COST); sorted, only the results of the months it reaches back to are
        (``month_reached``): the GIN index still finds every match, but only those are read.

        Whatever the order, a search with a phrase then reads only the months that hold its results
        (see MAX_RESULT_SPANS).

        ``ids``: the results' ids, when the counts listed them (``LISTED_RESULTS``). With every word
        matched and no more results than the window holds, they are then read by their ids, not
        searched for again, and all are scored. With some of the words, they are read by their
        ids too, and scored as before (see ``apply``).

        ``walk_scope``: how many articles a walk would meet at most, if fewer than the archive's
        (``ArticleFilterSet.walk_scope``), asked only when a walk is weighed.
        """
        if ids is not None and self.fallback is None and (total <= RANK_WINDOW or not self.windowed):
            self.result_ids = list(ids)
            self.windowed = False
            return True
        if ids is not None and self.fallback is not None:
            self.result_ids = list(ids)
            return True
        months = list(months)
        spans = self._phrase_result_spans(months)
        if spans is not None:
            self.result_spans = spans
        applied_again = spans is not None
        if not self.windowed or self.fallback is not None:
            return applied_again
        if total <= RANK_WINDOW:
            self.windowed = False
            # All scored: a walk would meet the last of them near the end of the articles searched
            # (a common word within one source: 4,462 of its 12,800 articles, where the GIN index
            # lists 356,000 at 1,000,000 articles).
            self.results_walked = bool(self.ranked_terms) and not self._index_finds(total, total, walk_scope)
            return True
        if not self.ranked_terms:  # read with the archive's size, ``_documents``
            return applied_again
        floor = month_reached(months, RANK_WINDOW)
        recent = self._recent_listed(months, floor)
        if not self.window_sorted and self._index_finds(RANK_WINDOW, total, walk_scope, recent):
            self.window_sorted = True
            self.window_floor = floor
            self.recent_since = None if recent is None else recent[0]
            if not self.people_by_term:
                listed, walked = self._listed_and_walked(RANK_WINDOW, total, walk_scope, recent)
                self.floor_tested_on_rows = listed < walked * WINDOW_FLOOR_ROW_TEST_SHARE
            return True
        return applied_again

    def _recent_listed(
        self, months: list[MonthCountRow], floor: datetime.date | None
    ) -> tuple[datetime.date, int] | None:
        """When the window's ``floor`` is in the months the recent ranking vectors' index holds
        (``recent_ranking_index``): the day that index starts, and how many of the results (counted
        by month in ``months``) are on or after it. None otherwise."""
        since = recent_ranking_index() if floor is not None else None
        if since is None or floor < since:
            return None
        return since, sum(count for month, _, count in months if month is not None and month >= since)

    def _index_finds(
        self,
        wanted: int,
        total: int,
        walk_scope: Callable[[], int | None] | None,
        recent: tuple[datetime.date, int] | None = None,
    ) -> bool:
        """Whether the newest ``wanted`` of ``total`` results are found through the GIN index (then,
        if fewer than all, by sorting by date) rather than by a walk (WINDOW_WALK_TEST_COST).
        Always, with people named: the articles linked to them are found through the links, and a
        walk along the ranking vectors tests their words only. ``recent``: see ``_listed_and_walked``."""
        if self.people_by_term:
            return True
        listed, walked = self._listed_and_walked(wanted, total, walk_scope, recent)
        return listed <= walked * WINDOW_WALK_TEST_COST

    def _listed_and_walked(
        self,
        wanted: int,
        total: int,
        walk_scope: Callable[[], int | None] | None,
        recent: tuple[datetime.date, int] | None = None,
    ) -> tuple[int, int]:
        """How many rows the GIN index lists for the newest ``wanted`` of ``total`` results, and how
        many a walk along the date index meets (``wanted`` in ``total`` of the articles walked), both
        times ``total``: listed * total and wanted * articles walked. ``walk_scope`` is asked once.

        ``recent`` (``_recent_listed``): the recent vectors' index lists them, the rarest word's
        articles of those months, as many times fewer as the results since it starts are."""
        if self._walk_scope is None:
            self._walk_scope = (walk_scope() if walk_scope is not None else None) or self._documents
        rarest = min(term.frequency for term in self.ranked_terms)
        listed = rarest * total if recent is None else rarest * recent[1]
        return listed, wanted * self._walk_scope

    def _phrase_result_spans(self, months: list[MonthCountRow]):
        """``result_months_spans`` of ``months`` for a search with a phrase and every word matched, else None."""
        terms = [term for group in self.parsed.groups for term in group] + list(self.parsed.excluded)
        if self.fallback is not None or not months or not any(len(term.words) > 1 for term in terms):
            return None
        spans = result_months_spans(months)
        return spans if 0 < len(spans) <= MAX_RESULT_SPANS else None

    def reads_all_for_a_page(self, total: int) -> bool:
        """Whether a date-sorted page of ``total`` results reads them all, unbounded (``UNBOUNDED_PAGE_RESULTS``).

        So it does when they are few, and so are the articles the index finds, which the rarest
        group's count (``RankedTerm.frequency``) bounds near enough. With some of the words only,
        the search reads every combination's matches: they stay bounded. The answer changes what is
        read, never what is found.
        """
        if total > UNBOUNDED_PAGE_RESULTS or self.fallback is not None or not self.ranked_terms:
            return False
        return min(term.frequency for term in self.ranked_terms) <= UNBOUNDED_PAGE_RESULTS

    def splits_at_window(self, total: int) -> bool:
        """Whether ``total`` results, best first, are the window's, best first, then the others by date.

        So they are when every hit has every word (no partial matches, ranked in windows of their
        own) and there are words to rank: the window then holds the newest RANK_WINDOW (the others
        score 0) or, for more than RANKED_APART_RESULTS, every result. ``WindowFirst`` then reads a
        page from one of the two parts, and scores the window from RANKING_VECTORS_TABLE. (Hits
        found through a person's alias come after the others, each part split so: ``WindowFirst``.)
        """
        if self.fallback is not None or not self.ranked_terms:
            return False
        return self.windowed or total > RANKED_APART_RESULTS

    def apply(self, queryset):
        """``queryset`` narrowed to the matches, best first.

        Annotated with ``rank``, ``alias_match`` and ``partial_match``.

        Sets ``fallback`` when too few articles have every word (see ``Fallback`` and
        ``fallback_decide``).
        """
        if self.is_blank:
            # Annotated all the same, so callers can sort and read hits whatever was typed.
            return queryset.none().annotate(
                rank=Value(0.0, output_field=FloatField()),
                alias_match=Value(False, output_field=BooleanField()),
                partial_match=Value(False, output_field=BooleanField()),
            )
        self.fallback_decide(queryset)
        wanted = self._wanted(queryset)
        if self.result_ids is not None and self.fallback is None:
            full = wanted.filter(_AnyOf(F("pk"), Value(self.result_ids)))
        else:
            full = wanted.filter(self._match(self._bounds()))
        score = self.rank_expression()
        if self.fallback is None:
            not_partial = Value(False, output_field=BooleanField())
            if self.windowed:
                floor = None if self.window_floor is None else Q(published_on__gte=self.window_floor)
                reached = full if floor is None else wanted.filter(self._match(self._bounds(floor)))
                window = reached.sorted_by(SORT_NEWEST, few=self.window_sorted).values("pk")[:RANK_WINDOW]
                if self.part == WINDOW:
                    # The matches the window is taken from (``WindowFirst`` takes the window, or
                    # walks the ranking vectors for it), scored.
                    return self.window_hits(reached).order_by(*RELEVANCE_ORDER)
                if self.part == PAST_WINDOW:
                    unscored = Value(0.0, output_field=FloatField())
                    return full.annotate(rank=unscored, alias_match=self._alias_match(), partial_match=not_partial)
                scored = Q(pk__in=window)
                if self.champion_lexemes():
                    scored |= Q(pk__in=self.champions())
                rank = Case(When(scored, then=score), default=Value(0.0), output_field=FloatField())
            else:
                # Sorted by date, PostgreSQL scores the page's hits alone, after the sort and the
                # limit; sorted by relevance, it scores every match (fewer than the window).
                rank = score
            return full.annotate(rank=rank, alias_match=self._alias_match(), partial_match=not_partial).order_by(
                *RELEVANCE_ORDER
            )
        level = self.fallback.level
        if self.result_ids is not None:
            # Counted already: not searched for again (a GIN probe for each combination of words,
            # and the people's linked articles).
            matches = wanted.filter(_AnyOf(F("pk"), Value(self.result_ids)))
        else:
            matches = wanted.filter(self._at_least(level), self._excluding())
        # The id list is computed once, and is short (fewer than PARTIAL_THRESHOLD ids: that is why
        # the search fell back), so testing each hit against it is cheap.
        is_full = _InArray(F("pk"), Subquery(full.order_by().values("pk")))
        if self.windowed:
            # Fewer than PARTIAL_THRESHOLD articles have more of the words than ``level`` (that is
            # why the search fell back so far): they are all ranked, wherever they are in time.
            better = (
                full
                if level + 1 >= self.fallback.terms
                else wanted.filter(self._at_least(level + 1), self._excluding())
            )
            is_better = _InArray(F("pk"), Subquery(better.order_by().values("pk")))
            window = self._partial_window(wanted, matches, level)
            rank = Case(
                When(Q(pk__in=window) | Q(is_better), then=score), default=Value(0.0), output_field=FloatField()
            )
        else:
            # Sorted by date, as with every word: PostgreSQL scores the page's hits alone, after the
            # sort and the limit, so no window is needed. Writing one (a subquery for each
            # combination of words) took the ORM longer than the rest of the page's statement.
            rank = score
        return matches.annotate(
            rank=rank,
            alias_match=self._alias_match(),
            partial_match=Case(When(is_full, then=Value(False)), default=Value(True), output_field=BooleanField()),
        ).order_by(*RELEVANCE_ORDER)

    def _partial_window(self, wanted, matches, level: int):
        """The partial matches to score: the newest of each combination of ``level`` terms, and the newest of all."""
        overall = matches.order_by(*NEWEST_ORDER).values("pk")[:PARTIAL_RANK_WINDOW]
        chosen = list(combinations(range(len(self.ranked_terms)), level))
        each = max(PARTIAL_COMBINATION_BUDGET // len(chosen), 1)
        # Each combination's text matches are matches already: only the index answers them.
        windows = [
            wanted.filter(search_vector=self._query(self._conjunction(combo)))
            .filter(self._excluding())
            .order_by(*NEWEST_ORDER)
            .values("pk")[:each]
            for combo in chosen
        ]
        return overall.union(*windows, all=True)

    def headlines(self, articles) -> None:
        """Set ``article.headline`` (safe HTML, matches in <mark>) on each of ``articles``, in one query.

        Call it with the page being shown only: headlines are the costliest part of a search.
        ts_headline parses and stems every word of the text it is given, about a millisecond
        for a body of 800 words, so it is given only the paragraphs holding most of the searched
        words (``headline_passage``), chosen from the articles' bodies by the lexemes the ranking
        statistics found for the words and names searched (``ranked_terms``). On the 20 results
        of a page of the benchmark's corpus that took ts_headline from 21-27 ms to 4-5 ms.

        Bodies the articles were read without are read first, in one more query.
        """
        from articles.models import Article

        if not articles or self.is_blank:
            for article in articles:
                article.headline = ""
            return
        self.ranked_terms  # noqa: B018 (finds the lexemes)
        connection = read_connection()
        bodies = {article.pk: article.body for article in articles if "body" not in article.get_deferred_fields()}
        if missing := [article.pk for article in articles if article.pk not in bodies]:
            bodies.update(Article.objects.using(connection.alias).filter(pk__in=missing).values_list("pk", "body"))
        clues = list(dict.fromkeys(lexeme_clue(lexeme) for lexeme in self._ranking_lexemes))
        passages = {pk: headline_passage(body, clues) for pk, body in bodies.items()}
        markers = headline_markers()
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT article.id, ts_headline(%s::regconfig, article.passage, to_tsquery(%s::regconfig, %s), %s)
                FROM unnest(%s::int[], %s::text[]) AS article(id, passage)
                """,
                [
                    SEARCH_CONFIG,
                    SEARCH_CONFIG,
                    self.ranking_tsquery,
                    headline_options_sql(connection, markers),
                    list(passages),
                    list(passages.values()),
                ],
            )
            found = dict(cursor.fetchall())
        for article in articles:
            article.headline = escape_headline(found.get(article.pk, ""), markers)

    def suggestions(self) -> Suggestions:
        """A respelling from the archive's own words, and the nearest people and tags: three queries.

        Only what readers may see is offered: people and tags that are ``public()``, and words
        still in a published article or in such a name (imports add to the vocabulary, a retraction
        does not take from it, and it holds every name: see ``_shown_word_sql``).
        """
        from django.contrib.postgres.search import TrigramWordSimilarity

        from articles.models import Person, Tag

        words = list(dict.fromkeys(word.lower() for term in self.parsed.positive_terms for word in term.words))
        if not words:
            return Suggestions(correction=None)
        wanted = " ".join(words)
        correction = None
        shown_sql, shown_params = _shown_word_sql()
        with read_connection().cursor() as cursor:
            # The closest words first (OFFSET 0 keeps them in that order), each checked until one is
            # shown (``_shown_word_sql``): checking them all would probe the archive for every one.
            cursor.execute(
                f"""
                SELECT typed, best.word FROM unnest(%s::text[]) AS typed
                CROSS JOIN LATERAL (
                    SELECT candidate.word FROM (
                        SELECT word FROM articles_vocabulary
                        WHERE similarity(word, typed) >= %s
                        ORDER BY word = typed DESC, similarity(word, typed) DESC, ndoc DESC, word
                        OFFSET 0
                    ) AS candidate
                    WHERE {shown_sql}
                    LIMIT 1
                ) AS best
                """,
                [words, CORRECTION_MIN_SIMILARITY, *shown_params],
            )
            replacements = {typed: best for typed, best in cursor.fetchall() if typed != best}
        if replacements:
            correction = _respell(self.text, replacements)
        if len(wanted) < MIN_SUGGESTION_TEXT:
            return Suggestions(correction=correction)
        # The best of the whole text and each word: "chupek migrants" should still find Chupik.
        candidates = [wanted, *words[:SUGGESTION_WORDS]] if len(words) > 1 else [wanted]

        def nearest(model):
            similarities = [TrigramWordSimilarity(text, "name") for text in candidates]
            similarity = Greatest(*similarities) if len(similarities) > 1 else similarities[0]
            return list(
                model.objects.public()
                .annotate(similarity=similarity)
                .filter(similarity__gte=SUGGESTION_MIN_SIMILARITY)
                .order_by("-similarity", "name")[:SUGGESTION_LIMIT]
            )

        people, tags = nearest(Person), nearest(Tag)
        return Suggestions(correction=correction, people=people, tags=tags)


WINDOW = "window"
PAST_WINDOW = "past window"


def result_months_spans(months: Iterable[MonthCountRow]) -> list[tuple[datetime.date | None, datetime.date | None]]:
    """The months of ``months`` (``MonthCountRow``) that hold results, as spans of consecutive months.

    Each span is its first day and the first day after it; undated results make a span (None, None).
    """
    spans: list[tuple[datetime.date | None, datetime.date | None]] = []
    held = sorted({month for month, _, count in months if month is not None and count})
    for month in held:
        following = _following_month(month)
        if spans and spans[-1][1] == month:
            spans[-1] = (spans[-1][0], following)
        else:
            spans.append((month, following))
    if any(month is None and count for month, _, count in months):
        spans.append((None, None))
    return spans


def _within(spans: list[tuple[datetime.date | None, datetime.date | None]]) -> Q:
    """Articles dated within one of ``spans`` (``result_months_spans``)."""
    each = [
        Q(published_on__isnull=True) if start is None else Q(published_on__gte=start, published_on__lt=end)
        for start, end in spans
    ]
    return functools.reduce(operator.or_, each)


def months_bound(months: Iterable[MonthCountRow], needed: int, sort: str) -> Q | None:
    """The dates of the months that hold the first ``needed`` results sorted by date (``sort``), or None.

    From the results' counts by month (``MonthCountRow``); None when the undated results (last in
    either order) may be among them.
    """
    newest = sort == SORT_NEWEST
    reached = month_reached(months, needed, newest=newest)
    if reached is None:
        return None
    return Q(published_on__gte=reached) if newest else Q(published_on__lt=_following_month(reached))


def _following_month(month: datetime.date) -> datetime.date:
    """The first day of the month after ``month`` (a first day)."""
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def month_reached(months: Iterable[MonthCountRow], needed: int, *, newest: bool = True) -> datetime.date | None:
    """The first day of the month in which the first ``needed`` of the counted results, in date order
    (newest or oldest first), are all reached.

    ``months`` are the results' counts by month (``MonthCountRow``: month, precision, count; the
    undated ones under None). Newest first, the first ``needed`` results are all on or after that
    day; oldest first, all before the month after it. None when fewer are dated: the undated ones
    (last in either order) may be among them.
    """
    by_month: Counter[datetime.date] = Counter()
    for month, _, count in months:
        if month is not None:
            by_month[month] += count
    held = 0
    for month in sorted(by_month, reverse=newest):
        held += by_month[month]
        if held >= needed:
            return month
    return None


class WindowFirst:
    """A relevance-sorted search's results (``splits_at_window``), as the paginator slices them:
    the window's, best first, then the others, newest first. The window is the newest RANK_WINDOW
    results and, when its words have champions (``ArticleSearch.champion_lexemes``), those of them
    that are results (``with_champions``).

    That is the order of the search's one queryset, where the others score 0; but that one reads
    and sorts every result to find a page (half a million for a common word on 1,000,000
    articles), while a page of the window reads the window only, and a page past it reads the
    results newest first from the window's size on (the window is their newest RANK_WINDOW).

    With people named, hits found through an alias come after the others, so the order has four
    parts: the window's other hits, best first; the other hits past the window, newest first; the
    window's alias hits, best first; the alias hits past it, newest first. The window's hits are
    the newest of either kind, so the other hits past the window are those after the window's
    among all the other hits newest first, and likewise for the alias hits. "Ramon Sanchez" at
    1,000,000 articles (9,764 results) took the one queryset's statement 340 ms: it read every
    result, and scored the window's from the articles' own vectors.

    ``scored``: makes the search's ``apply`` with ``part`` WINDOW, the matches the window is taken
    from, each scored, best first; ``newest``: makes every result newest first, unscored, or is
    None when the window holds every result (the search is not ``windowed``). Each is made when
    first read (``scored``, ``newest``): most pages read neither, and the ORM took about 0.8 ms
    to write the two. ``search``: that search (how it finds the window); ``narrowed``: the articles
    the other filters leave, and ``ranked`` their ranking vectors, which a walked window is found
    among.
    """

    def __init__(
        self,
        scored: Callable[[], QuerySet],
        newest: Callable[[], QuerySet] | None,
        *,
        total: int,
        search: ArticleSearch,
        narrowed: QuerySet,
        ranked: QuerySet,
    ):
        self._scored_make, self._newest_make, self.total, self.search = scored, newest, total, search
        self.narrowed, self.ranked = narrowed, ranked
        self.size = total if newest is None else RANK_WINDOW
        #: Whether the window also scores the champions of the search's words (``champion_lexemes``),
        #: then holding ``size`` and those of them older than its newest: as many as it counts.
        self.with_champions = newest is not None and bool(search.champion_lexemes())
        #: How many of the window's hits are not alias hits: the first of the window's order.
        self.window_in_text: int | None = None if search.people_by_term or self.with_champions else self.size
        #: How many of the results are champions (of the window's newest or not), when it has them.
        self.champions_in_window = 0

    def __len__(self) -> int:
        return self.total

    @cached_property
    def scored(self) -> QuerySet:
        return self._scored_make()

    @cached_property
    def newest(self) -> QuerySet | None:
        return None if self._newest_make is None else self._newest_make()

    def __getitem__(self, key: slice) -> list:
        start, stop = key.start or 0, self.total if key.stop is None else key.stop
        stop = min(stop, self.total)
        if start >= stop:
            return []
        if self._newest_make is None:  # the window's order is the whole order
            return self._window_page(start, stop)
        reach = self.size
        if self.with_champions:  # the window holds more than ``size``: as many as its statement counts
            if self.window_in_text is None and start >= self.size:
                self._window_page(0, 1)  # counts them, for a page that may be past them
            reach = self.total if self.window_in_text is None else self.window_in_text
        hits = self._window_page(start, min(stop, reach)) if start < reach else []
        if self.window_in_text is None:
            self._window_page(0, 1)  # counts them
        in_window = self.window_in_text
        hits = hits[: max(in_window - start, 0)]  # the window's other hits
        if stop <= in_window:
            return hits
        in_text = self.total if not self.search.people_by_term else self._in_text_total
        by_date = self.newest if not self.search.people_by_term else self.newest.filter(alias_match=False)
        # The other hits past the window: newest first, after the window's in_window. Its champions
        # older than its newest are left out of those, and the window's newest are the first
        # ``size`` of the rest: the others start at in_window less the champions, wherever they were.
        skipped = 0
        if self.with_champions:
            by_date, skipped = by_date.exclude(pk__in=self.search.champions()), self.champions_in_window
        if start < in_text:
            hits += list(by_date[max(start, in_window) - skipped : min(stop, in_text) - skipped])
        if stop <= in_text:
            return hits
        # The window's alias hits, best first, follow its other hits in the window's order.
        alias_in_window = in_text + self.size - in_window
        if start < alias_in_window:
            shift = in_window - in_text
            hits += self._window_page(max(start, in_text) + shift, min(stop, alias_in_window) + shift)
        if stop > alias_in_window:  # the other alias hits, newest first
            hits += list(self.newest.filter(alias_match=True)[max(start, alias_in_window) - in_text : stop - in_text])
        return hits

    @cached_property
    def _in_text_total(self) -> int:
        """How many results are not alias hits (a count over them all: only a page past them asks)."""
        return self.newest.filter(alias_match=False).count()

    def _window_page(self, start: int, stop: int) -> list:
        """The window's hits ``start`` to ``stop`` in its order (best first; alias hits after the
        others): their ids in one statement, then the articles. Sets ``window_in_text``.

        It scores rows of RANKING_VECTORS_TABLE, where each vector is stored whole in its row:
        scored from the articles' own vectors, each stored out of line, the scoring took about
        10 µs an article more. The rows are found one of three ways:

        - Sorted (or holding every result), with no one named: listed by the rows' own GIN index,
          within the months the window reaches back to (``window_floor``: through the date index,
          or tested on each row listed, see WINDOW_FLOOR_ROW_TEST_SHARE), each scored as it is
          read, and the newest RANK_WINDOW kept (sorted with their scores, not their vectors). No
          article is read: "sorry -mind" at 1,000,000 articles, 87 ms for the statement that found
          the window among the articles and then read each one's row by id, 67 ms so. With the floor
          in the months the recent vectors' index holds (``recent_since``), PostgreSQL lists them
          from that index (the statement meets its condition): 32 ms.
        - Sorted, naming people for whom a link is enough (``ranking_vector_linked``): as above, and
          the rows of the articles linked to them, without the words, are added to those listed.
          At 1,000,000 articles, "Ramon Sanchez" took 142 ms found among the articles (the text's
          9,764 matches and the 8,489 linked articles each read there, to test the floor and the
          status, then the window's 5,000 rows read by id) and 88 ms so.
        - Sorted, naming people for some of the words only: a linked article's other words are then
          tested on the article (``_or_linked_with``), so the window's ids (the newest RANK_WINDOW
          results, sorted by date without being scored) are found among the articles, and their
          rows read by id. So too when the counts listed the results' ids (``result_ids``).
        - Walked (see WINDOW_WALK_TEST_COST): along the rows newest first, each tested against the
          words, and the window's scored as they are met: no article is read for it, and no row
          twice. At 1,000,000 articles, that took the statement for "well" from 104 ms (walking and
          reading each match's article, then its row again by id) to 25.

        With champions, the rows of those that are results and not among the newest are read by id
        and scored alike, added to the newest's in the same statement, which counts them (each row
        says whether it is a champion): the results past the window leave them out.

        A page within the window's first WINDOW_ROWS_CACHED rows takes them from the cache, where the
        first such page of the search in the published state left them.

        The page's articles are then read by id, in the order of the ids, and given the scores and
        flags the statement found for them: the scored queryset's (``ArticleSearch.window_hits``),
        from the same vectors. Scoring them again from the articles' own vectors, which the ORM's
        statement did, read 20 vectors stored out of line and took the ORM about 1 ms to write.
        """
        search = self.search
        row_fields = ("article_id", "published_on", "length", "vector")
        # With more matches listed than the window holds, the newest of them are kept once scored.
        newest_kept = None
        walks = search.results_walked or (search.windowed and not search.window_sorted)
        if walks:
            walked = self.ranked.filter(search.ranking_vector_match()).order_by().values(*row_fields)
            if search.windowed:  # the newest matches; all of them otherwise, in no order
                walked = walked.order_by(F("published_on").desc(nulls_last=True), "-article_id")[: self.size]
            rows_sql, rows_params = walked.query.sql_with_params()
            rows = f"({rows_sql}) AS ranked"
        elif search.result_ids is None and (not search.people_by_term or search.links_suffice):
            floor = search.window_floor
            since = Q(published_on__gte=floor) if floor and not search.floor_tested_on_rows else None
            if floor and search.floor_tested_on_rows and search.recent_since is not None:
                # The recent vectors' index, whose condition PostgreSQL must see the statement meet.
                since = Q(published_on__gte=search.recent_since)
            listed = self.ranked.filter(search.ranking_vector_match(since)).order_by().values(*row_fields)
            rows_sql, rows_params = listed.query.sql_with_params()
            if search.people_by_term:
                # The rows of the articles linked to the people named, without the words: apart from
                # the text's matches, so the two are added together, not merged.
                linked = self.ranked.filter(search.ranking_vector_linked(since)).order_by().values(*row_fields)
                linked_sql, linked_params = linked.query.sql_with_params()
                rows_sql, rows_params = f"({rows_sql}) UNION ALL ({linked_sql})", (*rows_params, *linked_params)
            if floor and search.floor_tested_on_rows:
                # Kept apart (OFFSET 0), so that the floor cannot be taken into the date index.
                rows_sql = f"SELECT * FROM ({rows_sql} OFFSET 0) AS matched WHERE matched.published_on >= %s"
                rows_params = (*rows_params, floor)
            rows = f"({rows_sql}) AS ranked"
            newest_kept = self.size if search.windowed else None
        else:
            # Every result is scored, or the newest RANK_WINDOW of them.
            window = self.scored.sorted_by(SORT_NEWEST, few=True) if search.windowed else self.scored.order_by()
            window_sql, rows_params = window.values("pk")[: self.size].query.sql_with_params()
            rows = f"{RANKING_VECTORS_TABLE} AS ranked WHERE ranked.article_id = ANY (ARRAY({window_sql}))"
        rank_sql, rank_params = search.rank_sql()
        alias_sql, alias_params = search.alias_sql()
        row_columns = {"{vector}": "ranked.vector", "{length}": "ranked.length", "{article}": "ranked.article_id"}
        for placeholder, column in row_columns.items():
            rank_sql, alias_sql = rank_sql.replace(placeholder, column), alias_sql.replace(placeholder, column)
        # Scored and told apart once each, in a subquery kept apart (OFFSET 0), not again for the order.
        scored_sql = (
            f"SELECT ranked.article_id, ranked.published_on, {rank_sql} AS rank, {alias_sql} AS alias_match"
            f" FROM {rows} OFFSET 0"
        )
        params = [*rank_params, *alias_params, *rows_params]
        if newest_kept is not None:
            # Scored before they are sorted by date: sorted first, each row carried its vector
            # ("sorry -mind" at 1,000,000 articles: 5,328 rows, 36 MB sorted in 24 ms).
            scored_sql = (
                f"SELECT * FROM ({scored_sql}) AS listed"
                " ORDER BY listed.published_on DESC NULLS LAST, listed.article_id DESC LIMIT %s"
            )
            params.append(newest_kept)
        champions_counted = ""
        if self.with_champions:
            # The champions of the words that are results and not among the window's newest, scored
            # alike, added to them; each row of either part says whether it is a champion. Read by id
            # (an array made once), never listed by the GIN index: a common word's champions are a few
            # hundred of its hundreds of thousands of articles.
            listed = search.champions()
            rows = self.ranked.filter(_InArray(F("article_id"), Subquery(listed)), search.ranking_vector_match())
            champions_sql, champions_params = rows.order_by().values(*row_fields).query.sql_with_params()
            listed_sql, listed_params = listed.query.sql_with_params()
            scored_sql = (
                f"WITH newest AS MATERIALIZED ({scored_sql})"
                f" SELECT newest.*, newest.article_id IN ({listed_sql}) AS champion FROM newest UNION ALL"
                f" SELECT ranked.article_id, ranked.published_on, {rank_sql}, {alias_sql}, true"
                f" FROM ({champions_sql}) AS ranked"
                " WHERE ranked.article_id NOT IN (SELECT newest.article_id FROM newest)"
            )
            params += [*listed_params, *rank_params, *alias_params, *champions_params]
            champions_counted = ", count(*) FILTER (WHERE scored.champion) OVER ()"
        statement = (
            "SELECT scored.article_id, count(*) FILTER (WHERE NOT scored.alias_match) OVER (),"
            f" scored.rank, scored.alias_match{champions_counted}"
            f" FROM ({scored_sql}) AS scored"
            " ORDER BY scored.alias_match, scored.rank DESC, scored.published_on DESC NULLS LAST,"
            " scored.article_id DESC LIMIT %s OFFSET %s"
        )

        def rows(limit: int, offset: int) -> list[tuple]:
            with read_connection().cursor() as cursor:
                if walks:
                    # Walked as weighed (``ArticleSearch._index_finds``), not listed by the GIN index: the
                    # planner took that for a common word within one source at 1,000,000 articles, and
                    # listed 356,000 articles to keep the source's 4,462 (a page of 92 ms took 166).
                    cursor.execute("SET LOCAL enable_bitmapscan = off")
                cursor.execute(statement, [*params, limit, offset])
                found = cursor.fetchall()
                if walks:
                    cursor.execute("SET LOCAL enable_bitmapscan TO DEFAULT")
            return found

        if stop <= WINDOW_ROWS_CACHED:
            from articles.caching import cached_value  # it reads the database through this module

            # The statement and its parameters determine the rows, with the published state the key holds.
            first = cached_value("window", repr((statement, params)), functools.partial(rows, WINDOW_ROWS_CACHED, 0))
            found = first[start:stop]
        else:
            found = rows(stop - start, start)
        if found:
            self.window_in_text = found[0][1]
            if self.with_champions:
                self.champions_in_window = found[0][4]
        hits = {article.pk: article for article in self.narrowed.filter(pk__in=[row[0] for row in found])}
        for article_id, _, rank, alias_match, *_ in found:
            hit = hits[article_id]
            hit.rank, hit.alias_match, hit.partial_match = rank, alias_match, False
        return [hits[article_id] for article_id, *_ in found]


class _VectorSQL(Func):
    """A piece of SQL reading the article's stored vector, written ``{vector}``, and its text's
    length in bytes (title, summary and body), written ``{length}``, wherever they are used.

    An expression rather than RawSQL, so the columns are named right inside subqueries too.
    """

    output_field = FloatField()
    columns = {"vector": "search_vector", "title": "title", "summary": "summary", "body": "body"}

    def __init__(self, sql: str, params: list):
        super().__init__(*(F(field) for field in self.columns.values()))
        self.sql, self.params = sql.replace("{length}", ARTICLE_LENGTH_SQL), params

    def as_sql(self, compiler, connection, **extra_context):
        sql = self.sql
        for placeholder, expression in zip(self.columns, self.source_expressions, strict=True):
            column_sql, column_params = compiler.compile(expression)
            assert not column_params  # a column: it may be named any number of times
            sql = sql.replace(f"{{{placeholder}}}", column_sql)
        return sql, list(self.params)


RECENT_RANKING_INDEX_SQL = """
    SELECT pg_get_expr(ix.indpred, ix.indrelid) FROM pg_index AS ix
    WHERE ix.indexrelid = to_regclass(%s) AND ix.indisvalid
"""


def recent_ranking_index_read(cursor=None) -> datetime.date | None:
    """The first day the recent ranking vectors' GIN index (RECENT_RANKING_INDEX) holds, from its
    condition; None when there is no such index (or it is not yet usable). Through ``cursor``, else
    the read connection's."""
    if cursor is None:
        with read_connection().cursor() as cursor:
            return recent_ranking_index_read(cursor)
    cursor.execute(RECENT_RANKING_INDEX_SQL, [RECENT_RANKING_INDEX])
    row = cursor.fetchone()
    match = re.fullmatch(r"\(published_on >= '(\d{4}-\d{2}-\d{2})'::date\)", row[0] or "") if row else None
    return datetime.date.fromisoformat(match[1]) if match else None


def recent_ranking_index() -> datetime.date | None:
    """``recent_ranking_index_read``, remembered per published state: the index's refresh counts as
    a change of that state (``services.recent_ranking_index_refresh``)."""
    from articles.caching import remembered  # it reads the database through this module

    return remembered("recent ranking index", None, recent_ranking_index_read)


def ranking_champions_sql() -> str:
    """SQL listing each frequent lexeme's champions (``RankingChampion``), as (lexeme, article id)
    rows; parameters ``min_articles``, ``min_occurrences`` and ``per_lexeme`` (RANKING_CHAMPION_*).

    An article's score for a lexeme is BM25's term part without the idf (the same for every article
    of a lexeme): tf / (tf + K), with tf and K as ``rank_sql`` computes them from the article's
    ranking vector and length. Ties go to the newest id. One pass over every ranking vector.
    """
    weights = set(OCCURRENCE_WEIGHTS.values())
    if len(weights) == 1:
        frequency = f"{weights.pop()} * cardinality(entry.positions)"
    else:
        cases = " ".join(f"WHEN '{weight}' THEN {value}" for weight, value in OCCURRENCE_WEIGHTS.items())
        frequency = f"(SELECT sum(CASE weight {cases} END) FROM unnest(entry.weights) AS weight)"
    saturation = f"""{BM25_K1} * (1 - {BM25_B} + {BM25_B}
        * coalesce(ranked.length::float8 / nullif(stats.average_length, 0), 1))"""
    return f"""
        SELECT placed.lexeme, placed.article_id FROM (
            SELECT entry.lexeme, ranked.article_id, row_number() OVER (
                PARTITION BY entry.lexeme
                ORDER BY {frequency} / ({frequency} + {saturation}) DESC, ranked.article_id DESC
            ) AS place
            FROM {RANKING_VECTORS_TABLE} AS ranked
            CROSS JOIN articles_search_stats AS stats
            CROSS JOIN LATERAL unnest(ranked.vector) AS entry
            WHERE entry.lexeme IN (SELECT lexeme FROM articles_lexeme_stats WHERE ndoc > %(min_articles)s)
                AND cardinality(entry.positions) >= %(min_occurrences)s
        ) AS placed
        WHERE placed.place <= %(per_lexeme)s"""


def _champions_listed(lexemes: tuple[str, ...]) -> tuple[str, ...]:
    """Those of ``lexemes`` that have champions (``RankingChampion``), remembered per published
    state: their refresh counts as a change of that state (``services.ranking_champions_refresh``)."""
    from articles.caching import remembered  # it reads the database through this module

    def read() -> tuple[str, ...]:
        with read_connection().cursor() as cursor:
            cursor.execute(
                "SELECT listed.lexeme FROM unnest(%s::text[]) AS listed(lexeme) WHERE EXISTS"
                f" (SELECT FROM {RANKING_CHAMPIONS_TABLE} AS champion WHERE champion.lexeme = listed.lexeme)",
                [list(lexemes)],
            )
            return tuple(lexeme for (lexeme,) in cursor.fetchall())

    return remembered("ranking champions", lexemes, read)


def _lexeme_statistics(spellings: tuple[str, ...]) -> list[tuple]:
    """(spelling, lexeme, articles with the lexeme, articles, mean length) for each lexeme ``spellings`` stem to.

    Remembered per published state (``caching.remembered``): the statistics are kept with the
    published articles, and the same words are searched again and again (0.5 ms a search at
    1,000,000 articles).
    """
    from articles.caching import remembered  # it reads the database through this module

    def read() -> list[tuple]:
        with read_connection().cursor() as cursor:
            cursor.execute(
                """
                SELECT typed.spelling, stem.lexeme, coalesce(lexeme_stats.ndoc, 0),
                       search_stats.articles, search_stats.average_length
                FROM unnest(%s::text[]) AS typed(spelling)
                CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector(%s::regconfig, typed.spelling)))
                    AS stem(lexeme)
                LEFT JOIN articles_lexeme_stats AS lexeme_stats ON lexeme_stats.lexeme = stem.lexeme
                CROSS JOIN articles_search_stats AS search_stats
                """,
                [list(spellings), SEARCH_CONFIG],
            )
            return cursor.fetchall()

    return remembered("lexeme statistics", spellings, read)


@functools.cache
def _name_matches_sql() -> tuple[str, list]:
    """SQL giving (position, person id) for each person whose name or one of whose aliases has every
    word of the ``position``-th to_tsquery text (1-based) of the array parameter, which goes
    first; then the other parameters.

    Written once (it never changes), so a search pays no ORM for it, and plain: whether readers
    may see the people is asked only of those found (``people_by_term``). Each text is one probe
    of the GIN index on each table's name vector (``name_search_vector``).
    """
    from articles.models import Person, PersonAlias

    query = SearchQuery(RawSQL("typed.query", [], output_field=TextField()), search_type="raw", config=SEARCH_CONFIG)
    named = {"name_vector": name_search_vector()}
    parts, params = [], []
    for model, person_field in ((Person, "pk"), (PersonAlias, "person_id")):
        matches = model.objects.alias(**named).filter(name_vector=query).order_by().values(person_field)
        part_sql, part_params = matches.query.sql_with_params()
        parts.append(
            f"SELECT typed.position, matched.person_id FROM typed CROSS JOIN LATERAL ({part_sql}) AS matched(person_id)"
        )
        params += part_params
    typed = "WITH typed AS (SELECT * FROM unnest(%s::text[]) WITH ORDINALITY AS typed(query, position)) "
    return typed + " UNION ".join(parts), params


def _people_named(names_all_words: tuple[str, ...]) -> tuple[dict[int, list[int]], dict]:
    """The ids of the people each of ``names_all_words`` names (tsquery texts, by position), and
    those people (``_visible_people``), by id.

    Words naming no one cost one query (``_name_matches_sql``, written once per process: the ORM
    took 2 to 30 ms to write the union this was); words naming someone, two more: which of the
    people found readers may see (``_visible_person_ids``), and those named, loaded. Positions
    naming no one are left out.
    """
    with read_connection().cursor() as cursor:
        sql, params = _name_matches_sql()
        cursor.execute(sql, [list(names_all_words), *params])
        pairs = cursor.fetchall()
    if not pairs:
        return {}, {}
    by_position: dict[int, set[int]] = {}
    for position, person_id in pairs:
        by_position.setdefault(position - 1, set()).add(person_id)
    visible = _visible_person_ids({person_id for _, person_id in pairs})
    named = {position: ids & visible for position, ids in by_position.items() if ids & visible}
    if not named:
        return {}, {}
    # Those every word names, when readers may see one: then they are the only people named.
    in_all = set.intersection(*named.values())
    if in_all:
        named = {position: ids & in_all for position, ids in named.items()}
    named = {position: sorted(ids) for position, ids in sorted(named.items()) if len(ids) <= MAX_PEOPLE_NAMED}
    return named, _visible_people({person_id for ids in named.values() for person_id in ids})


def _visible_people(ids: set[int]) -> dict:
    """The people of ``ids`` readers may see (``PersonQuerySet.public``), by id, each with ``alias_names``."""
    from articles.models import Person

    if not ids:
        return {}
    sql, params = _visible_people_sql()
    people = Person.objects.using(read_connection().alias).raw(sql, [*params, list(ids)])
    return {person.pk: person for person in people}


@functools.cache
def _visible_people_sql() -> tuple[str, list]:
    """SQL selecting the people readers may see whose ids are in the array parameter (which goes last), each
    with ``alias_names``, the names of their aliases.

    Written once, as ``_name_matches_sql`` is: the ORM took 2 to 3 ms to write it for each search
    naming someone. PostgreSQL applies the ids inside, where the people are grouped by id.
    """
    from articles.models import Person

    alias_names = ArrayAgg("aliases__name", filter=Q(aliases__isnull=False), default=[])
    sql, params = Person.objects.public().annotate(alias_names=alias_names).order_by().query.sql_with_params()
    return f"SELECT * FROM ({sql}) AS people WHERE people.id = ANY(%s::bigint[])", list(params)


def _visible_person_ids(ids: set[int]) -> set[int]:
    """Those of ``ids`` whose people readers may see (``PersonQuerySet.public``)."""
    sql, params = _visible_person_ids_sql()
    with read_connection().cursor() as cursor:
        cursor.execute(sql, [*params, list(ids)])
        return {person_id for (person_id,) in cursor.fetchall()}


@functools.cache
def _visible_person_ids_sql() -> tuple[str, list]:
    """SQL selecting the ids, of those in the array parameter (which goes last), of people readers may see."""
    from articles.models import Person

    sql, params = Person.objects.public().order_by().values("pk").query.sql_with_params()
    return f"SELECT * FROM ({sql}) AS people(id) WHERE people.id = ANY(%s::bigint[])", list(params)


def _shown_word_sql() -> tuple[str, list]:
    """SQL true when the vocabulary word ``candidate.word`` is shown to readers now, and its parameters.

    A word is shown when a published article has it, or the name of a public person (or one of
    their aliases) or tag does, or when it is a stop word (in every text). The vocabulary alone
    would not do: imports add to it and merges rebuild it, but a retraction does not take from
    it, so a word only a now-retracted or unpublished article had stays in it until the next
    rebuild (``vocabulary_refresh``); and it holds the names of every person and tag, those only
    drafts name too. Each test is an index probe.
    """
    from articles.models import Article, Person, PersonAlias, Tag

    query = SearchQuery(RawSQL("candidate.word", [], output_field=TextField()), config=SEARCH_CONFIG)
    named = {"name_vector": name_search_vector()}
    tests = [
        Article.objects.published().filter(search_vector=query),
        Person.objects.public().alias(**named).filter(name_vector=query),
        PersonAlias.objects.alias(**named)
        .filter(name_vector=query)
        .filter(Exists(Person.objects.public().filter(pk=OuterRef("person_id")))),
        Tag.objects.public().alias(name_vector=SearchVector("name", config=SEARCH_CONFIG)).filter(name_vector=query),
    ]
    sql, params = [f"numnode(plainto_tsquery('{SEARCH_CONFIG}', candidate.word)) = 0"], []
    for test in tests:
        test_sql, test_params = test.order_by().values("pk")[:1].query.sql_with_params()
        sql.append(f"EXISTS ({test_sql})")
        params += test_params
    return "(" + " OR ".join(sql) + ")", params


class _AnyOf(Func):
    """``expression = ANY(%s::bigint[])``: a list of ids as one parameter, not one each."""

    arg_joiner = " = ANY("
    template = "%(expressions)s::bigint[])"
    output_field = BooleanField()


class _InArray(Func):
    """``expression = ANY(ARRAY(subquery))``."""

    arg_joiner = " = ANY(ARRAY("
    template = "%(expressions)s))"
    output_field = BooleanField()


def _linked_articles(people) -> list:
    """The ids of the articles that mention any of ``people``, and of those by any of them: two querysets.

    Kept apart, not one union: PostgreSQL knows how many articles a link table holds for some
    people, but not how many distinct ones a union of two holds, and guessed 200. Articles
    gathered by id from such a union, and bounded by date, were then looked up one by one:
    8,489 for the people "Ramon Sanchez" names, at 1,000,000 articles, 44 ms for the 39 of the
    newest months. Told 8,492, it reads those months' articles and keeps the linked ones: 12 ms.
    """
    from articles.models import Article

    ids = [person.pk for person in people]
    return [
        Article.people.through.objects.filter(person__in=ids).values("article_id"),
        Article.authors.through.objects.filter(person__in=ids).values("article_id"),
    ]


def _text_and_linked_ids(text_query: SearchQuery, people):
    """The ids of the articles whose text matches ``text_query`` and of those that mention or are by
    any of ``people``, as one ``UNION ALL`` (an id may come more than once).

    The text's matches come through the GIN index and the people's articles through the link
    tables, gathered once. Not ``vector @@ query OR id = ANY(ARRAY(…))``, which PostgreSQL
    rechecks article by article with a linear search of the array (a first name names a hundred
    people, linked to 100,000 articles at a million: minutes), nor ``… OR id IN (…)``, which reads
    every article.
    """
    from articles.models import Article

    matched = Article.objects.filter(search_vector=text_query).order_by().values("pk")
    return matched.union(*_linked_articles(people), all=True)


def _any_text_or_linked(articles, text_query: SearchQuery, people) -> tuple[str, list]:
    """SQL true when any of ``articles`` matches ``text_query`` or mentions or is by any of ``people``,
    and its parameters.

    With people, the union of their articles and the text's matches is read until one of them is
    among ``articles``, each looked up by id. Asked as ``articles`` with ``id IN (union) LIMIT 1``,
    PostgreSQL walked the published articles newest first and looked each up among the union's
    rows, expecting a match within a few hundred: for the rare "Chernyova" at 100,000 articles it
    walked 5,178, in 8 to 22 ms; read from the union, 0.5 ms.
    """
    if not people:
        found = articles.filter(search_vector=text_query).order_by().values("pk")[:1]
        found_sql, params = found.query.sql_with_params()
        return f"EXISTS ({found_sql})", list(params)
    ids_sql, ids_params = _text_and_linked_ids(text_query, people).query.sql_with_params()
    among_sql, among_params = (
        articles.filter(pk=RawSQL("matched.id", [])).order_by().values("pk").query.sql_with_params()
    )
    return f"EXISTS (SELECT FROM ({ids_sql}) AS matched(id) WHERE EXISTS ({among_sql}))", [*ids_params, *among_params]


def _is_linked(people) -> Q:
    """Whether an article mentions or is by any of ``people``: an index probe per article and link table."""
    from articles.models import Article

    ids = [person.pk for person in people]
    mentioned = Article.people.through.objects.filter(article_id=OuterRef("pk"), person__in=ids)
    authored = Article.authors.through.objects.filter(article_id=OuterRef("pk"), person__in=ids)
    return Q(Exists(mentioned)) | Q(Exists(authored))


def _respell(text: str, replacements: dict[str, str]) -> str:
    """``text`` with each word found in ``replacements`` (lowercase keys) swapped, syntax untouched."""

    def swap(match: re.Match[str]) -> str:
        return replacements.get(match.group(0).lower(), match.group(0))

    return re.sub(r"[^\s\"*()-]+", swap, text)


def headline_markers() -> tuple[str, str]:
    """What ts_headline is to put before and after each match: letters and digits no text can hold.

    A new random token each time, so no article can contain the markers (not even one quoting
    this code), and HTML escaping leaves them as they are.
    """
    token = secrets.token_hex(HEADLINE_MARKER_BYTES)
    return f"hl{token}start", f"hl{token}stop"


def headline_options_sql(connection, markers: tuple[str, str]) -> str:
    """ts_headline's options (``HEADLINE_OPTIONS``, matches between ``markers``) as its third argument."""
    options = {
        "StartSel": markers[0],
        "StopSel": markers[1],
        "MaxFragments": HEADLINE_OPTIONS["max_fragments"],
        "MaxWords": HEADLINE_OPTIONS["max_words"],
        "MinWords": HEADLINE_OPTIONS["min_words"],
        "FragmentDelimiter": HEADLINE_OPTIONS["fragment_delimiter"],
    }
    return ", ".join(connection.ops.compose_sql(f"{name}=%s", [value]) for name, value in options.items())


# What the English stemmer may have written at the end of a lexeme that the words it stems
# do not have there: "happi" (happy), "hope" (hoping), "possibl" (possibility).
_REWRITTEN_ENDING = re.compile(r"(?<=..)[ie]$|(?<=b)l$")


def lexeme_clue(lexeme: str) -> str:
    """How every word stemmed to ``lexeme`` begins, lowercased and unaccented (``folded``).

    The stemmer rewrites only a word's ending, and only in a few ways. Of the 50,877 lexemes of
    the words of the benchmark's 100,000-article corpus, the clues of four did not begin a word
    stemmed to them: its irregular short words ("die" from "dying", "lie", "tie", "sky" from
    "skies"), which only make a headline come from other paragraphs.
    """
    return _REWRITTEN_ENDING.sub("", lexeme)


@functools.lru_cache(maxsize=1024)
def _word_beginning(clue: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![^\W_]){re.escape(clue)}")


# Letters unaccent() folds that Unicode does not decompose into a letter and its accents.
_UNDECOMPOSED_LETTERS = str.maketrans(
    {
        **{"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ħ": "h", "ŧ": "t"},
        "\u0131": "i",  # dotless i
    }
)
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")


@functools.lru_cache(maxsize=4096)
def _unaccented(letters: str) -> str:
    decomposed = unicodedata.normalize("NFKD", letters.translate(_UNDECOMPOSED_LETTERS))
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def folded(text: str) -> str:
    """``text`` lowercased and unaccented, as the search configuration folds words before stemming them.

    Close to PostgreSQL's ``unaccent`` (its rules for letters), not the same: it is only used to
    choose a headline's paragraphs, where a letter folded differently changes which paragraph is
    shown, never what the search finds. Only runs of other than ASCII are looked up.
    """
    lowered = text.lower()
    return lowered if lowered.isascii() else _NOT_ASCII.sub(lambda run: _unaccented(run.group()), lowered)


def headline_passage(body: str, clues: list[str], limit: int = HEADLINE_PARAGRAPHS) -> str:
    """The paragraphs of ``body`` a headline is to be taken from, in their order.

    ``clues`` are how words matching the query begin (``lexeme_clue``): a paragraph holds a clue
    when one of its words, ``folded``, begins so. Paragraphs are chosen one at a time, each
    holding the most clues not held by those chosen already (then the most clues, then the
    earliest), while one holds any: a query's words are shown together where the text has them
    together, else each where it has it. A clue can be held by other words too ("gover" by
    "governor" for "government"), which only makes a paragraph look likelier than it is; ts_headline
    marks only true matches. A body where none is found (an article linked to a person whose name
    it does not spell) gives its first paragraphs, as ts_headline gives a text's beginning.
    Paragraphs that do not follow each other are joined by the fragment delimiter, so that the gap
    shows if a fragment spans it.
    """
    paragraphs = body.split(PARAGRAPH_SEPARATOR)
    if len(paragraphs) <= limit:
        return body
    # Folded a paragraph at a time: most are ASCII, and finding the other characters' runs in a
    # whole body (4 kB, a few curly quotes) took ``re`` 80 µs, most of this function's time.
    held = [
        {clue for clue in clues if clue in paragraph and _word_beginning(clue).search(paragraph)}
        for paragraph in map(folded, paragraphs)
    ]
    chosen: list[int] = []
    shown: set[str] = set()
    while len(chosen) < limit:
        candidates = [number for number in range(len(paragraphs)) if number not in chosen and held[number]]
        if not candidates:
            break
        best = min(candidates, key=lambda number: (-len(held[number] - shown), -len(held[number]), number))
        chosen.append(best)
        shown |= held[best]
    if not chosen:
        return PARAGRAPH_SEPARATOR.join(paragraphs[:limit])
    chosen.sort()
    passage = paragraphs[chosen[0]]
    for previous, number in pairwise(chosen):
        separator = PARAGRAPH_SEPARATOR if number == previous + 1 else HEADLINE_OPTIONS["fragment_delimiter"]
        passage += separator + paragraphs[number]
    return passage


def escape_headline(headline: str, markers: tuple[str, str]) -> SafeString:
    """A ts_headline result as HTML: the text escaped, then its ``markers`` made <mark> tags.

    Bodies are text, never HTML: a body holding "<mark>" or "</p>" shows those characters.
    Markers are swapped only after escaping, so only they can become tags.
    """
    start, stop = markers
    escaped = str(escape(headline))
    return mark_safe(escaped.replace(start, HIGHLIGHT_START).replace(stop, HIGHLIGHT_STOP))  # the rest escaped
