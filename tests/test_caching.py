"""articles.caching: public pages and search counts served from the cache until the archive changes."""

import datetime
import re
import time
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.core.cache.backends import base as cache_base
from django.core.cache.backends import filebased
from django.db import connection, transaction
from django.http import HttpResponse, QueryDict
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from articles import caching
from articles.caching import people_version, public_version
from articles.filters import ArticleFilterSet, EditorArticleFilterSet
from articles.models import ArticleStatus, ClaimRating, SearchLog
from articles.search import ArticleSearch, prefer_index_scans
from articles.services import people_merge
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


def fetched(client, url: str, **headers):
    """The response to GET ``url`` and the SQL statements it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, [query["sql"] for query in queries]


# --- The published state ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda article: ArticleFactory(), id="new article"),
        pytest.param(lambda article: article.people.add(PersonFactory()), id="person linked"),
        pytest.param(lambda article: article.tags.add(TagFactory()), id="tag linked"),
        pytest.param(lambda article: article.authors.clear(), id="links removed"),
        pytest.param(lambda article: SourceFactory(), id="new source"),
        pytest.param(lambda article: ClaimReportFactory(article=article), id="claim reported"),
        pytest.param(lambda article: type(article).objects.filter(pk=article.pk).delete(), id="article deleted"),
    ],
)
def test_every_change_to_what_pages_show_moves_the_state(change):
    article = ArticleFactory()
    article.authors.add(PersonFactory())
    before = public_version()
    change(article)
    assert public_version() != before


def renamed(person, name: str):
    person.name = name
    person.save()


def retitled(article, title: str):
    article.title = title
    article.save()


def set_status(article, status: str):
    article.status = status
    article.retraction_note = (
        "Retracted: the quotes could not be confirmed." if status == ArticleStatus.RETRACTED else ""
    )
    article.save()


@pytest.mark.parametrize(
    "change, moves",
    [
        pytest.param(lambda article, person: renamed(person, "Raimundo Quesada"), True, id="person renamed"),
        pytest.param(lambda article, person: PersonAliasFactory(person=person), True, id="alias added"),
        pytest.param(lambda article, person: PersonFactory(), True, id="new person"),
        pytest.param(lambda article, person: article.people.add(PersonFactory()), True, id="person linked"),
        pytest.param(lambda article, person: article.authors.add(person), True, id="author linked"),
        pytest.param(lambda article, person: article.people.clear(), True, id="people removed"),
        pytest.param(lambda article, person: set_status(article, ArticleStatus.RETRACTED), True, id="retracted"),
        pytest.param(lambda article, person: ClaimReportFactory(article=article), True, id="claim reported"),
        pytest.param(
            lambda article, person: article.claims.update(claimant_person=None, claimant_source=SourceFactory()),
            True,
            id="claimant changed",
        ),
        pytest.param(
            lambda article, person: people_merge(keep=PersonFactory(), merged=[person]), True, id="people merged"
        ),
        # An edit that changes no one's name and no article's status or links to people.
        pytest.param(lambda article, person: article.save(), False, id="article saved"),
        pytest.param(lambda article, person: retitled(article, "Another title"), False, id="article retitled"),
        pytest.param(
            lambda article, person: set_status(article, ArticleStatus.PUBLISHED), False, id="status as it was"
        ),
        pytest.param(lambda article, person: article.tags.add(TagFactory()), False, id="tag linked"),
        pytest.param(lambda article, person: SourceFactory(), False, id="new source"),
        pytest.param(lambda article, person: ArticleFactory(), False, id="new article"),
    ],
)
def test_the_people_state_moves_with_who_a_name_names_and_whether_readers_see_them(change, moves):
    person = PersonFactory(name="Ramon Quesada")
    article = ArticleFactory()
    article.people.add(person)
    ClaimReportFactory(article=article, claim=ClaimFactory(claimant_person=PersonFactory()))
    before, published_before = people_version(), public_version()
    change(article, person)
    assert (people_version() != before) is moves
    assert public_version() != published_before  # which every change moves


def test_searches_logged_leave_the_state_alone(client):
    ArticleFactory(title="Mobilisation in Buryatia")
    before = public_version()
    client.get("/search/?q=mobilisation")
    assert SearchLog.objects.count() == 1
    assert public_version() == before


def test_a_change_rolled_back_leaves_the_state_as_it_was():
    article = ArticleFactory()
    before = public_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        article.title = "Never committed"
        article.save()
        raise RuntimeError
    assert public_version() == before


# --- Whole pages -----------------------------------------------------------------------------


def test_an_article_page_is_built_once_then_served_from_the_cache(client):
    article = ArticleFactory(title="Recruitment offices in Moscow")
    first, built = fetched(client, article.get_absolute_url())
    again, served = fetched(client, article.get_absolute_url())
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert len(built) > 1
    assert len(served) == 1  # the published state, and nothing else
    # The middleware's headers are on the cached answer too.
    assert again["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "change, shown",
    [
        pytest.param(
            lambda article: setattr(article, "title", "A corrected headline"), "A corrected headline", id="title"
        ),
        pytest.param(
            lambda article: setattr(article, "status", ArticleStatus.RETRACTED),
            "Retracted: the reporting",
            id="retracted",
        ),
    ],
)
def test_an_edited_article_is_shown_as_edited(client, change, shown):
    article = ArticleFactory(title="The first headline")
    client.get(article.get_absolute_url())
    change(article)
    if article.status == ArticleStatus.RETRACTED:
        article.retraction_note = "Retracted: the reporting could not be verified."
    article.save()
    assert shown in client.get(article.get_absolute_url()).content.decode()


def test_an_unpublished_article_is_gone_at_once(client):
    article = ArticleFactory()
    assert client.get(article.get_absolute_url()).status_code == 200
    article.status = ArticleStatus.DRAFT
    article.save()
    assert client.get(article.get_absolute_url()).status_code == 404
    assert client.get(f"/api{article.get_absolute_url()}").status_code == 404


def test_a_renamed_person_is_renamed_on_the_pages_of_their_articles(client):
    article = ArticleFactory()
    person = PersonFactory(name="Ivan Petrov")
    article.people.add(person)
    assert "Ivan Petrov" in client.get(article.get_absolute_url()).content.decode()
    person.name = "Ivan Petrov-Vodkin"
    person.save()
    assert "Ivan Petrov-Vodkin" in client.get(article.get_absolute_url()).content.decode()


def test_a_merge_shows_on_the_pages_of_the_merged_person(client):
    kept, duplicate = PersonFactory(name="Aliya Karimova"), PersonFactory(name="Aliia Karimova")
    article = ArticleFactory()
    article.people.add(duplicate)
    assert "Aliia Karimova" in client.get(article.get_absolute_url()).content.decode()
    people_merge(keep=kept, merged=[duplicate])
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Aliya Karimova" in page
    assert "Aliia Karimova" not in page


def test_the_json_twin_is_cached_with_its_headers(client):
    article = ArticleFactory()
    url = f"/api{article.get_absolute_url()}"
    first, _ = fetched(client, url)
    again, served = fetched(client, url)
    assert again.json() == first.json()
    assert len(served) == 1
    assert again["Access-Control-Allow-Origin"] == "*"


def test_a_page_read_on_another_day_is_built_again(client):
    """Pages cite the day they are read on."""
    article = ArticleFactory()
    client.get(article.get_absolute_url())
    with mock.patch("articles.caching.timezone.localdate", return_value=datetime.date(2031, 1, 2)):
        _, queries = fetched(client, article.get_absolute_url())
    assert len(queries) > 1


def test_errors_and_redirects_are_not_cached(client):
    person = PersonFactory()
    url = person.get_absolute_url()
    for _ in range(2):
        response, queries = fetched(client, f"{url}?page=abc")
        assert response.status_code == 404
        assert len(queries) > 1
    wrong_slug = url.replace(person.slug, "old-slug")
    for _ in range(2):
        assert client.get(wrong_slug).status_code == 301


def test_a_client_that_has_the_page_gets_a_304(client):
    article = ArticleFactory()
    etag = client.get(article.get_absolute_url())["ETag"]
    response, queries = fetched(client, article.get_absolute_url(), if_none_match=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response.content == b""
    assert len(queries) == 1
    article.title = "Changed since"
    article.save()
    changed = client.get(article.get_absolute_url(), headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_the_cache_can_be_turned_off(client, settings):
    settings.ARCHIVE_CACHE_SECONDS = 0
    article = ArticleFactory()
    client.get(article.get_absolute_url())
    response, queries = fetched(client, article.get_absolute_url())
    assert len(queries) > 1
    assert not response.has_header("ETag")


# --- The search page's counts ----------------------------------------------------------------


def counts_statements(queries: list[str]) -> list[str]:
    return [sql for sql in queries if sql.startswith("WITH results")]


def test_search_counts_are_counted_once_per_published_state(client):
    for n in range(3):
        ArticleFactory(title=f"Migrants queue at the border, day {n}")
    first, queries = fetched(client, "/search/?q=migrants")
    assert len(counts_statements(queries)) == 1
    again, queries = fetched(client, "/search/?q=migrants")
    assert counts_statements(queries) == []
    assert again.context["total"] == first.context["total"] == 3
    # The hits themselves are searched each time.
    assert [a.pk for a in again.context["articles"]] == [a.pk for a in first.context["articles"]]

    ArticleFactory(title="Migrants return home")
    later, queries = fetched(client, "/search/?q=migrants")
    assert len(counts_statements(queries)) == 1
    assert later.context["total"] == 4


def test_search_counts_are_kept_apart_by_filters(client):
    source = SourceFactory()
    ArticleFactory(title="Migrants and the draft", source=source)
    ArticleFactory(title="Migrants and the war")
    assert client.get("/search/?q=migrants").context["total"] == 2
    assert client.get(f"/search/?q=migrants&source={source.slug}").context["total"] == 1


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"q": "draft migrants", "aliases": "0"}, id="aliases off"),
        pytest.param({"q": "draft migrants", "sort": "newest"}, id="newest first"),
        pytest.param({"q": "draft migrants", "source": "the-siberian-times"}, id="source"),
        pytest.param({"q": "draft migrants", "person": "sardana-avksentieva"}, id="person"),
        pytest.param({"q": "draft migrants", "tag": "buryatia"}, id="tag"),
        pytest.param({"q": "draft migrants", "date_from": "2022-10-01"}, id="date from"),
        pytest.param({"q": "draft migrants", "date_to": "2022-09-30"}, id="date to"),
        pytest.param({"q": "draft migrants", "rating": "false"}, id="rating"),
        pytest.param({"q": "draft"}, id="other words"),
        pytest.param({"q": "draft migrants", "source": "the-siberian-times", "tag": "buryatia"}, id="two filters"),
        pytest.param({}, id="no words"),
    ],
)
def test_counts_cached_for_one_search_are_never_served_for_another(settings, params):
    # Keyed by the parameters, not by the statement: each change of one must count anew.
    source = SourceFactory(slug="the-siberian-times")
    sardana = PersonFactory(slug="sardana-avksentieva", name="Sardana Avksentieva")
    buryatia = TagFactory(slug="buryatia")
    ArticleFactory(
        title="The draft in Buryatia", source=source, published_on=datetime.date(2022, 9, 21), published_precision="day"
    )
    ArticleFactory(
        title="Migrants and the draft", published_on=datetime.date(2022, 10, 5), published_precision="day"
    ).tags.add(buryatia)
    ArticleFactory(title="Draft migrants to the front", source=source).people.add(sardana)
    ArticleFactory(title="Draft offices", status=ArticleStatus.DRAFT)
    rated = ArticleFactory(
        title="Migrants drafted, says a governor", published_on=datetime.date(2022, 9, 1), published_precision="day"
    )
    ClaimReportFactory(article=rated, claim=ClaimFactory(rating="false"))
    ArticleFactory(title="Avksentieva on the draft")  # found through her name with aliases on

    def counted(params: dict) -> tuple:
        filterset = ArticleFilterSet(params)
        assert filterset.is_valid(), filterset.errors
        counts = filterset.counts()
        return counts.total, counts.months, [facet.values for facet in counts.facets], sorted(counts.ids or [])

    settings.ARCHIVE_CACHE_SECONDS = 0
    expected = counted(params)
    settings.ARCHIVE_CACHE_SECONDS = 3600
    counted({"q": "draft migrants"})  # cached first, under the parameters that differ
    assert counted(params) == expected
    assert counted(params) == expected  # and from the cache


def test_search_counts_are_kept_apart_for_the_editors_tools():
    # The same parameters count drafts for the editors (EditorArticleFilterSet) and never for readers.
    ArticleFactory(title="Migrants and the draft")
    ArticleFactory(title="Migrants at the border", status=ArticleStatus.DRAFT)
    assert ArticleFilterSet({"q": "migrants"}).counts().total == 1
    assert EditorArticleFilterSet({"q": "migrants"}).counts().total == 2
    assert ArticleFilterSet({"q": "migrants"}).counts().total == 1


def test_counts_from_the_cache_cost_the_published_state_only(django_assert_num_queries):
    for n in range(3):
        ArticleFactory(title=f"Migrants queue at the border, day {n}")
    first = ArticleFilterSet({"q": "migrants border"})
    first.is_valid()
    counts = first.counts()
    again = ArticleFilterSet({"q": "migrants border"})
    again.is_valid()
    again.searched  # noqa: B018  (the search's own look-ups, remembered, are not the counts')
    with django_assert_num_queries(1):
        assert again.counts() == counts
    assert "_qs" not in vars(again)  # the search's statement was not written for the counts


def test_what_another_version_of_the_code_cached_is_not_served(client, monkeypatch):
    for n in range(2):
        ArticleFactory(title=f"Migrants queue at the border, day {n}")
    article = ArticleFactory(title="Recruitment offices in Moscow")
    client.get(article.get_absolute_url())
    fetched(client, "/search/?q=migrants")
    monkeypatch.setattr(caching, "CODE_VERSION", "another")
    _, queries = fetched(client, article.get_absolute_url())
    assert len(queries) > 1  # built again
    _, queries = fetched(client, "/search/?q=migrants")
    assert len(counts_statements(queries)) == 1


def test_the_code_version_is_that_of_the_code_templates_and_django(settings, tmp_path):
    assert caching._code_version() == caching.CODE_VERSION
    with mock.patch("django.get_version", return_value="0.0"):
        assert caching._code_version() != caching.CODE_VERSION
    # Other templates (a folder holding one edited page) give another version.
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "base.html").write_text("<!doctype html><title>edited</title>")
    settings.BASE_DIR = tmp_path
    assert caching._code_version() != caching.CODE_VERSION


def test_a_claim_rated_again_is_counted_again(client):
    claim = ClaimFactory(rating="false")
    ClaimReportFactory(claim=claim, article=ArticleFactory(title="Claims about the draft"))
    assert client.get("/search/?q=draft&rating=false").context["total"] == 1
    claim.rating = "supported"
    claim.save()
    assert client.get("/search/?q=draft&rating=false").context["total"] == 0


# --- Whether a search falls back to partial matches ------------------------------------------


def fallback_decisions(queries: list[str]) -> list[str]:
    return [sql for sql in queries if "WITH full_matches AS" in sql]


def test_whether_a_search_falls_back_is_decided_once_per_published_state(client):
    ArticleFactory(title="Migrants queue at the border")
    ArticleFactory(title="Deportation flights resume")
    first, queries = fetched(client, "/search/?q=migrants+deportation")
    assert len(fallback_decisions(queries)) == 1
    assert first.context["partial_match"]
    for url in ("/search/?q=migrants+deportation", "/search/?q=migrants+deportation&sort=newest"):
        again, queries = fetched(client, url)
        assert fallback_decisions(queries) == []
        assert again.context["partial_match"]
        assert again.context["total"] == 2

    for n in range(20):  # enough articles with both words: no partial matches any more
        ArticleFactory(title=f"Migrants face deportation, case {n}")
    with mock.patch.object(ArticleSearch, "_fallback_statement", autospec=True) as write:
        later, queries = fetched(client, "/search/?q=migrants+deportation")
    assert len(fallback_decisions(queries)) == 1  # decided again,
    assert write.call_count == 0  # from the statement written for the first state (``caching.written``)
    assert not later.context["partial_match"]
    assert later.context["total"] == 20


def test_a_decision_is_remembered_for_the_words_as_typed_and_the_people_they_name(client):
    chupik = PersonFactory(name="Valentina Chupik")
    for n in range(20):
        ArticleFactory(title=f"Deportation case {n}").people.add(chupik)
    # Through the links, twenty articles have both words: no partial matches.
    with_names = client.get("/search/?q=Chupik+deportation")
    assert not with_names.context["partial_match"] and with_names.context["total"] == 20
    # In the text alone, none has the name: the same words, decided again, fall back.
    text_only = client.get("/search/?q=Chupik+deportation&aliases=0")
    assert text_only.context["partial_match"] and text_only.context["words_not_found"] == ["Chupik"]
    # Words no article has are named as the reader typed them.
    assert client.get("/search/?q=CHUPIK+deportation&aliases=0").context["words_not_found"] == ["CHUPIK"]


def test_the_decisions_remembered_are_bounded(client, monkeypatch):
    monkeypatch.setattr(caching, "REMEMBERED_KEPT", 2)
    ArticleFactory(title="Migrants queue at the border")
    for words in ("migrants border", "queue border", "migrants queue"):
        client.get(f"/search/?q={words.replace(' ', '+')}")
    assert len(caching._remembered) == 2


# --- One snapshot per search request -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_search_request_sees_one_snapshot_and_reads_its_published_state_once():
    """``search.prefer_index_scans``: a GET that starts its transaction makes it REPEATABLE READ, so
    the state read first holds for the whole request; a request that may write stays READ COMMITTED."""
    seen = {}

    def view(request):
        with connection.cursor() as cursor:
            cursor.execute("SHOW transaction_isolation")
            seen[request.method] = (cursor.fetchone()[0], [public_version() for _ in range(3)])
        return HttpResponse()

    searched = prefer_index_scans(view)
    with CaptureQueriesContext(connection) as queries:
        searched(RequestFactory().get("/search/"))
    assert seen["GET"][0] == "repeatable read"
    assert len(set(seen["GET"][1])) == 1
    assert [query["sql"] for query in queries].count(caching.PUBLIC_VERSION_SQL) == 1
    with CaptureQueriesContext(connection) as queries:
        searched(RequestFactory().post("/search/"))
    assert seen["POST"][0] == "read committed"
    assert [query["sql"] for query in queries].count(caching.PUBLIC_VERSION_SQL) == 3
    # Inside a transaction already (as in tests): its isolation is kept, and the state read each time.
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        searched(RequestFactory().get("/search/"))
    assert seen["GET"][0] == "read committed"
    assert [query["sql"] for query in queries].count(caching.PUBLIC_VERSION_SQL) == 3


@pytest.mark.django_db(transaction=True)
def test_a_search_page_reads_the_published_state_once(client):
    person = PersonFactory(name="Valentina Chupik")
    ArticleFactory(body="Valentina Chupik spoke about the raids.").people.add(person)
    ArticleFactory(body="The raids went on.")
    for _ in range(2):  # counted, then from the cache
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/search/", {"q": "Chupik raids"})
        assert response.status_code == 200 and response.context["total"] == 2  # one with some of the words
        assert [query["sql"] for query in queries].count(caching.PUBLIC_VERSION_SQL) == 1


# --- The search counts' segments -------------------------------------------------------------


def segment_states() -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(caching.COUNT_SEGMENTS_SQL)
        return {segment: f"{number}.{changed_by}" for segment, number, changed_by in cursor.fetchall()}


def in_segment(segment: int, offset: int = 0) -> int:
    """An article id in ``segment`` (migration 0025's blocks of ids)."""
    return caching.count_segment_bounds(segment)[0] + 1 + offset


def rate(article, rating: str):
    ClaimReportFactory(article=article, claim=ClaimFactory(rating=rating))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda article: ArticleFactory(pk=in_segment(2, 1)), id="new article"),
        pytest.param(lambda article: article.save(), id="article saved"),
        pytest.param(lambda article: type(article).objects.filter(pk=article.pk).delete(), id="article deleted"),
        pytest.param(lambda article: article.people.add(PersonFactory()), id="person linked"),
        pytest.param(lambda article: article.authors.add(PersonFactory()), id="author linked"),
        pytest.param(lambda article: article.tags.add(TagFactory()), id="tag linked"),
        pytest.param(lambda article: article.tags.clear(), id="tags removed"),
        pytest.param(lambda article: ClaimReportFactory(article=article), id="claim reported"),
        pytest.param(lambda article: article.claims.update(rating=ClaimRating.SUPPORTED), id="claim rated again"),
    ],
)
def test_a_change_to_an_article_moves_its_segment_only(change):
    article = ArticleFactory(pk=in_segment(2))
    article.tags.add(TagFactory())
    rate(article, "false")
    ArticleFactory(pk=in_segment(0))
    before = segment_states()
    change(article)
    after = segment_states()
    assert after[2] != before[2]
    assert after[0] == before[0]
    assert set(after) == {0, 2}  # a segment without articles has no state


