"""Hostile text in every field readers see stays text, on every public surface.

Imports and the admin store whatever a scrape or an editor gives them. Every rendered text field
of every model here carries markup, a way out of an attribute, of a ``<script>`` element and of
JSON, template syntax, entities meant to stay literal, bidirectional overrides, control
characters and look-alikes of the search's highlight markers; the original addresses are
``javascript:`` ones. Then every public page, its JSON twin, every feed, sitemap, citation file,
the CSV export and the search page (with snippets of the hostile text) are read, and:

- HTML holds no element, attribute or link the texts brought: the only scripts are JSON-LD
  that parses, no ``on…`` attribute, no ``javascript:`` link, no image, and every ``<mark>``
  wraps a searched word; the texts are in the page as text, character for character;
- JSON parses and holds the texts as data, unchanged;
- feeds and sitemaps are well-formed XML (the characters XML cannot hold are dropped);
- citation files keep one field a line (RIS), balanced braces (BibTeX), valid JSON (CSL);
- CSV parses, one row an article, formulas neutralised.
"""

import csv
import io
import json
import re
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser

import pytest

from articles.models import Article, ArticleStatus, ClaimRating, PersonAlias
from articles.search import HIGHLIGHT_START, HIGHLIGHT_STOP
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

# The word every hostile text is found by.
SEARCH_WORD = "hostilecanary"
MISSPELT = "hostilecanery"
# Markup, and ways out of an attribute (both quotes), a <script> element and an HTML comment.
SCRIPT = "<script>alert('script')</script>"
DOUBLE_QUOTE_BREAKOUT = "\"><img src=x onerror=alert('img')>"
SINGLE_QUOTE_BREAKOUT = "'><svg onload=alert('svg')>"
SCRIPT_END = "</script><script>alert('end')</script><!--"
TEMPLATE_SYNTAX = "{{ request.META }}{% debug %}"
ENTITIES = "&lt;b&gt;literal&lt;/b&gt; &amp;amp; &#60;"  # must print as typed
BIDI = "\u202egnp.exe\u202c \u2067isolated\u2069"
CONTROLS = "\x01\x07\x0b\x1b\x7f"  # NUL aside, which PostgreSQL text cannot hold
# The highlight's own tags, and something shaped like the markers ts_headline is given.
MARKERS = f"{HIGHLIGHT_START}fake{HIGHLIGHT_STOP} hl0123456789abcdef01234567start"
PAYLOADS = (SCRIPT, DOUBLE_QUOTE_BREAKOUT, SINGLE_QUOTE_BREAKOUT, SCRIPT_END, TEMPLATE_SYNTAX, ENTITIES, BIDI)
HOSTILE = " ".join((*PAYLOADS, CONTROLS, MARKERS))
# Names hold 200 characters: the payloads that matter most.
HOSTILE_NAME = " ".join((SCRIPT, DOUBLE_QUOTE_BREAKOUT, "&lt;i&gt;", BIDI, "{{ x }}", CONTROLS))
JAVASCRIPT_URL = "javascript:alert('url')"
# Browsers ignore case, leading spaces and tabs inside a scheme.
DISGUISED_JAVASCRIPT_URL = " JaVa\tScRiPt:alert('homepage')"
# A spreadsheet would run it.
FORMULA_TITLE = f'=HYPERLINK("{JAVASCRIPT_URL}") {SEARCH_WORD} {HOSTILE}'
# Shared by the two articles, so each lists the other under "Also reported in".
SHARED_PASSAGE = (
    "Recruiters visited the dormitories on the outskirts of the city before dawn on Tuesday and told the"
    " workers who had arrived over the summer that their residence papers would be renewed only if they"
    " signed a one-year contract with the defence ministry, according to three labourers and a lawyer."
)
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def hostile(label: str, payload: str = HOSTILE) -> str:
    return f"{label} {SEARCH_WORD} {payload}"


