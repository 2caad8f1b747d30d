"""The search page at /search/: results, highlights, facets, chips, pages, errors and query counts."""

import datetime
import re
from html import escape
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from articles.filters import ArticleFilterSet
from articles.models import Article, ArticleStatus, ClaimRating, Person, SearchLog
from articles.services import vocabulary_refresh
from articles.timeline import timeline_for
from tests.factories import ArticleFactory, ClaimFactory, ClaimReportFactory, PersonFactory, SourceFactory, TagFactory

pytestmark = pytest.mark.django_db

URL = "/search/"
# Queries for a search with every kind of filter: three slug checks, the published state (for the
# counts' cache, articles.caching), one statement for the count, the facets and the timeline, one
# for what another value of each of the three facets chosen would add (when nothing was counted before
# for the search without it) and one for the labels of the facets' values shown, the page, its people
# and tags (one), headlines (one: the bodies come with the page), the search core's own look-ups, and
# the search log's row, written with its commit made asynchronous (one). Fixed: see test_query_count_is_fixed.
MAX_QUERIES = 18


def hit_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<h3 id="hit-(\d+)">', response.content.decode())]


def get(client, query_string: str, status: int = 200):
    response = client.get(URL + query_string)
    assert response.status_code == status, response.content.decode()[:2000]
    return response


def dated(day: datetime.date, **kwargs) -> Article:
    return ArticleFactory(published_on=day, published_precision="day", **kwargs)


# --- The seed archive ----------------------------------------------------------------------------


def test_the_seed_archive_is_searchable_with_highlighted_snippets(client, seed_archive):
    response = get(client, "?q=migrants")
    page = response.content.decode()
    assert response.context["total"] == 4
    assert "4 articles match “migrants”" in page
    assert page.count("<mark>") >= 4
    assert re.search(r'<p class="search-snippet">[^<]*<mark>migrants?</mark>', page)
    newsweek = Article.objects.get(slug__startswith="russias-partial-mobilization")
    assert f'<a href="{newsweek.get_absolute_url()}">' in page
    assert '<time datetime="2022-10">October 2022</time>' in page  # the date at its precision
    assert re.search(r'class="source"[^>]*>Newsweek<', page)
    assert ">Aila Slisco</a>" in page  # the author, linked
    assert ">Central Asian migrants</a>" in page  # tags, linked


def test_a_page_has_one_h1_a_titled_query_and_one_search_form(client, seed_archive):
    page = get(client, "?q=conscription").content.decode()
    assert page.count("<h1") == 1
    assert "<title>conscription — Search — News archive</title>" in page
    assert page.count('role="search"') == 1  # the header's own search box gives way to the page's
    assert '<label for="search-q">' in page
    assert '<input type="search" id="search-q" name="q" value="conscription"' in page
    assert '<label for="search-date-from">' in page and 'type="date" id="search-date-from"' in page
    assert '<label for="search-sort">' in page and '<label for="search-aliases">' in page
    assert "Use quotes for phrases" in page


def test_a_person_found_through_an_alias_is_named(client, seed_archive):
    page = get(client, "?q=Cupik").content.decode()
    chupik = Person.objects.get(slug="valentina-chupik").get_absolute_url()
    assert f'Looking for <a href="{chupik}">Valentina Chupik</a>?' in page
    assert f'Matched via an alias or name of <a href="{chupik}">Valentina Chupik</a>.' in page


def test_alias_matching_can_be_switched_off(client, seed_archive):
    with_aliases = get(client, "?q=Cupik")
    without = get(client, "?q=Cupik&aliases=0")
    assert without.context["total"] < with_aliases.context["total"]
    page = without.content.decode()
    assert "Matched via an alias" not in page
    assert 'name="aliases" value="0" checked' in page
    assert "Text matches only" in page  # as a removable chip too


# --- Facets and chips ----------------------------------------------------------------------------


@pytest.mark.parametrize("query_string", ["?q=migrants", "?q=russia", "", "?tag=moscow", "?q=police&tag=moscow"])
def test_facet_counts_equal_the_results_after_clicking(client, seed_archive, query_string):
    response = get(client, query_string)
    page = response.content.decode()
    clicked = 0
    for facet in response.context["facets"]:
        for value in facet.values:
            href = escape(URL + value.query_string)
            assert f'<a href="{href}">' in page
            assert get(client, value.query_string).context["total"] == value.count, (facet.name, value)
            clicked += 1
    assert clicked