def test_a_segment_is_that_of_the_triggers():
    ArticleFactory(pk=caching.count_segment_bounds(5)[0])
    ArticleFactory(pk=caching.count_segment_bounds(5)[1] - 1)
    assert set(segment_states()) == {5}


def counts_in_one_snapshot(params: dict) -> tuple:
    """The counts as a search request finds them (one snapshot: ``by_segment`` keeps them by segment)."""
    with caching.one_published_state():
        filterset = ArticleFilterSet(QueryDict(urlencode(params, doseq=True)))
        assert filterset.is_valid(), filterset.errors
        counts = filterset.counts()
    ids = None if counts.ids is None else sorted(counts.ids)
    return counts.total, sorted(counts.months, key=repr), [facet.values for facet in counts.facets], ids


# Two segments of the first block (counted together) and three of the third, the newest (counted
# segment by segment: ``by_segment``).
ARCHIVE_SEGMENTS = (0, 1, 33, 34, 35)


def segmented_archive() -> dict:
    """Articles about the draft in five segments of two blocks, with sources, people, tags and a rated claim."""
    sources = [SourceFactory(slug="the-siberian-times"), SourceFactory(slug="meduza")]
    people = [
        PersonFactory(name="Sardana Avksentieva", slug="sardana-avksentieva"),
        PersonFactory(name="Valentina Chupik", slug="valentina-chupik"),
    ]
    tags = [TagFactory(slug="buryatia"), TagFactory(slug="migrants")]
    articles = {}
    for segment in ARCHIVE_SEGMENTS:
        for n in range(4):
            article = ArticleFactory(
                pk=in_segment(segment, n),
                title=f"The draft, part {n}" if n < 3 else "Migrants at the border",
                source=sources[n % 2],
                published_on=datetime.date(2022, 9 + n, 1 + segment % 28),
                published_precision="day",
            )
            article.people.add(people[(n + segment) % 2])
            article.tags.add(tags[n % 2])
            articles[segment, n] = article
    rate(articles[1, 0], "false")
    return {"articles": articles, "people": people, "tags": tags, "sources": sources}


