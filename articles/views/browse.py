"""Index and detail pages for sources, people, tags and claims.

Only published articles are listed or counted, and only claims a published article reports are
shown (a claim with none is not found). Likewise a source, person or tag has a page, and a place in
the indexes, only once something public names it (``public()``): one only drafts name is not found.
"""

from collections import Counter
from dataclasses import dataclass

from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import Case, F, Q, QuerySet, When
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.generic import DetailView, ListView

from articles.models import (
    Article,
    ArticleStatus,
    Claim,
    ClaimRating,
    CoverageMonth,
    MergedPerson,
    MergedTag,
    Person,
    Source,
    Tag,
)
from articles.search import SORT_NEWEST
from articles.timeline import MonthCountRow, Timeline, timeline_for, timeline_from_counts
from articles.views.base import CanonicalSlugMixin
from articles.views.pages import month_after

INDEX_PAGE_SIZE = 50
ARTICLE_PAGE_SIZE = 20
# Walking the archive's articles in date order to find a person's costs about this many times
# less per article than looking one of theirs up by id (an index entry against an index probe
# and a row): NewestFirst walks when the page's months hold fewer than this many times theirs.
WALK_COST_RATIO = 10

BY_NAME = (Lower("name"), "pk")
NEWEST_CLAIM_FIRST = (F("first_reported_on").desc(nulls_last=True), "-pk")
# Ratings in the order editors choose them (ClaimRating), newest first within each.
BY_RATING = (Case(*(When(rating=value, then=i) for i, value in enumerate(ClaimRating.values))), *NEWEST_CLAIM_FIRST)


def paginate(request: HttpRequest, queryset: "QuerySet | NewestFirst", per_page: int) -> Page:
    """The ``?page=`` page of ``queryset``; like ListView, a page that is not a number or out of range is a 404."""
    paginator = Paginator(queryset, per_page)
    number = request.GET.get("page") or 1
    if number == "last":
        number = paginator.num_pages
    try:
        return paginator.page(number)
    except InvalidPage as error:
        raise Http404(str(error)) from error


@dataclass(frozen=True)
class Sort:
    label: str
    ordering: tuple


class SortedIndexView(ListView):
    """An index page sortable with ``?sort=``; an unknown sort is a 400, not a 500 nor a silent default."""

    paginate_by = INDEX_PAGE_SIZE
    sorts: dict[str, Sort]
    default_sort: str

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.sort = request.GET.get("sort") or self.default_sort
        if self.sort not in self.sorts:
            reason = f"This list sorts by {' or '.join(self.sorts)}."
            return render(request, "400.html", {"reason": reason}, status=400)
        return super().get(request, *args, **kwargs)

    def index_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        return self.index_queryset().order_by(*self.sorts[self.sort].ordering)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["sort"] = self.sort
        context["sorts"] = [(value, sort.label) for value, sort in self.sorts.items()]
        return context


BY_ARTICLE_COUNT = Sort("most articles", (F("article_count").desc(), *BY_NAME))
ALPHABETICAL = Sort("name", BY_NAME)


class SourceListView(SortedIndexView):
    """Every source with its number of published articles and of claims."""

    template_name = "articles/source_list.html"
    context_object_name = "sources"
    sorts = {"count": BY_ARTICLE_COUNT, "name": ALPHABETICAL}
    default_sort = "count"

    def index_queryset(self) -> QuerySet:
        return Source.objects.public().with_article_counts()


class PersonListView(SortedIndexView):
    """Every person with the number of published articles mentioning them or by them."""

    template_name = "articles/person_list.html"
    context_object_name = "people"
    sorts = {"count": BY_ARTICLE_COUNT, "name": ALPHABETICAL}
    default_sort = "count"

    def index_queryset(self) -> QuerySet:
        return Person.objects.public().with_article_counts()


class TagListView(SortedIndexView):
    """Every tag with its number of published articles."""

    template_name = "articles/tag_list.html"
    context_object_name = "tags"
    sorts = {"count": BY_ARTICLE_COUNT, "name": ALPHABETICAL}
    default_sort = "count"

    def index_queryset(self) -> QuerySet:
        return Tag.objects.public().with_article_counts()


class ClaimListView(SortedIndexView):
    """Every claim a published article reports, with its rating, claimant and number of reports."""

    template_name = "articles/claim_list.html"
    context_object_name = "claims"
    sorts = {
        "newest": Sort("newest", NEWEST_CLAIM_FIRST),
        "rating": Sort("rating", BY_RATING),
        "count": Sort("most reported", (F("report_count").desc(), *NEWEST_CLAIM_FIRST)),
    }
    default_sort = "newest"

    def index_queryset(self) -> QuerySet:
        return Claim.objects.reported().with_reports().select_related("claimant_person", "claimant_source")


class EntityDetailView(CanonicalSlugMixin, DetailView):
    """A source, person or tag: its published articles (newest first, paginated) and their timeline."""

    def published_articles(self) -> QuerySet:
        raise NotImplementedError

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["page_obj"], context["timeline"] = self.articles_and_timeline()
        return context

    def articles_and_timeline(self) -> tuple[Page, Timeline]:
        """The ``?page=`` page of the published articles, newest first, and the timeline of them all."""
        articles = self.published_articles()
        newest = articles.select_related("source").listed().sorted_by(SORT_NEWEST)
        return paginate(self.request, newest, ARTICLE_PAGE_SIZE), timeline_for(articles)


