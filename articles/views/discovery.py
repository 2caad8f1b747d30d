"""What crawlers and browsers read to find their way around: robots.txt and the OpenSearch description.

The sitemap is Django's (``articles.sitemaps``); the feeds are in ``articles.feeds``.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

OPENSEARCH_CONTENT_TYPE = "application/opensearchdescription+xml; charset=utf-8"
# Both change only with a deployment; a day's caching spares crawlers and browsers the round trips.
DISCOVERY_MAX_AGE = 60 * 60 * 24
SEARCH_TERMS = "{searchTerms}"  # OpenSearch's placeholder, filled in by the browser


@require_safe
@cache_control(public=True, max_age=DISCOVERY_MAX_AGE)
def robots_txt(request: HttpRequest) -> HttpResponse:
    """``/robots.txt``: what crawlers may walk (the reasons are in the template), and where the sitemap is."""
    context = {"sitemap_url": request.build_absolute_uri(reverse("sitemap"))}
    return render(request, "robots.txt", context, content_type="text/plain; charset=utf-8")


@require_safe
@cache_control(public=True, max_age=DISCOVERY_MAX_AGE)
def opensearch_xml(request: HttpRequest) -> HttpResponse:
    """``/opensearch.xml``: lets a browser add the archive as a search engine (HTML, Atom and JSON results).

    The JSON API's search is offered only once its route (``api:search``) exists.
    """

    def search_template(path: str) -> str:
        return request.build_absolute_uri(path) + "?q=" + SEARCH_TERMS

    try:
        json_template = search_template(reverse("api:search"))
    except NoReverseMatch:
        json_template = None
    context = {
        "html_template": search_template(reverse("articles:search")),
        "atom_template": search_template(reverse("articles:search_feed")),
        "json_template": json_template,
        "self_url": request.build_absolute_uri(reverse("opensearch")),
    }
    return render(request, "opensearch.xml", context, content_type=OPENSEARCH_CONTENT_TYPE)
