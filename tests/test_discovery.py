"""robots.txt, the OpenSearch description and every page's <link rel="alternate"> (articles.views.discovery,
the ``alternate_links`` and ``feed_link`` tags)."""

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.robotparser import RobotFileParser

import feedparser
import pytest
from django.urls import NoReverseMatch, get_resolver, reverse

from articles.models import Article, Claim, Person, Source, Tag
from tests.factories import ArticleFactory, TagFactory

pytestmark = pytest.mark.django_db

HOST = "http://testserver"
OPENSEARCH = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
NO_API = "the JSON API (namespace `api`) is not routed yet: its <link rel=alternate> is checked once it lands"


class HeadLinks(HTMLParser):
    """The attributes of every <link> and of every ``a.feed-link`` in a page."""

    def __init__(self):
        super().__init__()
        self.links, self.feed_anchors = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "link":
            self.links.append(dict(attrs))
        elif tag == "a" and dict(attrs).get("class") == "feed-link":
            self.feed_anchors.append(dict(attrs))


def parsed_page(client, url: str, status: int = 200) -> HeadLinks:
    response = client.get(url)
    assert response.status_code == status, url
    parser = HeadLinks()
    parser.feed(response.content.decode())
    return parser


def alternates(client, url: str, status: int = 200) -> dict[str, dict]:
    """``{type: attributes}`` of the page's <link rel="alternate"> elements."""
    links = [link for link in parsed_page(client, url, status).links if link.get("rel") == "alternate"]
    by_type = {link["type"]: link for link in links}
    assert len(by_type) == len(links), "one alternate per type"
    return by_type


def api_is_routed() -> bool:
    return "api" in get_resolver().namespace_dict


def api_url(url_name: str, query: str = "", **kwargs) -> str | None:
    """The absolute URL the page's JSON twin should have, or None if the API has no such route."""
    try:
        path = reverse(f"api:{url_name}", kwargs=kwargs)
    except NoReverseMatch:
        return None
    return HOST + path + (f"?{query}" if query else "")


def assert_atom(client, url: str) -> feedparser.FeedParserDict:
    response = client.get(url.removeprefix(HOST))
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0
    return feed


# --- robots.txt ---------------------------------------------------------------------------------


def test_robots_txt_keeps_crawlers_out_of_endless_spaces_and_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "{%" not in text and "robots.txt (RFC 9309" not in text  # the template's comment stays in it
    assert text.startswith("User-agent: *\n")
    assert "Sitemap: http://testserver/sitemap.xml\n" in text
    robots = RobotFileParser()
    robots.parse(text.splitlines())
    for allowed in [
        "/",
        "/articles/1/a-report/",
        "/people/2/someone/",
        "/tags/3/a-tag/feed/",
        "/sitemap.xml",
        "/static/",
    ]:
        assert robots.can_fetch("AnyBot", allowed), allowed
    for kept_out in ["/search/", "/search/?q=war&page=3", "/search/feed/?q=war", "/api/search/?q=war"]:
        assert not robots.can_fetch("AnyBot", kept_out), kept_out
    assert "admin" not in text  # its address is the editors' business (DJANGO_ADMIN_PATH)
    # Wildcards are RFC 9309's (the standard library's parser does not read them).
    assert "Disallow: /*?sort=\n" in text


def test_robots_txt_names_the_sitemap_at_the_requests_scheme_and_host(client, settings):
    settings.ALLOWED_HOSTS = ["archive.example.org"]
    text = client.get("/robots.txt", secure=True, HTTP_HOST="archive.example.org").content.decode()
    assert "Sitemap: https://archive.example.org/sitemap.xml\n" in text


# --- OpenSearch ---------------------------------------------------------------------------------


