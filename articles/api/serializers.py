"""Models as JSON-ready dicts: one small function per shape, each shape a schema in ``openapi``.

Every function takes the request first: links are absolute and built from the address the
client used. ``url`` is always the HTML page and ``api_url`` its JSON twin. Field names are part
of the API; change them only together with ``articles/api/openapi.py`` (the tests check that
every response matches it).

Conventions: dates are ``YYYY-MM-DD`` with their precision beside them, datetimes ISO 8601 with
their offset; a missing date, precision, link or code is ``null``; a missing free text (summary,
note, description) is ``""``, as in the database.
"""

import datetime
import html
import re

from django.db.models import Model
from django.http import HttpRequest, QueryDict
from django.urls import reverse

from articles.filters import ActiveFilter, ArticleFilterSet, Facet, FacetValue
from articles.models import Article, ArticleVersion, Claim, ClaimReport, NearDuplicate, Person, Source, Tag
from articles.paths import route_path
from articles.search import HIGHLIGHT_START, HIGHLIGHT_STOP, Suggestions
from articles.timeline import DateSpan, PreciseDate

_HIGHLIGHTED = re.compile(f"{re.escape(HIGHLIGHT_START)}(.*?){re.escape(HIGHLIGHT_STOP)}", re.DOTALL)


# --- Links ---------------------------------------------------------------------------------------


def absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def api_path(obj: Model) -> str:
    """The path of the JSON twin of an article, source, person, tag or claim page.

    The API's detail routes are named like the pages': ``<model name>_detail``.
    """
    return route_path(f"api:{obj._meta.model_name}_detail", pk=obj.pk, slug=obj.slug)


def links(request: HttpRequest, obj: Model) -> dict:
    return {"url": absolute(request, obj.get_absolute_url()), "api_url": absolute(request, api_path(obj))}


def search_links(request: HttpRequest, query_string: str) -> dict:
    """The search page and its JSON twin for a query string (``"?…"``, as the FilterSet writes them)."""
    return {
        "url": absolute(request, route_path("articles:search") + query_string),
        "api_url": absolute(request, route_path("api:search") + query_string),
    }