def test_a_facet_adds_its_filter_and_a_chip_removes_it(client, seed_archive):
    response = get(client, "?q=migrants&sort=newest&page=1")
    tags = next(facet for facet in response.context["facets"] if facet.name == "tag")
    moscow = next(value for value in tags.values if value.label == "Moscow")
    assert moscow.query_string == "?q=migrants&sort=newest&tag=moscow"  # keeps the rest, drops the page

    narrowed = get(client, moscow.query_string)
    assert narrowed.context["total"] == moscow.count
    page = narrowed.content.decode()
    assert '<input type="hidden" name="tag" value="moscow">' in page  # kept when the form is resubmitted
    (chip,) = narrowed.context["active_filters"]
    assert chip.label == "Tag: Moscow"
    assert (
        f'<a href="{escape(URL + chip.query_string)}"><span class="visually-hidden">Remove filter </span>Tag: Moscow'
        in page
    )

    restored = get(client, chip.query_string)
    assert restored.context["total"] == response.context["total"]
    assert hit_ids(restored) == hit_ids(response)


def test_browsing_without_words_lists_the_filtered_articles_newest_first(client):
    moscow = TagFactory(slug="moscow", name="Moscow")
    old = dated(datetime.date(2021, 1, 1))
    new = dated(datetime.date(2023, 1, 1))
    old.tags.add(moscow)
    new.tags.add(moscow)
    ArticleFactory()
    response = get(client, "?q=&tag=moscow")
    assert hit_ids(response) == [new.pk, old.pk]
    page = response.content.decode()
    assert "2 articles match these filters" in page
    assert "newest first" in page
    assert "<mark>" not in page


def test_no_words_and_no_filters_shows_the_whole_archive_newest_first(client):
    old = dated(datetime.date(2021, 1, 1))
    new = dated(datetime.date(2023, 1, 1))
    ArticleFactory(status=ArticleStatus.DRAFT)
    response = get(client, "")
    assert hit_ids(response) == [new.pk, old.pk]
    assert "2 published articles" in response.content.decode()
    assert [facet.name for facet in response.context["facets"]] == ["source", "person", "tag", "year"]


# --- Pages and order -----------------------------------------------------------------------------


@pytest.fixture
def many_same_day_articles():
    """45 articles that match equally and share a date: only their ids can order them."""
    russia = TagFactory(slug="russia")
    articles = [dated(datetime.date(2023, 3, 3), body=f"Conscription notice {n}.") for n in range(45)]
    for article in articles:
        article.tags.add(russia)
    return articles


def test_pages_keep_every_parameter_and_a_stable_order(client, many_same_day_articles):
    query_string = "?q=conscription&tag=russia&sort=relevance&aliases=1"
    first = get(client, query_string)
    nav = re.search(r'<nav class="pagination".*?</nav>', first.content.decode(), re.S).group(0)
    assert 'href="?q=conscription&amp;tag=russia&amp;sort=relevance&amp;aliases=1&amp;page=2"' in nav
    assert 'aria-current="page"' in nav
    assert "Showing 1\N{EN DASH}20 of 45" in first.content.decode()

    pages = [hit_ids(first)] + [hit_ids(get(client, f"{query_string}&page={n}")) for n in (2, 3)]
    assert [len(ids) for ids in pages] == [20, 20, 5]
    seen = [pk for ids in pages for pk in ids]
    assert sorted(seen) == sorted(article.pk for article in many_same_day_articles)
    assert seen == sorted(seen, reverse=True)  # equal rank and date: newest id first
    assert hit_ids(get(client, f"{query_string}&page=2")) == pages[1]  # and again the same

    second = get(client, f"{query_string}&page=2").content.decode()
    assert 'href="?q=conscription&amp;tag=russia&amp;sort=relevance&amp;aliases=1"' in second  # page 1: no page=
    assert 'aria-current="page"><span class="visually-hidden">Page </span>2</a>' in second
    assert "<title>conscription — Search, page 2 — News archive</title>" in second


def test_a_page_past_the_end_is_not_found(client, many_same_day_articles):
    get(client, "?q=conscription&page=4", status=404)
    get(client, "?q=nothing-matches-this&page=2", status=404)


