"""Operations that write to the archive.

``articles_import`` streams articles out of files (see articles.importing) and
stores them in batches: one transaction, a handful of lookups and one bulk
insert (mostly COPY) per table for each batch, while a thread reads the coming
articles and a process fingerprints the next batch. A batch the database refuses (a constraint
violated by a concurrent import, say) is retried article by article, so one bad
article costs only itself. Either way an article goes in whole (its row, its
links, its near-duplicates and any source, people and tags created for it) or
not at all.

``near_duplicates_refresh`` finds again which articles retell the same report as
some (after their text changed). ``people_merge`` and ``tags_merge`` merge
duplicates into the one kept, in one transaction, leaving redirects behind.
``vocabulary_refresh`` rebuilds the search's word list. ``revision_record``
writes who changed what to the editors' history. ``suggestions_apply`` links the
people and tags articles' texts mention but are not linked to yet.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DataError, IntegrityError, connection, models, transaction
from django.db.models import Q
from django.db.models.functions import Lower, Now

from articles import history
from articles.caching import PUBLIC_VERSION_BUMP_SQL
from articles.helper_process import helper_process
from articles.importing import ArticleInput, ImportFailure, iter_inputs, read_ahead
from articles.models import (
    SLUG_MAX_LENGTH,
    AliasKind,
    Article,
    ArticleFingerprint,
    ArticleStatus,
    Claim,
    FieldChange,
    MergedPerson,
    MergedTag,
    NearDuplicate,
    Person,
    PersonAlias,
    RankingVector,
    Revision,
    RevisionKind,
    Source,
    Tag,
)
from articles.near_duplicates import BOILERPLATE_HOLDERS, TextAnalysis, candidate_pairs, overlap, texts_analyse, words
from articles.search import (
    RANKING_CHAMPION_MIN_ARTICLES,
    RANKING_CHAMPION_MIN_OCCURRENCES,
    RANKING_CHAMPIONS_PER_LEXEME,
    RANKING_CHAMPIONS_TABLE,
    RECENT_RANKING_INDEX,
    RECENT_RANKING_MIN_ARTICLES,
    RECENT_RANKING_SHARE,
    SEARCH_STATISTICS_COUNT_SQL,
    SEARCH_STATISTICS_REBUILD_SQL,
    SEARCH_STATISTICS_TIDY_SQL,
    TEXT_WORDS_SQL,
    VOCABULARY_COUNT_GIVEN_SQL,
    ranking_champions_sql,
    recent_ranking_index_read,
)
from articles.suggestions import suggestions_for
from articles.text import body_sha256, slug_for

logger = logging.getLogger(__name__)

# Slugs that clash get "-" plus this many hex digits of a digest appended.
SLUG_DIGEST_LENGTH = 8
SLUG_BASE_MAX_LENGTH = SLUG_MAX_LENGTH - len("-") - SLUG_DIGEST_LENGTH
# What slug_for returns for text with nothing to transliterate (e.g. "Путин").
FALLBACK_SLUG = slug_for("", SLUG_MAX_LENGTH)

# Errors that concern the rows of one batch; anything else (a lost connection) ends the import.
ROW_ERRORS = (IntegrityError, DataError)

ErrorHandler = Callable[[ImportFailure], None]
ProgressHandler = Callable[["ImportResult"], None]


@dataclass
class ImportResult:
    """Running totals of an import; ``elapsed`` is in seconds."""

    imported: int = 0
    duplicates: int = 0
    failed: int = 0
    elapsed: float = 0.0
    suggested_links: int = 0  # with ``link_suggestions``: people and tags linked because the texts mention them

    @property
    def processed(self) -> int:
        return self.imported + self.duplicates + self.failed

    @property
    def rate(self) -> float:
        """Articles stored per second."""
        return self.imported / self.elapsed if self.elapsed > 0 else 0.0


@dataclass(frozen=True, slots=True)
class _Pending:
    """An article read from a file, with the digest of its (already normalised) body."""

    article: ArticleInput
    sha256: str


@dataclass(frozen=True, slots=True)
class _Batch:
    """Articles stored in one transaction, with their ids reserved (``ids[i]`` is ``items[i]``'s, if it
    is not a duplicate), their fingerprints being found in the helper process, keyed by those ids, and,
    if they are to be published, their words being counted on a connection of the word counter's."""

    items: Sequence[_Pending]
    ids: Sequence[int]
    analysis: Future[TextAnalysis]
    word_counts: Future[dict[str, int]] | None = None

    def one(self, index: int) -> _Batch:
        """The batch of the article at ``index`` alone, with the fingerprints found for it (the words
        counted are those of the whole batch: its statistics are counted from the stored text)."""
        return _Batch(items=[self.items[index]], ids=[self.ids[index]], analysis=self.analysis)


@dataclass
class _BatchOutcome:
    imported: int = 0
    duplicates: int = 0
    failures: list[ImportFailure] = field(default_factory=list)
    suggested_links: int = 0


def articles_import(
    *,
    paths: Iterable[str | os.PathLike[str]],
    status: str = ArticleStatus.PUBLISHED,
    batch_size: int | None = None,
    on_error: ErrorHandler | None = None,
    on_progress: ProgressHandler | None = None,
    link_suggestions: bool = False,
) -> ImportResult:
    """Import every article in ``paths`` (``.txt``/``.jsonl`` files or folders, recursively).

    Articles already in the archive (same non-empty URL or same normalised body),
    including ones seen earlier in the same run, are counted as duplicates and
    skipped, so importing the same files again adds nothing. Unreadable or
    invalid input is passed to ``on_error`` and counted as failed; the rest
    still goes in. ``on_progress`` receives the running totals after each batch
    of ``batch_size`` articles (default: settings.ARCHIVE_IMPORT_BATCH_SIZE).
    With ``link_suggestions`` each batch also links the people and tags its texts mention
    (``suggestions_apply``), in its transaction, as one revision per batch.
    """
    if status not in ArticleStatus.values:
        raise ValueError(f"unknown article status {status!r}")
    batch_size = batch_size or settings.ARCHIVE_IMPORT_BATCH_SIZE
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    started = time.monotonic()
    result = ImportResult()

    def report(failure: ImportFailure) -> None:
        result.failed += 1
        if on_error is not None:
            on_error(failure)

    def flush(batch: _Batch) -> None:
        outcome = _batch_import(batch, status=status, link_suggestions=link_suggestions)
        result.imported += outcome.imported
        result.duplicates += outcome.duplicates
        result.suggested_links += outcome.suggested_links
        for failure in outcome.failures:
            report(failure)
        result.elapsed = time.monotonic() - started
        if on_progress is not None:
            on_progress(result)

    # Work that needs no transaction is kept off the path of the database's, and done meanwhile: a
    # thread reads (and hashes) the coming articles; a process of its own finds the fingerprints of
    # each batch (the hottest Python loop) and lays out their rows while the batch before it is
    # written; and a thread has PostgreSQL count each batch's words for the vocabulary on a
    # connection of its own (``_words_count``: parsing the texts again took as long as storing
    # them). A process, not a thread, for the fingerprints (``articles.helper_process``): as a
    # thread, they held off this one's work between its queries (3,000 articles: 12.3 s with a
    # thread, 8.5 s with a process, on two cores).
    with (
        helper_process() as analyser,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-word-counter") as word_counter,
        closing(read_ahead(_inputs_pending(paths), size=batch_size)) as items,
    ):

        def start(pending: list[_Pending]) -> _Batch:
            ids = _article_ids_reserve(len(pending))
            bodies = {pk: item.article.body for pk, item in zip(ids, pending, strict=True)}
            word_counts = None
            if status == ArticleStatus.PUBLISHED:  # drafts count no words
                word_counts = word_counter.submit(_words_count, [_counted_text(item.article) for item in pending])
            analysis = analyser.submit(texts_analyse, bodies)
            return _Batch(items=pending, ids=ids, analysis=analysis, word_counts=word_counts)

        try:
            unwritten: _Batch | None = None
            for pending in _batched(items, batch_size, on_failure=report):
                started_batch = start(pending)  # its fingerprints are found while ``unwritten`` is written
                if unwritten is not None:
                    flush(unwritten)
                unwritten = started_batch
            if unwritten is not None:
                flush(unwritten)
        finally:
            # Its own connection, closed in the thread it belongs to (``connection`` stands for that thread's).
            word_counter.submit(lambda: connection.close())
    # Each batch added its articles to the search's statistics; they are rebuilt only when they count
    # other articles than the published ones (editors published or retracted some since).
    if _search_statistics_stale():
        vocabulary_refresh()
    result.elapsed = time.monotonic() - started
    return result


