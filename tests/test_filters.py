"""ArticleFilterSet on its own: each parameter, their combinations, errors, facets and links."""

import datetime
import unittest.mock
from collections import Counter
from dataclasses import replace

import pytest
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from articles.filters import FACET_LIMIT, ArticleFilterSet, DateSortedPages, EditorArticleFilterSet
from articles.models import Article, ArticleStatus, ClaimRating, Person, RankingChampion, Source, Tag
from articles.search import SORT_CHOICES, ArticleSearch, WindowFirst
from articles.services import (
    ranking_champions_refresh,
    recent_ranking_index_refresh,
    vocabulary_refresh,
)
from articles.timeline import timeline_for, timeline_from_counts
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    ClaimReportFactory,
    PersonAliasFactory,
    PersonFactory,
    SourceFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

DAY = "day"
SORTS = [value for value, _ in SORT_CHOICES]


def valid(params: dict | str) -> ArticleFilterSet:
    filterset = ArticleFilterSet(QueryDict(params) if isinstance(params, str) else params)
    assert filterset.is_valid(), filterset.errors
    return filterset


def results(params: dict | str) -> list:
    return list(valid(params).qs)


def dated(day: datetime.date, **kwargs):
    return ArticleFactory(published_on=day, published_precision=DAY, **kwargs)


def followed(query_string: str) -> list:
    """The results of a link the FilterSet wrote ("?…")."""
    return results(query_string.removeprefix("?"))


# --- No parameters, and the search words ---------------------------------------------------------


def test_no_parameters_lists_every_published_article_newest_first_undated_last():
    undated = ArticleFactory()
    old = dated(datetime.date(2020, 5, 1))
    new = dated(datetime.date(2024, 5, 1))
    ArticleFactory(status=ArticleStatus.DRAFT)
    ArticleFactory(status=ArticleStatus.RETRACTED)
    assert results({}) == [new, old, undated]
    assert list(ArticleFilterSet(None).qs) == [new, old, undated]


def test_q_searches_and_ranks_best_first():
    in_body = ArticleFactory(title="Other", body="Conscription offices burned.")
    in_title = ArticleFactory(title="Conscription offices", body="Nothing else.")
    ArticleFactory(title="Unrelated", body="Weather report.")
    ArticleFactory(title="Conscription draft", status=ArticleStatus.DRAFT)
    filterset = valid({"q": "conscription"})
    assert list(filterset.qs) == [in_title, in_body]
    assert filterset.order == "relevance"


def test_q_takes_web_search_syntax():
    both = ArticleFactory(body="Migrants in Moscow were detained.")
    moscow = ArticleFactory(body="Moscow in winter.")
    assert results({"q": '"migrants in moscow"'}) == [both]
    assert results({"q": "moscow -migrants"}) == [moscow]


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_q_browses_instead_of_finding_nothing(blank):
    article = ArticleFactory()
    filterset = valid({"q": blank})
    assert filterset.query == ""
    assert list(filterset.qs) == [article]


@pytest.mark.parametrize(("value", "through_alias"), [(None, True), ("1", True), ("0", False)])
def test_aliases_switches_alias_matching(value, through_alias):
    person = PersonFactory(name="Valentina Chupik")
    PersonAliasFactory(person=person, name="Valentina Cupik")
    spelled_so = ArticleFactory(body="Valentina Cupik spoke.")
    linked_only = ArticleFactory(body="Ms Chupik spoke.")
    linked_only.people.add(person)
    found = results({"q": "Cupik"} | ({"aliases": value} if value else {}))
    assert found == ([spelled_so, linked_only] if through_alias else [spelled_so])


def test_aliases_off_leaves_out_articles_found_only_through_a_name():
    person = PersonFactory(name="Valentina Chupik")
    person.aliases.create(name="Valentina Cupik")
    by_text = ArticleFactory(body="Valentina Cupik said so.")
    by_link = ArticleFactory(body="A migrant rights defender said so.")
    by_link.people.add(person)
    assert set(results({"q": "Cupik"})) == {by_text, by_link}
    assert results({"q": "Cupik", "aliases": "0"}) == [by_text]


# --- Sources, people, tags: any of the values, all of the parameters ----------------------------


def test_source_any_of_several():
    newsweek, cnn, bbc = SourceFactory(slug="newsweek"), SourceFactory(slug="cnn"), SourceFactory(slug="bbc")
    in_newsweek, in_cnn = ArticleFactory(source=newsweek), ArticleFactory(source=cnn)
    ArticleFactory(source=bbc)
    ArticleFactory()
    assert results({"source": "newsweek"}) == [in_newsweek]
    assert set(results({"source": ["newsweek", "cnn"]})) == {in_newsweek, in_cnn}


def test_person_matches_articles_mentioning_or_written_by_them():
    putin, slisco = PersonFactory(slug="putin"), PersonFactory(slug="slisco")
    mentions = ArticleFactory()
    mentions.people.add(putin)
    wrote = ArticleFactory()
    wrote.authors.add(putin)
    by_slisco = ArticleFactory()
    by_slisco.authors.add(slisco)
    ArticleFactory().people.add(PersonFactory())
    assert set(results({"person": "putin"})) == {mentions, wrote}
    assert set(results({"person": ["putin", "slisco"]})) == {mentions, wrote, by_slisco}


def test_tag_any_of_several_and_all_parameters_together():
    russia, moscow = TagFactory(slug="russia"), TagFactory(slug="moscow")
    newsweek = SourceFactory(slug="newsweek")
    putin = PersonFactory(slug="putin")
    tagged_russia = ArticleFactory(source=newsweek)
    tagged_russia.tags.add(russia)
    tagged_moscow = ArticleFactory()
    tagged_moscow.tags.add(moscow)
    tagged_moscow.people.add(putin)
    everything = ArticleFactory(source=newsweek)
    everything.tags.add(russia, moscow)
    everything.authors.add(putin)

    assert set(results({"tag": ["russia", "moscow"]})) == {tagged_russia, tagged_moscow, everything}
    assert set(results({"tag": ["russia", "moscow"], "source": "newsweek"})) == {tagged_russia, everything}
    assert set(results({"tag": ["russia", "moscow"], "person": "putin"})) == {tagged_moscow, everything}
    assert results({"tag": "russia", "source": "newsweek", "person": "putin"}) == [everything]


def test_filters_combine_with_the_search_words():
    russia = TagFactory(slug="russia")
    tagged_match = ArticleFactory(body="Conscription in Russia.")
    tagged_match.tags.add(russia)
    ArticleFactory(body="Conscription elsewhere.")
    ArticleFactory(body="Russia, no draft.").tags.add(russia)
    assert results({"q": "conscription", "tag": "russia"}) == [tagged_match]


def test_no_duplicate_rows_when_an_article_matches_a_filter_several_ways():
    russia, moscow = TagFactory(slug="russia"), TagFactory(slug="moscow")
    putin, slisco = PersonFactory(slug="putin"), PersonFactory(slug="slisco")
    article = ArticleFactory(body="Conscription news.")
    article.tags.add(russia, moscow)
    article.people.add(putin, slisco)
    article.authors.add(putin, slisco)
    for claim_number in range(2):
        ClaimReportFactory(article=article, claim=ClaimFactory(rating=ClaimRating.FALSE), paragraph=claim_number + 1)
    params = {"tag": ["russia", "moscow"], "person": ["putin", "slisco"], "rating": "false"}
    for with_query in ({}, {"q": "conscription"}):
        filterset = valid(params | with_query)
        assert list(filterset.qs) == [article]
        assert filterset.qs.count() == 1
        assert "DISTINCT" not in str(filterset.qs.query)


# --- Dates and ratings ---------------------------------------------------------------------------


def test_date_bounds_are_inclusive():
    before = dated(datetime.date(2022, 9, 30))
    first = dated(datetime.date(2022, 10, 1))
    last = dated(datetime.date(2022, 10, 31))
    after = dated(datetime.date(2022, 11, 1))
    ArticleFactory()  # undated: outside every range
    assert results({"date_from": "2022-10-01", "date_to": "2022-10-31"}) == [last, first]
    assert results({"date_from": "2022-10-31"}) == [after, last]
    assert results({"date_to": "2022-10-01"}) == [first, before]
    assert results({"date_from": "2022-10-01", "date_to": "2022-10-01"}) == [first]


def test_rating_finds_articles_reporting_a_claim_so_rated():
    false_claim, disputed_claim = ClaimFactory(rating=ClaimRating.FALSE), ClaimFactory(rating=ClaimRating.DISPUTED)
    reports_false = ClaimReportFactory(claim=false_claim).article
    reports_disputed = ClaimReportFactory(claim=disputed_claim).article
    ClaimReportFactory(claim=ClaimFactory(rating=ClaimRating.SUPPORTED))
    ArticleFactory()
    assert results({"rating": "false"}) == [reports_false]
    assert set(results({"rating": ["false", "disputed"]})) == {reports_false, reports_disputed}


# --- Sort ----------------------------------------------------------------------------------------


def test_sort_newest_and_oldest_with_or_without_words():
    old = dated(datetime.date(2020, 1, 1), body="Mobilisation report.")
    new = dated(datetime.date(2023, 1, 1), title="Mobilisation", body="Mobilisation and mobilisation.")
    undated = ArticleFactory(body="Mobilisation undated.")
    assert results({"sort": "oldest"}) == [old, new, undated]
    assert results({"sort": "newest"}) == [new, old, undated]
    assert results({"q": "mobilisation", "sort": "oldest"}) == [old, new, undated]
    assert results({"q": "mobilisation", "sort": "newest"}) == [new, old, undated]


def test_relevance_without_words_falls_back_to_newest():
    old, new = dated(datetime.date(2020, 1, 1)), dated(datetime.date(2023, 1, 1))
    filterset = valid({"sort": "relevance"})
    assert filterset.order == "newest"
    assert list(filterset.qs) == [new, old]


def test_ties_are_broken_by_id_so_pages_are_stable():
    day = datetime.date(2023, 3, 3)
    same_day = [dated(day, body=f"Identical words {n}.") for n in range(5)]
    by_id_descending = sorted(same_day, key=lambda article: -article.pk)
    assert results({}) == by_id_descending
    assert results({"sort": "oldest"}) == sorted(same_day, key=lambda article: article.pk)
    assert results({"q": "identical words"}) == by_id_descending


def mixed_dates_matching(word: str) -> list:
    """Articles with ``word``, some on the same day and one undated, so every tie-break counts."""
    days = [datetime.date(2021, 5, 1), datetime.date(2023, 2, 2), datetime.date(2021, 5, 1), datetime.date(2019, 9, 9)]
    articles = [dated(day, body=f"The {word} report number {n}. " + f"{word} " * n) for n, day in enumerate(days)]
    articles.append(ArticleFactory(body=f"An undated {word} note."))
    dated(datetime.date(2022, 1, 1), body="Nothing to do with it.")
    vocabulary_refresh()  # the word statistics: the archive's size decides how the window is found
    return articles


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_few_results_sorted_by_date_are_sorted_alike_without_the_date_index(sort):
    mixed_dates_matching("conscription")
    filterset = valid({"q": "conscription", "sort": sort})
    few = filterset.results(filterset.counts().total)
    assert "+ 0)" in str(few.query)  # sorted on an expression no index is in the order of
    assert list(few) == list(filterset.qs) == list(valid({"q": "conscription", "sort": sort}).results())
    assert len(list(few)) == 5


def test_many_results_sorted_by_date_are_left_to_the_planner(monkeypatch):
    mixed_dates_matching("conscription")
    monkeypatch.setattr("articles.filters.FEW_RESULTS", 4)
    filterset = valid({"q": "conscription", "sort": "newest"})
    assert "+ 0)" not in str(filterset.results(5).query)
    assert "+ 0)" not in str(filterset.results().query)  # counted past FEW_RESULTS
    assert "+ 0)" in str(filterset.results(4).query)


