"""The Content-Security-Policy header, from the ``SECURE_CSP`` setting.

Django 6.0 has this built in (``django.middleware.csp.ContentSecurityPolicyMiddleware``, reading
the same ``SECURE_CSP`` and ``SECURE_CSP_REPORT_ONLY`` settings, in the same shape), but it needs
Python 3.12 and this project runs on 3.11 with Django 5.2 LTS. This module is the part of it the
archive needs, written so that moving to Django 6 means deleting it and naming Django's middleware
in ``MIDDLEWARE`` instead: no template or setting changes.

The archive's pages need no exception to a strict policy: no inline scripts or styles, no event
handler attributes, nothing from another origin. (The JSON-LD ``<script type="application/ld+json">``
block is data, which browsers never execute, so ``script-src`` does not apply to it.)
"""

from django.conf import settings

HEADER = "Content-Security-Policy"
REPORT_ONLY_HEADER = "Content-Security-Policy-Report-Only"


class CSP:
    """Source keywords, named as ``django.utils.csp.CSP`` names them."""

    NONE = "'none'"
    SELF = "'self'"
    UNSAFE_INLINE = "'unsafe-inline'"


def build_policy(policy: dict[str, list[str] | str | bool]) -> str:
    """``{"default-src": [CSP.SELF], "upgrade-insecure-requests": True}`` as a header value.

    A list of sources is joined by spaces, True writes a directive without sources and a false
    or empty value leaves the directive out, as Django 6.0's ``build_policy`` does.
    """
    directives = []
    for directive, value in policy.items():
        if value is True:
            directives.append(directive)
        elif value:
            sources = [value] if isinstance(value, str) else list(value)
            directives.append(" ".join([directive, *sources]))
    return "; ".join(directives)


class ContentSecurityPolicyMiddleware:
    """Adds the policies of ``SECURE_CSP`` and ``SECURE_CSP_REPORT_ONLY`` to every response.

    A view that sets its own header keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for header, policy in (
            (HEADER, getattr(settings, "SECURE_CSP", None)),
            (REPORT_ONLY_HEADER, getattr(settings, "SECURE_CSP_REPORT_ONLY", None)),
        ):
            if policy and header not in response:
                response[header] = build_policy(policy)
        return response
