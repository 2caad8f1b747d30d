"""The home page, the article page and the article's earlier versions."""

import datetime

from django.db.models import F, Prefetch, prefetch_related_objects
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, TemplateView

from articles.models import (
    Article,
    ArticleStatus,
    ArticleVersion,
    Claim,
    CoverageMonth,
    DatePrecision,
    NearDuplicate,
    Person,
    Source,
    Tag,
    article_links_load,
    article_page_read,
    claim_reports_read,
)
from articles.search import SORT_NEWEST
from articles.structured_data import page_social_meta
from articles.text import text_changes
from articles.timeline import DateSpan, MonthCountRow, PreciseDate, span_from_bounds, timeline_from_counts
from articles.views.base import CanonicalSlugMixin

LATEST_ARTICLES = 10
MOST_COVERED = 10


class HomeView(TemplateView):
    """A search box, the latest published articles, the most-covered people and tags, and the archive's span."""

    template_name = "articles/home.html"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        # The counts the database keeps (articles.models.CoverageMonth etc.): nothing here counts
        # or sorts every article.
        months = CoverageMonth.objects.of_archive().timeline_rows()
        context.update(
            articles=latest_articles(months),
            people=Person.objects.with_mention_counts()
            .filter(coverage__mentions__gt=0)
            .order_by(F("coverage__mentions").desc(), Lower("name"), "pk")[:MOST_COVERED],
            tags=Tag.objects.with_article_counts()
            .filter(coverage__articles__gt=0)
            .order_by(F("coverage__articles").desc(), Lower("name"), "pk")[:MOST_COVERED],
            span=archive_span(months),
            timeline=timeline_from_counts(months),
            totals={
                "sources": Source.objects.public().count(),
                "people": Person.objects.public().count(),
                "tags": Tag.objects.public().count(),
                "claims": Claim.objects.reported().count(),
            },
        )
        return context


def latest_articles(months: list[MonthCountRow]) -> list[Article]:
    """The newest published articles (``sorted_by(SORT_NEWEST)``), their sources with them.

    With enough dated articles (``months`` says how many) the newest dated ones are read in date
    order from an index of dated articles; an archive with fewer is small, and sorted whole.
    """
    published = Article.objects.published().select_related("source").listed()
    dated = sum(count for month, _, count in months if month is not None)
    if dated >= LATEST_ARTICLES:
        newest = published.filter(published_on__isnull=False).order_by(F("published_on").desc(), "-pk")
    else:
        newest = published.sorted_by(SORT_NEWEST)
    return list(newest[:LATEST_ARTICLES])


def archive_span(months: list[MonthCountRow]) -> DateSpan:
    """The count and date span of the published articles (as ``articles.timeline.span_for``), from their months.

    A month or year stored is its date; for articles dated to the day, the first and last days
    are looked up in the first and last months that have any (at most one short query).
    """
    firsts, lasts = [], []
    for precision in (DatePrecision.MONTH, DatePrecision.YEAR):
        dates = [month for month, p, _ in months if month is not None and p == precision]
        if dates:
            firsts.append(PreciseDate(min(dates), precision))
            lasts.append(PreciseDate(max(dates), precision))
    day_months = [month for month, p, _ in months if month is not None and p == DatePrecision.DAY]
    if day_months:
        days = Article.objects.published().filter(published_precision=DatePrecision.DAY)
        after_last = month_after(max(day_months))
        first = days.filter(published_on__gte=min(day_months)).order_by("published_on")
        last = days.filter(published_on__lt=after_last).order_by("-published_on")
        bounds = list(
            first.values_list("published_on", flat=True)[:1].union(
                last.values_list("published_on", flat=True)[:1], all=True
            )
        )
        if bounds:  # none only if those articles changed since their months were read
            firsts.append(PreciseDate(min(bounds), DatePrecision.DAY))
            lasts.append(PreciseDate(max(bounds), DatePrecision.DAY))
    return span_from_bounds(
        sum(count for _, _, count in months),
        sum(count for month, _, count in months if month is None),
        firsts,
        lasts,
    )


def month_after(month: datetime.date) -> datetime.date:
    """The first of the month after ``month`` (itself a first of a month)."""
    return datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def version_list():
    """An article's earlier versions, oldest first, without their texts (a list shows only their digests)."""
    return ArticleVersion.objects.defer("body").order_by("number")