@pytest.mark.parametrize(("sort", "expected"), [("relevance", [0, 1, 2]), ("newest", [1, 0, 2]), ("oldest", [2, 0, 1])])
def test_sort_orders(client, sort, expected):
    articles = [
        dated(datetime.date(2022, 1, 1), title="Conscription", body="Conscription offices."),  # twice: best
        dated(datetime.date(2023, 1, 1), title="Offices", summary="On conscription.", body="Other."),
        dated(datetime.date(2021, 1, 1), title="Other", body="Once: conscription, in a longer text than the others."),
    ]
    response = get(client, f"?q=conscription&sort={sort}")
    assert hit_ids(response) == [articles[n].pk for n in expected]
    assert f'<option value="{sort}" selected>' in response.content.decode()


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_few_results_sorted_by_date_are_found_then_sorted(client, sort, monkeypatch):
    """Not by walking the date index (``ArticleFilterSet.results``): same page, either way."""
    articles = [dated(datetime.date(2020 + n % 3, 1, 1), body=f"Conscription offices {n}.") for n in range(6)]
    expected = sorted(articles, key=lambda article: (article.published_on, article.pk), reverse=sort == "newest")
    with CaptureQueriesContext(connection) as queries:
        assert hit_ids(get(client, f"?q=conscription&sort={sort}")) == [article.pk for article in expected]
    assert sum("+ 0)" in query["sql"] for query in queries.captured_queries) == 1
    monkeypatch.setattr("articles.filters.FEW_RESULTS", 5)
    with CaptureQueriesContext(connection) as queries:
        assert hit_ids(get(client, f"?q=conscription&sort={sort}&aliases=0")) == [article.pk for article in expected]
    assert not any("+ 0)" in query["sql"] for query in queries.captured_queries)


def test_pages_of_a_full_ranking_window_are_those_of_the_one_queryset(client, monkeypatch):
    """The window's hits best first, then the others newest first, across the window's edge (``WindowFirst``)."""
    for n in range(26):
        dated(datetime.date(2000 + n % 7, 1 + n % 12, 1), body=f"Conscription office {n}. " + "conscription " * (n % 5))
    monkeypatch.setattr("articles.search.RANK_WINDOW", 12)
    filterset = ArticleFilterSet(QueryDict("q=conscription"))
    assert filterset.is_valid()
    one_queryset = [article.pk for article in filterset.qs]
    assert hit_ids(get(client, "?q=conscription")) == one_queryset[:20]
    assert hit_ids(get(client, "?q=conscription&page=2")) == one_queryset[20:]
    assert hit_ids(get(client, "?q=conscription&aliases=0")) == one_queryset[:20]


def test_relevance_is_the_default_with_words_and_newest_without(client):
    best = dated(datetime.date(2021, 1, 1), title="Conscription", body="Conscription offices.")
    newer = dated(datetime.date(2023, 1, 1), title="Other", body="Once: conscription.")
    assert hit_ids(get(client, "?q=conscription")) == [best.pk, newer.pk]
    assert hit_ids(get(client, "?q=&sort=relevance")) == [newer.pk, best.pk]


# --- Errors and escaping -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query_string", "message"),
    [
        ("?tag=no-such-tag", "There is no tag “no-such-tag”."),
        ("?source=nope&q=x", "There is no source “nope”."),
        ("?person=nobody", "There is no person “nobody”."),
        ("?date_from=2023-02-30", "Enter a date as YYYY-MM-DD."),
        ("?date_from=2023-02-01&date_to=2023-01-01", "The end date is before the start date"),
        ("?sort=random", "Sort by relevance, newest or oldest."),
        ("?rating=wrong", "There is no rating “wrong”"),
        ("?aliases=yes", "Use aliases=1 (the default) or aliases=0."),
        ("?q=conscription&page=abc", "Page numbers are whole numbers."),
        ("?page=0", "Pages start at 1."),
        ("?q=" + "x" * 501, "at most 500 characters"),
        ("?q=nul%00byte", "Null characters are not allowed."),
    ],
)
def test_invalid_parameters_answer_400_with_the_errors_in_the_page(client, seed_archive, query_string, message):
    response = get(client, query_string, status=400)
    page = response.content.decode()
    assert escape(message, quote=False) in page
    assert "This search could not be run" in page
    assert '<form class="search-form" role="search"' in page  # in the site's design, form and all
    assert 'class="search-hit"' not in page
    assert "Search without it" in page


def test_an_invalid_filter_is_dropped_from_the_hidden_inputs_and_can_be_removed(client, seed_archive):
    page = get(client, "?q=police&tag=moscow&tag=nope", status=400).content.decode()
    assert 'type="hidden" name="tag"' not in page
    assert 'href="/search/?q=police">Search without it</a>' in page


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "-",
        "OR",
        "*",
        "!!!",
        "a & b | c",
        "\\",
        "'",
        "<>",
        "(",
        "mobili*",
        "ноябрь",
        "-migrants",
        '"open',
        "x" * 500,
    ],
)
def test_odd_queries_never_fail(client, seed_archive, query):
    get(client, "?" + urlencode({"q": query}))


