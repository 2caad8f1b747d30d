"""Nothing readers may not see leaks through any public surface.

An archive with a published article and, beside it, everything that must stay out of sight,
each carrying a canary word of its own:

- a draft, with a source, a person (and alias), an author, a tag and a claim only it names;
- a retracted article (its headline, byline and note stay public, at its own address: see the
  README's *Pages*), with a corrected earlier text, a tag and a claim only it has;
- what only editors read: the history (``Revision``, ``FieldChange``), the search log, the note of
  a retraction taken back, the old name of a merged person.

Then every public route (enumerated from the URL configuration, the admin aside, for every
object of every status), every link reachable from the home page and the API's, the feeds,
the sitemaps and searches for each canary (exact, misspelt, as a prefix; page, JSON, feed and
CSV) are read: no canary is anywhere, drafts answer 404, and counts count published articles.
"""

import json
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from articles.citations import DOWNLOADS
from articles.models import (
    Article,
    ArticleStatus,
    Claim,
    FieldChange,
    MergedPerson,
    Person,
    PersonAlias,
    RevisionKind,
    SearchLog,
    Source,
    Tag,
)
from articles.services import revision_record, vocabulary_refresh
from articles.sitemaps import SITEMAPS
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    ClaimReportFactory,
    PersonFactory,
    SourceFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

# What must never be shown, by where it is. Words no other contains, so that removing the one a
# search echoes leaves the others whole.
DRAFT_CANARIES = {
    "title": "zqdrafttitle",
    "summary": "zqdraftsummary",
    "body": "zqdraftbody",
    "url": "zqdrafturl",
    "note": "zqdraftdatenote",
    "slug": "zqdraftslug",
    "source": "zqdraftsource",
    "person": "zqdraftperson",
    "alias": "zqdraftalias",
    "author": "zqdraftauthor",
    "tag": "zqdrafttag",
    "claim": "zqdraftclaim",
    "quote": "zqdraftquote",
    "rating note": "zqdraftrating",
}
RETRACTED_CANARIES = {
    "body": "zqretractedbody",
    "summary": "zqretractedsummary",
    "url": "zqretractedurl",
    "earlier text": "zqretractedversion",
    "tag": "zqretractedtag",
    "claim": "zqretractedclaim",
    "author": "zqretractedauthor",
}
EDITOR_CANARIES = {
    "revision summary": "zqrevisionsummary",
    "value before": "zqfieldbefore",
    "value after": "zqfieldafter",
    "search log": "zqsearchlogged",
    "note of a retraction taken back": "zqstaleretraction",
    "merged person's old name": "zqmergedname",
}
CANARIES = [*DRAFT_CANARIES.values(), *RETRACTED_CANARIES.values(), *EDITOR_CANARIES.values()]
# Public by design, but only at the version's own address: the earlier text of a corrected article.
EARLIER_TEXT = "zqearliertext"
# Public: shown at the retracted article's address, instead of its text.
RETRACTION_NOTE = "Retracted: the officials quoted could not be shown to exist (zqpublicnote)."
RETRACTED_TITLE = "Dormitory recruitment retold"
# In every article's text, so "Also reported in" pairs the published one with the others.
SHARED_PASSAGE = (
    "Recruiters visited the dormitories on the outskirts of the city before dawn on Tuesday and told the"
    " workers who had arrived over the summer that their residence papers would be renewed only if they"
    " signed a one-year contract with the defence ministry, according to three labourers and a lawyer."
)
# Enough for every route and a good share of the links; the test reads each address once.
CRAWL_LIMIT = 220


def test_no_canary_holds_another():
    for canary in [*CANARIES, EARLIER_TEXT]:
        assert [other for other in CANARIES if canary in other] in ([canary], []), canary