def people_phrasing(sql: str) -> str:
    """How a statement names the people it filters by (``involving_any``): as one list of their articles, or apart."""
    mentioned = '"articles_article_people" U0 WHERE U0."person_id" IN (%s))'
    return "one list" if f"{mentioned} UNION" in sql else "apart" if f"{mentioned} OR" in sql else "neither"


@pytest.mark.usefixtures("small_archive")
@pytest.mark.parametrize("sort", ["newest", "oldest"])
@pytest.mark.parametrize(
    "params", [{"person": "putin"}, {"person": "putin", "tag": "moscow"}, {"q": "draft", "person": "putin"}], ids=repr
)
def test_few_results_sorted_by_date_name_people_as_one_list_and_many_apart(params, sort, monkeypatch):
    filterset = valid({**params, "sort": sort})
    total = filterset.counts().total
    few = filterset.results(total)
    assert "+ 0)" in str(few.query)  # found, then sorted
    assert people_phrasing(few.query.sql_with_params()[0]) == "one list"
    assert list(few) == list(valid({**params, "sort": sort}).qs)
    if "q" not in params:  # a search's few results sorted by date are read by month (``DateSortedPages``)
        assert list(valid({**params, "sort": sort}).pages(total)) == list(few)
    monkeypatch.setattr("articles.filters.FEW_RESULTS", total - 1)  # with search words
    monkeypatch.setattr("articles.filters.FEW_BROWSED", total - 1)  # without
    many = valid({**params, "sort": sort}).results(total)
    assert "+ 0)" not in str(many.query)
    assert people_phrasing(many.query.sql_with_params()[0]) == "apart"
    assert list(many) == list(few)


def test_fewer_results_than_the_ranking_window_are_all_scored_in_the_same_order(monkeypatch):
    mixed_dates_matching("conscription")
    windowed = list(valid({"q": "conscription"}).qs)
    filterset = valid({"q": "conscription"})
    every_one_scored = list(filterset.results(filterset.counts().total))
    assert not filterset.article_search.windowed
    assert every_one_scored == windowed
    assert [article.rank for article in every_one_scored] == [article.rank for article in windowed]
    assert len({article.rank for article in windowed}) > 1


@pytest.mark.usefixtures("small_archive")
@pytest.mark.parametrize(
    "params",
    [
        {"q": "draft"},
        {"q": '"draft offices"'},
        {"q": "draft -moscow"},
        {"q": "dra*"},
        {"q": "draft tractor"},  # partial matches
        {"q": "Chupik"},  # a person's name
        {"q": "draft", "tag": "russia", "person": "putin"},
    ],
)
def test_the_counts_statement_is_the_same_in_every_order(params):
    # Which is why the counts' cache key leaves the order out (``counts_key``).
    statements = {repr(valid({**params, "sort": sort}).counts_statement()) for sort in SORTS}
    assert len(statements) == 1
    assert len({valid({**params, "sort": sort}).counts_key(FACET_LIMIT) for sort in SORTS}) == 1


class AppliedSearches:
    """Counts the querysets a search is applied to (``ArticleSearch.apply``: the costly part of writing one)."""

    def __init__(self, monkeypatch):
        self.count = 0
        apply = ArticleSearch.apply

        def counted(search, queryset):
            self.count += 1
            return apply(search, queryset)

        monkeypatch.setattr(ArticleSearch, "apply", counted)


@pytest.mark.parametrize(
    ("params", "window", "listed", "pages_kind", "written"),
    [
        pytest.param({"q": "conscription"}, None, None, QuerySet, 1, id="read by id"),
        pytest.param({"q": "conscription", "sort": "newest"}, None, None, QuerySet, 1, id="newest, read by id"),
        pytest.param(
            {"q": "conscription tractor", "sort": "newest"}, None, None, QuerySet, 1, id="partial, read by id"
        ),
        pytest.param({"q": "conscription tractor", "sort": "newest"}, None, 4, DateSortedPages, 1, id="page's months"),
        pytest.param({"q": "conscription"}, 3, 2, WindowFirst, 1, id="the window, then the rest"),
    ],
)
def test_a_page_with_its_counts_cached_writes_only_the_search_it_reads(
    monkeypatch, params, window, listed, pages_kind, written
):
    mixed_dates_matching("conscription")
    if window:
        monkeypatch.setattr("articles.search.RANK_WINDOW", window)
    if listed:
        monkeypatch.setattr("articles.filters.LISTED_RESULTS", listed)
    expected = list(valid(params).qs)
    valid(params).counts()  # cached
    filterset = valid(params)
    applied = AppliedSearches(monkeypatch)
    counts = filterset.counts()
    assert applied.count == 0
    pages = filterset.pages(counts.total, counts.months, counts.ids)
    assert isinstance(pages, pages_kind)
    assert list(pages[0:20]) == expected
    assert applied.count == written


def page_conditions(pages) -> str:
    """What follows the columns (the last is ``partial_match``) of the SQL that reads the first page of
    ``pages`` (a queryset or what ``pages()`` gives): its conditions and order."""
    with CaptureQueriesContext(connection) as captured:
        list(pages[0:20])
    (statement,) = [query["sql"] for query in captured if "articles_article" in query["sql"]]
    return statement.split(' AS "partial_match" FROM ', 1)[1]


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_few_results_come_with_their_counts_and_their_pages_are_read_by_id(sort):
    mixed_dates_matching("cupik")
    person = PersonFactory(name="Valentina Chupik")
    PersonAliasFactory(person=person, name="Valentina Cupik")
    through_alias = dated(datetime.date(2022, 2, 2), body="Ms Chupik said migrants were threatened.")
    through_alias.people.add(person)
    params = {"q": "Cupik", "sort": sort}
    searched = list(valid(params).qs)
    filterset = valid(params)
    counts = filterset.counts()
    assert sorted(counts.ids) == sorted(article.pk for article in searched)
    pages = filterset.pages(counts.total, counts.months, counts.ids)
    assert filterset.article_search.result_ids == counts.ids
    assert not isinstance(pages, DateSortedPages)
    page = list(pages[0:20])
    assert page == searched and len(page) == 6
    assert [(hit.rank, hit.alias_match, hit.partial_match) for hit in page] == [
        (hit.rank, hit.alias_match, hit.partial_match) for hit in searched
    ]
    assert [hit.alias_match for hit in page].count(True) == 1
    # By id: the articles' words are not matched against the query again to find them.
    conditions = page_conditions(filterset.pages(counts.total, counts.months, counts.ids))
    assert "= ANY(" in conditions and "@@" not in conditions
    assert "@@" in page_conditions(valid(params).pages(counts.total, counts.months))


def test_more_results_than_are_listed_and_partial_matches_are_searched_for(monkeypatch):
    mixed_dates_matching("conscription")
    monkeypatch.setattr("articles.filters.LISTED_RESULTS", 4)
    filterset = valid({"q": "conscription"})
    counts = filterset.counts()
    assert (counts.total, counts.ids) == (5, None)
    monkeypatch.setattr("articles.filters.LISTED_RESULTS", 5)
    assert len(valid({"q": "conscription"}).counts().ids) == 5


@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_partial_matches_the_counts_listed_are_read_by_id_and_scored_as_before(sort):
    """Too few articles have both words: those with one of them are added, listed with the counts."""
    mixed_dates_matching("conscription")
    both = dated(datetime.date(2020, 3, 3), body="Conscription and a tractor.")
    vocabulary_refresh()
    params = {"q": "conscription tractor", "sort": sort}
    searched = list(valid(params).qs)
    filterset = valid(params)
    counts = filterset.counts()
    assert filterset.article_search.fallback is not None and len(counts.ids) == 6
    pages = filterset.pages(counts.total, counts.months, counts.ids)
    assert filterset.article_search.result_ids == counts.ids
    page = list(pages[0:20])
    assert page == searched
    assert [(hit.rank, hit.partial_match) for hit in page] == [(hit.rank, hit.partial_match) for hit in searched]
    assert [hit for hit in page if not hit.partial_match] == [both]
    conditions = page_conditions(filterset.pages(counts.total, counts.months, counts.ids))
    assert "= ANY(" in conditions and "@@" not in conditions


def test_a_ranking_window_found_by_sorting_is_the_one_found_by_walking_the_date_index(monkeypatch):
    mixed_dates_matching("conscription")
    monkeypatch.setattr("articles.search.RANK_WINDOW", 3)
    walked = valid({"q": "conscription"})
    walked_page = list(walked.qs)
    assert walked.article_search.windowed and not walked.article_search.window_sorted
    filterset = valid({"q": "conscription"})
    sorted_page = list(filterset.results(filterset.counts().total))
    assert filterset.article_search.windowed and filterset.article_search.window_sorted
    assert sorted_page == walked_page
    assert [article.rank for article in sorted_page] == [article.rank for article in walked_page]
    assert sum(article.rank > 0 for article in sorted_page) == 3  # the three newest

    monkeypatch.setattr("articles.search.WINDOW_WALK_TEST_COST", 0)  # walking would cost nothing
    filterset = valid({"q": "conscription"})
    assert list(filterset.results(5)) == walked_page
    assert not filterset.article_search.window_sorted


@pytest.mark.parametrize("walked", [False, True])
def test_a_full_window_pages_through_the_window_then_the_rest_in_the_one_querysets_order(monkeypatch, walked):
    articles = mixed_dates_matching("conscription")
    monkeypatch.setattr("articles.search.RANK_WINDOW", 3)
    one_queryset = list(valid({"q": "conscription"}).qs)
    if walked:
        monkeypatch.setattr("articles.search.WINDOW_WALK_TEST_COST", 0)  # walking would cost nothing
    filterset = valid({"q": "conscription"})
    pages = filterset.pages(filterset.counts().total)
    assert isinstance(pages, WindowFirst)
    assert filterset.article_search.window_sorted is not walked
    for start, stop in [(0, 5), (0, 2), (2, 4), (3, 5), (4, 5), (1, 20)]:
        page = pages[start:stop]
        assert page == one_queryset[start:stop]
        assert [hit.rank for hit in page] == [hit.rank for hit in one_queryset[start:stop]]
    assert [hit.rank > 0 for hit in pages[0:5]] == [True, True, True, False, False]
    assert len(one_queryset) == len(articles)


def window_statements(params: dict) -> list[str]:
    """The statements a page of the first two results of ``params`` executes up to the window's, included
    (without the cache, where an earlier page of the same search left the window's rows)."""
    filterset = valid(params)
    counts = filterset.counts()
    pages = filterset.pages(counts.total, counts.months)
    with CaptureQueriesContext(connection) as captured, override_settings(ARCHIVE_CACHE_SECONDS=0):
        pages[0:2]
    statements = [query["sql"] for query in captured]
    window = next(n for n, sql in enumerate(statements) if sql.startswith("SELECT scored.article_id"))
    return statements[: window + 1]


def window_statement(params: dict) -> str:
    """The statement that finds a page of the first two results of ``params`` in the window."""
    return window_statements(params)[-1]


WINDOW_LISTED_END = (
    " OFFSET 0) AS listed ORDER BY listed.published_on DESC NULLS LAST, listed.article_id DESC LIMIT 3) AS scored"
)


