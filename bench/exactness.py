"""Whether the search page's results are those of the exact computation, query by query.

The performance issue asks for results "identical (same top 20, same counts, or a documented
bounded difference) to the exact computation", so that speed does not come from dropping results
silently. The page scores with BM25 only the RANK_WINDOW newest matches of the words (and the
matches among each word's champions, ``RankingChampion``), and when it falls back to partial
matches only the PARTIAL_RANK_WINDOW newest of those (plus the newest of each combination of words,
and the few with more of the words); older matches follow by date with rank 0
(``articles/search.py``). The exact computation is the same search with both windows as large as
the archive, so every match is scored. For each query of the bench's mix this compares:

- relevance: the page's first 20 (its JSON twin, the page's own view) with the exact first 20:
  identical (same order), overlap@20, the same set; where the page's 20 sit in the exact order;
  the exact score of the page's last result beside that of the exact one in its place;
- newest first: the page's first 20 with the exact matches sorted by date then id, in Python
  (``ORDER BY published_on DESC NULLS LAST, id DESC``);
- the count, with the number of exact matches;
- the facets (the page's, against counts made in Python from the exact matches' links) and the
  timeline (``timeline_for`` of the page's results, against a count of the exact matches' dates).

Counts, facets, the timeline and the newest order do not depend on the windows: they must be
equal for every query. The relevance order may differ only where a window applies, that is when
the results (the window is taken among them, after the other filters) are more than it holds.
That is the documented difference; how large it is, is what this measures.

Called by ``bench/search.py`` with Django set up on the bench database. The comparisons and the
summary are pure functions (tests/test_bench.py).
"""

from __future__ import annotations

import contextlib
import datetime
import time
import unittest.mock
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from bench.search import BenchQuery

# The search page's first page (articles.views.search.RESULTS_PER_PAGE): what a reader sees first.
TOP = 20
API_PREFIX = "/api/search/"
FACET_PARAMS = ("source", "person", "tag")
# Differences kept per query in the results (the first ones): enough to see what went wrong.
DIFFERENCES_KEPT = 5


class Match(NamedTuple):
    """One result of the exact computation, in its relevance order."""

    pk: int
    rank: float
    published_on: datetime.date | None
    precision: str


# --- Comparisons (pure) ------------------------------------------------------------------------------


def order_compared(page: Sequence[int], exact: Sequence[int], *, top: int = TOP) -> dict:
    """The page's first ``top`` ids against the exact order of every match (``exact``).

    ``overlap`` is the share of the exact first ``top`` the page shows too (1.0 when both are
    empty); ``positions`` are where the page's ids sit in the exact order (from 1; None for an id
    the exact computation does not find at all).
    """
    shown, wanted = list(page[:top]), list(exact[:top])
    where = {pk: position for position, pk in enumerate(exact, start=1)}
    positions = [where.get(pk) for pk in shown]
    return {
        "identical_top": shown == wanted,
        "same_set": set(shown) == set(wanted),
        "overlap": round(len(set(shown) & set(wanted)) / len(wanted), 4) if wanted else 1.0,
        "positions": positions,
        "worst_position": max(positions) if positions and None not in positions else None,
        "unknown_ids": [pk for pk, position in zip(shown, positions, strict=True) if position is None],
    }


def newest_first(matches: Iterable[Match]) -> list[int]:
    """The ids of ``matches`` newest first, undated last, ties by id descending (the page's newest order)."""
    ordered = sorted(
        matches,
        key=lambda match: (match.published_on is not None, match.published_on or datetime.date.min, match.pk),
        reverse=True,
    )
    return [match.pk for match in ordered]


def value_counts(
    values_of: Mapping[int, Iterable[str]], articles: Iterable[int], *, excluded: Iterable[str] = ()
) -> Counter:
    """How many of ``articles`` carry each value (a source, person or tag slug), each article once per value."""
    left_out = set(excluded)
    return Counter(value for article in articles for value in set(values_of.get(article, ())) if value not in left_out)


