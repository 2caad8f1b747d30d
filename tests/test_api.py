"""The JSON API (articles.api): twins of the public pages, with the same answers, as JSON.

Where the pages and the API must agree (results, order, counts, errors), the tests ask both for
the same query string and compare the API's answer with the HTML view's context.
"""

import datetime
import hashlib
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft202012Validator

from articles.api import openapi
from articles.models import Article, ArticleStatus, Claim, ClaimRating, MergedPerson, MergedTag, Person, Source, Tag
from articles.search import HIGHLIGHT_START, HIGHLIGHT_STOP
from articles.services import vocabulary_refresh
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

DOCUMENT = openapi.document(server_url="http://testserver/")


def documented(data: dict, schema: str) -> dict:
    """``data``, after checking it against the OpenAPI component ``schema`` (no undocumented field anywhere)."""
    validator = Draft202012Validator(
        {**DOCUMENT, "$ref": f"#/components/schemas/{schema}"}, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(data)]
    assert not errors, errors
    return data


def api_get(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:2000]
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def html_get(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:2000]
    return response


def relative(url: str) -> str:
    """An absolute URL the API wrote, as the test client requests it."""
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "testserver", url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def ids(results: list[dict]) -> list[int]:
    return [result["id"] for result in results]


def dated(day: datetime.date, **kwargs) -> Article:
    return ArticleFactory(published_on=day, published_precision="day", **kwargs)


# --- Search: the same answers as the search page -------------------------------------------------

SEED_QUERIES = [
    "?q=migrants",  # a word
    "?q=%22partial+mobilization%22",  # a phrase
    "?q=prisoners+OR+exodus",  # OR
    "?q=migrants+-tajikistan",  # exclusion
    "?q=Cupik",  # an alias spelling: Valentina Chupik
    "?q=Cupik&aliases=0",
    "?q=mobilisation",  # the British spelling finds the American one
    "?tag=moscow",
    "?person=valentina-chupik",
    "?source=newsweek",
    "?q=russia&tag=conscription&tag=xenophobia",
    "?date_from=2022-01-01&date_to=2022-12-31",
    "?sort=oldest",
    "?q=russia&sort=oldest",
    "?q=migrants&rating=unverified&sort=newest",
    "",
]


@pytest.mark.parametrize("query_string", SEED_QUERIES)
def test_search_answers_the_same_articles_in_the_same_order_as_the_page(client, seed_archive, query_string):
    page = html_get(client, "/search/" + query_string)
    data = documented(api_get(client, "/api/search/" + query_string), "SearchPage")
    assert data["count"] == page.context["total"]
    assert ids(data["results"]) == [article.pk for article in page.context["articles"]]
    assert data["sort"] == page.context["filter"].order
    assert [facet["name"] for facet in data["facets"]] == [facet.name for facet in page.context["facets"]]
    assert [active["label"] for active in data["active_filters"]] == [
        active.label for active in page.context["active_filters"]
    ]


def test_the_seed_queries_find_something(client, seed_archive):
    empty = [query for query in SEED_QUERIES if not api_get(client, "/api/search/" + query)["count"]]
    assert empty == []


def test_search_results_carry_their_links_and_metadata(client, seed_archive):
    data = api_get(client, "/api/search/?q=mobilization&source=newsweek")
    (result,) = data["results"]
    article = Article.objects.get(pk=result["id"])
    assert result["title"] == article.title and result["slug"] == article.slug
    assert result["url"] == f"http://testserver{article.get_absolute_url()}"
    assert result["api_url"] == f"http://testserver/api{article.get_absolute_url()}"
    assert (result["published_on"], result["published_precision"]) == ("2022-10-01", "month")
    assert result["source"]["slug"] == "newsweek"
    assert result["source"]["api_url"] == f"http://testserver/api{article.source.get_absolute_url()}"
    assert [author["name"] for author in result["authors"]] == ["Aila Slisco"]
    assert "central-asian-migrants" in [tag["slug"] for tag in result["tags"]]
    assert result["summary"] == article.summary
    assert result["rank"] > 0 and result["alias_match"] is False