def test_the_query_is_escaped_everywhere_it_is_shown(client, seed_archive):
    query = '<script>alert("x")</script>'
    page = get(client, "?q=" + query.replace('"', "%22")).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page  # the title, heading and input


def test_invalid_values_are_escaped_in_the_errors(client):
    page = get(client, "?tag=%3Cb%3Ebold%3C/b%3E", status=400).content.decode()
    assert "<b>bold</b>" not in page
    assert "There is no tag “&lt;b&gt;bold&lt;/b&gt;”." in page


def test_drafts_and_retracted_articles_never_appear(client):
    tag = TagFactory(slug="moscow", name="Moscow")
    published = ArticleFactory(title="Published conscription report")
    published.tags.add(tag)
    for status in (ArticleStatus.DRAFT, ArticleStatus.RETRACTED):
        hidden = ArticleFactory(title=f"Hidden {status} conscription report", status=status, source=SourceFactory())
        hidden.tags.add(tag)
    for query_string in ("?q=conscription", "", "?tag=moscow", "?q=hidden"):
        response = get(client, query_string)
        assert "Hidden" not in response.content.decode()
        for facet in response.context["facets"]:
            assert all(value.count == 1 for value in facet.values), facet


# --- No results ----------------------------------------------------------------------------------


def test_no_results_says_so_and_offers_suggestions(client):
    tag = TagFactory(slug="migration", name="Migration")
    person = PersonFactory(name="Valentina Chupik")
    ArticleFactory(body="Migrants in Moscow.").tags.add(tag)
    vocabulary_refresh()
    response = get(client, "?q=chupek+migrnts&tag=migration")
    page = response.content.decode()
    assert "No published articles match “chupek migrnts” with these filters." in page
    assert 'Did you mean <a href="/search/?q=chupik+migrants&amp;tag=migration">chupik migrants</a>?' in page
    assert f'<a href="{person.get_absolute_url()}">Valentina Chupik</a>' in page
    assert f'<a href="{tag.get_absolute_url()}">Migration</a>' in page
    assert response.context["facets"] == []


def test_no_results_in_the_seed_archive(client, seed_archive):
    page = get(client, "?q=zzxqvw").content.decode()
    assert "No published articles match “zzxqvw”." in page
    assert 'class="search-hit"' not in page


# --- Query count ---------------------------------------------------------------------------------


def add_matching_articles(numbers: range, *, source, tags, people, claim) -> None:
    for n in numbers:
        article = dated(datetime.date(2020 + n % 4, 1 + n % 12, 1), source=source, body=f"Conscription report {n}.")
        article.tags.add(*tags)
        article.people.add(*people)
        article.authors.add(people[0])
        ClaimReportFactory(article=article, claim=claim, paragraph=1)


