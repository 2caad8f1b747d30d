"""schema.org JSON-LD and link previews (articles.structured_data, templates/articles/_social_meta.html)."""

import datetime
import json
import re
from html import unescape

import pytest

from articles.models import Article, Claim, ClaimRating, DatePrecision, SourceKind, TagKind
from articles.structured_data import BEST_RATING, CLAIM_RATING_SCALE, WORST_RATING, json_ld_text, web_address
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    ClaimReportFactory,
    PersonFactory,
    SourceFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

HOSTILE = "</script><script>alert(1)</script> & <!-- more"
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
# schema.org properties of NewsArticle this archive uses; anything else in the output is a mistake.
NEWS_ARTICLE_PROPERTIES = {
    "@context",
    "@type",
    "@id",
    "url",
    "mainEntityOfPage",
    "headline",
    "description",
    "inLanguage",
    "datePublished",
    "dateModified",
    "author",
    "publisher",
    "isBasedOn",
    "sameAs",
    "mentions",
    "keywords",
    "isPartOf",
    "identifier",
}


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def json_ld(page: str) -> list[dict]:
    """Every JSON-LD block of a page, parsed."""
    return [json.loads(block) for block in JSON_LD.findall(page)]


def meta_tags(page: str) -> list[tuple[str, str]]:
    """The (property or name, content) of every OpenGraph, article and Twitter meta tag, in order."""
    found = re.findall(r'<meta (?:property|name)="((?:og|article|twitter):[^"]+)" content="([^"]*)">', page)
    return [(key, unescape(value)) for key, value in found]


def seed(slug_start: str) -> Article:
    return Article.objects.get(slug__startswith=slug_start)


# --- Serialisation -------------------------------------------------------------------------------


def test_json_ld_text_cannot_end_its_script_element():
    text = json_ld_text({"headline": HOSTILE, "line": "a\u2028b"})
    assert not {"<", ">", "&", "\u2028"} & set(text)
    assert "\\u003c/script\\u003e" in text
    assert json.loads(text) == {"headline": HOSTILE, "line": "a\u2028b"}


# --- NewsArticle ---------------------------------------------------------------------------------


@pytest.fixture
def full_article():
    source = SourceFactory(name="The Daily Record", kind=SourceKind.NEWS_OUTLET, homepage="https://daily.example.com/")
    article = ArticleFactory(
        title="Officials confirm the call-up",
        source=source,
        published_on=datetime.date(2022, 10, 14),
        published_precision=DatePrecision.DAY,
        url="https://daily.example.com/2022/10/14/call-up",
        summary="Officials confirmed it.",
        language="en-GB",
    )
    article.authors.set([PersonFactory(name="Anna Petrova")])
    article.people.set([PersonFactory(name="Boris Orlov")])
    article.tags.set([TagFactory(name="Moscow", kind=TagKind.PLACE), TagFactory(name="Conscription")])
    return article


def test_an_article_page_describes_a_news_article(client, full_article):
    (data,) = json_ld(page_of(client, full_article.get_absolute_url()))
    url = f"http://testserver{full_article.get_absolute_url()}"
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert set(data) <= NEWS_ARTICLE_PROPERTIES
    assert data["headline"] == "Officials confirm the call-up"
    assert data["url"] == data["@id"] == url
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["datePublished"] == "2022-10-14"
    assert datetime.datetime.fromisoformat(data["dateModified"]) == full_article.updated_at.replace(microsecond=0)
    author = full_article.authors.get()
    assert data["author"] == [
        {"@type": "Person", "name": "Anna Petrova", "url": f"http://testserver{author.get_absolute_url()}"}
    ]
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "The Daily Record",
        "url": "https://daily.example.com/",
    }
    assert data["isBasedOn"] == data["sameAs"] == "https://daily.example.com/2022/10/14/call-up"
    assert [(node["@type"], node["name"]) for node in data["mentions"]] == [
        ("Person", "Boris Orlov"),
        ("Thing", "Conscription"),
        ("Place", "Moscow"),
    ]
    assert all(node["url"].startswith("http://testserver/") for node in data["mentions"])
    assert data["keywords"] == ["Conscription", "Moscow"]
    assert data["inLanguage"] == "en-GB"
    assert data["description"] == "Officials confirmed it."
    assert data["isPartOf"] == {"@type": "WebSite", "name": "News archive", "url": "http://testserver/"}
    assert data["identifier"] == {"@type": "PropertyValue", "propertyID": "SHA-256", "value": full_article.body_sha256}
    # Not the body (too big), and not archivedAt: the page's own url already is the archived copy.
    assert "articleBody" not in data
    assert "archivedAt" not in data