def test_the_snippet_is_the_pages_highlight_as_plain_text_and_fragments(client, seed_archive):
    page = html_get(client, "/search/?q=migrants")
    data = api_get(client, "/api/search/?q=migrants")
    for article, result in zip(page.context["articles"], data["results"], strict=True):
        fragments = result["snippet_fragments"]
        assert "".join(fragment["text"] for fragment in fragments) == result["snippet"]
        marked = "".join(
            f"{HIGHLIGHT_START}{fragment['text']}{HIGHLIGHT_STOP}" if fragment["highlighted"] else fragment["text"]
            for fragment in fragments
        )
        assert marked == unescape(article.headline)
        highlighted = [fragment["text"].lower() for fragment in fragments if fragment["highlighted"]]
        assert highlighted and all(word.startswith("migrant") for word in highlighted)


def test_the_snippet_is_plain_text_not_html(client):
    ArticleFactory(body='Migrants & refugees said 2 < 3 "often".')
    (result,) = api_get(client, "/api/search/?q=migrants")["results"]
    assert result["snippet"].startswith('Migrants & refugees said 2 < 3 "often')  # ts_headline drops the end
    assert result["snippet_fragments"][0] == {"text": "Migrants", "highlighted": True}


def test_browsing_has_no_snippet_and_no_rank(client, seed_archive):
    result = api_get(client, "/api/search/?tag=moscow")["results"][0]
    assert result["snippet"] is None and result["snippet_fragments"] == []
    assert result["rank"] is None and result["alias_match"] is False


def test_an_alias_match_names_the_person_it_came_through(client, seed_archive):
    data = api_get(client, "/api/search/?q=Cupik")
    chupik = Person.objects.get(slug="valentina-chupik")
    assert [person["id"] for person in data["people"]] == [chupik.pk]
    alias_hits = [result for result in data["results"] if result["alias_match"]]
    assert alias_hits
    assert all([person["id"] for person in hit["alias_people"]] == [chupik.pk] for hit in alias_hits)


def test_facet_values_lead_to_as_many_results_as_they_count(client, seed_archive):
    data = api_get(client, "/api/search/?q=migrants")
    followed = 0
    for facet in data["facets"]:
        for value in facet["values"]:
            narrowed = api_get(client, relative(value["api_url"]))
            assert narrowed["count"] == value["count"], (facet["name"], value)
            assert relative(value["url"]) == relative(value["api_url"]).removeprefix("/api")
            if facet["name"] != "year":
                assert f"{facet['name']}={value['value']}" in value["api_url"]
            followed += 1
    assert followed


def test_an_active_filter_links_to_the_search_without_it(client, seed_archive):
    data = api_get(client, "/api/search/?q=migrants&tag=moscow&page=1")
    (active,) = data["active_filters"]
    assert active["label"] == "Tag: Moscow"
    assert relative(active["api_url"]) == "/api/search/?q=migrants"
    assert api_get(client, relative(active["api_url"]))["count"] == api_get(client, "/api/search/?q=migrants")["count"]


def test_no_results_offers_the_pages_suggestions(client, seed_archive):
    vocabulary_refresh()
    page = html_get(client, "/search/?q=mobilizaton+migrnts")
    data = api_get(client, "/api/search/?q=mobilizaton+migrnts")
    assert data["count"] == 0 and data["results"] == [] and data["facets"] == []
    correction = data["suggestions"]["correction"]
    assert correction["query"] == page.context["suggestions"].correction == "mobilization migrants"
    assert relative(correction["api_url"]) == "/api/search/?q=mobilization+migrants"
    assert api_get(client, relative(correction["api_url"]))["count"] > 0


def test_suggestions_are_null_when_something_matched(client, seed_archive):
    assert api_get(client, "/api/search/?q=migrants")["suggestions"] is None


@pytest.mark.parametrize(
    ("query_string", "errors"),
    [
        ("?tag=nowhere", {"tag": ["There is no tag “nowhere”."]}),
        (
            "?source=nobody&person=no-one",
            {"source": ["There is no source “nobody”."], "person": ["There is no person “no-one”."]},
        ),
        ("?date_from=2024-13-01", {"date_from": ["Enter a date as YYYY-MM-DD."]}),
        (
            "?date_from=2024-02-01&date_to=2024-01-01",
            {"date_to": ["The end date is before the start date (2024-02-01)."]},
        ),
        ("?sort=best", {"sort": ["Sort by relevance, newest or oldest."]}),
        ("?aliases=2", {"aliases": ["Use aliases=1 (the default) or aliases=0."]}),
        ("?page=abc", {"page": ["Page numbers are whole numbers."]}),
        ("?page=0", {"page": ["Pages start at 1."]}),
        ("?q=%00", {"q": ["Null characters are not allowed."]}),
    ],
)
def test_invalid_search_parameters_answer_400_with_the_pages_messages(client, seed_archive, query_string, errors):
    data = documented(api_get(client, "/api/search/" + query_string, status=400), "BadRequest")
    assert data == {"status": 400, "errors": errors}
    page = html_get(client, "/search/" + query_string, status=400)
    assert sorted(message for error in page.context["errors"] for message in error["messages"]) == sorted(
        message for messages in errors.values() for message in messages
    )


