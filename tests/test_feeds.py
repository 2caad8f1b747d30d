"""Atom feeds of the archive, of any search and of each source, person and tag (articles.feeds)."""

import datetime
import re
from html import unescape

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.feeds import FEED_LENGTH
from articles.models import Article, ArticleStatus, MergedPerson, MergedTag, Person, Source, Tag
from articles.search import SORT_NEWEST
from tests.factories import ArticleFactory, PersonFactory, SourceFactory, TagFactory

pytestmark = pytest.mark.django_db

ATOM = "application/atom+xml; charset=utf-8"
HOST = "http://testserver"


def feed_of(client, url: str) -> feedparser.FeedParserDict:
    """The parsed feed at ``url``, which must be well-formed Atom 1.0."""
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == ATOM
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def when(timestamp: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(timestamp)


def entry_links(feed) -> list[str]:
    return [entry.link for entry in feed.entries]


def page_article_links(client, url: str) -> list[str]:
    """The absolute URLs of the articles an HTML page lists (search hits or an article list), in order."""
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    hits = re.findall(r'<h\d (?:id="hit-\d+"|class="article-title")><a href="(/articles/[^"]+)">', page)
    return [HOST + unescape(href) for href in hits]


def newest_first(articles) -> list[str]:
    return [HOST + article.get_absolute_url() for article in articles.sorted_by(SORT_NEWEST)]


def hidden_articles(**links) -> list[Article]:
    """A draft and a retracted article carrying ``links`` (``source=…``, ``tags=[…]``, ``people=[…]``)."""
    many = {name: links.pop(name) for name in ("tags", "people", "authors") if name in links}
    hidden = []
    for status, title in ((ArticleStatus.DRAFT, "Hidden draft"), (ArticleStatus.RETRACTED, "Hidden retraction")):
        article = ArticleFactory(title=f"{title} about mobilization", status=status, **links)
        for name, values in many.items():
            getattr(article, name).set(values)
        hidden.append(article)
    return hidden


# --- The whole archive ------------------------------------------------------------------------


def test_the_archive_feed_lists_the_seed_archive_newest_first_like_the_home_page(client, seed_archive):
    feed = feed_of(client, "/feed/")
    expected = newest_first(Article.objects.published())
    assert len(expected) == 5
    assert entry_links(feed) == expected == page_article_links(client, "/")
    assert feed.feed.title == "Latest articles — News archive"
    assert feed.feed.subtitle == f"The {FEED_LENGTH} newest published articles in the archive."


def test_the_feed_describes_itself(client, seed_archive):
    response = client.get("/feed/")
    feed = feedparser.parse(response.content)
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {"alternate": f"{HOST}/", "self": f"{HOST}/feed/"}
    assert feed.feed.id == f"{HOST}/feed/"
    newest_update = max(article.updated_at for article in Article.objects.published())
    assert when(feed.feed.updated) == newest_update
    # Feed readers may ask for changes only (If-Modified-Since).
    assert response["Last-Modified"]
    assert feed.feed.author == "News archive"


def test_an_entry_carries_every_field(client, seed_archive):
    article = Article.objects.get(source__slug="newsweek")
    feed = feed_of(client, "/feed/")
    [entry] = [entry for entry in feed.entries if entry.link == HOST + article.get_absolute_url()]
    assert entry.title == article.title
    assert entry.id == HOST + article.get_absolute_url()  # the permanent URL is the unique id
    assert when(entry.published) == datetime.datetime(2022, 10, 1, tzinfo=datetime.UTC)  # month-precise: the 1st
    assert when(entry.updated) == article.updated_at
    assert [author.name for author in entry.authors] == ["Aila Slisco"]
    assert [tag.term for tag in entry.tags] == [tag.name for tag in article.tags.all()]
    assert "Russia" in [tag.term for tag in entry.tags]
    assert entry.summary == article.summary
    assert entry.summary_detail.type == "text/plain"
    assert entry.summary_detail.language == "en"


def test_entry_fallbacks_undated_unsummarised_unsigned(client):
    source = SourceFactory(name="Wire & Co")
    article = ArticleFactory(
        title="Undated <b>report</b> & more",
        body="First paragraph, with <angle> & ampersand.\n\nSecond paragraph.",
        summary="",
        source=source,
        published_on=None,
        language="pt-BR",
    )
    [entry] = feed_of(client, "/feed/").entries
    assert entry.title == "Undated <b>report</b> & more"  # text, not markup
    assert entry.summary == "First paragraph, with <angle> & ampersand."
    # Undated: published when archived.
    assert when(entry.published) == article.archived_at
    # No named author: the publication stands as author.
    assert [author.name for author in entry.authors] == ["Wire & Co"]
    assert entry.summary_detail.language == "pt-BR"


def test_every_author_is_listed(client):
    article = ArticleFactory()
    article.authors.set([PersonFactory(name="Ann Writer"), PersonFactory(name="Bob Reporter")])
    [entry] = feed_of(client, "/feed/").entries
    assert [author.name for author in entry.authors] == ["Ann Writer", "Bob Reporter"]


def test_an_empty_archive_has_a_valid_empty_feed(client):
    feed = feed_of(client, "/feed/")
    assert feed.entries == []


def test_feeds_hold_the_newest_fifty_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    tags, people = TagFactory.create_batch(3), PersonFactory.create_batch(3)
    for day in range(60):
        article = ArticleFactory(
            published_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=day), published_precision="day"
        )
        article.tags.set(tags)
        article.authors.set(people[:2])
        article.people.set(people)
    with django_assert_max_num_queries(3):
        feed = feed_of(client, "/feed/")
    assert len(feed.entries) == FEED_LENGTH
    assert entry_links(feed) == newest_first(Article.objects.published())[:FEED_LENGTH]
    with django_assert_max_num_queries(4):
        feed_of(client, f"/people/{people[0].pk}/{people[0].slug}/feed/")
    # The search's preparation (with the published state the names it finds and its words' statistics
    # are remembered under: read for each in a test's transaction, once in a request's) and filter
    # values, and a count that stops early (FEW_RESULTS).
    with django_assert_max_num_queries(13):
        feed = feed_of(client, f"/search/feed/?q=body&tag={tags[0].slug}&person={people[2].slug}")
    assert len(feed.entries) == FEED_LENGTH