def year_counts(matches: Iterable[Match], date_from: str | None, date_to: str | None) -> Counter:
    """Matches per year of publication; a year the date range already lies within offers no link, so none."""
    counts = Counter(str(match.published_on.year) for match in matches if match.published_on is not None)
    if date_from and date_to and date_from[:4] == date_to[:4]:
        counts.pop(date_from[:4], None)
    return counts


def facets_compared(page: Sequence[dict], exact: Mapping[str, Counter], *, limit: int) -> list[str]:
    """The differences between the page's facets (the API's) and ``exact`` counts by facet name.

    A facet shows the ``limit`` most frequent values; values tied at the cut may come in any
    order, so the page is right when every value it shows has its exact count and its counts are
    the ``limit`` highest exact ones.
    """
    shown = {facet["name"]: [(value["value"], value["count"]) for value in facet["values"]] for facet in page}
    differences = []
    for name in sorted(set(shown) | set(exact)):
        counts = exact.get(name, Counter())
        values = shown.get(name, [])
        expected = sorted(counts.values(), reverse=True)[:limit]
        if [count for _, count in values] != expected:
            differences.append(f"{name}: counts {[count for _, count in values]}, exact {expected}")
        differences += [
            f"{name} {value}: {count}, exact {counts.get(value, 0)}"
            for value, count in values
            if counts.get(value, 0) != count
        ]
    return differences


def timeline_counts(matches: Iterable[Match], *, year_precision: str) -> dict:
    """Matches by month ("YYYY-MM"), by year for those dated only to the year, and undated ones."""
    months, years, undated = Counter(), Counter(), 0
    for match in matches:
        if match.published_on is None:
            undated += 1
        elif match.precision == year_precision:
            years[str(match.published_on.year)] += 1
        else:
            months[f"{match.published_on:%Y-%m}"] += 1
    return {"months": dict(sorted(months.items())), "year_only": dict(sorted(years.items())), "undated": undated}


def timeline_figures(timeline) -> dict:
    """An ``articles.timeline.Timeline`` in ``timeline_counts``' terms (months without articles left out)."""
    return {
        "months": {f"{month.month:%Y-%m}": month.count for month in timeline.months if month.count},
        "year_only": {str(year.year): year.count for year in timeline.year_only},
        "undated": timeline.undated,
    }


def exactness_summary(queries: Sequence[dict]) -> dict:
    """The per-query comparisons in figures: how many are as exact, and how far the others are."""
    if not queries:
        raise ValueError("no queries")

    def how_many(key: str) -> int:
        return sum(1 for query in queries if query[key])

    def checked(key: str) -> list[dict]:
        return [query for query in queries if query.get(key) is not None]

    windowed = [query for query in queries if query["window_applied"]]
    differing = [query for query in queries if not query["identical_top"]]
    positions = [query["worst_position"] for query in differing if query["worst_position"] is not None]
    return {
        "queries": len(queries),
        "identical_top": how_many("identical_top"),
        "same_set": how_many("same_set"),
        "mean_overlap": round(sum(query["overlap"] for query in queries) / len(queries), 4),
        "counts_equal": how_many("count_equal"),
        "newest_identical": how_many("newest_identical"),
        "facets_checked": len(checked("facets_equal")),
        "facets_equal": sum(1 for query in checked("facets_equal") if query["facets_equal"]),
        "timelines_checked": len(checked("timeline_equal")),
        "timelines_equal": sum(1 for query in checked("timeline_equal") if query["timeline_equal"]),
        "windowed": len(windowed),
        "windowed_identical": sum(1 for query in windowed if query["identical_top"]),
        # A relevance order that differs where no window applies is no documented difference: a bug.
        "unexplained": [query["label"] for query in differing if not query["window_applied"]],
        "differing_min_overlap": min((query["overlap"] for query in differing), default=None),
        # How deep in the exact order the page reaches for its first page, over the queries that differ.
        "differing_worst_position": max(positions, default=None),
        # First pages with no scored result: in date order only (a filter leaves only matches beyond the window).
        "unscored_pages": [query["label"] for query in queries if query.get("page_scored") == 0 and query["matches"]],
    }