# --- Pagination ----------------------------------------------------------------------------------


@pytest.fixture
def many_articles():
    """45 articles tagged "moscow", one a day: three pages of 20."""
    tag = TagFactory(slug="moscow", name="Moscow")
    articles = [
        dated(datetime.date(2023, 1, 1) + datetime.timedelta(days=n), body=f"Report {n} on conscription.")
        for n in range(45)
    ]
    for article in articles:
        article.tags.add(tag)
    return articles


def follow(client, url: str, link: str) -> list[dict]:
    """Every page from ``url`` on, following ``link`` (``next`` or ``previous``)."""
    pages = []
    while url:
        pages.append(api_get(client, url))
        url = pages[-1][link] and relative(pages[-1][link])
    return pages


def test_next_and_previous_walk_every_page_keeping_the_parameters(client, many_articles):
    pages = follow(client, "/api/search/?tag=moscow&sort=oldest", "next")
    assert [(page["page"], page["pages"], page["count"]) for page in pages] == [(1, 3, 45), (2, 3, 45), (3, 3, 45)]
    assert [len(page["results"]) for page in pages] == [20, 20, 5]
    assert [result["id"] for page in pages for result in page["results"]] == [article.pk for article in many_articles]
    assert relative(pages[0]["next"]) == "/api/search/?tag=moscow&sort=oldest&page=2"
    assert pages[0]["previous"] is None and pages[-1]["next"] is None

    backwards = follow(client, relative(pages[0]["next"]).replace("page=2", "page=3"), "previous")
    assert [page["page"] for page in backwards] == [3, 2, 1]
    assert relative(backwards[1]["previous"]) == "/api/search/?tag=moscow&sort=oldest"  # page 1 has no page=


def test_pages_are_the_pages_pages(client, many_articles):
    for number in (1, 2, 3):
        page = html_get(client, f"/search/?q=conscription&page={number}")
        data = api_get(client, f"/api/search/?q=conscription&page={number}")
        assert ids(data["results"]) == [article.pk for article in page.context["articles"]]


def test_a_page_past_the_end_is_a_json_404(client, many_articles):
    data = documented(api_get(client, "/api/search/?tag=moscow&page=4", status=404), "NotFound")
    assert data["status"] == 404 and data["detail"]
    api_get(client, "/api/tags/?page=2", status=404)
    tag = Tag.objects.get(slug="moscow")
    api_get(client, f"/api/tags/{tag.pk}/moscow/?page=3")
    api_get(client, f"/api/tags/{tag.pk}/moscow/?page=4", status=404)


@pytest.mark.parametrize("url", ["/api/sources/", "/api/claims/", "/api/people/?sort=name"])
@pytest.mark.parametrize(("page", "message"), [("abc", "Page numbers are whole numbers."), ("0", "Pages start at 1.")])
def test_a_page_that_is_no_page_number_is_a_400_everywhere(client, seed_archive, url, page, message):
    separator = "&" if "?" in url else "?"
    assert api_get(client, f"{url}{separator}page={page}", status=400)["errors"] == {"page": [message]}


def test_an_entity_detail_paginates_its_articles_like_its_page(client, many_articles):
    tag = Tag.objects.get(slug="moscow")
    for number in (1, 2, 3):
        page = html_get(client, f"/tags/{tag.pk}/moscow/?page={number}")
        data = api_get(client, f"/api/tags/{tag.pk}/moscow/?page={number}")
        assert ids(data["articles"]["results"]) == [article.pk for article in page.context["page_obj"].object_list]
        assert data["articles"]["count"] == 45 and data["articles"]["page"] == number
    assert api_get(client, f"/api/tags/{tag.pk}/moscow/?page=x", status=400)["errors"] == {
        "page": ["Page numbers are whole numbers."]
    }


# --- Articles ------------------------------------------------------------------------------------


