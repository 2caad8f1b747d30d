"""The search page: published articles through ``ArticleFilterSet``, with highlights and facets."""

import time
from functools import cached_property

from django import forms
from django.core.paginator import Paginator
from django_filters.views import FilterView

from articles.filters import PAGE_PARAM, ArticleFilterSet, ResultCounts
from articles.models import Article, SearchLog, article_links_load
from articles.search import SORT_CHOICES, SORT_RELEVANCE
from articles.timeline import MonthCountRow, timeline_from_counts

RESULTS_PER_PAGE = 20
# Filters the form has no visible field for (they come from facets and chips): hidden inputs keep
# them when the form is submitted again.
HIDDEN_PARAMS = ("source", "person", "tag", "rating")
# What the search page and its JSON twin read of each result (``SearchView.get_queryset``).
SEARCH_HIT_FIELDS = (
    "title",
    "slug",
    "published_on",
    "published_precision",
    "summary",
    "body",
    "source",
    "source__name",
    "source__slug",
)
# The parameters logged beside the search words (never page or sort: the same search either way).
LOGGED_FILTERS = ("aliases", "source", "person", "tag", "date_from", "date_to", "rating")


class PageForm(forms.Form):
    """The page number, checked like the filters: ``page=abc`` is a mistake to explain (400)."""

    page = forms.IntegerField(
        min_value=1,
        required=False,
        label="Page",
        error_messages={"invalid": "Page numbers are whole numbers.", "min_value": "Pages start at 1."},
    )


