"""The archive's data model: sources, people (with aliases), tags, articles and claims.

Rules that must always hold live in the database as constraints, so neither an
import, the admin nor a raw SQL session can break them.
"""

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.indexes import BrinIndex, GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.db.models import Exists, F, Func, OuterRef, Q
from django.db.models.base import ModelState
from django.db.models.functions import Coalesce, Lower, Now
from django.utils import timezone

from articles.near_duplicates import MOSTLY_SAME_CONTAINMENT, FingerprintRows
from articles.paths import route_path
from articles.search import RANKING_CHAMPIONS_TABLE, ArticleSearch, article_search_vector, name_search_vector
from articles.text import body_sha256, normalise_body, split_paragraphs

SLUG_MAX_LENGTH = 120


class URLField(models.URLField):
    """A URL field whose forms take a URL typed without a scheme as https (Django 6.0's default)."""

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


class SlugManager(models.Manager):
    """Looks rows up by slug, so fixtures can refer to them without database ids."""

    def get_by_natural_key(self, slug: str):
        return self.get(slug=slug)


class SlugNaturalKeyMixin:
    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class TimeStampedModel(models.Model):
    # Database defaults, so rows written by bulk inserts and fixtures get them too.
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), auto_now=True, editable=False)

    class Meta:
        abstract = True