def test_a_sorted_window_is_listed_from_the_ranking_vectors_and_scored_before_its_newest_are_kept(monkeypatch):
    """Through their own GIN index: no article is read for it, and rows are sorted without their vectors."""
    mixed_dates_matching("conscription")
    dated(datetime.date(2021, 5, 20), body="Conscription again, later that month.")  # the window's last month
    monkeypatch.setattr("articles.search.RANK_WINDOW", 3)
    statements = window_statements({"q": "conscription"})
    assert len(statements) == 1  # listed, not walked: no setting changed for it
    scoring, listed = statements[0].split(" AS alias_match FROM (", 1)
    listed, kept = listed.split(") AS ranked", 1)
    assert scoring.startswith("SELECT scored.article_id, count(*)")
    assert "ts_rank_cd('{1.0,1.0,1.0,1.0}'::float4[], ranked.vector" in scoring
    assert listed.startswith('SELECT "articles_ranking_vector"."article_id" AS "article_id",')
    assert '"articles_ranking_vector"."vector" @@' in listed
    assert '"articles_ranking_vector"."published_on" >= \'2021-05-01\'::date' in listed  # the months reached
    assert "articles_article" not in listed and "ORDER BY" not in listed and "LIMIT" not in listed
    assert kept.startswith(WINDOW_LISTED_END)


def test_a_sorted_window_may_test_its_floor_on_each_row_listed_rather_than_through_the_date_index(monkeypatch):
    """With few rows listed for many articles since the floor (WINDOW_FLOOR_ROW_TEST_SHARE)."""
    mixed_dates_matching("conscription")
    dated(datetime.date(2021, 5, 20), body="Conscription again, later that month.")  # the window's last month
    monkeypatch.setattr("articles.search.RANK_WINDOW", 3)
    monkeypatch.setattr("articles.search.WINDOW_FLOOR_ROW_TEST_SHARE", 100)
    listed = window_statement({"q": "conscription"}).split(" AS alias_match FROM (", 1)[1]
    listed, kept = listed.split(") AS ranked", 1)
    inner, outer = listed.split(" OFFSET 0) AS matched ", 1)
    assert inner.startswith('SELECT * FROM (SELECT "articles_ranking_vector"."article_id" AS "article_id",')
    assert '"articles_ranking_vector"."vector" @@' in inner and "published_on" not in inner.split(" WHERE ", 1)[1]
    assert outer == "WHERE matched.published_on >= '2021-05-01'::date"
    assert kept.startswith(WINDOW_LISTED_END)


def test_whether_the_floor_is_tested_on_rows_weighs_the_rows_listed_against_the_articles_walked(monkeypatch):
    """listed * results / (RANK_WINDOW * articles walked): a word in every article of four, all results."""
    for day in (datetime.date(2020, 1, 1), datetime.date(2021, 1, 1), datetime.date(2022, 1, 1)):
        dated(day, body=f"Conscription, again in {day.year}.")
    dated(datetime.date(2023, 1, 1), body="Mobilisation, again.")
    vocabulary_refresh()
    monkeypatch.setattr("articles.search.RANK_WINDOW", 2)
    walk_scopes = []

    def decided(share: float) -> bool:
        monkeypatch.setattr("articles.search.WINDOW_FLOOR_ROW_TEST_SHARE", share)
        search = ArticleSearch("conscription", published=True)
        search.fallback_decide(Article.objects.published())
        search.count_known(3, [(datetime.date(2022, 1, 1), "day", 3)], walk_scope=lambda: walk_scopes.append(1))
        assert search.window_sorted
        return search.floor_tested_on_rows

    share = 3 * 3 / (2 * 4)
    assert decided(share + 0.01) and not decided(share)
    assert len(walk_scopes) == 2  # asked once a search


def eight_months_of(word: str, monkeypatch) -> None:
    """A word in each of eight articles, a month apart in two runs; the recent vectors' index holds
    the newest 40% of them (3.2): the fourth newest's month, 2022-05, on."""
    for day in [datetime.date(2021, month, 9) for month in (1, 2, 3, 4)] + [
        datetime.date(2022, month, 9) for month in (5, 6, 7, 8)
    ]:
        dated(day, body=f"The {word} of {day:%B %Y}.")
    vocabulary_refresh()
    monkeypatch.setattr("articles.services.RECENT_RANKING_MIN_ARTICLES", 1)
    monkeypatch.setattr("articles.services.RECENT_RANKING_SHARE", 0.4)


def test_a_window_within_the_recent_vectors_months_is_sorted_from_their_index_where_it_was_walked(monkeypatch):
    """Listed from the recent index, the rarest word's rows are those of its months alone (4 of 8):
    4 * results <= RANK_WINDOW * articles * 3, where 8 * results was more (``_listed_and_walked``)."""
    eight_months_of("conscription", monkeypatch)
    monkeypatch.setattr("articles.search.RANK_WINDOW", 2)  # the two newest: the floor is 2022-07-01
    walked = valid({"q": "conscription"})
    counts = walked.counts()
    walked_page = list(walked.results(counts.total, counts.months))
    assert walked.article_search.windowed and not walked.article_search.window_sorted
    assert recent_ranking_index_refresh() == datetime.date(2022, 5, 1)
    filterset = valid({"q": "conscription"})
    counts = filterset.counts()
    pages = filterset.pages(counts.total, counts.months)
    search = filterset.article_search
    assert search.window_sorted and search.recent_since == datetime.date(2022, 5, 1)
    assert search.window_floor == datetime.date(2022, 7, 1)
    assert hits_as_ranked(pages[0:20]) == hits_as_ranked(walked_page) == hits_as_ranked(filterset.qs)
    assert [hit.rank > 0 for hit in walked_page] == [True, True] + [False] * 6

    monkeypatch.setattr("articles.search.RANK_WINDOW", 6)  # reaching back to 2021-03: not from that index
    filterset = valid({"q": "conscription"})
    counts = filterset.counts()
    filterset.pages(counts.total, counts.months)
    assert filterset.article_search.window_floor == datetime.date(2021, 3, 1)
    assert filterset.article_search.recent_since is None
    assert "2022-05-01" not in window_statement({"q": "conscription"})


def test_a_window_whose_floor_is_tested_on_each_row_listed_lists_them_within_the_recent_vectors_months(monkeypatch):
    """PostgreSQL uses the recent index for a statement meeting its condition: the rows of its months,
    listed and kept apart, then the floor tested on each."""
    eight_months_of("conscription", monkeypatch)
    monkeypatch.setattr("articles.search.RANK_WINDOW", 2)
    monkeypatch.setattr("articles.search.WINDOW_FLOOR_ROW_TEST_SHARE", 100)
    recent_ranking_index_refresh()
    listed = window_statement({"q": "conscription"}).split(" AS alias_match FROM (", 1)[1]
    inner, outer = listed.split(") AS ranked", 1)[0].split(" OFFSET 0) AS matched ", 1)
    assert '"articles_ranking_vector"."vector" @@' in inner
    assert '"articles_ranking_vector"."published_on" >= \'2022-05-01\'::date' in inner  # the index's months
    assert outer == "WHERE matched.published_on >= '2022-07-01'::date"  # the window's


def champions_and_newest(monkeypatch) -> dict[str, list]:
    """Eight articles with "conscription": the four newest use it once each in a long text, the four
    older two to five times in a short one; the two that use it most are its champions, listed (two
    per lexeme, for lexemes in more than two articles); the window's newest are three."""
    word = "conscription"
    filler = "Officials said more about the matter later in the week. " * 12
    newest = [dated(datetime.date(2024, month, 1), body=f"A {word} note, {month}. {filler}") for month in (1, 2, 3, 4)]
    older = [
        dated(datetime.date(2015 + n, 6, 1), body=f"The {word} file. " + f"{word} " * (uses - 1))
        for n, uses in enumerate((2, 5, 3, 4))
    ]
    vocabulary_refresh()
    monkeypatch.setattr("articles.search.RANK_WINDOW", 3)
    monkeypatch.setattr("articles.services.RANKING_CHAMPION_MIN_ARTICLES", 2)
    monkeypatch.setattr("articles.services.RANKING_CHAMPIONS_PER_LEXEME", 2)
    refreshed = ranking_champions_refresh()
    champions = set(RankingChampion.objects.filter(lexeme="conscript").values_list("article_id", flat=True))
    assert champions == {older[1].pk, older[3].pk} and refreshed.champions == 2 * refreshed.lexemes
    return {"newest": newest, "older": older, "champions": [older[1], older[3]]}


def exact(params: dict) -> list:
    """The exact computation of ``params``' results: every match scored (a window as large as the archive)."""
    with unittest.mock.patch("articles.search.RANK_WINDOW", Article.objects.count()):
        return list(valid(params).qs)


@pytest.mark.parametrize("walked", [False, True])
def test_a_window_scores_the_words_champions_besides_its_newest_and_pages_as_the_one_queryset(
    monkeypatch, settings, walked
):
    """Its order: the champions and the three newest, best first (here the champions lead: the
    exact computation's first two), then the others newest first, champions left out of those."""
    settings.ARCHIVE_CACHE_SECONDS = 0  # each page scores the window (the cache has its own tests)
    articles = champions_and_newest(monkeypatch)
    if walked:
        monkeypatch.setattr("articles.search.WINDOW_WALK_TEST_COST", 0)  # walking would cost nothing
    one_queryset = list(valid({"q": "conscription"}).qs)
    filterset = valid({"q": "conscription"})
    pages = filterset.pages(filterset.counts().total)
    assert isinstance(pages, WindowFirst) and pages.with_champions
    assert filterset.article_search.window_sorted is not walked
    for start, stop in [(0, 20), (0, 2), (2, 5), (4, 6), (5, 8), (6, 7), (7, 20)]:
        assert hits_as_ranked(pages[start:stop]) == hits_as_ranked(one_queryset[start:stop]), (start, stop)
    assert pages.window_in_text == 5 and pages.champions_in_window == 2
    past_the_window = valid({"q": "conscription"})
    pages = past_the_window.pages(past_the_window.counts().total)
    with CaptureQueriesContext(connection) as captured:
        assert hits_as_ranked(pages[6:8]) == hits_as_ranked(one_queryset[6:8])
    assert sum(query["sql"].startswith("SELECT scored.article_id") for query in captured) == 1  # counted, once
    newest, older = articles["newest"], articles["older"]
    assert one_queryset[:2] == articles["champions"] == exact({"q": "conscription"})[:2]
    assert one_queryset[2:5] == [newest[3], newest[2], newest[1]]  # the newest three, equally scored
    assert one_queryset[5:] == [newest[0], older[2], older[0]]  # unscored, newest first
    assert [hit.rank > 0 for hit in one_queryset] == [True] * 5 + [False] * 3