@pytest.fixture
def archive():
    public_person, public_tag = PersonFactory(name="Public Person"), TagFactory(name="Public tag")
    public_source = SourceFactory(name="Public Outlet")
    published = ArticleFactory(
        title="Recruitment at the dormitories",
        body=f"{SHARED_PASSAGE}\n\nThe published telling ends here.",
        source=public_source,
        published_on="2023-05-01",
        published_precision="day",
        retraction_note=f"Retracted for a day: {EDITOR_CANARIES['note of a retraction taken back']}.",
    )
    published.people.add(public_person)
    published.authors.add(public_person)
    published.tags.add(public_tag)
    public_claim = ClaimFactory(statement="A claim a published article reports", claimant_person=public_person)
    ClaimReportFactory(claim=public_claim, article=published, paragraph=1)

    corrected = ArticleFactory(
        title="A corrected report",
        body=f"The first text said {EARLIER_TEXT}.\n\nMore.",
        published_on="2023-06-01",
        published_precision="month",
    )
    corrected.tags.add(public_tag)
    corrected.body = "The corrected text.\n\nMore."
    corrected.save()

    c = DRAFT_CANARIES
    draft = ArticleFactory(
        status=ArticleStatus.DRAFT,
        title=f"Draft headline {c['title']}",
        slug=c["slug"],
        summary=f"Draft summary {c['summary']}",
        body=f"{SHARED_PASSAGE}\n\nThe draft goes on about {c['body']}.",
        url=f"https://example.org/{c['url']}",
        published_note=f"Dated from {c['note']}",
        source=SourceFactory(name=f"The {c['source'].capitalize()} Gazette", slug=f"{c['source']}-gazette"),
        published_on="2023-07-01",
        published_precision="day",
    )
    draft_person = PersonFactory(name=f"{c['person'].capitalize()} Smith", slug=f"{c['person']}-smith")
    PersonAlias.objects.create(person=draft_person, name=c["alias"].capitalize())
    draft.people.add(draft_person, public_person)
    draft.authors.add(PersonFactory(name=f"{c['author'].capitalize()} Jones", slug=f"{c['author']}-jones"))
    draft.tags.add(TagFactory(name=c["tag"].capitalize(), slug=c["tag"]), public_tag)
    draft_claim = ClaimFactory(
        statement=f"A claim only the draft reports: {c['claim']}",
        slug=c["claim"],
        quote=c["quote"],
        rating_note=c["rating note"],
        claimant_person=draft_person,
    )
    ClaimReportFactory(claim=draft_claim, article=draft, paragraph=2)
    ClaimReportFactory(claim=public_claim, article=draft, paragraph=1)

    r = RETRACTED_CANARIES
    retracted = ArticleFactory(
        title=RETRACTED_TITLE,
        summary=f"Retracted summary {r['summary']}",
        body=f"{SHARED_PASSAGE}\n\nIt said {r['earlier text']}.",
        url=f"https://example.org/{r['url']}",
        source=public_source,
        published_on="2023-08-01",
        published_precision="day",
    )
    retracted.body = f"{SHARED_PASSAGE}\n\nIt said {r['body']}."  # the earlier text is kept as version 1
    retracted.save()
    retracted.tags.add(TagFactory(name=r["tag"].capitalize(), slug=r["tag"]), public_tag)
    retracted.authors.add(PersonFactory(name=f"{r['author'].capitalize()} Brown", slug=f"{r['author']}-brown"))
    retracted_claim = ClaimFactory(statement=f"Only the retracted one: {r['claim']}", slug=r["claim"])
    ClaimReportFactory(claim=retracted_claim, article=retracted, paragraph=2)
    retracted.status, retracted.retraction_note = ArticleStatus.RETRACTED, RETRACTION_NOTE
    retracted.save()

    e = EDITOR_CANARIES
    revision_record(
        user=None,
        kind=RevisionKind.EDIT,
        summary=f"Edited: {e['revision summary']}",
        changes=[FieldChange.of(published, "summary", f"was {e['value before']}", f"now {e['value after']}")],
    )
    SearchLog.objects.record(query=e["search log"], filters={}, result_count=0, duration_ms=1)
    MergedPerson.objects.create(id=987_001, name=e["merged person's old name"], slug="zq-merged", into=public_person)
    vocabulary_refresh()
    return {
        "published": published,
        "corrected": corrected,
        "draft": draft,
        "retracted": retracted,
        "public_person": public_person,
        "public_tag": public_tag,
        "public_source": public_source,
        "public_claim": public_claim,
    }