def choices_constraint(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    """A check constraint that keeps ``field`` within ``choices``."""
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class DatePrecision(models.TextChoices):
    """How much of a date is known: scraped texts often say only "last month"."""

    DAY = "day", "day"
    MONTH = "month", "month"
    YEAR = "year", "year"


def date_precision_constraint(date_field: str, precision_field: str, name: str) -> models.CheckConstraint:
    """A date and its precision come together, and unknown parts are stored as 1.

    A month-precise date is stored as the 1st of that month, a year-precise one
    as 1 January, so sorting and range filters treat all dates alike.
    """
    return models.CheckConstraint(
        condition=(
            Q(**{f"{date_field}__isnull": True, precision_field: ""})
            | Q(**{f"{date_field}__isnull": False, precision_field: DatePrecision.DAY})
            | Q(**{f"{date_field}__isnull": False, precision_field: DatePrecision.MONTH, f"{date_field}__day": 1})
            | Q(
                **{
                    f"{date_field}__isnull": False,
                    precision_field: DatePrecision.YEAR,
                    f"{date_field}__day": 1,
                    f"{date_field}__month": 1,
                }
            )
        ),
        name=name,
    )


class SourceKind(models.TextChoices):
    NEWS_OUTLET = "news_outlet", "news outlet"
    WIRE_AGENCY = "wire_agency", "wire agency"
    THINK_TANK = "think_tank", "think tank"
    NGO = "ngo", "NGO"
    GOVERNMENT = "government", "government body"
    BLOG = "blog", "blog"
    OTHER = "other", "other"


class AliasKind(models.TextChoices):
    SPELLING = "spelling", "spelling variant"
    TRANSLITERATION = "transliteration", "transliteration"
    OTHER_NAME = "other_name", "former or other name"


class TagKind(models.TextChoices):
    TOPIC = "topic", "topic"
    PLACE = "place", "place"
    EVENT = "event", "event"
    ORGANISATION = "organisation", "organisation"


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "draft"
    PUBLISHED = "published", "published"
    RETRACTED = "retracted", "retracted"


# The statuses of articles with a page of their own (``ArticleQuerySet.public``).
PUBLIC_STATUSES = (ArticleStatus.PUBLISHED, ArticleStatus.RETRACTED)


class ClaimRating(models.TextChoices):
    UNVERIFIED = "unverified", "unverified"
    SUPPORTED = "supported", "supported"
    DISPUTED = "disputed", "disputed"
    MISLEADING = "misleading", "misleading"
    FALSE = "false", "false"


# --- Reading sources, people, tags and claims: counts only ever include published articles -------


class SubqueryCount(models.Subquery):
    """How many rows a correlated subquery returns: 0, never NULL, when it returns none."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = models.IntegerField()


class SourceQuerySet(models.QuerySet):
    def public(self) -> "SourceQuerySet":
        """Sources readers may see: all but those only unpublished work names.

        A source that only drafts, retracted articles or claims no published article reports
        name comes from them (imports create the sources, people and tags their texts name), and
        its name would tell readers what they say. One that nothing names yet, an editor's own
        entry, is shown.
        """
        articles = Article.objects.filter(source=OuterRef("pk"))
        claims = Claim.objects.filter(claimant_source=OuterRef("pk"))
        # Its published articles are counted by the database (``SourceCoverage``).
        named_in_public = Q(coverage__articles__gt=0) | Exists(claims.reported())
        return self.filter(named_in_public | ~(Exists(articles) | Exists(claims)))

    def with_article_counts(self) -> "SourceQuerySet":
        """Annotate ``article_count`` (its published articles, the count the database keeps:
        ``SourceCoverage``) and ``claim_count`` (its claims readers can see)."""
        claims = Claim.objects.reported().filter(claimant_source=OuterRef("pk"))
        return self.annotate(
            article_count=Coalesce(F("coverage__articles"), 0),
            claim_count=SubqueryCount(claims.order_by().values("pk")),
        )


class PersonQuerySet(models.QuerySet):
    def public(self) -> "PersonQuerySet":
        """People readers may see: all but those only unpublished work names (see ``SourceQuerySet.public``).

        Named in public: in a published article, mentioned or as author (``PersonCoverage``
        counts them), or the claimant of a claim one reports.
        """
        mentions = Article.people.through.objects.filter(person=OuterRef("pk"))
        authorships = Article.authors.through.objects.filter(person=OuterRef("pk"))
        claims = Claim.objects.filter(claimant_person=OuterRef("pk"))
        named_in_public = Q(coverage__articles__gt=0) | Exists(claims.reported())
        return self.filter(named_in_public | ~(Exists(mentions) | Exists(authorships) | Exists(claims)))

    def with_article_counts(self) -> "PersonQuerySet":
        """Annotate ``article_count`` (published articles mentioning them or by them, each counted once)
        and ``claim_count`` (their claims readers can see).

        The article count is the one the database keeps (``PersonCoverage``).
        """
        claims = Claim.objects.reported().filter(claimant_person=OuterRef("pk"))
        return self.annotate(
            article_count=Coalesce(F("coverage__articles"), 0),
            claim_count=SubqueryCount(claims.order_by().values("pk")),
        )

    def with_mention_counts(self) -> "PersonQuerySet":
        """Annotate ``mention_count``: the published articles that mention them (those they wrote aside).

        The count the database keeps (``PersonCoverage``).
        """
        return self.annotate(mention_count=Coalesce(F("coverage__mentions"), 0))


class TagQuerySet(models.QuerySet):
    def public(self) -> "TagQuerySet":
        """Tags readers may see: all but those only unpublished articles carry (see ``SourceQuerySet.public``)."""
        tagged = Article.tags.through.objects.filter(tag=OuterRef("pk"))
        return self.filter(Q(coverage__articles__gt=0) | ~Exists(tagged))

    def with_article_counts(self) -> "TagQuerySet":
        """Annotate ``article_count``: the published articles with this tag (kept by the database, ``TagCoverage``)."""
        return self.annotate(article_count=Coalesce(F("coverage__articles"), 0))


class ClaimQuerySet(models.QuerySet):
    def reported(self) -> "ClaimQuerySet":
        """Claims at least one published article reports: the only claims readers see."""
        return self.filter(
            Exists(ClaimReport.objects.filter(claim=OuterRef("pk"), article__status=ArticleStatus.PUBLISHED))
        )

    def with_reports(self) -> "ClaimQuerySet":
        """Annotate ``report_count`` (published articles reporting the claim) and when it was first reported.

        ``first_reported_on`` and ``first_reported_precision`` come from the earliest dated
        published report; on the same stored date the more precise one wins (a day-precise
        1 January 2023 says more than "2023"). Undated reports are not considered.
        """
        reports = ClaimReport.objects.filter(claim=OuterRef("pk"), article__status=ArticleStatus.PUBLISHED)
        precision_order = models.Case(
            models.When(article__published_precision=DatePrecision.DAY, then=0),
            models.When(article__published_precision=DatePrecision.MONTH, then=1),
            default=2,
        )
        earliest = reports.filter(article__published_on__isnull=False).order_by(
            "article__published_on", precision_order, "article_id"
        )
        return self.annotate(
            report_count=SubqueryCount(reports.order_by().values("pk")),
            first_reported_on=models.Subquery(earliest.values("article__published_on")[:1]),
            first_reported_precision=models.Subquery(earliest.values("article__published_precision")[:1]),
        )


class Source(SlugNaturalKeyMixin, TimeStampedModel):
    """A publication or organisation: where an article appeared, or who made a claim."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True)
    kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.NEWS_OUTLET)
    homepage = URLField(blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code, e.g. US.")
    description = models.TextField(blank=True)

    objects = SlugManager.from_queryset(SourceQuerySet)()

    class Meta:
        ordering = ["name"]
        # The import matches names case-insensitively.
        indexes = [models.Index(Lower("name"), name="source_name_lower")]
        constraints = [
            choices_constraint("kind", SourceKind, "source_kind_valid"),
            models.CheckConstraint(
                condition=Q(country="") | Q(country__regex=r"^[A-Z]{2}$"), name="source_country_iso"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return route_path("articles:source_detail", pk=self.pk, slug=self.slug)


class Person(SlugNaturalKeyMixin, TimeStampedModel):
    """Someone who writes, is mentioned, or makes claims."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True)
    description = models.CharField(
        max_length=300, blank=True, help_text='Short role, e.g. "Chairman of A Just Russia—For Truth".'
    )

    objects = SlugManager.from_queryset(PersonQuerySet)()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        indexes = [
            models.Index(Lower("name"), name="person_name_lower"),
            GinIndex(name_search_vector(), name="person_name_search"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return route_path("articles:person_detail", pk=self.pk, slug=self.slug)


class PersonAliasManager(models.Manager):
    def get_by_natural_key(self, name: str) -> "PersonAlias":
        return self.get(name=name)


class PersonAlias(TimeStampedModel):
    """Another way of writing a person's name: a spelling variant or a transliteration."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=AliasKind.choices, default=AliasKind.SPELLING)

    objects = PersonAliasManager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "person aliases"
        indexes = [GinIndex(name_search_vector(), name="person_alias_name_search")]
        constraints = [
            # One spelling points at one person, whatever its case.
            models.UniqueConstraint(Lower("name"), name="person_alias_name_unique"),
            choices_constraint("kind", AliasKind, "person_alias_kind_valid"),
            models.CheckConstraint(condition=~Q(name=""), name="person_alias_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.person.name}"

    def natural_key(self) -> tuple[str]:
        return (self.name,)

    natural_key.dependencies = ["articles.person"]


class Tag(SlugNaturalKeyMixin, TimeStampedModel):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True)
    kind = models.CharField(max_length=20, choices=TagKind.choices, default=TagKind.TOPIC)
    description = models.TextField(blank=True)

    objects = SlugManager.from_queryset(TagQuerySet)()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(Lower("name"), name="tag_name_lower")]
        constraints = [choices_constraint("kind", TagKind, "tag_kind_valid")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return route_path("articles:tag_detail", pk=self.pk, slug=self.slug)


class ArticleQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug: str) -> "Article":
        return self.get(slug=slug)

    def published(self) -> "ArticleQuerySet":
        """Articles readers may see."""
        return self.filter(status=ArticleStatus.PUBLISHED)

    def public(self) -> "ArticleQuerySet":
        """Articles with a page of their own: published ones, and retracted ones, whose page shows only the note.

        For an article's own address only; lists, search, feeds and counts use ``published()``.
        """
        return self.filter(status__in=PUBLIC_STATUSES)

    def search(self, query: "str | ArticleSearch", *, aliases: bool = True, partial: bool = True) -> "ArticleQuerySet":
        """Articles matching ``query`` (web-search syntax, see articles.query_parser), best first.

        Annotates ``rank`` (BM25-like), ``alias_match`` (True for an article found only
        because it is linked to a person the query names, e.g. by an alias) and
        ``partial_match`` (True for an article with only some of the words, added when
        too few have them all; ``partial=False`` never adds them).
        With ``aliases=False`` only the text is searched. A blank query matches
        nothing. Pass an ``ArticleSearch`` to reuse its expansions for headlines.
        """
        if not isinstance(query, ArticleSearch):
            query = ArticleSearch(query, aliases=aliases, partial=partial)
        return query.apply(self)

    def sorted_by(self, sort: str, *, few: bool = False) -> "ArticleQuerySet":
        """Order by ``relevance`` (needs ``search()`` first), ``newest`` or ``oldest``; ties broken by id.

        ``few``: the articles are known to be few (a search's rare words; see ``FEW_RESULTS``).
        Sorted by date, they are then found first and sorted after, never by walking the date
        index until a page of them turns up: PostgreSQL picks that walk when it thinks many
        articles match (it counts a phrase's words apart, so it thinks a rare phrase of two
        ordinary words is common), and for a handful of matches the walk reads the whole archive.
        Measured on 1,000,000 articles: a phrase in 2 of them took 15.6 s that way; the whole page,
        42 ms this way.
        """
        from articles.search import RELEVANCE_ORDER, SORT_NEWEST, SORT_OLDEST

        date = F("published_on")
        if few:
            # The same date plus nothing: no index is in that order, so PostgreSQL walks none.
            date = Func(date, template="(%(expressions)s + 0)", output_field=models.DateField())
        if sort == SORT_NEWEST:
            return self.order_by(date.desc(nulls_last=True), "-pk")
        if sort == SORT_OLDEST:
            return self.order_by(date.asc(nulls_last=True), "pk")
        return self.order_by(*RELEVANCE_ORDER)

    def involving(self, person: "Person", *, few: bool = False) -> "ArticleQuerySet":
        """Articles that mention ``person`` or are by them, each once; annotates ``by_person`` (True if by them).

        Two phrasings of the same set, for PostgreSQL to plan differently: by default each article
        is tested against their articles' ids, which suits walking an index in date order over
        many articles; ``few=True`` makes one list of their articles' ids and looks each one up,
        which suits someone in few articles (walking the index would read it all to find them).
        """
        return self.filter(involving_any([person.pk], one_list=few)).with_by_person(person)

    def with_by_person(self, person: "Person") -> "ArticleQuerySet":
        """Annotate ``by_person``: True for the articles ``person`` is an author of."""
        authored = Article.authors.through.objects.filter(person=person, article_id=OuterRef("pk"))
        return self.annotate(by_person=Exists(authored))

    def listed(self) -> "ArticleQuerySet":
        """Without the text and its search vector, which lists of articles never show (they are most of a row)."""
        return self.defer("body", "search_vector")


class Article(SlugNaturalKeyMixin, TimeStampedModel):
    title = models.CharField(max_length=500)
    title_is_editorial = models.BooleanField(
        default=False, help_text="The headline was written by the archive because the source text had none."
    )
    # Two reports may share a headline; the import then suffixes the slug with the body digest.
    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True)
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.PROTECT, related_name="articles")
    authors = models.ManyToManyField(Person, blank=True, related_name="authored_articles")
    published_on = models.DateField(null=True, blank=True)
    published_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    published_note = models.TextField(blank=True, help_text="How the publication date was established.")
    url = URLField(max_length=2000, blank=True, help_text="Where the article was originally published.")
    summary = models.TextField(blank=True)
    body = models.TextField(help_text="Plain text; paragraphs separated by a blank line.")
    language = models.CharField(max_length=16, default="en", help_text="BCP 47 language tag, e.g. en or pt-BR.")
    status = models.CharField(max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    retraction_note = models.TextField(
        blank=True, help_text="Shown to readers, instead of the text, once the article is retracted: why."
    )
    retracted_at = models.DateTimeField(null=True, blank=True, editable=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    people = models.ManyToManyField(Person, blank=True, related_name="articles", verbose_name="people mentioned")
    body_sha256 = models.CharField("SHA-256 of the body", max_length=64, editable=False)
    archived_at = models.DateTimeField(db_default=Now(), help_text="When the archive captured this text.")
    search_vector = models.GeneratedField(
        expression=article_search_vector(), output_field=SearchVectorField(), db_persist=True
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "-pk"]
        indexes = [
            GinIndex(fields=["search_vector"], name="article_search_vector_gin"),
            models.Index(fields=["status", "-published_on"], name="article_status_published"),
            # Published, dated articles in date order, with their ids (index-only scans): the newest
            # ones without a sort. Undated ones left out, so queries ordered with them last
            # (``sorted_by``) cannot use it; those asking for dated articles can.
            models.Index(
                fields=["published_on", "id"],
                condition=Q(status=ArticleStatus.PUBLISHED, published_on__isnull=False),
                name="article_published_dated",
            ),
            # Newest first as ``sorted_by`` orders, undated articles last: a word in half the archive
            # finds its newest page by reading this index and a few dozen vectors, not by sorting
            # every match (6.8 s at 1,000,000 articles).
            models.Index(
                F("published_on").desc(nulls_last=True),
                F("id").desc(),
                condition=Q(status=ArticleStatus.PUBLISHED),
                name="article_published_newest",
            ),
            GinIndex(OpClass(Lower("title"), name="gin_trgm_ops"), name="article_title_trgm"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["body_sha256"], name="article_body_unique"),
            models.UniqueConstraint(fields=["url"], condition=~Q(url=""), name="article_url_unique"),
            choices_constraint("status", ArticleStatus, "article_status_valid"),
            date_precision_constraint("published_on", "published_precision", "article_published_precision"),
            models.CheckConstraint(condition=Q(body_sha256__regex=r"^[0-9a-f]{64}$"), name="article_sha256_hex"),
            models.CheckConstraint(condition=~Q(title=""), name="article_title_not_empty"),
            models.CheckConstraint(condition=~Q(body=""), name="article_body_not_empty"),
            # Readers see the note instead of a retracted text: it must say why.
            models.CheckConstraint(
                condition=~Q(status=ArticleStatus.RETRACTED) | ~Q(retraction_note=""),
                name="article_retraction_explained",
            ),
            models.CheckConstraint(
                condition=Q(language__regex=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"), name="article_language_bcp47"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # The digest is derived from the body; keep the two from drifting apart.
        self.body = normalise_body(self.body)
        self.body_sha256 = body_sha256(self.body)
        update_fields = kwargs.get("update_fields")
        with transaction.atomic():
            new_text = self._state.adding or self._earlier_text_keep()
            if new_text and update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "body_sha256", "archived_at"}
            if update_fields is None or "status" in update_fields:
                self._retracted_at_follow_status()
                if update_fields is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "retracted_at"}
            super().save(*args, **kwargs)
            if new_text:
                # Imported after this module (services imports the models). Here, like the
                # versions, so no path that writes a text leaves its "also reported in" stale.
                from articles.services import near_duplicates_refresh

                near_duplicates_refresh([self.pk])

    def get_absolute_url(self) -> str:
        return route_path("articles:article_detail", pk=self.pk, slug=self.slug)

    def _retracted_at_follow_status(self) -> None:
        """Stamp ``retracted_at`` when the article becomes retracted; clear it when an editor un-retracts it.

        A retracted article saved again (say, a clearer note) keeps its date: readers were told
        "retracted on" that day. Bulk ``update()`` calls bypass this and must set it themselves.
        """
        if self.status != ArticleStatus.RETRACTED:
            self.retracted_at = None
        elif self.retracted_at is None:
            self.retracted_at = timezone.now()

    def _earlier_text_keep(self) -> bool:
        """When the body changes, keep the text it replaces as an ``ArticleVersion``; True if it did.

        Here rather than in a service so that no path that saves an article (the admin, a
        shell, a future form) can lose a text someone may have cited. The stored row is read
        under a lock, so the version holds what was really stored even if this instance was
        stale. Bulk ``update()`` calls bypass this and must not touch bodies.
        """
        if self._state.adding or self.pk is None:
            return False
        stored = (
            Article.objects.select_for_update()
            .filter(pk=self.pk)
            .values("title", "body", "body_sha256", "archived_at")
            .first()
        )
        if stored is None or stored["body_sha256"] == self.body_sha256:
            return False
        ArticleVersion.objects.create(
            article=self, number=self.versions.count() + 1, superseded_at=timezone.now(), **stored
        )
        # The new text is the one the archive holds from now on.
        self.archived_at = timezone.now()
        return True

    @property
    def paragraphs(self) -> list[str]:
        return split_paragraphs(self.body)

    def current_version(self, earlier_versions: int) -> "ArticleVersion":
        """The text the article holds now, numbered as the version it will be kept as (not stored).

        So the current text, too, has an address that will always show exactly this text.
        """
        return ArticleVersion(
            article=self,
            number=earlier_versions + 1,
            title=self.title,
            body=self.body,
            body_sha256=self.body_sha256,
            archived_at=self.archived_at,
            superseded_at=None,
        )


# What a page of articles links each one to (its authors, the people it mentions, its tags), and the
# fields a link needs (``get_absolute_url`` and its text). A tag's kind too: the article page's
# structured data names it as a schema.org type.
LISTED_LINKS = ("authors", "people", "tags")
LINK_FIELDS = ("id", "name", "slug")
LISTED_FIELDS = {"authors": LINK_FIELDS, "people": LINK_FIELDS, "tags": (*LINK_FIELDS, "kind")}


def involving_any(person_ids: Sequence[int], *, one_list: bool) -> Q:
    """Articles that mention any of the people ``person_ids`` or are by them, in one of two phrasings
    for PostgreSQL to plan differently (the primary key is the article's: ``RankingVector`` rows too).

    Apart (``one_list`` False), each article is tested against the ids of the articles mentioning
    them, then of those by them: that suits walking an index in date order for a page, which stops
    once the page is full. As ``one_list``, PostgreSQL joins to one list of their articles, whose
    size it estimates from the links' statistics; apart, it cannot, and guessed that 375,000 of the
    500,000 articles with "well" at 1,000,000 articles had its top person (32,139 have), so it counted
    that person's other people and tags by reading every link rather than looking up the results'
    own: 2.6 s for the counts, and 1.4 s as one list. One list also suits someone in few articles,
    looked up rather than walked to.
    """
    mentions = Article.people.through.objects.filter(person__in=person_ids).values("article_id")
    authored = Article.authors.through.objects.filter(person__in=person_ids).values("article_id")
    return Q(pk__in=mentions.union(authored)) if one_list else Q(pk__in=mentions) | Q(pk__in=authored)


def article_links_load(articles: Sequence[Article]) -> None:
    """Set ``listed_authors``, ``listed_people`` and ``listed_tags`` on each of ``articles``: lists of
    the people and tags an article is shown with, by name, with their ``LISTED_FIELDS`` only.

    The search page, the article page, their JSON twins, the API's lists and the citation
    downloads and the CSV export read them through this (the feeds still prefetch theirs). One
    query for the three, from the database the articles were read from. ``prefetch_related`` took
    three, and about 7 ms more of Python for a search page's 20 articles and their 130 links
    (measured on 1,000,000 articles): a manager and a queryset for each article and relation,
    built again each time a template read them. For one article page, 4.7 ms against 1.1.
    """
    if not articles:
        return
    by_id = {article.pk: article for article in articles}
    for article in articles:
        for relation in LISTED_LINKS:
            setattr(article, f"listed_{relation}", [])
    database = articles[0]._state.db
    with connections[database].cursor() as cursor:
        cursor.execute(_article_links_sql(), [list(by_id)] * len(LISTED_LINKS))
        rows = cursor.fetchall()
    models_by_relation = {relation: Article._meta.get_field(relation).related_model for relation in LISTED_LINKS}
    for relation, article_id, *values in rows:
        fields = LISTED_FIELDS[relation]
        linked = _listed_instance(models_by_relation[relation], database, fields, values[: len(fields)])
        getattr(by_id[article_id], f"listed_{relation}").append(linked)


def _listed_instance(model: type[models.Model], database: str, fields: Sequence[str], values: Sequence):
    """A ``model`` instance as read from ``database`` with ``fields`` only (their attribute names),
    as ``Model.from_db`` makes it: the others are deferred, read if asked for.

    Without ``Model.__init__`` (nor ``from_db``'s list of every field, deferred or not), which goes
    through every field and sends ``pre_init`` and ``post_init``, which nothing here listens to:
    loading the 144 links of a search page's 20 articles at 1,000,000 articles took 1.5 to 1.7 ms
    so and 1.8 to 2.0 through ``from_db``. ``tests/test_models.py`` checks that both make the same
    instances.
    """
    instance = model.__new__(model)
    instance.__dict__.update(zip(fields, values, strict=True))
    instance._state = ModelState()
    instance._state.adding, instance._state.db = False, database
    return instance


@functools.cache
def _article_links_sql() -> str:
    """``article_links_load``'s statement: (relation, article id, *LISTED_FIELDS) rows, by name then id.

    A relation with fewer fields than the widest has its row padded with nulls. Its parameters:
    the articles' ids, once for each relation.
    """
    width = max(len(fields) for fields in LISTED_FIELDS.values())
    branches = []
    for relation in LISTED_LINKS:
        field = Article._meta.get_field(relation)
        link_table = field.remote_field.through._meta.db_table
        linked_table = field.related_model._meta.db_table
        columns = [f"linked.{name}" for name in LISTED_FIELDS[relation]]
        columns += ["NULL"] * (width - len(columns))
        branches.append(
            f"SELECT '{relation}' AS relation, link.{field.m2m_column_name()} AS article_id, {', '.join(columns)}"
            f" FROM {link_table} AS link JOIN {linked_table} AS linked ON linked.id = link.{field.m2m_reverse_name()}"
            f" WHERE link.{field.m2m_column_name()} = ANY(%s)"
        )
    return " UNION ALL ".join(branches) + " ORDER BY name, id"


# An article page's own statements (``article_page_read``, ``claim_reports_read``), written once
# per process. The ORM spent about 1 ms on each writing it and building its rows into objects,
# more than PostgreSQL took to plan and run it: the article's statement took 1.7 ms through a
# queryset and 0.7 as written here, the claims' 1.9 against 0.7 (10,000 articles).
ARTICLE_PAGE_DEFERRED = ("search_vector",)  # for searching only, and as long as the text


def article_page_read(pk: int, *, flags: Sequence[str] = ()) -> "Article | None":
    """The article with id ``pk`` if it has a page of its own (``ArticleQuerySet.public``), else None.

    Read with its source, without ``ARTICLE_PAGE_DEFERRED``, from the database the router reads
    articles from. For each relation in ``flags`` (a reverse relation to articles, e.g.
    "versions"), ``has_<relation>`` is set: whether the article has any of those records, so that
    a page reads only those it has.
    """
    database = router.db_for_read(Article)
    flags = tuple(flags)
    with connections[database].cursor() as cursor:
        cursor.execute(_article_page_sql(flags), [pk, list(PUBLIC_STATUSES)])
        row = cursor.fetchone()
    if row is None:
        return None
    article, source = _row_instances(database, row, _article_page_segments())
    article.source = source
    for relation, has_records in zip(flags, row[len(row) - len(flags) :], strict=True):
        setattr(article, f"has_{relation}", has_records)
    return article


def claim_reports_read(article: "Article") -> list["ClaimReport"]:
    """The claims ``article`` reports, as the article page lists them: by paragraph, then claim.

    Each report comes with its claim, and the claim with its claimant person and source, if it
    names them; read from the database ``article`` was read from.
    """
    database = article._state.db
    with connections[database].cursor() as cursor:
        cursor.execute(_claim_reports_sql(), [article.pk])
        rows = cursor.fetchall()
    reports = []
    for row in rows:
        report, claim, person, source = _row_instances(database, row, _claim_report_segments())
        claim.claimant_person, claim.claimant_source = person, source
        report.claim, report.article = claim, article
        reports.append(report)
    return reports


def _row_instances(
    database: str, row: Sequence, segments: Sequence[tuple[type[models.Model], tuple[str, ...]]]
) -> list[models.Model | None]:
    """The model instances a row of joined tables holds, one for each ``(model, attnames)`` segment,
    in order; None for a segment whose id (its first attname) is null: an outer join that found none.
    """
    instances, start = [], 0
    for model, attnames in segments:
        values = row[start : start + len(attnames)]
        start += len(attnames)
        instances.append(None if values[0] is None else model.from_db(database, attnames, values))
    return instances


def _attnames(model: type[models.Model], deferred: Sequence[str] = ()) -> tuple[str, ...]:
    """The columns ``from_db`` builds ``model`` from, in its fields' order, the id first."""
    return tuple(field.attname for field in model._meta.concrete_fields if field.name not in deferred)


def _columns(alias: str, model: type[models.Model], attnames: Sequence[str]) -> str:
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    return ", ".join(f"{alias}.{quote(model._meta.get_field(name).column)}" for name in attnames)


@functools.cache
def _article_page_segments():
    return ((Article, _attnames(Article, ARTICLE_PAGE_DEFERRED)), (Source, _attnames(Source)))


@functools.cache
def _article_page_sql(flags: tuple[str, ...]) -> str:
    """``article_page_read``'s statement for ``flags``: the article's columns, its source's, then a flag for each.

    Its parameters: the article's id, and the statuses of articles with a page.
    """
    (article_fields, source_fields) = (attnames for _, attnames in _article_page_segments())
    columns = [_columns("article", Article, article_fields), _columns("source", Source, source_fields)]
    for relation in flags:
        related = Article._meta.get_field(relation)
        columns.append(
            f"EXISTS (SELECT 1 FROM {related.related_model._meta.db_table} AS related"
            f" WHERE related.{related.field.column} = article.id)"
        )
    return (
        f"SELECT {', '.join(columns)} FROM {Article._meta.db_table} AS article"
        f" LEFT JOIN {Source._meta.db_table} AS source ON source.id = article.source_id"
        " WHERE article.id = %s AND article.status = ANY(%s)"
    )


@functools.cache
def _claim_report_segments():
    return tuple((model, _attnames(model)) for model in (ClaimReport, Claim, Person, Source))


@functools.cache
def _claim_reports_sql() -> str:
    """``claim_reports_read``'s statement: a report's columns, its claim's, the claimant person's and source's.

    Its parameter: the article's id.
    """
    aliases = ("report", "claim", "person", "source")
    segments = zip(aliases, _claim_report_segments(), strict=True)
    columns = ", ".join(_columns(alias, model, attnames) for alias, (model, attnames) in segments)
    return (
        f"SELECT {columns} FROM {ClaimReport._meta.db_table} AS report"
        f" JOIN {Claim._meta.db_table} AS claim ON claim.id = report.claim_id"
        f" LEFT JOIN {Person._meta.db_table} AS person ON person.id = claim.claimant_person_id"
        f" LEFT JOIN {Source._meta.db_table} AS source ON source.id = claim.claimant_source_id"
        " WHERE report.article_id = %s ORDER BY report.paragraph, report.claim_id"
    )


class RankingVector(models.Model):
    """A published article's search vector, date and text length, stored again for ranking.

    Each vector is stored whole in its row, where the article's own is stored out of line, which
    took about ten times as long to read: searches score their ranking window, and walk the
    newest articles for it, from here (``articles.search.WindowFirst``). A table kept by
    triggers on the articles (migrations 0020 and 0021), never written from Django: one row for
    each published article, none for the others. It has the article's source too, so a search
    within one source walks that source's newest rows (``ArticleFilterSet.walk_scope``), and a GIN
    index of its own (0022), through which a ranking window is listed without reading an article.
    """

    article = models.OneToOneField(
        Article,
        primary_key=True,
        on_delete=models.DO_NOTHING,  # the triggers delete the row with its article
        db_constraint=False,
        related_name="ranking_vector",
    )
    published_on = models.DateField(null=True)
    source = models.ForeignKey(
        Source,
        null=True,
        on_delete=models.DO_NOTHING,  # an article's source cannot be deleted (PROTECT)
        db_constraint=False,
        related_name="+",
    )
    length = models.IntegerField(help_text="Bytes of title, summary and body.")
    vector = SearchVectorField()

    class Meta:
        managed = False
        db_table = "articles_ranking_vector"

    def __str__(self) -> str:
        return f"Ranking vector of article {self.article_id}"


class RankingChampion(models.Model):
    """An article among the best-scored for a frequent lexeme, as counted at the last refresh.

    A ranking window scores the newest matches of a common word and orders the older ones by date,
    so the best-scored articles of the whole archive may be missed; the window also scores the
    lexeme's champions (``articles.search.WindowFirst``). Rows are written by
    ``services.ranking_champions_refresh`` only, for the lexemes in more published articles than
    RANKING_CHAMPION_MIN_ARTICLES: the RANKING_CHAMPIONS_PER_LEXEME articles with the lexeme's
    highest BM25 term score (its frequency against the text's length), among those using it at
    least RANKING_CHAMPION_MIN_OCCURRENCES times. Every article not listed scores at most as the
    last listed (or one use in the shortest text), so when a page's results all score above that,
    no article outside the window could come before them.

    Nothing else writes them: an article unpublished or changed since is still listed, harmlessly
    (the window scores only matches the page's filters allow), and a new one is not, until the
    next refresh (it is among the newest, which the window scores anyway).
    """

    pk = models.CompositePrimaryKey("lexeme", "article")
    lexeme = models.TextField()
    article = models.ForeignKey(
        Article,
        on_delete=models.DO_NOTHING,  # rows of articles gone are dropped by the next refresh
        db_constraint=False,
        db_index=False,  # looked up by lexeme: the key's first column
        related_name="+",
    )

    class Meta:
        db_table = RANKING_CHAMPIONS_TABLE

    def __str__(self) -> str:
        return f"{self.lexeme}: article {self.article_id}"


class ArticleVersion(models.Model):
    """An earlier text of an article, kept when a correction replaced it.

    Journalists cite the exact text they saw: each version stays readable at its own URL
    with its digest. Version 1 is the first text archived; the article itself holds the
    current text, whose number is one more than its last kept version.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=500)
    body = models.TextField()
    body_sha256 = models.CharField("SHA-256 of the body", max_length=64)
    archived_at = models.DateTimeField(help_text="When the archive captured this text.")
    superseded_at = models.DateTimeField(help_text="When a correction replaced this text.")  # None: current

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="article_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="article_version_number_positive"),
            models.CheckConstraint(
                condition=Q(body_sha256__regex=r"^[0-9a-f]{64}$"), name="article_version_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article} (version {self.number})"

    def get_absolute_url(self) -> str:
        return route_path("articles:article_version", pk=self.article_id, slug=self.article.slug, number=self.number)

    @property
    def paragraphs(self) -> list[str]:
        return split_paragraphs(self.body)


class MergedEntity(models.Model):
    """A row merged into another by an editor: its old id and slug keep leading to the one kept.

    The id is the merged row's own (PostgreSQL never reuses ids), so /people/<old id>/… redirects.
    """

    id = models.BigIntegerField(primary_key=True, help_text="The id the merged row had.")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=SLUG_MAX_LENGTH)
    merged_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name} → {self.into}"


class MergedPerson(MergedEntity):
    into = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="merged")

    class Meta:
        verbose_name_plural = "merged people"


class MergedTag(MergedEntity):
    into = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="merged")


class Claim(SlugNaturalKeyMixin, TimeStampedModel):
    """A statement someone made, the articles that report it, and how it holds up."""

    statement = models.TextField(help_text="The claim in the archive's own neutral words.")
    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True)
    quote = models.TextField(blank=True, help_text="The claimant's words verbatim, where a text quotes them.")
    claimant_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="claims")
    claimant_source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.PROTECT, related_name="claims")
    claimed_on = models.DateField(null=True, blank=True)
    claimed_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    articles = models.ManyToManyField(Article, through="ClaimReport", related_name="claims")
    rating = models.CharField(max_length=12, choices=ClaimRating.choices, default=ClaimRating.UNVERIFIED)
    rating_note = models.TextField(blank=True, help_text="The editor's reasons for the rating.")

    objects = SlugManager.from_queryset(ClaimQuerySet)()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(claimant_person__isnull=False) | Q(claimant_source__isnull=False),
                name="claim_has_claimant",
            ),
            choices_constraint("rating", ClaimRating, "claim_rating_valid"),
            date_precision_constraint("claimed_on", "claimed_precision", "claim_claimed_precision"),
            models.CheckConstraint(condition=~Q(statement=""), name="claim_statement_not_empty"),
        ]

    def __str__(self) -> str:
        return self.statement

    def get_absolute_url(self) -> str:
        return route_path("articles:claim_detail", pk=self.pk, slug=self.slug)

    @property
    def claimant(self) -> str:
        names = [str(c) for c in (self.claimant_person, self.claimant_source) if c is not None]
        return ", ".join(names)


class ClaimReportManager(models.Manager):
    def get_by_natural_key(self, claim_slug: str, article_slug: str) -> "ClaimReport":
        return self.get(claim__slug=claim_slug, article__slug=article_slug)


class ClaimReport(models.Model):
    """That an article reports a claim, and in which of its paragraphs (counting from 1)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="reports")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="claim_reports")
    paragraph = models.PositiveIntegerField(help_text="Paragraph number in the article, counting from 1.")

    objects = ClaimReportManager()

    class Meta:
        ordering = ["claim", "article"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "article"], name="claim_report_unique"),
            models.CheckConstraint(condition=Q(paragraph__gte=1), name="claim_report_paragraph_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.claim} — {self.article}, ¶{self.paragraph}"

    def natural_key(self) -> tuple[str, str]:
        return self.claim.natural_key() + self.article.natural_key()

    natural_key.dependencies = ["articles.claim", "articles.article"]

    @property
    def paragraph_text(self) -> str:
        paragraphs = self.article.paragraphs
        return paragraphs[self.paragraph - 1] if self.paragraph <= len(paragraphs) else ""


# --- Counts of published articles the database keeps (migration 0012's triggers) ----------------
#
# Counting over every article took seconds at 100,000 articles. Triggers move these counts with
# every change that moves them: an article published, retracted, unpublished, re-dated or
# deleted; a person or tag linked or unlinked (merges included). The tables are the database's,
# not Django's (unmanaged models): derived rows stay out of dumpdata's fixtures.


class PersonCoverage(models.Model):
    """How many published articles mention a person (``mentions``), and mention them or are by them (``articles``)."""

    person = models.OneToOneField(
        Person, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="coverage"
    )
    mentions = models.IntegerField()
    articles = models.IntegerField()

    class Meta:
        managed = False
        db_table = "articles_personcoverage"

    def __str__(self) -> str:
        return f"{self.person_id}: {self.mentions} mentions, {self.articles} articles"


class SourceCoverage(models.Model):
    """How many published articles a source has (migration 0027's triggers keep it)."""

    source = models.OneToOneField(
        Source, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="coverage"
    )
    articles = models.IntegerField()

    class Meta:
        managed = False
        db_table = "articles_sourcecoverage"

    def __str__(self) -> str:
        return f"{self.source_id}: {self.articles} articles"


class TagCoverage(models.Model):
    """How many published articles have a tag."""

    tag = models.OneToOneField(
        Tag, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="coverage"
    )
    articles = models.IntegerField()

    class Meta:
        managed = False
        db_table = "articles_tagcoverage"

    def __str__(self) -> str:
        return f"{self.tag_id}: {self.articles} articles"


class CoverageMonthQuerySet(models.QuerySet):
    def of_archive(self) -> "CoverageMonthQuerySet":
        """The whole archive's months."""
        return self.filter(person=None, articles__gt=0)

    def of_person(self, person: Person) -> "CoverageMonthQuerySet":
        """The months of the articles mentioning ``person`` or by them."""
        return self.filter(person=person, articles__gt=0)

    def timeline_rows(self) -> list[tuple]:
        """(month, precision, count) rows, as ``articles.timeline.timeline_from_counts`` takes them."""
        return list(self.values_list("month", "precision", "articles"))


class CoverageMonth(models.Model):
    """How many published articles a month holds at a date precision: of the whole archive, or of one person.

    ``month`` is the first of the month (None for undated articles; a year-precise date is its
    1 January), grouped as ``articles.timeline`` groups them. ``person`` None is the whole
    archive; a person's months count the articles that mention them or are by them, each once.
    A month emptied by a change keeps its row at 0: read ``of_archive()`` or ``of_person()``.
    """

    person = models.ForeignKey(
        Person, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="coverage_months"
    )
    month = models.DateField(null=True)
    precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    articles = models.IntegerField()

    objects = CoverageMonthQuerySet.as_manager()

    class Meta:
        managed = False
        db_table = "articles_coveragemonth"

    def __str__(self) -> str:
        return f"{self.person_id or 'archive'} {self.month or 'undated'} ({self.precision}): {self.articles}"


# --- Near-duplicates: articles that retell the same report (see articles.near_duplicates) -------

# The other articles holding each of %(hashes)s (an array), when at most %(max_holders)s do. Run
# before the new rows go in, so it finds the other holders only. One scan of the primary key,
# which PostgreSQL walks in hash order; hashes nobody else holds cost a probe and return nothing.
FIND_HOLDERS_SQL = """
SELECT hash, array_agg(article_id)
FROM articles_articlefingerprint
WHERE hash = ANY(%(hashes)s::bigint[])
GROUP BY hash
HAVING count(*) <= %(max_holders)s
"""
COPY_FINGERPRINTS_SQL = "COPY articles_articlefingerprint (hash, article_id) FROM STDIN"


class ArticleFingerprintQuerySet(models.QuerySet):
    def store(self, prints: Mapping[int, Iterable[int]], *, max_holders: int) -> dict[int, list[int]]:
        """Store ``prints`` (fingerprint sets by article id) and return the other articles holding each.

        Two statements for any number of articles. Hashes held by no other
        article are left out, and so are hashes held by more than
        ``max_holders`` articles (boilerplate). The articles must have no
        fingerprints stored yet.
        """
        return self.store_rows(FingerprintRows.of(prints), max_holders=max_holders)

    def store_rows(self, rows: FingerprintRows, *, max_holders: int) -> dict[int, list[int]]:
        """``store`` for fingerprints already made ready (``FingerprintRows.of``)."""
        if not rows.copy_text:
            return {}
        connection = connections[self.db]
        with connection.cursor() as cursor:
            cursor.execute(FIND_HOLDERS_SQL, {"hashes": rows.hashes, "max_holders": max_holders})
            holders = dict(cursor.fetchall())
            # copy() is psycopg's own: Django wraps only execute() in its error classes.
            with connection.wrap_database_errors, cursor.copy(COPY_FINGERPRINTS_SQL) as copy:
                copy.write(rows.copy_text)
        return holders


class ArticleFingerprint(models.Model):
    """One winnowed fingerprint of an article's text: the hash of a run of words (articles.near_duplicates).

    The primary key starts with the hash: it is the index new texts look their
    fingerprints up in, and it answers with the article ids alone (index-only
    scans). Rows arrive batch by batch, and batches hold increasing article ids,
    so a BRIN index narrows an article's rows down to the pages of its batch
    (deletes when a text changes: some 20 ms at 100,000 articles) at next to no
    cost per insert; a B-tree on the article would add about a quarter to the
    cost of storing fingerprints (see bench/near_duplicates.py).

    The link to the article is kept by the database's triggers rather than a foreign key
    (migration 0018): an article has some 260 fingerprints, and a foreign key checks each
    row on its own, which took a fifth of an import's time. The triggers check each
    statement's rows at once, and delete an article's fingerprints with it (so Django
    does nothing on delete: the database does it).
    """

    pk = models.CompositePrimaryKey("hash", "article")
    hash = models.BigIntegerField()
    article = models.ForeignKey(
        Article, on_delete=models.DO_NOTHING, related_name="fingerprints", db_index=False, db_constraint=False
    )

    objects = ArticleFingerprintQuerySet.as_manager()

    class Meta:
        indexes = [
            # Summarised as ranges fill, not only by VACUUM: unsummarised ranges are read by every delete.
            BrinIndex(fields=["article"], pages_per_range=32, autosummarize=True, name="fingerprint_article_brin")
        ]

    def __str__(self) -> str:
        return f"{self.hash:016x} in {self.article_id}"


class NearDuplicateQuerySet(models.QuerySet):
    def shown(self) -> "NearDuplicateQuerySet":
        """Pairs whose other article readers may see, strongest first, then newest, with its source."""
        return (
            self.filter(other__status=ArticleStatus.PUBLISHED)
            .select_related("other__source")
            .order_by(
                F("containment").desc(),
                F("shared_words").desc(),
                F("other__published_on").desc(nulls_last=True),
                "-other_id",
            )
        )


class NearDuplicate(models.Model):
    """That ``article`` retells the report ``other`` tells: they share passages or mostly the same text.

    Each pair is stored twice, once from each side, with the same figures, so an
    article's list is one indexed lookup whichever side it is on. The figures are
    counted in the shorter text (see articles.near_duplicates.overlap).
    """

    # Indexed by the unique constraint, which starts with it.
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="near_duplicates", db_index=False)
    other = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    shared_passages = models.PositiveIntegerField(help_text="Passages of eight or more words both texts have.")
    shared_words = models.PositiveIntegerField(help_text="Words in those passages.")
    containment = models.FloatField(help_text="Share of the shorter text in those passages, from 0 to 1.")
    found_at = models.DateTimeField(db_default=Now(), editable=False)

    objects = NearDuplicateQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "other"], name="near_duplicate_unique"),
            models.CheckConstraint(condition=~Q(article=F("other")), name="near_duplicate_not_itself"),
            models.CheckConstraint(
                condition=Q(containment__gte=0, containment__lte=1), name="near_duplicate_containment_share"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article} ≈ {self.other}"

    @property
    def is_mostly_same(self) -> bool:
        return self.containment >= MOSTLY_SAME_CONTAINMENT

    @property
    def containment_percent(self) -> int:
        return round(self.containment * 100)