def test_a_window_without_champions_listed_is_the_newest_alone(monkeypatch):
    """Before any refresh (or for a word none are listed for) the window's statement is as it was."""
    mixed_dates_matching("conscription")
    monkeypatch.setattr("articles.search.RANK_WINDOW", 3)
    filterset = valid({"q": "conscription"})
    pages = filterset.pages(filterset.counts().total)
    assert not pages.with_champions
    assert "WITH newest" not in window_statement({"q": "conscription"})


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"q": "conscription -strike"}, id="a champion excluded"),
        pytest.param({"q": "conscription", "source": "the-ledger"}, id="a champion in another source"),
    ],
)
def test_a_window_scores_only_the_champions_that_are_results(monkeypatch, params):
    articles = champions_and_newest(monkeypatch)
    first, second = articles["champions"]
    Article.objects.filter(pk=first.pk).update(body=first.body + " A strike.")
    ledger = SourceFactory(name="The Ledger", slug="the-ledger")
    Article.objects.exclude(pk=first.pk).update(source=ledger)
    one_queryset = list(valid(params).qs)
    assert first not in one_queryset and second in one_queryset
    filterset = valid(params)
    pages = filterset.pages(filterset.counts().total)
    assert pages.with_champions
    for start, stop in [(0, 20), (0, 3), (3, 5), (4, 7)]:
        assert hits_as_ranked(pages[start:stop]) == hits_as_ranked(one_queryset[start:stop]), (start, stop)
    assert pages.champions_in_window == 1 and one_queryset[0] == second


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"date_from": "2016-01-01"}, id="a date range"),
        pytest.param({"tag": "the-draft"}, id="a tag"),
        pytest.param({"person": "ana-ivanova"}, id="a person"),
    ],
)
def test_a_window_with_champions_within_other_filters_pages_as_the_one_queryset(monkeypatch, params):
    """The window's newest and its champions are taken among the articles the filters leave."""
    articles = champions_and_newest(monkeypatch)
    tag, person = TagFactory(name="The draft", slug="the-draft"), PersonFactory(name="Ana Ivanova", slug="ana-ivanova")
    for article in [*articles["newest"], articles["older"][0], articles["champions"][1]]:
        article.tags.add(tag)
        article.people.add(person)
    params = {"q": "conscription", **params}
    one_queryset = list(valid(params).qs)
    filterset = valid(params)
    pages = filterset.pages(filterset.counts().total)
    assert pages.with_champions and len(one_queryset) in (6, 7)
    for start, stop in [(0, 20), (0, 2), (1, 4), (3, 6), (4, 20)]:
        assert hits_as_ranked(pages[start:stop]) == hits_as_ranked(one_queryset[start:stop]), (start, stop)
    assert one_queryset[0] == articles["champions"][1 if "date_from" not in params else 0]


def test_champions_no_longer_published_are_passed_over(monkeypatch):
    articles = champions_and_newest(monkeypatch)
    retracted = articles["champions"][0]
    retracted.status, retracted.retraction_note = ArticleStatus.RETRACTED, "Wrong."
    retracted.save()
    one_queryset = list(valid({"q": "conscription"}).qs)
    filterset = valid({"q": "conscription"})
    pages = filterset.pages(filterset.counts().total)
    assert retracted not in one_queryset and len(one_queryset) == 7
    assert hits_as_ranked(pages[0:20]) == hits_as_ranked(one_queryset)
    assert pages.champions_in_window == 1


def test_a_sorted_window_of_a_search_naming_someone_lists_the_texts_matches_and_the_linked_rows_apart(monkeypatch):
    """A link is enough for a match: the rows linked to the people named, without the words, are added
    to the rows the GIN index lists, and no article is read for the window."""
    mixed_dates_matching("conscription")
    smith = PersonFactory(name="Conscription Smith")
    dated(datetime.date(2024, 1, 1), body="Smith said so.").people.add(smith)
    vocabulary_refresh()
    monkeypatch.setattr("articles.search.RANK_WINDOW", 3)
    statement = window_statement({"q": "conscription"})
    scoring, listed = statement.split(" AS alias_match FROM (", 1)
    listed, kept = listed.split(") AS ranked", 1)
    by_text, linked = listed.split(") UNION ALL (", 1)
    assert "ts_rank_cd('{1.0,1.0,1.0,1.0}'::float4[], ranked.vector" in scoring
    assert by_text.startswith('(SELECT "articles_ranking_vector"."article_id" AS "article_id",')
    assert '"articles_ranking_vector"."vector" @@' in by_text and "articles_article_people" not in by_text
    assert '"articles_article_people"' in linked and '"articles_article_authors"' in linked
    assert 'NOT ("articles_ranking_vector"."vector" @@' in linked  # the text's matches are listed already
    assert '"articles_ranking_vector"."published_on" >= \'2021-05-01\'::date' in by_text  # the months reached
    assert '"articles_ranking_vector"."published_on" >= \'2021-05-01\'::date' in linked
    assert '"articles_article"' not in listed and "ts_rank_cd" not in listed
    assert kept.startswith(WINDOW_LISTED_END)


def test_a_sorted_window_naming_someone_for_some_of_the_words_is_found_among_the_articles_then_scored(monkeypatch):
    """A link then counts for the words naming that person only: each linked article's other words
    are tested on the article (``ArticleSearch._or_linked_with``), and the window's rows read by id."""
    mixed_dates_matching("conscription")
    smith = PersonFactory(name="Conscription Smith")
    dated(datetime.date(2024, 1, 1), body="Smith filed a report.").people.add(smith)
    vocabulary_refresh()
    monkeypatch.setattr("articles.search.RANK_WINDOW", 3)
    monkeypatch.setattr("articles.search.PARTIAL_THRESHOLD", 1)  # every word, never some of them
    statement = window_statement({"q": "conscription report"})
    scoring, rest = statement.split(" FROM articles_ranking_vector AS ranked WHERE ranked.article_id = ANY (ARRAY(", 1)
    window = rest.rsplit(")) OFFSET 0) AS scored ORDER BY ", 1)[0]
    assert "ts_rank_cd('{1.0,1.0,1.0,1.0}'::float4[], ranked.vector" in scoring
    assert "ts_rank_cd" not in window  # found before it is scored
    assert window.startswith('SELECT "articles_article"."id" AS "pk" FROM "articles_article"')
    assert '"search_vector" @@' in window and '"articles_article_people"' in window


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"q": "conscription"}, id="a link enough"),
        pytest.param({"q": "conscription -draft"}, id="a link enough, but for the exclusion"),
        pytest.param({"q": "conscription", "source": "the-ledger"}, id="a link enough, within one source"),
        pytest.param({"q": "conscription report"}, id="a link for some of the words"),
    ],
)
def test_a_sorted_window_naming_someone_pages_as_the_one_queryset(monkeypatch, params):
    ledger = SourceFactory(name="The Ledger", slug="the-ledger")
    for n, day in enumerate([datetime.date(2019, 9, 9), datetime.date(2021, 5, 1), datetime.date(2023, 2, 2)]):
        dated(day, body=f"The conscription report number {n}. " + "conscription " * n, source=ledger)
        dated(day, body=f"A conscription report elsewhere, number {n}.")
    smith = PersonFactory(name="Conscription Smith")
    linked = [
        dated(datetime.date(2024, 1, 1), body="Smith filed a report.", source=ledger),
        dated(datetime.date(2023, 9, 1), body="Smith on the draft report."),  # excluded by "-draft"
        dated(datetime.date(2023, 6, 1), body="Conscription Smith, in the report.", source=ledger),  # and by its text
        dated(datetime.date(2010, 1, 1), body="Smith, years ago."),  # past the window
    ]
    for article in linked:
        article.people.add(smith)
    vocabulary_refresh()
    monkeypatch.setattr("articles.search.RANK_WINDOW", 4)  # each linked article but the oldest, in each case
    monkeypatch.setattr("articles.search.PARTIAL_THRESHOLD", 1)  # every word, never some of them
    one_queryset = list(valid(params).qs)
    filterset = valid(params)
    pages = filterset.pages(filterset.counts().total)
    assert isinstance(pages, WindowFirst) and filterset.article_search.people
    assert filterset.article_search.windowed and filterset.article_search.window_sorted
    assert any(hit.alias_match for hit in one_queryset) and any(hit.rank > 0 for hit in one_queryset)
    for start, stop in [(0, 20), (0, 2), (2, 5), (4, 9)]:
        assert hits_as_ranked(pages[start:stop]) == hits_as_ranked(one_queryset[start:stop]), (start, stop)


@pytest.mark.parametrize("walked", [False, True])
def test_a_windows_first_rows_are_scored_once_in_a_published_state(monkeypatch, walked):
    """Then read from the cache by the next page and the next reader; scored again after a change, and for
    a page past them."""
    mixed_dates_matching("conscription")
    monkeypatch.setattr("articles.search.RANK_WINDOW", 3)
    monkeypatch.setattr("articles.search.WINDOW_ROWS_CACHED", 2)
    if walked:
        monkeypatch.setattr("articles.search.WINDOW_WALK_TEST_COST", 0)  # walking would cost nothing

    def page(start: int, stop: int) -> tuple[list[tuple], int]:
        """A new reader's page ``start``:``stop``, and how many times it scored the window."""
        filterset = valid({"q": "conscription"})
        pages = filterset.pages(filterset.counts().total)
        assert isinstance(pages, WindowFirst) and filterset.article_search.window_sorted is not walked
        with CaptureQueriesContext(connection) as captured:
            hits = hits_as_ranked(pages[start:stop])
        return hits, sum(query["sql"].startswith("SELECT scored.article_id") for query in captured)

    def one_queryset(start: int, stop: int) -> list[tuple]:
        return hits_as_ranked(results({"q": "conscription"})[start:stop])

    assert page(0, 1) == (one_queryset(0, 1), 1)
    assert page(0, 1) == (one_queryset(0, 1), 0)  # the next reader
    assert page(1, 2) == (one_queryset(1, 2), 0)  # the next page
    assert page(1, 3) == (one_queryset(1, 3), 1)  # its last row is past those cached
    dated(datetime.date(2024, 3, 3), body="Conscription, the newest report.")
    newest_first, scored = page(0, 1)
    assert scored == 1 and newest_first == one_queryset(0, 1)
    assert page(0, 2) == (one_queryset(0, 2), 0)


def test_a_window_cached_for_one_search_is_never_served_for_another(monkeypatch):
    mixed_dates_matching("conscription")
    monkeypatch.setattr("articles.search.RANK_WINDOW", 2)
    searches = [
        {"q": "conscription"},
        {"q": "report"},
        {"q": "conscription", "date_from": "2020-01-01"},
        {"q": "conscription", "aliases": "0"},
    ]
    for params in searches:
        filterset = valid(params)
        pages = filterset.pages(filterset.counts().total)
        assert isinstance(pages, WindowFirst)
        assert hits_as_ranked(pages[0:2]) == hits_as_ranked(results(params)[0:2]), params


def test_a_walked_window_is_walked_with_bitmap_scans_off_for_its_statement_alone(monkeypatch, settings):
    """So PostgreSQL walks the date index as weighed, never listing the matches by the GIN index."""
    settings.ARCHIVE_CACHE_SECONDS = 0  # the statements of a window scored, not read from the cache
    mixed_dates_matching("conscription")
    monkeypatch.setattr("articles.search.RANK_WINDOW", 3)
    monkeypatch.setattr("articles.search.WINDOW_WALK_TEST_COST", 0)  # walking would cost nothing
    filterset = valid({"q": "conscription"})
    pages = filterset.pages(filterset.counts().total)
    with CaptureQueriesContext(connection) as captured:
        pages[0:2]
    statements = [query["sql"] for query in captured]
    assert statements[0] == "SET LOCAL enable_bitmapscan = off"
    assert statements[1].startswith("SELECT scored.article_id")
    assert statements[2] == "SET LOCAL enable_bitmapscan TO DEFAULT"
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_bitmapscan")
        assert cursor.fetchone() == ("on",)


@pytest.mark.parametrize("source", [False, True])
def test_a_walked_window_is_scored_as_the_walk_along_the_ranking_vectors_meets_it(monkeypatch, source):
    """No article is read to find or score it: the filters narrow the ranking vectors themselves."""
    articles = mixed_dates_matching("conscription")
    monkeypatch.setattr("articles.search.RANK_WINDOW", 3)
    monkeypatch.setattr("articles.search.WINDOW_WALK_TEST_COST", 0)  # walking would cost nothing
    params = {"q": "conscription"}
    if source:
        params["source"] = in_one_source(articles).slug
    scoring, rest = window_statement(params).split(" AS alias_match FROM (", 1)
    walk = rest.rsplit(") AS ranked OFFSET 0) AS scored ORDER BY ", 1)[0]
    assert walk.startswith(
        'SELECT "articles_ranking_vector"."article_id" AS "article_id",'
        ' "articles_ranking_vector"."published_on" AS "published_on",'
    )
    assert walk.endswith("ORDER BY 2 DESC NULLS LAST, 1 DESC LIMIT 3")  # newest first: date, then id
    assert "articles_article" not in walk
    assert '"articles_ranking_vector"."vector" @@' in walk
    assert ('"articles_ranking_vector"."source_id" IN' in walk) is source
    assert "ts_rank_cd('{1.0,1.0,1.0,1.0}'::float4[], ranked.vector" in scoring