SEGMENTED_SEARCHES = [
    {"q": "draft"},
    {"q": "draft", "sort": "newest"},
    {"q": "draft", "tag": "buryatia"},
    {"q": "draft", "person": ["sardana-avksentieva", "valentina-chupik"]},
    {"q": "draft", "source": "the-siberian-times", "tag": "migrants"},
    {"q": "draft", "rating": "false"},
    {"q": "draft OR migrants", "date_from": "2022-10-01"},
    {"q": "Valentina Chupik"},
    {},
]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda archive: archive["articles"][1, 0].tags.add(archive["tags"][1]), id="tag linked"),
        pytest.param(lambda archive: archive["articles"][1, 1].people.clear(), id="people removed"),
        pytest.param(
            lambda archive: (
                type(archive["articles"][35, 2])
                .objects.filter(pk=archive["articles"][35, 2].pk)
                .update(status=ArticleStatus.RETRACTED, retraction_note="Retracted: not verified.")
            ),
            id="article retracted",
        ),
        pytest.param(lambda archive: ArticleFactory(pk=in_segment(36), title="Draft notices"), id="new segment"),
        pytest.param(lambda archive: ArticleFactory(pk=in_segment(50), title="Draft notices"), id="new block"),
        pytest.param(lambda archive: ArticleFactory(pk=in_segment(20), title="Draft notices"), id="older new block"),
        pytest.param(
            lambda archive: archive["articles"][1, 0].claims.update(rating=ClaimRating.SUPPORTED), id="rated again"
        ),
        pytest.param(lambda archive: type(archive["articles"][0, 0]).objects.all().delete(), id="all deleted"),
    ],
)
@pytest.mark.parametrize("params", SEGMENTED_SEARCHES, ids=repr)
def test_counts_kept_by_segment_equal_counts_made_anew(settings, params, change):
    archive = segmented_archive()
    counts_in_one_snapshot(params)  # kept, segment by segment
    change(archive)
    kept = counts_in_one_snapshot(params)
    settings.ARCHIVE_CACHE_SECONDS = 0
    assert kept == counts_in_one_snapshot(params)