def text_of(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode()


def canaries_in(text: str, *, echoed: str = "") -> list[str]:
    """The canaries ``text`` holds, once the words a search echoes (``echoed``, as typed) are taken out."""
    text = text.lower()
    for word in echoed.lower().split():
        text = text.replace(word, "")
    return [canary for canary in CANARIES if canary in text]


# --- Every route, for every object ----------------------------------------------------------------

# The model each family of routes shows, by its name (``<kind>_detail``, ``<kind>_feed``…).
ROUTE_MODELS = {"article": Article, "source": Source, "person": Person, "tag": Tag, "claim": Claim}
VERSION_NUMBERS = (1, 2, 3)


def public_routes() -> list[tuple[str, URLPattern]]:
    """Every route outside the admin, with its namespace: ``("api", <pattern>)``…"""
    found = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin" or str(entry.pattern) == settings.ADMIN_PATH:
                    continue
                walk(entry.url_patterns, entry.namespace or namespace)
            else:
                found.append((namespace, entry))

    walk(get_resolver().url_patterns, None)
    return found


def addresses(namespace: str | None, route: URLPattern) -> list[str]:
    """The addresses of ``route`` for every object of every status it could show."""
    name = f"{namespace}:{route.name}" if namespace else route.name
    converters = set(route.pattern.converters)
    if not converters:
        return [reverse(name)]
    if converters == {"section"}:
        return [reverse(name, kwargs={"section": section}) for section in SITEMAPS]
    model = ROUTE_MODELS[route.name.split("_")[0]]
    urls = []
    for obj in model.objects.all():
        kwargs = {"pk": obj.pk, "slug": obj.slug}
        if "number" in converters:
            urls += [reverse(name, kwargs={**kwargs, "number": number}) for number in VERSION_NUMBERS]
        elif "fmt" in converters:
            urls += [reverse(name, kwargs={**kwargs, "fmt": fmt}) for fmt in DOWNLOADS]
        else:
            assert converters == {"pk", "slug"}, (name, converters)  # a new kind of route: teach this test
            urls.append(reverse(name, kwargs=kwargs))
    return urls


def test_every_route_for_every_object_shows_no_canary(client, archive):
    draft, retracted = archive["draft"], archive["retracted"]
    answered = {}
    for namespace, route in public_routes():
        for url in addresses(namespace, route):
            response = client.get(url)
            answered[url] = response.status_code
            assert response.status_code in (200, 301, 404), url
            if response.status_code == 200:
                assert not canaries_in(text_of(response)), url
                if "/versions/" not in url:
                    assert EARLIER_TEXT not in text_of(response), url
    # What must not be found is not found, and what must be is.
    for url, status in answered.items():
        if f"/articles/{draft.pk}/" in url or url.endswith(("-smith/", "-jones/", "-gazette/")):
            assert status == 404, url
        if f"/articles/{retracted.pk}/" in url and url.endswith(
            ("/versions/1/", "/versions/2/", ".bib", ".ris", ".json")
        ):
            assert status == 404, url
    for url in (retracted.get_absolute_url(), f"/api{retracted.get_absolute_url()}"):
        assert answered[url] == 200 and RETRACTION_NOTE in text_of(client.get(url))
    assert answered[f"{archive['corrected'].get_absolute_url()}versions/1/"] == 200
    assert EARLIER_TEXT in text_of(client.get(f"{archive['corrected'].get_absolute_url()}versions/1/"))
    assert answered[archive["public_person"].get_absolute_url()] == 200
    assert answered["/feed/"] == answered["/sitemap.xml"] == answered["/opensearch.xml"] == 200


# --- Every link a reader or a crawler can follow ---------------------------------------------------


class Links(HTMLParser):
    def __init__(self, page: str):
        super().__init__()
        self.found: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action") and value:
                self.found.append(value)


def strings_in(data):
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict | list):
        for value in data.values() if isinstance(data, dict) else data:
            yield from strings_in(value)


def links_in(url: str, response, text: str) -> list[str]:
    content_type = response.get("Content-Type", "")
    if "html" in content_type:
        found = Links(text).found
    elif "json" in content_type:
        found = list(strings_in(json.loads(text)))
    elif "xml" in content_type:
        found = re.findall(r'(?:href="|<loc>)(https?://testserver/[^"<]*)', text)
    else:
        found = []
    local = []
    for link in found:
        parts = urlsplit(link.replace("&amp;", "&"))
        if not parts.path or "{" in link:  # not an address (a text), or a template (OpenSearch)
            continue
        if parts.netloc not in ("", "testserver") or not parts.path.startswith("/"):
            continue
        local.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return local


def test_no_link_from_the_home_pages_leads_to_a_canary(client, archive):
    seen, queue = set(), deque(["/", "/api/", "/sitemap.xml", "/feed/", "/opensearch.xml"])
    while queue and len(seen) < CRAWL_LIMIT:
        url = queue.popleft()
        if url in seen or url.startswith(f"/{settings.ADMIN_PATH}") or url.startswith("/static/"):
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code in (200, 301, 302), url
        if response.status_code != 200:
            queue.append(response["Location"].removeprefix("http://testserver"))
            continue
        text = text_of(response)
        assert not canaries_in(text), url
        if "/versions/" not in url:
            assert EARLIER_TEXT not in text, url
        queue.extend(links_in(url, response, text))
    for reached in (
        archive["published"].get_absolute_url(),
        archive["public_person"].get_absolute_url(),
        archive["public_claim"].get_absolute_url(),
        "/sitemap-articles.xml",
    ):
        assert reached in seen, reached
    # Nothing links to a draft, nor to a retracted article: it keeps its address, in no list.
    assert not any(f"/articles/{archive[kind].pk}/" in url for url in seen for kind in ("draft", "retracted"))


# --- Searching for each canary ---------------------------------------------------------------------


def misspelt(word: str) -> str:
    return word[:-1] + ("x" if word[-1] != "x" else "y")