def test_an_article_has_every_public_field(client, seed_archive):
    article = Article.objects.get(slug__startswith="russias-partial-mobilization")
    data = documented(api_get(client, f"/api{article.get_absolute_url()}"), "ArticleDetail")
    assert data["id"] == article.pk and data["title"] == article.title
    assert data["title_is_editorial"] is article.title_is_editorial
    assert (data["published_on"], data["published_precision"]) == ("2022-10-01", "month")
    assert data["published_note"] == article.published_note
    assert data["source"]["name"] == "Newsweek"
    assert data["language"] == "en" and data["original_url"] == (article.url or None)
    assert data["body_sha256"] == article.body_sha256 == hashlib.sha256(article.body.encode()).hexdigest()
    assert datetime.datetime.fromisoformat(data["archived_at"]) == article.archived_at
    assert data["archived_at"].endswith("+00:00")
    assert [paragraph["text"] for paragraph in data["paragraphs"]] == article.paragraphs
    for number, paragraph in enumerate(data["paragraphs"], start=1):
        assert paragraph["number"] == number
        assert paragraph["url"] == f"http://testserver{article.get_absolute_url()}#p{number}"
    assert data["claims"]
    for claim in data["claims"]:
        report = article.claim_reports.get(claim_id=claim["id"])
        assert claim["paragraph"] == report.paragraph
        assert claim["paragraph_url"].endswith(f"#p{report.paragraph}")
        assert api_get(client, relative(claim["api_url"]))["statement"] == claim["statement"]


def test_an_article_twin_lists_the_other_tellings_of_its_report(client, seed_archive):
    call_command("find_near_duplicates", verbosity=0)  # loaddata bypasses save(), which finds them
    compels = Article.objects.get(slug="russia-compels-migrants-to-join-putins-war-effort-in-ukraine-conflict")
    prisoners = Article.objects.get(slug="prisoners-and-immigrants-are-being-forced-to-fight-for-russia-in-ukraine")
    data = documented(api_get(client, f"/api{compels.get_absolute_url()}"), "ArticleDetail")
    (pair,) = data["also_reported_in"]
    assert pair["article"]["id"] == prisoners.pk
    assert pair["article"]["api_url"] == f"http://testserver/api{prisoners.get_absolute_url()}"
    assert (pair["shared_passages"], pair["mostly_same_text"]) == (2, False)
    assert pair["shared_words"] >= 20
    other = api_get(client, relative(pair["article"]["api_url"]))
    assert [p["article"]["id"] for p in other["also_reported_in"]] == [compels.pk]


def test_a_wrong_slug_redirects_permanently_to_the_canonical_api_address(client, seed_archive):
    article = Article.objects.first()
    response = client.get(f"/api/articles/{article.pk}/an-old-headline/?ref=feed&x=1")
    assert response.status_code == 301
    canonical = f"http://testserver/api{article.get_absolute_url()}?ref=feed&x=1"
    assert response["Location"] == canonical
    assert response["Access-Control-Allow-Origin"] == "*"
    assert documented(response.json(), "Redirect")["location"] == canonical
    assert client.get(relative(canonical)).status_code == 200


@pytest.mark.parametrize(
    ("kind", "factory", "merged_model"), [("people", PersonFactory, MergedPerson), ("tags", TagFactory, MergedTag)]
)
def test_a_merged_person_or_tag_redirects_to_the_twin_of_the_one_kept(client, kind, factory, merged_model):
    kept = factory()
    merged_model.objects.create(id=987003, name="Duplicate", slug="duplicate", into=kept)
    response = client.get(f"/api/{kind}/987003/duplicate/?page=1")
    assert response.status_code == 301
    assert response["Location"] == f"http://testserver/api{kept.get_absolute_url()}?page=1"


@pytest.mark.parametrize("kind", ["sources", "people", "tags", "claims"])
def test_every_entity_redirects_a_wrong_slug(client, seed_archive, kind):
    model = {"sources": Source, "people": Person, "tags": Tag, "claims": Claim}[kind]
    entity = model.objects.reported().first() if model is Claim else model.objects.first()
    response = client.get(f"/api/{kind}/{entity.pk}/wrong/")
    assert response.status_code == 301
    assert response["Location"] == f"http://testserver/api{entity.get_absolute_url()}"


