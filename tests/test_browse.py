"""Index and detail pages for sources, people, tags and claims (articles.views.browse)."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, ArticleStatus, Claim, ClaimRating, MergedPerson, MergedTag, Person, Source, Tag
from articles.search import SORT_NEWEST
from articles.timeline import timeline_for
from articles.views import browse
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

INDEXES = ["/sources/", "/people/", "/tags/", "/claims/"]
SORTS = {"/sources/": ["count", "name"], "/people/": ["count", "name"], "/tags/": ["count", "name"]}
SORTS["/claims/"] = ["newest", "rating", "count"]


def text_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return unescape(response.content.decode())


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def entry_names(page: str, css_class: str = "entity-name") -> list[str]:
    return re.findall(rf'<a class="{css_class}" href="[^"]+">([^<]+)</a>', page)


# --- Every page of the seed archive ----------------------------------------------------------


@pytest.mark.parametrize("url", INDEXES)
def test_every_index_renders_for_the_seed_archive_in_every_sort(client, seed_archive, url):
    for sort in ["", *SORTS[url]]:
        page = text_of(client, f"{url}?sort={sort}")
        assert page.count("<h1>") == 1


@pytest.mark.parametrize("model", [Source, Person, Tag, Claim])
def test_every_seed_entity_has_a_page(client, seed_archive, model):
    entities = list(model.objects.all())
    assert entities
    for entity in entities:
        page = text_of(client, entity.get_absolute_url())
        assert f"{entity}</h1>" in page


def test_the_seed_indexes_list_every_entity_and_claim(client, seed_archive):
    assert len(entry_names(text_of(client, "/sources/"))) == Source.objects.count() == 9
    assert len(entry_names(text_of(client, "/people/"))) == Person.objects.count() == 15
    assert len(entry_names(text_of(client, "/tags/"))) == Tag.objects.count() == 19
    claims = text_of(client, "/claims/")
    assert claims.count('<h2 class="claim-statement">') == Claim.objects.count() == 23


def test_seed_counts_on_the_indexes(client, seed_archive):
    people = text_of(client, "/people/")
    assert re.search(r">Vladimir Putin</a>.*?<span class=\"count\">5 articles · 2 claims</span>", people, re.S)
    assert re.search(r">Valentina Chupik</a>.*?<span class=\"count\">2 articles · 1 claim</span>", people, re.S)
    # An author counts too: Aila Slisco wrote one article and is mentioned in none.
    assert re.search(r">Aila Slisco</a>.*?<span class=\"count\">1 article</span>", people, re.S)
    sources = text_of(client, "/sources/")
    assert re.search(r">Newsweek</a>.*?<span class=\"count\">1 article</span>", sources, re.S)
    assert re.search(r">Russian Government</a>.*?<span class=\"count\">0 articles · 4 claims</span>", sources, re.S)


# --- Only published articles, anywhere --------------------------------------------------------


@pytest.fixture
def mixed():
    """One person, tag, source and claim, each linked to a published, a draft and a retracted article."""
    person = PersonFactory(name="Valentina Chupik")
    tag = TagFactory(name="Central Asian migrants")
    source = SourceFactory(name="Newsweek")
    claim = ClaimFactory(statement="Police intimidate migrants.", claimant_person=person, claimant_source=source)
    articles = {}
    for status, day in [("published", 1), ("draft", 2), ("retracted", 3)]:
        article = ArticleFactory(
            title=f"The {status} article",
            status=status,
            source=source,
            published_on=datetime.date(2023, day, 1),
            published_precision="month",
            body=f"Opening of the {status} one.\n\nChupik told the {status} reporter about the police.",
        )
        article.people.add(person)
        article.authors.add(person)
        article.tags.add(tag)
        ClaimReportFactory(claim=claim, article=article, paragraph=2)
        articles[status] = article
    hidden_claim = ClaimFactory(statement="Only a draft reports this.", claimant_person=person, claimant_source=source)
    ClaimReportFactory(claim=hidden_claim, article=articles["draft"])
    return {"person": person, "tag": tag, "source": source, "claim": claim, "hidden_claim": hidden_claim, **articles}


def test_unpublished_articles_never_appear_and_never_count(client, mixed):
    urls = ["/", *INDEXES] + [mixed[k].get_absolute_url() for k in ("person", "tag", "source", "claim")]
    for url in urls:
        page = text_of(client, url)
        assert "The draft article" not in page, url
        assert "The retracted article" not in page, url
        assert "draft reporter" not in page and "retracted reporter" not in page, url
        assert "Only a draft reports this." not in page, url
    assert "The published article" in text_of(client, mixed["person"].get_absolute_url())
    for url in ("/people/", "/tags/", "/sources/"):
        assert '<span class="count">1 article' in text_of(client, url), url
    assert "Reported in 1 article<" in text_of(client, "/claims/")
    claim_page = text_of(client, mixed["claim"].get_absolute_url())
    assert "Reported in 1 published article<" in claim_page
    assert "2023-01" in claim_page and "2023-02" not in claim_page and "2023-03" not in claim_page


def test_a_claim_only_unpublished_articles_report_is_not_found(client, mixed):
    assert client.get(mixed["hidden_claim"].get_absolute_url()).status_code == 404


def test_an_entity_nothing_names_yet_still_has_its_page(client):
    person, tag, source = PersonFactory(), TagFactory(), SourceFactory()  # an editor's own entries
    for entity in (person, tag, source):
        page = text_of(client, entity.get_absolute_url())
        assert "No published articles yet." in page
        assert "<svg" not in page
    for url in ("/people/", "/tags/", "/sources/"):
        assert '<span class="count">0 articles</span>' in text_of(client, url)


def test_an_entity_only_unpublished_work_names_is_not_found(client):
    """Imports create the sources, people and tags a draft names: their names would tell what it says."""
    person, tag, source = PersonFactory(name="Drafted Person"), TagFactory(name="Drafted tag"), SourceFactory()
    author, claimant = PersonFactory(name="Drafted Author"), PersonFactory(name="Drafted Claimant")
    draft = ArticleFactory(status=ArticleStatus.DRAFT, source=source)
    draft.people.add(person)
    draft.tags.add(tag)
    ArticleFactory(status=ArticleStatus.RETRACTED).authors.add(author)
    ClaimReportFactory(claim=ClaimFactory(claimant_person=claimant), article=draft)
    for entity in (person, tag, source, author, claimant):
        for prefix in ("", "/api"):
            assert client.get(f"{prefix}{entity.get_absolute_url()}").status_code == 404, entity
    for url in ("/people/", "/tags/", "/sources/", "/api/people/", "/api/tags/", "/api/sources/"):
        page = text_of(client, url)
        assert "Drafted" not in page and source.name not in page, url
    home = client.get("/api/").json()["totals"]
    assert (home["sources"], home["people"], home["tags"]) == (0, 0, 0)

    draft.status = ArticleStatus.PUBLISHED  # once published, all of them are public
    draft.save()
    for entity in (person, tag, source, claimant):
        assert client.get(entity.get_absolute_url()).status_code == 200, entity


# --- Addresses: canonical slugs, unknown ids, bad parameters ----------------------------------


@pytest.mark.parametrize(
    ("kind", "make"), [("sources", SourceFactory), ("people", PersonFactory), ("tags", TagFactory)]
)
def test_a_wrong_slug_redirects_permanently(client, kind, make):
    entity = make(slug="the-right-slug")
    response = client.get(f"/{kind}/{entity.pk}/an-old-slug/?page=2")
    assert response.status_code == 301
    assert response["Location"] == f"{entity.get_absolute_url()}?page=2"  # the page asked for is kept


@pytest.mark.parametrize(
    ("kind", "make", "merged_model"), [("people", PersonFactory, MergedPerson), ("tags", TagFactory, MergedTag)]
)
def test_a_merged_person_or_tag_redirects_to_the_one_kept(client, kind, make, merged_model):
    kept = make(slug="kept")
    merged_model.objects.create(id=987001, name="Duplicate", slug="duplicate", into=kept)
    for old_slug in ("duplicate", "any-slug"):
        response = client.get(f"/{kind}/987001/{old_slug}/?page=1")
        assert response.status_code == 301
        assert response["Location"] == f"{kept.get_absolute_url()}?page=1"


def test_a_wrong_claim_slug_redirects_permanently(client):
    claim = ClaimReportFactory(claim__slug="the-right-slug").claim
    response = client.get(f"/claims/{claim.pk}/an-old-slug/")
    assert response.status_code == 301
    assert response["Location"] == claim.get_absolute_url() == f"/claims/{claim.pk}/the-right-slug/"


@pytest.mark.parametrize("kind", ["sources", "people", "tags", "claims"])
def test_an_unknown_id_is_not_found(client, kind):
    response = client.get(f"/{kind}/987654/anything/")
    assert response.status_code == 404
    assert "There is no published page at this address." in response.content.decode()


@pytest.mark.parametrize("url", INDEXES)
@pytest.mark.parametrize("sort", ["popularity", "NAME", "-count"])
def test_an_unknown_sort_is_a_bad_request(client, url, sort):
    response = client.get(url, {"sort": sort})
    assert response.status_code == 400
    page = response.content.decode()
    assert "<h1>Bad request</h1>" in page
    assert '<a href="/sources/"' in page  # the site's own layout
    assert f"This list sorts by {' or '.join(SORTS[url])}." in page  # what to do instead


@pytest.mark.parametrize("url", INDEXES)
@pytest.mark.parametrize("page_number", ["abc", "0", "2", "-1"])
def test_a_page_that_is_not_there_is_not_found(client, url, page_number):
    ClaimReportFactory()
    assert client.get(url, {"page": page_number}).status_code == 404


def test_detail_pages_paginate_their_articles_and_404_past_the_end(client):
    source = SourceFactory()
    ArticleFactory.create_batch(21, source=source)
    first = text_of(client, source.get_absolute_url())
    assert first.count('<h3 class="article-title">') == 20
    assert 'href="?page=2"' in first
    second = text_of(client, f"{source.get_absolute_url()}?page=2")
    assert second.count('<h3 class="article-title">') == 1
    assert "Page 2 of 2" in second
    for bad in ("3", "abc"):
        assert client.get(source.get_absolute_url(), {"page": bad}).status_code == 404


def test_indexes_show_fifty_a_page(client):
    TagFactory.create_batch(51)
    assert len(entry_names(text_of(client, "/tags/"))) == 50
    assert len(entry_names(text_of(client, "/tags/?page=2"))) == 1
    assert len(entry_names(text_of(client, "/tags/?page=last"))) == 1


def test_pagination_keeps_the_sort(client):
    TagFactory.create_batch(51)
    assert 'href="?sort=name&amp;page=2"' in client.get("/tags/?sort=name").content.decode()


# --- Sorting ---------------------------------------------------------------------------------


def test_indexes_sort_by_count_then_name_by_default_and_by_name_on_request(client):
    zeta, alpha, mid = TagFactory(name="Zeta"), TagFactory(name="alpha"), TagFactory(name="Mid")
    for tag, n in ((zeta, 2), (mid, 2), (alpha, 0)):
        for article in ArticleFactory.create_batch(n):
            article.tags.add(tag)
    assert entry_names(text_of(client, "/tags/")) == ["Mid", "Zeta", "alpha"]
    assert entry_names(text_of(client, "/tags/?sort=count")) == ["Mid", "Zeta", "alpha"]
    assert entry_names(text_of(client, "/tags/?sort=name")) == ["alpha", "Mid", "Zeta"]  # whatever the case
    page = client.get("/tags/?sort=name").content.decode()
    assert '<a href="?sort=name" aria-current="true">name</a>' in page
    assert '<a href="?sort=count">most articles</a>' in page


def test_a_person_counts_each_article_once_whether_mentioned_written_or_both(client):
    person = PersonFactory(name="Both Ways")
    both = ArticleFactory()
    both.people.add(person)
    both.authors.add(person)
    ArticleFactory().authors.add(person)
    ArticleFactory().people.add(person)
    assert re.search(r">Both Ways</a>.*?<span class=\"count\">3 articles</span>", text_of(client, "/people/"), re.S)


def make_claim(statement: str, rating: str, *dates: datetime.date) -> Claim:
    claim = ClaimFactory(statement=statement, rating=rating)
    for day in dates:
        ClaimReportFactory(claim=claim, article=ArticleFactory(published_on=day, published_precision="day"))
    return claim


def test_claims_sort_by_newest_rating_and_number_of_reports(client):
    make_claim("Old and often reported", ClaimRating.FALSE, *(datetime.date(2020, 1, d) for d in (1, 2, 3)))
    make_claim("Recent", ClaimRating.SUPPORTED, datetime.date(2024, 1, 1))
    make_claim("Middle", ClaimRating.UNVERIFIED, datetime.date(2022, 1, 1), datetime.date(2023, 1, 1))

    def statements(sort: str) -> list[str]:
        return re.findall(
            r'<h2 class="claim-statement"><a href="[^"]+">([^<]+)</a>', text_of(client, f"/claims/{sort}")
        )

    assert statements("") == statements("?sort=newest") == ["Recent", "Middle", "Old and often reported"]
    # Ratings in the editors' order: unverified, supported, disputed, misleading, false.
    assert statements("?sort=rating") == ["Middle", "Recent", "Old and often reported"]
    assert statements("?sort=count") == ["Old and often reported", "Middle", "Recent"]


# --- Query counts: the same for 3 items as for 30 ---------------------------------------------


def populate(n: int) -> dict:
    """``n`` of everything, all linked to one person, tag and source and one claim."""
    person, tag, source = PersonFactory(), TagFactory(), SourceFactory()
    claim = ClaimFactory(claimant_person=person, claimant_source=source)
    for i in range(n):
        day = datetime.date(2020 + i % 3, 1 + i % 12, 1)
        article = ArticleFactory(source=source, published_on=day, published_precision="month")
        article.people.add(person, PersonFactory())
        article.authors.add(person)
        article.tags.add(tag, TagFactory())
        ClaimReportFactory(claim=claim, article=article)
        ClaimReportFactory(article=article, claim=ClaimFactory(claimant_person=person, claimant_source=source))
        PersonAliasFactory(person=person)
    return {"person": person, "tag": tag, "source": source, "claim": claim}


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        # Each page first reads the published state, for the page cache (articles.caching).
        # index pages: the count for the paginator, then the page of annotated rows
        ("/sources/", 3),
        ("/people/", 3),
        ("/tags/", 3),
        ("/claims/", 3),
        # entity pages: the entity (+ aliases), the claims, the paginator's count, the page, the timeline;
        # a person's count and timeline come from their months and the archive's (one query)
        ("person", 6),
        ("tag", 5),
        ("source", 6),
        # the claim with its annotations, then its published reports with their articles and sources
        ("claim", 3),
    ],
)
def test_query_counts_do_not_grow_with_the_content(client, page, expected):
    few = populate(3)
    url = few[page].get_absolute_url() if page in few else page
    assert queries_for(client, url) == expected
    many = populate(30)
    url = many[page].get_absolute_url() if page in many else page
    assert queries_for(client, url) == expected


# --- Detail pages: what they show -------------------------------------------------------------


def test_person_page_shows_role_aliases_claims_articles_and_a_search_link(client, seed_archive):
    person = Person.objects.get(slug="valentina-chupik")
    page = text_of(client, person.get_absolute_url())
    assert "<h1>Valentina Chupik</h1>" in page
    assert "Migrant rights defender" in page
    assert 'Valentina Cupik <span class="meta">(spelling variant)</span>' in page
    assert '<a href="/search/?person=valentina-chupik">Search all coverage of Valentina Chupik</a>' in page
    claims = page[page.index("Claims by Valentina Chupik") : page.index('id="articles-heading"')]
    assert "Law enforcement officers stop Central Asian migrants" in claims
    articles = page[page.index('id="articles-heading"') :]
    assert "Russia Compels Migrants to Join Putin's War Effort in Ukraine Conflict" in articles
    assert "Prisoners and immigrants are being forced to fight for Russia in Ukraine" in articles
    assert 'role="img"' in page  # the timeline


def test_person_page_marks_the_articles_they_wrote(client, seed_archive):
    page = text_of(client, Person.objects.get(slug="aila-slisco").get_absolute_url())
    assert '<p class="role">By Aila Slisco</p>' in page


def test_source_page_shows_kind_country_homepage_claims_and_articles(client, seed_archive):
    page = text_of(client, Source.objects.get(slug="newsweek").get_absolute_url())
    assert "<dt>Kind</dt><dd>news outlet</dd>" in page
    assert "<dt>Country</dt><dd>US</dd>" in page
    assert '<a href="https://www.newsweek.com/" rel="noopener">https://www.newsweek.com/</a>' in page
    assert "Russia's partial mobilization is prompting xenophobic rhetoric" in page
    assert '<a href="/search/?source=newsweek">' in page
    page = text_of(client, Source.objects.get(slug="russian-government").get_absolute_url())
    assert "Claims by Russian Government" in page
    assert page.count('<h3 class="claim-statement">') == 4
    assert "No published articles yet." in page


def test_a_homepage_that_is_no_web_address_is_printed_not_linked(client):
    source = SourceFactory(homepage=" JaVa\tScript:alert(1)")
    page = text_of(client, source.get_absolute_url())
    assert "<dt>Homepage</dt><dd> JaVa\tScript:alert(1)</dd>" in page
    assert "href=" not in page.split("<dt>Homepage</dt>")[1].split("</dd>")[0]


def test_tag_page_shows_kind_description_articles_and_timeline(client, seed_archive):
    page = text_of(client, Tag.objects.get(slug="tajikistan").get_absolute_url())
    assert "Tajikistan, a former Soviet republic in Central Asia." in page
    assert "· place</p>" in page
    assert page.count('<h3 class="article-title">') == 4
    assert 'role="img"' in page
    assert "3 articles are dated only to the year (2023: 2, 2024: 1)" in re.sub(r"\s+", " ", page)


def test_entity_articles_are_listed_newest_first(client):
    source = SourceFactory()
    for year in (2021, 2023, 2022):
        ArticleFactory(
            source=source, title=f"From {year}", published_on=datetime.date(year, 1, 1), published_precision="year"
        )
    ArticleFactory(source=source, title="From an unknown date")
    page = text_of(client, source.get_absolute_url())
    assert re.findall(r">From ([^<]+)</a></h3>", page) == ["2023", "2022", "2021", "an unknown date"]


def make_coverage(person) -> None:
    """Articles of ``person`` over several months (day-, month-, year-precise and undated, some on the same day),
    mentioning them, by them or both, among articles of others and unpublished ones of theirs."""
    dates = [
        (datetime.date(2021, 3, 5), "day"),
        (datetime.date(2021, 3, 5), "day"),
        (datetime.date(2021, 3, 1), "month"),
        (datetime.date(2021, 1, 1), "year"),
        (datetime.date(2022, 11, 30), "day"),
        (datetime.date(2022, 12, 1), "day"),
        (None, ""),
    ]
    for n in range(46):
        day, precision = dates[n % len(dates)]
        article = ArticleFactory(title=f"Theirs {n:02}", published_on=day, published_precision=precision)
        if n % 3 != 1:
            article.people.add(person)
        if n % 3 != 0:
            article.authors.add(person)
        ArticleFactory(title=f"Others {n:02}", published_on=day, published_precision=precision)
    for status in (ArticleStatus.DRAFT, ArticleStatus.RETRACTED):
        ArticleFactory(title=f"Not published ({status})", status=status).people.add(person)


# Walking the archive in date order always (0: never worth it), or looking their articles up always.
@pytest.mark.parametrize("walk_cost_ratio", [10**9, 0])
def test_a_person_pages_through_exactly_their_published_articles_newest_first(client, monkeypatch, walk_cost_ratio):
    monkeypatch.setattr(browse, "WALK_COST_RATIO", walk_cost_ratio)
    person = PersonFactory()
    make_coverage(person)
    expected = Article.objects.published().involving(person).sorted_by(SORT_NEWEST)
    shown, by_them, number = [], [], 1
    while True:
        response = client.get(person.get_absolute_url(), {"page": number})
        assert response.status_code == 200
        page = response.context["page_obj"]
        assert page.paginator.count == expected.count() == 46
        shown += [article.title for article in page.object_list]
        by_them += [article.title for article in page.object_list if article.by_person]
        if not page.has_next():
            break
        number += 1
    assert shown == [article.title for article in expected]
    assert by_them == [article.title for article in expected if article.by_person]
    last = client.get(person.get_absolute_url(), {"page": "last"}).context["page_obj"]
    assert [article.title for article in last.object_list] == shown[40:]
    assert response.context["timeline"] == timeline_for(expected)


def test_a_person_without_published_articles_has_an_empty_first_page(client):
    person = PersonFactory()
    response = client.get(person.get_absolute_url())
    assert response.context["page_obj"].paginator.count == 0
    assert "No published articles yet." in response.content.decode()
    assert client.get(person.get_absolute_url(), {"page": 2}).status_code == 404


def test_claim_page_quotes_each_reporting_paragraph_and_links_its_anchor(client, seed_archive):
    claim = Claim.objects.get(slug="chupik-police-intimidate-migrants-into-military-contracts")
    page = text_of(client, claim.get_absolute_url())
    assert f"<h1>{claim.statement}</h1>" in page
    assert 'Claimed by</dt><dd><a href="/people/' in page
    assert '<span class="rating rating-unverified">' in page
    assert claim.rating_note in page
    for report in claim.reports.select_related("article"):
        anchor = f"{report.article.get_absolute_url()}#p{report.paragraph}"
        quoted = report.article.paragraphs[report.paragraph - 1]
        assert "Chupik" in quoted or "Cupik" in quoted  # one text spells her name so
        assert f'<blockquote cite="{anchor}"><p>{quoted}</p></blockquote>' in page
        assert f'<a class="paragraph-link" href="{anchor}">Paragraph {report.paragraph}<' in page
    compels = Article.objects.get(slug="russia-compels-migrants-to-join-putins-war-effort-in-ukraine-conflict")
    assert f'href="{compels.get_absolute_url()}#p14"' in page


def test_claim_page_shows_quote_and_both_claimants(client, seed_archive):
    page = text_of(client, Claim.objects.get(slug="romanova-detainees-not-given-a-choice").get_absolute_url())
    assert "just like a bag of potatoes</p></blockquote>" in page
    assert re.search(
        r'<a href="/people/\d+/olga-romanova/">Olga Romanova</a> \(<a href="/sources/\d+/russia-behind-bars/">', page
    )


def test_first_reported_is_the_earliest_published_report_at_its_precision(client, seed_archive):
    # Reported in October 2022 (Newsweek) and September 2022 (Jay Hicks), both to the month.
    claim = Claim.objects.get(slug="putin-partial-mobilization-goal-300000")
    page = text_of(client, claim.get_absolute_url())
    assert '<dt>First reported</dt><dd><time datetime="2022-09">September 2022</time></dd>' in page
    # Reported only in articles dated to the year.
    claim = Claim.objects.get(slug="usov-ministry-convicts-used-as-cannon-fodder")
    assert '<dd><time datetime="2023">2023</time></dd>' in text_of(client, claim.get_absolute_url())


def test_first_reported_ignores_unpublished_and_undated_and_prefers_precision_on_a_tie(client):
    claim = ClaimFactory()
    for status, day, precision in [
        ("draft", datetime.date(2019, 5, 5), "day"),
        ("published", None, ""),
        ("published", datetime.date(2021, 1, 1), "year"),
        ("published", datetime.date(2021, 1, 1), "day"),
        ("published", datetime.date(2022, 3, 1), "month"),
    ]:
        ClaimReportFactory(
            claim=claim, article=ArticleFactory(status=status, published_on=day, published_precision=precision)
        )
    page = text_of(client, claim.get_absolute_url())
    assert '<dt>First reported</dt><dd><time datetime="2021-01-01">1 January 2021</time></dd>' in page
    assert "Reported in 4 published articles" in page


def test_claims_index_shows_rating_claimant_reports_and_first_reported(client, seed_archive):
    page = text_of(client, "/claims/")
    claim = Claim.objects.get(slug="aziz-police-raid-taken-to-enlistment-office")
    item = page[page.index(claim.get_absolute_url()) :].split("</li>")[0]
    assert '<span class="rating rating-unverified">' in item
    assert ">Aziz</a> (<a href=" in item and ">BBC</a>)" in item
    assert "Reported in 2 articles" in item
    assert 'First reported <time datetime="2023">2023</time>' in item