class ArticleDetailView(CanonicalSlugMixin, DetailView):
    """One published article, its paragraphs anchored (#p3), the claims it reports, its links, its other tellings.

    A retracted article keeps its address, so links and citations still lead somewhere: it
    answers 200 with its headline, byline and the editor's retraction note, never its text
    (``retracted_template_name``, kept out of search engines by ``noindex``). A 410 Gone would tell
    link checkers, citation managers and API clients that stop at an error status that the
    address is dead, and they would never show the note; ``noindex`` already takes the page
    out of search results, and an editor may take a retraction back.
    """

    template_name = "articles/article_detail.html"
    retracted_template_name = "articles/article_retracted.html"
    context_object_name = "article"

    # Each kind of record the page shows when the article has some: its relation, the function
    # giving the queryset it is read with, and the list it is read into (``get_object``). The
    # claims it reports, on a quarter of the bench corpus's pages, are read by ``claim_reports_read``.
    shown_records = (
        ("versions", version_list, "earlier_versions"),
        ("near_duplicates", NearDuplicate.objects.shown, "also_reported_in"),
    )
    # ``has_<relation>``: whether the article has any of those records (``article_page_read``).
    flags = ("claim_reports", *(relation for relation, _, _ in shown_records))

    def get_object(self, queryset=None):
        """The article, with its links (``article_links_load``) and ``claims_reported``,
        ``earlier_versions`` and ``also_reported_in`` as lists.

        Each kind of record is read only when the article has some: most report no claim, were
        never corrected and retell no other report. A query for each took about 6 ms of the page's
        25 (measured on 1,000,000 articles, most of it the ORM writing them); the flags cost one
        index probe each in the article's own query. No queryset is built for those it lacks, and
        the article and its claims are read by statements written once (``article_page_read``).
        """
        article = article_page_read(self.kwargs[self.pk_url_kwarg], flags=self.flags)
        if article is None:
            # As DetailView words it, and the other pages' twins answer.
            raise Http404(f"No {Article._meta.verbose_name} found matching the query")
        article.claims_reported = claim_reports_read(article) if article.has_claim_reports else []
        present = []
        for relation, read_with, to_attr in self.shown_records:
            if getattr(article, f"has_{relation}"):
                present.append(Prefetch(relation, queryset=read_with(), to_attr=to_attr))
            else:
                setattr(article, to_attr, [])
        prefetch_related_objects([article], *present)
        article_links_load([article])
        return article

    def get_template_names(self) -> list[str]:
        if self.object.status == ArticleStatus.RETRACTED:
            return [self.retracted_template_name]
        return super().get_template_names()

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["versions"] = self.object.earlier_versions
        if self.object.status == ArticleStatus.RETRACTED:
            # A link preview of the note, not the article's (whose description quotes its text).
            context["retraction_social_meta"] = page_social_meta(
                f"Retracted: {self.object.title}",
                self.object.retraction_note,
                url=self.request.build_absolute_uri(self.object.get_absolute_url()),
            )
        return context


class ArticleVersionView(CanonicalSlugMixin, DetailView):
    """One text of a published article at its own permanent URL: an earlier one, or the current one.

    /versions/<n>/ for the current text shows it now and the same text, kept, once a correction
    replaces it; a citation of that address always leads to the words that were cited.
    """

    template_name = "articles/article_version.html"
    context_object_name = "version"

    def get_object(self, queryset=None) -> ArticleVersion:
        article = get_object_or_404(Article.objects.published().select_related("source"), pk=self.kwargs["pk"])
        number = self.kwargs["number"]
        stored = article.versions.filter(number=number).first()
        if stored is not None:
            stored.article = article
            return stored
        earlier = article.versions.count()
        if number != earlier + 1:
            raise Http404("This article has no such version.")
        return article.current_version(earlier)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        version, article = self.object, self.object.article
        if version.superseded_at is not None:
            following = ArticleVersion.objects.filter(article=article, number=version.number + 1).first()
            context.update(
                following=following,
                changes=text_changes(version.body, following.body if following else article.body),
            )
        context.update(article=article, versions=list(version_list().filter(article=article)))
        return context
