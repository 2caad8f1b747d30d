"""Bad input through every public URL: never a 500, always the site's own 400 or 404, nothing reflected raw.

Every route the URL resolver knows (the admin aside) is listed in ``ROUTE_INPUTS`` with the
query parameters it reads; a route missing there fails ``test_every_public_route_is_fuzzed``,
so a new page is fuzzed from the day it is added. Hypothesis then sends each route:

- query strings of its own parameters, everyone else's and unknown ones, repeated, with values
  from ``nasty_text`` (random Unicode, NUL, 100 KB strings, SQL and HTML metacharacters,
  unbalanced quotes, a lone ``-`` or ``OR``, page numbers negative, huge or not numbers,
  impossible dates) mixed with values that lead somewhere (real slugs, dates, sorts);
- raw query strings, as a server hands them over (broken percent-escapes, Latin-1 bytes);
- path parts: real, unknown, huge and malformed ids, slugs, version numbers, formats, sections.

The search routes (page, JSON twin, CSV, feed) and the paginated routes get a deeper run of
their own parameters. Each answer is checked by ``check_answer``. The seed archive gives the
pages something to show; the examples are derandomised, so every run sends the same requests.

The API's schema-driven run (tests/test_api_openapi.py) checks that the API keeps to its
description with valid and invalid values; this module is about hostile values everywhere.
"""

import json
import re
from dataclasses import dataclass
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from django.conf import settings as django_settings
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.filters import PAGE_PARAM, ArticleFilterSet
from articles.models import Article, Claim, ClaimRating, Person, Source, Tag
from articles.search import SORT_CHOICES
from articles.sitemaps import SITEMAPS

pytestmark = pytest.mark.django_db

# The seed archive loaded once per test serves all its examples: requests only read it (a search logs itself).
FUZZ_SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- What the site answers -----------------------------------------------------------------------

#: Every answer a request may get, whatever it carries. 5xx never; 304 needs an ETag sent.
ALLOWED_STATUSES = {200, 301, 302, 400, 404}
#: Carried by every page built on templates/base.html, the error pages included.
SITE_MARKER = '<header class="site-header">'
#: What the hostile values inject; none may come back as markup.
INJECTED_MARKERS = ("<script>alert(", "<img src=x onerror", "<svg onload")
API_PREFIX = "/api/"


@dataclass(frozen=True)
class RouteInputs:
    """What a route reads besides its path."""

    parameters: tuple[str, ...] = ()
    #: Its 400s are plain text: feed readers and spreadsheets show no pages.
    plain_text_errors: bool = False


FILTER_PARAMETERS = (*ArticleFilterSet.base_filters, PAGE_PARAM)
INDEX_PARAMETERS = ("sort", PAGE_PARAM)
SEARCH = RouteInputs(FILTER_PARAMETERS)
INDEX = RouteInputs(INDEX_PARAMETERS)
PAGINATED = RouteInputs((PAGE_PARAM,))
NOTHING = RouteInputs()

ROUTE_INPUTS = {
    "robots_txt": NOTHING,
    "opensearch": NOTHING,
    "sitemap": NOTHING,
    "sitemap_section": RouteInputs(("p",)),
    "articles:home": NOTHING,
    "articles:search": SEARCH,
    "articles:search_csv": RouteInputs(FILTER_PARAMETERS, plain_text_errors=True),
    "articles:search_feed": RouteInputs(FILTER_PARAMETERS, plain_text_errors=True),
    "articles:article_detail": NOTHING,
    "articles:article_version": NOTHING,
    "articles:article_citation": NOTHING,
    "articles:source_list": INDEX,
    "articles:person_list": INDEX,
    "articles:tag_list": INDEX,
    "articles:claim_list": INDEX,
    "articles:source_detail": PAGINATED,
    "articles:person_detail": PAGINATED,
    "articles:tag_detail": PAGINATED,
    "articles:claim_detail": NOTHING,
    # Feeds have no pages and ignore ``page``.
    "articles:archive_feed": NOTHING,
    "articles:source_feed": NOTHING,
    "articles:person_feed": NOTHING,
    "articles:tag_feed": NOTHING,
    "api:home": NOTHING,
    "api:search": SEARCH,
    "api:article_detail": NOTHING,
    "api:article_version": NOTHING,
    "api:source_list": INDEX,
    "api:person_list": INDEX,
    "api:tag_list": INDEX,
    "api:claim_list": INDEX,
    "api:source_detail": PAGINATED,
    "api:person_detail": PAGINATED,
    "api:tag_detail": PAGINATED,
    "api:claim_detail": NOTHING,
    "api:openapi": NOTHING,
}


