"""The public pages the foundation serves: the home page and the article page."""

import datetime

import pytest
from django.template.loader import render_to_string

from articles.models import ArticleStatus
from tests.factories import ArticleFactory, PersonFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_home_lists_only_published_articles(client):
    ArticleFactory(title="Visible report", status=ArticleStatus.PUBLISHED)
    ArticleFactory(title="Unfinished draft", status=ArticleStatus.DRAFT)
    ArticleFactory(title="Withdrawn story", status=ArticleStatus.RETRACTED)
    page = client.get("/").content.decode()
    assert "Visible report" in page
    assert "Unfinished draft" not in page
    assert "Withdrawn story" not in page


def test_article_page_shows_paragraphs_with_anchors(client):
    article = ArticleFactory(
        title="Migrants pressed to enlist",
        body="First paragraph.\n\nSecond paragraph.",
        source=SourceFactory(name="Newsweek"),
    )
    article.authors.add(PersonFactory(name="Aila Slisco"))
    response = client.get(article.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert '<p id="p1">First paragraph.</p>' in page
    assert '<p id="p2">Second paragraph.</p>' in page
    assert "Newsweek" in page
    assert "Aila Slisco" in page
    assert f'rel="canonical" href="http://testserver{article.get_absolute_url()}"' in page


def test_article_text_is_escaped(client):
    article = ArticleFactory(title="<script>alert(1)</script>", body="<img src=x onerror=alert(1)>")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.parametrize("status", [ArticleStatus.DRAFT, ArticleStatus.RETRACTED])
def test_unpublished_articles_are_not_found(client, status):
    article = ArticleFactory(status=status)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 404
    assert "There is no published page at this address." in response.content.decode()


def test_a_wrong_slug_redirects_permanently_to_the_canonical_url(client):
    article = ArticleFactory(slug="the-right-slug")
    response = client.get(f"/articles/{article.pk}/an-outdated-slug/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


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


@pytest.mark.parametrize(
    ("template", "heading"),
    [("400.html", "Bad request"), ("403.html", "Forbidden"), ("404.html", "Not found"), ("500.html", "Server error")],
)
def test_error_pages_use_the_site_design(template, heading):
    page = render_to_string(template)
    assert f"<title>{heading} — News archive</title>" in page
    assert f"<h1>{heading}</h1>" in page
    assert 'href="#main"' in page  # the base template's skip link