def hostile_archive_build() -> dict:
    """Every model a reader sees, each rendered text field hostile; also used by the browser test."""
    source = SourceFactory(
        name=hostile("Source", HOSTILE_NAME),
        description=hostile("Source description"),
        homepage=DISGUISED_JAVASCRIPT_URL,
    )
    person = PersonFactory(name=hostile("Person", HOSTILE_NAME), description=hostile("Role", HOSTILE_NAME))
    PersonAlias.objects.create(person=person, name=f"Alias {HOSTILE_NAME}")
    tag = TagFactory(name=hostile("Tag", HOSTILE_NAME), description=hostile("Tag description"))
    article = ArticleFactory(
        title=hostile("Title"),
        summary=hostile("Summary"),
        body=f"{hostile('First paragraph')}\n\n{SHARED_PASSAGE}\n\nThe first text, later corrected. {HOSTILE}",
        published_note=hostile("Date note"),
        url=JAVASCRIPT_URL,
        source=source,
        published_on="2024-03-01",
        published_precision="day",
    )
    article.authors.add(person)
    article.people.add(person)
    article.tags.add(tag)
    # A correction keeps the first text as version 1, with its own hostile headline.
    article.title = hostile("Corrected title")
    article.body = f"{hostile('First paragraph')}\n\n{SHARED_PASSAGE}\n\nThe corrected text. {HOSTILE}"
    article.save()
    other = ArticleFactory(
        title=FORMULA_TITLE,
        body=f"{SHARED_PASSAGE}\n\nAnother telling, {SEARCH_WORD}.",
        url="https://example.org/other",
        source=source,
    )
    other.tags.add(tag)
    claim = ClaimFactory(
        statement=hostile("Statement"),
        quote=hostile("Quote"),
        rating=ClaimRating.FALSE,  # so the claim page carries a ClaimReview
        rating_note=hostile("Rating note"),
        claimant_person=person,
        claimant_source=source,
    )
    ClaimReportFactory(claim=claim, article=article, paragraph=1)
    retracted = ArticleFactory(
        title=hostile("Retracted title"),
        status=ArticleStatus.RETRACTED,
        retraction_note=f"{hostile('Retraction note')}\n\nSecond paragraph of the note {SCRIPT}.",
        source=source,
    )
    vocabulary_refresh()
    return {
        "article": article,
        "other": other,
        "retracted": retracted,
        "source": source,
        "person": person,
        "tag": tag,
        "claim": claim,
    }


@pytest.fixture
def archive():
    return hostile_archive_build()