def public_routes() -> dict[str, str]:
    """Every route but the admin's: {name: route text with its converters}, e.g. ``articles/<int:pk>/…``.

    An unnamed route is listed under its text, so that it fails the coverage check too.
    """
    found = {}

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern) == django_settings.ADMIN_PATH or pattern.namespace == "admin":
                    continue
                walk(pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
                found[name or route] = route

    walk(get_resolver().url_patterns, "", None)
    return found


ROUTES = public_routes()
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
# Which table a route's ``pk`` is an id of, by its first path segment (after ``api/``).
MODELS_BY_SEGMENT = {
    "articles": lambda: Article.objects.published(),
    "sources": lambda: Source.objects.public(),
    "people": lambda: Person.objects.public(),
    "tags": lambda: Tag.objects.public(),
    "claims": lambda: Claim.objects.reported(),
}


def route_segment(route: str) -> str:
    return route.removeprefix(API_PREFIX.strip("/") + "/").split("/", 1)[0]


def path_for(route: str, values: dict[str, str]) -> str:
    """``route`` with each converter replaced by its value, percent-encoded as a client would send it."""
    return "/" + CONVERTER.sub(lambda match: quote(values[match[1]], safe=""), route)


def check_answer(name: str, response, sent: str) -> None:
    """The rules every answer keeps, whatever was sent (``sent`` is quoted in failures)."""
    where = f"{name} <- {sent[:300]!r}"
    status = response.status_code
    assert status in ALLOWED_STATUSES, f"{where}: status {status}"
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8")  # raises if an answer is not UTF-8

    if response.wsgi_request.path.startswith(API_PREFIX):
        assert content_type == "application/json", f"{where}: {content_type}"
        if status != 200:
            assert json.loads(text)["status"] == status, where
    elif status in (400, 404):
        if content_type.startswith("text/plain"):
            assert status == 400 and ROUTE_INPUTS[name].plain_text_errors, f"{where}: a plain-text {status}"
        else:
            assert content_type.startswith("text/html"), f"{where}: {content_type}"
            assert SITE_MARKER in text, f"{where}: the {status} is not the site's designed page"
    if content_type.startswith("application/json"):
        json.loads(text)
    if status == 200 and "xml" in content_type:
        ElementTree.fromstring(body)  # well-formed, whatever the query put in titles

    if content_type.startswith("text/plain"):
        # Inert: nosniff stops a browser from reading plain text as HTML, whatever it quotes.
        assert response.get("X-Content-Type-Options") == "nosniff", where
    else:
        for marker in INJECTED_MARKERS:
            assert marker not in text, f"{where}: {marker!r} reflected unescaped"


# --- Values --------------------------------------------------------------------------------------

HUNDRED_KB = 100 * 1024
NASTY_STRINGS = (
    "",
    " ",
    "-",
    "--",
    "OR",
    "-OR",
    "OR OR",
    "AND",
    "NOT",
    '"',
    "'",
    '"unbalanced',
    "unbalanced'",
    "it's",
    "\"\" ''",
    "\\",
    "\\'",
    "*",
    "a*",
    "-*",
    "!",
    "&",
    "|",
    ":",
    "(",
    ")",
    "<->",
    "!!(a&b)|c:*",
    "a:*B",
    "%",
    "_",
    "%_\\",
    "'; DROP TABLE articles_article; --",
    "1' OR '1'='1",
    '1" OR "1"="1',
    "1 UNION SELECT NULL--",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "{{ request }}",
    "{% debug %}",
    "&lt;&amp;&#0;",
    "\x00",
    "a\x00b",
    "\x00<script>alert(1)</script>",
    "\x01\x08\x0b\x0c\x1f\x7f",
    "\t\r\n",
    "\u202eevil\u202c",  # right-to-left override
    "مرحبا بالعالم",
    "שלום",
    "e\u0301\u0301\u0301",  # combining accents
    "Z̴̡̧̛̛̖̗̘̙̜̝̞̟̠̤̥̦̩̪̫̬̭̮̯̰̱̲̳̹̺̻̼͇͈͉͍͎",
    "\ufeff",
    "\ufffe\uffff",
    "\U0001f600\U0001f1fa\U0001f1e6",
    "Москва",
    "東京",
    "../../etc/passwd",
    "%00",
    "%2e%2e%2f",
    "NaN",
    "Infinity",
    "null",
    "true",
    "[]",
    "{}",
    "-1",
    "0",
    "1.5",
    "1e309",
    "0x10",
    "٣",  # an Arabic-Indic digit: int() takes it, a regex [0-9] does not
    "²",
    "\uff12",  # a fullwidth digit 2
    "9" * 30,
    "-" + "9" * 30,
    "9" * 5000,  # past Python's limit on converting digits to int
    "last",
    "2023-02-30",
    "2023-13-01",
    "2023-00-10",
    "99999-01-01",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "-2023-01-01",
    "2023/01/01",
    "1 January 2023",
    "x" * HUNDRED_KB,
    "<script>alert(" + "x" * HUNDRED_KB,
    "'" * HUNDRED_KB,
    "OR " * (HUNDRED_KB // 3),
    "\x00" * HUNDRED_KB,
    ("мобилизация " * (HUNDRED_KB // 24)),
)

SHORT_NASTY_STRINGS = tuple(value for value in NASTY_STRINGS if len(value) <= 40)
random_text = st.text(max_size=40)  # any Unicode but surrogates, which no request can carry
right_to_left_text = st.text(st.characters(min_codepoint=0x0590, max_codepoint=0x06FF), max_size=20)
combining_text = st.text(st.characters(categories=["Mn", "Me", "Cf", "Zs", "Cc"]), max_size=20)


def nasty_text(*meaningful: str, huge: bool = True) -> st.SearchStrategy[str]:
    """Hostile values, and now and then a ``meaningful`` one (or several joined), so valid paths are walked too.

    ``huge``: 100 KB values among them.
    """
    nasty = NASTY_STRINGS if huge else tuple(value for value in NASTY_STRINGS if len(value) < HUNDRED_KB)
    words = st.sampled_from(SHORT_NASTY_STRINGS + meaningful)
    strategies = [
        st.sampled_from(nasty),
        random_text,
        right_to_left_text,
        combining_text,
        st.lists(st.one_of(words, random_text), min_size=2, max_size=6).map(" ".join),
    ]
    if meaningful:  # a third of the values, so that requests get past the checks to the search and the pages
        strategies = [st.sampled_from(meaningful)] * (len(strategies) // 2) + strategies
    return st.one_of(strategies)


PAGE_NUMBERS = ("1", "2", "3", "last", "0", "-1", "1.0", " 1", "1 ", "+1", "99999", "٣", "9" * 30, "9" * 5000)
DATES = ("2022-03-01", "2022-12-31", "2023-01-01", "2022-02-29", "2024-02-29", "2023-02-30", "0000-00-00")
UNKNOWN_PARAMETERS = (
    "per_page",
    "page_size",
    "limit",
    "offset",
    "format",
    "callback",
    "fields",
    "utm_source",
    "q[]",
    "page[]",
    "Q",
    "",
    " ",
    "\x00",
    "<script>alert(1)</script>",
)


# The values of each parameter that lead somewhere, beside the seed archive's slugs (``SeedArchive``).
VALID_VALUES = {
    "q": (
        "migrants",
        "mobilization",
        "Moscow",
        '"partial mobilization"',
        "draft OR conscription",
        "mobili*",
        "-putin war",
    ),
    "aliases": ("0", "1"),
    "date_from": ("2022-01-01", "2022-09-21", "2023-01-01"),
    "date_to": ("2022-09-30", "2022-12-31", "2024-02-29"),
    "rating": tuple(ClaimRating.values),
    "sort": (*(value for value, _ in SORT_CHOICES), "count", "name", "rating"),
    PAGE_PARAM: ("1", "2", "last"),
    "p": ("1", "2"),
}
# Values that look right and are not: each is a 400 or a 404 with a reason.
PLAUSIBLE_MISTAKES = {
    "source": ("no-such-source",),
    "person": ("no-such-person",),
    "tag": ("no-such-tag",),
    "date_from": DATES,
    "date_to": DATES,
    "rating": ("true", "FALSE"),
    "sort": ("-newest", "relevance,newest", "Newest"),
    PAGE_PARAM: PAGE_NUMBERS,
    "p": PAGE_NUMBERS,
}


@dataclass(frozen=True)
class SeedArchive:
    """What the seed archive holds, to draw values that lead to real pages."""

    objects: dict[str, list[tuple[int, str]]]  # path segment -> [(id, slug)]
    slugs: dict[str, tuple[str, ...]]  # filter parameter -> slugs it takes

    def valid_values(self, name: str) -> tuple[str, ...]:
        return self.slugs.get(name) or VALID_VALUES.get(name, ())

    def parameter_values(self, name: str, *, huge: bool = True) -> st.SearchStrategy[str]:
        """Hostile values for ``name`` (``nasty_text``), with its valid values and plausible mistakes among them."""
        return nasty_text(*self.valid_values(name), *PLAUSIBLE_MISTAKES.get(name, ()), huge=huge)

    def valid_pair(self, names: tuple[str, ...]) -> st.SearchStrategy[tuple[str, str]]:
        return st.sampled_from([(name, value) for name in names for value in self.valid_values(name)])

    def hostile_pair(self, names: st.SearchStrategy[str], *, huge: bool = True) -> st.SearchStrategy[tuple[str, str]]:
        return names.flatmap(lambda name: st.tuples(st.just(name), self.parameter_values(name, huge=huge)))


FILTER_SEGMENTS = {"source": "sources", "person": "people", "tag": "tags"}


@pytest.fixture
def archive(seed_archive) -> SeedArchive:
    objects = {
        segment: list(queryset().order_by("pk").values_list("pk", "slug"))
        for segment, queryset in MODELS_BY_SEGMENT.items()
    }
    slugs = {name: tuple(slug for _, slug in objects[segment]) for name, segment in FILTER_SEGMENTS.items()}
    return SeedArchive(objects=objects, slugs=slugs)


def real_path(name: str, archive: SeedArchive, **parts: str) -> str:
    """The address of route ``name`` that leads to a real page (the first seed object, version 1), but for ``parts``."""
    route = ROUTES[name]
    pk, slug = (archive.objects.get(route_segment(route)) or [(0, "")])[0]
    real = {"pk": str(pk), "slug": slug, "number": "1", "fmt": "bib", "section": next(iter(SITEMAPS))}
    return path_for(route, {**real, **parts})


def repeated(pairs: st.SearchStrategy[list[tuple[str, str]]]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """``pairs`` as drawn, or all of them sent again and again (up to 40 times)."""
    return st.one_of(pairs, st.tuples(pairs, st.integers(2, 40)).map(lambda drawn: drawn[0] * drawn[1]))


def query_pairs(
    archive: SeedArchive, parameters: tuple[str, ...], *, unknown: bool = True
) -> st.SearchStrategy[list[tuple[str, str]]]:
    """A query string of ``parameters`` as (name, value) pairs: mostly valid, a hostile value or two, some repeated.

    Most of the parameters get valid values, so a request gets past the checks of the others
    and what the hostile one does is seen; ``q`` takes any text, so hostile words reach the
    search itself. With ``unknown``, parameters no route reads come along. Only short values
    are repeated: servers refuse request lines past a few kilobytes (gunicorn 4 KB, nginx
    8 KB), and the test client would otherwise send megabytes.
    """
    names = st.sampled_from(parameters)
    unknown_names = st.one_of(st.sampled_from(UNKNOWN_PARAMETERS), random_text)

    def pairs(*, huge: bool):
        parts = [
            st.lists(archive.valid_pair(parameters), max_size=4),
            st.lists(archive.hostile_pair(names, huge=huge), max_size=2),
        ]
        if unknown:
            parts.append(st.lists(archive.hostile_pair(unknown_names, huge=huge), max_size=2))
        return st.tuples(*parts).map(lambda drawn: [pair for part in drawn for pair in part]).flatmap(st.permutations)

    return st.one_of(pairs(huge=True), repeated(pairs(huge=False)))


def get(client, path: str, pairs: list[tuple[str, str]] | None = None, *, raw_query: str | None = None):
    if raw_query is not None:
        return client.get(path, QUERY_STRING=raw_query)
    return client.get(path, pairs or {})


# --- Coverage ------------------------------------------------------------------------------------


def test_every_public_route_is_fuzzed():
    """A route added without saying here what it reads is not fuzzed: this fails until it is listed."""
    assert set(ROUTES) == set(ROUTE_INPUTS), (
        f"not fuzzed: {sorted(set(ROUTES) - set(ROUTE_INPUTS))}; gone: {sorted(set(ROUTE_INPUTS) - set(ROUTES))}"
    )


def test_every_route_answers_its_real_address(client, archive):
    """The baseline the fuzzing departs from: each route's real address is a page (the feeds' too)."""
    for name in ROUTES:
        path = real_path(name, archive)
        response = client.get(path)
        assert response.status_code == 200, (name, path, response.status_code)
        check_answer(name, response, path)


# --- Every route ---------------------------------------------------------------------------------

ALL_PARAMETERS = tuple(sorted({name for inputs in ROUTE_INPUTS.values() for name in inputs.parameters}))


@settings(FUZZ_SETTINGS, max_examples=10)
@given(data=st.data())
def test_any_query_string_on_any_route(client, archive, data):
    """Every parameter any route reads, unknown ones, repeated ones: on every route at once."""
    pairs = data.draw(query_pairs(archive, ALL_PARAMETERS), label="parameters")
    for name in ROUTES:
        check_answer(name, get(client, real_path(name, archive), pairs), repr(pairs))


RAW_QUERY_PIECES = (
    "%",
    "%0",
    "%00",
    "%ZZ",
    "%C3",
    "%C3%28",
    "%FF%FE",
    "%ED%A0%80",  # an encoded surrogate: not UTF-8
    "&",
    "=",
    ";",
    "+",
    "==",
    "&&",
    "q=",
    "page=",
    "source=",
    "sort=",
    "date_from=",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'",
    '"',
    "\xe9",  # WSGI hands request bytes over as Latin-1: a raw é byte
    "\xff",
    "\x00",
    "[]",
    "%5B%5D",
)


@settings(FUZZ_SETTINGS, max_examples=8)
@given(raw_query=st.lists(st.one_of(st.sampled_from(RAW_QUERY_PIECES), random_text), max_size=12).map("".join))
def test_any_raw_query_string_on_any_route(client, archive, raw_query):
    """Query strings as a server passes them on: broken escapes, bytes that are not UTF-8, stray ``=`` and ``&``."""
    raw_query = raw_query.encode("utf-8").decode("latin-1")  # as WSGI holds a request's bytes
    for name in ROUTES:
        check_answer(name, get(client, real_path(name, archive), raw_query=raw_query), raw_query)


def test_too_many_parameters_is_a_designed_400_where_they_are_read(client, archive):
    """Past DATA_UPLOAD_MAX_NUMBER_FIELDS Django refuses to read a query string: a route that reads it answers 400."""
    pairs = [("tag", str(number)) for number in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)]
    for name in ROUTES:
        response = get(client, real_path(name, archive), pairs)
        check_answer(name, response, f"{len(pairs)} parameters")
        if ROUTE_INPUTS[name].parameters:
            assert response.status_code == 400, name


# --- Path parts ----------------------------------------------------------------------------------

ROUTES_WITH_PATH_PARTS = tuple(sorted(name for name, route in ROUTES.items() if CONVERTER.search(route)))
PATH_PARTS = tuple(sorted({match[1] for name in ROUTES_WITH_PATH_PARTS for match in CONVERTER.finditer(ROUTES[name])}))
HOSTILE_PATH_PARTS = {
    "pk": st.one_of(
        st.integers(min_value=0, max_value=10**30).map(str),
        st.sampled_from(("0", "-1", "9" * 19, "9" * 5000, "1e3", "0x10", "٣", "1.0", "+1", " 1")),
    ),
    "slug": st.sampled_from(("wrong-slug", "-", "_", "a" * 1000, "UPPER", "ünïcode", "1")),
    "number": st.sampled_from(("2", "3", "0", "-1", "01", "9" * 30, "9" * 5000)),
    "fmt": st.sampled_from(("json", "pdf", "bib.bib", "BIB", "csl", "csl.json.bib", "ris ")),
    "section": st.sampled_from(("nowhere", "articles.xml", "", "ARTICLES", "articles-1")),
}


@settings(FUZZ_SETTINGS, max_examples=40)
@given(data=st.data())
def test_any_path_part_on_any_route(client, archive, data):
    """Unknown and huge ids, wrong and malformed slugs, version numbers, formats and sitemap sections.

    One or two parts are hostile and the others real, so the view itself, not only the
    resolver, meets the hostile part: an unknown id, a wrong slug (a 301), a version that
    does not exist.
    """
    hostile = data.draw(st.sets(st.sampled_from(PATH_PARTS), min_size=1, max_size=2), label="hostile parts")
    parts = {
        part: data.draw(st.one_of(HOSTILE_PATH_PARTS[part], nasty_text(huge=False)), label=part)
        for part in sorted(hostile)
    }
    for name in ROUTES_WITH_PATH_PARTS:
        path = real_path(name, archive, **parts)
        check_answer(name, client.get(path), path)


# --- The search routes and the paginated ones, each with its own parameters ----------------------

SEARCH_ROUTES = tuple(sorted(name for name, inputs in ROUTE_INPUTS.items() if "q" in inputs.parameters))
PAGINATED_ROUTES = tuple(
    sorted(
        name
        for name, inputs in ROUTE_INPUTS.items()
        if PAGE_PARAM in inputs.parameters and "q" not in inputs.parameters
    )
)


@settings(FUZZ_SETTINGS, max_examples=60)
@given(data=st.data())
def test_search_parameters(client, archive, data):
    """The FilterSet's parameters (q, aliases, source, person, tag, dates, rating, sort) and page, hostile or not.

    The same query string goes to the page, its JSON twin, the CSV export and the feed, which all
    read it with ``ArticleFilterSet``.
    """
    pairs = data.draw(query_pairs(archive, FILTER_PARAMETERS, unknown=False), label="parameters")
    for name in SEARCH_ROUTES:
        check_answer(name, get(client, real_path(name, archive), pairs), repr(pairs))


@settings(FUZZ_SETTINGS, max_examples=25)
@given(data=st.data())
def test_index_and_entity_parameters(client, archive, data):
    """``sort`` and ``page`` on the indexes, ``page`` on a source's, person's or tag's articles."""
    pairs = data.draw(query_pairs(archive, INDEX_PARAMETERS, unknown=False), label="parameters")
    for name in PAGINATED_ROUTES:
        check_answer(name, get(client, real_path(name, archive), pairs), repr(pairs))
