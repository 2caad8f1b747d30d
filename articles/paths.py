"""Paths of the archive's pages, found without a full ``reverse`` each time.

A search page links every result, its source, people and tags: some 190 paths a page, and
its JSON twin twice as many (each with its own twin). Django's ``reverse`` costs about 40 µs
a call, as it matches the values against the route's pattern anew: 7 ms of an HTML search
page and 16 ms of a JSON one. ``route_path`` reverses a route once, with stand-in values,
and from then on writes the values into what that gave: the same path, several times faster.

Only values that need no quoting take that way: whole numbers, and text of the characters
a slug may hold (where the route accepts text at all). Anything else is left to ``reverse``,
which quotes it or raises ``NoReverseMatch``, as it always did. The archive's routes are not
translated (no ``i18n_patterns``), so a route's path does not depend on the language.

A path depends on the URL configuration and the script prefix too, which Django keeps for each
request in context-local storage (asgiref's ``Local``): reading the two took 13 µs a path, half
of ``route_path``'s time. Within a request (``RoutesPerRequestMiddleware``) they are read once,
the first time a path is written: Django sets both before the view runs, and the archive sets
no ``request.urlconf``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

# What the ``slug`` converter accepts (the ``int`` converter accepts a subset): no quoting needed.
_PLAIN_VALUE = re.compile(r"[-a-zA-Z0-9_]+")
# Stand-in values: digits, so that they fit an ``int`` place as well as a ``slug`` one, and long
# enough to be found only where they were put.
_STAND_IN_BASE = 86_753_090_000_000_000
_STAND_IN_TEXT = "route-path-stand-in"


@dataclass(frozen=True, slots=True)
class _Route:
    template: str  # the path with ``{name}`` where each value goes
    numeric: frozenset[str]  # the values whose place takes digits only (``<int:…>``)

    def fill(self, values: dict[str, int | str]) -> str | None:
        """The path with these values, or None when one of them would need ``reverse`` to judge it."""
        texts = {}
        for key, value in values.items():
            text = str(value)
            if isinstance(value, bool) or not _PLAIN_VALUE.fullmatch(text):
                return None
            if key in self.numeric and not text.isdigit():
                return None
            texts[key] = text
        return self.template.format_map(texts)


def route_path(name: str, **kwargs: int | str) -> str:
    """``reverse(name, kwargs=kwargs)``, the same path, without matching the pattern each time."""
    route = _route(name, frozenset(kwargs), *_routing())
    path = route.fill(kwargs) if route is not None else None
    return path if path is not None else reverse(name, kwargs=kwargs)


# Within a request, the URL configuration and script prefix it is answered with, once read.
_request_routing: ContextVar[dict[str, tuple[str, str]] | None] = ContextVar("request_routing", default=None)


def _routing() -> tuple[str, str]:
    """The URL configuration and script prefix paths are written for now, read once per request."""
    read_once = _request_routing.get()
    if read_once is None:
        return get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()
    if not read_once:
        read_once["routing"] = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return read_once["routing"]


class RoutesPerRequestMiddleware:
    """Has ``route_path`` read the URL configuration and script prefix once for the request (see above)."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        token = _request_routing.set({})
        try:
            return self.get_response(request)
        finally:
            _request_routing.reset(token)


@functools.lru_cache(maxsize=256)
def _route(name: str, keys: frozenset[str], urlconf: str, prefix: str) -> _Route | None:
    """What ``route_path`` fills in for a route and these keyword names (None: always ask ``reverse``).

    Cached by the URL configuration and the script prefix, as ``reverse`` depends on both.
    """
    stand_ins = {key: str(_STAND_IN_BASE + index) for index, key in enumerate(sorted(keys))}
    try:
        path = reverse(name, urlconf=urlconf, kwargs=stand_ins)
    except NoReverseMatch:
        return None
    if any(path.count(stand_in) != 1 for stand_in in stand_ins.values()):
        return None
    template = path.replace("{", "{{").replace("}", "}}")
    for key, stand_in in stand_ins.items():
        template = template.replace(stand_in, "{" + key + "}")
    numeric = frozenset(key for key in keys if not _accepts_text(name, urlconf, stand_ins, key))
    return _Route(template=template, numeric=numeric)


def _accepts_text(name: str, urlconf: str, stand_ins: dict[str, str], key: str) -> bool:
    try:
        reverse(name, urlconf=urlconf, kwargs={**stand_ins, key: _STAND_IN_TEXT})
    except NoReverseMatch:
        return False
    return True
