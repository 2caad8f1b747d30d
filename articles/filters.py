"""The one FilterSet for lists of published articles.

The search page uses it, and the JSON API and the feeds are to use it too, so a query string
means the same thing everywhere:

``q``
    search words in web-search syntax (``"phrases"``, ``OR``, ``-word``, ``word*``);
``aliases``
    ``1`` (the default) also finds articles linked to a person the query names by an alias,
    ``0`` searches the text only;
``source``, ``person``, ``tag``
    slugs, repeatable: any of the values within one parameter, all of the parameters together.
    ``person`` matches an article that mentions the person or that the person wrote;
``date_from``, ``date_to``
    ``YYYY-MM-DD``, both inclusive, on the publication date;
``rating``
    articles reporting a claim rated so (repeatable, any of them);
``sort``
    ``relevance`` (the default with ``q``; without it there is nothing to rank, so the order is
    ``newest``), ``newest`` or ``oldest``.

An unknown value is a form error, never a silently ignored filter: callers answer 400.

The FilterSet also counts its results, their facets and their months, in one statement
(``ArticleFilterSet.counts``), and writes the query strings that add or remove one filter value,
so every client of the FilterSet links the same way.
"""

import datetime
import functools
import heapq
import operator
from array import array
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from operator import itemgetter
from urllib.parse import urlencode

import django_filters
from django import forms
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import Q, QuerySet
from django.http import QueryDict

from articles.caching import (
    BLOCK_BITS,
    COUNT_SEGMENT_BITS,
    by_segment,
    cached_value,
    count_segment_bounds,
    remembered,
)
from articles.models import (
    Article,
    ArticleStatus,
    ClaimRating,
    ClaimReport,
    CoverageMonth,
    Person,
    PersonCoverage,
    RankingVector,
    Source,
    SourceCoverage,
    Tag,
    TagCoverage,
    involving_any,
)
from articles.search import (
    FEW_RESULTS,
    LISTED_RESULTS,
    PAST_WINDOW,
    SORT_CHOICES,
    SORT_NEWEST,
    SORT_RELEVANCE,
    WINDOW,
    ArticleSearch,
    WindowFirst,
    months_bound,
    read_connection,
    search_transaction,
)
from articles.timeline import MonthCountRow

QUERY_MAX_LENGTH = 500  # far above any real query; keeps absurd input away from the parser
FACET_LIMIT = 10  # values shown per facet, most frequent first
ALIASES_ON = "1"
ALIASES_OFF = "0"
PAGE_PARAM = "page"  # not a filter, but a changed filter must start again from the first page
SORT_PARAM = "sort"


@dataclass(frozen=True)
class FacetValue:
    label: str
    count: int  # exactly the number of results its query string leads to
    query_string: str  # "?…": the current query string with this value added and no page


@dataclass(frozen=True)
class Facet:
    name: str  # the parameter its values set
    label: str
    values: list[FacetValue]
    # True when the parameter already has values: another one widens the results (any of them).
    widens: bool = False


@dataclass(frozen=True)
class ResultCounts:
    """The current results counted once (``ArticleFilterSet.counts``)."""

    total: int
    facets: list[Facet]  # source, person, tag and year; none when there are no results
    months: list[MonthCountRow]  # for ``articles.timeline.timeline_from_counts``
    ids: list[int] | None = None  # the results' ids, in no order, when at most LISTED_RESULTS


def _fetch_all(statement: str, params: list) -> list[tuple]:
    with read_connection().cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def _quoted(model, *names: str) -> list[str]:
    """The quoted table of ``model`` (a model or an m2m through model), then its fields' columns."""
    meta, quote = model._meta, connection.ops.quote_name
    return [quote(meta.db_table), *(quote(meta.get_field(name).column) for name in names)]


def _links_sql(through, value: str) -> str:
    """Rows (article_id, value_id) of an m2m table of articles (``value`` names its other field).

    Only those of the articles counted (``{articles}``), so that an index can find them.
    """
    table, article, value = _quoted(through, "article", value)
    return (
        f"SELECT {article} AS article_id, {value} AS value_id FROM {table}"
        f" WHERE {article} IN (SELECT id FROM {{articles}} AS articles)"
    )


# Browsing without search words, at most this many results sorted by date are found, then sorted
# (``ArticleFilterSet._few_sorted``); with more, PostgreSQL walks the date index, testing each
# article against the filters until a page of them turns up. Sorting costs as many rows as there
# are results; the walk, the archive's articles over the results' per page. At 1,000,000 articles
# a page of one person's 969 articles took 25 ms found and sorted, 74 walked; of another's 8,383,
# 64 and 28. Below this the sort costs a dozen milliseconds at most, whatever the archive's size.
FEW_BROWSED = 2000


def _unit_sql(column: str, split: frozenset[int]) -> str:
    """The unit (``articles.caching.by_segment``) the article ``column`` names is counted in, by its first
    segment (as migration 0025's triggers compute segments): its own segment in the blocks ``split``,
    else its block's first."""
    block = f"({column} >> {COUNT_SEGMENT_BITS + BLOCK_BITS})"
    whole_block = f"({block} << {BLOCK_BITS})"
    if not split:
        return whole_block
    blocks = ", ".join(str(int(number)) for number in sorted(split))
    return f"(CASE WHEN {block} IN ({blocks}) THEN {column} >> {COUNT_SEGMENT_BITS} ELSE {whole_block} END)"


def _facet_counts_sql(name: str, values_sql: str) -> str:
    """Facet ``name``'s values counted in each unit (``articles.caching.by_segment``), over ``values_sql``.

    ``values_sql`` selects (article_id, value_id) once per article and value among the articles
    ``{articles}`` (the results, or the articles another value would add); ``{article_unit}`` is
    ``_unit_sql`` of ``article_id``. A row per unit (``segment``):
    its values and their counts, as two arrays. Parameter: the values to leave out (those chosen
    already). A unit's counts are all there: which values are shown is decided once the units
    are added up (``LABELLED_SQL``).
    """
    # No value (an article without a source) is no facet value.
    return f"""
        SELECT '{name}', segment, NULL::date, NULL::text, NULL::bigint, array_agg(value_id), array_agg(n)
        FROM (
            SELECT {{article_unit}} AS segment, value_id, count(*) AS n FROM ({values_sql}) AS article_values
            WHERE value_id IS NOT NULL AND value_id <> ALL(%s) GROUP BY 1, 2
        ) AS counted
        GROUP BY segment"""