def corrected_article() -> Article:
    article = ArticleFactory(title="First headline", body="Ten migrants were detained.\n\nPolice said nothing.")
    article.title, article.body = "Corrected headline", "Twelve migrants were detained.\n\nPolice said nothing."
    article.save()
    return article


def test_a_corrected_article_lists_its_earlier_versions(client):
    article = corrected_article()
    data = documented(api_get(client, f"/api{article.get_absolute_url()}"), "ArticleDetail")
    (version,) = data["versions"]
    earlier = article.versions.get()
    assert (version["number"], version["title"], version["body_sha256"]) == (1, "First headline", earlier.body_sha256)
    assert version["url"] == f"http://testserver{earlier.get_absolute_url()}"
    assert version["api_url"] == f"http://testserver/api{earlier.get_absolute_url()}"
    assert datetime.datetime.fromisoformat(version["superseded_at"]) == earlier.superseded_at
    current = data["current_version"]
    assert current["number"] == 2
    assert current["api_url"] == f"http://testserver/api/articles/{article.pk}/{article.slug}/versions/2/"
    assert relative(current["url"]) == f"/articles/{article.pk}/{article.slug}/versions/2/"


def test_the_current_text_has_a_permanent_version_address_too(client):
    article = corrected_article()
    data = documented(api_get(client, f"/api/articles/{article.pk}/{article.slug}/versions/2/"), "ArticleVersionDetail")
    assert (data["number"], data["title"], data["body_sha256"]) == (2, article.title, article.body_sha256)
    assert data["superseded_at"] is None and data["compared_with"] is None and data["changes"] is None
    assert [paragraph["text"] for paragraph in data["paragraphs"]] == article.paragraphs


def test_an_earlier_version_has_its_text_and_what_the_correction_changed(client):
    article = corrected_article()
    earlier = article.versions.get()
    page = html_get(client, earlier.get_absolute_url())
    data = documented(api_get(client, f"/api{earlier.get_absolute_url()}"), "ArticleVersionDetail")
    assert [paragraph["text"] for paragraph in data["paragraphs"]] == earlier.paragraphs
    assert data["paragraphs"][0]["url"] == f"http://testserver{earlier.get_absolute_url()}#p1"
    assert data["article"]["id"] == article.pk
    assert data["compared_with"]["number"] is None
    assert data["compared_with"]["api_url"] == f"http://testserver/api{article.get_absolute_url()}"
    (change,) = data["changes"]
    assert (change["old_number"], change["new_number"]) == (1, 1)
    assert [(s["operation"], s["text"]) for s in change["segments"]] == [
        (operation, words) for operation, words in page.context["changes"][0].segments
    ]
    assert {"operation": "delete", "text": "Ten"} in change["segments"]
    assert {"operation": "insert", "text": "Twelve"} in change["segments"]


def test_a_version_redirects_a_wrong_slug_and_404s_an_unknown_number(client):
    article = corrected_article()
    response = client.get(f"/api/articles/{article.pk}/old-slug/versions/1/")
    assert response.status_code == 301
    assert response["Location"] == f"http://testserver/api/articles/{article.pk}/{article.slug}/versions/1/"
    api_get(client, f"/api/articles/{article.pk}/{article.slug}/versions/3/", status=404)
    article.status = ArticleStatus.DRAFT
    article.save()
    api_get(client, f"/api/articles/{article.pk}/{article.slug}/versions/1/", status=404)


def test_a_draft_is_not_found(client):
    """A retracted article's twin answers with its note instead (tests/test_retraction.py)."""
    article = ArticleFactory(status=ArticleStatus.DRAFT)
    data = api_get(client, f"/api{article.get_absolute_url()}", status=404)
    assert data["status"] == 404 and data["detail"]
    api_get(client, f"/api/articles/{article.pk}/wrong-slug/", status=404)  # no redirect reveals it either


@pytest.mark.parametrize("kind", ["articles", "sources", "people", "tags", "claims"])
def test_an_unknown_id_is_a_json_404(client, kind):
    data = documented(api_get(client, f"/api/{kind}/987654/anything/", status=404), "NotFound")
    assert data["status"] == 404


# --- Unpublished articles appear nowhere ---------------------------------------------------------


