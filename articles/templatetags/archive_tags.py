"""Template helpers for the public pages."""

from dataclasses import dataclass
from html import escape

from django import template
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from articles.citations import ARCHIVE_NAME, PartialDate
from articles.feeds import archive_feed_title, entity_feed_title, search_feed_title, with_query
from articles.models import DatePrecision
from articles.paths import route_path
from articles.structured_data import web_address
from articles.timeline import Timeline
from articles.timeline import timeline_chart as draw_timeline

register = template.Library()

# A result without a headline (nothing was searched for) shows its summary, cut to this many words.
SNIPPET_SUMMARY_WORDS = 50


@register.simple_tag(takes_context=True)
def nav_link(context, section: str, label: str) -> str:
    """A link to the index of ``section`` (``source``, ``person``, ``tag``, ``claim``), marked current inside it.

    ``aria-current="page"`` on the index itself, ``"true"`` on one of its detail pages. Error pages
    are rendered without a request, so a missing one just means nothing is current.
    """
    match = getattr(context.get("request"), "resolver_match", None)
    url_name = match.url_name if match else ""
    current = {f"{section}_list": "page", f"{section}_detail": "true"}.get(url_name)
    href = route_path(f"articles:{section}_list")
    if current:
        return format_html('<a href="{}" aria-current="{}">{}</a>', href, current, label)
    return format_html('<a href="{}">{}</a>', href, label)


@register.simple_tag
def timeline_chart(timeline: Timeline) -> str:
    """The chart of a ``Timeline`` (``articles.timeline.timeline_chart``): ``{% timeline_chart timeline %}``."""
    return draw_timeline(timeline)


@register.simple_tag
def partial_date(day, precision: str) -> str:
    """``day`` as a ``<time>`` element, as precisely as it is known (``citations.PartialDate``).

    ``{% partial_date article.published_on article.published_precision %}``: "14 October 2022",
    "October 2022" or "2022". A tag, not a template to include: a search page has twenty, and
    Django's ``date`` filter took 0.1 ms for each.
    """
    known = PartialDate(day, precision or DatePrecision.DAY)
    return mark_safe(f'<time datetime="{escape(known.iso())}">{escape(known.long())}</time>')


@register.simple_tag
def anchored_paragraphs(paragraphs: list[str]) -> str:
    """Each paragraph as ``<p id="pN">`` with a ¶ link to itself: the anchors citations and claims point to.

    A tag, not a loop in the template: an article has some 10 to 40 paragraphs, and the template
    language took about 70 µs for each (its text and four lookups of its number), this 15.
    """
    return format_html_join(
        "\n",
        '<p id="p{0}">{1} <a class="paragraph-anchor" href="#p{0}" aria-label="Link to paragraph {0}"'
        ' title="Link to paragraph {0}">¶</a></p>',
        enumerate(paragraphs, start=1),
    )


@register.simple_tag
def byline(article) -> str:
    """An article's source, linked, and its date (``partial_date``), or "date unknown".

    ``{% byline article %}``: a tag, not a template to include, as a search page shows twenty and
    each include took about 0.1 ms.
    """
    shown = []
    if source := article.source:
        shown.append(f'<a class="source" href="{escape(source.get_absolute_url())}">{escape(source.name)}</a>')
    if article.published_on:
        shown.append(partial_date(article.published_on, article.published_precision))
    else:
        shown.append("<span>date unknown</span>")
    return mark_safe(f'<p class="byline">{" ".join(shown)}</p>')


@register.simple_tag
def authors_line(people) -> str:
    """The line "By …" with links to ``people``, comma-separated; "" when there are none (an unsigned article)."""
    if not people:
        return ""
    links = ", ".join(_link(person.get_absolute_url(), person.name) for person in people)
    return mark_safe(f'<p class="authors">By {links}</p>')


