"""The home page and the article page (articles.views.pages), and the site's shared layout."""

import datetime
import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from articles.models import Article, ArticleStatus, Claim, NearDuplicate
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    ClaimReportFactory,
    PersonFactory,
    SourceFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# --- Home ------------------------------------------------------------------------------------


def test_home_lists_only_published_articles(client):
    ArticleFactory(title="Visible report", status=ArticleStatus.PUBLISHED)
    ArticleFactory(title="Unfinished draft", status=ArticleStatus.DRAFT)
    ArticleFactory(title="Withdrawn story", status=ArticleStatus.RETRACTED)
    page = client.get("/").content.decode()
    assert "Visible report" in page
    assert "Unfinished draft" not in page
    assert "Withdrawn story" not in page


def test_home_has_a_labelled_search_box_that_searches(client):
    page = client.get("/").content.decode()
    assert '<form class="home-search" role="search" aria-label="Archive" action="/search/" method="get">' in page
    assert '<label for="home-search-q">Search the archive</label>' in page
    assert '<input id="home-search-q" type="search" name="q"' in page
    # The header's own search box gives way to the big one: one search form, unique ids.
    assert page.count('role="search"') == 1


def test_home_shows_the_ten_latest_articles_newest_first(client):
    for day in range(1, 13):
        ArticleFactory(
            title=f"Report of day {day:02}", published_on=datetime.date(2023, 5, day), published_precision="day"
        )
    page = client.get("/").content.decode()
    shown = re.findall(r"Report of day (\d\d)", page)
    assert shown == [f"{day:02}" for day in range(12, 2, -1)]


def test_home_shows_most_covered_people_and_tags_with_counts(client):
    putin = PersonFactory(name="Vladimir Putin")
    chupik = PersonFactory(name="Valentina Chupik")
    unpublished_only = PersonFactory(name="Hidden Person")
    russia = TagFactory(name="Russia")
    for _ in range(3):
        ArticleFactory().people.add(putin)
    article = ArticleFactory()
    article.people.add(chupik)
    article.tags.add(russia)
    ArticleFactory(status=ArticleStatus.DRAFT).people.add(unpublished_only, chupik)
    page = client.get("/").content.decode()
    people = page[page.index("Most-covered people") : page.index("All people")]
    assert people.index("Vladimir Putin") < people.index("Valentina Chupik")
    assert f'<a href="{putin.get_absolute_url()}">Vladimir Putin</a> <span class="count">3<' in people
    assert f'<a href="{chupik.get_absolute_url()}">Valentina Chupik</a> <span class="count">1<' in people
    assert "Hidden Person" not in page
    assert f'<a href="{russia.get_absolute_url()}">Russia</a> <span class="count">1<' in page


def test_home_shows_the_archive_span_at_its_precision_and_the_totals(client):
    first = ArticleFactory(published_on=datetime.date(2022, 9, 1), published_precision="month")
    ArticleFactory(published_on=datetime.date(2024, 5, 3), published_precision="day")
    ArticleFactory(published_on=datetime.date(2024, 1, 1), published_precision="year")
    ArticleFactory(published_on=None, published_precision="")
    draft = ArticleFactory(published_on=datetime.date(2025, 1, 1), published_precision="year", status="draft")
    SourceFactory.create_batch(2)
    ClaimReportFactory(article=first)  # a claim a published article reports
    ClaimReportFactory(article=draft)  # and one only a draft does
    page = client.get("/").content.decode()
    span = re.sub(r"\s+", " ", page[page.index('<p class="span">') :].split("</p>")[0])
    # The year-only "2024" may come after 3 May 2024, so it ends the span.
    assert span == (
        '<p class="span">4 published articles, from <time datetime="2022-09">September 2022</time> '
        'to <time datetime="2024">2024</time> (1 undated).'
    )
    assert "<strong>2</strong> sources" in page
    assert "<strong>1</strong> claim<" in page


def test_home_with_an_empty_archive(client):
    page = client.get("/").content.decode()
    assert "The archive has no published articles yet." in page
    assert "<svg" not in page


def make_home_content(n: int) -> None:
    for i in range(n):
        article = ArticleFactory(
            source=SourceFactory(), published_on=datetime.date(2020, 1 + i % 12, 1 + i % 28), published_precision="day"
        )
        article.people.add(PersonFactory())
        article.tags.add(TagFactory())
        ClaimReportFactory(article=article)