@pytest.fixture
def mixed():
    """One published article and a draft and a retracted one sharing its source, people, tag and a claim."""
    source, person, tag = SourceFactory(slug="outlet"), PersonFactory(slug="someone"), TagFactory(slug="topic")
    claim = ClaimFactory(claimant_person=person)
    hidden_claim = ClaimFactory(claimant_person=person, statement="Only drafts report this")
    articles = {}
    for status in ArticleStatus.values:
        article = dated(
            datetime.date(2023, 5, 1), title=f"A {status} conscription report", status=status, source=source
        )
        article.tags.add(tag)
        article.people.add(person)
        article.authors.add(person)
        ClaimReportFactory(claim=claim, article=article)
        if status != ArticleStatus.PUBLISHED:
            ClaimReportFactory(claim=hidden_claim, article=article)
        articles[status] = article
    return {
        "articles": articles,
        "source": source,
        "person": person,
        "tag": tag,
        "claim": claim,
        "hidden": hidden_claim,
    }


def test_unpublished_articles_appear_on_no_endpoint(client, mixed):
    published = mixed["articles"][ArticleStatus.PUBLISHED]
    source, person, tag, claim = mixed["source"], mixed["person"], mixed["tag"], mixed["claim"]
    urls = [
        "/api/",
        "/api/search/",
        "/api/search/?q=conscription",
        "/api/search/?q=draft+OR+retracted",
        "/api/search/?tag=topic&person=someone&source=outlet",
        "/api/sources/",
        "/api/people/",
        "/api/tags/",
        "/api/claims/",
        f"/api{source.get_absolute_url()}",
        f"/api{person.get_absolute_url()}",
        f"/api{tag.get_absolute_url()}",
        f"/api{claim.get_absolute_url()}",
    ]
    hidden_ids = {article.pk for status, article in mixed["articles"].items() if status != ArticleStatus.PUBLISHED}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert "draft conscription" not in text and "retracted conscription" not in text, url
        assert "Only drafts report this" not in text, url
        for hidden_id in hidden_ids:
            assert f"/articles/{hidden_id}/" not in text, url
    assert api_get(client, "/api/search/?q=conscription")["count"] == 1
    counts = {row["slug"]: row["article_count"] for row in api_get(client, "/api/tags/")["results"]}
    assert counts["topic"] == 1
    (claim_row,) = api_get(client, "/api/claims/")["results"]
    assert claim_row["id"] == claim.pk and claim_row["report_count"] == 1
    reports = api_get(client, f"/api{claim.get_absolute_url()}")["reports"]
    assert [report["article"]["id"] for report in reports] == [published.pk]
    api_get(client, f"/api{mixed['hidden'].get_absolute_url()}", status=404)


# --- Indexes and entities ------------------------------------------------------------------------

INDEXES = [
    ("sources", "SourceList", ["count", "name"]),
    ("people", "PersonList", ["count", "name"]),
    ("tags", "TagList", ["count", "name"]),
    ("claims", "ClaimList", ["newest", "rating", "count"]),
]


@pytest.mark.parametrize(("kind", "schema", "sorts"), INDEXES)
def test_indexes_list_what_their_pages_list_in_every_sort(client, seed_archive, kind, schema, sorts):
    for sort in ["", *sorts]:
        query = f"?sort={sort}" if sort else ""
        page = html_get(client, f"/{kind}/{query}")
        data = documented(api_get(client, f"/api/{kind}/{query}"), schema)
        assert ids(data["results"]) == [obj.pk for obj in page.context["object_list"]]
        assert data["sort"] == (sort or page.context["sort"])
        assert data["count"] == page.context["paginator"].count


@pytest.mark.parametrize(("kind", "schema", "sorts"), INDEXES)
def test_an_unknown_index_sort_is_a_400_naming_the_sorts(client, kind, schema, sorts):
    data = api_get(client, f"/api/{kind}/?sort=popular", status=400)
    assert data == {"status": 400, "errors": {"sort": [f"Sort by {', '.join(sorts[:-1])} or {sorts[-1]}."]}}
    html_get(client, f"/{kind}/?sort=popular", status=400)


def test_index_counts_are_the_pages_counts(client, seed_archive):
    sources = {row["slug"]: row for row in api_get(client, "/api/sources/")["results"]}
    assert (sources["newsweek"]["article_count"], sources["bbc"]["claim_count"]) == (1, 2)
    people = {row["slug"]: row for row in api_get(client, "/api/people/")["results"]}
    assert people["vladimir-putin"]["article_count"] == 5