# --- Measuring (Django set up on the bench database) ----------------------------------------------------


@contextlib.contextmanager
def as_the_page():
    """A transaction with sequential scans discouraged, as the search page runs (``prefer_index_scans``)."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        yield


@contextlib.contextmanager
def exact_windows():
    """Both ranking windows as large as the archive: every match is scored (the exact computation).

    ``ArticleSearch.apply`` reads the windows when it builds its query, so build it inside.
    """
    from articles import search
    from articles.models import Article

    everything = max(Article.objects.count(), 1)
    with (
        unittest.mock.patch.object(search, "RANK_WINDOW", everything),
        unittest.mock.patch.object(search, "PARTIAL_RANK_WINDOW", everything),
    ):
        yield


def filterset(params: Iterable[tuple[str, str]], order: str = "relevance"):
    """The page's FilterSet for ``params`` in ``order``, valid (an invalid query of the mix is an error)."""
    from urllib.parse import urlencode

    from django.http import QueryDict

    from articles.filters import ArticleFilterSet

    filters = ArticleFilterSet(QueryDict(urlencode([*params, ("sort", order)])))
    if not filters.is_valid():
        raise ValueError(f"invalid query {params}: {filters.errors}")
    return filters


def exact_matches(params: Sequence[tuple[str, str]]) -> tuple[list[Match], bool]:
    """Every match of ``params`` in the exact relevance order, and whether the search fell back to partial matches."""
    with as_the_page(), exact_windows():
        filters = filterset(params)
        rows = filters.qs.values_list("pk", "rank", "published_on", "published_precision")
        matches = [Match(*row) for row in rows]
        fell_back = filters.article_search is not None and filters.article_search.fallback is not None
    return matches, fell_back


def page_answer(client, query: BenchQuery, order: str) -> dict:
    """The search page's JSON twin for ``query`` in ``order``: its first page, count and facets."""
    response = client.get(query.path(order, prefix=API_PREFIX))
    if response.status_code != 200:
        raise RuntimeError(f"{query.path(order, prefix=API_PREFIX)} answered {response.status_code}")
    return response.json()


def article_values(ids: Sequence[int]) -> dict[str, dict[int, set[str]]]:
    """The source, people (mentioned or authors) and tags of articles ``ids``, by slug: three plain queries."""
    from django.db import connection

    from articles.models import Article, Person, Source, Tag

    quote = connection.ops.quote_name

    def links(through, field: str) -> str:
        meta = through._meta
        return (
            f"SELECT {quote(meta.get_field('article').column)} AS article_id, "
            f"{quote(meta.get_field(field).column)} AS value_id FROM {quote(meta.db_table)}"
        )

    statements = {
        "source": f"SELECT {quote(Article._meta.pk.column)} AS article_id, "
        f"{quote(Article._meta.get_field('source').column)} AS value_id FROM {quote(Article._meta.db_table)}",
        "person": links(Article.people.through, "person") + " UNION ALL " + links(Article.authors.through, "person"),
        "tag": links(Article.tags.through, "tag"),
    }
    tables = {"source": Source, "person": Person, "tag": Tag}
    values: dict[str, dict[int, set[str]]] = {}
    with connection.cursor() as cursor:
        for name, links_sql in statements.items():
            cursor.execute(
                f"SELECT links.article_id, value.slug FROM ({links_sql}) AS links "
                f"JOIN {quote(tables[name]._meta.db_table)} AS value ON value.id = links.value_id "
                "WHERE links.article_id = ANY(%s)",
                [list(ids)],
            )
            found: dict[int, set[str]] = {}
            for article_id, slug in cursor.fetchall():
                found.setdefault(article_id, set()).add(slug)
            values[name] = found
    return values