def test_seed_articles_say_only_what_is_known(client, seed_archive):
    (newsweek,) = json_ld(page_of(client, seed("russias-partial-mobilization").get_absolute_url()))
    assert newsweek["datePublished"] == "2022-10"  # month precision, valid ISO 8601
    assert newsweek["publisher"] == {"@type": "Organization", "name": "Newsweek", "url": "https://www.newsweek.com/"}
    assert [author["name"] for author in newsweek["author"]] == ["Aila Slisco"]
    assert newsweek["headline"].startswith("Russia's partial mobilization")
    assert {"@type": "Place", "name": "Tajikistan"}.items() <= next(
        node for node in newsweek["mentions"] if node["name"] == "Tajikistan"
    ).items()
    assert {"@type": "Event", "name": "Partial mobilization"}.items() <= next(
        node for node in newsweek["mentions"] if node["name"] == "Partial mobilization"
    ).items()

    (persecution,) = json_ld(page_of(client, seed("persecution-of-foreigners").get_absolute_url()))
    assert persecution["datePublished"] == "2024"
    # No source, no author, no original URL: nothing invented.
    assert not {"publisher", "author", "isBasedOn", "sameAs"} & persecution.keys()


def test_an_article_without_a_summary_is_described_by_its_first_paragraph(client):
    article = ArticleFactory(summary="", body="The first paragraph.\n\nThe second.")
    (data,) = json_ld(page_of(client, article.get_absolute_url()))
    assert data["description"] == "The first paragraph."
    assert "datePublished" not in data


def test_a_hostile_headline_cannot_break_out_of_the_page(client):
    article = ArticleFactory(title=HOSTILE, summary=HOSTILE)
    page = page_of(client, article.get_absolute_url())
    assert "<script>alert(1)" not in page
    assert "<!-- more" not in page
    (data,) = json_ld(page)
    assert data["headline"] == data["description"] == HOSTILE
    assert dict(meta_tags(page))["og:title"] == HOSTILE


# --- ClaimReview ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://www.bbc.com/news/x", True),
        ("http://example.org", True),
        ("ftp://example.org/file", True),
        ("javascript:alert(1)", False),
        (" JaVaScRiPt:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("\x01javascript:alert(1)", False),  # browsers skip leading control characters too
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox", False),
        ("www.example.org", False),  # no scheme: a relative link would lead into the archive
        ("//evil.example/x", False),
        ("http://[::1", False),  # urlsplit refuses it
        ("", False),
    ],
)
def test_only_web_addresses_become_links(url, linked):
    assert web_address(url) == (url if linked else "")


def test_an_original_that_is_no_web_address_is_left_out(client):
    source = SourceFactory(homepage="javascript:alert('home')")
    article = ArticleFactory(url="javascript:alert('original')", source=source)
    (data,) = json_ld(client.get(article.get_absolute_url()).content.decode())
    assert "isBasedOn" not in data and "sameAs" not in data
    assert data["publisher"]["url"] == f"http://testserver{source.get_absolute_url()}"


def test_the_rating_scale_is_documented_and_ordered():
    assert set(CLAIM_RATING_SCALE) == set(ClaimRating) - {ClaimRating.UNVERIFIED}
    order = [ClaimRating.FALSE, ClaimRating.MISLEADING, ClaimRating.DISPUTED, ClaimRating.SUPPORTED]
    values = [CLAIM_RATING_SCALE[rating] for rating in order]
    assert values == sorted(values)
    assert (values[0], values[-1]) == (WORST_RATING, BEST_RATING) == (1, 5)


def test_a_rated_claim_page_has_a_claim_review(client, seed_archive):
    claim = Claim.objects.get(slug="putin-partial-mobilization-goal-300000")
    (data,) = json_ld(page_of(client, claim.get_absolute_url()))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "ClaimReview"
    assert data["url"] == f"http://testserver{claim.get_absolute_url()}"
    assert data["claimReviewed"] == "Russia's partial mobilization aims to call up 300,000 troops."
    assert data["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 5,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "supported",
    }
    assert data["reviewBody"] == claim.rating_note
    assert data["author"] == {"@type": "Organization", "name": "News archive", "url": "http://testserver/"}
    assert data["datePublished"] == claim.created_at.date().isoformat()
    item = data["itemReviewed"]
    assert item["@type"] == "Claim"
    putin = claim.claimant_person
    assert item["author"] == [
        {"@type": "Person", "name": "Vladimir Putin", "url": f"http://testserver{putin.get_absolute_url()}"}
    ]
    hicks, newsweek = seed("russias-mobilization-drives"), seed("russias-partial-mobilization")
    assert [appearance["url"] for appearance in item["appearance"]] == [
        f"http://testserver{hicks.get_absolute_url()}",  # September 2022
        f"http://testserver{newsweek.get_absolute_url()}",  # October 2022
    ]
    assert item["firstAppearance"] == {
        "@type": "NewsArticle",
        "headline": hicks.title,
        "url": f"http://testserver{hicks.get_absolute_url()}",
        "datePublished": "2022-09",
    }