def test_home_makes_the_same_number_of_queries_for_3_and_30_of_everything(client):
    make_home_content(3)
    few = queries_for(client, "/")
    make_home_content(27)
    assert queries_for(client, "/") == few
    # The published state (for the page cache, articles.caching), the archive's months (its span
    # and timeline, as the database counts them), its first and last days, the latest articles,
    # people, tags, and four totals.
    assert few == 10


# --- The article page ------------------------------------------------------------------------


def test_article_page_shows_paragraphs_with_anchors_and_links_to_them(client):
    article = ArticleFactory(
        title="Migrants pressed to enlist",
        body="First paragraph.\n\nSecond paragraph.",
        source=SourceFactory(name="Newsweek"),
    )
    article.authors.add(PersonFactory(name="Aila Slisco"))
    response = client.get(article.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    for n, text in [(1, "First paragraph."), (2, "Second paragraph.")]:
        assert (
            f'<p id="p{n}">{text} <a class="paragraph-anchor" href="#p{n}" aria-label="Link to paragraph {n}"'
        ) in page
    assert "Newsweek" in page
    assert "Aila Slisco" in page
    assert f'rel="canonical" href="http://testserver{article.get_absolute_url()}"' in page


def test_article_page_links_its_source_authors_people_and_tags(client):
    source = SourceFactory(name="Newsweek")
    author, mentioned, tag = PersonFactory(name="Aila Slisco"), PersonFactory(name="Sergey Mironov"), TagFactory()
    article = ArticleFactory(source=source)
    article.authors.add(author)
    article.people.add(mentioned)
    article.tags.add(tag)
    page = client.get(article.get_absolute_url()).content.decode()
    assert f'<a class="source" href="{source.get_absolute_url()}">Newsweek</a>' in page
    assert f'By <a href="{author.get_absolute_url()}">Aila Slisco</a>' in page
    assert f'<li><a href="{mentioned.get_absolute_url()}">Sergey Mironov</a></li>' in page
    assert f'<li><a href="{tag.get_absolute_url()}">{tag.name}</a></li>' in page


def test_article_page_lists_the_claims_it_reports_with_their_paragraphs(client, seed_archive):
    article = Article.objects.get(slug="russia-compels-migrants-to-join-putins-war-effort-in-ukraine-conflict")
    claim = Claim.objects.get(slug="chupik-police-intimidate-migrants-into-military-contracts")
    page = client.get(article.get_absolute_url()).content.decode()
    section = page[page.index("Claims reported in this article") :]
    item = section[section.index(claim.get_absolute_url()) :].split("</li>")[0]
    assert claim.statement in item
    assert 'href="/people/' in item and "Valentina Chupik</a>" in item
    assert '<span class="rating rating-unverified">' in item
    assert '<a href="#p14">Paragraph 14</a>' in item
    # in paragraph order
    paragraphs = [int(n) for n in re.findall(r'<a href="#p(\d+)">Paragraph', section)]
    assert paragraphs == sorted(paragraphs) and len(paragraphs) == article.claim_reports.count()


def test_article_page_keeps_the_date_note_and_the_digest(client):
    article = ArticleFactory(published_note="Month only, from the events it reports.")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Date: Month only, from the events it reports." in page
    assert f"SHA-256 <code>{article.body_sha256}</code>" in page


def test_article_page_makes_the_same_number_of_queries_for_3_and_30_links(client):
    article = ArticleFactory()

    def link(n: int) -> None:
        for _ in range(n):
            article.people.add(PersonFactory())
            article.authors.add(PersonFactory())
            article.tags.add(TagFactory())
            ClaimReportFactory(article=article, claim=ClaimFactory(claimant_source=SourceFactory()))

    link(3)
    few = queries_for(client, article.get_absolute_url())
    link(27)
    # The published state (for the page cache, articles.caching), the article, the claims it reports,
    # and its authors, people and tags in one query (article_links_load). It has no earlier version
    # and retells no other report: those are not asked for.
    assert queries_for(client, article.get_absolute_url()) == few == 4


def test_article_page_asks_only_for_the_records_the_article_has(client):
    article = ArticleFactory(body="First text.")
    assert queries_for(client, article.get_absolute_url()) == 3  # no claim, version or retelling
    ClaimReportFactory(article=article, claim=ClaimFactory(statement="Ten thousand were called up."))
    article.body = "Corrected text."
    article.save()
    retelling = ArticleFactory(title="A retelling")
    NearDuplicate.objects.create(article=article, other=retelling, shared_passages=2, shared_words=40, containment=0.5)
    assert queries_for(client, article.get_absolute_url()) == 6
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Ten thousand were called up." in page
    assert '<a href="#versions">Earlier versions</a>' in page and "Version 2 (current" in page
    assert "A retelling" in page.split('id="also-reported-heading"')[1]


def test_article_text_is_escaped(client):
    article = ArticleFactory(title="<script>alert(1)</script>", body="<img src=x onerror=alert(1)>")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.parametrize(
    ("url", "linked"),
    [("https://example.org/report", True), ("javascript:alert(1)", False), ("data:text/html,x", False)],
)
def test_the_original_address_is_a_link_only_when_it_is_a_web_address(client, url, linked):
    """Imports store any address: one that would run a script when followed is printed, never linked."""
    article = ArticleFactory(url=url)
    page = client.get(article.get_absolute_url()).content.decode()
    link = f'<a href="{url}" rel="noopener">{url}</a>'
    assert (link in page) is linked
    assert f'<p class="original">Original: {link if linked else url}</p>' in page


def test_drafts_are_not_found(client):
    """A retracted article's page shows its note instead (tests/test_retraction.py)."""
    article = ArticleFactory(status=ArticleStatus.DRAFT)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 404
    assert "There is no published page at this address." in response.content.decode()


@pytest.mark.parametrize(
    "path", ["/", "/search/?q=mobilization&tag=russia", "/people/", "{article}", "{article}versions/1/"]
)
def test_every_page_names_its_canonical_address_without_tracking_parameters(client, path):
    article = ArticleFactory()
    path = path.format(article=article.get_absolute_url())
    separator = "&" if "?" in path else "?"
    page = client.get(f"{path}{separator}utm_source=newsletter&fbclid=abc").content.decode()
    assert page.count('rel="canonical"') == 1
    assert f'<link rel="canonical" href="http://testserver{path.replace("&", "&amp;")}">' in page


def test_an_error_page_names_no_canonical_address(client):
    assert 'rel="canonical"' not in client.get("/articles/987654/nothing/").content.decode()


def test_a_wrong_slug_redirects_permanently_to_the_canonical_url(client):
    article = ArticleFactory(slug="the-right-slug")
    response = client.get(f"/articles/{article.pk}/an-outdated-slug/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


# --- Versions ----------------------------------------------------------------------------------


def corrected(article: Article, body: str) -> Article:
    article.body = body
    article.save()
    return article


def test_a_corrected_article_says_so_and_links_every_version(client):
    article = ArticleFactory(body="The first text.")
    first_digest = article.body_sha256
    corrected(article, "The corrected text.")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Corrected " in page
    assert '<a href="#versions">Earlier versions</a>' in page
    version_url = f"{article.get_absolute_url()}versions/1/"
    assert f'<a href="{version_url}">Version 1</a>' in page
    assert first_digest in page and article.body_sha256 in page
    assert "Version 2 (current, this page)" in page


def test_an_uncorrected_article_is_not_marked_corrected_but_gives_its_texts_address(client):
    article = ArticleFactory()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Corrected" not in page
    assert "Version 1 (current, this page)" in page
    assert f'<a href="{article.get_absolute_url()}versions/1/">permanent address of this text</a>' in page


def test_the_current_text_has_an_address_that_keeps_showing_it_after_a_correction(client):
    article = ArticleFactory(body="The words first cited.")
    address = f"{article.get_absolute_url()}versions/1/"
    page = client.get(address).content.decode()
    assert "This is version 1, the current text of" in page
    assert "The words first cited." in page
    assert "What the correction changed" not in page
    corrected(article, "The words after the correction.")
    page = client.get(address).content.decode()
    assert "The words first cited." in page and "The words after the correction." not in page
    assert "This is version 1 of this article" in page
    assert "The words after the correction." in client.get(f"{article.get_absolute_url()}versions/2/").content.decode()
    assert client.get(f"{article.get_absolute_url()}versions/3/").status_code == 404


def test_an_earlier_version_stays_readable_at_its_own_url(client):
    article = ArticleFactory(title="Old headline", body="First paragraph.\n\nThe wrong figure: 12.")
    first_digest = article.body_sha256
    corrected(article, "First paragraph.\n\nThe right figure: 21.")
    response = client.get(f"/articles/{article.pk}/{article.slug}/versions/1/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "The wrong figure: 12." in page and "The right figure: 21." not in page
    assert '<p id="p2">' in page  # paragraph anchors, so the old text can be cited at a paragraph
    assert first_digest in page
    assert "This is version 1 of this article" in page
    assert f'<a href="{article.get_absolute_url()}">Read the current version</a>' in page
    # What the correction changed, word by word, against the text that replaced it.
    assert "The <del>wrong</del> <ins>right</ins> figure: <del>12.</del> <ins>21.</ins>" in page
    assert "The headline was “Old headline”." not in page


def test_a_version_shows_its_changes_against_the_next_version_and_a_changed_headline(client):
    article = ArticleFactory(title="Headline", body="Text one.")
    corrected(article, "Text two.")
    article.title = "Corrected headline"
    corrected(article, "Text three.")
    page = client.get(f"{article.get_absolute_url()}versions/1/").content.decode()
    assert f'<a href="{article.get_absolute_url()}versions/2/">version 2</a>' in page
    assert "<del>one.</del> <ins>two.</ins>" in page
    page = client.get(f"{article.get_absolute_url()}versions/2/").content.decode()
    assert "<del>two.</del> <ins>three.</ins>" in page
    assert "The headline was “Headline”." in page


def test_a_version_with_a_wrong_slug_redirects_and_an_unknown_one_is_not_found(client):
    article = corrected(ArticleFactory(slug="right-slug"), "New text.")
    response = client.get(f"/articles/{article.pk}/old-slug/versions/1/")
    assert response.status_code == 301
    assert response["Location"] == f"/articles/{article.pk}/right-slug/versions/1/"
    assert client.get(f"/articles/{article.pk}/right-slug/versions/3/").status_code == 404
    assert client.get(f"/articles/{article.pk}/right-slug/versions/0/").status_code == 404


@pytest.mark.parametrize("status", [ArticleStatus.DRAFT, ArticleStatus.RETRACTED])
def test_versions_of_unpublished_articles_are_not_found(client, status):
    article = corrected(ArticleFactory(status=status), "New text.")
    assert client.get(f"/articles/{article.pk}/{article.slug}/versions/1/").status_code == 404


@pytest.mark.parametrize(
    ("day", "precision", "shown"),
    [
        (datetime.date(2022, 10, 18), "day", '<time datetime="2022-10-18">18 October 2022</time>'),
        (datetime.date(2022, 10, 1), "month", '<time datetime="2022-10">October 2022</time>'),
        (datetime.date(2023, 1, 1), "year", '<time datetime="2023">2023</time>'),
    ],
)
def test_dates_are_shown_at_their_precision(client, day, precision, shown):
    article = ArticleFactory(published_on=day, published_precision=precision)
    assert shown in client.get(article.get_absolute_url()).content.decode()


# --- Layout ----------------------------------------------------------------------------------


def test_every_page_has_the_skip_link_landmarks_and_navigation(client):
    page = client.get("/sources/").content.decode()
    assert '<a class="skip-link" href="#main">Skip to content</a>' in page
    for landmark in ('<header class="site-header">', '<main id="main"', '<footer class="site-footer">'):
        assert landmark in page
    assert '<nav class="site-nav" aria-label="Browse">' in page
    assert '<a href="/sources/" aria-current="page">Sources</a>' in page
    for link in ('<a href="/people/">People</a>', '<a href="/tags/">Tags</a>', '<a href="/claims/">Claims</a>'):
        assert link in page
    assert '<label class="visually-hidden" for="site-search-q">Search the archive</label>' in page
    assert page.count("<h1>") == 1


@pytest.mark.parametrize(
    ("template", "heading"),
    [("400.html", "Bad request"), ("403.html", "Forbidden"), ("404.html", "Not found"), ("500.html", "Server error")],
)
def test_error_pages_use_the_site_design(template, heading):
    page = render_to_string(template)
    assert f"<title>{heading} — News archive</title>" in page
    assert f"<h1>{heading}</h1>" in page
    assert 'href="#main"' in page  # the base template's skip link
    assert 'href="/sources/"' in page  # and its navigation, even without a request