def _batched(
    items: Iterable[_Pending | ImportFailure], size: int, *, on_failure: ErrorHandler
) -> Iterator[list[_Pending]]:
    """The articles of ``items`` in lists of ``size`` (the last one shorter); failures go to ``on_failure``."""
    batch: list[_Pending] = []
    for item in items:
        if isinstance(item, ImportFailure):
            on_failure(item)
            continue
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _inputs_pending(paths: Iterable[str | os.PathLike[str]]) -> Iterable[_Pending | ImportFailure]:
    for item in iter_inputs(paths):
        yield item if isinstance(item, ImportFailure) else _Pending(article=item, sha256=body_sha256(item.body))


def _counted_text(article: ArticleInput) -> str:
    """What the vocabulary counts the words of: title, summary and body, as the statistics join them."""
    return f"{article.title} {article.summary} {article.body}"


def _words_count(texts: list[str]) -> dict[str, int]:
    """How many of ``texts`` use each word, counted by PostgreSQL as the vocabulary counts stored articles.

    Run in the import's word-counting thread, on that thread's own connection (Django gives each
    thread one): the statement reads no table, so it needs none of the batch's transaction.
    """
    with connection.cursor() as cursor:
        cursor.execute(TEXT_WORDS_SQL, {"texts": texts})
        return dict(cursor.fetchall())


def vocabulary_refresh() -> None:
    """Rebuild the archive's word list (prefix search, "did you mean") and the ranking's statistics
    (document frequency of each lexeme, number of articles, their total length) from the published
    articles and the names.

    In one transaction: searches keep reading the old rows meanwhile. It reads every published
    article (about a minute at 100,000): run it after a batch of changes, not after each one.
    Imports, publications, retractions and merges need not: they count what they change
    (``search_statistics_count``, ``_search_statistics_tidy``).
    """
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in SEARCH_STATISTICS_REBUILD_SQL:
            cursor.execute(statement)


def recent_ranking_index_refresh() -> datetime.date | None:
    """Make the recent ranking vectors' GIN index (RECENT_RANKING_INDEX) hold the newest
    RECENT_RANKING_SHARE of the dated vectors, from the first day of a month; return that day.
    None, with no such index, for an archive of fewer than RECENT_RANKING_MIN_ARTICLES.

    Nothing changes while that day stays the same: new articles go into the index as they are
    published (they are the newest). Once it moves, the index is built anew beside the old one,
    then swapped for it; outside a transaction without blocking writes (CONCURRENTLY). The swap
    counts as a change of the published state (``articles_publicversion``), so each process reads
    the new day again (``search.recent_ranking_index``). Searches are right with or without the
    index; it makes ranking windows within those months faster. Run it now and then, as the
    vocabulary's refresh: at 1,000,000 articles it took about 23 s to build. Two at once run one
    after the other (an advisory lock).
    """
    in_transaction = connection.in_atomic_block
    with connection.cursor() as cursor:
        # One refresh at a time: a second one's drop of the index being built would fail the first's
        # build. Held to the end of the caller's transaction, or else until this one ends.
        lock = "pg_advisory_xact_lock" if in_transaction else "pg_advisory_lock"
        cursor.execute(f"SELECT {lock}(hashtext(%s))", [RECENT_RANKING_INDEX])
        try:
            return _recent_ranking_index_move(cursor, concurrently="" if in_transaction else " CONCURRENTLY")
        finally:
            if not in_transaction:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [RECENT_RANKING_INDEX])


def _recent_ranking_index_move(cursor, *, concurrently: str) -> datetime.date | None:
    """``recent_ranking_index_refresh``'s work, its lock held; ``concurrently``: " CONCURRENTLY" or ""."""
    cursor.execute(f"SELECT count(*) FROM {RankingVector._meta.db_table} WHERE published_on IS NOT NULL")
    (dated,) = cursor.fetchone()
    since = None
    if dated >= RECENT_RANKING_MIN_ARTICLES:
        cursor.execute(
            f"SELECT date_trunc('month', published_on)::date FROM {RankingVector._meta.db_table}"
            " WHERE published_on IS NOT NULL ORDER BY published_on DESC LIMIT 1 OFFSET %s",
            [int(dated * RECENT_RANKING_SHARE)],
        )
        (since,) = cursor.fetchone()
    if since == recent_ranking_index_read(cursor):
        return since
    built = f"{RECENT_RANKING_INDEX}_built"
    cursor.execute(f"DROP INDEX{concurrently} IF EXISTS {built}")  # left by a build interrupted
    if since is not None:
        cursor.execute(
            f"CREATE INDEX{concurrently} {built} ON {RankingVector._meta.db_table} USING gin (vector)"
            f" WHERE published_on >= '{since.isoformat()}'::date"
        )
    cursor.execute(f"DROP INDEX{concurrently} IF EXISTS {RECENT_RANKING_INDEX}")
    if since is not None:
        cursor.execute(f"ALTER INDEX {built} RENAME TO {RECENT_RANKING_INDEX}")
    cursor.execute(PUBLIC_VERSION_BUMP_SQL)
    return since


# Memory for the sort that ranks every listed lexeme's articles (``ranking_champions_refresh``):
# millions of rows at 100,000 articles. The command's transaction only.
RANKING_CHAMPIONS_WORK_MEM = "256MB"


@dataclass(frozen=True)
class ChampionsRefreshed:
    lexemes: int
    champions: int