def in_one_source(articles: list) -> Source:
    """A source for every one of ``articles``, and another article with their word in another source."""
    source = SourceFactory()
    Article.objects.filter(pk__in=[article.pk for article in articles]).update(source=source)
    word = articles[0].body.split()[1]
    dated(datetime.date(2024, 1, 1), body=f"The {word} elsewhere.", source=SourceFactory())
    vocabulary_refresh()
    return source


def test_a_window_within_one_source_walked_along_its_ranking_vectors_pages_as_the_one_queryset(monkeypatch):
    source = in_one_source(mixed_dates_matching("conscription"))
    params = {"q": "conscription", "source": source.slug}
    monkeypatch.setattr("articles.search.RANK_WINDOW", 3)
    one_queryset = list(valid(params).qs)
    assert len(one_queryset) == 5 and {hit.source for hit in one_queryset} == {source}
    monkeypatch.setattr("articles.search.WINDOW_WALK_TEST_COST", 0)
    filterset = valid(params)
    pages = filterset.pages(filterset.counts().total)
    assert isinstance(pages, WindowFirst) and not filterset.article_search.window_sorted
    for start, stop in [(0, 5), (0, 2), (2, 4), (3, 5), (1, 20)]:
        page = pages[start:stop]
        assert page == one_queryset[start:stop]
        assert [hit.rank for hit in page] == [hit.rank for hit in one_queryset[start:stop]]


def test_a_walk_within_one_source_is_weighed_against_that_sources_articles_only(monkeypatch):
    """Walking meets RANK_WINDOW * articles / results; sorting reads what the GIN index lists."""
    articles = mixed_dates_matching("conscription")
    source = in_one_source(articles[:4])  # 4 of the 6 with the word; 7 articles in all
    monkeypatch.setattr("articles.search.RANK_WINDOW", 2)
    # Sorted when listed * results <= RANK_WINDOW * articles walked * 2.5: one source, 6 * 4 > 2 * 4 * 2.5;
    # two sources, walked along every article, 6 * 5 <= 2 * 7 * 2.5.
    monkeypatch.setattr("articles.search.WINDOW_WALK_TEST_COST", 2.5)
    one_source = valid({"q": "conscription", "source": source.slug})
    one_source.pages(one_source.counts().total)
    assert one_source.walk_scope() == 4
    assert not one_source.article_search.window_sorted
    other = articles[4]  # undated, no source yet
    Article.objects.filter(pk=other.pk).update(source=SourceFactory())
    two_sources = valid({"q": "conscription", "source": [source.slug, Source.objects.get(articles=other).slug]})
    two_sources.pages(two_sources.counts().total)
    assert two_sources.walk_scope() is None
    assert two_sources.article_search.window_sorted


def test_a_sources_walk_scope_is_counted_once_a_published_state():
    articles = mixed_dates_matching("conscription")
    source = in_one_source(articles[:4])
    params = {"q": "conscription", "source": source.slug}
    assert valid(params).walk_scope() == 4
    with CaptureQueriesContext(connection) as queries:
        assert valid(params).walk_scope() == 4
    assert not any("COUNT(" in query["sql"] for query in queries)
    dated(datetime.date(2024, 2, 1), body="Conscription, once more.", source=source)  # a new published state
    assert valid(params).walk_scope() == 5


@pytest.mark.parametrize("walked", [False, True])
def test_results_all_scored_within_one_source_may_be_found_by_walking_its_ranking_vectors(monkeypatch, walked):
    """Fewer results than the window: every one is scored, found through the GIN index or, when it
    lists many more than the source holds, by testing each of the source's ranking vectors."""
    source = in_one_source(mixed_dates_matching("conscription"))
    params = {"q": "conscription", "source": source.slug}
    one_queryset = list(valid(params).qs)
    monkeypatch.setattr("articles.search.RANKED_APART_RESULTS", 4)
    monkeypatch.setattr("articles.filters.LISTED_RESULTS", 4)  # not read by id
    monkeypatch.setattr("articles.search.WINDOW_WALK_TEST_COST", 0 if walked else 1000)
    filterset = valid(params)
    pages = filterset.pages(filterset.counts().total)
    assert isinstance(pages, WindowFirst) and pages.newest is None
    assert not filterset.article_search.windowed and filterset.article_search.results_walked is walked
    statement = window_statement(params)
    # Walked or listed by the GIN index, the same rows: the source's that have the words, all of them.
    rows = statement.split(" AS alias_match FROM (", 1)[1].rsplit(") AS ranked OFFSET 0) AS scored ORDER BY ", 1)[0]
    assert '"articles_ranking_vector"."source_id" IN' in rows and '"articles_ranking_vector"."vector" @@' in rows
    assert "articles_article" not in rows and "ORDER BY" not in rows and "LIMIT" not in rows
    assert (window_statements(params)[0] == "SET LOCAL enable_bitmapscan = off") is walked
    assert len(one_queryset) == 5
    for start, stop in [(0, 5), (0, 2), (2, 4), (4, 5), (1, 20)]:
        page = pages[start:stop]
        assert page == one_queryset[start:stop]
        assert [hit.rank for hit in page] == [hit.rank for hit in one_queryset[start:stop]]
    assert all(hit.rank > 0 for hit in pages[0:5])


def test_results_all_scored_are_walked_for_when_the_index_lists_more_than_the_source_holds_times_the_cost(
    monkeypatch,
):
    articles = mixed_dates_matching("conscription")
    source = in_one_source(articles[:4])  # 4 of the 6 articles with the word
    monkeypatch.setattr("articles.filters.LISTED_RESULTS", 3)
    params = {"q": "conscription", "source": source.slug}
    # Walked when listed > articles walked * cost: 6 > 4 * 1; not when 6 <= 4 * 2.
    for cost, walked in [(1, True), (2, False)]:
        monkeypatch.setattr("articles.search.WINDOW_WALK_TEST_COST", cost)
        filterset = valid(params)
        filterset.pages(filterset.counts().total)
        assert filterset.walk_scope() == 4
        assert filterset.article_search.results_walked is walked
    # Across the archive, walked along every article: 6 <= 7 * 1.
    monkeypatch.setattr("articles.search.WINDOW_WALK_TEST_COST", 1)
    everywhere = valid({"q": "conscription"})
    everywhere.pages(everywhere.counts().total)
    assert not everywhere.article_search.results_walked


@pytest.mark.parametrize("listed", [False, True])
def test_results_all_in_the_window_are_scored_from_the_ranking_vectors_when_many(monkeypatch, settings, listed):
    settings.ARCHIVE_CACHE_SECONDS = 0  # each page scores the window (the cache has its own tests)
    mixed_dates_matching("conscription")
    one_queryset = list(valid({"q": "conscription"}).qs)
    monkeypatch.setattr("articles.search.RANKED_APART_RESULTS", 4)
    if not listed:
        monkeypatch.setattr("articles.filters.LISTED_RESULTS", 4)
    filterset = valid({"q": "conscription"})
    counts = filterset.counts()
    pages = filterset.pages(counts.total, counts.months, counts.ids)
    assert isinstance(pages, WindowFirst) and pages.newest is None
    assert not filterset.article_search.windowed
    with CaptureQueriesContext(connection) as captured:
        page = pages[0:20]
    # Read by their ids when the counts listed them; otherwise listed by the ranking vectors' GIN index.
    by_id = " FROM articles_ranking_vector AS ranked WHERE ranked.article_id = ANY (ARRAY(" in captured[0]["sql"]
    assert by_id is listed
    assert ('"articles_ranking_vector"."vector" @@' in captured[0]["sql"]) is not listed
    assert page == one_queryset and len(page) == 5
    assert [hit.rank for hit in page] == [hit.rank for hit in one_queryset]
    assert all(hit.rank > 0 for hit in page)
    for start, stop in [(0, 2), (2, 4), (4, 5)]:
        assert pages[start:stop] == one_queryset[start:stop]

    monkeypatch.setattr("articles.search.RANKED_APART_RESULTS", 5)  # no more results than that
    filterset = valid({"q": "conscription"})
    counts = filterset.counts()
    assert not isinstance(filterset.pages(counts.total, counts.months, counts.ids), WindowFirst)


def test_a_window_is_scored_from_the_articles_as_they_are_after_an_edit_and_a_retraction(monkeypatch):
    """The ranking vectors follow the articles within the transaction that changes them."""
    articles = mixed_dates_matching("conscription")
    monkeypatch.setattr("articles.search.RANK_WINDOW", 3)
    edited, retracted = articles[2], articles[1]
    Article.objects.filter(pk=edited.pk).update(body="Conscription " * 30)
    Article.objects.filter(pk=retracted.pk).update(status=ArticleStatus.RETRACTED, retraction_note="Wrong.")
    filterset = valid({"q": "conscription"})
    page = filterset.pages(filterset.counts().total)[0:5]
    assert page[0] == edited  # scored from its new text: a stale vector ranks it below article 3
    assert retracted not in page and len(page) == 4
    assert page == list(valid({"q": "conscription"}).qs)


@pytest.mark.parametrize("floor_on_rows", [False, True])
def test_a_window_found_by_sorting_reads_only_the_months_it_reaches_back_to(monkeypatch, floor_on_rows):
    mixed_dates_matching("conscription")
    dated(datetime.date(2021, 5, 20), body="Conscription again, later that month.")  # the window's last month
    monkeypatch.setattr("articles.search.RANK_WINDOW", 3)
    one_queryset = list(valid({"q": "conscription"}).qs)
    if floor_on_rows:
        monkeypatch.setattr("articles.search.WINDOW_FLOOR_ROW_TEST_SHARE", 100)  # the date index would cost most
    filterset = valid({"q": "conscription"})
    counts = filterset.counts()
    with CaptureQueriesContext(connection) as queries:
        pages = filterset.pages(counts.total, counts.months)
        first_page = pages[0:2]
    assert filterset.article_search.window_sorted
    assert filterset.article_search.floor_tested_on_rows is floor_on_rows
    assert filterset.article_search.window_floor == datetime.date(2021, 5, 1)  # 1 match in 2023, 3 in May 2021
    window = next(query["sql"] for query in queries if query["sql"].startswith("SELECT scored.article_id"))
    assert "'2021-05-01'" in window
    assert first_page == one_queryset[0:2]
    for start, stop in [(0, 6), (2, 4), (3, 6), (1, 20)]:
        page = pages[start:stop]
        assert page == one_queryset[start:stop]
        assert [hit.rank for hit in page] == [hit.rank for hit in one_queryset[start:stop]]
    assert [hit.rank > 0 for hit in pages[0:6]] == [True] * 3 + [False] * 3


