"""Atom feeds of published articles: the whole archive, any search, and each source, person and tag.

Every feed holds the newest ``FEED_LENGTH`` matching published articles, newest first
(publication date, then id, as ``sorted_by(SORT_NEWEST)``), whatever ``sort`` says: a feed is
for following what is new, and a reader polling a relevance-sorted feed would never see a new
article that ranks below the fifty best. ``page`` is ignored for the same reason: a feed has no
pages, only its newest entries.

The search feed takes any search page's query string and reads it with the same
``ArticleFilterSet``, so a parameter means the same thing in the page, the JSON API and the
feed, and an invalid one answers 400 here too (as plain text: feed readers show no pages).
"""

import datetime
import re
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from articles.citations import ARCHIVE_NAME
from articles.filters import PAGE_PARAM, SORT_PARAM, ArticleFilterSet
from articles.models import Article, MergedPerson, MergedTag, Person, Source, Tag
from articles.search import SORT_CHOICES, SORT_NEWEST
from articles.views.base import entity_or_merged

FEED_LENGTH = 50

# What XML 1.0 cannot hold (https://www.w3.org/TR/xml/#charsets): the C0 controls but tab, line
# feed and carriage return, lone surrogates, and U+FFFE/U+FFFF. Texts may carry them (imports keep
# whatever a scrape had), and Django's XML writer refuses them with an exception, which would make
# the whole feed a 500; they are dropped from every text a feed writes.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold."""
    return XML_INVALID.sub("", text)


# --- Titles: shared with the pages' <link rel="alternate"> (articles.templatetags.archive_tags) ---


def archive_feed_title() -> str:
    return f"Latest articles — {ARCHIVE_NAME}"


def search_feed_title(filterset: ArticleFilterSet) -> str:
    """``Search: "mobilization" (Tag: Russia) — News archive``, from a validated FilterSet."""
    query = f'"{filterset.query}"' if filterset.query else ""
    filters = "; ".join(active.label for active in filterset.active_filters())
    if not (query or filters):
        return f"All articles — {ARCHIVE_NAME}"
    described = f"{query} ({filters})" if query and filters else query or filters
    return f"Search: {described} — {ARCHIVE_NAME}"


ENTITY_LABELS = {Source: "Source", Person: "Person", Tag: "Tag"}


def entity_feed_title(entity: Source | Person | Tag) -> str:
    return f"{ENTITY_LABELS[type(entity)]}: {entity.name} — {ARCHIVE_NAME}"


# --- The Atom document ---------------------------------------------------------------------------


