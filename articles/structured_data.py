"""What machines read about a page: schema.org JSON-LD and link previews (OpenGraph, Twitter cards).

The builders take the objects (with their relations loaded) and ``absolute``, a function
making a path absolute (``request.build_absolute_uri``), and return plain data; the
templates serialise it (``json_ld_script``) or print it (``templates/articles/_social_meta.html``).

Only what the archive knows is said: no publisher, author or date is ever invented, and a
date is given at its known precision ("2022-10" is valid ISO 8601 and valid for schema.org's
Date). Every property used is in the schema.org vocabulary for its type.
"""

import datetime
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from articles.citations import ARCHIVE_NAME, iso_date
from articles.models import Article, Claim, ClaimRating, ClaimReport, Person, Source, TagKind
from articles.paths import route_path

Absolute = Callable[[str], str]

SCHEMA_CONTEXT = "https://schema.org"
SITE_DESCRIPTION = (
    "A searchable archive of news reporting. Texts are kept as published, with the archive's own metadata."
)
# Link previews cut descriptions here (Twitter shows at most 200 characters).
PREVIEW_DESCRIPTION_LENGTH = 200

# The one place ratings become numbers: ClaimReview's reviewRating on a 1-5 scale, worst to best.
# There is no 4: nothing between "disputed" and "supported". "unverified" is no verdict, so an
# unverified claim gets no ClaimReview at all.
CLAIM_RATING_SCALE = {
    ClaimRating.FALSE: 1,
    ClaimRating.MISLEADING: 2,
    ClaimRating.DISPUTED: 3,
    ClaimRating.SUPPORTED: 5,
}
WORST_RATING, BEST_RATING = 1, 5

# schema.org types for the kinds of tag an article mentions.
TAG_TYPES = {
    TagKind.PLACE: "Place",
    TagKind.EVENT: "Event",
    TagKind.ORGANISATION: "Organization",
    TagKind.TOPIC: "Thing",
}

# Characters that could end a <script> element or start an HTML comment or entity inside it, as
# JSON escapes (which JSON parsers read back as the same characters); U+2028/9 for old JavaScript.
SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}
SCRIPT_ESCAPES |= {0x2028: "\\u2028", 0x2029: "\\u2029"}


def json_ld_text(data: dict) -> SafeString:
    """``data`` as JSON for a ``<script type="application/ld+json">`` element, which no value can break out of.

    Django's ``json_script`` escapes the same way, but writes its own ``<script>`` element of
    type ``application/json``; the element is in ``templates/articles/_structured_data.html``.
    """
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(text.translate(SCRIPT_ESCAPES))  # no "<", ">" or "&" is left to end the element


def web_address(url: str) -> str:
    """``url`` if it is a web address (a scheme the URL fields accept: http, https, ftp, ftps), else "".

    Addresses are only linked, here and in the templates (the ``web_url`` filter), through this:
    an import or a shell can store anything, and a ``javascript:`` or ``data:`` address must
    never become a link. ``urlsplit`` drops the tabs and newlines browsers ignore inside a scheme.
    """
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:  # an unbalanced "[" in the host
        return ""
    return url if scheme in URLValidator.schemes else ""


def timestamp(moment: datetime.datetime) -> str:
    """ISO 8601 to the second, in the archive's timezone: "2025-05-03T14:02:11+00:00"."""
    return timezone.localtime(moment).isoformat(timespec="seconds")


def archive_website(absolute: Absolute) -> dict:
    return {"@type": "WebSite", "name": ARCHIVE_NAME, "url": absolute(route_path("articles:home"))}


def archive_organization(absolute: Absolute) -> dict:
    return {"@type": "Organization", "name": ARCHIVE_NAME, "url": absolute(route_path("articles:home"))}


def person_node(person: Person, absolute: Absolute) -> dict:
    return {"@type": "Person", "name": person.name, "url": absolute(person.get_absolute_url())}


def source_node(source: Source, absolute: Absolute) -> dict:
    """A source as an Organization: its own homepage when known, else its page in the archive."""
    return {
        "@type": "Organization",
        "name": source.name,
        "url": web_address(source.homepage) or absolute(source.get_absolute_url()),
    }


def article_description(article: Article) -> str:
    """The summary, or the first paragraph when there is none."""
    return " ".join((article.summary or next(iter(article.paragraphs), "")).split())