# --- What readers look for ------------------------------------------------------------------------


class SearchLogQuerySet(models.QuerySet):
    def record(self, *, query: str, filters: dict[str, list[str]], result_count: int, duration_ms: int) -> "SearchLog":
        """Log one search: the words as typed, the filters, what it found and how long it took.

        Its transaction commits without waiting for the row to reach the disk (``synchronous_commit``
        off): the reader does not wait on the server's disk for a statistic, which took up to 4 ms
        a commit (10,000 articles, another database being built). A crash of the database server
        may lose the last searches logged, never more. Within a search request's transaction (the
        search page's, on the primary) that is the request's whole transaction, which writes
        nothing else.
        """
        database = router.db_for_write(self.model)  # the primary
        written = {
            "query": query[: SearchLog.QUERY_MAX_LENGTH],
            "query_normalised": " ".join(query.lower().split())[: SearchLog.QUERY_MAX_LENGTH],
            "filters": filters,
            "result_count": result_count,
            "duration_ms": duration_ms,
        }
        connection = connections[database]
        values = [
            self.model._meta.get_field(name).get_db_prep_save(written[name], connection)
            for name in SearchLog.LOGGED_FIELDS
        ]
        with transaction.atomic(using=database, savepoint=False), connection.cursor() as cursor:
            cursor.execute(_search_log_insert_sql(), values)
            pk, searched_at = cursor.fetchone()
        return self.model.from_db(
            database,
            [SearchLog._meta.pk.attname, *SearchLog.LOGGED_FIELDS, "searched_at"],
            [pk, *(written[name] for name in SearchLog.LOGGED_FIELDS), searched_at],
        )

    def since(self, moment) -> "SearchLogQuerySet":
        return self.filter(searched_at__gte=moment)

    def most_frequent(self, limit: int) -> models.QuerySet:
        """The searches made most often (by their words, whatever the case and spacing), with how often and
        how many articles they found last."""
        return (
            self.exclude(query_normalised="")
            .values("query_normalised")
            .annotate(
                searches=models.Count("pk"),
                found=models.Subquery(
                    SearchLog.objects.filter(query_normalised=OuterRef("query_normalised"))
                    .order_by("-searched_at", "-pk")
                    .values("result_count")[:1]
                ),
            )
            .order_by("-searches", "query_normalised")[:limit]
        )

    def most_searched(self, limit: int) -> models.QuerySet:
        """The searches made most often, words as typed and filters alike (a page's counts are kept
        for exactly those: ``keep_search_counts``), with how often; the latest first among equals."""
        return (
            self.values("query", "filters")
            .annotate(searches=models.Count("pk"), last_searched=models.Max("searched_at"))
            .order_by("-searches", "-last_searched")[:limit]
        )

    def found_nothing(self, limit: int) -> models.QuerySet:
        """The searches with words that found no article, most often first: where aliases and tags are missing."""
        return (
            self.exclude(query_normalised="")
            .filter(result_count=0)
            .values("query_normalised")
            .annotate(searches=models.Count("pk"), last_searched=models.Max("searched_at"))
            .order_by("-searches", "query_normalised")[:limit]
        )


