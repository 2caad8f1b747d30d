"""The OpenAPI 3.1 description of the JSON API, written by hand as a Python dict.

``document(server_url)`` is served at ``/api/openapi.json``. The field names here are the API's
contract: every response the views give must validate against these schemas (objects admit no
undocumented field), which tests/test_api_openapi.py checks with openapi-spec-validator and a
schemathesis run. Choices (sorts, ratings, kinds) and page sizes are read from the code that
enforces them, so the description cannot promise a value the views refuse.
"""

from articles.filters import ALIASES_OFF, ALIASES_ON, QUERY_MAX_LENGTH
from articles.models import AliasKind, ClaimRating, DatePrecision, SourceKind, TagKind
from articles.search import PARTIAL_THRESHOLD, SORT_CHOICES, SORT_RELEVANCE
from articles.views import browse
from articles.views.search import RESULTS_PER_PAGE

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
SLUG_PATTERN = "^[-a-zA-Z0-9_]+$"  # Django's <slug:…> path converter


# --- Building blocks -----------------------------------------------------------------------------


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict, description: str) -> dict:
    return {"anyOf": [schema, {"type": "null"}], "description": description}


def obj(description: str, properties: dict) -> dict:
    """An object with exactly these properties, all present (absent values are null, never missing)."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def array(items: dict, description: str) -> dict:
    return {"type": "array", "items": items, "description": description}


def string(description: str, **extra) -> dict:
    return {"type": "string", "description": description, **extra}


def integer(description: str, **extra) -> dict:
    return {"type": "integer", "description": description, **extra}


def uri(description: str) -> dict:
    return string(description, format="uri")


def nullable_uri(description: str) -> dict:
    return {"type": ["string", "null"], "format": "uri", "description": description}


def date(description: str) -> dict:
    return {"type": ["string", "null"], "format": "date", "description": description + " `YYYY-MM-DD`, or null."}


def precision(description: str) -> dict:
    return {
        "type": ["string", "null"],
        "enum": [*DatePrecision.values, None],
        "description": description
        + " How much of the date is known: `day`; `month` (stored as the 1st); `year` (stored as 1 January);"
        " null when there is no date.",
    }


def links(what: str) -> dict:
    return {
        "url": uri(f"Absolute address of the {what}'s HTML page."),
        "api_url": uri(f"Absolute address of the {what}'s JSON twin in this API."),
    }


def entity(what: str) -> dict:
    return {
        "id": integer(f"The {what}'s id: permanent, and what counts in its addresses.", minimum=1),
        "name": string(f"The {what}'s name."),
        "slug": string(f"The {what}'s slug, used in its addresses (a wrong one redirects).", pattern=SLUG_PATTERN),
        **links(what),
    }


def envelope(item: str, description: str, **extra: dict) -> dict:
    """A page of a list: the pagination envelope, ``extra`` fields, then the results."""
    return obj(
        description,
        {
            "count": integer("How many items the whole list has, over all its pages (exact).", minimum=0),
            "page": integer("The number of this page, from 1.", minimum=1),
            "pages": integer("How many pages the list has (1 when it is empty).", minimum=1),
            "next": nullable_uri("Absolute address of the next page, every other parameter kept; null on the last."),
            "previous": nullable_uri(
                "Absolute address of the previous page, every other parameter kept; null on the first."
            ),
            **extra,
            "results": array(ref(item), "The items on this page, in the list's order."),
        },
    )


def counted(description: str, minimum: int = 0) -> dict:
    return integer(description, minimum=minimum)


# --- Schemas -------------------------------------------------------------------------------------

ENTITY_LINK = "EntityLink"

SCHEMAS: dict[str, dict] = {
    ENTITY_LINK: obj("A source, person or tag as other objects refer to it.", entity("source, person or tag")),
    "Source": obj(
        "A publication or organisation: where articles appeared, or who made claims.",
        {
            **entity("source"),
            "kind": string("What the source is.", enum=SourceKind.values),
            "homepage": nullable_uri("The source's own website, or null."),
            "country": {
                "type": ["string", "null"],
                "pattern": "^[A-Z]{2}$",
                "description": "ISO 3166-1 alpha-2 code of its country, or null.",
            },
            "description": string("What the archive says about the source; may be empty."),
        },
    ),
    "PersonAlias": obj(
        "Another way of writing a person's name; searching for it also finds the person's articles.",
        {
            "name": string("The other spelling, transliteration or name."),
            "kind": string("What kind of other name it is.", enum=AliasKind.values),
        },
    ),
    "Tag": obj(
        "A topic, place, event or organisation articles are tagged with.",
        {
            **entity("tag"),
            "kind": string("What the tag stands for.", enum=TagKind.values),
            "description": string("What the tag covers; may be empty."),
        },
    ),
    "CoveredEntity": obj(
        "A person or tag among the most covered, with its count.",
        {
            **entity("person or tag"),
            "article_count": counted(
                "Published articles that mention the person (people) or carry the tag (tags).", minimum=1
            ),
        },
    ),
    "ArticleRef": obj(
        "A published article: what it is, when and where it appeared.",
        {
            "id": integer("The article's id: permanent, and what counts in its addresses.", minimum=1),
            "title": string("The headline."),
            "slug": string("The article's slug, used in its addresses.", pattern=SLUG_PATTERN),
            **links("article"),
            "published_on": date("When it was published (at the precision beside it)."),
            "published_precision": precision("The precision of `published_on`."),
            "source": nullable(ref(ENTITY_LINK), "Where it appeared, or null if unknown."),
        },
    ),
    "Paragraph": obj(
        "One paragraph of an article's text.",
        {
            "number": integer("The paragraph's number, from 1: `#p<number>` on the article page.", minimum=1),
            "url": uri("Absolute address of the paragraph on the article's HTML page (ending `#p<number>`)."),
            "text": string("The paragraph's plain text."),
        },
    ),
    "Claimant": obj(
        "Who made a claim: a person, a source, or both.",
        {
            "name": string("The claimant's names as the page shows them (person, source)."),
            "person": nullable(ref(ENTITY_LINK), "The person who made the claim, or null."),
            "source": nullable(ref(ENTITY_LINK), "The source that made the claim, or null."),
        },
    ),
    "ArticleClaim": obj(
        "A claim an article reports, with the paragraph where it appears.",
        {
            "id": integer("The claim's id.", minimum=1),
            "slug": string("The claim's slug.", pattern=SLUG_PATTERN),
            "statement": string("The claim in the archive's own neutral words."),
            "claimant": ref("Claimant"),
            "rating": string("How the claim holds up, in the editors' judgement.", enum=ClaimRating.values),
            "paragraph": integer("The number of the article's paragraph that reports the claim.", minimum=1),
            "paragraph_url": uri("Absolute address of that paragraph on the article's HTML page."),
            **links("claim"),
        },
    ),
    "ClaimReport": obj(
        "A published article reporting a claim, quoted at its paragraph.",
        {
            "article": ref("ArticleRef"),
            "paragraph": integer("The number of the article's paragraph that reports the claim.", minimum=1),
            "paragraph_url": uri("Absolute address of that paragraph on the article's HTML page."),
            "paragraph_text": string("The text of that paragraph."),
        },
    ),
    "SnippetFragment": obj(
        "A piece of a search snippet; joined in order, the pieces are the snippet.",
        {
            "text": string("Plain text (not HTML)."),
            "highlighted": {"type": "boolean", "description": "True for a match of the search words."},
        },
    ),
    "FacetValue": obj(
        "One value of a facet and the search that applies it.",
        {
            "label": string("The value as people read it: a name, or a year."),
            "value": string("The parameter value it sets: a slug, or for `year` the year (which sets a date range)."),
            "count": counted("How many results the search that applies it has (exactly)."),
            "url": uri("Absolute address of the search page with this value applied (and no page)."),
            "api_url": uri("Absolute address of the search API with this value applied (and no page)."),
        },
    ),
    "Facet": obj(
        "Counts of the current results by source, person, tag or year, most frequent first.",
        {
            "name": string("Which facet: the parameter its values set.", enum=["source", "person", "tag", "year"]),
            "label": string("The facet's heading."),
            "widens": {
                "type": "boolean",
                "description": "True when the parameter already has a value: another widens the results (any of them).",
            },
            "values": array(ref("FacetValue"), "Its values, at most 10."),
        },
    ),
    "ActiveFilter": obj(
        "A filter in effect (the search words aside), and the search without it.",
        {
            "label": string('What the filter is, e.g. "Tag: Russia".'),
            "url": uri("Absolute address of the search page without this filter (and no page)."),
            "api_url": uri("Absolute address of the search API without this filter (and no page)."),
        },
    ),
    "Correction": obj(
        "The search words respelled from the archive's own vocabulary.",
        {
            "query": string("The respelled search words."),
            "url": uri("Absolute address of the search page for them."),
            "api_url": uri("Absolute address of the search API for them."),
        },
    ),
    "Suggestions": obj(
        "What to try when nothing matched.",
        {
            "correction": nullable(ref("Correction"), "A respelling of the search words, or null."),
            "people": array(ref(ENTITY_LINK), "The people whose names or aliases are nearest the search words."),
            "tags": array(ref(ENTITY_LINK), "The tags whose names are nearest the search words."),
        },
    ),
    "PreciseDate": obj(
        "A date with its precision.",
        {
            "date": string("The date, `YYYY-MM-DD`.", format="date"),
            "precision": string("How much of it is known.", enum=DatePrecision.values),
        },
    ),
    "DateSpan": obj(
        "How many published articles there are and the dates they span.",
        {
            "count": counted("Published articles."),
            "undated": counted("Of those, how many have no date."),
            "first": nullable(ref("PreciseDate"), "The earliest date, or null with no dated article."),
            "last": nullable(ref("PreciseDate"), "The date whose period ends last, or null with no dated article."),
        },
    ),
    "BadRequest": obj(
        "A parameter was invalid; nothing was filtered silently.",
        {
            "status": integer("The HTTP status, 400.", enum=[400]),
            "errors": {
                "type": "object",
                "description": "Each parameter at fault and its messages, as the HTML page shows them.",
                "additionalProperties": array(string("A message."), "The parameter's messages."),
            },
        },
    ),
    "NotFound": obj(
        "Nothing public is at this address: an unknown or unpublished id, a page past the end, an unknown path.",
        {
            "status": integer("The HTTP status, 404.", enum=[404]),
            "detail": string("What was not found."),
        },
    ),
    "Redirect": obj(
        "The resource's canonical address is elsewhere (an outdated slug, or a merged person or tag).",
        {
            "status": integer("The HTTP status, 301.", enum=[301]),
            "detail": string("Why the client is redirected."),
            "location": uri("The canonical address, query string kept (also in the Location header)."),
        },
    ),
}

ARTICLE_REF = SCHEMAS["ArticleRef"]["properties"]
ARTICLE_SUMMARY = {
    **ARTICLE_REF,
    "authors": array(ref(ENTITY_LINK), "Who wrote it, by name."),
    "people": array(ref(ENTITY_LINK), "The people it mentions, by name."),
    "tags": array(ref(ENTITY_LINK), "Its tags, by name."),
    "summary": string("The archive's summary; may be empty."),
}
SCHEMAS["ArticleSummary"] = obj("A published article in a list.", ARTICLE_SUMMARY)
SCHEMAS["SearchResult"] = obj(
    "A search result, as the search page shows it.",
    {
        **ARTICLE_SUMMARY,
        "snippet": {
            "type": ["string", "null"],
            "description": "With search words: plain text around the matches in the body (the page's highlighted"
            " excerpt, without markup). Null when browsing without search words.",
        },
        "snippet_fragments": array(
            ref("SnippetFragment"),
            "The snippet cut where highlighting starts and stops, so a client can mark the matches; empty when"
            " `snippet` is null.",
        ),
        "rank": {
            "type": ["number", "null"],
            "minimum": 0,
            "description": "With search words: relevance (BM25-like: rarer words and more occurrences score higher;"
            " comparable within one search only; 0 for matches beyond the newest 5,000 of a very common word)."
            " Null when browsing.",
        },
        "partial_match": {
            "type": "boolean",
            "description": "True when the article has only some of the search words: added because few or no"
            " articles have all of them; ranked with those that have every word, by the same score.",
        },
        "alias_match": {
            "type": "boolean",
            "description": "True when the article was found only because it is linked to a person the search words"
            " name (by name or alias), not by its text; such results come after the others.",
        },
        "alias_people": array(ref(ENTITY_LINK), "For an alias match, the people through whom it was found."),
    },
)
SCHEMAS["ArticleDetail"] = obj(
    "Every public field of a published article.",
    {
        "id": ARTICLE_REF["id"],
        "title": ARTICLE_REF["title"],
        "title_is_editorial": {
            "type": "boolean",
            "description": "True when the archive wrote the headline because the original text had none.",
        },
        "slug": ARTICLE_REF["slug"],
        **links("article"),
        "status": string(
            "Always `published` here; a retracted article answers a `RetractedArticle`.", enum=["published"]
        ),
        "published_on": ARTICLE_REF["published_on"],
        "published_precision": ARTICLE_REF["published_precision"],
        "published_note": string("How the publication date was established; may be empty."),
        "source": ARTICLE_REF["source"],
        "authors": ARTICLE_SUMMARY["authors"],
        "people": ARTICLE_SUMMARY["people"],
        "tags": ARTICLE_SUMMARY["tags"],
        "summary": ARTICLE_SUMMARY["summary"],
        "language": string("BCP 47 language tag of the text, e.g. `en`.", pattern="^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"),
        "original_url": nullable_uri("Where the article was originally published, or null."),
        "paragraphs": array(ref("Paragraph"), "The text, paragraph by paragraph, in order."),
        "body_sha256": string(
            "SHA-256 (hex) of the normalised text (paragraphs joined by a blank line): cite it to prove what you read.",
            pattern="^[0-9a-f]{64}$",
        ),
        "archived_at": string("When the archive captured this text (ISO 8601, with offset).", format="date-time"),
        "claims": array(ref("ArticleClaim"), "The claims the article reports, by paragraph."),
        "versions": array(
            ref("ArticleVersion"),
            "Earlier texts a correction replaced, oldest first; empty if the text was never corrected. The text"
            " above is the current one (`current_version`).",
        ),
        "current_version": obj(
            "The permanent address of the text as it is now: it keeps showing these words after a correction.",
            {
                "number": integer("The current text's version number: one more than the earlier versions.", minimum=1),
                "url": uri("Absolute address of its HTML page."),
                "api_url": uri("Absolute address of its JSON twin."),
            },
        ),
        "also_reported_in": array(
            ref("NearDuplicate"),
            "Other published articles that retell the same report (they share passages of eight or more words,"
            " or mostly the same text), strongest first, then newest. Empty when none.",
        ),
    },
)
SCHEMAS["RetractedArticle"] = obj(
    "An article its editors retracted: what it was, where and when it appeared, and why it was retracted. Its"
    " text and everything drawn from it (summary, paragraphs, claims, versions, digest) are no longer shown.",
    {
        **ARTICLE_REF,
        "status": string("Always `retracted`.", enum=["retracted"]),
        "retraction_note": string("The editors' public note: why the article was retracted (never empty)."),
        "retracted_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "When it was retracted (ISO 8601, with offset); null if the archive did not record it.",
        },
    },
)
SCHEMAS["ArticleAtItsAddress"] = {
    "description": "What an article's address answers: the article (`status` `published`) or, once retracted, only"
    " its retraction note (`status` `retracted`).",
    "oneOf": [ref("ArticleDetail"), ref("RetractedArticle")],
    "discriminator": {
        "propertyName": "status",
        "mapping": {
            "published": "#/components/schemas/ArticleDetail",
            "retracted": "#/components/schemas/RetractedArticle",
        },
    },
}
SCHEMAS["NearDuplicate"] = obj(
    "Another telling of the same report, and what the two texts share (counted in the shorter text).",
    {
        "article": ref("ArticleRef"),
        "shared_passages": integer("How many passages of eight or more words the two texts share.", minimum=1),
        "shared_words": integer("How many words those passages hold.", minimum=1),
        "containment": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "The share of the shorter text inside those passages, from 0 to 1.",
        },
        "mostly_same_text": {
            "type": "boolean",
            "description": "True when the passages cover at least half of the shorter text.",
        },
    },
)

VERSION = {
    "number": integer("The version's number: 1 is the first text archived.", minimum=1),
    "title": string("The headline the article had then."),
    "body_sha256": string("SHA-256 (hex) of that normalised text.", pattern="^[0-9a-f]{64}$"),
    "archived_at": string("When the archive captured that text (ISO 8601, with offset).", format="date-time"),
    "superseded_at": {
        "type": ["string", "null"],
        "format": "date-time",
        "description": "When a correction replaced that text (ISO 8601, with offset); null for the current text.",
    },
    "url": uri("Absolute address of the version's HTML page."),
    "api_url": uri("Absolute address of the version's JSON twin."),
}
SCHEMAS["ArticleVersion"] = obj(
    "A text of an article at its permanent version address: an earlier one a correction replaced, or the current one.",
    VERSION,
)
SCHEMAS["TextChange"] = obj(
    "One paragraph the correction changed, word by word.",
    {
        "old_number": {
            "type": ["integer", "null"],
            "minimum": 1,
            "description": "The paragraph's number in this version; null for a paragraph the correction added.",
        },
        "new_number": {
            "type": ["integer", "null"],
            "minimum": 1,
            "description": "Its number in the text compared with; null for a paragraph the correction removed.",
        },
        "segments": array(
            obj(
                "A run of words.",
                {
                    "operation": string(
                        "`equal`: kept; `delete`: only in this version; `insert`: only in the text compared with.",
                        enum=["equal", "delete", "insert"],
                    ),
                    "text": string("The words, separated by single spaces."),
                },
            ),
            "The paragraph as runs of kept, removed and added words, in order.",
        ),
    },
)
SCHEMAS["ArticleVersionDetail"] = obj(
    "A text of an article in full at its version address and, for an earlier one, what the correction that"
    " replaced it changed.",
    {
        **VERSION,
        "article": ref("ArticleRef"),
        "paragraphs": array(ref("Paragraph"), "The text, paragraph by paragraph (anchors on the version page)."),
        "compared_with": nullable(
            ref("ComparedText"), "For an earlier text, the text it is compared with; null for the current text."
        ),
        "changes": {
            "type": ["array", "null"],
            "items": ref("TextChange"),
            "description": "For an earlier text, the paragraphs the correction changed, in order (unchanged ones left"
            " out); null for the current text.",
        },
    },
)
SCHEMAS["ComparedText"] = obj(
    "The text an earlier version is compared with: the next version, or the current text.",
    {
        "number": {
            "type": ["integer", "null"],
            "minimum": 1,
            "description": "The next version's number; null when it is the current text.",
        },
        "title": string("Its headline."),
        "url": uri("Absolute address of its HTML page."),
        "api_url": uri("Absolute address of its JSON twin."),
    },
)

CLAIM_SUMMARY = {
    "id": integer("The claim's id: permanent, and what counts in its addresses.", minimum=1),
    "slug": string("The claim's slug, used in its addresses.", pattern=SLUG_PATTERN),
    "statement": string("The claim in the archive's own neutral words."),
    "quote": string("The claimant's words verbatim, where a text quotes them; may be empty."),
    "claimant": ref("Claimant"),
    "claimed_on": date("When the claim was made (at the precision beside it)."),
    "claimed_precision": precision("The precision of `claimed_on`."),
    "rating": string("How the claim holds up, in the editors' judgement.", enum=ClaimRating.values),
    "report_count": counted("How many published articles report it.", minimum=1),
    "first_reported_on": date("The date of the earliest dated published report."),
    "first_reported_precision": precision("The precision of `first_reported_on`."),
    **links("claim"),
}
SCHEMAS["ClaimSummary"] = obj("A claim at least one published article reports.", CLAIM_SUMMARY)
SCHEMAS["ClaimDetail"] = obj(
    "A claim, the editor's note on its rating, and the published articles reporting it.",
    {
        **CLAIM_SUMMARY,
        "rating_note": string("The editor's reasons for the rating; may be empty."),
        "reports": array(ref("ClaimReport"), "Each published article reporting it, oldest first."),
    },
)

SOURCE = SCHEMAS["Source"]["properties"]
PERSON = {**entity("person"), "description": string('A short role, e.g. "Chairman of …"; may be empty.')}
TAG = SCHEMAS["Tag"]["properties"]
ARTICLE_COUNT = counted("How many published articles it has (for people: mentioning them or by them).")
CLAIM_COUNT = counted("How many claims it made that published articles report.")
CLAIMS = array(ref("ClaimSummary"), "The claims it made that published articles report, newest first.")
ARTICLES = ref("ArticlePage")

SCHEMAS.update(
    {
        "Person": obj("Someone who writes, is mentioned, or makes claims.", PERSON),
        "SourceWithCounts": obj(
            "A source in the index.", {**SOURCE, "article_count": ARTICLE_COUNT, "claim_count": CLAIM_COUNT}
        ),
        "PersonWithCounts": obj(
            "A person in the index.", {**PERSON, "article_count": ARTICLE_COUNT, "claim_count": CLAIM_COUNT}
        ),
        "TagWithCounts": obj("A tag in the index.", {**TAG, "article_count": ARTICLE_COUNT}),
        "SourceDetail": obj(
            "A source, its claims, and its published articles.", {**SOURCE, "claims": CLAIMS, "articles": ARTICLES}
        ),
        "PersonDetail": obj(
            "A person, their aliases and claims, and the published articles mentioning them or by them.",
            {
                **PERSON,
                "aliases": array(ref("PersonAlias"), "Other spellings and transliterations of their name."),
                "claims": CLAIMS,
                "articles": ARTICLES,
            },
        ),
        "TagDetail": obj("A tag and its published articles.", {**TAG, "articles": ARTICLES}),
        "ArticlePage": envelope(
            "ArticleSummary", f"A page of published articles, newest first, {browse.ARTICLE_PAGE_SIZE} a page."
        ),
    }
)

for name, item, view in (
    ("SourceList", "SourceWithCounts", browse.SourceListView),
    ("PersonList", "PersonWithCounts", browse.PersonListView),
    ("TagList", "TagWithCounts", browse.TagListView),
    ("ClaimList", "ClaimSummary", browse.ClaimListView),
):
    SCHEMAS[name] = envelope(
        item,
        f"A page of the index, {view.paginate_by} a page.",
        sort=string("The order in effect.", enum=list(view.sorts)),
    )

SCHEMAS["SearchPage"] = envelope(
    "SearchResult",
    f"A page of search results, {RESULTS_PER_PAGE} a page, exactly as the search page lists them.",
    query=string("The search words in effect; empty when browsing."),
    sort=string(
        "The order in effect: `relevance` needs search words, so without them it is `newest`.",
        enum=[value for value, _ in SORT_CHOICES],
    ),
    people=array(ref(ENTITY_LINK), "The people the search words name (by name or alias), when there are results."),
    active_filters=array(ref("ActiveFilter"), "Each filter value in effect, with the search that drops it."),
    facets=array(ref("Facet"), "Counts of the results by source, person, tag and year; empty with no results."),
    suggestions=nullable(ref("Suggestions"), "When search words matched nothing: what to try instead; else null."),
    partial_match={
        "type": "boolean",
        "description": f"True when fewer than {PARTIAL_THRESHOLD} articles have every search word, so the results"
        " (and `count` and `facets`) also include articles with most of the words, flagged `partial_match`.",
    },
    words_not_found=array(
        {"type": "string"}, "With `partial_match`: the search words (or phrases) that no article has at all."
    ),
)

ENDPOINT_NAMES = ("search", "sources", "people", "tags", "claims", "openapi")
SCHEMAS["Home"] = obj(
    "The home page's data and the API's entry points.",
    {
        "latest_articles": array(ref("ArticleSummary"), "The 10 most recently published articles, newest first."),
        "most_covered_people": array(ref("CoveredEntity"), "The people most articles mention (up to 10)."),
        "most_covered_tags": array(ref("CoveredEntity"), "The tags on most articles (up to 10)."),
        "totals": obj(
            "How much the archive holds.",
            {
                "articles": counted("Published articles."),
                "sources": counted("Sources."),
                "people": counted("People."),
                "tags": counted("Tags."),
                "claims": counted("Claims that published articles report."),
            },
        ),
        "span": ref("DateSpan"),
        "endpoints": obj(
            "Absolute addresses of the API's lists and of this description.",
            {name: uri(f"The `{name}` endpoint.") for name in ENDPOINT_NAMES},
        ),
    },
)


# --- Parameters ----------------------------------------------------------------------------------


def query_param(name: str, description: str, schema: dict, **extra) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema, **extra}


def repeatable(name: str, description: str, items: dict) -> dict:
    return query_param(name, description, {"type": "array", "items": items}, style="form", explode=True)


PARAMETERS = {
    "q": query_param(
        "q",
        'Search words in web-search syntax: words (all of them), "a phrase", `OR`, `-word` to exclude, `word*` for'
        " a prefix. British and American spellings meet. Blank means browse: every article the filters allow.",
        {"type": "string", "maxLength": QUERY_MAX_LENGTH},
    ),
    "aliases": query_param(
        "aliases",
        "`1` (default): also find articles linked to a person the search words name, by name or alias."
        " `0`: match the text only.",
        {"type": "string", "enum": [ALIASES_ON, ALIASES_OFF], "default": ALIASES_ON},
    ),
    "source": repeatable(
        "source",
        "Source slugs; repeat for any of several. An unknown slug is a 400.",
        {"type": "string", "pattern": SLUG_PATTERN},
    ),
    "person": repeatable(
        "person",
        "Person slugs, matching articles that mention the person or that they wrote; repeat for any of several."
        " An unknown slug is a 400.",
        {"type": "string", "pattern": SLUG_PATTERN},
    ),
    "tag": repeatable(
        "tag",
        "Tag slugs; repeat for any of several. An unknown slug is a 400.",
        {"type": "string", "pattern": SLUG_PATTERN},
    ),
    "date_from": query_param(
        "date_from",
        "Published on or after this day (`YYYY-MM-DD`).",
        {"type": "string", "format": "date"},
    ),
    "date_to": query_param(
        "date_to",
        "Published on or before this day (`YYYY-MM-DD`); not before `date_from`.",
        {"type": "string", "format": "date"},
    ),
    "rating": repeatable(
        "rating",
        "Articles reporting a claim rated so; repeat for any of several.",
        {"type": "string", "enum": ClaimRating.values},
    ),
    "search_sort": query_param(
        "sort",
        "`relevance` (the default with search words; without them there is nothing to rank, so `newest`),"
        " `newest` or `oldest`. Ties are broken by id, so pages are stable.",
        {"type": "string", "enum": [value for value, _ in SORT_CHOICES], "default": SORT_RELEVANCE},
    ),
    "page": query_param(
        "page",
        "The page, from 1 (the default). Not a whole number from 1: 400. Past the last page: 404.",
        {"type": "integer", "minimum": 1, "default": 1},
    ),
    "pk": {
        "name": "pk",
        "in": "path",
        "required": True,
        "description": "The id: what counts. An unknown id, or one readers may not see (a draft), is a 404.",
        "schema": {"type": "integer", "format": "int64", "minimum": 1},
    },
    "slug": {
        "name": "slug",
        "in": "path",
        "required": True,
        "description": "The slug: any other than the current one answers 301 to the canonical address.",
        "schema": {"type": "string", "pattern": SLUG_PATTERN},
    },
    "number": {
        "name": "number",
        "in": "path",
        "required": True,
        "description": "The version's number, from 1. A number the article has no version with is a 404.",
        "schema": {"type": "integer", "format": "int64", "minimum": 1},
    },
}
SEARCH_PARAMETERS = ["q", "aliases", "source", "person", "tag", "date_from", "date_to", "rating", "search_sort", "page"]


def param(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


def index_sort(view) -> dict:
    return query_param(
        "sort",
        "The order: " + ", ".join(f"`{value}` ({sort.label})" for value, sort in view.sorts.items()) + ".",
        {"type": "string", "enum": list(view.sorts), "default": view.default_sort},
    )


# --- Responses and paths -------------------------------------------------------------------------

CORS_HEADER = {
    "Access-Control-Allow-Origin": {
        "description": "Always `*`: the API is public and read-only.",
        "schema": {"type": "string", "enum": ["*"]},
    }
}


def json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


RESPONSES = {
    "BadRequest": {
        "description": "A parameter is invalid: each one at fault with its messages.",
        "headers": CORS_HEADER,
        "content": json_content(ref("BadRequest")),
    },
    "NotFound": {
        "description": "Not found: an unknown or unpublished id, or a page past the end.",
        "headers": CORS_HEADER,
        "content": json_content(ref("NotFound")),
    },
    "MovedPermanently": {
        "description": "An outdated slug (or a merged person or tag): the canonical address, query string kept.",
        "headers": {
            **CORS_HEADER,
            "Location": {"description": "The canonical address.", "schema": {"type": "string", "format": "uri"}},
        },
        "content": json_content(ref("Redirect")),
    },
}


def operation(operation_id: str, summary: str, description: str, schema: str, parameters: list, *, detail=False):
    responses = {
        "200": {"description": summary, "headers": CORS_HEADER, "content": json_content(ref(schema))},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "404": {"$ref": "#/components/responses/NotFound"},
    }
    if detail:
        responses["301"] = {"$ref": "#/components/responses/MovedPermanently"}
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "description": description,
            "parameters": parameters,
            "responses": responses,
        }
    }


DETAIL_PARAMETERS = [param("pk"), param("slug")]

PATHS = {
    "/api/": operation(
        "home",
        "The home page's data and the API's entry points",
        "The latest articles, the most-covered people and tags, totals and the archive's span, and the address"
        " of every list and of this description. Twin of `/`.",
        "Home",
        [],
    ),
    "/api/search/": operation(
        "search",
        "Search and filter published articles",
        "Twin of `/search/`: the same parameters with the same meaning and checks, the same results in the same"
        f" order, the same count, {RESULTS_PER_PAGE} a page, with facets, active filters and, when nothing"
        " matched, suggestions. Every parameter narrows the results: any value within one parameter, all"
        " parameters together.",
        "SearchPage",
        [param(name) for name in SEARCH_PARAMETERS],
    ),
    "/api/articles/{pk}/{slug}/": operation(
        "article_detail",
        "A published article, or a retracted one's note",
        "Every public field, the text paragraph by paragraph with the address of each paragraph, the digest,"
        " and the claims it reports. A retracted article answers at the same address with its retraction note"
        " and none of its text (`status` tells which). Twin of `/articles/{pk}/{slug}/`.",
        "ArticleAtItsAddress",
        DETAIL_PARAMETERS,
        detail=True,
    ),
    "/api/articles/{pk}/{slug}/versions/{number}/": operation(
        "article_version",
        "A text of a published article at its permanent address",
        "Version `number` of the article: an earlier text as the archive held it until a correction replaced it,"
        " with its digest and what the correction changed, word by word; or, numbered one more than the"
        " earlier ones, the current text (which this address keeps showing after a correction). Twin of"
        " `/articles/{pk}/{slug}/versions/{number}/`.",
        "ArticleVersionDetail",
        [*DETAIL_PARAMETERS, param("number")],
        detail=True,
    ),
}
for route, kind, plural, view, detail_schema, list_schema in (
    ("sources", "source", "sources", browse.SourceListView, "SourceDetail", "SourceList"),
    ("people", "person", "people", browse.PersonListView, "PersonDetail", "PersonList"),
    ("tags", "tag", "tags", browse.TagListView, "TagDetail", "TagList"),
    ("claims", "claim", "claims", browse.ClaimListView, "ClaimDetail", "ClaimList"),
):
    PATHS[f"/api/{route}/"] = operation(
        f"{kind}_list",
        f"Every {kind}, with counts",
        f"Twin of `/{route}/`: the index of {plural} with the same sorts, {view.paginate_by} a page."
        + (" Only claims a published article reports." if kind == "claim" else ""),
        list_schema,
        [index_sort(view), param("page")],
    )
    paginated_detail = kind != "claim"
    PATHS[f"/api/{route}/{{pk}}/{{slug}}/"] = operation(
        f"{kind}_detail",
        f"One {kind}" + (" and its published articles" if paginated_detail else " and its reports"),
        f"Twin of `/{route}/{{pk}}/{{slug}}/`"
        + (
            f": its published articles newest first, {browse.ARTICLE_PAGE_SIZE} a page (`articles`)."
            if paginated_detail
            else ": a claim no published article reports is not found."
        ),
        detail_schema,
        [*DETAIL_PARAMETERS, *([param("page")] if paginated_detail else [])],
        detail=True,
    )
PATHS["/api/openapi.json"] = {
    "get": {
        "operationId": "openapi",
        "summary": "This description",
        "description": "The OpenAPI 3.1 description of the API, with this server's address.",
        "responses": {
            "200": {
                "description": "The OpenAPI document.",
                "headers": CORS_HEADER,
                "content": json_content({"type": "object", "description": "An OpenAPI 3.1 document."}),
            }
        },
    }
}


def document(server_url: str) -> dict:
    """The OpenAPI document, with ``server_url`` (the site's root, e.g. ``https://archive.example.org/``)."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "News archive API",
            "version": API_VERSION,
            "summary": "Read-only JSON twin of every public page of the news archive.",
            "description": (
                "The JSON twin of the HTML page at `P` is `/api` + `P`, with the same query parameters, checked"
                " the same way. Only published articles appear anywhere, and only claims a published article"
                " reports; a retracted article's own address answers with its retraction note only. Every list"
                " is paginated in one envelope (`count`, `page`, `pages`, `next`, `previous`, `results`)."
                " Errors are JSON too: 400 `{status, errors: {parameter: [messages]}}`,"
                " 404 `{status, detail}`. Dates are `YYYY-MM-DD` with their precision beside them; datetimes are"
                " ISO 8601 with their offset; links are absolute. Search results can also be downloaded as CSV"
                " from `/search/export.csv` with the same parameters (not part of this JSON API)."
            ),
        },
        "servers": [{"url": server_url, "description": "This server."}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS, "parameters": PARAMETERS, "responses": RESPONSES},
    }