def _labelled_sql(name: str, value_model) -> str:
    """The ``limit`` most frequent values of facet ``name``, among those counted (arrays of ids and counts).

    Parameters: the ids, their counts and the limit. Ties are ordered by name, then slug; only
    the values counted at least as often as the last one shown are passed: a common word's results
    name thousands of people, a rare word's a handful of the archive's. Rows as ``counts`` reads them:
    (facet, slug, label, month, precision, count, position).
    """
    table, key, slug, label = _quoted(value_model, "id", "slug", "name")
    return f"""
        SELECT '{name}', value.{slug}, value.{label}, NULL::date, NULL::text, counted.n,
               row_number() OVER (ORDER BY counted.n DESC, value.{label}, value.{slug})
        FROM unnest(%s::bigint[], %s::bigint[]) AS counted (value_id, n)
        JOIN {table} AS value ON value.{key} = counted.value_id
        ORDER BY 7 LIMIT %s"""


# Each branch of ``ArticleFilterSet.counts_statement`` gives rows of (facet, unit, month, precision,
# count, value ids, their counts), the unit (``by_segment``'s) named by its first segment: the
# months' counts of a unit (facet MONTHS, a row per month), a facet's values in a unit, or a
# unit's results' ids (RESULT).
MONTHS = "month"
#: The facets whose values are related rows, with their labels, in the order the page shows them.
LINKED_FACETS = (("source", "Source"), ("person", "Person"), ("tag", "Tag"))
#: What the common table expressions of the results select (columns id, source_id, published_on,
#: published_precision): all the facets and the months need from the articles themselves.
COUNTED_FIELDS = ("pk", "source", "published_on", "published_precision")
COUNTED_COLUMNS = "(id, source_id, published_on, published_precision)"
# Grouped as ``articles.timeline.timeline_for`` groups (TruncMonth, precision); undated ones in one
# row. The other branches read it to tell the units with results and how many.
MONTHS_SQL = """months AS MATERIALIZED (
    SELECT {unit} AS segment, date_trunc('month', published_on::timestamp)::date AS month,
           published_precision AS precision, count(*) AS n
    FROM results GROUP BY 1, 2, 3)"""
MONTH_COUNTS_SQL = f"SELECT '{MONTHS}', segment, month, precision, n, NULL::bigint[], NULL::bigint[] FROM months"
RESULT = "result"
# The results' ids of each unit that holds at most LISTED_RESULTS (the parameter) of them.
RESULT_IDS_SQL = f"""
    SELECT '{RESULT}', {{unit}}, NULL::date, NULL::text, NULL::bigint, array_agg(id), NULL::bigint[]
    FROM results WHERE {{unit}} IN (SELECT segment FROM months GROUP BY segment HAVING sum(n) <= %s)
    GROUP BY 2"""
# Each value once per article counted: a person is linked to an article by a mention or as an
# author, each pair counted once (UNION, of the links of the counted articles: a UNION of the whole
# tables would be deduplicated before the planner could narrow it).
FACET_VALUES_SQL = {
    "source": "SELECT id AS article_id, source_id AS value_id FROM {articles} AS articles",
    "person": f"SELECT article_id, value_id FROM ({_links_sql(Article.people.through, 'person')}"
    f" UNION {_links_sql(Article.authors.through, 'person')}) AS links",
    "tag": f"SELECT article_id, value_id FROM ({_links_sql(Article.tags.through, 'tag')}) AS links",
}
FACET_COUNTS_SQL = {name: _facet_counts_sql(name, values_sql) for name, values_sql in FACET_VALUES_SQL.items()}
FACET_MODELS = {"source": Source, "person": Person, "tag": Tag}
#: How many published articles each value of a facet has, as the database keeps it (migrations 0012, 0027).
COVERAGE_MODELS = {"source": SourceCoverage, "person": PersonCoverage, "tag": TagCoverage}
LABELLED_SQL = {name: _labelled_sql(name, model) for name, model in FACET_MODELS.items()}


def _kept_values_sql(name: str) -> str:
    """Facet ``name``'s values over every published article, from the counts the database keeps
    (``COVERAGE_MODELS``): those counted at least as often as the ``%(limit)s``-th most frequent,
    which are all ``_rows`` may show."""
    table, key, articles = _quoted(COVERAGE_MODELS[name], name, "articles")
    shown = f"SELECT {articles} FROM {table} WHERE {articles} > 0 ORDER BY {articles} DESC LIMIT %(limit)s"
    return (
        f"SELECT '{name}', {key}, NULL::date, NULL::text, {articles} FROM {table}"
        f" WHERE {articles} > 0 AND {articles} >= (SELECT min(shown.{articles}) FROM ({shown}) AS shown)"
    )


# ``counts``' months and facet values for the whole archive (``browses_whole_archive``): rows of
# (facet, value id, month, precision, count), read from the counts migrations 0012 and 0027 keep.
ARCHIVE_COUNTS_SQL = " UNION ALL ".join(
    f"({branch})"
    for branch in (
        f"SELECT '{MONTHS}', NULL::bigint, month, precision, articles FROM {_quoted(CoverageMonth)[0]}"
        " WHERE person_id IS NULL AND articles > 0",
        *(_kept_values_sql(name) for name in COVERAGE_MODELS),
    )
)


@dataclass(frozen=True)
class SegmentCounts:
    """One count segment's share of a search's counts (``ArticleFilterSet.counts``), as kept for it."""

    # Its results by month and precision, the month as its first day's ordinal (None: undated):
    # 9,000 dates of a common word's 31 segments took 14 ms to pickle, ordinals a tenth of that.
    months: tuple[tuple[int | None, str | None, int], ...] = ()
    # For each facet, its values' ids and their counts, in two arrays: kept and read back as bytes.
    values: Mapping[str, tuple[array, array]] = field(default_factory=dict)
    ids: tuple[int, ...] | None = ()  # its results' ids; None when more than LISTED_RESULTS