CHOSEN_FACETS = ("source", "person", "tag")


@pytest.mark.parametrize("changed", [False, True], ids=["unchanged", "changed since"])
@pytest.mark.parametrize(
    "params", [params for params in SEGMENTED_SEARCHES if set(params) & set(CHOSEN_FACETS)], ids=repr
)
def test_a_facet_link_reads_what_other_values_would_add_from_the_counts_of_the_search_it_came_from(
    settings, params, changed
):
    """Kept by segment under the same key: only the results' own counts are counted (and, after a change,
    the changed segment of the others)."""
    archive = segmented_archive()
    for name in set(params) & set(CHOSEN_FACETS):
        counts_in_one_snapshot({key: value for key, value in params.items() if key != name})
    if changed:
        archive["articles"][35, 2].tags.add(archive["tags"][1])
        archive["articles"][35, 2].people.add(archive["people"][0])
    with CaptureQueriesContext(connection) as queries:
        kept = counts_in_one_snapshot(params)
    statements = counts_statements([query["sql"] for query in queries])
    chosen = len(set(params) & set(CHOSEN_FACETS))
    assert len(statements) == (1 + chosen if changed else 1)
    if changed:
        assert all(counted_ranges(statement) == [ids_of(35, 35)] for statement in statements[1:])
    settings.ARCHIVE_CACHE_SECONDS = 0
    assert kept == counts_in_one_snapshot(params)