class CountedPaginator(Paginator):
    """A paginator given the number of objects, counted already, instead of counting them again."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


class SearchView(FilterView):
    """Search and browse the published articles; public, and complete without JavaScript.

    Every state is in the query string (see ``articles.filters``), so a copied URL shows the same
    page. With search words the results are ranked and show highlighted snippets; without them
    the page browses: the filtered articles newest first, and with no filter at all, the whole
    archive newest first (with facets, the archive's index by source, person, tag and year).

    When too few articles have every word, articles with most of them follow, flagged, and the
    page says so (``partial_match``; see ``ArticleSearch``); the count and the facets then count
    them too. The count is exact. An invalid parameter (unknown slug, bad date or sort, ``page=abc``)
    answers 400 with the errors above the form, each with a link to the same search without
    it; a page number past the end answers 404.

    The number of queries does not depend on the number of results: one statement that finds
    the results once and counts them, their facets and their months (``ArticleFilterSet.counts``;
    the paginator takes its count; with few results, their ids, which the page is then read by),
    one for what other values of each facet with a value chosen would add, unless the same
    search without it was counted before, the page, its people and tags (one: ``article_links_load``),
    the headlines (one), plus one per source/person/tag parameter to check its slugs, the
    search's own preparation (prefixes and people named, see ``ArticleSearch``) and, with no
    results, its suggestions (tests/test_search_page.py counts).
    """

    filterset_class = ArticleFilterSet
    template_name = "articles/search.html"
    # What readers look for, for the editors' report (articles.models.SearchLog); scripts using the
    # JSON twin are not readers.
    logs_searches = True
    context_object_name = "articles"
    paginate_by = RESULTS_PER_PAGE
    page_kwarg = PAGE_PARAM

    def get_queryset(self):
        # The fields a result shows (the search hit, the JSON twin's result), with its source's, and
        # its body, which its headline is taken from (``ArticleSearch.headlines``); not its vector,
        # timestamps, notes or addresses: reading 20 articles by id took the ORM 4 ms with them and
        # 2.6 without (1,000,000 articles), most of it turning timestamps and unused columns into
        # Python values. The page's people and tags come with their links (``get_context_data``).
        return Article.objects.published().select_related("source").only(*SEARCH_HIT_FIELDS)

    def get_filterset_kwargs(self, filterset_class):
        # Bound even without parameters, so /search/ sorts and facets like any other state.
        return {**super().get_filterset_kwargs(filterset_class), "data": self.request.GET}

    def get(self, request, *args, **kwargs):
        self.filterset = self.get_filterset(self.get_filterset_class())
        page_form = PageForm(request.GET)
        filters_valid, page_valid = self.filterset.is_valid(), page_form.is_valid()
        if not (filters_valid and page_valid):
            self.object_list = self.filterset.queryset.none()
            return self.render_to_response(self.get_invalid_context_data(page_form), status=400)
        started = time.monotonic()
        # Counted first: the paginator takes the count from them, and the search suits it (``pages``).
        self.result_counts: ResultCounts = self.filterset.counts()
        counts = self.result_counts
        self.object_list = self.filterset.pages(counts.total, counts.months, counts.ids)
        context = self.get_context_data(filter=self.filterset, object_list=self.object_list)
        if self.logs_searches:
            self.search_log(context, duration_ms=round((time.monotonic() - started) * 1000))
        return self.render_to_response(context)

    def search_log(self, context: dict, *, duration_ms: int) -> None:
        """Log a search's first page (so paging through it counts once), unless it is plain browsing."""
        params = {name: self.request.GET.getlist(name) for name in LOGGED_FILTERS if name in self.request.GET}
        if context["page_obj"].number != 1 or not (self.filterset.query or params):
            return
        SearchLog.objects.record(
            query=self.filterset.query, filters=params, result_count=context["total"], duration_ms=duration_ms
        )

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        return CountedPaginator(
            queryset,
            per_page,
            count=self.result_counts.total,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            **kwargs,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        articles = page.object_list = list(page.object_list)
        article_links_load(articles)
        search, total = self.filterset.article_search, self.result_counts.total
        # With no results, the suggestions offer the nearest people instead.
        people = search.people if search and total else []
        if search:
            search.headlines(articles)
            for article in articles:
                article.alias_people = linked_people(article, people) if getattr(article, "alias_match", False) else []
        context.update(
            self.get_form_context_data(),
            articles=articles,
            object_list=articles,
            total=total,
            people=people,
            facets=self.result_counts.facets,
            active_filters=self.filterset.active_filters(),
            suggestions=search.suggestions() if search and not total else None,
            **partial_context(search if total else None),
            timeline=self.get_timeline(self.result_counts.months),
        )
        return context

    def get_invalid_context_data(self, page_form: PageForm) -> dict:
        errors = [
            {
                "label": form.fields[name].label if name in form.fields else "Search",
                "messages": messages,
                "query_string": self.filterset.query_string_removing(name) if name in form.fields else None,
            }
            for form in (self.filterset.form, page_form)
            for name, messages in form.errors.items()
        ]
        return {"view": self, "filter": self.filterset, "errors": errors, **self.get_form_context_data()}

    def get_form_context_data(self) -> dict:
        """What the search form shows: the values as typed, so a mistake can be corrected."""
        form = self.filterset.form
        errors = form.errors
        return {
            "form": form,
            "query": self.filterset.query if form.is_valid() else "",
            "sort_choices": SORT_CHOICES,
            "sort_selected": form["sort"].value() or SORT_RELEVANCE,
            "hidden_params": [
                (name, value)
                for name in HIDDEN_PARAMS
                if name not in errors
                for value in self.request.GET.getlist(name)
            ],
        }

    def get_timeline(self, months: list[MonthCountRow]):
        """Articles per month of all the results (not just the page shown), as ``counts`` counted them."""
        return timeline_from_counts(months)


def partial_context(search) -> dict:
    """Whether the results include articles with only some of the words, and the words no article has."""
    fallback = search.fallback if search else None
    return {
        "partial_match": fallback is not None,
        "words_not_found": list(fallback.missing) if fallback else [],
    }


def linked_people(article: Article, people: list) -> list:
    """Those of ``people`` the article mentions or was written by (``article_links_load``: no query)."""
    linked = {person.pk for person in (*article.listed_people, *article.listed_authors)}
    return [person for person in people if person.pk in linked]