def count_queries(client, query_string: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = get(client, query_string)
    assert response.context["total"] >= 5
    return len(queries)


QUERY_COUNT_CASES = [
    "?q=conscription",
    "?q=conscription&tag=russia&tag=moscow&person=putin&source=newsweek&rating=false&date_from=2020-01-01",
    "?tag=russia&sort=oldest",
    "",
]


def test_query_count_is_fixed(client):
    source = SourceFactory(slug="newsweek")
    tags = [TagFactory(slug="russia"), TagFactory(slug="moscow")]
    people = [PersonFactory(slug="putin"), PersonFactory(slug="chupik")]
    claim = ClaimFactory(rating=ClaimRating.FALSE)
    add_matching_articles(range(5), source=source, tags=tags, people=people, claim=claim)
    few = [count_queries(client, case) for case in QUERY_COUNT_CASES]
    add_matching_articles(range(5, 60), source=source, tags=tags, people=people, claim=claim)
    many = [count_queries(client, case) for case in QUERY_COUNT_CASES]
    assert few == many
    assert max(many) <= MAX_QUERIES, many


@pytest.mark.parametrize("query_string", ["?q=conscription", "?q=conscription&sort=newest", ""])
def test_the_results_are_read_with_only_the_fields_the_page_shows(client, query_string):
    add_matching_articles(
        range(3), source=SourceFactory(), tags=[TagFactory()], people=[PersonFactory()], claim=ClaimFactory()
    )
    with CaptureQueriesContext(connection) as queries:
        response = get(client, query_string)
    assert len(response.context["articles"]) == 3
    read = [query["sql"] for query in queries if query["sql"].startswith('SELECT "articles_article"."id"')]
    assert read
    for sql in read:
        assert '"articles_article"."body"' in sql and '"articles_source"."name"' in sql
        selected = sql.split(" FROM ", 1)[0]
        for unshown in ("created_at", "updated_at", "archived_at", "retraction_note", "description"):
            assert f'"{unshown}"' not in selected, unshown
        assert '"articles_article"."search_vector", "' not in selected  # read only to score a hit, if at all


# --- The search log --------------------------------------------------------------------------------


def test_a_search_is_logged_with_its_words_filters_count_and_time_and_nothing_personal(client):
    tag = TagFactory(slug="moscow")
    for _ in range(2):
        ArticleFactory(title="Conscription raids").tags.add(tag)
    get(client, "?q=Conscription++RAIDS&tag=moscow&sort=newest", status=200)
    (log,) = SearchLog.objects.all()
    assert (log.query, log.query_normalised) == ("Conscription  RAIDS", "conscription raids")
    assert log.filters == {"tag": ["moscow"]}  # page and sort are not part of what was looked for
    assert log.result_count == 2
    assert log.duration_ms >= 0
    fields = {field.name for field in SearchLog._meta.get_fields()}
    assert fields == {"id", "query", "query_normalised", "filters", "result_count", "duration_ms", "searched_at"}


def test_later_pages_invalid_searches_plain_browsing_and_api_calls_are_not_logged(client):
    for n in range(25):
        ArticleFactory(title=f"Mobilisation report {n}")
    get(client, "?q=mobilisation&page=2")
    get(client, "?tag=nowhere", status=400)
    get(client, "")
    get(client, "?sort=oldest")
    assert client.get("/api/search/?q=mobilisation").status_code == 200
    assert not SearchLog.objects.exists()
    get(client, "?q=nothingmatchesthis")
    assert list(SearchLog.objects.values_list("query", "result_count")) == [("nothingmatchesthis", 0)]


# --- Partial matches -------------------------------------------------------------------------------


def test_a_misremembered_word_still_finds_the_article_and_the_page_says_so(client):
    wanted = ArticleFactory(title="Harbour report", body="The kettle and the lantern were found in the harbour.")
    ArticleFactory(body="Nothing about it.")
    response = get(client, "?q=kettle+lantern+zyxwvut")
    assert [article.pk for article in response.context["articles"]] == [wanted.pk]
    assert response.context["partial_match"] and response.context["words_not_found"] == ["zyxwvut"]
    html = response.content.decode()
    assert "Showing results that match some of your words" in html
    assert "so all are ranked together, the rarer words counting more" in html
    assert "Not found in any article: <strong>zyxwvut</strong>" in html
    assert "Matches some of your words." in html
    assert "1 article matches all or some of the words of" in html


def test_the_count_the_facets_and_the_timeline_are_counted_in_one_statement(client):
    russia = TagFactory(slug="russia", name="Russia")
    for n in range(25):
        article = dated(datetime.date(2021 + n % 3, 1 + n % 12, 1), body=f"Conscription report {n}.")
        if n % 2:
            article.tags.add(russia)
    ArticleFactory(body="An undated conscription report.")
    with CaptureQueriesContext(connection) as queries:
        response = get(client, "?q=conscription&page=2")
    assert not [query for query in queries if query["sql"].startswith("SELECT COUNT(*)")]  # the paginator's count
    context = response.context
    assert context["total"] == context["paginator"].count == 26
    assert len(context["articles"]) == 6 and context["page_obj"].number == 2
    tags = next(facet for facet in context["facets"] if facet.name == "tag")
    assert [(value.label, value.count) for value in tags.values] == [("Russia", 12)]
    assert context["timeline"] == timeline_for(context["filter"].qs)
    assert context["timeline"].undated == 1


def test_facets_and_count_include_the_partial_matches(client):
    source = SourceFactory(slug="newsweek")
    ArticleFactory(body="A walrus and a narwhal.", source=source)
    ArticleFactory(body="Only a narwhal.", source=source)
    response = get(client, "?q=walrus+narwhal")
    assert response.context["total"] == 2 and response.context["partial_match"]
    source_facet = next(facet for facet in response.context["facets"] if facet.name == "source")
    assert [value.count for value in source_facet.values] == [2]
    assert get(client, "?q=walrus+narwhal&source=newsweek").context["total"] == 2


def test_every_word_found_says_nothing_of_partial_matches(client):
    ArticleFactory(body="A walrus and a narwhal.")
    response = get(client, "?q=walrus+narwhal")
    assert not response.context["partial_match"]
    assert "some of your words" not in response.content.decode()
