"""The sitemap: every public page worth a search engine's visit, in one section per kind.

``/sitemap.xml`` is an index of the sections (``/sitemap-articles.xml`` …); Django splits a
section into pages of ``Sitemap.limit`` (50,000) URLs, ``?p=2`` and on, and the index lists every
page, so the sitemap keeps within the protocol's limits however large the archive grows.

Only what readers can see is listed: published articles, the claims a published article reports,
and the sources, people and tags with at least one published article (a page with no articles
has nothing to index). Each URL's ``lastmod`` is when the page last changed: for an article its
own ``updated_at``; for a source, person, tag or claim the newest of its own and those of the
published articles it lists. URLs are absolute with the request's scheme and host.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Greatest

from articles.models import Article, Claim, Person, Source, Tag


def newest_update(articles: QuerySet) -> Subquery:
    """When the most recently changed of ``articles`` (a correlated subquery) changed."""
    return Subquery(articles.order_by("-updated_at").values("updated_at")[:1])


class ArchiveSitemap(Sitemap):
    """A section of rows annotated ``last_changed``, in id order so its pages stay stable."""

    def queryset(self) -> QuerySet:
        raise NotImplementedError

    def items(self) -> QuerySet:
        return self.queryset().order_by("pk")

    def lastmod(self, obj):
        return obj.last_changed

    def get_latest_lastmod(self):
        # One aggregate; Django's default would load every item of the section to compare them.
        return self.queryset().aggregate(latest=Max("last_changed"))["latest"]


class ArticleSitemap(ArchiveSitemap):
    def queryset(self) -> QuerySet:
        return Article.objects.published().only("pk", "slug", "updated_at").annotate(last_changed=F("updated_at"))


class SourceSitemap(ArchiveSitemap):
    def queryset(self) -> QuerySet:
        articles = Article.objects.published().filter(source=OuterRef("pk"))
        return Source.objects.filter(Exists(articles)).annotate(
            last_changed=Greatest("updated_at", newest_update(articles))
        )


class PersonSitemap(ArchiveSitemap):
    def queryset(self) -> QuerySet:
        mentions = Article.people.through.objects.filter(person_id=OuterRef(OuterRef("pk"))).values("article_id")
        authored = Article.authors.through.objects.filter(person_id=OuterRef(OuterRef("pk"))).values("article_id")
        articles = Article.objects.published().filter(Q(pk__in=mentions) | Q(pk__in=authored))
        return Person.objects.filter(Exists(articles)).annotate(
            last_changed=Greatest("updated_at", newest_update(articles))
        )


class TagSitemap(ArchiveSitemap):
    def queryset(self) -> QuerySet:
        articles = Article.objects.published().filter(tags=OuterRef("pk"))
        return Tag.objects.filter(Exists(articles)).annotate(
            last_changed=Greatest("updated_at", newest_update(articles))
        )


class ClaimSitemap(ArchiveSitemap):
    def queryset(self) -> QuerySet:
        articles = Article.objects.published().filter(claim_reports__claim=OuterRef("pk"))
        return Claim.objects.reported().annotate(last_changed=Greatest("updated_at", newest_update(articles)))


#: The sections, by the name in their URL (``/sitemap-<section>.xml``).
SITEMAPS = {
    "articles": ArticleSitemap,
    "sources": SourceSitemap,
    "people": PersonSitemap,
    "tags": TagSitemap,
    "claims": ClaimSitemap,
}
