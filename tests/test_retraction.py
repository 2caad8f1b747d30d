"""Retracted articles: the note instead of the text at the same address, and nowhere else.

``Article.save`` stamps ``retracted_at``; ``ArticleDetailView`` and its JSON twin show a retracted
article's headline, byline and note (``templates/articles/article_retracted.html``,
``serializers.retracted_article``); every list, feed and count keeps using ``published()``.
"""

import datetime
import re

import pytest
from django.db import IntegrityError
from django.utils import timezone
from django.utils.html import escape
from jsonschema import Draft202012Validator

from articles.api import openapi
from articles.models import Article, ArticleStatus, ArticleVersion, NearDuplicate
from articles.services import vocabulary_refresh
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    ClaimReportFactory,
    PersonFactory,
    SourceFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

NOTE = "Retracted: the two officials quoted could not be shown to exist.\n\nThe reporter has been informed."
# Words only the retracted article has: a search for them would find it, were it public.
UNIQUE_WORD = "zorblax"
RETRACTED_TITLE = "Zorblax affair unravels"
SECRET_SUMMARY = "A summary that must vanish with the text."
SECRET_PARAGRAPH = f"Officials in the {UNIQUE_WORD} district spoke of conscription quotas nobody could confirm."
# A passage both articles tell, long enough to make them near-duplicates ("also reported in").
SHARED_PASSAGE = (
    "Recruiters visited the dormitories on the outskirts of the city before dawn on Tuesday and told the"
    " workers who had arrived from Tashkent and Dushanbe over the summer that their residence papers would"
    " be renewed only if they signed a one-year contract with the defence ministry, according to three"
    " labourers and a lawyer who later represented several of the men at the regional court hearing."
)
# What only the retracted article carries: facets, counts and indexes would name them if they counted it.
RETRACTION_ONLY_SOURCE = "Gazette of the Retraction"
RETRACTION_ONLY_TAG = "Retraction-only topic"
RETRACTION_ONLY_CLAIM = "A claim only the retracted article reports"
CITATION_FORMATS = ("bib", "ris", "csl.json")
DOCUMENT = openapi.document(server_url="http://testserver/")


def documented(data: dict, schema: str) -> dict:
    validator = Draft202012Validator(
        {**DOCUMENT, "$ref": f"#/components/schemas/{schema}"}, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(data)]
    assert not errors, errors
    return data


def retract(article: Article, note: str = NOTE) -> Article:
    article.status, article.retraction_note = ArticleStatus.RETRACTED, note
    article.save()
    return article


