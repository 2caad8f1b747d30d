"""Index and detail pages for sources, people, tags and claims.

Every entity has a page, but only published articles are listed or counted, and only claims a
published article reports are shown (a claim with none is not found).
"""

from dataclasses import dataclass

from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import Case, F, QuerySet, When
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.generic import DetailView, ListView

from articles.models import Article, ArticleStatus, Claim, ClaimRating, MergedPerson, MergedTag, Person, Source, Tag
from articles.search import SORT_NEWEST
from articles.timeline import timeline_for
from articles.views.base import CanonicalSlugMixin

INDEX_PAGE_SIZE = 50
ARTICLE_PAGE_SIZE = 20

BY_NAME = (Lower("name"), "pk")
NEWEST_CLAIM_FIRST = (F("first_reported_on").desc(nulls_last=True), "-pk")
# Ratings in the order editors choose them (ClaimRating), newest first within each.
BY_RATING = (Case(*(When(rating=value, then=i) for i, value in enumerate(ClaimRating.values))), *NEWEST_CLAIM_FIRST)


def paginate(request: HttpRequest, queryset: QuerySet, per_page: int) -> Page:
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
            return render(request, "400.html", status=400)
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
        return Source.objects.with_article_counts()


class PersonListView(SortedIndexView):
    """Every person with the number of published articles mentioning them or by them."""

    template_name = "articles/person_list.html"
    context_object_name = "people"
    sorts = {"count": BY_ARTICLE_COUNT, "name": ALPHABETICAL}
    default_sort = "count"

    def index_queryset(self) -> QuerySet:
        return Person.objects.with_article_counts()


class TagListView(SortedIndexView):
    """Every tag with its number of published articles."""

    template_name = "articles/tag_list.html"
    context_object_name = "tags"
    sorts = {"count": BY_ARTICLE_COUNT, "name": ALPHABETICAL}
    default_sort = "count"

    def index_queryset(self) -> QuerySet:
        return Tag.objects.with_article_counts()


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
        articles = self.published_articles()
        context["page_obj"] = paginate(
            self.request, articles.select_related("source").sorted_by(SORT_NEWEST), ARTICLE_PAGE_SIZE
        )
        context["timeline"] = timeline_for(articles)
        return context


class SourceDetailView(EntityDetailView):
    """A source: what it is, its published articles, its timeline and the claims it made."""

    template_name = "articles/source_detail.html"
    context_object_name = "source"
    queryset = Source.objects.all()

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
    queryset = Person.objects.prefetch_related("aliases")
    merged_model = MergedPerson

    def published_articles(self) -> QuerySet:
        return Article.objects.published().involving(self.object)

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


class TagDetailView(EntityDetailView):
    """A tag: what it covers, its published articles and their timeline."""

    template_name = "articles/tag_detail.html"
    context_object_name = "tag"
    queryset = Tag.objects.all()
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
