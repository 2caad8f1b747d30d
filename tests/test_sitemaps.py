"""The sitemap index and its sections (articles.sitemaps)."""

import datetime
import xml.etree.ElementTree as ET

import pytest

from articles.models import Article, ArticleStatus, Claim, Person, Source, Tag
from articles.sitemaps import ArticleSitemap
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    ClaimReportFactory,
    PersonFactory,
    SourceFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
HOST = "http://testserver"
SECTIONS = ["articles", "sources", "people", "tags", "claims"]


def xml_of(client, url: str, **request) -> ET.Element:
    response = client.get(url, **request)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/xml"
    return ET.fromstring(response.content)


def index_locations(client, **request) -> list[str]:
    return [loc.text for loc in xml_of(client, "/sitemap.xml", **request).iterfind("sm:sitemap/sm:loc", NS)]


def section_entries(client, section: str) -> dict[str, str | None]:
    """``{location: lastmod}`` of every URL in every page of ``section``, read through the index."""
    entries = {}
    for location in index_locations(client):
        if location.split("?")[0] == f"{HOST}/sitemap-{section}.xml":
            for url in xml_of(client, location.removeprefix(HOST)).iterfind("sm:url", NS):
                entries[url.findtext("sm:loc", namespaces=NS)] = url.findtext("sm:lastmod", namespaces=NS)
    return entries


def absolute_urls(objects) -> set[str]:
    return {HOST + obj.get_absolute_url() for obj in objects}


@pytest.fixture
def hidden_content(seed_archive):
    """Entities and claims only drafts or retractions carry, beside the seed archive."""
    source, person, tag = SourceFactory(), PersonFactory(), TagFactory()
    draft = ArticleFactory(status=ArticleStatus.DRAFT, source=source)
    retracted = ArticleFactory(status=ArticleStatus.RETRACTED, source=source)
    draft.tags.set([tag])
    retracted.people.set([person])
    draft.authors.set([person])
    claim = ClaimFactory(claimant_person=person)
    ClaimReportFactory(claim=claim, article=draft)
    return {"articles": [draft, retracted], "sources": [source], "people": [person], "tags": [tag], "claims": [claim]}


def test_the_index_points_to_every_section_with_absolute_urls(client, seed_archive):
    root = xml_of(client, "/sitemap.xml")
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    assert index_locations(client) == [f"{HOST}/sitemap-{section}.xml" for section in SECTIONS]
    assert all(entry.findtext("sm:lastmod", namespaces=NS) for entry in root.iterfind("sm:sitemap", NS))


def test_the_sections_list_exactly_what_readers_can_see(client, hidden_content):
    published = Article.objects.published()
    expected = {
        "articles": absolute_urls(published),
        "sources": absolute_urls(Source.objects.filter(articles__in=published).distinct()),
        "people": absolute_urls(
            Person.objects.filter(pk__in=published.values("people"))
            | Person.objects.filter(pk__in=published.values("authors"))
        ),
        "tags": absolute_urls(Tag.objects.filter(articles__in=published).distinct()),
        "claims": absolute_urls(Claim.objects.filter(articles__in=published).distinct()),
    }
    # The seed archive: five articles, one source with articles (the others only make claims),
    # and every person, tag and claim.
    assert [len(expected[section]) for section in SECTIONS] == [5, 1, 15, 19, 23]
    for section in SECTIONS:
        listed = set(section_entries(client, section))
        assert listed == expected[section], section
        assert not listed & absolute_urls(hidden_content[section]), section


def test_every_listed_url_is_a_page(client, seed_archive):
    for section in SECTIONS:
        for location in section_entries(client, section):
            assert client.get(location.removeprefix(HOST)).status_code == 200, location


def test_a_claim_reported_by_a_draft_and_a_published_article_is_listed(client):
    claim = ClaimFactory()
    ClaimReportFactory(claim=claim, article=ArticleFactory(status=ArticleStatus.DRAFT))
    assert section_entries(client, "claims") == {}
    ClaimReportFactory(claim=claim, article=ArticleFactory())
    assert set(section_entries(client, "claims")) == {HOST + claim.get_absolute_url()}


def test_lastmod_is_when_the_page_or_a_published_article_on_it_last_changed(client):
    source = SourceFactory()
    published = ArticleFactory(source=source)
    draft = ArticleFactory(source=source, status=ArticleStatus.DRAFT)

    def updated(model, obj, day: datetime.date) -> None:
        model.objects.filter(pk=obj.pk).update(updated_at=datetime.datetime.combine(day, datetime.time(), datetime.UTC))

    updated(Source, source, datetime.date(2020, 1, 1))
    updated(Article, published, datetime.date(2021, 6, 1))
    updated(Article, draft, datetime.date(2022, 3, 3))  # a draft's edits change no public page
    assert section_entries(client, "articles") == {HOST + published.get_absolute_url(): "2021-06-01"}
    assert section_entries(client, "sources") == {HOST + source.get_absolute_url(): "2021-06-01"}
    updated(Source, source, datetime.date(2023, 2, 2))
    assert section_entries(client, "sources") == {HOST + source.get_absolute_url(): "2023-02-02"}


def test_sections_are_paginated_and_the_index_lists_every_page(client, seed_archive, monkeypatch):
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    articles = [location for location in index_locations(client) if "sitemap-articles" in location]
    assert articles == [
        f"{HOST}/sitemap-articles.xml",
        f"{HOST}/sitemap-articles.xml?p=2",
        f"{HOST}/sitemap-articles.xml?p=3",
    ]
    pages = [
        [
            url.findtext("sm:loc", namespaces=NS)
            for url in xml_of(client, page.removeprefix(HOST)).iterfind("sm:url", NS)
        ]
        for page in articles
    ]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert {url for page in pages for url in page} == absolute_urls(Article.objects.published())
    assert client.get("/sitemap-articles.xml?p=4").status_code == 404


def test_unknown_sections_and_pages_are_not_found(client, seed_archive):
    assert client.get("/sitemap-drafts.xml").status_code == 404
    assert client.get("/sitemap-articles.xml?p=2").status_code == 404
    assert client.get("/sitemap-articles.xml?p=abc").status_code == 404


def test_urls_use_the_requests_scheme_and_host(client, seed_archive, settings):
    settings.ALLOWED_HOSTS = ["archive.example.org"]
    request = {"secure": True, "HTTP_HOST": "archive.example.org"}
    assert index_locations(client, **request)[0] == "https://archive.example.org/sitemap-articles.xml"
    section = xml_of(client, "/sitemap-articles.xml", **request)
    locations = [loc.text for loc in section.iterfind("sm:url/sm:loc", NS)]
    assert locations and all(location.startswith("https://archive.example.org/articles/") for location in locations)


def test_the_index_costs_a_few_queries_whatever_the_size(client, seed_archive, django_assert_max_num_queries):
    with django_assert_max_num_queries(2 * len(SECTIONS)):  # the newest change and a count per section
        xml_of(client, "/sitemap.xml")