def test_opensearch_describes_the_html_atom_and_json_searches(client, seed_archive):
    response = client.get("/opensearch.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/opensearchdescription+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "{http://a9.com/-/spec/opensearch/1.1/}OpenSearchDescription"
    assert 0 < len(root.findtext("os:ShortName", namespaces=OPENSEARCH)) <= 16  # the specification's limit
    assert root.findtext("os:Description", namespaces=OPENSEARCH)
    assert root.findtext("os:InputEncoding", namespaces=OPENSEARCH) == "UTF-8"
    templates = {url.get("type"): url.get("template") for url in root.iterfind("os:Url", OPENSEARCH)}
    assert templates["text/html"] == f"{HOST}/search/?q={{searchTerms}}"
    assert templates["application/atom+xml"] == f"{HOST}/search/feed/?q={{searchTerms}}"
    assert templates["application/opensearchdescription+xml"] == f"{HOST}/opensearch.xml"
    assert templates.get("application/json") == api_url("search", "q={searchTerms}")

    def filled(template: str) -> str:
        return template.replace("{searchTerms}", "mobilization").removeprefix(HOST)

    assert "mobilization" in client.get(filled(templates["text/html"])).content.decode()
    assert assert_atom(client, filled(templates["application/atom+xml"])).entries


def test_opensearch_offers_the_json_search_once_the_api_has_it(client, seed_archive):
    if not api_is_routed():
        pytest.skip(NO_API)
    root = ET.fromstring(client.get("/opensearch.xml").content)
    [template] = [
        url.get("template") for url in root.iterfind("os:Url", OPENSEARCH) if url.get("type") == "application/json"
    ]
    response = client.get(template.replace("{searchTerms}", "mobilization").removeprefix(HOST))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")


def test_every_page_links_to_the_opensearch_description(client, seed_archive):
    for url in ["/", "/search/?q=war", "/people/", "/no-such-page/"]:
        status = 404 if url == "/no-such-page/" else 200
        [search] = [link for link in parsed_page(client, url, status).links if link.get("rel") == "search"]
        assert search == {
            "rel": "search",
            "type": "application/opensearchdescription+xml",
            "title": "News archive",
            "href": "/opensearch.xml",
        }


# --- <link rel="alternate"> and the visible feed links --------------------------------------------


def seed_pages() -> list[tuple[str, str, dict, str]]:
    """(page URL, route name, route arguments, expected feed URL) for a page of every kind."""
    article = Article.objects.published().get(source__slug="newsweek")
    person, tag, source = Person.objects.get(slug="valentina-chupik"), Tag.objects.get(slug="russia"), article.source
    claim = Claim.objects.reported().first()
    archive_feed = f"{HOST}/feed/"

    def detail(obj, name: str, feed: str | None = None):
        return (obj.get_absolute_url(), name, {"pk": obj.pk, "slug": obj.slug}, feed or archive_feed)

    return [
        ("/", "home", {}, archive_feed),
        detail(article, "article_detail"),
        detail(person, "person_detail", f"{HOST}/people/{person.pk}/{person.slug}/feed/"),
        detail(tag, "tag_detail", f"{HOST}/tags/{tag.pk}/{tag.slug}/feed/"),
        detail(source, "source_detail", f"{HOST}/sources/{source.pk}/{source.slug}/feed/"),
        detail(claim, "claim_detail"),
        ("/sources/", "source_list", {}, archive_feed),
        ("/people/?sort=name", "person_list", {}, archive_feed),
        ("/tags/", "tag_list", {}, archive_feed),
        ("/claims/", "claim_list", {}, archive_feed),
    ]


def test_every_page_advertises_its_feed_which_answers_atom(client, seed_archive):
    for url, _, _, feed_url in seed_pages():
        atom = alternates(client, url)["application/atom+xml"]
        assert atom["href"] == feed_url, url
        assert assert_atom(client, atom["href"]).feed.title == atom["title"], url


def test_the_feed_titles_name_what_they_follow(client, seed_archive):
    person = Person.objects.get(slug="valentina-chupik")
    assert alternates(client, "/")["application/atom+xml"]["title"] == "Latest articles — News archive"
    assert (
        alternates(client, person.get_absolute_url())["application/atom+xml"]["title"]
        == "Person: Valentina Chupik — News archive"
    )


def test_a_search_page_advertises_the_same_search_as_a_feed_without_page_or_sort(client, seed_archive):
    atom = alternates(client, "/search/?q=mobilization&tag=russia&sort=oldest&page=1")["application/atom+xml"]
    assert atom["href"] == f"{HOST}/search/feed/?q=mobilization&tag=russia"
    assert atom["title"] == 'Search: "mobilization" (Tag: Russia) — News archive'
    feed = assert_atom(client, atom["href"])
    assert {entry.link for entry in feed.entries} == {
        HOST + article.get_absolute_url()
        for article in Article.objects.published().search("mobilization").filter(tags__slug="russia")
    }
    assert alternates(client, "/search/")["application/atom+xml"]["href"] == f"{HOST}/search/feed/"


def test_the_json_twin_is_advertised_exactly_when_the_api_has_the_route(client, seed_archive):
    pages = [*seed_pages(), ("/search/?q=mobilization&page=1", "search", {}, None)]
    for url, url_name, kwargs, _ in pages:
        query = url.partition("?")[2]
        json = alternates(client, url).get("application/json")
        assert (json and json["href"]) == api_url(url_name, query, **kwargs), url


def test_the_json_twins_answer_json(client, seed_archive):
    if not api_is_routed():
        pytest.skip(NO_API)
    pages = [*seed_pages(), ("/search/?q=mobilization", "search", {}, None)]
    for url, *_ in pages:
        json = alternates(client, url).get("application/json")
        if json is None:  # the API need not mirror every page
            continue
        response = client.get(json["href"].removeprefix(HOST))
        assert response.status_code == 200, json["href"]
        assert response["Content-Type"].startswith("application/json"), json["href"]


def test_error_pages_advertise_nothing(client, seed_archive):
    for url in ["/no-such-page/", "/articles/999999/gone/", "/people/999999/nobody/"]:
        assert alternates(client, url, status=404) == {}, url
    assert alternates(client, "/sources/?sort=nonsense", status=400) == {}


def test_alternate_links_are_escaped(client):
    tag = TagFactory(name='Q&A "quoted" <tag>')
    ArticleFactory().tags.set([tag])
    response = client.get(tag.get_absolute_url())
    assert 'title="Tag: Q&amp;A &quot;quoted&quot; &lt;tag&gt; — News archive"' in response.content.decode()
    atom = alternates(client, f"/search/?q=%22a%26b%22+<x>&tag={tag.slug}")["application/atom+xml"]
    assert atom["title"] == 'Search: ""a&b" <x>" (Tag: Q&A "quoted" <tag>) — News archive'
    assert atom["href"] == f"{HOST}/search/feed/?q=%22a%26b%22+%3Cx%3E&tag={tag.slug}"


@pytest.mark.parametrize("kind", ["home", "search", "source_detail", "person_detail", "tag_detail"])
def test_pages_with_a_feed_of_their_own_show_a_visible_link_to_it(client, seed_archive, kind):
    url = {
        "home": "/",
        "search": "/search/?q=mobilization&page=1",
        "source_detail": Source.objects.get(slug="newsweek").get_absolute_url(),
        "person_detail": Person.objects.get(slug="vladimir-putin").get_absolute_url(),
        "tag_detail": Tag.objects.get(slug="russia").get_absolute_url(),
    }[kind]
    page = parsed_page(client, url)
    [anchor] = page.feed_anchors
    [atom] = [link for link in page.links if link.get("type") == "application/atom+xml"]
    assert anchor["href"] == atom["href"]
    assert anchor["type"] == "application/atom+xml"