class ArchiveAtomFeed(Atom1Feed):
    """Atom 1.0 with every author of an entry, a plain-text summary and the entry's language.

    Django's ``Atom1Feed`` writes a single author and an HTML summary; the archive's summaries
    are plain text, and an article may have several authors.
    """

    def item_attributes(self, item: dict) -> dict:
        return {"xml:lang": item["language"]} if item.get("language") else {}

    def add_item_elements(self, handler, item: dict) -> None:
        super().add_item_elements(handler, item)  # title, link, published, updated, id, categories
        for name in item["author_names"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.endElement("author")
        if item["summary"]:
            handler.addQuickElement("summary", item["summary"], {"type": "text"})


@dataclass(frozen=True)
class FeedSubject:
    """What one feed shows: its title, the page it mirrors, its own URL and its articles."""

    title: str
    subtitle: str
    page_url: str  # absolute: the HTML page this feed follows, with the same query string
    feed_url: str  # absolute: the feed itself (``rel="self"``), which is also its Atom id
    articles: QuerySet  # published articles, newest first (``sorted_by(SORT_NEWEST)``)


def entry_published(article: Article) -> datetime.datetime:
    """The publication date (midnight UTC; a month- or year-precise one is its first day), else when archived."""
    if article.published_on is None:
        return article.archived_at
    return datetime.datetime.combine(article.published_on, datetime.time(), tzinfo=datetime.UTC)


def entry_summary(article: Article) -> str:
    """The article's summary, or its first paragraph when it has none."""
    if article.summary:
        return article.summary
    paragraphs = article.paragraphs
    return paragraphs[0] if paragraphs else ""


class ArticleFeed(Feed):
    """The newest published articles of a ``FeedSubject`` that ``get_object`` builds for the request.

    Three queries whatever the length: the articles (with their source), their authors, their tags.
    Entry ids are the articles' absolute permanent URLs (Django's default ``item_guid`` is the link).
    """

    feed_type = ArchiveAtomFeed
    # The feed's author stands in for entries with neither authors nor source: Atom wants one.
    author_name = ARCHIVE_NAME

    def get_object(self, request: HttpRequest, *args, **kwargs) -> FeedSubject:
        raise NotImplementedError

    def title(self, subject: FeedSubject) -> str:
        return xml_text(subject.title)

    def subtitle(self, subject: FeedSubject) -> str:
        return xml_text(subject.subtitle)

    def link(self, subject: FeedSubject) -> str:
        return subject.page_url

    def feed_url(self, subject: FeedSubject) -> str:
        return subject.feed_url

    def feed_guid(self, subject: FeedSubject) -> str:
        return subject.feed_url

    def items(self, subject: FeedSubject) -> list[Article]:
        articles = subject.articles.select_related("source").prefetch_related("authors", "tags")
        return list(articles[:FEED_LENGTH])

    def item_title(self, article: Article) -> str:
        # Atom titles are text: Django's default escapes them once more, for RSS.
        return xml_text(article.title)

    def item_description(self, article: Article) -> None:
        return None  # the plain-text summary is written by ArchiveAtomFeed (item_extra_kwargs)

    def item_pubdate(self, article: Article) -> datetime.datetime:
        return entry_published(article)

    def item_updateddate(self, article: Article) -> datetime.datetime:
        return article.updated_at

    def item_categories(self, article: Article) -> list[str]:
        return [xml_text(tag.name) for tag in article.tags.all()]

    def item_extra_kwargs(self, article: Article) -> dict:
        authors = [person.name for person in article.authors.all()]
        # An unsigned article is by its publication, as a byline "By Reuters" would say.
        if not authors and article.source is not None:
            authors = [article.source.name]
        return {
            "author_names": [xml_text(name) for name in authors],
            "summary": xml_text(entry_summary(article)),
            "language": article.language,
        }


def with_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


class ArchiveFeed(ArticleFeed):
    """The whole archive's newest published articles (``/feed/``), following the home page."""

    def get_object(self, request: HttpRequest) -> FeedSubject:
        return FeedSubject(
            title=archive_feed_title(),
            subtitle=f"The {FEED_LENGTH} newest published articles in the archive.",
            page_url=request.build_absolute_uri(reverse("articles:home")),
            feed_url=request.build_absolute_uri(reverse("articles:archive_feed")),
            articles=Article.objects.published().sorted_by(SORT_NEWEST),
        )


class SearchFeed(ArticleFeed):
    """Any search, as a feed (``/search/feed/?q=…``): the search page's parameters, newest first.

    An invalid parameter answers 400 with the errors as plain text; ``page`` is ignored.
    """

    def __call__(self, request: HttpRequest) -> HttpResponse:
        params = request.GET.copy()
        params.pop(PAGE_PARAM, None)
        query = params.urlencode()  # as asked: the page and the feed it links to
        # Newest first whatever order was asked for, so the search itself is the date-sorted one
        # (``ArticleFilterSet.results``); an order that is no order at all is still an error.
        if params.get(SORT_PARAM, "") in {"", *dict(SORT_CHOICES)}:
            params[SORT_PARAM] = SORT_NEWEST
        filterset = ArticleFilterSet(params)
        if not filterset.is_valid():
            return invalid_parameters(filterset)
        return super().__call__(request, filterset=filterset, query=query)

    def get_object(self, request: HttpRequest, filterset: ArticleFilterSet, query: str) -> FeedSubject:
        return FeedSubject(
            title=search_feed_title(filterset),
            subtitle=f"The {FEED_LENGTH} newest published articles matching this search, newest first.",
            page_url=request.build_absolute_uri(with_query(reverse("articles:search"), query)),
            feed_url=request.build_absolute_uri(with_query(reverse("articles:search_feed"), query)),
            articles=filterset.results(),
        )


def invalid_parameters(filterset: ArticleFilterSet) -> HttpResponseBadRequest:
    errors = [f"{name}: {message}" for name, messages in filterset.form.errors.items() for message in messages]
    text = "This feed's parameters are not valid:\n" + "\n".join(errors) + "\n"
    return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")


class EntityFeed(ArticleFeed):
    """The published articles of one source, person or tag, at ``/<kind>/<id>/<slug>/feed/``.

    Like the pages (``CanonicalSlugMixin``), the id is what counts: another slug, or the id of a
    person or tag merged into another, answers 301 to the canonical feed URL, keeping the query
    string; an unknown id, or that of an entity readers may not see (``public()``), is a 404.
    """

    model: type[Model]
    url_name: str
    subtitle_text: str  # formatted with the entity's name

    merged_model: type[Model] | None = None

    def __call__(self, request: HttpRequest, pk: int, slug: str) -> HttpResponse:
        entity = entity_or_merged(self.model.objects.public(), pk, self.merged_model)
        if (pk, slug) != (entity.pk, entity.slug):
            canonical = reverse(self.url_name, kwargs={"pk": entity.pk, "slug": entity.slug})
            return redirect(with_query(canonical, request.META.get("QUERY_STRING", "")), permanent=True)
        return super().__call__(request, entity=entity)

    def get_object(self, request: HttpRequest, entity) -> FeedSubject:
        return FeedSubject(
            title=entity_feed_title(entity),
            subtitle=self.subtitle_text.format(count=FEED_LENGTH, name=entity.name),
            page_url=request.build_absolute_uri(entity.get_absolute_url()),
            feed_url=request.build_absolute_uri(reverse(self.url_name, kwargs={"pk": entity.pk, "slug": entity.slug})),
            articles=self.published_articles(entity).sorted_by(SORT_NEWEST),
        )

    def published_articles(self, entity) -> QuerySet:
        raise NotImplementedError


class SourceFeed(EntityFeed):
    model = Source
    url_name = "articles:source_feed"
    subtitle_text = "The {count} newest published articles from {name}."

    def published_articles(self, source: Source) -> QuerySet:
        return Article.objects.published().filter(source=source)


class PersonFeed(EntityFeed):
    model = Person
    merged_model = MergedPerson
    url_name = "articles:person_feed"
    subtitle_text = "The {count} newest published articles mentioning {name} or by them."

    def published_articles(self, person: Person) -> QuerySet:
        return Article.objects.published().involving(person)


class TagFeed(EntityFeed):
    model = Tag
    merged_model = MergedTag
    url_name = "articles:tag_feed"
    subtitle_text = "The {count} newest published articles tagged {name}."

    def published_articles(self, tag: Tag) -> QuerySet:
        return Article.objects.published().filter(tags=tag)
