"""Template tags for citing pages and describing them to machines.

``{% cite_article article %}`` renders the "Cite this" section; ``{% article_json_ld article %}``
and ``{% claim_review_json_ld claim reports %}`` the schema.org JSON-LD; ``{% social_meta %}``
(every page, in ``base.html``) and ``{% article_social_meta article %}`` the OpenGraph and
Twitter tags. The data comes from ``articles.citations`` and ``articles.structured_data``;
these tags only add what the request knows: the absolute addresses and today's date.
"""

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString

from articles import citations, structured_data
from articles.models import Article, Claim, Person, Source, Tag
from articles.paths import route_path

register = template.Library()

STRUCTURED_DATA_TEMPLATE = "articles/_structured_data.html"
SOCIAL_META_TEMPLATE = "articles/_social_meta.html"
INDEX_TITLES = {"source_list": "Sources", "person_list": "People", "tag_list": "Tags", "claim_list": "Claims"}


@register.filter
def json_ld(data: dict) -> SafeString:
    """``data`` as JSON safe inside a ``<script>`` element (see ``structured_data.json_ld_text``)."""
    return structured_data.json_ld_text(data)


@register.inclusion_tag("articles/_cite.html", takes_context=True)
def cite_article(context, article: Article) -> dict:
    """The "Cite this" section: the article in APA, MLA and Chicago, accessed today, and the downloads."""
    request = context["request"]
    archive_url = request.build_absolute_uri(article.get_absolute_url())
    accessed = timezone.localdate()
    kwargs = {"pk": article.pk, "slug": article.slug}
    # The current text's own address (the article page loads its earlier versions: no query).
    number = len(article.earlier_versions) + 1
    return {
        "article": article,
        "text_url": request.build_absolute_uri(route_path("articles:article_version", **kwargs, number=number)),
        "archive_url": archive_url,
        "accessed": accessed,
        "citations": citations.text_citations(article, archive_url=archive_url, accessed=accessed),
        "downloads": [
            (download, route_path("articles:article_citation", **kwargs, fmt=fmt))
            for fmt, download in citations.DOWNLOADS.items()
        ],
    }


@register.inclusion_tag(STRUCTURED_DATA_TEMPLATE, takes_context=True)
def article_json_ld(context, article: Article) -> dict:
    """The article page's ``NewsArticle``."""
    absolute = context["request"].build_absolute_uri
    return {"data": structured_data.article_json_ld(article, absolute=absolute)}


@register.inclusion_tag(STRUCTURED_DATA_TEMPLATE, takes_context=True)
def claim_review_json_ld(context, claim: Claim, reports) -> dict:
    """The claim page's ``ClaimReview``; nothing for an unverified claim."""
    absolute = context["request"].build_absolute_uri
    return {"data": structured_data.claim_review_json_ld(claim, reports, absolute=absolute)}


@register.inclusion_tag(SOCIAL_META_TEMPLATE, takes_context=True)
def article_social_meta(context, article: Article) -> dict:
    """The article page's link preview (``og:type`` article)."""
    return {"meta": structured_data.article_social_meta(article, absolute=context["request"].build_absolute_uri)}


@register.inclusion_tag(SOCIAL_META_TEMPLATE, takes_context=True)
def social_meta(context) -> dict:
    """A link preview for any page, from what its context shows: an entity, a search, an index or the home page.

    Error pages may be rendered without a request: they get the site's name and description only.
    """
    request = context.get("request")
    if request is None:
        return {"meta": structured_data.page_social_meta(context.get("heading") or citations.ARCHIVE_NAME)}
    absolute = request.build_absolute_uri
    page = context.get("object")
    if isinstance(page, Article):
        return {"meta": structured_data.article_social_meta(page, absolute=absolute)}
    if isinstance(page, Person | Source | Tag | Claim):
        return {"meta": entity_social_meta(page, absolute(page.get_absolute_url()))}
    match = request.resolver_match
    url_name = match.url_name if match else ""
    if url_name == "search":
        return {"meta": search_social_meta(context, absolute(request.get_full_path()))}
    title = INDEX_TITLES.get(url_name) or context.get("heading") or citations.ARCHIVE_NAME
    return {"meta": structured_data.page_social_meta(title, url=absolute(request.path))}


def entity_social_meta(entity: Person | Source | Tag | Claim, url: str) -> structured_data.SocialMeta:
    """A source's, person's, tag's or claim's link preview: its name and its own description."""
    if isinstance(entity, Claim):
        description = f"Rated {entity.get_rating_display()}. {entity.rating_note}"
        return structured_data.page_social_meta(f"Claim: {entity.statement}", description, url=url)
    fallback = {
        Person: f"Articles mentioning or by {entity.name}, and the claims they made.",
        Source: f"Articles from {entity.name}, and the claims it made.",
        Tag: f"Articles about {entity.name}.",
    }[type(entity)]
    return structured_data.page_social_meta(entity.name, entity.description or fallback, url=url)


def quoted(text: str) -> str:
    return f"\N{LEFT DOUBLE QUOTATION MARK}{text}\N{RIGHT DOUBLE QUOTATION MARK}"


def search_social_meta(context, url: str) -> structured_data.SocialMeta:
    """A search's link preview: the words searched and how many articles match."""
    query, total = context.get("query"), context.get("total")
    title = f"Search: {query}" if query else "Search the archive"
    if total is None:
        return structured_data.page_social_meta(title, url=url)
    found = f"{total} article{'' if total == 1 else 's'}"
    description = f"{found} match {quoted(query)} in the archive." if query else f"{found} in the archive."
    return structured_data.page_social_meta(title, description, url=url)