class CountsTotal:
    """Segments' counts added up (``articles.caching.by_segment``): months, each facet's values, the results' ids."""

    def __init__(self) -> None:
        self.months: Counter[tuple] = Counter()
        self.values: dict[str, Counter[int]] = {name: Counter() for name, _ in LINKED_FACETS}
        self.ids: dict[int, tuple[int, ...] | None] = {}

    def add(self, segment: int, counts: SegmentCounts) -> None:
        for month, precision, count in counts.months:
            self.months[month, precision] += count
        for name, (value_ids, value_counts) in counts.values.items():
            self.values[name].update(dict(zip(value_ids, value_counts, strict=True)))
        if counts.months:
            self.ids[segment] = counts.ids

    def remove(self, segment: int, counts: SegmentCounts) -> None:
        """Take out what ``add`` put in for ``segment``: a count that falls to 0 is no value of its facet."""
        for month, precision, count in counts.months:
            _take(self.months, (month, precision), count)
        for name, (value_ids, value_counts) in counts.values.items():
            for value_id, count in zip(value_ids, value_counts, strict=True):
                _take(self.values[name], value_id, count)
        self.ids.pop(segment, None)

    @property
    def total(self) -> int:
        return self.months.total()


def _take(counter: Counter, key, count: int) -> None:
    left = counter[key] - count
    if left:
        counter[key] = left
    else:
        del counter[key]


def _segment_counts(rows: list[tuple]) -> dict[int, SegmentCounts]:
    """``ArticleFilterSet.counts_statement``'s rows, by segment."""
    months: dict[int, list[tuple[int | None, str | None, int]]] = {}
    values: dict[int, dict[str, tuple[array, array]]] = {}
    ids: dict[int, tuple[int, ...]] = {}
    for facet, segment, month, precision, count, value_ids, value_counts in rows:
        if facet == MONTHS:
            months.setdefault(segment, []).append((month and month.toordinal(), precision, count))
        elif facet == RESULT:
            ids[segment] = tuple(value_ids)
        else:
            values.setdefault(segment, {})[facet] = (array("q", value_ids), array("q", value_counts))
    return {
        segment: SegmentCounts(
            months=tuple(months.get(segment, ())), values=values.get(segment, {}), ids=ids.get(segment)
        )
        for segment in months.keys() | values.keys()
    }


def _archive_counts(limit: int) -> CountsTotal:
    """``ArticleFilterSet.counts``' months and facet values of every published article, added up as
    ``by_segment`` adds segments' (``ARCHIVE_COUNTS_SQL``): the values each facet may show only."""
    added = CountsTotal()
    for facet, value_id, month, precision, count in _fetch_all(ARCHIVE_COUNTS_SQL, {"limit": limit}):
        if facet == MONTHS:
            added.months[month and month.toordinal(), precision] += count
        else:
            added.values[facet][value_id] = count
    return added


def _archive_values(name: str) -> Counter:
    """How many published articles each value of facet ``name`` has: every value, from the counts the
    database keeps (``ARCHIVE_COUNTS_SQL`` reads only those the facet may show)."""
    table, key, articles = _quoted(COVERAGE_MODELS[name], name, "articles")
    return Counter(dict(_fetch_all(f"SELECT {key}, {articles} FROM {table} WHERE {articles} > 0", [])))


def _conditions(queryset: QuerySet) -> tuple[str, tuple]:
    """The articles ``queryset`` selects, as SQL: its conditions, not its columns nor its order."""
    return queryset.order_by().values("pk").query.sql_with_params()


def _in_segments(segments: list[int]) -> Q:
    """Articles in ``segments``: a range of ids for each run of consecutive segments."""
    runs: list[list[int]] = []
    for segment in sorted(segments):
        if runs and runs[-1][1] == segment:
            runs[-1][1] = segment + 1
        else:
            runs.append([segment, segment + 1])
    return functools.reduce(
        operator.or_,
        (Q(pk__gte=count_segment_bounds(first)[0], pk__lt=count_segment_bounds(last - 1)[1]) for first, last in runs),
    )


@dataclass(frozen=True)
class ActiveFilter:
    label: str  # "Tag: Russia"
    query_string: str  # "?…": the current query string without it, and no page


class ArticleFilterForm(forms.Form):
    """The FilterSet's form; its checks that span several fields live here."""

    def clean(self):
        cleaned_data = super().clean()
        # An absent source, person or tag cleans to an empty QuerySet, and asking whether it is
        # empty runs it: it compiled ``public()``'s subqueries for nothing, about 5 ms a request.
        for name, value in cleaned_data.items():
            if isinstance(value, QuerySet) and value.query.is_empty():
                cleaned_data[name] = []
        start, end = cleaned_data.get("date_from"), cleaned_data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", f"The end date is before the start date ({start:%Y-%m-%d}).")
        return cleaned_data


def slug_choice_error(kind: str) -> dict[str, str]:
    return {"invalid_choice": f"There is no {kind} “%(value)s”."}


class DateSortedPages:
    """A search's results sorted by date, as the paginator slices them: each slice read only from the
    months that hold it (``months_bound``, from the results' counts by month).

    With few results (``FEW_RESULTS``) the search index finds them all and they are sorted; bounded,
    only the page's months are read, and for a search naming people, only those months' articles of
    the people's (``ArticleSearch._or_linked_with``). On 1,000,000 articles, "Ramon Sanchez", newest
    first, read all its 9,764 results to show 20. Very few results are read whole, unbounded
    (``ArticleSearch.reads_all_for_a_page``).
    """

    def __init__(self, filterset: "ArticleFilterSet", *, total: int, months: list[MonthCountRow]):
        self.filterset, self.total, self.months = filterset, total, months

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, key: slice) -> list:
        stop = self.total if key.stop is None else key.stop
        search, order = self.filterset.article_search, self.filterset.order
        if not search.reads_all_for_a_page(self.total):
            search.page_bound = months_bound(self.months, stop, order)
        try:
            results = self.filterset.filter_queryset(self.filterset.searched).sorted_by(order, few=True)
        finally:
            search.page_bound = None
        return list(results[key.start : stop])