@pytest.mark.parametrize(
    ("rating", "value"),
    [(ClaimRating.FALSE, 1), (ClaimRating.MISLEADING, 2), (ClaimRating.DISPUTED, 3), (ClaimRating.SUPPORTED, 5)],
)
def test_each_verdict_has_its_value_and_both_claimants(client, rating, value):
    source = SourceFactory(name="Russia Behind Bars")
    claim = ClaimFactory(rating=rating, claimant_person=PersonFactory(name="Olga Romanova"), claimant_source=source)
    ClaimReportFactory(claim=claim)
    (data,) = json_ld(page_of(client, claim.get_absolute_url()))
    assert data["reviewRating"]["ratingValue"] == value
    assert data["reviewRating"]["alternateName"] == rating.label
    assert [(node["@type"], node["name"]) for node in data["itemReviewed"]["author"]] == [
        ("Person", "Olga Romanova"),
        ("Organization", "Russia Behind Bars"),
    ]
    # The only report is undated: an appearance, but no first appearance the archive could vouch for.
    assert len(data["itemReviewed"]["appearance"]) == 1
    assert "firstAppearance" not in data["itemReviewed"]


def test_an_unverified_claim_has_no_review(client, seed_archive):
    claim = Claim.objects.filter(rating=ClaimRating.UNVERIFIED).first()
    assert json_ld(page_of(client, claim.get_absolute_url())) == []


def test_a_hostile_claim_cannot_break_out_of_the_page(client):
    claim = ClaimFactory(statement=HOSTILE, rating=ClaimRating.FALSE, rating_note=HOSTILE)
    ClaimReportFactory(claim=claim)
    page = page_of(client, claim.get_absolute_url())
    assert "<script>alert(1)" not in page
    (data,) = json_ld(page)
    assert data["claimReviewed"] == data["reviewBody"] == HOSTILE


# --- Link previews -------------------------------------------------------------------------------


def test_the_home_page_preview(client, seed_archive):
    tags = meta_tags(page_of(client, "/"))
    assert tags == [
        ("og:site_name", "News archive"),
        ("og:type", "website"),
        ("og:title", "News archive"),
        ("og:description", tags[3][1]),
        ("og:url", "http://testserver/"),
        ("twitter:card", "summary"),
        ("twitter:title", "News archive"),
        ("twitter:description", tags[3][1]),
    ]
    assert tags[3][1].startswith("A searchable archive of news reporting.")


def test_an_article_page_preview(client, seed_archive):
    article = seed("russias-partial-mobilization")
    page = page_of(client, article.get_absolute_url())
    tags = meta_tags(page)
    single = dict(tags)
    assert single["og:type"] == "article"
    assert single["og:title"] == single["twitter:title"] == article.title
    assert single["og:description"] == single["twitter:description"]
    assert single["og:description"].startswith("The Institute for the Study of War says")
    assert len(single["og:description"]) <= 200
    assert single["og:url"] == f"http://testserver{article.get_absolute_url()}"
    assert single["og:site_name"] == "News archive"
    assert single["twitter:card"] == "summary"
    assert single["article:published_time"] == "2022-10"
    author = article.authors.get()
    assert [value for key, value in tags if key == "article:author"] == [
        f"http://testserver{author.get_absolute_url()}"
    ]
    assert [value for key, value in tags if key == "article:tag"] == [tag.name for tag in article.tags.all()]
    assert "og:image" not in single  # the archive has no image; none is invented
    assert page.count('property="og:type"') == 1  # the article's preview replaces the site's


def test_a_person_page_preview(client, seed_archive):
    page = page_of(client, "/people/")
    chupik = re.search(r'href="(/people/\d+/valentina-chupik/)"', page).group(1)
    single = dict(meta_tags(page_of(client, chupik)))
    assert single["og:type"] == "website"
    assert single["og:title"] == single["twitter:title"] == "Valentina Chupik"
    assert single["og:description"] == single["twitter:description"] == "Migrant rights defender"
    assert single["og:url"] == f"http://testserver{chupik}"


def test_a_search_page_preview(client, seed_archive):
    single = dict(meta_tags(page_of(client, "/search/?q=migrants")))
    assert single["og:type"] == "website"
    assert single["og:title"] == single["twitter:title"] == "Search: migrants"
    assert single["og:description"] == "4 articles match “migrants” in the archive."
    assert single["og:url"] == "http://testserver/search/?q=migrants"


def test_index_and_error_pages_have_a_preview(client, seed_archive):
    assert dict(meta_tags(page_of(client, "/tags/?sort=name")))["og:title"] == "Tags"
    assert dict(meta_tags(page_of(client, "/tags/?sort=name")))["og:url"] == "http://testserver/tags/"
    response = client.get("/articles/999999/missing/")
    assert response.status_code == 404
    assert dict(meta_tags(response.content.decode()))["og:title"] == "Not found"
