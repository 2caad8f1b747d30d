"""``manage.py keep_search_counts``: the searches made most, counted ahead of their next reader."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import caching
from articles.models import SearchLog
from tests.factories import ArticleFactory, PersonFactory, SourceFactory, TagFactory

pytestmark = pytest.mark.django_db

DRAFT = "/search/?q=draft"
MIGRANTS_IN_BURYATIA = "/search/?q=migrants&tag=buryatia"
FROM_MEDUZA = "/search/?source=meduza&person=sardana-avksentieva"


@pytest.fixture
def archive():
    meduza = SourceFactory(slug="meduza")
    buryatia = TagFactory(slug="buryatia")
    sardana = PersonFactory(name="Sardana Avksentieva", slug="sardana-avksentieva")
    for n in range(6):
        article = ArticleFactory(
            title="The draft in Buryatia" if n % 2 else "Migrants leave after the draft",
            source=meduza if n < 4 else SourceFactory(),
        )
        article.tags.add(buryatia if n % 3 else TagFactory())
        if n % 2:
            article.people.add(sardana)


def searched(client, address: str, times: int) -> None:
    for _ in range(times):
        assert client.get(address).status_code == 200


def page_counted(client, address: str) -> tuple[int, dict, int]:
    """The page's total and facets, and how many counting statements it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200
    facets = {facet.name: facet.values for facet in response.context["facets"]}
    counted = sum(query["sql"].startswith("WITH results") for query in queries)
    return response.context["total"], facets, counted


def kept(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("keep_search_counts", *args, verbosity=2, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_searches_made_most_are_counted_ahead_and_their_readers_count_nothing(archive, client):
    searched(client, DRAFT, 3)
    searched(client, FROM_MEDUZA, 2)  # browsing with filters is logged, and counted ahead, too
    searched(client, MIGRANTS_IN_BURYATIA, 1)
    caching.cache.clear()  # a deploy, or counts pushed out of the cache

    out, err = kept("--searches", "2")

    assert err == ""
    assert "Kept the counts of 2 searches" in out
    assert f"{DRAFT}: 6 results" in out
    assert "/search/?person=sardana-avksentieva&source=meduza: 2 results" in out  # the log keeps them sorted
    for address in (DRAFT, FROM_MEDUZA):
        total, facets, counted = page_counted(client, address)
        assert counted == 0
        with override_settings(ARCHIVE_CACHE_SECONDS=0):  # the same counts, counted anew
            assert page_counted(client, address)[:2] == (total, facets)
    # Made less often, not counted ahead: its results, and what another tag would add (the search without it).
    assert page_counted(client, MIGRANTS_IN_BURYATIA)[2] == 2


def test_counts_kept_ahead_are_brought_up_to_date_after_a_change(archive, client):
    searched(client, DRAFT, 1)
    kept()
    ArticleFactory(title="Another draft notice")
    out, _ = kept()
    assert f"{DRAFT}: 7 results" in out
    assert page_counted(client, DRAFT)[:1] + page_counted(client, DRAFT)[2:] == (7, 0)


def test_searches_made_before_the_days_asked_for_are_left_out(archive, client):
    searched(client, DRAFT, 2)
    searched(client, MIGRANTS_IN_BURYATIA, 1)
    SearchLog.objects.filter(query="draft").update(searched_at=timezone.now() - datetime.timedelta(days=8))
    caching.cache.clear()
    out, _ = kept("--days", "7")
    assert "Kept the counts of 1 searches" in out and DRAFT not in out
    assert page_counted(client, MIGRANTS_IN_BURYATIA)[2] == 0
    assert page_counted(client, DRAFT)[2] == 1


def test_a_search_whose_parameters_no_longer_hold_is_reported_and_the_others_are_kept(archive, client):
    searched(client, DRAFT, 1)
    SearchLog.objects.record(query="draft", filters={"tag": ["since-removed"]}, result_count=3, duration_ms=5)
    SearchLog.objects.record(query="draft", filters={"tag": ["since-removed"]}, result_count=3, duration_ms=5)
    caching.cache.clear()

    out, err = kept()

    assert err.startswith("Skipped /search/?q=draft&tag=since-removed (searched 2 times): tag: ")
    assert "since-removed" in err.split(": ", 1)[1]
    assert "Kept the counts of 1 searches" in out and "skipped 1 whose parameters no longer hold" in out
    assert page_counted(client, DRAFT)[2] == 0


def test_the_searches_are_those_made_most_then_latest(archive, client):
    searched(client, DRAFT, 2)
    searched(client, "/search/?q=Draft", 1)  # words as typed: a page of their own
    searched(client, MIGRANTS_IN_BURYATIA, 1)
    most = list(SearchLog.objects.most_searched(2))
    assert [(search["query"], search["filters"], search["searches"]) for search in most] == [
        ("draft", {}, 2),
        ("migrants", {"tag": ["buryatia"]}, 1),
    ]


def test_with_the_cache_off_nothing_can_be_kept(settings):
    settings.ARCHIVE_CACHE_SECONDS = 0
    with pytest.raises(CommandError, match="ARCHIVE_CACHE_SECONDS=0"):
        call_command("keep_search_counts")


@pytest.mark.parametrize("args", [["--searches", "0"], ["--days", "-1"], ["--days", "a week"]])
def test_numbers_below_one_are_refused(args):
    with pytest.raises(CommandError):
        call_command("keep_search_counts", *args)