def counted_ranges(statement: str) -> list[tuple[int, int]]:
    """The ranges of ids a counts statement is restricted to (in each of its expressions)."""
    found = re.findall(r'"articles_article"."id" >= (\d+) AND "articles_article"."id" < (\d+)', statement)
    return sorted({(int(start), int(end)) for start, end in found})


def ids_of(first: int, last: int) -> tuple[int, int]:
    """The range of ids of segments ``first`` to ``last``."""
    return caching.count_segment_bounds(first)[0], caching.count_segment_bounds(last)[1]


def counted_after(change, params: dict) -> list[list[tuple[int, int]]]:
    """The ranges of ids each counts statement of a search reads after ``change`` (counts kept before)."""
    counts_in_one_snapshot(params)
    change()
    with CaptureQueriesContext(connection) as queries:
        kept = counts_in_one_snapshot(params)
    with override_settings(ARCHIVE_CACHE_SECONDS=0):
        assert kept == counts_in_one_snapshot(params)
    return [counted_ranges(statement) for statement in counts_statements([query["sql"] for query in queries])]


def test_after_a_change_in_the_newest_block_only_its_segment_is_counted_again():
    archive = segmented_archive()
    params = {"q": "draft", "tag": "buryatia"}
    # The results' counts, then what another tag would add (the search without the tag, its tags alone).
    changed = [ids_of(34, 34)]
    assert counted_after(lambda: archive["articles"][34, 2].tags.clear(), params) == [changed, changed]
    with CaptureQueriesContext(connection) as queries:
        total = counts_in_one_snapshot(params)[0]  # unchanged since: nothing counted
    assert counts_statements([query["sql"] for query in queries]) == []
    assert total == 2 * 5 - 1  # parts 0 and 2 in five segments, less the one untagged