def article_json_ld(article: Article, *, absolute: Absolute) -> dict:
    """A ``NewsArticle`` for the archived copy at its permanent address.

    ``article`` needs ``source`` loaded and its links (``models.article_links_load``; the article
    page does both). The original, when its address is known, is ``isBasedOn`` (the copy
    derives from it) and ``sameAs`` (it is the same work). ``identifier`` is the SHA-256 of the
    archived text, which readers can check against the page.
    """
    url = absolute(article.get_absolute_url())
    data = {
        "@context": SCHEMA_CONTEXT,
        "@type": "NewsArticle",
        "@id": url,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "headline": article.title,
        "description": article_description(article),
        "inLanguage": article.language,
        "dateModified": timestamp(article.updated_at),
        "isPartOf": archive_website(absolute),
        "identifier": {"@type": "PropertyValue", "propertyID": "SHA-256", "value": article.body_sha256},
    }
    if published := iso_date(article.published_on, article.published_precision):
        data["datePublished"] = published
    if authors := [person_node(person, absolute) for person in article.listed_authors]:
        data["author"] = authors
    if article.source:
        data["publisher"] = source_node(article.source, absolute)
    if original := web_address(article.url):
        data["isBasedOn"] = data["sameAs"] = original
    tags = article.listed_tags
    mentions = [person_node(person, absolute) for person in article.listed_people]
    mentions += [
        {"@type": TAG_TYPES[tag.kind], "name": tag.name, "url": absolute(tag.get_absolute_url())} for tag in tags
    ]
    if mentions:
        data["mentions"] = mentions
    if tags:
        data["keywords"] = [tag.name for tag in tags]
    return data


def claimant_nodes(claim: Claim, absolute: Absolute) -> list[dict]:
    nodes = [person_node(claim.claimant_person, absolute)] if claim.claimant_person else []
    if claim.claimant_source:
        nodes.append(source_node(claim.claimant_source, absolute))
    return nodes


def appearance_node(article: Article, absolute: Absolute) -> dict:
    """An article reporting a claim: its archived copy, with its date at its precision when known."""
    node = {"@type": "NewsArticle", "headline": article.title, "url": absolute(article.get_absolute_url())}
    if published := iso_date(article.published_on, article.published_precision):
        node["datePublished"] = published
    return node


def claim_review_json_ld(claim: Claim, reports: Iterable[ClaimReport], *, absolute: Absolute) -> dict | None:
    """A ``ClaimReview`` of ``claim``, or None when it is unverified (the archive has no verdict to publish).

    ``reports`` are the published reports, earliest first (the claim page's); their articles are
    the claim's ``appearance``s, and the earliest dated one its ``firstAppearance``. The review
    is the archive's, published when the claim was entered and modified when it was last edited.
    """
    if claim.rating not in CLAIM_RATING_SCALE:
        return None
    articles = [report.article for report in reports]
    item = {"@type": "Claim", "author": claimant_nodes(claim, absolute)}
    if claimed := iso_date(claim.claimed_on, claim.claimed_precision):
        item["datePublished"] = claimed
    if articles:
        item["appearance"] = [appearance_node(article, absolute) for article in articles]
    if dated := [article for article in articles if article.published_on]:
        item["firstAppearance"] = appearance_node(min(dated, key=lambda article: article.published_on), absolute)
    data = {
        "@context": SCHEMA_CONTEXT,
        "@type": "ClaimReview",
        "url": absolute(claim.get_absolute_url()),
        "claimReviewed": claim.statement,
        "itemReviewed": item,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": CLAIM_RATING_SCALE[claim.rating],
            "bestRating": BEST_RATING,
            "worstRating": WORST_RATING,
            "alternateName": claim.get_rating_display(),
        },
        "author": archive_organization(absolute),
        "datePublished": timezone.localdate(claim.created_at).isoformat(),
        "dateModified": timestamp(claim.updated_at),
    }
    if claim.rating_note:
        data["reviewBody"] = claim.rating_note
    return data


# --- Link previews -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SocialMeta:
    """What OpenGraph and Twitter cards say about a page; ``article_*`` only for articles."""

    title: str
    description: str
    url: str = ""
    type: str = "website"
    site_name: str = ARCHIVE_NAME
    article_published_time: str = ""
    article_modified_time: str = ""
    article_authors: list[str] = field(default_factory=list)
    article_tags: list[str] = field(default_factory=list)


def preview_text(text: str) -> str:
    return Truncator(" ".join(text.split())).chars(PREVIEW_DESCRIPTION_LENGTH)


def article_social_meta(article: Article, *, absolute: Absolute) -> SocialMeta:
    """An article's link preview: ``og:type`` article, with its date (at its precision), authors' pages and tags."""
    return SocialMeta(
        title=article.title,
        description=preview_text(article_description(article)),
        url=absolute(article.get_absolute_url()),
        type="article",
        article_published_time=iso_date(article.published_on, article.published_precision),
        article_modified_time=timestamp(article.updated_at),
        article_authors=[absolute(person.get_absolute_url()) for person in article.listed_authors],
        article_tags=[tag.name for tag in article.listed_tags],
    )


def page_social_meta(title: str, description: str = "", *, url: str = "") -> SocialMeta:
    """Any other page's link preview: ``og:type`` website, the site's description when the page has none."""
    return SocialMeta(title=title, description=preview_text(description or SITE_DESCRIPTION), url=url)