class SourceDetailView(EntityDetailView):
    """A source: what it is, its published articles, its timeline and the claims it made."""

    template_name = "articles/source_detail.html"
    context_object_name = "source"
    queryset = Source.objects.public()

    def published_articles(self) -> QuerySet:
        return Article.objects.published().filter(source=self.object)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["claims"] = (
            Claim.objects.reported()
            .filter(claimant_source=self.object)
            .with_reports()
            .select_related("claimant_person", "claimant_source")
            .order_by(*NEWEST_CLAIM_FIRST)
        )
        return context


class PersonDetailView(EntityDetailView):
    """A person: role, aliases, published articles mentioning them or by them, timeline, claims they made."""

    template_name = "articles/person_detail.html"
    context_object_name = "person"
    queryset = Person.objects.public().prefetch_related("aliases")
    merged_model = MergedPerson

    def published_articles(self) -> QuerySet:
        return Article.objects.published().involving(self.object)

    def articles_and_timeline(self) -> tuple[Page, Timeline]:
        """From the months the database counts (``CoverageMonth``): no count or sort over all their articles.

        One query for their months and the archive's, one for a page's articles (two for a page
        that reaches their undated ones).
        """
        rows = CoverageMonth.objects.filter(Q(person=self.object) | Q(person=None), articles__gt=0)
        theirs, archive = [], []
        for person_id, month, precision, count in rows.values_list("person_id", "month", "precision", "articles"):
            (archive if person_id is None else theirs).append((month, precision, count))
        newest = NewestFirst(self.object, theirs, archive)
        return paginate(self.request, newest, ARTICLE_PAGE_SIZE), timeline_from_counts(theirs)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["claims"] = (
            Claim.objects.reported()
            .filter(claimant_person=self.object)
            .with_reports()
            .select_related("claimant_person", "claimant_source")
            .order_by(*NEWEST_CLAIM_FIRST)
        )
        return context


class NewestFirst:
    """A person's published articles newest first (as ``sorted_by(SORT_NEWEST)``), for a Paginator to page through.

    How many they are in each month is known (``months``, from ``CoverageMonth``), so a page is
    looked for only among the articles of the months it spans, at the offset it has among them:
    the first page and the last cost the same, however many articles the person is in. Dated
    articles come first (read in date order from the index of dated articles), undated ones last
    (by id). Where the archive has many articles in those months and the person few in all
    (``WALK_COST_RATIO``), their articles are looked up one by one instead.

    Only what the Paginator asks of it: ``len()`` and slices (one or two queries a slice).
    """

    def __init__(self, person: Person, months: list[MonthCountRow], archive_months: list[MonthCountRow]) -> None:
        self.person = person
        theirs = _by_month(months)
        self.undated = theirs.pop(None, 0)
        self.months = sorted(theirs.items(), reverse=True)
        self.dated = sum(theirs.values())
        self.archive = _by_month(archive_months)

    def __len__(self) -> int:
        return self.dated + self.undated

    def __getitem__(self, window: slice) -> list[Article]:
        start, stop, _ = window.indices(len(self))
        found = []
        if start < min(stop, self.dated):
            found += self._dated(start, min(stop, self.dated))
        if stop > max(start, self.dated):
            found += self._undated(max(start, self.dated) - self.dated, stop - self.dated)
        return found

    def _dated(self, start: int, stop: int) -> list[Article]:
        """Their dated articles ``start`` to ``stop`` (newest first), read among those of the months they are in."""
        before, newest, oldest, offset = 0, None, None, 0
        for month, count in self.months:
            if newest is None and before + count > start:
                newest, offset = month, start - before
            if newest is not None:
                oldest = month
            before += count
            if before >= stop:
                break
        after_newest = month_after(newest)
        in_months = sum(count for month, count in self.archive.items() if month and oldest <= month < after_newest)
        ids = (
            Article.objects.published()
            .involving(self.person, few=in_months > WALK_COST_RATIO * len(self))
            .filter(published_on__gte=oldest, published_on__lt=after_newest)
            .order_by(F("published_on").desc(), "-pk")
            .values("pk")[offset : offset + stop - start]
        )
        return self._articles(ids, F("published_on").desc(), "-pk")

    def _undated(self, start: int, stop: int) -> list[Article]:
        ids = (
            Article.objects.published()
            .involving(self.person, few=self.archive[None] > WALK_COST_RATIO * len(self))
            .filter(published_on=None)
            .order_by("-pk")
            .values("pk")[start:stop]
        )
        return self._articles(ids, "-pk")

    def _articles(self, ids: QuerySet, *ordering) -> list[Article]:
        articles = Article.objects.filter(pk__in=ids).select_related("source").listed()
        return list(articles.with_by_person(self.person).order_by(*ordering))


def _by_month(rows: list[MonthCountRow]) -> Counter:
    """Counts by month, whatever the precision (None for undated)."""
    counts = Counter()
    for month, _, count in rows:
        counts[month] += count
    return counts


class TagDetailView(EntityDetailView):
    """A tag: what it covers, its published articles and their timeline."""

    template_name = "articles/tag_detail.html"
    context_object_name = "tag"
    queryset = Tag.objects.public()
    merged_model = MergedTag

    def published_articles(self) -> QuerySet:
        return Article.objects.published().filter(tags=self.object)


class ClaimDetailView(CanonicalSlugMixin, DetailView):
    """A claim, its rating, and each published article reporting it, quoted at the paragraph."""

    template_name = "articles/claim_detail.html"
    context_object_name = "claim"
    queryset = Claim.objects.reported().with_reports().select_related("claimant_person", "claimant_source")

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["reports"] = (
            self.object.reports.filter(article__status=ArticleStatus.PUBLISHED)
            .select_related("article__source")
            .order_by(F("article__published_on").asc(nulls_last=True), "article_id")
        )
        return context