# --- Searches ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query_string",
    [
        "q=mobilization",
        "q=migrants+-tajik",
        "tag=wagner-group",
        "person=valentina-chupik",
        "q=Cupik",  # an alias of Valentina Chupik
        "date_from=2023-01-01&date_to=2023-12-31",
        "q=russia&source=newsweek",
        "q=nothing-matches-this",
    ],
)
def test_a_search_feed_has_the_search_pages_results_newest_first(client, seed_archive, query_string):
    feed = feed_of(client, f"/search/feed/?{query_string}")
    on_the_page = page_article_links(client, f"/search/?{query_string}")
    assert sorted(entry_links(feed)) == sorted(on_the_page)
    published = {HOST + article.get_absolute_url(): article for article in Article.objects.published()}
    dates = [(published[link].published_on, published[link].pk) for link in entry_links(feed)]
    assert dates == sorted(dates, reverse=True)
    assert {"rel": "alternate", "href": f"{HOST}/search/?{query_string}"} in [
        {"rel": link.rel, "href": link.href} for link in feed.feed.links
    ]


def test_the_search_feed_filters_as_its_parameters_say(client, seed_archive):
    tagged = feed_of(client, "/search/feed/?tag=wagner-group")
    assert len(tagged.entries) == Article.objects.published().filter(tags__slug="wagner-group").count() == 2
    dated = feed_of(client, "/search/feed/?date_from=2024-01-01")
    assert [entry.title for entry in dated.entries] == ["Persecution of foreigners by Russian regime escalates"]
    person = Person.objects.get(slug="valentina-chupik")
    assert entry_links(feed_of(client, "/search/feed/?person=valentina-chupik")) == newest_first(
        Article.objects.published().involving(person)
    )