@register.simple_tag
def search_hit(article) -> str:
    """One result of a search page, ``<li class="search-hit">``: its title, byline, authors, snippet,
    notes (some words only; found through an alias) and its people and tags, linked.

    ``{% search_hit article %}``, with ``article.headline`` set (``ArticleSearch.headlines``) and its
    links loaded (``article_links_load``). A tag, not a template to include: the template language
    took about 0.3 ms a result (some 25 nodes, each looked up and rendered), 6 ms of a page of 20;
    this takes half as long, most of it writing the links' paths. ``tests/test_archive_tags.py``
    holds the template it replaced, and checks that both write the same HTML.
    """
    pk = int(article.pk)
    parts = [
        f'<li class="search-hit">\n  <article aria-labelledby="hit-{pk}">\n'
        f'    <h3 id="hit-{pk}">{_link(article.get_absolute_url(), article.title)}</h3>\n',
        f"    {byline(article)}\n",
    ]
    if authors := authors_line(article.listed_authors):
        parts.append(f"    {authors}\n")
    if headline := getattr(article, "headline", ""):
        parts.append(f'    <p class="search-snippet">{conditional_escape(headline)}</p>\n')
    elif article.summary:
        summary = Truncator(article.summary).words(SNIPPET_SUMMARY_WORDS, truncate=" …")
        parts.append(f'    <p class="search-snippet">{escape(summary)}</p>\n')
    if getattr(article, "partial_match", False):
        parts.append('    <p class="search-partial-note">Matches some of your words.</p>\n')
    if getattr(article, "alias_match", False):
        named = ", ".join(_link(person.get_absolute_url(), person.name) for person in article.alias_people)
        named = named or "a person linked to this article"
        parts.append(f'    <p class="search-alias-note">Matched via an alias or name of {named}.</p>\n')
    people, tags = article.listed_people, article.listed_tags
    if people or tags:
        parts.append('    <dl class="search-hit-links">\n')
        if people:
            parts.append(f"      <dt>People</dt><dd><ul>{link_items(people)}</ul></dd>\n")
        if tags:
            parts.append(f"      <dt>Tags</dt><dd><ul>{link_items(tags)}</ul></dd>\n")
        parts.append("    </dl>\n")
    parts.append("  </article>\n</li>")
    return mark_safe("".join(parts))


@register.simple_tag
def facet_items(path: str, values) -> str:
    """A facet's values (``articles.filters.FacetValue``), each ``<li>`` a link to ``path`` with its
    query string, its label and how many results it leads to.

    ``{% facet_items request.path facet.values %}``: a search page lists some 40, and the template
    language took about 60 µs for each (five lookups and a filter), this 3.
    """
    return mark_safe(
        "".join(
            f'<li><a href="{escape(path + value.query_string)}">'
            f'<span class="search-facet-label">{escape(value.label)}</span>'
            f' <span class="search-facet-count">{int(value.count)}'
            f'<span class="visually-hidden"> result{"" if value.count == 1 else "s"}</span></span></a></li>\n'
            for value in values
        )
    )


@register.simple_tag
def link_items(objects) -> str:
    """``<li><a href="…">name</a></li>`` for each of ``objects`` (people, tags: anything with a page and a name).

    A search page lists some 150 such links, and the template language took about 25 µs for each.
    """
    return mark_safe("".join(f"<li>{_link(obj.get_absolute_url(), obj.name)}</li>" for obj in objects))


def _link(href: str, text: str) -> str:
    """``<a href="href">text</a>``, both escaped as ``format_html`` would (Django's ``escape`` is ``html.escape``).

    For the links a search page writes some 190 of: ``format_html`` took about 5 µs for each
    (Django's lazy-text checks and safe strings), this 1. The bylines and dates are written so too.
    """
    return f'<a href="{escape(href)}">{escape(text)}</a>'


@register.filter
def web_url(url: str) -> str:
    """``url`` if it may be a link (a web address: ``structured_data.web_address``), else "".

    ``{% with link=article.url|web_url %}{% if link %}<a href="{{ link }}">…`` and the text
    alone otherwise: a ``javascript:`` address from an import is shown, never followed.
    """
    return web_address(url or "")


@register.simple_tag
def page_numbers(page_obj) -> list:
    """The page numbers to link to: the first and last, those around the current one, and gaps."""
    return list(page_obj.paginator.get_elided_page_range(page_obj.number))