def test_indexes_show_fifty_a_page(client):
    TagFactory.create_batch(51)
    first = api_get(client, "/api/tags/?sort=name")
    assert (len(first["results"]), first["pages"]) == (50, 2)
    second = api_get(client, relative(first["next"]))
    assert len(second["results"]) == 1 and relative(second["previous"]) == "/api/tags/?sort=name"


@pytest.mark.parametrize(
    ("model", "schema"),
    [
        (Article, "ArticleDetail"),
        (Source, "SourceDetail"),
        (Person, "PersonDetail"),
        (Tag, "TagDetail"),
        (Claim, "ClaimDetail"),
    ],
)
def test_every_seed_entity_has_a_documented_twin(client, seed_archive, model, schema):
    objects = model.objects.reported() if model is Claim else model.objects.all()
    for obj in objects:
        data = documented(api_get(client, f"/api{obj.get_absolute_url()}"), schema)
        assert data["id"] == obj.pk
        assert data["url"] == f"http://testserver{obj.get_absolute_url()}"


def test_a_person_has_aliases_claims_and_the_articles_mentioning_or_by_them(client, seed_archive):
    chupik = Person.objects.get(slug="valentina-chupik")
    page = html_get(client, chupik.get_absolute_url())
    data = api_get(client, f"/api{chupik.get_absolute_url()}")
    assert data["aliases"] == [{"name": "Valentina Cupik", "kind": "spelling"}]
    assert data["description"] == chupik.description
    assert ids(data["claims"]) == [claim.pk for claim in page.context["claims"]]
    assert ids(data["articles"]["results"]) == [article.pk for article in page.context["page_obj"].object_list]


def test_a_source_lists_its_claims_and_articles(client, seed_archive):
    newsweek = Source.objects.get(slug="newsweek")
    data = api_get(client, f"/api{newsweek.get_absolute_url()}")
    assert (data["kind"], data["country"], data["homepage"]) == ("news_outlet", "US", "https://www.newsweek.com/")
    assert [article["source"]["slug"] for article in data["articles"]["results"]] == ["newsweek"]


def test_a_claim_quotes_each_report_at_its_paragraph(client, seed_archive):
    claim = Claim.objects.reported().filter(reports__isnull=False).first()
    page = html_get(client, claim.get_absolute_url())
    data = api_get(client, f"/api{claim.get_absolute_url()}")
    assert data["rating"] == claim.rating and data["rating_note"] == claim.rating_note
    assert data["claimant"]["name"] == claim.claimant
    assert len(data["reports"]) == len(page.context["reports"]) == data["report_count"]
    for report, expected in zip(data["reports"], page.context["reports"], strict=True):
        assert report["article"]["id"] == expected.article_id
        assert report["paragraph"] == expected.paragraph
        assert report["paragraph_text"] == expected.paragraph_text
        assert (
            report["paragraph_url"] == f"http://testserver{expected.article.get_absolute_url()}#p{expected.paragraph}"
        )


# --- Home ----------------------------------------------------------------------------------------


def test_home_has_the_pages_data_and_links_every_list(client, seed_archive):
    page = html_get(client, "/")
    data = documented(api_get(client, "/api/"), "Home")
    assert ids(data["latest_articles"]) == [article.pk for article in page.context["articles"]]
    assert [(row["id"], row["article_count"]) for row in data["most_covered_people"]] == [
        (person.pk, person.mention_count) for person in page.context["people"]
    ]
    assert [(row["id"], row["article_count"]) for row in data["most_covered_tags"]] == [
        (tag.pk, tag.article_count) for tag in page.context["tags"]
    ]
    assert data["totals"] == {"articles": 5, **page.context["totals"]}
    assert data["span"]["count"] == 5
    assert data["span"]["first"] == {"date": "2022-09-01", "precision": "month"}
    assert data["span"]["last"] == {"date": "2024-01-01", "precision": "year"}
    assert set(data["endpoints"]) == {"search", "sources", "people", "tags", "claims", "openapi"}
    for url in data["endpoints"].values():
        assert client.get(relative(url)).status_code == 200


# --- Errors, methods, headers --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/nowhere/", "/api/nowhere", "/api/articles/abc/x/", "/api/search/extra/", "/api/openapi.yaml"]
)
def test_unknown_api_paths_are_json_404s(client, url):
    data = api_get(client, url, status=404)
    assert data["status"] == 404 and "/api/" in data["detail"]