def test_a_window_reaching_past_the_dated_results_reads_them_all(monkeypatch):
    mixed_dates_matching("conscription")  # four dated matches and one undated
    monkeypatch.setattr("articles.search.RANK_WINDOW", 5)
    ArticleFactory(body="Conscription, undated too.")
    one_queryset = list(valid({"q": "conscription"}).qs)
    filterset = valid({"q": "conscription"})
    counts = filterset.counts()
    pages = filterset.pages(counts.total, counts.months)
    assert filterset.article_search.window_sorted and filterset.article_search.window_floor is None
    assert pages[0:6] == one_queryset
    assert [hit.rank > 0 for hit in pages[0:6]] == [True] * 5 + [False]


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_a_phrase_is_looked_for_only_in_the_months_holding_its_results(sort):
    phrase_in = [datetime.date(2021, 12, 30), datetime.date(2022, 1, 2), datetime.date(2019, 3, 3)]
    with_phrase = [
        dated(day, body=f"The draft notice came on day {n}. Draft notice again.") for n, day in enumerate(phrase_in)
    ]
    with_phrase.append(ArticleFactory(body="An undated draft notice."))
    dated(datetime.date(2020, 6, 6), body="A notice about the draft, the words apart.")  # another month
    dated(datetime.date(2021, 12, 1), body="Notice of a draft.")  # a month that holds the phrase: read, not found
    params = {"q": '"draft notice"', "sort": sort}
    everywhere = list(valid(params).qs)
    filterset = valid(params)
    counts = filterset.counts()
    with CaptureQueriesContext(connection) as queries:
        found = list(filterset.pages(counts.total, counts.months)[0:10])
    assert filterset.article_search.result_spans == [
        (datetime.date(2019, 3, 1), datetime.date(2019, 4, 1)),
        (datetime.date(2021, 12, 1), datetime.date(2022, 2, 1)),  # December and January: one span
        (None, None),
    ]
    assert "'2020-06-01'" not in queries[0]["sql"] and "'2022-02-01'" in queries[0]["sql"]
    assert found == everywhere and sorted(article.pk for article in found) == sorted(a.pk for a in with_phrase)
    assert [article.rank for article in found] == [article.rank for article in everywhere]


def test_words_without_a_phrase_are_looked_for_everywhere():
    dated(datetime.date(2021, 12, 30), body="The draft notice came.")
    filterset = valid({"q": "draft notice"})
    counts = filterset.counts()
    assert filterset.pages(counts.total, counts.months)[0:10]
    assert filterset.article_search.result_spans is None


@pytest.mark.parametrize(("sort", "bound"), [("newest", ">= '2021-05-01'"), ("oldest", "< '2021-06-01'")])
def test_a_page_sorted_by_date_is_read_from_the_months_that_hold_it(sort, bound, monkeypatch):
    monkeypatch.setattr("articles.search.UNBOUNDED_PAGE_RESULTS", 0)  # these few results stand for many
    mixed_dates_matching("conscription")  # 2019-09, 2021-05 (two), 2023-02 and one undated
    smith = PersonFactory(name="Conscription Smith")
    dated(datetime.date(2020, 2, 2), body="Smith spoke.").people.add(smith)  # found through the link only
    dated(datetime.date(2021, 5, 9), body="Smith again.").people.add(smith)
    params = {"q": "conscription", "sort": sort}
    everywhere = list(valid(params).qs)
    filterset = valid(params)
    counts = filterset.counts()
    pages = filterset.pages(counts.total, counts.months)
    assert isinstance(pages, DateSortedPages) and filterset.article_search.people
    with CaptureQueriesContext(connection) as queries:
        first = pages[0:3]
    assert first == everywhere[0:3]
    # Each part of the match, the text's and each link table's, is read from May 2021 on (or up to it) only,
    # and of the published articles, whose date index then holds those months' (the page's own test, and 3).
    assert queries[0]["sql"].count(f'"published_on" {bound}') == 3
    assert queries[0]["sql"].count("\"status\" = 'published'") == 4
    for start, stop in [(0, 1), (1, 4), (3, 7), (0, 20)]:
        assert pages[start:stop] == everywhere[start:stop]
    assert len(everywhere) == 7 and everywhere[-1].published_on is None


def test_only_a_search_of_published_articles_says_so_in_each_part_of_a_page_s_months(monkeypatch):
    """The editors' tools search drafts too; a ranking window's months reach too far back to read them so."""
    monkeypatch.setattr("articles.search.UNBOUNDED_PAGE_RESULTS", 0)
    mixed_dates_matching("conscription")
    dated(datetime.date(2021, 5, 9), body="Smith spoke.").people.add(PersonFactory(name="Conscription Smith"))
    searched = {}
    for published in (True, False):
        search = ArticleSearch("conscription", windowed=False, published=published)
        search.page_bound = Q(published_on__gte=datetime.date(2021, 5, 1))
        searched[published] = str(Article.objects.search(search).order_by().values("pk").query)
    assert searched[True].count('"status" = published') == 3 and '"status"' not in searched[False]
    assert EditorArticleFilterSet({"q": "conscription"}).searches_published is False
    editors = EditorArticleFilterSet({"q": "conscription"})
    editors.is_valid()
    editors.searched  # noqa: B018
    assert editors.article_search.published is False
    public = valid({"q": "conscription"})
    public.searched  # noqa: B018
    assert public.article_search.published is True
    monkeypatch.setattr("articles.search.RANK_WINDOW", 2)  # a ranking window, sorted (people are named)
    assert '"status"' not in window_statement({"q": "conscription"})  # from the ranking vectors: none read
    # A link for some of the words: found among the articles.
    monkeypatch.setattr("articles.search.PARTIAL_THRESHOLD", 1)  # every word, never some of them
    window = window_statement({"q": "conscription report"}).split("ARRAY(", 1)[1]
    assert 'U0."article_id"' in window and '0."status"' not in window  # its parts: no status


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_very_few_results_of_rare_words_are_read_whole_for_a_page(sort, monkeypatch):
    monkeypatch.setattr("articles.search.UNBOUNDED_PAGE_RESULTS", 5)
    mixed_dates_matching("conscription")  # five articles
    params = {"q": "conscription", "sort": sort}
    everywhere = list(valid(params).qs)
    filterset = valid(params)
    counts = filterset.counts()
    pages = filterset.pages(counts.total, counts.months)
    with CaptureQueriesContext(connection) as queries:
        first = pages[0:2]
    assert first == everywhere[0:2]
    assert '"published_on" >=' not in queries[0]["sql"] and '"published_on" <' not in queries[0]["sql"]


def test_few_results_of_a_common_word_are_still_read_from_the_months_that_hold_them(monkeypatch):
    monkeypatch.setattr("articles.search.UNBOUNDED_PAGE_RESULTS", 3)
    mixed_dates_matching("conscription")  # five articles: more than the search reads whole
    source = SourceFactory()
    for day in (datetime.date(2018, 1, 1), datetime.date(2022, 1, 1)):
        dated(day, body=f"Conscription, again, in {day.year}.", source=source)
    vocabulary_refresh()
    params = {"q": "conscription", "sort": "newest", "source": source.slug}
    everywhere = list(valid(params).qs)
    filterset = valid(params)
    counts = filterset.counts()
    assert counts.total == 2
    with CaptureQueriesContext(connection) as queries:
        first = filterset.pages(counts.total, counts.months)[0:1]
    assert first == everywhere[0:1]
    assert "\"published_on\" >= '2022-01-01'" in queries[0]["sql"]


def hits_as_ranked(hits: list) -> list[tuple]:
    return [(hit.pk, hit.rank, hit.alias_match) for hit in hits]


@pytest.mark.parametrize("windowed", [True, False])
def test_a_search_naming_someone_pages_its_alias_hits_after_the_others_as_the_one_queryset(monkeypatch, windowed):
    """Four parts: the window's text hits best first, the older ones newest first, then the alias hits likewise."""
    mixed_dates_matching("conscription")  # 2019-09, 2021-05 (two), 2023-02 and one undated
    smith = PersonFactory(name="Conscription Smith")
    PersonAliasFactory(person=smith, name="Konskription Smith")
    linked = [
        dated(datetime.date(2024, 1, 1), body="Konskription Smith said so."),  # an alias hit, ranked by the alias
        dated(datetime.date(2021, 5, 1), body="Nothing of the sort."),  # an alias hit scoring nothing
        dated(datetime.date(2010, 1, 1), body="Smith, years ago."),  # an alias hit past the window
        dated(datetime.date(2022, 6, 6), body="Conscription Smith spoke."),  # linked, and found by its text
    ]
    for article in linked:
        article.people.add(smith)
    vocabulary_refresh()
    monkeypatch.setattr("articles.search.WINDOW_WALK_TEST_COST", 0)  # a walk would cost nothing: never for people
    if windowed:
        monkeypatch.setattr("articles.search.RANK_WINDOW", 4)
    else:
        monkeypatch.setattr("articles.search.RANKED_APART_RESULTS", 2)
    one_queryset = list(valid({"q": "conscription"}).qs)
    assert [hit.alias_match for hit in one_queryset] == [False] * 6 + [True] * 3
    if windowed:  # each part has hits: in the window (ranked), and past it (score 0)
        assert [hit.rank > 0 for hit in one_queryset] == [True, True, False, False, False, False, True, False, False]
    filterset = valid({"q": "conscription"})
    pages = filterset.pages(filterset.counts().total)
    assert isinstance(pages, WindowFirst) and filterset.article_search.people
    assert (pages.newest is not None) is windowed and filterset.article_search.window_sorted is windowed
    assert len(pages) == 9
    for start in range(10):
        for stop in range(start, 11):
            assert hits_as_ranked(pages[start:stop]) == hits_as_ranked(one_queryset[start:stop]), (start, stop)


# --- Invalid values are errors, never ignored ----------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"source": "no-such-source"}, "source"),
        ({"person": "nobody"}, "person"),
        ({"tag": ["russia", "no-such-tag"]}, "tag"),
        ({"date_from": "2022-13-01"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
        ({"rating": "wrong"}, "rating"),
        ({"sort": "random"}, "sort"),
        ({"aliases": "maybe"}, "aliases"),
        ({"q": "x" * 501}, "q"),
        ({"q": "nul\x00byte"}, "q"),
    ],
)
def test_invalid_values_are_form_errors(params, field):
    TagFactory(slug="russia")
    filterset = ArticleFilterSet(params)
    assert not filterset.is_valid()
    assert list(filterset.errors) == [field]


def test_unknown_slug_error_names_it():
    filterset = ArticleFilterSet({"tag": "no-such-tag"})
    assert filterset.errors["tag"] == ["There is no tag “no-such-tag”."]


def test_a_source_person_or_tag_only_drafts_name_is_unknown_to_readers_not_to_editors():
    """Its chip would print its name ("Person: …"): readers are told there is no such person."""
    source, person, tag = SourceFactory(slug="draft-gazette"), PersonFactory(slug="drafted"), TagFactory(slug="secret")
    draft = ArticleFactory(status=ArticleStatus.DRAFT, source=source)
    draft.people.add(person)
    draft.tags.add(tag)
    params = {"source": "draft-gazette", "person": "drafted", "tag": "secret"}
    filterset = ArticleFilterSet(params)
    assert filterset.errors == {
        "source": ["There is no source “draft-gazette”."],
        "person": ["There is no person “drafted”."],
        "tag": ["There is no tag “secret”."],
    }
    editors = EditorArticleFilterSet(params)
    assert editors.is_valid(), editors.errors
    assert list(editors.qs) == [draft]


def test_forms_written_once_per_class_still_choose_from_the_archive_as_it_is_now():
    # The form class is written once per FilterSet class (``get_form_class``): each form must
    # still read the current sources, and the editors' choices never become the readers'.
    source = SourceFactory(slug="draft-gazette")
    draft = ArticleFactory(status=ArticleStatus.DRAFT, source=source)
    params = {"source": "draft-gazette"}
    assert EditorArticleFilterSet(params).is_valid()
    assert not ArticleFilterSet(params).is_valid()
    assert EditorArticleFilterSet(params).is_valid()
    draft.status = ArticleStatus.PUBLISHED
    draft.save()
    filterset = ArticleFilterSet(params)
    assert filterset.is_valid(), filterset.errors
    assert list(filterset.qs) == [draft]