def text_of(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode()


# --- The model: when it was retracted ------------------------------------------------------------


def test_retracting_stamps_the_time_and_saving_again_keeps_it(monkeypatch):
    article = ArticleFactory()
    assert article.retracted_at is None
    first = datetime.datetime(2024, 3, 1, 9, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: first)
    retract(article)
    article.refresh_from_db()
    assert article.retracted_at == first

    monkeypatch.setattr(timezone, "now", lambda: first + datetime.timedelta(days=5))
    article.retraction_note = "A clearer note."
    article.save()
    article.refresh_from_db()
    assert article.retracted_at == first  # readers were told "retracted on" that day


@pytest.mark.parametrize("status", [ArticleStatus.PUBLISHED, ArticleStatus.DRAFT])
def test_taking_a_retraction_back_clears_the_time(status):
    article = retract(ArticleFactory())
    assert article.retracted_at is not None
    article.status = status
    article.save()
    article.refresh_from_db()
    assert article.retracted_at is None


def test_saving_only_the_status_saves_the_time_with_it():
    article = ArticleFactory(retraction_note=NOTE)
    article.status = ArticleStatus.RETRACTED
    article.save(update_fields=["status"])
    assert article.retracted_at is not None
    assert Article.objects.get(pk=article.pk).retracted_at == article.retracted_at


def test_a_retraction_without_a_note_is_refused_by_the_database():
    article = ArticleFactory()
    with pytest.raises(IntegrityError):
        retract(article, note="")


def test_public_articles_are_the_published_and_the_retracted():
    published = ArticleFactory()
    retracted = ArticleFactory(status=ArticleStatus.RETRACTED)
    ArticleFactory(status=ArticleStatus.DRAFT)
    assert set(Article.objects.public()) == {published, retracted}
    assert list(Article.objects.published()) == [published]


# --- The page: the note, not the text ------------------------------------------------------------


@pytest.fixture
def retracted():
    """A retracted article with everything a published one shows: summary, people, tags, claims, versions."""
    source = SourceFactory(name="Steppe Courier")
    article = ArticleFactory(
        title=RETRACTED_TITLE,
        summary=SECRET_SUMMARY,
        body=f"{SECRET_PARAGRAPH}\n\nA first text.",
        source=source,
        published_on=datetime.date(2023, 4, 12),
        published_precision="day",
        url="https://courier.example/zorblax",
    )
    article.people.add(PersonFactory(name="Secretly Mentioned"))
    article.tags.add(TagFactory(name="Secret topic"))
    article.authors.add(PersonFactory(name="Secret Author"))
    ClaimReportFactory(claim=ClaimFactory(statement="A claim only this text makes"), article=article, paragraph=1)
    article.body = f"{SECRET_PARAGRAPH}\n\nA corrected text."  # version 1 kept, current text is version 2
    article.save()
    retracted_at = datetime.datetime(2024, 3, 1, 9, 30, tzinfo=datetime.UTC)
    retract(article)
    Article.objects.filter(pk=article.pk).update(retracted_at=retracted_at)
    article.refresh_from_db()
    return article


def test_the_page_answers_with_the_headline_byline_and_note(client, retracted):
    response = client.get(retracted.get_absolute_url())
    assert response.status_code == 200
    assert response.templates[0].name == "articles/article_retracted.html"
    page = response.content.decode()
    assert f"<h1>{RETRACTED_TITLE}</h1>" in page
    assert "Steppe Courier" in page and '<time datetime="2023-04-12">12 April 2023</time>' in page
    assert re.search(
        r'<h2 id="retraction-heading">Retracted on <time datetime="2024-03-01T09:30:00[^"]*">1 March 2024', page
    )
    assert "<p>Retracted: the two officials quoted could not be shown to exist.</p>" in page
    assert "<p>The reporter has been informed.</p>" in page
    assert '<meta name="robots" content="noindex">' in page
    assert page.count("<h1>") == 1


def test_the_page_shows_nothing_of_the_text(client, retracted):
    page = client.get(retracted.get_absolute_url()).content.decode()
    for hidden in (
        SECRET_PARAGRAPH,
        "A corrected text",
        "A first text",
        SECRET_SUMMARY,
        "A claim only this text makes",
        "Secretly Mentioned",
        "Secret topic",
        "Secret Author",
        retracted.body_sha256,
        "/versions/",
        "cite.",
        "application/ld+json",
        'id="p1"',
        "courier.example",  # the original's address: its copy may still carry the text
    ):
        assert hidden not in page, hidden
    assert UNIQUE_WORD not in page.lower().replace(RETRACTED_TITLE.lower(), "")


def test_link_previews_carry_the_note_not_the_text(client, retracted):
    page = client.get(retracted.get_absolute_url()).content.decode()
    assert f'<meta property="og:title" content="Retracted: {RETRACTED_TITLE}">' in page
    assert '<meta property="og:description" content="Retracted: the two officials quoted' in page
    assert 'content="article"' not in page  # no og:type article, with its authors and tags


def test_a_wrong_slug_still_redirects_to_the_canonical_address(client, retracted):
    response = client.get(f"/articles/{retracted.pk}/old-slug/?ref=x")
    assert response.status_code == 301
    assert response["Location"] == f"{retracted.get_absolute_url()}?ref=x"


def test_a_retraction_without_its_time_still_says_retracted(client):
    article = ArticleFactory(status=ArticleStatus.RETRACTED)
    Article.objects.filter(pk=article.pk).update(retracted_at=None)  # as a bulk update could leave it
    page = client.get(article.get_absolute_url()).content.decode()
    assert '<h2 id="retraction-heading">Retracted</h2>' in page


def test_taking_the_retraction_back_shows_the_text_again(client, retracted):
    retracted.status = ArticleStatus.PUBLISHED
    retracted.save()
    page = client.get(retracted.get_absolute_url()).content.decode()
    assert escape(SECRET_PARAGRAPH) in page and "retraction-heading" not in page


@pytest.mark.parametrize("number", [1, 2])
def test_versions_of_a_retracted_article_are_not_found(client, retracted, number):
    assert ArticleVersion.objects.filter(article=retracted).count() == 1
    for prefix in ("", "/api"):
        assert client.get(f"{prefix}{retracted.get_absolute_url()}versions/{number}/").status_code == 404


@pytest.mark.parametrize("fmt", CITATION_FORMATS)
def test_a_retracted_article_cannot_be_cited(client, retracted, fmt):
    assert client.get(f"{retracted.get_absolute_url()}cite.{fmt}").status_code == 404


@pytest.mark.parametrize(
    "path", ["{article}", "/api{article}", "{article}versions/1/", "{article}cite.bib", "/articles/{pk}/old-slug/"]
)
def test_drafts_are_not_found_anywhere(client, path):
    draft = ArticleFactory(status=ArticleStatus.DRAFT)
    assert client.get(path.format(article=draft.get_absolute_url(), pk=draft.pk)).status_code == 404


# --- The JSON twin -------------------------------------------------------------------------------


def test_the_twin_answers_with_the_note_only(client, retracted):
    response = client.get(f"/api{retracted.get_absolute_url()}")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    data = documented(documented(response.json(), "RetractedArticle"), "ArticleAtItsAddress")
    assert data == {
        "id": retracted.pk,
        "title": RETRACTED_TITLE,
        "slug": retracted.slug,
        "url": f"http://testserver{retracted.get_absolute_url()}",
        "api_url": f"http://testserver/api{retracted.get_absolute_url()}",
        "published_on": "2023-04-12",
        "published_precision": "day",
        "source": {
            "id": retracted.source.pk,
            "name": "Steppe Courier",
            "slug": retracted.source.slug,
            "url": f"http://testserver{retracted.source.get_absolute_url()}",
            "api_url": f"http://testserver/api{retracted.source.get_absolute_url()}",
        },
        "status": "retracted",
        "retraction_note": NOTE,
        "retracted_at": "2024-03-01T09:30:00+00:00",
    }
    assert UNIQUE_WORD not in response.content.decode().lower().replace(RETRACTED_TITLE.lower(), "")


def test_the_twin_of_a_published_article_says_so(client):
    article = ArticleFactory()
    data = documented(client.get(f"/api{article.get_absolute_url()}").json(), "ArticleAtItsAddress")
    assert data["status"] == "published" and data["paragraphs"]


def test_the_twin_redirects_a_wrong_slug_to_its_own_address(client, retracted):
    response = client.get(f"/api/articles/{retracted.pk}/old-slug/")
    assert response.status_code == 301
    assert response["Location"] == f"http://testserver/api{retracted.get_absolute_url()}"


def test_the_description_tells_the_two_answers_apart():
    answer = DOCUMENT["components"]["schemas"]["ArticleAtItsAddress"]
    assert answer["discriminator"]["propertyName"] == "status"
    operation = DOCUMENT["paths"]["/api/articles/{pk}/{slug}/"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == openapi.ref("ArticleAtItsAddress")
    forbidden = {"paragraphs", "summary", "claims", "versions", "body_sha256", "current_version"}
    assert not forbidden & set(DOCUMENT["components"]["schemas"]["RetractedArticle"]["properties"])


# --- Everywhere else: out of sight ---------------------------------------------------------------


@pytest.fixture
def archive_with_a_retraction():
    """A published article and a retracted one: same person, tag and claim, a shared passage, a unique word.

    The retracted one also has its own source and tag, which only it carries.
    """
    person, tag = PersonFactory(name="Shared Person"), TagFactory(name="Shared tag")
    claim = ClaimFactory(claimant_person=person, statement="A claim both report")
    published = ArticleFactory(
        title="Conscription at the dormitories",
        body=f"{SHARED_PASSAGE}\n\nThe published telling ends here.",
        source=SourceFactory(name="Published Outlet"),
        published_on=datetime.date(2023, 5, 1),
        published_precision="day",
    )
    retracted = ArticleFactory(
        title=RETRACTED_TITLE,
        body=f"{SHARED_PASSAGE}\n\n{SECRET_PARAGRAPH}",
        source=SourceFactory(name=RETRACTION_ONLY_SOURCE),
        published_on=datetime.date(2023, 5, 2),
        published_precision="day",
    )
    for article in (published, retracted):
        article.people.add(person)
        article.authors.add(person)
        article.tags.add(tag)
        ClaimReportFactory(claim=claim, article=article)
    retracted.tags.add(TagFactory(name=RETRACTION_ONLY_TAG))
    ClaimReportFactory(claim=ClaimFactory(claimant_person=person, statement=RETRACTION_ONLY_CLAIM), article=retracted)
    retract(retracted)
    vocabulary_refresh()
    return {"published": published, "retracted": retracted, "person": person, "tag": tag}


def test_the_retracted_article_would_otherwise_be_found(archive_with_a_retraction):
    """The guard for the test below: without ``published()`` the unique word and the passage would find it."""
    retracted, published = archive_with_a_retraction["retracted"], archive_with_a_retraction["published"]
    assert list(Article.objects.search(UNIQUE_WORD)) == [retracted]
    assert set(Article.objects.search("dormitories")) == {retracted, published}
    assert NearDuplicate.objects.filter(article=published, other=retracted).exists()


# Where a retracted article would show if anything used more than ``published()``: the URL, and
# whether the published article shows there (so that an empty page cannot pass for a proof).
SURFACES = {
    "home": ("/", True),
    "home (API)": ("/api/", True),
    "search": (f"/search/?q={UNIQUE_WORD}", False),
    "search (API)": (f"/api/search/?q={UNIQUE_WORD}", False),
    "search, prefix": (f"/search/?q={UNIQUE_WORD[:5]}", False),
    "search, did you mean": (f"/search/?q={UNIQUE_WORD[:-1]}ks", False),
    "search facets": ("/search/?q=dormitories", True),
    "search facets (API)": ("/api/search/?q=dormitories", True),
    "browsing facets": ("/search/?person={person.slug}", True),
    "CSV": (f"/search/export.csv?q={UNIQUE_WORD}+OR+dormitories", True),
    "archive feed": ("/feed/", True),
    "search feed": (f"/search/feed/?q={UNIQUE_WORD}+OR+dormitories", True),
    "person feed": ("/people/{person.pk}/{person.slug}/feed/", True),
    "tag feed": ("/tags/{tag.pk}/{tag.slug}/feed/", True),
    "person page": ("/people/{person.pk}/{person.slug}/", True),
    "person page (API)": ("/api/people/{person.pk}/{person.slug}/", True),
    "tag page": ("/tags/{tag.pk}/{tag.slug}/", True),
    "tag page (API)": ("/api/tags/{tag.pk}/{tag.slug}/", True),
    "tag index": ("/tags/", False),
    "source index": ("/sources/", False),
    "claim index": ("/claims/", False),
    "sitemap of articles": ("/sitemap-articles.xml", True),
    "sitemap of sources": ("/sitemap-sources.xml", False),
    "also reported in": ("{published_path}", True),
    "also reported in (API)": ("/api{published_path}", True),
}


@pytest.mark.parametrize("surface", SURFACES)
def test_a_retracted_article_appears_nowhere_else(client, archive_with_a_retraction, surface):
    published, retracted = archive_with_a_retraction["published"], archive_with_a_retraction["retracted"]
    path, shows_published = SURFACES[surface]
    url = path.format(published_path=published.get_absolute_url(), **archive_with_a_retraction)
    response = client.get(url)
    assert response.status_code == 200, url
    text = text_of(response)
    assert f"/articles/{retracted.pk}/" not in text
    assert RETRACTED_TITLE not in text and RETRACTION_ONLY_CLAIM not in text
    # Not even in the indexes: only the retracted article names them (``public()``).
    assert RETRACTION_ONLY_SOURCE not in text and RETRACTION_ONLY_TAG not in text
    # Lower case: its text, in a snippet or a "did you mean"; unless the page echoes the very word.
    assert "zorblax district" not in text.lower() and f"<mark>{UNIQUE_WORD}" not in text.lower()
    if f"q={UNIQUE_WORD}" not in url:
        assert UNIQUE_WORD not in text.lower()
    if shows_published:
        assert published.get_absolute_url() in text, url


def test_counts_leave_the_retracted_article_out(client, archive_with_a_retraction):
    person, tag = archive_with_a_retraction["person"], archive_with_a_retraction["tag"]
    assert client.get("/api/search/?q=dormitories").json()["count"] == 1
    tags = {row["name"]: row["article_count"] for row in client.get("/api/tags/").json()["results"]}
    assert tags["Shared tag"] == 1 and RETRACTION_ONLY_TAG not in tags
    person_page = client.get(f"/api/people/{person.pk}/{person.slug}/").json()
    assert person_page["articles"]["count"] == 1
    assert client.get(f"/api/tags/{tag.pk}/{tag.slug}/").json()["articles"]["count"] == 1