def text_of(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode()


def fetch(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return text_of(response)


# --- Reading HTML as a browser would -------------------------------------------------------------

# Elements the pages never use: any of them comes from a text.
FOREIGN_ELEMENTS = {"img", "iframe", "object", "embed", "base", "frame", "video", "audio", "math", "style"}
LINK_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data"}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")


class Markup(HTMLParser):
    """The elements, attributes, scripts, highlights and text of a page, as an HTML parser sees them."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.marks: list[str] = []
        self.text: list[str] = []
        self._script: tuple[dict, list] | None = None
        self._mark: list[str] | None = None
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag == "script":
            self._script = (dict(attrs), [])
        elif tag == "mark":
            self._mark = []

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script[0], "".join(self._script[1])))
            self._script = None
        elif tag == "mark" and self._mark is not None:
            self.marks.append("".join(self._mark))
            self._mark = None

    def handle_data(self, data):
        if self._script is not None:
            self._script[1].append(data)
            return
        if self._mark is not None:
            self._mark.append(data)
        self.text.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)

    def attribute_values(self) -> str:
        return " ".join(value or "" for _, attrs in self.elements for value in attrs.values())


def assert_inert(page: str, where: str, *, marked: str | None = None) -> Markup:
    """``page`` holds nothing its texts brought in: see the module docstring. ``marked``: the searched word."""
    markup = Markup(page)
    for tag, attrs in markup.elements:
        assert tag not in FOREIGN_ELEMENTS, (where, tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (where, tag, name)
            if name in LINK_ATTRIBUTES and value:
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                assert not scheme.startswith(DANGEROUS_SCHEMES), (where, tag, name, value)
    for attrs, content in markup.scripts:
        assert attrs.get("type") == "application/ld+json", (where, attrs)
        assert "<" not in content, where  # what could end the element early is escaped
        json.loads(content)
    for text in markup.marks:
        # A searched word, or a word of the name of a person the words name (also highlighted).
        assert marked and re.fullmatch(r"\w+", text), (where, text)
    return markup


def json_ld(markup: Markup) -> list[dict]:
    return [json.loads(content) for _, content in markup.scripts]


# --- Pages ---------------------------------------------------------------------------------------


def page_urls(archive: dict) -> list[str]:
    article, claim = archive["article"], archive["claim"]
    return [
        "/",
        "/sources/",
        "/people/",
        "/tags/",
        "/claims/",
        article.get_absolute_url(),
        f"{article.get_absolute_url()}versions/1/",
        f"{article.get_absolute_url()}versions/2/",
        archive["other"].get_absolute_url(),
        archive["retracted"].get_absolute_url(),
        archive["source"].get_absolute_url(),
        archive["person"].get_absolute_url(),
        archive["tag"].get_absolute_url(),
        claim.get_absolute_url(),
        f"/search/?source={archive['source'].slug}&person={archive['person'].slug}&tag={archive['tag'].slug}",
        "/search/?sort=newest",
    ]


def test_every_page_shows_the_texts_as_text(client, archive):
    for url in page_urls(archive):
        page = fetch(client, url)
        markup = assert_inert(page, url)
        # What the texts say is on the page as written (one payload each is enough to know).
        assert SCRIPT in markup.all_text or SCRIPT in markup.attribute_values(), url


def test_the_article_page_prints_every_field_character_for_character(client, archive):
    article = archive["article"]
    markup = assert_inert(fetch(client, article.get_absolute_url()), "article")
    text = markup.all_text
    for field in (article.title, article.summary, article.published_note, *article.paragraphs):
        assert field in text, field[:40]
    for name in (archive["person"].name, archive["tag"].name, archive["source"].name, archive["claim"].statement):
        assert name in text
    assert archive["other"].title in text  # "Also reported in"
    for payload in (*PAYLOADS, CONTROLS, MARKERS):
        assert payload in text, payload
    # The original address is shown, not linked.
    assert JAVASCRIPT_URL in text
    assert not any(attrs.get("href", "").endswith("alert('url')") for _, attrs in markup.elements)


def test_addresses_other_than_the_webs_are_never_links(client, archive):
    for url in (archive["article"].get_absolute_url(), archive["source"].get_absolute_url()):
        markup = assert_inert(fetch(client, url), url)
        hrefs = [attrs.get("href", "") for _, attrs in markup.elements]
        assert not any("alert(" in href for href in hrefs), url
    source_page = Markup(fetch(client, archive["source"].get_absolute_url())).all_text
    assert DISGUISED_JAVASCRIPT_URL.strip() in source_page


def test_structured_data_and_link_previews_hold_the_texts_intact(client, archive):
    article, claim = archive["article"], archive["claim"]
    markup = assert_inert(fetch(client, article.get_absolute_url()), "article")
    (news,) = json_ld(markup)
    assert news["headline"] == article.title
    assert news["keywords"] == [archive["tag"].name]
    assert news["author"][0]["name"] == archive["person"].name
    assert "isBasedOn" not in news and "sameAs" not in news  # a javascript: address is no original
    assert news["publisher"]["url"].startswith("http://testserver/sources/")
    meta = {
        attrs.get("property") or attrs.get("name"): attrs.get("content")
        for tag, attrs in markup.elements
        if tag == "meta"
    }
    assert meta["og:title"] == article.title
    assert meta["article:tag"] == archive["tag"].name

    (review,) = json_ld(assert_inert(fetch(client, claim.get_absolute_url()), "claim"))
    assert review["claimReviewed"] == claim.statement
    assert review["reviewBody"] == claim.rating_note


def test_the_retracted_page_shows_its_note_as_text(client, archive):
    retracted = archive["retracted"]
    markup = assert_inert(fetch(client, retracted.get_absolute_url()), "retracted")
    assert retracted.title in markup.all_text
    assert hostile("Retraction note") in markup.all_text
    assert f"Second paragraph of the note {SCRIPT}." in markup.all_text


# --- Search --------------------------------------------------------------------------------------


def test_search_snippets_mark_only_the_searched_word(client, archive):
    markup = assert_inert(fetch(client, f"/search/?q={SEARCH_WORD}"), "search", marked=SEARCH_WORD)
    assert SEARCH_WORD in [mark.lower() for mark in markup.marks], "the snippets highlight the word"
    assert "fake" not in markup.marks  # the text's own <mark> stays text
    assert archive["person"].name in markup.all_text  # "Looking for …?", by the name the words name
    for name in (archive["source"].name, archive["tag"].name):
        assert name in markup.all_text  # facets and bylines


def test_the_search_snippet_in_the_api_is_the_text(client, archive):
    data = json.loads(fetch(client, f"/api/search/?q={SEARCH_WORD}"))
    by_id = {result["id"]: result for result in data["results"]}
    result = by_id[archive["article"].pk]
    assert result["title"] == archive["article"].title
    highlighted = [fragment["text"] for fragment in result["snippet_fragments"] if fragment["highlighted"]]
    assert SEARCH_WORD in [text.lower() for text in highlighted] and "fake" not in highlighted
    assert all(re.fullmatch(r"\w+", text) for text in highlighted)
    assert "".join(fragment["text"] for fragment in result["snippet_fragments"]) == result["snippet"]
    assert "&lt;b&gt;literal" in result["snippet"]  # the text's entities, as typed: never decoded


@pytest.mark.parametrize(
    "query",
    [
        {"q": HOSTILE},
        {"q": MISSPELT},  # nothing matches: "did you mean", and the nearest people and tags
        {"q": SEARCH_WORD, "tag": SCRIPT},  # an invalid filter is echoed in the error
        {"q": SEARCH_WORD, "sort": DOUBLE_QUOTE_BREAKOUT, "date_from": SINGLE_QUOTE_BREAKOUT},
    ],
    ids=["hostile words", "misspelt", "hostile filter", "hostile options"],
)
def test_what_a_reader_types_is_echoed_as_text(client, archive, query):
    response = client.get("/search/", query)
    markup = assert_inert(text_of(response), str(query), marked=SEARCH_WORD)
    assert response.status_code == (400 if len(query) > 1 else 200)
    assert markup.attribute_values().count(query["q"]) >= 1  # the search box keeps the words as typed
    if query["q"] == MISSPELT:
        assert archive["tag"].name in markup.all_text  # offered as the nearest tag


# --- JSON ----------------------------------------------------------------------------------------


def test_every_json_twin_parses_and_holds_the_texts_as_data(client, archive):
    for url in page_urls(archive):
        data = json.loads(fetch(client, f"/api{url}"))
        assert SCRIPT in json.dumps(data, ensure_ascii=False), url
    article = json.loads(fetch(client, f"/api{archive['article'].get_absolute_url()}"))
    stored = Article.objects.get(pk=archive["article"].pk)
    assert (article["title"], article["summary"], article["published_note"]) == (
        stored.title,
        stored.summary,
        stored.published_note,
    )
    assert [paragraph["text"] for paragraph in article["paragraphs"]] == stored.paragraphs
    assert article["original_url"] == JAVASCRIPT_URL  # data, as stored: the client decides what to link
    person = json.loads(fetch(client, f"/api{archive['person'].get_absolute_url()}"))
    assert person["name"] == archive["person"].name
    assert person["aliases"][0]["name"] == f"Alias {HOSTILE_NAME}"
    claim = json.loads(fetch(client, f"/api{archive['claim'].get_absolute_url()}"))
    assert (claim["statement"], claim["quote"], claim["rating_note"]) == (
        archive["claim"].statement,
        archive["claim"].quote,
        archive["claim"].rating_note,
    )


# --- Feeds, sitemaps, discovery -------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"


def feed_urls(archive: dict) -> list[str]:
    return [
        "/feed/",
        f"/search/feed/?q={SEARCH_WORD}",
        f"/sources/{archive['source'].pk}/{archive['source'].slug}/feed/",
        f"/people/{archive['person'].pk}/{archive['person'].slug}/feed/",
        f"/tags/{archive['tag'].pk}/{archive['tag'].slug}/feed/",
    ]


def test_feeds_are_well_formed_with_the_texts_intact(client, archive):
    article = archive["article"]
    for url in feed_urls(archive):
        root = ElementTree.fromstring(fetch(client, url).encode())
        entries = {entry.findtext(f"{ATOM}id"): entry for entry in root.iter(f"{ATOM}entry")}
        entry = entries[f"http://testserver{article.get_absolute_url()}"]
        assert entry.findtext(f"{ATOM}title") == XML_INVALID.sub("", article.title), url
        assert entry.findtext(f"{ATOM}summary") == XML_INVALID.sub("", article.summary), url
        assert entry.find(f"{ATOM}category").get("term") == XML_INVALID.sub("", archive["tag"].name), url
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == XML_INVALID.sub("", archive["person"].name), url
        assert all(link.get("href").startswith("http://testserver/") for link in root.iter(f"{ATOM}link")), url
    # The feed's own title names what it follows: a search's hostile words too.
    response = client.get("/search/feed/", {"q": f"{HOSTILE} {SEARCH_WORD}"})
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    assert root.findtext(f"{ATOM}title").startswith(f'Search: "{XML_INVALID.sub("", HOSTILE)}')


def test_sitemaps_and_discovery_documents_are_well_formed(client, archive):
    index = ElementTree.fromstring(fetch(client, "/sitemap.xml").encode())
    sections = [element.text for element in index.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert sections
    for section in sections:
        root = ElementTree.fromstring(fetch(client, section.removeprefix("http://testserver")).encode())
        for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc"):
            assert loc.text.startswith("http://testserver/"), loc.text
    ElementTree.fromstring(fetch(client, "/opensearch.xml").encode())


# --- Citations and CSV ---------------------------------------------------------------------------

RIS_LINE = re.compile(r"^[A-Z][A-Z0-9]  - ")


def test_citation_files_keep_their_structure(client, archive):
    article = archive["article"]
    base = article.get_absolute_url()
    flat_title = " ".join(article.title.split())

    ris = fetch(client, f"{base}cite.ris")
    lines = ris.split("\r\n")
    assert lines[-1] == "" and all(RIS_LINE.match(line) for line in lines[:-1]), lines
    assert f"TI  - {flat_title}" in lines and lines[-2] == "ER  - "

    bibtex = fetch(client, f"{base}cite.bib")
    unescaped_braces = re.sub(r"\\[{}]", "", bibtex)
    assert unescaped_braces.count("{") == unescaped_braces.count("}")
    assert bibtex.count("\n@") == 0 and bibtex.startswith("@online{")

    (item,) = json.loads(fetch(client, f"{base}cite.csl.json"))
    assert item["title"] == flat_title
    assert item["container-title"] == archive["source"].name

    page = assert_inert(fetch(client, base), "article")
    apa = page.all_text
    assert flat_title in apa  # the styled citations on the page: text inside their <i>


def test_the_csv_export_holds_one_row_an_article_with_formulas_neutralised(client, archive):
    rows = list(csv.reader(io.StringIO(fetch(client, f"/search/export.csv?q={SEARCH_WORD}"))))
    header, *articles = rows
    titles = {row[header.index("title")] for row in articles}
    assert titles == {archive["article"].title, "'" + FORMULA_TITLE}
    assert all(len(row) == len(header) for row in articles)
    original = {row[header.index("original_url")] for row in articles}
    assert JAVASCRIPT_URL in original