def iso_date(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


# --- Sources, people, tags -----------------------------------------------------------------------


def entity_ref(request: HttpRequest, obj: Source | Person | Tag | None) -> dict | None:
    """A source, person or tag as other objects refer to it."""
    if obj is None:
        return None
    return {"id": obj.pk, "name": obj.name, "slug": obj.slug, **links(request, obj)}


def entity_refs(request: HttpRequest, objects) -> list[dict]:
    return [entity_ref(request, obj) for obj in objects]


def source(request: HttpRequest, obj: Source) -> dict:
    return {
        **entity_ref(request, obj),
        "kind": obj.kind,
        "homepage": obj.homepage or None,
        "country": obj.country or None,
        "description": obj.description,
    }


def source_with_counts(request: HttpRequest, obj: Source) -> dict:
    """A source in the index (annotated by ``with_article_counts``)."""
    return {**source(request, obj), "article_count": obj.article_count, "claim_count": obj.claim_count}


def person(request: HttpRequest, obj: Person) -> dict:
    return {**entity_ref(request, obj), "description": obj.description}


def person_with_aliases(request: HttpRequest, obj: Person) -> dict:
    return {
        **person(request, obj),
        "aliases": [{"name": alias.name, "kind": alias.kind} for alias in obj.aliases.all()],
    }


def person_with_counts(request: HttpRequest, obj: Person) -> dict:
    """A person in the index (annotated by ``with_article_counts``)."""
    return {**person(request, obj), "article_count": obj.article_count, "claim_count": obj.claim_count}


def tag(request: HttpRequest, obj: Tag) -> dict:
    return {**entity_ref(request, obj), "kind": obj.kind, "description": obj.description}


def tag_with_counts(request: HttpRequest, obj: Tag) -> dict:
    """A tag in the index (annotated by ``with_article_counts``)."""
    return {**tag(request, obj), "article_count": obj.article_count}


def covered(request: HttpRequest, obj: Person | Tag, count: int) -> dict:
    """A person or tag among the most covered, with its number of published articles."""
    return {**entity_ref(request, obj), "article_count": count}


# --- Articles ------------------------------------------------------------------------------------


def article_ref(request: HttpRequest, article: Article) -> dict:
    """An article as a claim's report refers to it: what it is, when and where it appeared."""
    return {
        "id": article.pk,
        "title": article.title,
        "slug": article.slug,
        **links(request, article),
        "published_on": iso_date(article.published_on),
        "published_precision": article.published_precision or None,
        "source": entity_ref(request, article.source),
    }


def article_summary(request: HttpRequest, article: Article) -> dict:
    """An article in a list, its people and tags loaded by ``article_links_load``."""
    return {
        **article_ref(request, article),
        "authors": entity_refs(request, article.listed_authors),
        "people": entity_refs(request, article.listed_people),
        "tags": entity_refs(request, article.listed_tags),
        "summary": article.summary,
    }


def search_result(request: HttpRequest, article: Article) -> dict:
    """A search hit as the search page shows it: the summary plus its snippet, rank and alias match.

    ``article`` comes from ``SearchView``: ``headline`` set by ``ArticleSearch.headlines`` and,
    for an alias match, ``alias_people``. Browsing without search words has no snippet or rank.
    """
    snippet, fragments = snippet_fragments(getattr(article, "headline", ""))
    return {
        **article_summary(request, article),
        "snippet": snippet,
        "snippet_fragments": fragments,
        "rank": getattr(article, "rank", None),
        "alias_match": bool(getattr(article, "alias_match", False)),
        "partial_match": bool(getattr(article, "partial_match", False)),
        "alias_people": entity_refs(request, getattr(article, "alias_people", [])),
    }


def snippet_fragments(headline: str) -> tuple[str | None, list[dict]]:
    """The search page's headline (HTML-escaped text, matches in <mark>) as plain text and fragments.

    Plain text, not HTML, so no client has to sanitise it: the fragments, joined, are the
    snippet, and those with ``highlighted`` true are the matches to emphasise.
    """
    if not headline:
        return None, []
    fragments, position = [], 0
    for match in _HIGHLIGHTED.finditer(headline):
        if match.start() > position:
            fragments.append({"text": html.unescape(headline[position : match.start()]), "highlighted": False})
        fragments.append({"text": html.unescape(match.group(1)), "highlighted": True})
        position = match.end()
    if position < len(headline):
        fragments.append({"text": html.unescape(headline[position:]), "highlighted": False})
    return "".join(fragment["text"] for fragment in fragments), fragments


def paragraph_url(request: HttpRequest, article: Article, number: int) -> str:
    return absolute(request, f"{article.get_absolute_url()}#p{number}")


def article_detail(request: HttpRequest, article: Article) -> dict:
    """Every public field of an article (as ``ArticleDetailView`` loads it), its paragraphs and claims."""
    earlier_versions = article.earlier_versions
    return {
        "id": article.pk,
        "title": article.title,
        "title_is_editorial": article.title_is_editorial,
        "slug": article.slug,
        **links(request, article),
        "status": article.status,
        "published_on": iso_date(article.published_on),
        "published_precision": article.published_precision or None,
        "published_note": article.published_note,
        "source": entity_ref(request, article.source),
        "authors": entity_refs(request, article.listed_authors),
        "people": entity_refs(request, article.listed_people),
        "tags": entity_refs(request, article.listed_tags),
        "summary": article.summary,
        "language": article.language,
        "original_url": article.url or None,
        "paragraphs": [
            {"number": number, "url": paragraph_url(request, article, number), "text": text}
            for number, text in enumerate(article.paragraphs, start=1)
        ],
        "body_sha256": article.body_sha256,
        "archived_at": article.archived_at.isoformat(),
        "claims": [article_claim(request, article, report) for report in article.claims_reported],
        "versions": [version(request, earlier) for earlier in earlier_versions],
        "current_version": current_version(request, article, len(earlier_versions)),
        "also_reported_in": [near_duplicate(request, pair) for pair in article.also_reported_in],
    }


def retracted_article(request: HttpRequest, article: Article) -> dict:
    """A retracted article: what it was, where and when it appeared, and the editor's note; never its text.

    Nothing derived from the text either (summary, paragraphs, claims, versions, digest): the
    note takes its place at the same address.
    """
    return {
        **article_ref(request, article),
        "status": article.status,
        "retraction_note": article.retraction_note,
        "retracted_at": article.retracted_at.isoformat() if article.retracted_at else None,
    }


def near_duplicate(request: HttpRequest, pair: NearDuplicate) -> dict:
    """Another published article retelling the same report, and how much of the text the two share."""
    return {
        "article": article_ref(request, pair.other),
        "shared_passages": pair.shared_passages,
        "shared_words": pair.shared_words,
        "containment": pair.containment,
        "mostly_same_text": pair.is_mostly_same,
    }


def current_version(request: HttpRequest, article: Article, earlier_versions: int) -> dict:
    """The permanent address of the text as it is now: it will show these words even after a correction."""
    kwargs = {"pk": article.pk, "slug": article.slug, "number": earlier_versions + 1}
    return {
        "number": earlier_versions + 1,
        "url": absolute(request, reverse("articles:article_version", kwargs=kwargs)),
        "api_url": absolute(request, reverse("api:article_version", kwargs=kwargs)),
    }


def article_claim(request: HttpRequest, article: Article, report: ClaimReport) -> dict:
    """A claim ``article`` reports, with the paragraph it is in."""
    claim = report.claim
    return {
        "id": claim.pk,
        "slug": claim.slug,
        "statement": claim.statement,
        "claimant": claimant(request, claim),
        "rating": claim.rating,
        "paragraph": report.paragraph,
        "paragraph_url": paragraph_url(request, article, report.paragraph),
        **links(request, claim),
    }


def version_api_path(obj: ArticleVersion) -> str:
    """The path of the JSON twin of a version page (``get_absolute_url`` is the page's)."""
    return route_path("api:article_version", pk=obj.article_id, slug=obj.article.slug, number=obj.number)


def version_links(request: HttpRequest, obj: ArticleVersion) -> dict:
    return {"url": absolute(request, obj.get_absolute_url()), "api_url": absolute(request, version_api_path(obj))}


def version(request: HttpRequest, obj: ArticleVersion) -> dict:
    """A text of an article at its permanent version address, as a list of them shows it (without the text)."""
    return {
        "number": obj.number,
        "title": obj.title,
        "body_sha256": obj.body_sha256,
        "archived_at": obj.archived_at.isoformat(),
        "superseded_at": obj.superseded_at.isoformat() if obj.superseded_at else None,
        **version_links(request, obj),
    }


def version_detail(
    request: HttpRequest, obj: ArticleVersion, following: ArticleVersion | None, changes: list | None
) -> dict:
    """A text of an article in full and, for an earlier one, what the correction replacing it changed.

    ``following`` and ``changes`` are ``ArticleVersionView``'s: the next version (None when the
    current text came next) and ``text_changes``; ``changes`` is None for the current text.
    """
    compared_with = None
    if changes is not None:
        later = following or obj.article
        compared_with = {
            "number": following.number if following else None,
            "title": later.title,
            **(version_links(request, following) if following else links(request, obj.article)),
        }
    return {
        **version(request, obj),
        "article": article_ref(request, obj.article),
        "paragraphs": [
            {"number": number, "url": absolute(request, f"{obj.get_absolute_url()}#p{number}"), "text": text}
            for number, text in enumerate(obj.paragraphs, start=1)
        ],
        "compared_with": compared_with,
        "changes": None
        if changes is None
        else [
            {
                "old_number": change.old_number,
                "new_number": change.new_number,
                "segments": [{"operation": operation, "text": words} for operation, words in change.segments],
            }
            for change in changes
        ],
    }


# --- Claims --------------------------------------------------------------------------------------


def claimant(request: HttpRequest, claim: Claim) -> dict:
    return {
        "name": claim.claimant,
        "person": entity_ref(request, claim.claimant_person),
        "source": entity_ref(request, claim.claimant_source),
    }


def claim_summary(request: HttpRequest, claim: Claim) -> dict:
    """A claim in a list (annotated by ``with_reports``)."""
    return {
        "id": claim.pk,
        "slug": claim.slug,
        "statement": claim.statement,
        "quote": claim.quote,
        "claimant": claimant(request, claim),
        "claimed_on": iso_date(claim.claimed_on),
        "claimed_precision": claim.claimed_precision or None,
        "rating": claim.rating,
        "report_count": claim.report_count,
        "first_reported_on": iso_date(claim.first_reported_on),
        "first_reported_precision": claim.first_reported_precision or None,
        **links(request, claim),
    }


def claim_detail(request: HttpRequest, claim: Claim, reports) -> dict:
    """A claim, the editor's note on its rating, and each published report quoted at its paragraph."""
    return {
        **claim_summary(request, claim),
        "rating_note": claim.rating_note,
        "reports": [
            {
                "article": article_ref(request, report.article),
                "paragraph": report.paragraph,
                "paragraph_url": paragraph_url(request, report.article, report.paragraph),
                "paragraph_text": report.paragraph_text,
            }
            for report in reports
        ],
    }


# --- The search page's extras --------------------------------------------------------------------


def facet(request: HttpRequest, obj: Facet) -> dict:
    return {
        "name": obj.name,
        "label": obj.label,
        "widens": obj.widens,
        "values": [facet_value(request, obj.name, value) for value in obj.values],
    }


def facet_value(request: HttpRequest, name: str, value: FacetValue) -> dict:
    """A facet value and the search that applies it.

    ``FacetValue`` keeps the label (a name) and the query string, not the slug: a source, person
    or tag value is the one its query string adds last (``query_string_adding`` appends it). A
    year sets a date range instead, so its value is the year.
    """
    added = QueryDict(value.query_string.removeprefix("?")).getlist(name)
    return {
        "label": value.label,
        "value": added[-1] if added else value.label,
        "count": value.count,
        **search_links(request, value.query_string),
    }


def active_filter(request: HttpRequest, active: ActiveFilter) -> dict:
    """A filter in effect, with the search that drops it."""
    return {"label": active.label, **search_links(request, active.query_string)}


def suggestions(request: HttpRequest, filterset: ArticleFilterSet, offered: Suggestions | None) -> dict | None:
    """What the search page offers when nothing matched: a respelling, the nearest people and tags."""
    if offered is None:
        return None
    correction = None
    if offered.correction:
        correction = {
            "query": offered.correction,
            **search_links(request, filterset.query_string_with(q=offered.correction)),
        }
    return {
        "correction": correction,
        "people": entity_refs(request, offered.people),
        "tags": entity_refs(request, offered.tags),
    }


# --- The home page -------------------------------------------------------------------------------


def precise_date(day: PreciseDate | None) -> dict | None:
    return {"date": day.date.isoformat(), "precision": day.precision} if day else None


def span(obj: DateSpan) -> dict:
    return {
        "count": obj.count,
        "undated": obj.undated,
        "first": precise_date(obj.first),
        "last": precise_date(obj.last),
    }