# Parameters that only say where a visitor came from: the same page without them is the canonical one.
TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_")


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """This page's absolute URL, without tracking parameters (its query string otherwise names the page)."""
    request = context.get("request")
    if request is None:
        return ""
    params = request.GET.copy()
    for name in list(params):
        if name.startswith(TRACKING_PARAMS):
            del params[name]
    query = params.urlencode()
    return request.build_absolute_uri(request.path) + (f"?{query}" if query else "")


# --- A page's machine-readable twins: its JSON (the ``api`` namespace) and its Atom feed --------

# The feed each page follows; every other page offers the whole archive's, so a feed reader
# pointed at any page finds one.
PAGE_FEEDS = {
    "home": "archive_feed",
    "search": "search_feed",
    "source_detail": "source_feed",
    "person_detail": "person_feed",
    "tag_detail": "tag_feed",
}
# A feed has no pages and one order, newest first (articles.feeds): its link leaves both out.
FEED_IGNORED_PARAMS = ("page", "sort")


@dataclass(frozen=True)
class PageFeed:
    url: str  # absolute
    title: str


def page_match(context):
    """The current page's route in the ``articles`` namespace, or None.

    None too on error pages: Django's error handlers render them outside any view (no ``view``
    in the context), and a 404's route would name an object that does not exist.
    """
    match = getattr(context.get("request"), "resolver_match", None)
    if match is None or match.namespace != "articles" or "view" not in context:
        return None
    return match


def page_feed(context) -> PageFeed | None:
    """The Atom feed the current page offers (see ``PAGE_FEEDS``), or None outside the public pages."""
    match = page_match(context)
    if match is None:
        return None
    request, feed_name, entity = context["request"], PAGE_FEEDS.get(match.url_name), context.get("object")
    if feed_name == "search_feed":
        params = request.GET.copy()
        for name in FEED_IGNORED_PARAMS:
            params.pop(name, None)
        filterset = context.get("filter")
        valid = filterset is not None and filterset.is_valid()
        title = search_feed_title(filterset) if valid else f"Search — {ARCHIVE_NAME}"
        path = with_query(route_path("articles:search_feed"), params.urlencode())
    elif feed_name in ("source_feed", "person_feed", "tag_feed") and entity is not None:
        title = entity_feed_title(entity)
        path = route_path(f"articles:{feed_name}", pk=entity.pk, slug=entity.slug)
    else:
        title, path = archive_feed_title(), route_path("articles:archive_feed")
    return PageFeed(url=request.build_absolute_uri(path), title=title)


def json_twin_url(context) -> str | None:
    """The absolute URL of ``api:<this page's route>`` with the same arguments and query string, if there is one."""
    match = page_match(context)
    if match is None or not match.url_name:
        return None
    try:
        path = route_path(f"api:{match.url_name}", **match.kwargs)
    except NoReverseMatch:  # no such route in the API (or no API yet)
        return None
    request = context["request"]
    return request.build_absolute_uri(with_query(path, request.META.get("QUERY_STRING", "")))


@register.simple_tag(takes_context=True)
def alternate_links(context) -> str:
    """``<link rel="alternate">`` elements for the page's JSON twin and its Atom feed (see ``PAGE_FEEDS``)."""
    links = []
    if json_url := json_twin_url(context):
        links.append(format_html('<link rel="alternate" type="application/json" href="{}">', json_url))
    if feed := page_feed(context):
        links.append(
            format_html('<link rel="alternate" type="application/atom+xml" title="{}" href="{}">', feed.title, feed.url)
        )
    return mark_safe("\n  ".join(links))  # each one escaped by format_html


@register.simple_tag(takes_context=True)
def feed_link(context, label: str = "Atom feed") -> str:
    """A visible link to the Atom feed the page advertises in its head (``alternate_links``)."""
    feed = page_feed(context)
    if feed is None:
        return ""
    return format_html('<a class="feed-link" href="{}" type="application/atom+xml">{}</a>', feed.url, label)