def test_a_name_search_reads_only_the_changed_segment_from_each_part_of_its_union():
    archive = segmented_archive()
    params = {"q": "Valentina Chupik"}  # her articles by their text (none) or their links
    counts_in_one_snapshot(params)
    archive["articles"][34, 2].people.clear()
    with CaptureQueriesContext(connection) as queries:
        kept = counts_in_one_snapshot(params)
    [statement] = counts_statements([query["sql"] for query in queries])
    start, _ = ids_of(34, 34)
    # Outside the union, and inside its three parts: the text's matches, the mentions, the bylines.
    assert len(re.findall(rf'"id" >= {start}\b', statement)) == 4
    with override_settings(ARCHIVE_CACHE_SECONDS=0):
        assert kept == counts_in_one_snapshot(params)


def test_after_a_change_in_an_older_block_the_block_is_counted_again():
    archive = segmented_archive()
    assert counted_after(lambda: archive["articles"][1, 2].tags.clear(), {"q": "draft"}) == [[ids_of(0, 1)]]


def test_a_block_counted_segment_by_segment_stays_so_when_a_newer_one_comes():
    archive = segmented_archive()
    params = {"q": "draft"}
    assert counted_after(lambda: ArticleFactory(pk=in_segment(50), title="Draft notices"), params) == [
        [ids_of(50, 50)]  # the new newest block, segment by segment
    ]
    assert counted_after(lambda: archive["articles"][33, 1].tags.clear(), params) == [[ids_of(33, 33)]]
    assert counted_after(lambda: archive["articles"][34, 1].tags.clear(), params) == [[ids_of(34, 34)]]
    assert counted_after(lambda: ArticleFactory(pk=in_segment(51)), params) == [[ids_of(51, 51)]]