@functools.cache
def _search_log_insert_sql() -> str:
    """``SearchLogQuerySet.record``'s statement: the row (``LOGGED_FIELDS``' values), then the setting
    for its transaction's commit, in one round trip. ``create`` took two (the setting, then the row),
    and the ORM wrote the row's statement for each search: 0.4 ms against 0.2 (10,000 articles)."""
    meta = SearchLog._meta
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in SearchLog.LOGGED_FIELDS)
    placeholders = ", ".join(["%s"] * len(SearchLog.LOGGED_FIELDS))
    return (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"
        f" RETURNING {quote(meta.pk.column)}, {quote(meta.get_field('searched_at').column)};"
        " SET LOCAL synchronous_commit = off"
    )


class SearchLog(models.Model):
    """One search a reader made on the search page: what was asked, what it found, how long it took.

    No personal data: no user, IP address, session, cookie or user agent; the words and filters
    are all there is. Only the first page of a search is logged, so paging does not count twice.
    """

    QUERY_MAX_LENGTH = 500
    #: What ``SearchLogQuerySet.record`` writes, in this order; the database sets the rest.
    LOGGED_FIELDS = ("query", "query_normalised", "filters", "result_count", "duration_ms")

    query = models.CharField(max_length=QUERY_MAX_LENGTH, blank=True, help_text="The search words as typed.")
    query_normalised = models.CharField(
        max_length=QUERY_MAX_LENGTH, blank=True, help_text="The words lowercased, spaces collapsed: for counting."
    )
    filters = models.JSONField(default=dict, blank=True, help_text="The other parameters: source, tag, dates…")
    result_count = models.PositiveIntegerField()
    duration_ms = models.PositiveIntegerField(help_text="Time spent finding, counting and faceting, in ms.")
    searched_at = models.DateTimeField(db_default=Now(), editable=False)

    objects = SearchLogQuerySet.as_manager()

    class Meta:
        ordering = ["-searched_at", "-pk"]
        indexes = [
            models.Index(fields=["searched_at"], name="search_log_searched_at"),
            models.Index(fields=["query_normalised", "-searched_at"], name="search_log_query"),
        ]

    def __str__(self) -> str:
        return f"{self.query or '(filters only)'} → {self.result_count}"