def test_searching_for_a_canary_finds_nothing_and_suggests_nothing(client, archive):
    """Each canary as typed, misspelt (the "did you mean"), as a prefix and beside a word that finds something."""
    for canary in CANARIES:
        for typed in (canary, misspelt(canary), f"{canary[:-2]}*", f"{canary} dormitories"):
            data = client.get("/api/search/", {"q": typed}).json()
            assert not canaries_in(json.dumps(data), echoed=typed), typed
            if typed.endswith("dormitories"):  # the other word finds the published article; the canary no one
                assert data["count"] == 1 and data["people"] == [], typed
            else:
                assert data["count"] == 0, typed
        # The page shows what its twin does, and the suggestions too.
        typed = misspelt(canary)
        assert not canaries_in(text_of(client.get("/search/", {"q": typed})), echoed=typed), typed
    every_canary = {"q": " OR ".join([*CANARIES, "dormitories"])}
    csv = text_of(client.get("/search/export.csv", every_canary))  # which echoes nothing
    feed = text_of(client.get("/search/feed/", every_canary))
    entries = "".join(re.findall(r"<entry.*?</entry>", feed, re.DOTALL))  # the feed's title echoes the words
    for text in (csv, entries):
        assert archive["published"].title in text
        assert not canaries_in(text)


# --- Counts --------------------------------------------------------------------------------------


def by_name(rows: list[dict]) -> dict[str, dict]:
    return {row["name"]: row for row in rows}


def test_counts_count_published_articles_only(client, archive):
    published = Article.objects.published().count()
    assert published == 2
    home = client.get("/api/").json()
    assert home["totals"]["articles"] == home["span"]["count"] == published
    assert home["totals"]["claims"] == 1
    assert by_name(home["most_covered_people"])["Public Person"]["article_count"] == 1
    assert by_name(home["most_covered_tags"])["Public tag"]["article_count"] == 2
    # Only what something public names is counted among the sources, people and tags.
    assert home["totals"]["sources"] == Source.objects.public().count() == 1
    assert home["totals"]["people"] == Person.objects.public().count() == 1
    assert home["totals"]["tags"] == Tag.objects.public().count() == 1

    assert by_name(client.get("/api/people/").json()["results"])["Public Person"]["article_count"] == 1
    assert by_name(client.get("/api/people/").json()["results"])["Public Person"]["claim_count"] == 1
    assert by_name(client.get("/api/tags/").json()["results"])["Public tag"]["article_count"] == 2
    assert by_name(client.get("/api/sources/").json()["results"])["Public Outlet"]["article_count"] == 1
    (claim,) = client.get("/api/claims/").json()["results"]
    assert claim["report_count"] == 1
    person = archive["public_person"]
    assert client.get(f"/api/people/{person.pk}/{person.slug}/").json()["articles"]["count"] == 1

    search = client.get("/api/search/", {"q": "dormitories"}).json()
    assert search["count"] == 1
    facets = {
        facet["name"]: {value["label"]: value["count"] for value in facet["values"]} for facet in search["facets"]
    }
    assert facets["person"] == {"Public Person": 1}
    assert facets["tag"] == {"Public tag": 1}
    assert facets["year"] == {"2023": 1}
    browsing = client.get("/api/search/").json()
    assert browsing["count"] == published
    # The page's timeline counts the same: one article in May 2023 and one in June.
    page = text_of(client.get("/"))
    assert "2 published articles" in page


# --- The cache: what was cached while published is not served once retracted -----------------------


def test_a_page_cached_while_published_is_not_served_after_retraction(client):
    assert settings.ARCHIVE_CACHE_SECONDS > 0  # the cache is on, as in production
    article = ArticleFactory(title="Soon retracted", body="It said zqcachedtext.\n\nMore.", summary="zqcachedsummary")
    vocabulary_refresh()
    urls = [article.get_absolute_url(), f"/api{article.get_absolute_url()}", "/", "/api/"]
    for url in urls:
        first, again = client.get(url), client.get(url)
        assert "ETag" in again and again["ETag"] == first["ETag"], url  # served from the cache
        assert "zqcached" in text_of(again), url
    assert client.get("/api/search/", {"q": "zqcachedtext"}).json()["count"] == 1

    article.status, article.retraction_note = ArticleStatus.RETRACTED, "Retracted: zqcachednote."
    article.save()
    for url in urls:
        text = text_of(client.get(url))
        assert "zqcachedtext" not in text and "zqcachedsummary" not in text, url
    assert "zqcachednote" in text_of(client.get(article.get_absolute_url()))
    assert client.get("/api/search/", {"q": "zqcachedtext"}).json()["count"] == 0
    # Nor a suggestion of its words, though the vocabulary was not refreshed since.
    suggestions = client.get("/api/search/", {"q": "zqcachedtexx"}).json()["suggestions"]
    assert "zqcachedtext" not in json.dumps(suggestions)

    article.status = ArticleStatus.DRAFT
    article.save()
    for url in urls[:2]:
        assert client.get(url).status_code == 404, url