class ArticleFilterSet(django_filters.FilterSet):
    """Published articles filtered, searched and sorted by the parameters in the module docstring.

    The filters only narrow the queryset (subqueries on ids, so no duplicate rows and no
    ``distinct()``); ``sort`` and ``aliases`` shape how the others apply. Always bound: no data
    at all means the whole archive, newest first.
    """

    # The lookup is documentation: the method does the work (web-search syntax, rank, aliases).
    q = django_filters.CharFilter(
        field_name="search_vector",
        lookup_expr="search",
        method="filter_search",
        label="Search words",
        max_length=QUERY_MAX_LENGTH,
    )
    aliases = django_filters.ChoiceFilter(
        choices=[(ALIASES_ON, "include alias matches"), (ALIASES_OFF, "text matches only")],
        empty_label=None,
        method="applied_elsewhere",
        label="Alias matching",
        error_messages={"invalid_choice": "Use aliases=1 (the default) or aliases=0."},
    )
    source = django_filters.ModelMultipleChoiceFilter(
        queryset=Source.objects.public(),
        to_field_name="slug",
        method="filter_source",
        label="Source",
        error_messages=slug_choice_error("source"),
    )
    person = django_filters.ModelMultipleChoiceFilter(
        queryset=Person.objects.public(),
        to_field_name="slug",
        method="filter_person",
        label="Person",
        error_messages=slug_choice_error("person"),
    )
    tag = django_filters.ModelMultipleChoiceFilter(
        queryset=Tag.objects.public(),
        to_field_name="slug",
        method="filter_tag",
        label="Tag",
        error_messages=slug_choice_error("tag"),
    )
    date_from = django_filters.DateFilter(
        field_name="published_on",
        lookup_expr="gte",
        label="Published from",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    date_to = django_filters.DateFilter(
        field_name="published_on",
        lookup_expr="lte",
        label="Published until",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    rating = django_filters.MultipleChoiceFilter(
        choices=ClaimRating.choices,
        method="filter_rating",
        label="Claim rating",
        error_messages={
            "invalid_choice": "There is no rating “%(value)s”; ratings are " + ", ".join(ClaimRating.values) + "."
        },
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES,
        empty_label=None,
        method="applied_elsewhere",
        label="Sort by",
        error_messages={"invalid_choice": "Sort by relevance, newest or oldest."},
    )

    class Meta:
        model = Article
        fields = []  # all declared above
        form = ArticleFilterForm

    def __init__(self, data: Mapping | None = None, queryset: QuerySet | None = None, *, request=None, prefix=None):
        if queryset is None:
            queryset = Article.objects.published()
        super().__init__(as_query_dict(data), queryset, request=request, prefix=prefix)

    def get_form_class(self):
        """The form class, written once per FilterSet class: django-filter writes one for every FilterSet.

        Its fields are the filters' and depend on the class alone (the editors' variant changes
        its filters' querysets, the same way each time). Each form made from it copies the fields,
        querysets included. Writing it took about 0.5 ms a request.
        """
        written = type(self).__dict__.get("_written_form_class")
        if written is None:
            written = super().get_form_class()
            type(self)._written_form_class = written
        return written

    # --- Filtering -------------------------------------------------------------------------------

    #: Whether a search with too few articles having every word adds those with most of them
    #: (flagged ``partial_match``; see ``ArticleSearch``).
    partial_matches = True
    #: Whether every article searched is published (``ArticleSearch.published``), as this class's are.
    searches_published = True
    #: The prepared search (``ArticleSearch``) once ``q`` is applied: its people, headlines and
    #: suggestions reuse what it looked up.
    article_search: ArticleSearch | None = None
    #: Whether the search was told how many results it has (``_count_tell``).
    _count_told = False

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The search ``searched`` prepared, applied to ``queryset`` (the other filters' results)."""
        return queryset.search(self.article_search)

    def applied_elsewhere(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """``aliases`` is read by ``searched`` (``include_aliases``), ``sort`` by ``filter_queryset``."""
        return queryset

    def filter_source(self, queryset: QuerySet, name: str, sources) -> QuerySet:
        return queryset.filter(source__in=[source.pk for source in sources])

    def filter_person(self, queryset: QuerySet, name: str, people) -> QuerySet:
        return queryset.filter(involving_any([person.pk for person in people], one_list=False))

    def filter_tag(self, queryset: QuerySet, name: str, tags) -> QuerySet:
        tagged = Article.tags.through.objects.filter(tag__in=[tag.pk for tag in tags]).values("article_id")
        return queryset.filter(pk__in=tagged)

    def filter_rating(self, queryset: QuerySet, name: str, ratings: list[str]) -> QuerySet:
        return queryset.filter(pk__in=ClaimReport.objects.filter(claim__rating__in=ratings).values("article_id"))

    @cached_property
    def searched(self) -> QuerySet:
        """The FilterSet's queryset, once the search words are prepared (``article_search``).

        The search is prepared once (the people the words name, the ranking statistics) and
        decides once, over the words alone, whether to add partial matches; ``filter_queryset``
        then applies it after the other filters, so the ranking windows (see ``ArticleSearch``)
        are taken among the results themselves. A search limited to one year ranks that year's
        matches, not those of the newest matches of the words that happen to fall in it.
        """
        self.is_valid()  # cleans the form, as django-filter's own ``qs`` does
        if self.query:
            self.article_search = ArticleSearch(
                self.query,
                aliases=self.include_aliases,
                partial=self.partial_matches,
                windowed=self.order == SORT_RELEVANCE,
                published=self.searches_published,
            )
            self.article_search.fallback_decide(self.queryset.all())
        return self.queryset.all()

    @property
    def qs(self) -> QuerySet:
        if not hasattr(self, "_qs"):
            self._qs = self.filter_queryset(self.searched)
        return self._qs

    def results(
        self, total: int | None = None, months: list[MonthCountRow] | None = None, ids: list[int] | None = None
    ) -> QuerySet:
        """``qs``, in the same order, found the way that suits how many results there are.

        Sorted by relevance, the search is told the number (``ArticleSearch.count_known``): all
        of at most RANK_WINDOW results are scored, without finding the window first, and a larger
        window is found whichever way reads less. Sorted by date, at most ``FEW_RESULTS`` are found
        and then sorted (``ArticleQuerySet.sorted_by``). ``total``: their number when counted
        already (``counts``); otherwise, for a date sort, a count that stops past ``FEW_RESULTS``.
        ``months``: their counts by month, as ``counts`` gives them (they tell how far back the
        window reaches). ``ids``: theirs, when ``counts`` listed them: they are then read by id.
        """
        if not self.query:
            return self._few_sorted() if total is not None and total <= FEW_BROWSED else self.qs
        if total is None:
            if self.order == SORT_RELEVANCE:
                return self.qs
            total = self.qs.order_by()[: FEW_RESULTS + 1].count()
        else:
            self._count_tell(total, months, ids)
        if self.order == SORT_RELEVANCE:
            return self.qs
        return self._few_sorted() if total <= FEW_RESULTS else self.qs

    def _few_sorted(self) -> QuerySet:
        """``qs`` sorted by date, when it has few results (FEW_RESULTS, FEW_BROWSED): found, then sorted
        (``sorted_by``'s ``few``), with people as one list of their articles (``involving_any``).

        Apart, PostgreSQL tested the articles against the ids of theirs as it walked the date index:
        browsing the 3 articles of one person at 1,000,000 articles took 1.3 s with its counts cached
        (2.0 s oldest first), and 5.5 s for its first reader; found as one list, 15 ms and 124 ms.
        """
        return self.filter_queryset(self.searched, one_list=True).sorted_by(self.order, few=True)

    def pages(
        self, total: int, months: list[MonthCountRow] | None = None, ids: list[int] | None = None
    ) -> "QuerySet | WindowFirst | DateSortedPages":
        """``results(total, months, ids)``, to be sliced a page at a time (the paginator's object list).

        A relevance-sorted search with every word reads a page from its ranking window or from the
        rest, never from every result at once, and scores the window from the ranking vectors
        (``WindowFirst``; the window holds every result when they are few); sorted by date, a search
        with few results reads only the months that hold the page (``DateSortedPages``), unless
        they are read by id. Only the queryset that is read is written.
        """
        if not self.query:
            return self.results(total)
        self._count_tell(total, months, ids)
        search = self.article_search
        if self.order != SORT_RELEVANCE and months and total <= FEW_RESULTS and search.result_ids is None:
            return DateSortedPages(self, total=total, months=months)
        if not (self.order == SORT_RELEVANCE and search.splits_at_window(total)):
            return self.results(total, months, ids)

        def part_of_the_results(part: str) -> QuerySet:
            search.part = part
            try:
                return self.filter_queryset(self.searched)
            finally:
                search.part = None

        def newest() -> QuerySet:
            return part_of_the_results(PAST_WINDOW).sorted_by(SORT_NEWEST, few=total <= FEW_RESULTS)

        return WindowFirst(
            partial(part_of_the_results, WINDOW),
            newest if search.windowed else None,  # else every result is in the window
            total=total,
            search=search,
            narrowed=self.narrowed(self.searched),
            ranked=self.narrowed(RankingVector.objects.all()),
        )

    def _count_tell(self, total: int, months: list[MonthCountRow] | None, ids: list[int] | None) -> None:
        """Tell the search, once, how many results it has (``ArticleSearch.count_known``).

        ``qs``, if it was written before and the search now writes it otherwise, is written again
        when next asked for; unless ``counts`` had to count, it was not written yet.
        """
        if self._count_told:
            return
        self.searched  # noqa: B018  (prepares the search)
        if self.article_search.count_known(total, months or (), ids, walk_scope=self.walk_scope):
            self.__dict__.pop("_qs", None)
        self._count_told = True

    def filter_queryset(
        self, queryset: QuerySet, *, skip: frozenset[str] = frozenset(), one_list: bool = False
    ) -> QuerySet:
        """Every filter but ``q`` and those in ``skip``, then the search words, then the sort.

        ``queryset`` is ``searched``. The sort breaks ties by id, so pages are stable. ``one_list``:
        see ``narrowed``.
        """
        queryset = self.narrowed(queryset, skip=skip, one_list=one_list)
        if self.query:
            queryset = self.filters["q"].filter(queryset, self.query)
        return queryset.sorted_by(self.order)

    def narrowed(self, queryset: QuerySet, *, skip: frozenset[str] = frozenset(), one_list: bool = False) -> QuerySet:
        """``queryset`` with every filter but ``q`` and those in ``skip``.

        The filters name only fields a ``RankingVector`` has too (its primary key is the
        article's), so they narrow those rows as they do the articles (``pages``).

        ``one_list``: people as one list of their articles (``involving_any``), for results that are all
        read (``counts_statement``) or few (``_few_sorted``), rather than walked in order for a page.
        """
        for name, value in self.form.cleaned_data.items():
            if name != "q" and name not in skip and value:
                if one_list and name == "person":
                    queryset = queryset.filter(involving_any([person.pk for person in value], one_list=True))
                else:
                    queryset = self.filters[name].filter(queryset, value)
        return queryset

    def walk_scope(self) -> int | None:
        """How many articles a walk for the ranking window meets at most, when fewer than the archive.

        Filtered by one source, the walk goes along that source's ranking vectors, newest first
        (their index is by source and date): the source's published articles, counted from that
        index. With several sources, or none, it goes along every article's (None): an index in
        date order for each source's would need merging. Counted once a published state in each
        process (``remembered``): counting the 12,800 of one source took 2.8 ms at 1,000,000 articles.
        """
        sources = self.form.cleaned_data.get("source") or []
        if len(sources) != 1:
            return None
        source = sources[0].pk
        return remembered("walk scope", source, lambda: RankingVector.objects.filter(source=source).count())

    @property
    def query(self) -> str:
        """The search words, or "" when browsing (call ``is_valid()`` first)."""
        return self.form.cleaned_data.get("q") or ""

    @property
    def include_aliases(self) -> bool:
        """Whether the search also finds articles through people's aliases (``aliases`` not 0)."""
        return self.form.cleaned_data.get("aliases") != ALIASES_OFF

    @property
    def order(self) -> str:
        """The order in effect: relevance needs search words; without them, newest first."""
        chosen = self.form.cleaned_data.get(SORT_PARAM)
        if not self.query:
            return SORT_NEWEST if chosen in (None, "", SORT_RELEVANCE) else chosen
        return chosen or SORT_RELEVANCE

    # --- Counts: the total, the facets and the months --------------------------------------------

    def counts(self, limit: int = FACET_LIMIT) -> ResultCounts:
        """How many results there are, their facets and their months, in one statement (and their labels;
        and for each facet with a value chosen, what its other values would add: ``_widening``).

        Searching is the costly part (the GIN index, then the vectors), so the results are found
        once, as a MATERIALIZED common table expression, and every count reads that instead of
        searching again. The total is the sum of the month counts (undated articles included):
        the page's count, its facets and its timeline count the same articles. The statement is
        written around the ORM's own query for the results (``counts_statement``): the ORM has no
        common table expressions.

        Every facet count is the number of results its link leads to. A value of a parameter that
        has no value yet narrows the results, so its count is that of the current results carrying
        it. Values of one parameter are alternatives (any of them), so once a parameter has a
        value, adding another *widens* the results: its count is then the total plus the articles
        the new value brings in (those the other filters allow that are not shown yet: ``_widening``),
        and the facet says so (``Facet.widens``). Years
        set the date range to the intersection of the current range and that year, so they always
        narrow. With no results there are no facets. A search with at most LISTED_RESULTS results
        gets their ids too (``ResultCounts.ids``), so that its pages are read by id (``pages``).

        The counts are made for each unit of count segments (blocks of article ids, ``by_segment``)
        and added up, then the values shown are looked up (``_rows``): after a change to a few
        articles only their units are counted again, and the others' counts come from the cache.
        Measured on 1,000,000 articles: the counts of "well" took 3.5 s anew, 30 to 90 ms after a
        change to a segment of the newest block, 0.4 to 0.9 s to an older block.

        The rows are cached under the parameters they were counted for (``counts_key``), so counts
        found in the cache cost no statement written: the page's is then written once, after the
        search is told the count (``pages``).
        """
        self.searched  # noqa: B018  (prepares the search)
        if self.article_search is not None and self.article_search.is_blank:
            return ResultCounts(total=0, facets=[], months=[])  # it matches nothing: the database is not asked
        rows = cached_value("counts", self.counts_key(limit), partial(self._counted_rows, limit))

        months = [(month, precision, count) for facet, _, _, month, precision, count, _ in rows if facet == MONTHS]
        total = sum(count for _, _, count in months)
        if not total:
            return ResultCounts(total=0, facets=[], months=months)
        values: dict[str, list[tuple[str, str, int]]] = {name: [] for name, _ in LINKED_FACETS}
        for facet, slug, label, _, _, count, _ in sorted((row for row in rows if row[0] in values), key=itemgetter(6)):
            values[facet].append((slug, label, count))
        ids = [row[6] for row in rows if row[0] == RESULT] if self.query and total <= LISTED_RESULTS else None
        facets = [
            self.multi_facet(name, label, values[name], widen_from=total if self.form.cleaned_data.get(name) else None)
            for name, label in LINKED_FACETS
        ]
        return ResultCounts(total=total, facets=[*facets, self.year_facet(months, limit)], months=months, ids=ids)

    def counts_key(self, limit: int, *, skip: frozenset[str] = frozenset()) -> str:
        """What ``counts_statement`` writes its statement from, for the counts' cache key, without writing it.

        That is the FilterSet's kind, the filters' cleaned values (rows by id) but the order, the
        limits (facet values, results listed) and the articles filtered (their conditions, as SQL).
        The order is left out: it changes which results a page shows, never which are counted
        (the statement is the same), so a reader changing it finds the counts cached. The
        search's own decisions (partial matches, the people its words name, the words a prefix
        stands for) follow from the words and the published state, which every key holds
        (``articles.caching``), as it holds the code. Writing the statement took the ORM 2 to 6 ms
        for a name at 100,000 articles; when the counts are cached, the page's statement is then
        the only one written.
        """
        filtered_sql, filtered_params = _conditions(self.queryset)
        values = [
            # A filter skipped is keyed as it is without its parameter: the same counts, under the same key.
            (name, () if name in skip else _keyed(value))
            for name, value in self.form.cleaned_data.items()
            if name != SORT_PARAM
        ]
        listed = LISTED_RESULTS if self.query else None
        return repr(
            (type(self).__qualname__, self.partial_matches, limit, listed, values, filtered_sql, filtered_params)
        )

    def _counted_rows(self, limit: int) -> list[tuple]:
        """``counts``' rows: each segment's counts (``by_segment``: only those changed are counted again), added up,
        and what each other value of a chosen facet would add (``_widening``); for the whole archive, the
        counts the database keeps (``browses_whole_archive``)."""
        if self.browses_whole_archive():
            return self._rows(_archive_counts(limit), limit)
        added = self._segments_counted(limit)
        # Without results there are no facets: nothing another value would add is counted.
        chosen = [name for name, _ in LINKED_FACETS if self.form.cleaned_data.get(name)] if added.total else []
        return self._rows(added, limit, {name: self._widening(name, added, limit) for name in chosen})

    def _segments_counted(
        self,
        limit: int,
        *,
        skip: frozenset[str] = frozenset(),
        facets: tuple[str, ...] | None = None,
        kept_only: bool = False,
    ) -> CountsTotal | None:
        """The months and facets (only ``facets``, if given) of the results of every filter but those in
        ``skip``, counted by segment and added up (``by_segment``); None, with ``kept_only``, when they
        were not counted before."""

        def compute(segments: list[int] | None, split: frozenset[int], others: CountsTotal):
            try:
                statement, params = self.counts_statement(segments, split, skip=skip, facets=facets)
            except EmptyResultSet:  # a filter that matches nothing, known without asking the database
                return {}, True
            return _segment_counts(_fetch_all(statement, params)), True

        material = self.counts_key(limit, skip=skip)
        namespace = "count-segments"
        if facets is not None:
            material, namespace = repr((material, facets)), "facet-segments"
        return by_segment(namespace, material, compute, empty=SegmentCounts(), total=CountsTotal, kept_only=kept_only)

    def _widening(self, name: str, added: CountsTotal, limit: int) -> Counter:
        """How many results each value of facet ``name`` that is not chosen would add to these (``added``).

        That is its count among the results of every filter but ``name`` less its count among these,
        which are some of those. The results of every filter but ``name`` are the page the reader
        most often came from, by the facet's link: their counts, kept by segment under the same key
        (``counts_key``), are then read, not counted again; otherwise only facet ``name`` is counted.
        At 1,000,000 articles, the first reader of the top person of "well" coming from that search
        waited 5.3 s, now 1.9 to 2.1 (the top source's 1.6 s, now 1.0; the top tag's 2.8, now 1.5), and 1.6
        to 1.7 once its own results were counted with the person's articles as one list (``involving_any``).
        When the results without ``name`` are every published article, the archive's kept counts are read.
        """
        skip = frozenset({name})
        if self.browses_whole_archive(skip=skip):
            everywhere = _archive_values(name)
        else:
            counted = self._segments_counted(limit, skip=skip, kept_only=True) or self._segments_counted(
                limit, skip=skip, facets=(name,)
            )
            everywhere = counted.values[name]
        chosen = {value.pk for value in self.form.cleaned_data[name]}
        here = added.values[name]
        return Counter(
            {
                value: count - here[value]
                for value, count in everywhere.items()
                if value not in chosen and count > here[value]
            }
        )

    def browses_whole_archive(self, *, skip: frozenset[str] = frozenset()) -> bool:
        """Whether the results (of every filter but those in ``skip``) are every published article: no
        search words, no filter, and the published articles filtered (not the editors' every status).

        Their months, and how many of them each source, person and tag has, are then the counts the
        database keeps as articles change (migrations 0012 and 0027): read in a few milliseconds,
        where counting them took 5 s at 1,000,000 articles for the first reader (``counts``). So are
        the counts another value would add to one chosen alone (``_widening``): browsing one person's
        articles at 1,000,000 articles, the first reader waited 1.3 to 1.6 s more for them, counted.
        """
        if self.query or not self.searches_published:
            return False
        return _conditions(self.narrowed(self.queryset, skip=skip)) == _conditions(Article.objects.published())

    def counts_statement(
        self,
        segments: list[int] | None = None,
        split: frozenset[int] = frozenset(),
        *,
        skip: frozenset[str] = frozenset(),
        facets: tuple[str, ...] | None = None,
    ) -> tuple[str, list]:
        """``counts``' statement and its parameters, for the articles of ``segments`` (None: all).

        Its rows are as ``_segment_counts`` reads them, a unit each: a segment in the blocks
        ``split``, a whole block in the others (``_unit_sql``). Of the results of every filter but
        those in ``skip``: their values of each facet (of ``facets`` only, if given) but those chosen;
        without ``facets``, their months too, and their ids when they are few.
        """
        within = None if segments is None else _in_segments(segments)
        search = self.article_search if within is not None else None
        if search is None:
            queryset = self.filter_queryset(self.searched, skip=skip, one_list=True)
        else:
            # Inside each part of a search naming people too, not only outside: there the text
            # part of "Ramon Sanchez" read its 9,924 matches at 1,000,000 articles for the 5 of
            # one segment (49 ms of the statement's 54).
            search.ids_bound = within
            try:
                queryset = self.filter_queryset(self.searched, skip=skip, one_list=True)
            finally:
                search.ids_bound = None
        if within is not None:
            queryset = queryset.filter(within)
        sql, params = queryset.order_by().values(*COUNTED_FIELDS).query.sql_with_params()
        expressions = [f"results {COUNTED_COLUMNS} AS MATERIALIZED ({sql})"]
        branches, branch_params = [], []
        if facets is None:
            expressions.append(MONTHS_SQL.format(unit=_unit_sql("id", split)))
            branches.append(MONTH_COUNTS_SQL)
        for name, _ in LINKED_FACETS:
            if facets is None or name in facets:
                branches.append(
                    FACET_COUNTS_SQL[name].format(articles="results", article_unit=_unit_sql("article_id", split))
                )
                chosen = [] if name in skip else self.form.cleaned_data.get(name) or []
                branch_params.append([obj.pk for obj in chosen])
        if self.query and facets is None:
            branches.append(RESULT_IDS_SQL.format(unit=_unit_sql("id", split)))
            branch_params.append(LISTED_RESULTS)
        statement = f"WITH {', '.join(expressions)} " + " UNION ALL ".join(f"({branch})" for branch in branches)
        return statement, [*params, *branch_params]

    def _rows(self, added: CountsTotal, limit: int, widening: Mapping[str, Counter] | None = None) -> list[tuple]:
        """The segments' counts added up, as rows of (facet, slug, label, month, precision, count, position):
        the months' (facet MONTHS), the ``limit`` most frequent values of each facet (of a chosen facet,
        those that add the most: ``widening``), and the results' ids (facet RESULT, in the last column)
        when a search has at most LISTED_RESULTS."""
        rows: list[tuple] = [
            (MONTHS, None, None, day and datetime.date.fromordinal(day), precision, n, None)
            for (day, precision), n in added.months.items()
        ]
        total = added.total
        if not total:
            return rows
        branches, params = [], []
        for name, counted in {**added.values, **(widening or {})}.items():
            shown = heapq.nlargest(limit, counted.values())
            if shown:
                candidates = [(value_id, n) for value_id, n in counted.items() if n >= shown[-1]]
                branches.append(LABELLED_SQL[name])
                params += [[value_id for value_id, _ in candidates], [n for _, n in candidates], limit]
        if branches:
            rows += _fetch_all(" UNION ALL ".join(f"({branch})" for branch in branches), params)
        if self.query and total <= LISTED_RESULTS:  # then no segment has more: each listed its own
            rows += [
                (RESULT, None, None, None, None, None, article_id) for ids in added.ids.values() for article_id in ids
            ]
        return rows

    def facets(self, limit: int = FACET_LIMIT) -> list[Facet]:
        """Source, person, tag and year counts of the current results (``counts`` tells how)."""
        return self.counts(limit).facets

    def year_facet(self, months: list[MonthCountRow], limit: int) -> Facet:
        """Years of the results (``months``, counted by ``counts``), most frequent first, then latest."""
        by_year: dict[int, int] = {}
        for month, _, count in months:
            if month is not None:
                by_year[month.year] = by_year.get(month.year, 0) + count
        start, end = self.form.cleaned_data.get("date_from"), self.form.cleaned_data.get("date_to")
        values = []
        for year, count in sorted(by_year.items(), key=lambda item: (-item[1], -item[0]))[:limit]:
            year_start, year_end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
            narrowed = (max(start or year_start, year_start), min(end or year_end, year_end))
            if narrowed == (start, end):
                continue  # the range lies within this year already: the link would change nothing
            query_string = self.query_string_with(date_from=narrowed[0].isoformat(), date_to=narrowed[1].isoformat())
            values.append(FacetValue(str(year), count, query_string))
        return Facet("year", "Year", values)

    def multi_facet(self, name: str, label: str, values, *, widen_from: int | None) -> Facet:
        return Facet(
            name,
            label,
            [
                FacetValue(value_label, count + (widen_from or 0), self.query_string_adding(name, slug))
                for slug, value_label, count in values
            ],
            widens=widen_from is not None,
        )

    # --- Active filters and links ----------------------------------------------------------------

    def active_filters(self) -> list[ActiveFilter]:
        """Each filter value in effect (but the search words), with the query string that drops it."""
        data = self.form.cleaned_data
        active = [
            ActiveFilter(f"{label}: {obj.name}", self.query_string_removing_value(name, obj.slug))
            for name, label in (("source", "Source"), ("person", "Person"), ("tag", "Tag"))
            for obj in data.get(name) or []
        ]
        active += [
            ActiveFilter(f"Claim rated: {label}", self.query_string_removing_value("rating", rating))
            for rating, label in ClaimRating.choices
            if rating in (data.get("rating") or [])
        ]
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
            active.append(ActiveFilter(f"Year: {start.year}", self.query_string_removing("date_from", "date_to")))
        else:
            if start:
                active.append(ActiveFilter(f"From {long_date(start)}", self.query_string_removing("date_from")))
            if end:
                active.append(ActiveFilter(f"Until {long_date(end)}", self.query_string_removing("date_to")))
        if self.query and not self.include_aliases:
            active.append(ActiveFilter("Text matches only", self.query_string_removing("aliases")))
        return active

    def query_string_adding(self, name: str, value: str) -> str:
        """The query string with one more value of ``name`` (and no page)."""
        pairs, pair = self._encoded_params.get(name, []), urlencode({name: value})
        return self._query_string({name: pairs if pair in pairs else [*pairs, pair]})

    def query_string_removing_value(self, name: str, value: str) -> str:
        """The query string without this one value of ``name`` (and no page)."""
        pair = urlencode({name: value})
        return self._query_string({name: [kept for kept in self._encoded_params.get(name, []) if kept != pair]})

    def query_string_removing(self, *names: str) -> str:
        """The query string without parameters ``names`` (and no page)."""
        return self._query_string({name: [] for name in names})

    def query_string_with(self, **values: str) -> str:
        """The query string with these parameters set to these single values (and no page)."""
        return self._query_string({name: [urlencode({name: value})] for name, value in values.items()})

    @cached_property
    def _encoded_params(self) -> dict[str, list[str]]:
        """The parameters but the page, each value as ``name=value`` encoded as ``QueryDict.urlencode`` writes it.

        Encoded once: a search page writes some 40 query strings, each changing one parameter, and
        copying and encoding all of them for each took 2 ms of the page.
        """
        return {
            name: [urlencode({name: value}) for value in values]
            for name, values in self.data.lists()
            if name != PAGE_PARAM
        }

    def _query_string(self, changed: dict[str, list[str]]) -> str:
        """``?`` and the encoded parameters, those in ``changed`` with these values instead (new ones last)."""
        params = {**self._encoded_params, **changed}
        return "?" + "&".join(pair for pairs in params.values() for pair in pairs)


def search_counts_keep(params: QueryDict) -> ResultCounts:
    """The counts of the search ``params`` asks for, counted as its page counts them and so kept for
    its readers (``manage.py keep_search_counts``): by segment, in one snapshot, under the page's key.

    A search whose counts were kept before is brought up to date at the cost of what changed since
    (``by_segment``), and its kept counts are then kept as long again. Raises ``ValueError``, saying
    which parameter and why, for parameters the page would answer 400 to (a source since removed).
    """
    filterset = ArticleFilterSet(params, queryset=Article.objects.published())
    if not filterset.is_valid():
        raise ValueError("; ".join(f"{name}: {' '.join(messages)}" for name, messages in filterset.errors.items()))
    with search_transaction():
        return filterset.counts()


class EditorArticleFilterSet(ArticleFilterSet):
    """``ArticleFilterSet`` over every article, drafts and retracted ones too, for the editors' tools.

    The same parameters mean the same as on the public pages, plus ``status`` (repeatable, any of
    them; none means every status), except that a search finds only articles with every word:
    tagging a whole search must not reach articles that merely share some of its words. The
    admin's "Tag a whole search" uses it.
    """

    partial_matches = False
    searches_published = False

    status = django_filters.MultipleChoiceFilter(
        choices=ArticleStatus.choices,
        method="filter_status",
        label="Status",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "There is no status “%(value)s”; statuses are " + ", ".join(ArticleStatus.values) + "."
        },
    )

    def __init__(self, data: Mapping | None = None, queryset: QuerySet | None = None, *, request=None, prefix=None):
        if queryset is None:
            queryset = Article.objects.all()
        super().__init__(data, queryset, request=request, prefix=prefix)
        # Any source, person or tag, not only those readers may see: drafts name some of their own.
        for name, model in (("source", Source), ("person", Person), ("tag", Tag)):
            self.filters[name].queryset = model.objects.all()

    def filter_status(self, queryset: QuerySet, name: str, statuses: list[str]) -> QuerySet:
        return queryset.filter(status__in=statuses)

    def active_filters(self) -> list[ActiveFilter]:
        chosen = self.form.cleaned_data.get("status") or []
        return [
            *super().active_filters(),
            *(
                ActiveFilter(f"Status: {label}", self.query_string_removing_value("status", status))
                for status, label in ArticleStatus.choices
                if status in chosen
            ),
        ]


def _keyed(value):
    """A cleaned filter value as ``counts_key`` writes it: rows (a source, people…) by their ids."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | QuerySet):
        return tuple(_keyed(item) for item in value)
    return value


def as_query_dict(data: Mapping | None) -> QueryDict:
    """``data`` as a QueryDict: a plain dict's list values become repeated parameters."""
    if isinstance(data, QueryDict):
        return data
    return QueryDict(urlencode(data or {}, doseq=True))


def long_date(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"