def test_unknown_pages_outside_the_api_stay_html(client):
    response = client.get("/nowhere/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "<h1>Not found</h1>" in response.content.decode()


def test_a_missing_trailing_slash_redirects_as_on_the_pages(client):
    response = client.get("/api/search?q=migrants")
    assert response.status_code == 301 and response["Location"] == "/api/search/?q=migrants"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(client, method):
    response = getattr(client, method)("/api/search/")
    assert response.status_code == 405
    assert response.json() == {"status": 405, "detail": "The API is read-only: use GET."}
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_request_is_answered(client):
    response = client.options("/api/search/")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"


def test_a_server_error_under_the_api_is_json(rf):
    from articles.api.views import server_error

    response = server_error(rf.get("/api/search/"))
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert server_error(rf.get("/search/"))["Content-Type"].startswith("text/html")


# --- Query counts --------------------------------------------------------------------------------


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        api_get(client, url)
    return len(queries)


def add_articles(numbers: range, *, tag, person) -> None:
    source = SourceFactory()
    for n in numbers:
        article = dated(
            datetime.date(2020, 1, 1) + datetime.timedelta(days=n), source=source, body=f"Conscription {n}."
        )
        article.tags.add(tag)
        article.people.add(person)
        article.authors.add(person)


def test_query_counts_do_not_grow_with_the_results(client):
    tag, person = TagFactory(slug="russia"), PersonFactory(slug="putin")
    PersonAliasFactory(person=person, name="Poutine")
    urls = lambda: [  # noqa: E731
        "/api/",
        "/api/search/?q=conscription",
        "/api/search/?q=conscription&tag=russia&person=putin&rating=false",
        "/api/search/?tag=russia&sort=oldest",
        "/api/sources/",
        "/api/people/",
        f"/api/tags/{tag.pk}/russia/",
        f"/api/people/{person.pk}/putin/",
    ]
    add_articles(range(3), tag=tag, person=person)
    few = [count_queries(client, url) for url in urls()]
    add_articles(range(3, 40), tag=tag, person=person)
    many = [count_queries(client, url) for url in urls()]
    assert few == many


def test_json_is_utf8_not_escaped(client):
    ArticleFactory(title="Pérez — «Москва»")
    response = client.get("/api/search/")
    assert "Pérez — «Москва»" in response.content.decode("utf-8")


@pytest.mark.parametrize(
    ("url", "read_back"),
    [
        ("/api/search/?q=<script>alert(1)</script> %26 more", lambda data: data["query"]),
        ("/api/search/?source=<img src=x onerror=alert(1)>", lambda data: data["errors"]["source"][0]),
    ],
)
def test_json_echoes_what_was_sent_without_markup(client, seed_archive, url, read_back):
    """Found by fuzzing: ``query`` and the errors gave back ``<script>`` as sent; <, > and & are escaped now."""
    response = client.get(url)
    text = response.content.decode()
    assert not {"<", ">", "&"} & set(text)
    assert "<" in read_back(response.json())  # the same value to any JSON parser


def test_rating_filter_matches_the_page(client):
    claim = ClaimFactory(rating=ClaimRating.FALSE)
    rated = ArticleFactory()
    ClaimReportFactory(claim=claim, article=rated)
    ArticleFactory()
    data = api_get(client, "/api/search/?rating=false")
    assert ids(data["results"]) == [rated.pk]
    assert [active["label"] for active in data["active_filters"]] == ["Claim rated: false"]


def test_partial_matches_are_flagged_in_the_api(client):
    wanted = ArticleFactory(body="The kettle and the lantern were found in the harbour.")
    only_kettle = ArticleFactory(body="A kettle.")
    data = documented(api_get(client, "/api/search/?q=kettle+lantern+zyxwvut"), "SearchPage")
    assert data["partial_match"] is True
    assert data["words_not_found"] == ["zyxwvut"]
    assert [(result["id"], result["partial_match"]) for result in data["results"]] == [
        (wanted.pk, True),
        (only_kettle.pk, True),
    ]
    data = documented(api_get(client, "/api/search/?q=kettle+lantern"), "SearchPage")
    assert data["partial_match"] is True and data["words_not_found"] == []
    assert [(result["id"], result["partial_match"]) for result in data["results"]] == [
        (wanted.pk, False),
        (only_kettle.pk, True),
    ]
    data = documented(api_get(client, "/api/search/?q=kettle"), "SearchPage")
    assert data["partial_match"] is False