def test_a_block_counted_segment_by_segment_is_counted_whole_once_everything_is_counted_again():
    first = ArticleFactory(pk=in_segment(0), title="The draft")
    ArticleFactory(pk=in_segment(1), title="The draft again")
    params = {"q": "draft"}
    counts_in_one_snapshot(params)  # block 0, the newest, segment by segment

    def newer_block():
        for segment in (33, 34, 35):
            ArticleFactory(pk=in_segment(segment), title="Draft notices")

    assert counted_after(newer_block, params) == [[]]  # three segments of five: everything, at once
    assert counted_after(lambda: first.tags.add(TagFactory()), params) == [[ids_of(0, 1)]]


def test_an_older_block_new_to_the_counts_is_counted_whole():
    segmented_archive()
    params = {"q": "draft"}
    assert counted_after(lambda: ArticleFactory(pk=in_segment(20), title="Draft notices"), params) == [[ids_of(20, 20)]]
    # Kept for its block, segment 20 is counted again with the block's new segment.
    assert counted_after(lambda: ArticleFactory(pk=in_segment(21), title="Draft notices"), params) == [[ids_of(20, 21)]]


def segment_keys(calls) -> list[str]:
    """The keys of ``by_segment``'s entries among cache calls: the units of one segment and their sum,
    then those of whole blocks (``…:token``)."""
    keys = [call.args[0] for call in calls]
    return sorted({"blocks" if key.count(":") > 4 else "segments" for key in keys if "count-segments" in key})


def test_the_whole_blocks_values_are_read_and_written_only_when_one_of_them_changes():
    archive = segmented_archive()
    params = {"q": "draft"}
    with mock.patch.object(caching, "cache", wraps=caching.cache) as cache:
        counts_in_one_snapshot(params)
        assert segment_keys(cache.set.call_args_list) == ["blocks", "segments"]
        for change, read_and_written in [
            (lambda: archive["articles"][35, 1].tags.clear(), ["segments"]),
            (lambda: archive["articles"][1, 1].tags.clear(), ["blocks", "segments"]),
        ]:
            cache.reset_mock()
            change()
            kept = counts_in_one_snapshot(params)
            assert segment_keys(cache.get.call_args_list) == read_and_written
            assert segment_keys(cache.set.call_args_list) == read_and_written
            with override_settings(ARCHIVE_CACHE_SECONDS=0):
                assert kept == counts_in_one_snapshot(params)