def ranking_champions_refresh() -> ChampionsRefreshed:
    """List again each frequent lexeme's champions (``RankingChampion``) from the published
    articles' ranking vectors, and say how many lexemes and rows that made.

    In one transaction (then the table is vacuumed, unless the caller's transaction holds it):
    searches read the lists as they were until it commits. A second refresh
    waits for the first (the table is locked against other writers, not against readers). The
    lists count as part of the published state, which it changes (``articles_publicversion``):
    each process then reads them afresh (``search._champions_listed``), and the pages cached go.
    Run it now and then, as the vocabulary's refresh: it reads every ranking vector (20 s at
    100,000 articles, 3 minutes at 1,000,000, on two cores). Searches are right without it, or with
    lists of another day; the lists make a common word's best-scored articles come first.
    """
    params = {
        "min_articles": RANKING_CHAMPION_MIN_ARTICLES,
        "min_occurrences": RANKING_CHAMPION_MIN_OCCURRENCES,
        "per_lexeme": RANKING_CHAMPIONS_PER_LEXEME,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {RANKING_CHAMPIONS_TABLE} IN EXCLUSIVE MODE")
        cursor.execute(f"SET LOCAL work_mem = '{RANKING_CHAMPIONS_WORK_MEM}'")
        cursor.execute(f"DELETE FROM {RANKING_CHAMPIONS_TABLE}")
        cursor.execute(f"INSERT INTO {RANKING_CHAMPIONS_TABLE} (lexeme, article_id) {ranking_champions_sql()}", params)
        cursor.execute(f"SELECT count(DISTINCT lexeme), count(*) FROM {RANKING_CHAMPIONS_TABLE}")
        lexemes, champions = cursor.fetchone()
        cursor.execute(PUBLIC_VERSION_BUMP_SQL)
    if not connection.in_atomic_block:
        # Every row replaced is dead: vacuumed now rather than when autovacuum comes (at 1,000,000
        # articles the table took 344 MB after a second refresh, where its rows take 101), and
        # counted for the planner, which estimates a lexeme's champions from it.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {RANKING_CHAMPIONS_TABLE}")
    return ChampionsRefreshed(lexemes=lexemes, champions=champions)


def search_statistics_count(
    article_ids: Sequence[int],
    names: Iterable[str] = (),
    *,
    sign: int = 1,
    word_counts: Mapping[str, int] | None = None,
) -> None:
    """Count published articles in (``sign`` 1) or out (-1: before they are unpublished or their
    text changes, while the counts still read them as stored) of the word list and the ranking's
    statistics, with the words of the names linked to them, as a rebuild would. In the caller's
    transaction, so the counts change with the articles. Articles not published count as none.

    ``word_counts``, if given, are the articles' words already counted (``_words_count`` of their
    texts, every one of them published): the vocabulary adds those instead of parsing the stored texts.
    """
    params = {"articles": list(article_ids), "names": sorted(set(names)), "sign": sign}
    statements = SEARCH_STATISTICS_COUNT_SQL
    if word_counts is not None:
        params.update(words=list(word_counts), ndocs=list(word_counts.values()))
        statements = (VOCABULARY_COUNT_GIVEN_SQL, *SEARCH_STATISTICS_COUNT_SQL[1:])
    with connection.cursor() as cursor:
        emptied = []
        for statement in statements:
            cursor.execute(statement, params)
            emptied.append([row[0] for row in cursor.fetchall()] if cursor.description else [])
    emptied_words, emptied_lexemes, _ = emptied
    # Counting in only adds. The words it leaves at nothing are the names' own that no published
    # article uses, which a rebuild keeps too: tidying them (a pass over every name, up to 230 ms a
    # batch of an import at 100,000 articles) would delete nothing.
    if sign < 0 and (emptied_words or emptied_lexemes):
        _search_statistics_tidy(words=emptied_words, lexemes=emptied_lexemes)


def _search_statistics_tidy(*, words: Sequence[str] = (), lexemes: Sequence[str] = (), names_gone: Sequence[str] = ()):
    """Drop what a rebuild would leave out: these ``words`` (or those of the ``names_gone``, merged
    away) when no published article uses them and no name holds them, these ``lexemes`` when no
    published article holds them."""
    params = {"words": list(words), "lexemes": list(lexemes), "names": list(names_gone)}
    with connection.cursor() as cursor:
        for statement in SEARCH_STATISTICS_TIDY_SQL:
            cursor.execute(statement, params)


def _search_statistics_stale() -> bool:
    """Whether the ranking's statistics count other than the published articles (one indexed count)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT articles FROM articles_search_stats")
        row = cursor.fetchone()
    return row is None or row[0] != Article.objects.published().count()


def near_duplicates_refresh(article_ids: Iterable[int]) -> int:
    """Find again which articles retell the same report as these: after their text changed, or to backfill.

    Their fingerprints and their pairs (from either side) are dropped, then
    computed from the stored texts and matched against the whole archive, in one
    transaction. Returns how many pairs involve them now.
    """
    ids = list(dict.fromkeys(article_ids))
    with transaction.atomic():
        # Locked, so two refreshes of one article (two editors saving) run one after the other.
        articles = Article.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        bodies = dict(articles.values_list("pk", "body"))
        ArticleFingerprint.objects.filter(article_id__in=ids).delete()
        NearDuplicate.objects.filter(Q(article_id__in=ids) | Q(other_id__in=ids)).delete()
        return _near_duplicates_find(bodies)


def _near_duplicates_find(bodies: Mapping[int, str]) -> int:
    """Store the fingerprints of these articles (bodies by id; none stored yet) and the pairs they form.

    The same few queries whatever the number of articles: one to learn who else
    holds their fingerprints, one to store them, one for the bodies of the
    candidates, one to insert the pairs that pass the exact comparison.
    """
    return _near_duplicates_store(bodies, texts_analyse(bodies))


def _near_duplicates_store(bodies: Mapping[int, str], analysis: TextAnalysis) -> int:
    """``_near_duplicates_find`` for articles whose texts (``bodies``) are analysed already."""
    holders = ArticleFingerprint.objects.store_rows(analysis.rows, max_holders=BOILERPLATE_HOLDERS)
    candidates = candidate_pairs(analysis.prints, holders, max_holders=BOILERPLATE_HOLDERS)
    if not candidates:
        return 0
    # The words of the articles compared, a few of a batch (nearly every article is in no pair).
    compared = {pk for pair in candidates for pk in pair}
    tokens = {pk: words(bodies[pk]) for pk in compared if pk in bodies}
    elsewhere = compared - tokens.keys()
    for pk, body in Article.objects.filter(pk__in=elsewhere).order_by().values_list("pk", "body"):
        tokens[pk] = words(body)
    pairs = []
    for mine, theirs in candidates:
        if theirs not in tokens:  # deleted meanwhile
            continue
        shared = overlap(tokens[mine], tokens[theirs])
        if shared.is_near_duplicate:
            figures = {
                "shared_passages": shared.passages,
                "shared_words": shared.words,
                "containment": shared.containment,
            }
            pairs += [
                NearDuplicate(article_id=mine, other_id=theirs, **figures),
                NearDuplicate(article_id=theirs, other_id=mine, **figures),
            ]
    # Refreshing two articles of one pair at the same time stores it twice, with the same figures.
    NearDuplicate.objects.bulk_create(pairs, ignore_conflicts=True)
    return len(pairs) // 2


def _batch_import(batch: _Batch, *, status: str, link_suggestions: bool = False) -> _BatchOutcome:
    """Store a batch in one transaction, or else article by article."""
    try:
        return _batch_write(batch, status=status, link_suggestions=link_suggestions)
    except ROW_ERRORS as error:
        logger.info("batch of %d refused (%s); retrying article by article", len(batch.items), error)
    outcome = _BatchOutcome()
    for index, pending in enumerate(batch.items):
        try:
            single = _batch_write(batch.one(index), status=status, link_suggestions=link_suggestions)
        except ROW_ERRORS as error:
            outcome.failures.append(ImportFailure(pending.article.path, pending.article.line, _database_reason(error)))
        else:
            outcome.imported += single.imported
            outcome.duplicates += single.duplicates
            outcome.suggested_links += single.suggested_links
    return outcome


def _database_reason(error: Exception) -> str:
    # PostgreSQL's first line says what was wrong; the rest is DETAIL/CONTEXT.
    message = str(error).strip().splitlines()
    return f"not stored: {message[0] if message else type(error).__name__}"


def _batch_write(batch: _Batch, *, status: str, link_suggestions: bool = False) -> _BatchOutcome:
    with transaction.atomic():
        kept = _duplicates_drop(batch.items)
        outcome = _BatchOutcome(imported=len(kept), duplicates=len(batch.items) - len(kept))
        if not kept:
            return outcome
        fresh = [batch.items[index] for index in kept]
        ids = [batch.ids[index] for index in kept]
        inputs = [pending.article for pending in fresh]
        bodies = {pk: a.body for pk, a in zip(ids, inputs, strict=True)}
        sources = _named_resolve(Source, [a.source for a in inputs if a.source])
        tags = _named_resolve(Tag, [name for a in inputs for name in a.tags])
        people = _people_resolve([name for a in inputs for name in (*a.authors, *a.people)])
        slugs = _article_slugs(fresh)
        articles = _articles_insert(
            [
                Article(
                    pk=pk,
                    title=a.article.title,
                    slug=slug,
                    source=sources[a.article.source.lower()] if a.article.source else None,
                    published_on=a.article.published_on,
                    published_precision=a.article.published_precision,
                    url=a.article.url,
                    summary=a.article.summary,
                    # Article.save() is not called (it would normalise and hash): the reader normalised.
                    body=a.article.body,
                    body_sha256=a.sha256,
                    language=a.article.language,
                    status=status,
                )
                for pk, a, slug in zip(ids, fresh, slugs, strict=True)
            ]
        )
        _links_create(Article.authors, articles, [[people[n.lower()] for n in a.authors] for a in inputs])
        _links_create(Article.people, articles, [[people[n.lower()] for n in a.people] for a in inputs])
        _links_create(Article.tags, articles, [[tags[n.lower()] for n in a.tags] for a in inputs])
        _near_duplicates_store(bodies, batch.analysis.result().of_articles(ids))
        if link_suggestions:
            revision = suggestions_apply(
                user=None,
                article_ids=[article.pk for article in articles],
                summary=f"Linked the people and tags mentioned in {len(articles)} imported articles",
            )
            outcome.suggested_links = revision_links_added(revision)
        # Drafts count as no article, but their new names join the word list, as a rebuild has them.
        # Last, so that the rows it locks (shared words, the archive's totals) are held the least.
        # The words counted beforehand are the whole batch's: with duplicates left out, the stored texts are.
        whole = len(kept) == len(batch.items)
        word_counts = batch.word_counts.result() if batch.word_counts is not None and whole else None
        search_statistics_count(
            [article.pk for article in articles],
            [row.name for row in (*people.values(), *tags.values())],
            word_counts=word_counts,
        )
    return outcome


def _duplicates_drop(batch: Sequence[_Pending]) -> list[int]:
    """The positions in ``batch`` of the articles not yet archived nor repeated earlier in it."""
    digests = {pending.sha256 for pending in batch}
    urls = {pending.article.url for pending in batch if pending.article.url}
    known_digests: set[str] = set()
    known_urls: set[str] = set()
    # "url <> ''" repeats the partial unique index's condition: PostgreSQL proves it from an
    # IN list of at most 100 values only, and would scan the whole table for a full batch.
    existing = Article.objects.filter(Q(body_sha256__in=digests) | (Q(url__in=urls) & ~Q(url="")))
    for digest, url in existing.order_by().values_list("body_sha256", "url"):
        known_digests.add(digest)
        known_urls.add(url)
    kept = []
    for index, pending in enumerate(batch):
        url = pending.article.url
        if pending.sha256 in known_digests or (url and url in known_urls):
            continue
        known_digests.add(pending.sha256)
        if url:
            known_urls.add(url)
        kept.append(index)
    return kept


def _spellings(names: Iterable[str]) -> dict[str, str]:
    """Names keyed by their lowercase form; the first spelling met is the one a new row gets.

    str.lower() agrees with PostgreSQL's lower() except in a few exotic scripts.
    """
    spellings: dict[str, str] = {}
    for name in names:
        spellings.setdefault(name.lower(), name)
    return spellings


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:SLUG_DIGEST_LENGTH]


def _entity_slug(name: str) -> str:
    """The slug for a new source, tag or person; names that do not transliterate get a digest suffix.

    Without the suffix every Cyrillic or Chinese name would become "untitled"
    and, since sources and tags are matched by slug, all of them one row.
    """
    slug = slug_for(name, SLUG_MAX_LENGTH)
    if slug == FALLBACK_SLUG:
        slug = f"{slug_for(name, SLUG_BASE_MAX_LENGTH)}-{_digest(name.lower())}"
    return slug


def _named_resolve(model: type[Source] | type[Tag], names: Sequence[str]) -> dict[str, Source | Tag]:
    """Map each name (lowercased) to its row, found by name (any case) or slug, else created.

    Two queries at most: one lookup and one bulk insert of the missing rows.
    """
    if not names:
        return {}
    spellings = _spellings(names)
    slugs = {key: _entity_slug(name) for key, name in spellings.items()}
    by_name: dict[str, models.Model] = {}
    by_slug: dict[str, models.Model] = {}
    existing = (
        model.objects.annotate(lower_name=Lower("name"))
        .filter(Q(lower_name__in=spellings) | Q(slug__in=slugs.values()))
        .order_by("pk")
    )
    for row in existing:
        by_name.setdefault(row.lower_name, row)
        by_slug[row.slug] = row
    resolved = {}
    new: dict[str, models.Model] = {}
    for key, name in spellings.items():
        slug = slugs[key]
        row = by_name.get(key) or by_slug.get(slug) or new.get(slug)
        if row is None:
            row = new[slug] = model(name=name, slug=slug)
        resolved[key] = row
    model.objects.bulk_create(new.values())
    return resolved


def _people_resolve(names: Sequence[str]) -> dict[str, Person]:
    """Map each name (lowercased) to a person found by name or alias (any case), else created."""
    if not names:
        return {}
    spellings = _spellings(names)
    resolved: dict[str, Person] = {}
    for person in Person.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=spellings).order_by("pk"):
        resolved.setdefault(person.lower_name, person)
    missing = spellings.keys() - resolved.keys()
    if missing:
        aliases = PersonAlias.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=missing)
        for alias in aliases.select_related("person").order_by():
            resolved[alias.lower_name] = alias.person
    missing = [key for key in spellings if key not in resolved]
    if missing:
        # People are never matched by slug (two John Smiths are two people), so a clash gets a suffix.
        wanted = {key: _entity_slug(spellings[key]) for key in missing}
        taken = set(Person.objects.filter(slug__in=wanted.values()).order_by().values_list("slug", flat=True))
        new = []
        for key in missing:
            slug = wanted[key]
            if slug in taken:
                slug = f"{slug_for(spellings[key], SLUG_BASE_MAX_LENGTH)}-{_digest(key)}"
            taken.add(slug)
            resolved[key] = Person(name=spellings[key], slug=slug)
            new.append(resolved[key])
        Person.objects.bulk_create(new)
    return resolved


def _article_slugs(batch: Sequence[_Pending]) -> list[str]:
    """A unique slug per article: the title's, or with the body digest appended if taken."""
    bases = [slug_for(pending.article.title, SLUG_BASE_MAX_LENGTH) for pending in batch]
    taken = set(Article.objects.filter(slug__in=bases).order_by().values_list("slug", flat=True))
    slugs = []
    for pending, base in zip(batch, bases, strict=True):
        slug = f"{base}-{pending.sha256[:SLUG_DIGEST_LENGTH]}" if base in taken else base
        taken.add(slug)
        slugs.append(slug)
    return slugs


def _article_ids_reserve(count: int) -> list[int]:
    """``count`` new article ids from the table's identity sequence, for rows written with COPY."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [Article._meta.db_table, Article._meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _articles_insert(articles: list[Article]) -> list[Article]:
    """Store new articles (ids set: ``_article_ids_reserve``) as bulk_create would, but with COPY.

    COPY spares building one large INSERT of every value per batch (Django's SQL
    compiler and psycopg's client-side quoting, in Python) and the server's
    parsing it back, and returns no rows (the generated search vector included).
    Columns with a database default (the timestamps) and the generated search
    vector are left to the database.
    """
    meta = Article._meta
    fields = [f for f in meta.concrete_fields if not f.generated and f.db_default is models.NOT_PROVIDED]
    rows_copy(
        meta.db_table,
        [field.column for field in fields],
        (
            [field.get_db_prep_save(field.pre_save(article, add=True), connection) for field in fields]
            for article in articles
        ),
    )
    for article in articles:
        article._state.adding = False
        article._state.db = connection.alias
    return articles


def rows_copy(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY ``rows`` into ``table``; the database's errors are raised as Django's, as from execute()."""
    quote = connection.ops.quote_name
    statement = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    # The cursor's copy() is psycopg's own: Django wraps only execute() in its error classes.
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _links_create(relation, articles: Sequence[Article], targets: Sequence[Sequence[models.Model]]) -> None:
    """Insert the many-to-many rows linking each article to its targets (deduplicated), with COPY."""
    through = relation.through._meta
    source_column = through.get_field(relation.field.m2m_field_name()).column
    target_column = through.get_field(relation.field.m2m_reverse_field_name()).column
    rows = [
        (article.pk, pk)
        for article, related in zip(articles, targets, strict=True)
        # Two names may lead to the same row (a name and its alias).
        for pk in dict.fromkeys(row.pk for row in related)
    ]
    if rows:
        rows_copy(through.db_table, [source_column, target_column], rows)


# --- Merging duplicate people and tags ------------------------------------------------------------

# The kind a merged person's name takes as an alias of the one kept. Duplicates are nearly always a
# name written two ways (the import creates a person for a spelling it does not know yet: "Sergei"
# for "Sergey", a dropped diacritic), which is what a spelling variant is; it is also the alias
# model's default. An editor who knows better (a former name) changes it on the person's page.
MERGED_NAME_ALIAS_KIND = AliasKind.SPELLING


@dataclass(frozen=True)
class MergeResult:
    """What a merge moved to the row kept: enough for the editor's message."""

    kept: Person | Tag
    merged: int  # rows merged away, each now a redirect to the one kept
    article_links: int = 0  # articles newly linked to the one kept: mentioning the person, or tagged
    authorships: int = 0  # articles newly credited to the person kept
    claims: int = 0  # claims now made by the person kept
    aliases_created: int = 0  # merged people's names that became aliases of the one kept
    aliases_moved: int = 0  # the merged people's own aliases, now the kept person's
    redirects: int = 0  # redirect rows written: one per row merged away
    redirects_repointed: int = 0  # older redirects (of rows merged earlier into these) now leading to the one kept
    # Names not made aliases because another person has that alias (alias names are unique); the
    # old URL still redirects, and an editor decides whose spelling it is.
    names_taken: tuple[str, ...] = ()


def people_merge(*, keep: Person, merged: Iterable[Person], user=None) -> MergeResult:
    """Merge duplicate people into ``keep``; nothing they had is lost, and their old URLs redirect.

    In one transaction, with all the people involved locked:
    - each merged person's name becomes an alias of ``keep`` (a spelling variant, see
      MERGED_NAME_ALIAS_KIND) unless ``keep`` already goes by it, and their own aliases move to
      ``keep`` (one equal to ``keep``'s name is dropped: it says nothing more);
    - the articles mentioning them or by them, and their claims, move to ``keep``; an article
      linked to several of them ends up linked to ``keep`` once;
    - ``keep``'s description stays; if it has none, it takes the first merged person's (in the
      order given) that has one;
    - each merged person becomes a MergedPerson redirect to ``keep``, and so do the redirects
      that led to them (A merged into B, then B into C: A's old URL leads to C); then they are
      deleted.
    The editors' history gets one revision (kind "merge", by ``user``) with ``keep``'s aliases
    (and description) before and after, each merged person as "merged into" ``keep``, each
    article whose people mentioned or authors changed, and each claim whose claimant changed.
    A few queries whatever the number of articles. Words of the merged names that no name nor
    published article holds any more leave the search vocabulary. Raises ValueError when
    ``merged`` is empty or includes ``keep``, or when one of them no longer exists (merged
    meanwhile by someone else).
    """
    merged_ids = _merge_ids(Person, keep, merged)
    with transaction.atomic():
        kept, gone = _merge_lock(Person, keep.pk, merged_ids)
        recorded, before = _merge_history_before(kept, gone, (Article.people, Article.authors))
        claims_moved = _claimants_before(merged_ids)
        aliases_moved, aliases_created, names_taken = _aliases_merge(kept, gone)
        article_links = _links_move(Article.people, kept.pk, merged_ids)
        authorships = _links_move(Article.authors, kept.pk, merged_ids)
        claims = Claim.objects.filter(claimant_person_id__in=merged_ids).update(claimant_person=kept, updated_at=Now())
        _description_take(kept, gone)
        redirects_repointed = _merged_retire(MergedPerson, kept, gone)
        claimant = history.label(Claim._meta.get_field("claimant_person"))
        _merge_history_record(
            user=user,
            kept=kept,
            gone=gone,
            changes=[
                *history.snapshot_changes(before, history.rows_snapshot(recorded)),
                *(FieldChange.of(claim, claimant, claim.claimant_person.name, kept.name) for claim in claims_moved),
            ],
        )
        # A merged name becomes an alias, so its words stay; they go only where no name holds them now.
        _search_statistics_tidy(names_gone=[person.name for person in gone])
    keep.description = kept.description
    return MergeResult(
        kept=kept,
        merged=len(gone),
        article_links=article_links,
        authorships=authorships,
        claims=claims,
        aliases_created=aliases_created,
        aliases_moved=aliases_moved,
        redirects=len(gone),
        redirects_repointed=redirects_repointed,
        names_taken=names_taken,
    )


def tags_merge(*, keep: Tag, merged: Iterable[Tag], user=None) -> MergeResult:
    """Merge duplicate tags into ``keep``: their articles move to it and their old URLs redirect.

    Like people_merge, without aliases (tags have none): in one transaction with the tags locked,
    the articles tagged with any of them are tagged with ``keep`` (once), ``keep``'s description
    stays or, if it has none, is taken from the first merged tag that has one, and each merged
    tag becomes a MergedTag redirect to ``keep``, as do the redirects that led to it; then they
    are deleted. Words of their names that no name nor published article holds any more leave the
    search vocabulary.
    The editors' history gets one revision (kind "merge", by ``user``): each merged tag as
    "merged into" ``keep``, each article whose tags changed, and ``keep``'s description if it
    took one. Raises ValueError as people_merge does.
    """
    merged_ids = _merge_ids(Tag, keep, merged)
    with transaction.atomic():
        kept, gone = _merge_lock(Tag, keep.pk, merged_ids)
        recorded, before = _merge_history_before(kept, gone, (Article.tags,))
        description = kept.description
        article_links = _links_move(Article.tags, kept.pk, merged_ids)
        _description_take(kept, gone)
        redirects_repointed = _merged_retire(MergedTag, kept, gone)
        _merge_history_record(
            user=user,
            kept=kept,
            gone=gone,
            changes=[
                FieldChange.of(kept, "description", description, kept.description),
                *history.snapshot_changes(before, history.rows_snapshot(recorded)),
            ],
        )
        _search_statistics_tidy(names_gone=[tag.name for tag in gone])
    keep.description = kept.description
    return MergeResult(
        kept=kept,
        merged=len(gone),
        article_links=article_links,
        redirects=len(gone),
        redirects_repointed=redirects_repointed,
    )


def _merge_ids(model: type[Person] | type[Tag], keep: Person | Tag, merged: Iterable[Person | Tag]) -> list[int]:
    """The ids of the rows to merge into ``keep``, in the order given (without repeats), or ValueError."""
    rows = list(merged)
    if not isinstance(keep, model) or any(not isinstance(row, model) for row in rows):
        raise ValueError(f"only {model._meta.verbose_name_plural} can be merged here")
    if keep.pk is None or any(row.pk is None for row in rows):
        raise ValueError(f"only saved {model._meta.verbose_name_plural} can be merged")
    ids = list(dict.fromkeys(row.pk for row in rows))
    if not ids:
        raise ValueError(f"pick at least one {model._meta.verbose_name} to merge into {keep}")
    if keep.pk in ids:
        raise ValueError(f"{keep} cannot be merged into itself")
    return ids


def _merge_lock(model: type[Person] | type[Tag], keep_id: int, merged_ids: Sequence[int]):
    """Lock the rows (in id order, so two merges never deadlock) and read them afresh: (kept, merged ones).

    Each is annotated with ``lower_name``, PostgreSQL's lowercase of its name, the form alias
    names are unique in.
    """
    rows = (
        model.objects.select_for_update()
        .filter(pk__in=[keep_id, *merged_ids])
        .annotate(lower_name=Lower("name"))
        .order_by("pk")
    )
    found = {row.pk: row for row in rows}
    missing = [pk for pk in (keep_id, *merged_ids) if pk not in found]
    if missing:
        ids = ", ".join(map(str, missing))
        raise ValueError(f"no {model._meta.verbose_name} has the id {ids} any more: merged or deleted meanwhile?")
    return found[keep_id], [found[pk] for pk in merged_ids]


def _aliases_merge(kept: Person, gone: Sequence[Person]) -> tuple[int, int, tuple[str, ...]]:
    """Move the merged people's aliases to ``kept`` and make their names its aliases.

    Returns how many aliases moved, how many were created, and the names left out because
    another person has them as an alias.
    """
    gone_ids = [person.pk for person in gone]
    known = {kept.lower_name, *kept.aliases.annotate(lower_name=Lower("name")).values_list("lower_name", flat=True)}
    theirs = PersonAlias.objects.filter(person_id__in=gone_ids).annotate(lower_name=Lower("name")).order_by("pk")
    theirs = {alias.pk: alias.lower_name for alias in theirs}
    # One equal to kept's own name is left behind and goes with its person: it would add nothing.
    moving = [pk for pk, lower_name in theirs.items() if lower_name not in known]
    moved = PersonAlias.objects.filter(pk__in=moving).update(person=kept, updated_at=Now())
    known.update(theirs.values())
    names: dict[str, str] = {}
    for person in gone:
        if person.name.strip() and person.lower_name not in known:
            names.setdefault(person.lower_name, person.name)
    # Alias names are unique across people: one another person has stays theirs.
    taken = set(
        PersonAlias.objects.annotate(lower_name=Lower("name"))
        .filter(lower_name__in=names)
        .values_list("lower_name", flat=True)
    )
    new = [
        PersonAlias(person=kept, name=name, kind=MERGED_NAME_ALIAS_KIND)
        for lower_name, name in names.items()
        if lower_name not in taken
    ]
    PersonAlias.objects.bulk_create(new)
    return moved, len(new), tuple(name for lower_name, name in names.items() if lower_name in taken)


def _links_move(relation, kept_id: int, merged_ids: Sequence[int]) -> int:
    """Repoint the many-to-many rows of ``relation`` from the merged rows to ``kept_id``; returns how many it gained.

    Set-based, three queries whatever the number of articles: the articles linked to a merged
    row but not to the one kept, one insert of their new rows, one delete of the old rows. An
    article linked to several of them, or to the one kept already, ends up linked once.
    """
    through = relation.through
    article_field = f"{relation.field.m2m_field_name()}_id"
    target_field = f"{relation.field.m2m_reverse_field_name()}_id"
    theirs = through.objects.filter(**{f"{target_field}__in": merged_ids})
    already = through.objects.filter(**{target_field: kept_id}).values(article_field)
    missing = (
        theirs.exclude(**{f"{article_field}__in": already}).order_by().values_list(article_field, flat=True).distinct()
    )
    rows = [through(**{article_field: article_id, target_field: kept_id}) for article_id in missing]
    # The articles are not locked: one linked to the row kept meanwhile stays linked once all the same.
    through.objects.bulk_create(rows, ignore_conflicts=True)
    theirs.delete()
    return len(rows)


def _description_take(kept: Person | Tag, gone: Sequence[Person | Tag]) -> None:
    """Give ``kept`` the first merged row's description if it has none; an editor's own text is never replaced."""
    if kept.description.strip():
        return
    donor = next((row for row in gone if row.description.strip()), None)
    if donor is not None:
        kept.description = donor.description
        kept.save(update_fields=["description", "updated_at"])


def _merged_retire(
    merged_model: type[MergedPerson] | type[MergedTag], kept: Person | Tag, gone: Sequence[Person | Tag]
) -> int:
    """Write a redirect to ``kept`` for each merged row, then delete them; returns how many older redirects moved.

    The older redirects (rows merged earlier into these) are repointed first: deleting a row
    cascades to the redirects leading to it, and their URLs must keep working.
    """
    gone_ids = [row.pk for row in gone]
    repointed = merged_model.objects.filter(into_id__in=gone_ids).update(into=kept)
    merged_model.objects.bulk_create([merged_model(id=row.pk, name=row.name, slug=row.slug, into=kept) for row in gone])
    type(kept).objects.filter(pk__in=gone_ids).delete()
    return repointed


def _merge_history_before(kept: Person | Tag, gone: Sequence[Person | Tag], relations):
    """What a merge's revision compares, and how it stands before: the row kept (if the history tracks
    its model) and the articles linked to the merged rows through ``relations`` (those links only).

    A fixed number of queries whatever the number of articles: one for the articles, then those
    of the snapshots (articles.history.snapshots). Returns the rows (for ``rows_snapshot``
    after the merge) and their snapshots.
    """
    merged_ids = [row.pk for row in gone]
    linked = [
        relation.through.objects.filter(**{f"{relation.field.m2m_reverse_field_name()}_id__in": merged_ids})
        .order_by()
        .values_list(f"{relation.field.m2m_field_name()}_id", flat=True)
        for relation in relations
    ]
    article_ids = set(linked[0].union(*linked[1:]) if len(linked) > 1 else linked[0])
    labels = frozenset(history.label(relation.field) for relation in relations)
    recorded: dict[history.RowKey, frozenset[str] | None] = {(Article, pk): labels for pk in article_ids}
    if type(kept) in history.TRACKED:
        recorded[type(kept), kept.pk] = None
    return recorded, history.rows_snapshot(recorded)


def _claimants_before(merged_ids: Sequence[int]) -> list[Claim]:
    """The claims the merged people made, each with its claimant as it was: one query."""
    claims = Claim.objects.filter(claimant_person_id__in=merged_ids).select_related("claimant_person")
    return list(claims.only("statement", "claimant_person", "claimant_person__name").order_by("pk"))


def _merge_history_record(*, user, kept: Person | Tag, gone: Sequence[Person | Tag], changes: list[FieldChange]):
    """Record a merge as one revision: ``changes``, and each merged row as "merged into" the one kept."""
    merged_into = [FieldChange.of(row, history.MERGED_INTO, "", kept.name) for row in gone]
    names = ", ".join(f"“{row.name}”" for row in gone)
    revision_record(
        user=user, kind=RevisionKind.MERGE, summary=f"Merged {names} into “{kept.name}”", changes=merged_into + changes
    )


# --- The editors' history --------------------------------------------------------------------


def revision_record(
    *,
    user,
    kind: RevisionKind,
    summary: str,
    changes: Iterable[FieldChange],
    undo: dict | None = None,
) -> Revision | None:
    """Write one revision and its field changes (unsaved ``FieldChange.of(...)`` rows); None if nothing changed.

    ``user`` is the editor (None or an anonymous user for a command). Changes whose old and new
    text are the same are left out: the history lists only what really changed. One insert per
    table whatever the number of rows changed.
    """
    changes = [change for change in changes if change.old != change.new]
    if not changes:
        return None
    known_user = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        revision = Revision.objects.create(
            user=known_user,
            username=known_user.get_username() if known_user else "",
            kind=kind,
            summary=summary,
            undo=undo,
        )
        for change in changes:
            change.revision = revision
        FieldChange.objects.bulk_create(changes)
    return revision


# --- Linking articles to tags and people, many at once -------------------------------------------

# The links editors change in bulk, by the name ``links_change`` and the undo record use.
LINK_RELATIONS = {"tags": Article.tags, "people": Article.people}


@dataclass(frozen=True)
class Link:
    """One article linked to one tag (``relation`` "tags") or one person it mentions ("people")."""

    relation: str
    article_id: int
    target_id: int


def links_change(
    *,
    user,
    kind: RevisionKind,
    summary: str,
    add: Iterable[Link] = (),
    remove: Iterable[Link] = (),
) -> Revision | None:
    """Link and unlink articles to tags and people, in one transaction, as one revision that can be undone.

    Only what really changes is written and recorded: a link already there is not added again,
    and one not there is not removed. The revision holds, for each article changed, its tags or
    people before and after, and in ``undo`` the exact links to remove and to add back, so undoing
    it (``revision_undo``) touches those links and no others. The articles changed are locked
    and their ``updated_at`` moves on, so an editor who had one of them open gets the edit
    conflict message instead of saving its old links over these. A few queries per relation
    and tag or person involved, whatever the number of articles. Returns None if nothing changed.
    """
    add, remove = set(add), set(remove)
    unknown = {link.relation for link in add | remove} - LINK_RELATIONS.keys()
    if unknown:
        raise ValueError(f"links can be changed only for {', '.join(LINK_RELATIONS)}, not {', '.join(unknown)}")
    article_ids = sorted({link.article_id for link in add | remove})
    with transaction.atomic():
        # In id order, as everywhere articles are locked together, so two changes never deadlock.
        list(Article.objects.select_for_update().filter(pk__in=article_ids).order_by("pk").values_list("pk"))
        changes: list[FieldChange] = []
        added: list[Link] = []
        removed: list[Link] = []
        for relation_name, relation in LINK_RELATIONS.items():
            wanted = {link for link in add if link.relation == relation_name}
            unwanted = {link for link in remove if link.relation == relation_name}
            if not wanted and not unwanted:
                continue
            relation_added, relation_removed, relation_changes = _links_apply(relation_name, relation, wanted, unwanted)
            added += relation_added
            removed += relation_removed
            changes += relation_changes
        if not changes:
            return None
        changed_ids = sorted({link.article_id for link in added + removed})
        Article.objects.filter(pk__in=changed_ids).update(updated_at=Now())
        undo = {
            "add": [[link.relation, link.article_id, link.target_id] for link in sorted(removed, key=_link_order)],
            "remove": [[link.relation, link.article_id, link.target_id] for link in sorted(added, key=_link_order)],
        }
        return revision_record(user=user, kind=kind, summary=summary, changes=changes, undo=undo)


def revision_undo(*, revision: Revision, user) -> Revision:
    """Undo a revision that changed links: remove the links it added, add back those it removed.

    Recorded as a revision of its own (kind "undo"), which ``revision.undone_by`` then points
    to. A link changed again since by someone else is left as it now is. Raises ValueError if
    the revision cannot be undone (it changed more than links, or it was undone already).
    """
    with transaction.atomic():
        revision = Revision.objects.select_for_update().get(pk=revision.pk)
        if not revision.can_be_undone:
            raise ValueError("this change was undone already" if revision.undone_by_id else "this change has no undo")
        summary = f"Undid “{revision.summary}”"
        undoing = links_change(
            user=user,
            kind=RevisionKind.UNDO,
            summary=summary,
            add=[Link(*row) for row in revision.undo["add"]],
            remove=[Link(*row) for row in revision.undo["remove"]],
        )
        if undoing is None:
            # Every link was changed back since: the undo is still on the record, with nothing to show.
            undoing = Revision.objects.create(
                user=user if user is not None and user.is_authenticated else None,
                username=user.get_username() if user is not None and user.is_authenticated else "",
                kind=RevisionKind.UNDO,
                summary=f"{summary}: nothing left to change",
            )
        revision.undone_by = undoing
        revision.save(update_fields=["undone_by"])
    return undoing


def _link_order(link: Link) -> tuple[str, int, int]:
    return link.relation, link.article_id, link.target_id


def _links_apply(relation_name: str, relation, wanted: set[Link], unwanted: set[Link]):
    """Write one relation's links; returns the links added, those removed, and each changed article's FieldChange."""
    through = relation.through
    article_field = f"{relation.field.m2m_field_name()}_id"
    target_field = f"{relation.field.m2m_reverse_field_name()}_id"
    target_model = relation.field.related_model
    article_ids = {link.article_id for link in wanted | unwanted}
    # Every link these articles have in this relation, with names, to write what each had before.
    before: dict[int, dict[int, str]] = {article_id: {} for article_id in article_ids}
    for article_id, target_id, name in through.objects.filter(**{f"{article_field}__in": article_ids}).values_list(
        article_field, target_field, f"{relation.field.m2m_reverse_field_name()}__name"
    ):
        before[article_id][target_id] = name
    to_add = sorted((link for link in wanted if link.target_id not in before[link.article_id]), key=_link_order)
    to_remove = sorted((link for link in unwanted if link.target_id in before[link.article_id]), key=_link_order)
    names = dict(target_model.objects.filter(pk__in={link.target_id for link in to_add}).values_list("pk", "name"))
    # A tag or person deleted meanwhile cannot be linked: those links are left out.
    to_add = [link for link in to_add if link.target_id in names]
    through.objects.bulk_create(
        [through(**{article_field: link.article_id, target_field: link.target_id}) for link in to_add]
    )
    by_target: dict[int, list[int]] = {}
    for link in to_remove:
        by_target.setdefault(link.target_id, []).append(link.article_id)
    for target_id, ids in by_target.items():
        through.objects.filter(**{target_field: target_id, f"{article_field}__in": ids}).delete()
    after = {article_id: dict(targets) for article_id, targets in before.items()}
    for link in to_add:
        after[link.article_id][link.target_id] = names[link.target_id]
    for link in to_remove:
        del after[link.article_id][link.target_id]
    label = relation.field.verbose_name
    changed = sorted({link.article_id for link in to_add + to_remove})
    titles = dict(Article.objects.filter(pk__in=changed).values_list("pk", "title"))
    changes = [
        FieldChange.of(
            Article(pk=article_id, title=titles[article_id]),
            label,
            ", ".join(sorted(before[article_id].values(), key=str.lower)),
            ", ".join(sorted(after[article_id].values(), key=str.lower)),
        )
        for article_id in changed
    ]
    return to_add, to_remove, changes


# --- Suggested links: people and tags the texts mention, not linked yet ----------------------------


def suggestions_apply(
    *,
    user,
    article_ids: Iterable[int],
    summary: str,
    only: Iterable[Link] | None = None,
) -> Revision | None:
    """Link what the articles' texts mention but they are not linked to yet (``articles.suggestions``), as one revision.

    People are linked as mentioned. ``only`` keeps to those of the suggestions (what an editor
    clicked): a link that is no longer a suggestion (linked meanwhile, or a text corrected since)
    is not made. One query per ``SUGGESTION_BATCH_SIZE`` articles to find the suggestions, then
    ``links_change``'s few, in one transaction. Returns None if there was nothing to link.
    """
    with transaction.atomic():
        found = suggestions_for(article_ids)
        links = {
            Link(suggestion.relation, suggestion.article_id, suggestion.target_id)
            for suggestions in found.values()
            for suggestion in suggestions
        }
        if only is not None:
            links &= set(only)
        return links_change(user=user, kind=RevisionKind.SUGGESTIONS, summary=summary, add=links)


def revision_links_added(revision: Revision | None) -> int:
    """How many links a revision of ``links_change`` made (0 for None: nothing changed)."""
    return len(revision.undo["remove"]) if revision is not None and revision.undo else 0


# --- Tagging at speed: changing many articles at once --------------------------------------------

# How summaries name a row of each relation ``articles_links_change`` changes.
LINK_TARGET_NOUNS = {"tags": "tag", "people": "person"}
# Articles ``articles_status_change`` loads at a time: each is loaded whole (its body), then saved.
STATUS_CHANGE_BATCH_SIZE = 200
# What the history calls giving articles each status.
STATUS_CHANGE_VERBS = {
    ArticleStatus.DRAFT: "Unpublished",
    ArticleStatus.PUBLISHED: "Published",
    ArticleStatus.RETRACTED: "Retracted",
}
# How a summary counts the articles that had each status: "3 drafts, 1 retracted".
STATUS_COUNT_NOUNS = {
    ArticleStatus.DRAFT: ("draft", "drafts"),
    ArticleStatus.PUBLISHED: ("published", "published"),
    ArticleStatus.RETRACTED: ("retracted", "retracted"),
}


@dataclass(frozen=True)
class LinksChangeResult:
    """What ``articles_links_change`` did: its revision (None if nothing changed) and, for each tag or
    person by id, how many of the articles it changed and how many were already so."""

    revision: Revision | None
    changed: dict[int, int]
    unchanged: dict[int, int]


def articles_links_change(
    *,
    user,
    kind: RevisionKind,
    relation: str,
    article_ids: Iterable[int],
    targets: Sequence[Tag | Person],
    remove: bool = False,
    scope: str,
) -> LinksChangeResult:
    """Link every article of ``article_ids`` to every one of ``targets`` (``relation`` "tags" or "people"
    mentioned), or with ``remove`` unlink them, as one revision that can be undone (``links_change``).

    The summary says what really changed, target by target: "Added tag “Migration” to 309 of the
    312 articles matching “mobilisation”", ``scope`` being what follows "articles". The articles are
    locked before they are counted, so the counts are those ``links_change`` then finds. Unknown ids
    are ignored. A handful of queries whatever the number of articles, but the links and the
    revision's rows are held in memory: callers bound the number of articles (the admin's tools
    take at most 10,000 at once).
    """
    if relation not in LINK_RELATIONS:
        raise ValueError(f"links can be changed only for {', '.join(LINK_RELATIONS)}, not {relation}")
    if not targets:
        return LinksChangeResult(None, {}, {})
    link_relation = LINK_RELATIONS[relation]
    article_field = f"{link_relation.field.m2m_field_name()}_id"
    target_field = f"{link_relation.field.m2m_reverse_field_name()}_id"
    target_ids = [target.pk for target in targets]
    with transaction.atomic():
        # In id order, as links_change locks them (again, at no cost: this transaction holds the locks).
        ids = list(
            Article.objects.select_for_update()
            .filter(pk__in=set(article_ids))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        linked = dict.fromkeys(target_ids, 0)
        already = link_relation.through.objects.filter(
            **{f"{article_field}__in": ids, f"{target_field}__in": target_ids}
        )
        for target_id in already.values_list(target_field, flat=True):
            linked[target_id] += 1
        changed = {pk: linked[pk] if remove else len(ids) - linked[pk] for pk in target_ids}
        unchanged = {pk: len(ids) - changed[pk] for pk in target_ids}
        clauses = [
            _links_change_clause(relation, target, changed[target.pk], len(ids), remove=remove, scope=scope)
            for target in targets
        ]
        summary = "; ".join([clauses[0], *(clause[0].lower() + clause[1:] for clause in clauses[1:])])
        links = [Link(relation, article_id, target_id) for article_id in ids for target_id in target_ids]
        revision = links_change(user=user, kind=kind, summary=summary, **{"remove" if remove else "add": links})
    return LinksChangeResult(revision, changed, unchanged)


def _links_change_clause(relation: str, target, changed: int, total: int, *, remove: bool, scope: str) -> str:
    """One tag's or person's part of the summary: "Added tag “Migration” to 9 of the 12 articles selected"."""
    verb, preposition = ("Removed", "from") if remove else ("Added", "to")
    counted = _articles_count(total) if changed == total else f"{changed} of the {total} articles"
    return f"{verb} {LINK_TARGET_NOUNS[relation]} “{target}” {preposition} {counted} {scope}"


def articles_status_change(
    *, articles: Iterable[Article] | models.QuerySet, status: str, retraction_note: str = "", user
) -> Revision | None:
    """Publish, unpublish (back to draft) or retract ``articles``, as one revision; None if nothing changed.

    Each article whose status really changes is saved through ``Article.save()`` (its status,
    ``updated_at`` and, when retracted, its note), in id order under a row lock. So ``retracted_at``
    follows the status exactly as when an editor saves the article's page (stamped when retracted,
    cleared when a retracted article is published again or goes back to draft), the search's
    word list and statistics count them in or out in the same transaction, and an editor who has
    one of them open gets the edit conflict instead of saving the old status over the new.
    Articles that already have the status are left alone, their notes too.

    A retraction needs a note (ValueError otherwise): readers see it instead of the text. The
    revision (kind "bulk") holds each article's status before and after, as the admin labels
    them, and its retraction note. It has no undo: ``revision_undo`` reverses links only, and a
    publication or retraction readers may have seen is reversed by the opposite action, recorded
    in its turn. A few queries per article changed (its save: the earlier text checked under lock,
    the update), plus, per ``STATUS_CHANGE_BATCH_SIZE`` articles, one to load them and a few to
    count them in or out of the search's statistics.
    """
    status = ArticleStatus(status)
    note = retraction_note.strip()
    if status == ArticleStatus.RETRACTED and not note:
        raise ValueError("a retraction needs a note: readers see it instead of the text")
    if isinstance(articles, models.QuerySet):
        wanted = set(articles.order_by().prefetch_related(None).values_list("pk", flat=True))
    else:
        wanted = {article.pk for article in articles}
    status_label = Article._meta.get_field("status").verbose_name
    note_label = Article._meta.get_field("retraction_note").verbose_name
    changes: list[FieldChange] = []
    before: dict[str, int] = {}
    with transaction.atomic():
        ids = list(
            Article.objects.select_for_update().filter(pk__in=wanted).order_by("pk").values_list("pk", flat=True)
        )
        for start in range(0, len(ids), STATUS_CHANGE_BATCH_SIZE):
            batch = list(
                Article.objects.filter(pk__in=ids[start : start + STATUS_CHANGE_BATCH_SIZE])
                .exclude(status=status)
                .defer("search_vector")
                .order_by("pk")
            )
            # The search's word list and statistics count published articles only: these leave them
            # while still published, and join them once published.
            search_statistics_count([a.pk for a in batch if a.status == ArticleStatus.PUBLISHED], sign=-1)
            for article in batch:
                old_status, old_note = ArticleStatus(article.status), article.retraction_note
                article.status = status
                fields = ["status", "updated_at"]
                if status == ArticleStatus.RETRACTED:
                    article.retraction_note = note
                    fields.append("retraction_note")
                article.save(update_fields=fields)
                changes.append(FieldChange.of(article, status_label, old_status.label, status.label))
                changes.append(FieldChange.of(article, note_label, old_note, article.retraction_note))
                before[old_status] = before.get(old_status, 0) + 1
            if status == ArticleStatus.PUBLISHED:
                search_statistics_count([article.pk for article in batch])
        counts = ", ".join(
            f"{count} {STATUS_COUNT_NOUNS[old][0 if count == 1 else 1]}"
            for old, count in sorted(before.items(), key=lambda item: ArticleStatus.values.index(item[0]))
        )
        summary = f"{STATUS_CHANGE_VERBS[status]} {_articles_count(sum(before.values()))} ({counts})"
        revision = revision_record(user=user, kind=RevisionKind.BULK, summary=summary, changes=changes)
    return revision


def _articles_count(count: int) -> str:
    return f"{count} article" if count == 1 else f"{count} articles"
