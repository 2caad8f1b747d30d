"""``manage.py generate_corpus --articles N [--seed S]``: load a synthetic archive (articles.corpus), fast.

Rows go in with COPY, streamed: the entities first (a few thousand rows), then the
articles chunk by chunk, each chunk one transaction holding its articles and their links.
Each article is generated as it is written and never kept, so memory stays flat
whatever N. Ids are the generator's: each table's block is reserved up front (after
its current highest id and its sequence), so the links can be written without asking
the database for ids, and the sequences stay ahead of them.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models.functions import Lower
from psycopg import errors as pg_errors
from psycopg import sql

from articles.corpus import ArticleRow, Corpus
from articles.management.arguments import positive_int
from articles.models import Article, Claim, ClaimReport, Person, PersonAlias, Source, Tag
from articles.services import SLUG_BASE_MAX_LENGTH, SLUG_DIGEST_LENGTH, near_duplicates_refresh, vocabulary_refresh

DEFAULT_SEED = 1
DEFAULT_CHUNK_SIZE = 2_000
# Progress goes to stderr at most this often.
PROGRESS_INTERVAL_SECONDS = 2.0
QUIET = 0

ARTICLE_COLUMNS = (
    "id",
    "title",
    "title_is_editorial",
    "slug",
    "source_id",
    "published_on",
    "published_precision",
    "published_note",
    "url",
    "summary",
    "body",
    "language",
    "status",
    "retraction_note",
    "retracted_at",
    "body_sha256",
    "archived_at",
)
LANGUAGE = "en"
# The unique constraints a generated article can run into (see Command._chunk_load).
ARTICLE_SLUG_UNIQUE = "articles_article_slug_key"
ARTICLE_BODY_UNIQUE = "article_body_unique"
# Every table written: what VACUUM (ANALYZE) goes over at the end.
WRITTEN_MODELS = (
    Source,
    Person,
    PersonAlias,
    Tag,
    Claim,
    Article,
    Article.authors.through,
    Article.people.through,
    Article.tags.through,
    ClaimReport,
)


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY ``rows`` into ``table`` (through Django's connection, so inside its transaction); returns how many."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    count = 0
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


@dataclass
class Totals:
    """What was written, for the summary."""

    articles: int = 0
    aliases: int = 0
    mentions: int = 0
    authorships: int = 0
    tag_links: int = 0
    claim_reports: int = 0
    slugs_suffixed: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


class Command(BaseCommand):
    help = (
        "Generate a reproducible synthetic archive: N articles with sources, people (and aliases), tags and "
        "claims, Zipf-distributed English words and links. The same --articles and --seed give the same "
        "archive on any machine. Adds to what the archive holds unless --flush empties it first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--articles", type=positive_int, required=True, help="How many articles to generate.")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed (default: %(default)s).")
        parser.add_argument(
            "--flush",
            action="store_true",
            help="Empty the archive first: every article, source, person, tag and claim, their history and the "
            "search log (users and groups stay). Ids then start at 1.",
        )
        parser.add_argument(
            "--with-fingerprints",
            action="store_true",
            help="Also store each article's near-duplicate fingerprints, as an import does (about 4 times slower). "
            "Without them the corpus has no near-duplicates either way, but a later import or edit of a text "
            "copying a generated one would not be matched with it (until find_near_duplicates runs).",
        )
        parser.add_argument(
            "--chunk-size",
            type=positive_int,
            default=DEFAULT_CHUNK_SIZE,
            help="Articles written per transaction (default: %(default)s).",
        )

    def handle(
        self,
        *args,
        articles: int,
        seed: int,
        flush: bool,
        with_fingerprints: bool,
        chunk_size: int,
        verbosity: int,
        **options,
    ) -> None:
        started = time.monotonic()
        self.verbosity = verbosity
        self.totals = Totals()
        corpus = Corpus(articles=articles, seed=seed)
        if flush:
            self._archive_flush()
        first = corpus.article(0)
        if Article.objects.filter(body_sha256=first.body_sha256).exists():
            raise CommandError(
                f"The archive already holds this corpus (seed {seed}): add --flush to load it again, "
                "or choose another --seed."
            )
        ids = self._ids_reserve(corpus)
        self._entities_load(corpus, ids)
        loading = time.monotonic()
        self._articles_load(corpus, ids, chunk_size=chunk_size, fingerprints=with_fingerprints, started=loading)
        self.totals.seconds["articles"] = time.monotonic() - loading
        self._timed("statistics", self._tables_vacuum)
        self._timed("vocabulary", vocabulary_refresh)
        self.totals.seconds["all"] = time.monotonic() - started
        self._summary_write(corpus, with_fingerprints)

    # --- Steps ------------------------------------------------------------------------------------

    def _archive_flush(self) -> None:
        """Empty every table of the archive and restart its ids at 1, in one transaction."""
        tables = [
            model._meta.db_table for model in apps.get_app_config("articles").get_models(include_auto_created=True)
        ]
        statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
        with transaction.atomic(), connection.cursor() as cursor:
            # TRUNCATE refuses tables with foreign-key checks still pending in this transaction
            # (rows written earlier in it): run them now, then defer them again.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for statement in statements:
                cursor.execute(statement)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def _ids_reserve(self, corpus: Corpus) -> dict[type, int]:
        """For each table the generator assigns ids to: the id after which its block starts.

        The block starts after both the highest id and the sequence (PostgreSQL never hands
        out an id twice, and merged people's and tags' old ids must not come back), and the
        sequence is moved past it, so other writers meanwhile get ids beyond it. Locking the
        table while doing so keeps an insert from slipping in between.
        """
        counts = {
            Source: len(corpus.sources),
            Person: len(corpus.people),
            Tag: len(corpus.tags),
            Claim: len(corpus.claims),
            Article: corpus.size.articles,
        }
        offsets = {}
        with transaction.atomic(), connection.cursor() as cursor:
            for model, count in counts.items():
                table = model._meta.db_table
                cursor.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(sql.Identifier(table)))
                cursor.execute(
                    sql.SQL(
                        "SELECT GREATEST(nextval(pg_get_serial_sequence(%(table)s, 'id')) - 1, "
                        "(SELECT coalesce(max(id), 0) FROM {}))"
                    ).format(sql.Identifier(table)),
                    {"table": table},
                )
                offsets[model] = cursor.fetchone()[0]
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, offsets[model] + count])
        return offsets

    def _entities_load(self, corpus: Corpus, ids: dict[type, int]) -> None:
        """Sources, people, aliases, tags and claims, in one transaction; slugs already taken get a suffix."""
        with transaction.atomic():
            source_slugs = self._slugs_free(Source, [source.slug for source in corpus.sources], corpus.seed)
            copy_rows(
                Source._meta.db_table,
                ("id", "name", "slug", "kind", "homepage", "country", "description"),
                (
                    (ids[Source] + n, s.name, slug, s.kind, s.homepage, s.country, s.description)
                    for n, (s, slug) in enumerate(zip(corpus.sources, source_slugs, strict=True), 1)
                ),
            )
            person_slugs = self._slugs_free(Person, [person.slug for person in corpus.people], corpus.seed)
            copy_rows(
                Person._meta.db_table,
                ("id", "name", "slug", "description"),
                (
                    (ids[Person] + n, p.name, slug, p.description)
                    for n, (p, slug) in enumerate(zip(corpus.people, person_slugs, strict=True), 1)
                ),
            )
            aliases = [
                (ids[Person] + n, alias.name, alias.kind)
                for n, person in enumerate(corpus.people, 1)
                for alias in person.aliases
            ]
            # Alias names are unique whatever their case: one an earlier row has stays that row's.
            taken = set(
                PersonAlias.objects.annotate(lower_name=Lower("name"))
                .filter(lower_name__in=[name.lower() for _, name, _ in aliases])
                .values_list("lower_name", flat=True)
            )
            self.totals.aliases = copy_rows(
                PersonAlias._meta.db_table,
                ("person_id", "name", "kind"),
                (alias for alias in aliases if alias[1].lower() not in taken),
            )
            tag_slugs = self._slugs_free(Tag, [tag.slug for tag in corpus.tags], corpus.seed)
            copy_rows(
                Tag._meta.db_table,
                ("id", "name", "slug", "kind", "description"),
                (
                    (ids[Tag] + n, t.name, slug, t.kind, t.description)
                    for n, (t, slug) in enumerate(zip(corpus.tags, tag_slugs, strict=True), 1)
                ),
            )
            claim_slugs = self._slugs_free(Claim, [claim.slug for claim in corpus.claims], corpus.seed)
            copy_rows(
                Claim._meta.db_table,
                (
                    "id",
                    "statement",
                    "slug",
                    "quote",
                    "claimant_person_id",
                    "claimant_source_id",
                    "claimed_on",
                    "claimed_precision",
                    "rating",
                    "rating_note",
                ),
                (
                    (
                        ids[Claim] + n,
                        c.statement,
                        slug,
                        c.quote,
                        None if c.claimant_person is None else ids[Person] + c.claimant_person + 1,
                        None if c.claimant_source is None else ids[Source] + c.claimant_source + 1,
                        c.claimed_on,
                        c.claimed_precision,
                        c.rating,
                        c.rating_note,
                    )
                    for n, (c, slug) in enumerate(zip(corpus.claims, claim_slugs, strict=True), 1)
                ),
            )

    @staticmethod
    def _slugs_free(model, slugs: Sequence[str], seed: int) -> list[str]:
        """``slugs`` (unique among themselves), each one a row of ``model`` has already suffixed with a digest."""
        taken = set(model.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        if not taken:
            return list(slugs)
        return [
            f"{slug[:SLUG_BASE_MAX_LENGTH]}-{_digest(f'{seed}:{slug}')}" if slug in taken else slug for slug in slugs
        ]

    def _articles_load(
        self, corpus: Corpus, ids: dict[type, int], *, chunk_size: int, fingerprints: bool, started: float
    ) -> None:
        last_report = started
        for start in range(0, corpus.size.articles, chunk_size):
            stop = min(start + chunk_size, corpus.size.articles)
            try:
                self._chunk_load(corpus, ids, start, stop, fingerprints=fingerprints, check_slugs=False)
            except pg_errors.UniqueViolation as error:
                if error.diag.constraint_name == ARTICLE_BODY_UNIQUE:
                    raise CommandError(
                        f"An article of this corpus is in the archive already ({error.diag.message_detail}): "
                        "add --flush to load it again."
                    ) from error
                if error.diag.constraint_name != ARTICLE_SLUG_UNIQUE:
                    raise
                # A headline another article has (so rare at a million articles that checking
                # every chunk first is not worth it): write the chunk again, as the import would.
                self._chunk_load(corpus, ids, start, stop, fingerprints=fingerprints, check_slugs=True)
            self.totals.articles = stop
            now = time.monotonic()
            if self.verbosity > QUIET and (
                now - last_report >= PROGRESS_INTERVAL_SECONDS or stop == corpus.size.articles
            ):
                last_report = now
                self.stderr.write(
                    f"… {stop} of {corpus.size.articles} articles ({stop / (now - started):.0f} articles/s)",
                    style_func=lambda text: text,  # stderr is styled as errors by default; progress is not one
                )

    def _chunk_load(
        self,
        corpus: Corpus,
        ids: dict[type, int],
        start: int,
        stop: int,
        *,
        fingerprints: bool,
        check_slugs: bool,
    ) -> None:
        """Articles ``start`` to ``stop`` - 1 and their links, in one transaction.

        Each article is generated while the previous ones stream to PostgreSQL. Normally
        slugs are the headlines' and are not looked up first; with ``check_slugs`` the chunk
        is generated ahead and a slug already taken gets the body's digest, as the import does.
        """
        articles: Iterable[ArticleRow] = corpus.articles(start, stop)
        slugs: dict[int, str] = {}
        if check_slugs:
            articles = list(articles)
            slugs = self._article_slugs(articles)
        authors: list[tuple[int, int]] = []
        people: list[tuple[int, int]] = []
        tags: list[tuple[int, int]] = []
        reports: list[tuple[int, int, int]] = []

        def rows():
            for article in articles:
                article_id = ids[Article] + article.number + 1
                authors.extend((article_id, ids[Person] + person + 1) for person in article.authors)
                people.extend((article_id, ids[Person] + person + 1) for person in article.people)
                tags.extend((article_id, ids[Tag] + tag + 1) for tag in article.tags)
                reports.extend(
                    (article_id, ids[Claim] + claim + 1, paragraph) for claim, paragraph in article.claim_reports
                )
                yield (
                    article_id,
                    article.title,
                    article.title_is_editorial,
                    slugs.get(article.number, article.slug),
                    ids[Source] + article.source + 1,
                    article.published_on,
                    article.published_precision,
                    article.published_note,
                    article.url,
                    article.summary,
                    article.body,
                    LANGUAGE,
                    article.status,
                    article.retraction_note,
                    article.retracted_at,
                    article.body_sha256,
                    article.archived_at,
                )

        with transaction.atomic():
            copy_rows(Article._meta.db_table, ARTICLE_COLUMNS, rows())
            copy_rows(Article.authors.through._meta.db_table, ("article_id", "person_id"), authors)
            copy_rows(Article.people.through._meta.db_table, ("article_id", "person_id"), people)
            copy_rows(Article.tags.through._meta.db_table, ("article_id", "tag_id"), tags)
            copy_rows(ClaimReport._meta.db_table, ("article_id", "claim_id", "paragraph"), reports)
            if fingerprints:
                # In the import's batches: finding near-duplicates holds every word of a batch in memory.
                for first in range(start, stop, settings.ARCHIVE_IMPORT_BATCH_SIZE):
                    last = min(first + settings.ARCHIVE_IMPORT_BATCH_SIZE, stop)
                    near_duplicates_refresh(range(ids[Article] + first + 1, ids[Article] + last + 1))
        self.totals.authorships += len(authors)
        self.totals.mentions += len(people)
        self.totals.tag_links += len(tags)
        self.totals.claim_reports += len(reports)

    def _article_slugs(self, articles: Sequence[ArticleRow]) -> dict[int, str]:
        """The slugs of ``articles`` (by number) that are taken, in the archive or earlier in the list, made free."""
        taken = set(
            Article.objects.filter(slug__in=[article.slug for article in articles]).values_list("slug", flat=True)
        )
        slugs = {}
        for article in articles:
            if article.slug in taken:
                slugs[article.number] = f"{article.slug}-{article.body_sha256[:SLUG_DIGEST_LENGTH]}"
                self.totals.slugs_suffixed += 1
            taken.add(slugs.get(article.number, article.slug))
        return slugs

    def _tables_vacuum(self) -> None:
        """Statistics for the planner; outside a transaction also VACUUM, as autovacuum would after a while.

        VACUUM sets the visibility map (index-only scans) and the hint bits, and merges the
        GIN indexes' pending lists, so the first searches do not pay for the load.
        """
        tables = sql.SQL(", ").join(sql.Identifier(model._meta.db_table) for model in WRITTEN_MODELS)
        command = "ANALYZE {}" if connection.in_atomic_block else "VACUUM (ANALYZE) {}"
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL(command).format(tables))

    def _timed(self, name: str, step) -> None:
        started = time.monotonic()
        step()
        self.totals.seconds[name] = time.monotonic() - started

    def _summary_write(self, corpus: Corpus, fingerprints: bool) -> None:
        totals, seconds = self.totals, self.totals.seconds
        self.stdout.write(
            f"Generated {totals.articles} articles (seed {corpus.seed}): {len(corpus.sources)} sources, "
            f"{len(corpus.people)} people ({totals.aliases} aliases), {len(corpus.tags)} tags, "
            f"{len(corpus.claims)} claims; {totals.mentions} people mentioned, {totals.authorships} authorships, "
            f"{totals.tag_links} tags, {totals.claim_reports} claim reports"
            + (f"; {totals.slugs_suffixed} slugs taken got a suffix" if totals.slugs_suffixed else "")
            + "."
        )
        self.stdout.write(
            f"Loaded in {seconds['articles']:.1f} s ({totals.articles / seconds['articles']:.0f} articles/s"
            + (", with fingerprints" if fingerprints else "")
            + f"), statistics {seconds['statistics']:.1f} s, search vocabulary {seconds['vocabulary']:.1f} s; "
            f"{seconds['all']:.1f} s in all ({totals.articles / seconds['all']:.0f} articles/s)."
        )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:SLUG_DIGEST_LENGTH]