def test_a_start_date_after_the_end_date_is_an_error():
    filterset = ArticleFilterSet({"date_from": "2023-02-01", "date_to": "2023-01-01"})
    assert not filterset.is_valid()
    assert filterset.errors["date_to"] == ["The end date is before the start date (2023-02-01)."]


# --- Facets --------------------------------------------------------------------------------------


@pytest.fixture
def small_archive():
    """Six articles over three sources, two years, and people as authors and as mentioned."""
    newsweek, cnn = SourceFactory(slug="newsweek", name="Newsweek"), SourceFactory(slug="cnn", name="CNN")
    russia, moscow, yakutsk = (
        TagFactory(slug="russia", name="Russia"),
        TagFactory(slug="moscow", name="Moscow"),
        TagFactory(slug="yakutsk", name="Yakutsk"),
    )
    putin, chupik = PersonFactory(slug="putin", name="Vladimir Putin"), PersonFactory(slug="chupik", name="Chupik")
    articles = [
        dated(datetime.date(2022, 10, 1), source=newsweek, body="Draft offices in Moscow."),
        dated(datetime.date(2022, 9, 1), source=newsweek, body="Draft protests in Yakutsk."),
        dated(datetime.date(2023, 1, 1), source=cnn, body="Draft of prisoners."),
        dated(datetime.date(2023, 5, 1), source=cnn, body="Migrants drafted in Moscow."),
        dated(datetime.date(2023, 6, 1), body="Draft news without a source."),
        ArticleFactory(body="An undated draft."),
    ]
    tags_of = [[russia, moscow], [russia, yakutsk], [russia], [moscow], [], [russia]]
    for article, tags in zip(articles, tags_of, strict=True):
        article.tags.add(*tags)
    articles[0].people.add(putin)
    articles[0].authors.add(putin)  # mentioned and author: one article, counted once
    articles[1].authors.add(putin)
    articles[3].people.add(putin, chupik)
    ArticleFactory(status=ArticleStatus.DRAFT, source=cnn, body="Unpublished draft.").tags.add(russia)
    return articles


def facet_counts(filterset: ArticleFilterSet) -> dict[str, dict[str, int]]:
    return {facet.name: {value.label: value.count for value in facet.values} for facet in filterset.facets()}


def assert_every_count_is_the_result_count_of_its_link(filterset: ArticleFilterSet):
    facets = filterset.facets()
    assert any(facet.values for facet in facets)
    for facet in facets:
        for value in facet.values:
            assert len(followed(value.query_string)) == value.count, (facet.name, value)


@pytest.mark.usefixtures("small_archive")
def test_facets_count_the_current_results_most_frequent_first():
    assert facet_counts(valid({})) == {
        "source": {"CNN": 2, "Newsweek": 2},
        "person": {"Vladimir Putin": 3, "Chupik": 1},
        "tag": {"Russia": 4, "Moscow": 2, "Yakutsk": 1},
        "year": {"2023": 3, "2022": 2},
    }
    assert facet_counts(valid({"q": "moscow"})) == {
        "source": {"CNN": 1, "Newsweek": 1},
        "person": {"Vladimir Putin": 2, "Chupik": 1},
        "tag": {"Moscow": 2, "Russia": 1},
        "year": {"2022": 1, "2023": 1},
    }


@pytest.mark.usefixtures("small_archive")
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "draft"},
        {"q": "moscow OR yakutsk"},
        {"tag": "russia"},
        {"tag": ["russia", "moscow"]},
        {"person": "putin"},
        {"source": "cnn", "tag": "moscow"},
        {"date_from": "2022-09-15", "date_to": "2023-05-31"},
        {"date_from": "2023-01-01", "date_to": "2023-12-31"},
        {"q": "draft", "source": "newsweek", "person": "putin", "sort": "oldest"},
    ],
)
def test_every_facet_count_is_the_number_of_results_its_link_gives(params):
    assert_every_count_is_the_result_count_of_its_link(valid(params))


@pytest.mark.usefixtures("small_archive")
def test_a_facet_with_a_chosen_value_offers_the_values_that_widen_the_results():
    filterset = valid({"tag": "moscow"})
    tags = next(facet for facet in filterset.facets() if facet.name == "tag")
    assert tags.widens
    # Russia brings in three more articles (its fourth is tagged Moscow too); Moscow is chosen already.
    assert {value.label: value.count for value in tags.values} == {"Russia": 5, "Yakutsk": 3}
    assert next(v for v in tags.values if v.label == "Russia").query_string == "?tag=moscow&tag=russia"


@pytest.mark.usefixtures("small_archive")
def test_year_links_narrow_the_current_date_range():
    filterset = valid({"date_from": "2022-09-15"})
    years = next(facet for facet in filterset.facets() if facet.name == "year")
    assert [(value.label, value.query_string) for value in years.values] == [
        ("2023", "?date_from=2023-01-01&date_to=2023-12-31"),
        ("2022", "?date_from=2022-09-15&date_to=2022-12-31"),
    ]
    within_one_year = valid({"date_from": "2023-01-01", "date_to": "2023-12-31"})
    assert next(facet for facet in within_one_year.facets() if facet.name == "year").values == []


def test_facets_are_capped_and_leave_out_drafts():
    tags = [TagFactory() for _ in range(FACET_LIMIT + 3)]
    for article_number in range(3):
        ArticleFactory(body=f"Article {article_number}.").tags.add(*tags)
    ArticleFactory(status=ArticleStatus.DRAFT).tags.add(*tags)
    tag_facet = next(facet for facet in valid({}).facets() if facet.name == "tag")
    assert len(tag_facet.values) == FACET_LIMIT
    assert {value.count for value in tag_facet.values} == {3}


def test_articles_without_a_source_take_no_place_among_the_sources_shown():
    # Nine sources with two articles, three with one: the tenth shown has one, though more
    # articles have no source than any source has.
    sources = [SourceFactory() for _ in range(FACET_LIMIT + 2)]
    for n, source in enumerate(sources):
        for _ in range(2 if n < FACET_LIMIT - 1 else 1):
            ArticleFactory(source=source)
    for _ in range(3):
        ArticleFactory(source=None)
    source_facet = next(facet for facet in valid({}).facets() if facet.name == "source")
    assert [value.count for value in source_facet.values] == [2] * (FACET_LIMIT - 1) + [1]


@pytest.mark.usefixtures("small_archive")
def test_the_count_the_facets_and_the_months_are_one_statement_and_one_for_each_facet_chosen(
    django_assert_num_queries,
):
    filterset = valid({"q": "draft", "tag": "russia", "person": "putin"})
    filterset.qs  # noqa: B018  (prepares the search: its own look-ups are not the counts')
    # The published state, for the cache (articles.caching), the counts, what another tag and another
    # person would add, then the labels of the values shown.
    with django_assert_num_queries(5):
        counts = filterset.counts()
    assert counts.total == filterset.qs.count() == 2
    assert [facet.name for facet in counts.facets] == ["source", "person", "tag", "year"]
    assert sum(count for _, _, count in counts.months) == counts.total
    with django_assert_num_queries(1):  # counted already, in the same published state
        assert filterset.counts() == counts


def straightforward_facets(filterset: ArticleFilterSet) -> dict[str, dict[str, int]]:
    """Each facet counted on its own, in Python, from the articles' links: what ``counts`` must give.

    A parameter without a value counts the results carrying each value; with values chosen, each
    other value counts the results plus the articles it adds (allowed by every other filter, not
    shown yet). Years count the dated results, except the one the date range lies within already.
    """
    relations = ("source", "people", "authors", "tags")
    results = list(filterset.qs.prefetch_related(*relations))
    shown = {article.pk for article in results}

    def labels(article: Article, name: str) -> set[str]:
        if name == "source":
            return {article.source.name} if article.source else set()
        if name == "person":
            return {person.name for person in [*article.people.all(), *article.authors.all()]}
        return {tag.name for tag in article.tags.all()}

    expected = {}
    for name in ("source", "person", "tag"):
        chosen = {value.name for value in filterset.form.cleaned_data.get(name) or []}
        if not chosen:
            expected[name] = dict(Counter(label for article in results for label in labels(article, name)))
            continue
        others = filterset.filter_queryset(filterset.searched, skip=frozenset({name})).prefetch_related(*relations)
        added = Counter(
            label for article in others if article.pk not in shown for label in labels(article, name) - chosen
        )
        expected[name] = {label: count + len(results) for label, count in added.items()}
    years = Counter(str(article.published_on.year) for article in results if article.published_on)
    start, end = filterset.form.cleaned_data.get("date_from"), filterset.form.cleaned_data.get("date_to")
    if start and end and start.year == end.year:
        years.pop(str(start.year), None)  # the range lies within that year: its link changes nothing
    expected["year"] = dict(years)
    return expected if results else {}


@pytest.mark.usefixtures("small_archive")
@pytest.mark.parametrize(
    "params",
    [
        pytest.param({}, id="no filter"),
        pytest.param({"q": "draft"}, id="search"),
        pytest.param({"source": "cnn"}, id="one source chosen"),
        pytest.param({"q": "draft", "source": "newsweek", "tag": "russia"}, id="source and tag chosen"),
        pytest.param({"person": "putin", "tag": ["moscow", "yakutsk"]}, id="person and tags chosen"),
        pytest.param({"person": "putin"}, id="one person chosen"),
        pytest.param({"tag": ["moscow", "yakutsk"]}, id="two tags chosen"),
        pytest.param({"q": "draft", "person": "putin"}, id="search and person chosen"),
        pytest.param({"date_from": "2022-09-15", "date_to": "2023-05-31"}, id="date range"),
        pytest.param({"date_from": "2023-01-01", "date_to": "2023-12-31", "q": "draft"}, id="one year"),
        pytest.param({"q": "moscow yakutsk prisoners"}, id="partial matches"),
        pytest.param({"q": "moscow yakutsk prisoners", "tag": "russia"}, id="partial matches, tag chosen"),
        pytest.param({"q": "   "}, id="blank words: browsing"),
        pytest.param({"q": "nowhere"}, id="no results"),
        pytest.param({"q": "nowhere", "source": "cnn"}, id="no results, source chosen"),
    ],
)
def test_the_one_statement_counts_are_the_straightforward_ones(params):
    filterset = valid(params)
    counts = filterset.counts()
    assert counts.total == filterset.qs.count()
    assert {facet.name: {v.label: v.count for v in facet.values} for facet in counts.facets} == straightforward_facets(
        filterset
    )
    assert timeline_from_counts(counts.months) == timeline_for(filterset.qs)
    if "partial" in str(params):
        assert filterset.article_search.fallback is not None


@pytest.mark.usefixtures("small_archive")
@pytest.mark.parametrize("params", [{"source": "cnn"}, {"person": "putin"}, {"tag": ["moscow", "yakutsk"]}], ids=repr)
def test_what_other_values_add_to_one_facet_browsed_alone_is_read_from_the_archives_kept_counts(params):
    """Without that facet the results are every published article, whose values the database keeps
    counted: only the results' own counts are counted."""
    filterset = valid(params)
    filterset.qs  # noqa: B018  (prepares the search)
    with CaptureQueriesContext(connection) as queries:
        counts = filterset.counts()
    statements = [query["sql"] for query in queries]
    assert len([sql for sql in statements if sql.startswith("WITH results")]) == 1
    [name] = params
    assert len([sql for sql in statements if f"articles_{name}coverage" in sql]) == 1
    assert {facet.name: {v.label: v.count for v in facet.values} for facet in counts.facets} == straightforward_facets(
        filterset
    )