def exact_facets(params: Sequence[tuple[str, str]], matches: Sequence[Match]) -> dict[str, Counter]:
    """The facets' counts of the exact matches, counted in Python from the links.

    With no value of a parameter chosen, its values are counted over the results; once one is
    chosen, another widens the results, so its count is the results' count plus the articles the
    value would add (those matching every other parameter, not shown yet).
    """
    total, shown = len(matches), {match.pk for match in matches}
    chosen = {name: [value for key, value in params if key == name] for name in FACET_PARAMS}
    bases = {}
    for name in FACET_PARAMS:
        if chosen[name]:
            with as_the_page():
                bases[name] = set(filterset([p for p in params if p[0] != name]).qs.values_list("pk", flat=True))
    values = article_values(sorted(shown.union(*bases.values())))
    counts = {}
    for name in FACET_PARAMS:
        if chosen[name]:
            added = value_counts(values[name], bases[name] - shown, excluded=chosen[name])
            counts[name] = Counter({value: count + total for value, count in added.items()})
        else:
            counts[name] = value_counts(values[name], shown)
    given = dict(params)
    counts["year"] = year_counts(matches, given.get("date_from"), given.get("date_to"))
    return counts


def query_exactness(client, query: BenchQuery) -> dict:
    """One query of the mix: the page against the exact computation (see the module docstring)."""
    from articles import search
    from articles.filters import FACET_LIMIT
    from articles.models import DatePrecision
    from articles.timeline import timeline_for

    params = list(query.params)
    started = time.monotonic()
    matches, fell_back = exact_matches(params)
    exact_seconds = time.monotonic() - started
    exact_order = [match.pk for match in matches]
    relevance, newest = page_answer(client, query, "relevance"), page_answer(client, query, "newest")
    page_ids = [result["id"] for result in relevance["results"]]
    with as_the_page():
        page = filterset(params)
        page_ranks = list(page.qs.values_list("pk", "rank")[:TOP])
        timeline = timeline_figures(timeline_for(page.qs))
    window = search.PARTIAL_RANK_WINDOW if fell_back else search.RANK_WINDOW
    compared = order_compared(page_ids, exact_order)
    scores = {match.pk: match.rank for match in matches}
    last = min(len(page_ids), len(exact_order))
    facet_differences = facets_compared(relevance["facets"], exact_facets(params, matches), limit=FACET_LIMIT)
    return {
        "kind": query.kind,
        "label": query.label,
        "params": dict(params),
        "matches": len(matches),
        "page_count": relevance["count"],
        "count_equal": relevance["count"] == len(matches) == newest["count"],
        "fallback": fell_back,
        "window": window,
        "window_applied": len(matches) > window,
        "page_top": page_ids,
        "exact_top": exact_order[:TOP],
        **compared,
        # Exact scores: of the page's last result, and of the exact computation's result in that place.
        "page_last_score": scores.get(page_ids[last - 1]) if last else None,
        "exact_last_score": matches[last - 1].rank if last else None,
        # How many of the page's results were scored (rank > 0), when the FilterSet shows the API's page.
        "page_scored": sum(1 for _, rank in page_ranks if rank > 0)
        if [pk for pk, _ in page_ranks] == page_ids
        else None,
        "newest_identical": [result["id"] for result in newest["results"]] == newest_first(matches)[:TOP],
        "facets_equal": not facet_differences,
        "facet_differences": facet_differences[:DIFFERENCES_KEPT],
        "timeline_equal": timeline == timeline_counts(matches, year_precision=DatePrecision.YEAR),
        "exact_seconds": round(exact_seconds, 2),
    }


def exactness_measure(client, mix: Sequence[BenchQuery]) -> dict:
    """Every query of ``mix`` against the exact computation, with the summary."""
    from articles import search

    started = time.monotonic()
    queries = [query_exactness(client, query) for query in mix]
    return {
        "windows": {
            "rank": search.RANK_WINDOW,
            "partial": search.PARTIAL_RANK_WINDOW,
            "champions": search.RANKING_CHAMPIONS_PER_LEXEME,
        },
        "top": TOP,
        "queries": queries,
        "summary": exactness_summary(queries),
        "seconds": round(time.monotonic() - started, 1),
    }