# --- Who changed what: the editors' history ------------------------------------------------------


class RevisionKind(models.TextChoices):
    EDIT = "edit", "edited in the admin"
    BULK = "bulk", "bulk action on selected articles"
    SEARCH = "search", "applied to a whole search"
    SUGGESTIONS = "suggestions", "suggested links applied"
    MERGE = "merge", "merge"
    UNDO = "undo", "undo"


class RevisionQuerySet(models.QuerySet):
    def touching(self, obj: models.Model) -> "RevisionQuerySet":
        """The revisions that changed ``obj``, newest first, each with only its changes to ``obj`` prefetched."""
        content_type = ContentType.objects.get_for_model(obj)
        changes = FieldChange.objects.filter(content_type=content_type, object_id=obj.pk).order_by("pk")
        return (
            self.filter(pk__in=changes.values("revision_id"))
            .select_related("user")
            .prefetch_related(models.Prefetch("changes", queryset=changes, to_attr="object_changes"))
            .order_by("-made_at", "-pk")
        )


class Revision(models.Model):
    """One editor's change, as one entry: a save in the admin, a bulk action, a merge, tagging a whole search.

    Its ``changes`` say field by field what became of which row. A change to the links of many
    articles at once keeps in ``undo`` what reverses it exactly (the articles it really changed,
    not those already so), and undoing it is a revision of its own (``undone_by``).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # Kept as written, so the record still says who after the account is gone.
    username = models.CharField(max_length=150, blank=True)
    kind = models.CharField(max_length=12, choices=RevisionKind.choices)
    summary = models.TextField(help_text="What was done, in the editor's words: shown in lists.")
    made_at = models.DateTimeField(db_default=Now(), editable=False)
    undo = models.JSONField(null=True, blank=True, help_text="What reverses this revision, if it can be undone.")
    undone_by = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="undoes")

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-made_at", "-pk"]
        indexes = [models.Index(fields=["-made_at"], name="revision_made_at")]
        constraints = [choices_constraint("kind", RevisionKind, "revision_kind_valid")]

    def __str__(self) -> str:
        return self.summary

    @property
    def can_be_undone(self) -> bool:
        return self.undo is not None and self.undone_by_id is None


class FieldChange(models.Model):
    """One field of one row, before and after a revision, as text an editor can read.

    Links (tags, people, aliases, claims reported) are written as the sorted names they
    held. The row is named by its content type and id, so a deleted row's history stays.
    """

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="changes")
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT)
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=300, help_text="The row's name when it was changed.")
    field = models.CharField(max_length=100, help_text="The field's name as the admin shows it.")
    old = models.TextField(blank=True)
    new = models.TextField(blank=True)

    class Meta:
        ordering = ["revision", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="field_change_object")]

    def __str__(self) -> str:
        return f"{self.object_repr}: {self.field}"

    @classmethod
    def of(cls, obj: models.Model, field: str, old: str, new: str) -> "FieldChange":
        """An unsaved change of ``obj``'s ``field``, for ``articles.services.revision_record`` to write."""
        return cls(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk,
            object_repr=str(obj)[: cls._meta.get_field("object_repr").max_length],
            field=field,
            old=old,
            new=new,
        )


# --- Who failed to sign in: the admin's throttle ----------------------------------------------------


class SignInFailureQuerySet(models.QuerySet):
    def within(self, seconds: int) -> "SignInFailureQuerySet":
        return self.filter(failed_at__gt=timezone.now() - timedelta(seconds=seconds))

    def older_than(self, seconds: int) -> "SignInFailureQuerySet":
        return self.filter(failed_at__lte=timezone.now() - timedelta(seconds=seconds))


class SignInFailure(models.Model):
    """One failed sign-in to the admin: the user name tried and the address it came from.

    Kept in the database rather than the cache so every server process, on every machine, counts
    the same failures, and no flood of cached pages can evict them. Rows older than the lockout
    are deleted as new failures come in.
    """

    username = models.CharField(max_length=150, help_text="As typed, lowercased.")
    address = models.GenericIPAddressField(help_text="The client's IP address.")
    failed_at = models.DateTimeField(db_default=Now(), editable=False)

    objects = SignInFailureQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["address", "failed_at"], name="sign_in_failure_address"),
            models.Index(fields=["username", "failed_at"], name="sign_in_failure_username"),
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.address}"