def test_the_search_feed_title_describes_the_search(client, seed_archive):
    assert feed_of(client, "/search/feed/?q=mobilization").feed.title == 'Search: "mobilization" — News archive'
    assert (
        feed_of(client, "/search/feed/?q=mobilization&tag=russia").feed.title
        == 'Search: "mobilization" (Tag: Russia) — News archive'
    )
    assert feed_of(client, "/search/feed/?tag=russia").feed.title == "Search: Tag: Russia — News archive"
    assert feed_of(client, "/search/feed/").feed.title == "All articles — News archive"


def test_the_search_feed_is_always_newest_first_and_has_no_pages(client, seed_archive):
    newest = entry_links(feed_of(client, "/search/feed/?q=russia"))
    assert entry_links(feed_of(client, "/search/feed/?q=russia&sort=oldest")) == newest
    assert entry_links(feed_of(client, "/search/feed/?q=russia&sort=relevance")) == newest
    for page in ("2", "99", "abc"):
        assert entry_links(feed_of(client, f"/search/feed/?q=russia&page={page}")) == newest
    links = {link.rel: link.href for link in feed_of(client, "/search/feed/?q=russia&page=2").feed.links}
    assert links["self"] == f"{HOST}/search/feed/?q=russia"


def test_a_search_feed_with_few_results_finds_them_then_sorts_them(client, seed_archive, monkeypatch):
    """Not by walking the date index (``ArticleFilterSet.results``), whatever order was asked for."""
    newest = entry_links(feed_of(client, "/search/feed/?q=russia"))
    for sort in ("relevance", "oldest"):
        with CaptureQueriesContext(connection) as queries:
            assert entry_links(feed_of(client, f"/search/feed/?q=russia&sort={sort}")) == newest
        assert sum("+ 0)" in query["sql"] for query in queries.captured_queries) == 1
    monkeypatch.setattr("articles.filters.FEW_RESULTS", 1)
    with CaptureQueriesContext(connection) as queries:
        assert entry_links(feed_of(client, "/search/feed/?q=russia")) == newest
    assert not any("+ 0)" in query["sql"] for query in queries.captured_queries)


@pytest.mark.parametrize(
    ("query_string", "message"),
    [
        ("tag=no-such-tag", "There is no tag “no-such-tag”."),
        ("source=nowhere", "There is no source “nowhere”."),
        ("person=nobody", "There is no person “nobody”."),
        ("date_from=yesterday", "Enter a date as YYYY-MM-DD."),
        ("date_from=2023-02-01&date_to=2023-01-01", "The end date is before the start date"),
        ("sort=random", "Sort by relevance, newest or oldest."),
        ("aliases=maybe", "Use aliases=1"),
        ("rating=great", "There is no rating “great”"),
    ],
)
def test_invalid_search_parameters_answer_400_in_plain_text(client, seed_archive, query_string, message):
    response = client.get(f"/search/feed/?{query_string}")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert message in response.content.decode()


# --- Sources, people and tags -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "kind", "label"), [(Source, "sources", "Source"), (Person, "people", "Person"), (Tag, "tags", "Tag")]
)
def test_every_seed_entity_feed_lists_its_pages_articles(client, seed_archive, model, kind, label):
    for entity in model.objects.all():
        page_url = entity.get_absolute_url()
        feed = feed_of(client, f"{page_url}feed/")
        assert entry_links(feed) == page_article_links(client, page_url)
        assert feed.feed.title == f"{label}: {entity.name} — News archive"
        links = {link.rel: link.href for link in feed.feed.links}
        assert links == {"alternate": HOST + page_url, "self": f"{HOST}/{kind}/{entity.pk}/{entity.slug}/feed/"}