def test_an_archive_within_its_newest_block_keeps_no_whole_blocks_values():
    ArticleFactory(pk=in_segment(0), title="The draft")
    ArticleFactory(pk=in_segment(3), title="The draft again")
    with mock.patch.object(caching, "cache", wraps=caching.cache) as cache:
        counts_in_one_snapshot({"q": "draft"})
    assert segment_keys(cache.set.call_args_list) == ["segments"]


def test_when_the_whole_blocks_values_are_lost_all_are_counted_again():
    archive = segmented_archive()
    params = {"q": "draft", "tag": "buryatia"}
    with mock.patch.object(caching, "cache", wraps=caching.cache) as cache:
        counts_in_one_snapshot(params)
    # The results' and what another tag would add (the search without the tag, its tags alone).
    blocks_keys = [call.args[0] for call in cache.set.call_args_list if call.args[0].count(":") > 4]
    assert len(blocks_keys) == 2
    caching.cache.delete_many(blocks_keys)
    assert counted_after(lambda: archive["articles"][1, 1].tags.clear(), params) == [[], []]


DAY = 24 * 3600


class CacheClock:
    """The time the file cache reads, moved on by hand (``cache_clock``)."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def cache_clock():
    clock = CacheClock()
    with mock.patch.object(filebased, "time", clock), mock.patch.object(cache_base, "time", clock):
        yield clock


def test_counts_kept_by_segment_outlive_the_cached_pages_while_they_are_read(settings, cache_clock):
    settings.ARCHIVE_CACHE_SECONDS, settings.ARCHIVE_COUNTS_KEPT_SECONDS = 3600, 7 * DAY
    archive = segmented_archive()  # two blocks: the older one's values are kept apart
    params = {"q": "draft", "tag": "buryatia"}
    counts = counts_in_one_snapshot(params)

    def counted() -> list[list[tuple[int, int]]]:
        with CaptureQueriesContext(connection) as queries:
            assert counts_in_one_snapshot(params) == counts
        return [counted_ranges(statement) for statement in counts_statements([query["sql"] for query in queries])]

    cache_clock.advance(2 * 3600)  # the counts cached for the published state have expired
    assert counted() == []  # read from those kept by segment, which are then kept as long again
    cache_clock.advance(7 * DAY - 3600)  # a week after they were counted, but not after they were read
    assert counted() == []
    # A change to the older block: its values, kept apart and read by no one since they were written
    # but kept as long as the counts naming them, are read; only that block is counted again.
    archive["articles"][1, 1].tags.clear()
    with override_settings(ARCHIVE_CACHE_SECONDS=0):
        counts = counts_in_one_snapshot(params)
    assert counted() == [[ids_of(0, 1)], [ids_of(0, 1)]]
    cache_clock.advance(6 * DAY)
    assert counted() == []
    # A change to the newest block, days later: the counts naming the older block's values are
    # written again, and those values kept as long, though they are neither read nor written.
    archive["articles"][35, 1].tags.clear()
    with override_settings(ARCHIVE_CACHE_SECONDS=0):
        counts = counts_in_one_snapshot(params)
    cache_clock.advance(6 * DAY)
    assert counted() == [[ids_of(35, 35)], [ids_of(35, 35)]]
    archive["articles"][1, 2].tags.clear()
    with override_settings(ARCHIVE_CACHE_SECONDS=0):
        counts = counts_in_one_snapshot(params)
    cache_clock.advance(2 * DAY)
    assert counted() == [[ids_of(0, 1)], [ids_of(0, 1)]]
    cache_clock.advance(7 * DAY + 1)  # read by no one for longer than that: counted anew
    assert counted() == [[], []]


def test_when_half_the_segments_or_more_changed_all_are_counted_at_once():
    archive = segmented_archive()  # five segments: three counted again, those of the first block and one
    params = {"q": "draft", "tag": "buryatia"}

    def change():
        archive["articles"][0, 2].tags.clear()
        archive["articles"][35, 2].tags.clear()

    # By the search's own index, not by ranges of ids: the results' counts, and what another tag would add.
    assert counted_after(change, params) == [[], []]


def test_values_a_chosen_facet_would_add_are_counted_where_there_are_no_results(settings):
    # The person facet widens: with two people chosen, the others' counts are the articles they
    # would add. Segment 35 loses its results; those it would add must still be counted there.
    archive = segmented_archive()
    third = PersonFactory(slug="a-third-person")
    archive["articles"][35, 0].people.add(third)
    params = {"q": "draft", "person": ["sardana-avksentieva"], "tag": "buryatia"}
    counts_in_one_snapshot(params)
    archive["articles"][35, 2].tags.clear()
    archive["articles"][35, 0].tags.clear()
    kept = counts_in_one_snapshot(params)
    settings.ARCHIVE_CACHE_SECONDS = 0
    assert kept == counts_in_one_snapshot(params)
