"""Template helpers for the public pages."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context, section: str, label: str) -> str:
    """A link to the index of ``section`` (``source``, ``person``, ``tag``, ``claim``), marked current inside it.

    ``aria-current="page"`` on the index itself, ``"true"`` on one of its detail pages. Error pages
    are rendered without a request, so a missing one just means nothing is current.
    """
    match = getattr(context.get("request"), "resolver_match", None)
    url_name = match.url_name if match else ""
    current = {f"{section}_list": "page", f"{section}_detail": "true"}.get(url_name)
    href = reverse(f"articles:{section}_list")
    if current:
        return format_html('<a href="{}" aria-current="{}">{}</a>', href, current, label)
    return format_html('<a href="{}">{}</a>', href, label)


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