def test_a_person_feed_has_the_articles_mentioning_or_by_them(client, seed_archive):
    author = Person.objects.get(slug="aila-slisco")
    feed = feed_of(client, f"/people/{author.pk}/{author.slug}/feed/")
    assert [entry.title for entry in feed.entries] == [
        "Russia's partial mobilization is prompting xenophobic rhetoric against Central Asian migrants, ISW says"
    ]
    putin = Person.objects.get(slug="vladimir-putin")
    assert len(feed_of(client, f"/people/{putin.pk}/{putin.slug}/feed/").entries) == 5


@pytest.mark.parametrize("kind", ["sources", "people", "tags"])
def test_a_wrong_slug_redirects_to_the_canonical_feed_keeping_the_query(client, kind):
    factory = {"sources": SourceFactory, "people": PersonFactory, "tags": TagFactory}[kind]
    entity = factory()
    response = client.get(f"/{kind}/{entity.pk}/old-name/feed/?utm_source=reader")
    assert response.status_code == 301
    assert response["Location"] == f"/{kind}/{entity.pk}/{entity.slug}/feed/?utm_source=reader"
    assert client.get(f"/{kind}/{entity.pk + 1000}/{entity.slug}/feed/").status_code == 404


@pytest.mark.parametrize(
    ("kind", "factory", "merged_model"), [("people", PersonFactory, MergedPerson), ("tags", TagFactory, MergedTag)]
)
def test_the_feed_of_a_merged_person_or_tag_redirects_to_the_one_kept(client, kind, factory, merged_model):
    kept = factory()
    merged_model.objects.create(id=987002, name="Duplicate", slug="duplicate", into=kept)
    response = client.get(f"/{kind}/987002/duplicate/feed/")
    assert response.status_code == 301
    assert response["Location"] == f"/{kind}/{kept.pk}/{kept.slug}/feed/"


# --- Only published articles, always -----------------------------------------------------------


def test_drafts_and_retracted_articles_never_appear_in_any_feed(client):
    source, tag, person = SourceFactory(), TagFactory(), PersonFactory()
    visible = ArticleFactory(title="Visible mobilization report", source=source)
    visible.tags.set([tag])
    visible.people.set([person])
    hidden = hidden_articles(source=source, tags=[tag], people=[person])
    hidden += hidden_articles(authors=[person])
    urls = [
        "/feed/",
        "/search/feed/?q=mobilization",
        f"/search/feed/?tag={tag.slug}&person={person.slug}&source={source.slug}",
        f"/sources/{source.pk}/{source.slug}/feed/",
        f"/people/{person.pk}/{person.slug}/feed/",
        f"/tags/{tag.pk}/{tag.slug}/feed/",
    ]
    for url in urls:
        feed = feed_of(client, url)
        assert entry_links(feed) == [HOST + visible.get_absolute_url()], url
        assert not {entry.title for entry in feed.entries} & {article.title for article in hidden}


def test_characters_xml_cannot_hold_are_dropped_not_a_server_error(client):
    """Imports keep what a scrape had: a control character in a title must not make the feed a 500."""
    tag = TagFactory(name="Tag\x0bwith a vertical tab")
    article = ArticleFactory(title="Bell\x07 and escape\x1b in the title", summary="Summary\x01.")
    article.tags.add(tag)
    article.authors.add(PersonFactory(name="Author\x02 Name"))
    (entry,) = feed_of(client, "/feed/").entries
    assert entry.title == "Bell and escape in the title"
    assert entry.summary == "Summary."
    assert entry.tags[0].term == "Tagwith a vertical tab"
    assert entry.author == "Author Name"
    feed = feed_of(client, "/search/feed/?q=bell%01")
    assert feed.feed.title == 'Search: "bell" — News archive'


def test_the_feed_of_an_entity_only_drafts_name_is_not_found(client):
    person, tag, source = PersonFactory(), TagFactory(), SourceFactory()
    draft = ArticleFactory(status=ArticleStatus.DRAFT, source=source)
    draft.people.add(person)
    draft.tags.add(tag)
    for kind, entity in (("people", person), ("tags", tag), ("sources", source)):
        assert client.get(f"/{kind}/{entity.pk}/{entity.slug}/feed/").status_code == 404, kind