def test_every_other_value_of_a_facet_browsed_alone_adds_all_its_articles_but_those_shown():
    """Read from the archive's kept counts: every value, not only those its facet would show, and a
    person's articles by them as well as those mentioning them."""
    chosen_tag, chosen_person = TagFactory(name="Chosen"), PersonFactory(name="Chosen Person")
    shown = ArticleFactory()
    shown.tags.add(chosen_tag)
    shown.people.add(chosen_person)
    for n in range(FACET_LIMIT + 2):  # more values than a facet shows, the n-th in n + 1 published articles
        tag, person = TagFactory(name=f"Tag {n:02}"), PersonFactory(name=f"Person {n:02}")
        for article_number in range(n + 1):
            article = ArticleFactory()
            article.tags.add(tag)
            (article.authors if article_number % 2 else article.people).add(person)
        ArticleFactory(status=ArticleStatus.DRAFT).tags.add(tag)  # never counted
    # The article shown has the most frequent tag and person too: they add their other articles only.
    shown.tags.add(tag)
    shown.people.add(person)
    for name, chosen in (("tag", chosen_tag), ("person", chosen_person)):
        filterset = valid({name: chosen.slug})
        [facet] = [facet for facet in filterset.facets() if facet.name == name]
        expected = sorted(straightforward_facets(filterset)[name].items(), key=lambda item: -item[1])
        assert [(value.label, value.count) for value in facet.values] == expected[:FACET_LIMIT]
        assert facet.values[0].count == 1 + FACET_LIMIT + 2  # all its articles: the one shown and the others


@pytest.mark.usefixtures("small_archive")
def test_results_counted_name_people_as_one_list_of_their_articles_and_pages_apart():
    """Either phrasing finds the same articles; PostgreSQL can estimate how many only from the one list."""
    filterset = valid({"q": "draft", "person": "putin"})
    counted, _ = filterset.counts_statement()
    assert people_phrasing(counted.split(" months AS MATERIALIZED")[0]) == "one list"
    assert people_phrasing(filterset.qs.query.sql_with_params()[0]) == "apart"
    assert filterset.counts().total == filterset.qs.count() == len(set(filterset.qs.values_list("pk", flat=True)))


@pytest.mark.usefixtures("small_archive")
def test_a_search_blank_to_the_database_counts_nothing_without_a_query(django_assert_num_queries):
    filterset = valid({"q": '"'})  # no word the search can use: nothing matches
    filterset.qs  # noqa: B018
    with django_assert_num_queries(0):
        counts = filterset.counts()
    assert (counts.total, counts.facets, counts.months) == (0, [], [])


# --- The whole archive's counts, kept by the database ---------------------------------------------


@pytest.fixture
def archive_to_browse():
    """Articles of every status over three sources and none, people mentioned and as authors, tags, with
    dates of every precision and none: many values tie, so the facets' limits cut between ties."""
    sources = [*SourceFactory.create_batch(3), None]
    people, tags = PersonFactory.create_batch(5), TagFactory.create_batch(4)
    days = [
        (datetime.date(2023, 1, 5), "day"),
        (datetime.date(2023, 2, 1), "month"),
        (datetime.date(2022, 1, 1), "year"),
    ]
    statuses = [ArticleStatus.PUBLISHED] * 11 + [ArticleStatus.DRAFT, ArticleStatus.RETRACTED]
    for n, status in enumerate(statuses):
        day, precision = days[n % 3] if n % 5 else (None, "")
        article = ArticleFactory(status=status, source=sources[n % 4], published_on=day, published_precision=precision)
        article.people.add(people[n % 5])
        article.authors.add(people[n % 5] if n % 2 else people[(n + 2) % 5])
        article.tags.add(*tags[: n % 4])


@pytest.mark.usefixtures("archive_to_browse")
@pytest.mark.parametrize("limit", [FACET_LIMIT, 2, 1])
@pytest.mark.parametrize("params", ["", "sort=oldest", "sort=newest&aliases=0"])
def test_the_whole_archive_is_counted_from_the_counts_the_database_keeps(settings, monkeypatch, params, limit):
    settings.ARCHIVE_CACHE_SECONDS = 0  # counted each time, not read back
    browsing = valid(params)
    assert browsing.browses_whole_archive()
    with CaptureQueriesContext(connection) as queries:
        kept = browsing.counts(limit)
    assert any("articles_sourcecoverage" in query["sql"] for query in queries)
    assert not any("WITH results" in query["sql"] for query in queries)
    monkeypatch.setattr(ArticleFilterSet, "browses_whole_archive", lambda filterset: False)
    counted = valid(params).counts(limit)
    # The months in any order: their list is read by month (the timeline, the years).
    in_order = [replace(counts, months=sorted(counts.months, key=repr)) for counts in (kept, counted)]
    assert in_order[0] == in_order[1]
    assert kept.total == 11
    assert [len(facet.values) for facet in kept.facets] == [min(limit, 3), min(limit, 5), min(limit, 3), min(limit, 2)]


@pytest.mark.usefixtures("archive_to_browse")
@pytest.mark.parametrize(
    "params",
    ["q=draft", "source={source}", "person={person}", "tag={tag}", "date_from=2023-01-01", "rating=false"],
)
def test_a_search_or_a_filter_is_counted_from_its_results(params):
    values = {model.__name__.lower(): model.objects.first().slug for model in (Source, Person, Tag)}
    assert not valid(params.format(**values)).browses_whole_archive()


@pytest.mark.usefixtures("archive_to_browse")
def test_the_editors_every_status_is_counted_from_the_articles():
    editors = EditorArticleFilterSet(QueryDict(""))
    assert editors.is_valid()
    assert not editors.browses_whole_archive()
    assert editors.counts().total == 13


# --- Active filters and links --------------------------------------------------------------------


@pytest.mark.usefixtures("small_archive")
def test_active_filters_each_link_to_the_query_without_them():
    filterset = valid(
        "q=draft&tag=russia&tag=moscow&source=cnn&rating=false&date_from=2023-01-01&date_to=2023-12-31"
        "&aliases=0&sort=oldest&page=2"
    )
    assert [(active.label, active.query_string) for active in filterset.active_filters()] == [
        (
            "Source: CNN",
            "?q=draft&tag=russia&tag=moscow&rating=false&date_from=2023-01-01&date_to=2023-12-31&aliases=0&sort=oldest",
        ),
        (
            "Tag: Moscow",
            "?q=draft&tag=russia&source=cnn&rating=false&date_from=2023-01-01&date_to=2023-12-31&aliases=0&sort=oldest",
        ),
        (
            "Tag: Russia",
            "?q=draft&tag=moscow&source=cnn&rating=false&date_from=2023-01-01&date_to=2023-12-31&aliases=0&sort=oldest",
        ),
        (
            "Claim rated: false",
            "?q=draft&tag=russia&tag=moscow&source=cnn&date_from=2023-01-01&date_to=2023-12-31&aliases=0&sort=oldest",
        ),
        ("Year: 2023", "?q=draft&tag=russia&tag=moscow&source=cnn&rating=false&aliases=0&sort=oldest"),
        (
            "Text matches only",
            "?q=draft&tag=russia&tag=moscow&source=cnn&rating=false&date_from=2023-01-01"
            "&date_to=2023-12-31&sort=oldest",
        ),
    ]


def test_date_bounds_that_are_not_a_whole_year_are_two_filters():
    filterset = valid({"date_from": "2022-09-15", "date_to": "2023-01-31"})
    assert [active.label for active in filterset.active_filters()] == [
        "From 15 September 2022",
        "Until 31 January 2023",
    ]


@pytest.mark.usefixtures("small_archive")
def test_links_keep_other_parameters_and_drop_the_page():
    filterset = valid("q=draft&sort=newest&utm_source=feed&page=3")
    source_facet = next(facet for facet in filterset.facets() if facet.name == "source")
    assert source_facet.values[0].query_string == "?q=draft&sort=newest&utm_source=feed&source=cnn"


def test_links_are_written_as_editing_the_query_dict_and_encoding_it_would_write_them():
    """The query strings are put together from parameters encoded once; editing a copy of the
    parameters and encoding it whole, as Django would, gives the same strings, byte for byte."""
    data = QueryDict(
        "q=%22Ch%C3%BApik+%26+co%22+-war&tag=russia&page=2&tag=moscow&date_from=2023-01-01&source=a%2Bb&sort=newest"
    )
    filterset = ArticleFilterSet(data)

    def edited(edit) -> str:
        params = data.copy()
        params.pop("page")
        edit(params)
        return f"?{params.urlencode()}"

    assert filterset.query_string_adding("tag", "kyiv") == edited(lambda p: p.appendlist("tag", "kyiv"))
    assert filterset.query_string_adding("tag", "moscow") == edited(lambda p: None)  # there already
    assert filterset.query_string_adding("person", "é o") == edited(lambda p: p.appendlist("person", "é o"))
    assert filterset.query_string_removing_value("tag", "russia") == edited(lambda p: p.setlist("tag", ["moscow"]))
    assert filterset.query_string_removing_value("rating", "false") == edited(lambda p: None)
    assert filterset.query_string_removing("q", "sort", "aliases") == edited(lambda p: (p.pop("q"), p.pop("sort")))

    def replace(params: QueryDict) -> None:
        params["date_from"], params["date_to"], params["q"] = "2024-01-01", "2024-12-31", "a&b"

    assert filterset.query_string_with(date_from="2024-01-01", date_to="2024-12-31", q="a&b") == edited(replace)
    assert ArticleFilterSet(QueryDict("page=4")).query_string_removing("q") == "?"


def test_the_public_filterset_adds_partial_matches_and_the_editors_one_does_not():
    both = ArticleFactory(body="A walrus and a narwhal.")
    only_one = ArticleFactory(body="Only a narwhal.")
    public = ArticleFilterSet({"q": "walrus narwhal"}, queryset=Article.objects.published())
    assert [(article, article.partial_match) for article in public.qs] == [(both, False), (only_one, True)]
    editors = EditorArticleFilterSet({"q": "walrus narwhal"}, queryset=Article.objects.all())
    assert list(editors.qs) == [both]
    assert editors.article_search.fallback is None


def test_a_filtered_search_ranks_the_filtered_matches_not_the_newest_matches_of_the_words(monkeypatch):
    # The ranking window (the newest matches scored) is taken after the filters: with a window of
    # two, a search within 2019 still ranks 2019's articles, though newer ones have the word too.
    from articles import search

    older = [
        dated(datetime.date(2019, 3, 1), body="A walrus in March."),
        dated(datetime.date(2019, 2, 1), body="Walrus, walrus, walrus: the walrus report."),
    ]
    for day in (1, 2, 3):
        dated(datetime.date(2023, 1, day), body=f"A walrus on day {day}.")
    vocabulary_refresh()
    monkeypatch.setattr(search, "RANK_WINDOW", 2)
    hits = results({"q": "walrus", "date_from": "2019-01-01", "date_to": "2019-12-31"})
    assert hits == [older[1], older[0]]
    assert all(hit.rank > 0 for hit in hits)


def test_absent_source_person_and_tag_filters_are_empty_without_being_run():
    """An absent model-choice parameter cleans to ``none()``: telling that it is empty ran it (compiled
    ``public()``'s subqueries) on every request; it is an empty list instead."""
    source = SourceFactory()
    ArticleFactory(title="Migrants at the border", source=source)
    ArticleFactory(title="Migrants at the station")
    filterset = ArticleFilterSet({"q": "migrants", "source": [source.slug]})
    assert filterset.is_valid()
    cleaned = filterset.form.cleaned_data
    assert cleaned["person"] == [] and cleaned["tag"] == []
    assert [chosen.slug for chosen in cleaned["source"]] == [source.slug]
    assert filterset.qs.count() == 1
    assert ArticleFilterSet({"q": "migrants"}).qs.count() == 2
