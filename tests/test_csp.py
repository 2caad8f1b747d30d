"""The Content-Security-Policy header (archive.csp)."""

from django.http import HttpResponse
from django.test import RequestFactory

from archive.csp import HEADER, REPORT_ONLY_HEADER, ContentSecurityPolicyMiddleware, build_policy


def test_a_policy_is_written_directive_by_directive():
    policy = {
        "default-src": ["'self'"],
        "img-src": ["'self'", "https://images.example.org"],
        "report-uri": "/csp-reports/",
        "upgrade-insecure-requests": True,
        "block-all-mixed-content": False,
        "sandbox": [],
    }
    assert build_policy(policy) == (
        "default-src 'self'; img-src 'self' https://images.example.org; report-uri /csp-reports/; "
        "upgrade-insecure-requests"
    )


def test_every_page_gets_the_settings_policy(client, db, settings):
    response = client.get("/")
    assert response[HEADER] == build_policy(settings.SECURE_CSP)
    policy = response[HEADER]
    for directive in ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"]:
        assert directive in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert REPORT_ONLY_HEADER not in response


def test_insecure_requests_are_upgraded_only_over_https(client, db, settings):
    assert "upgrade-insecure-requests" not in client.get("/")[HEADER]
    settings.SECURE_CSP = {**settings.SECURE_CSP, "upgrade-insecure-requests": True}
    assert client.get("/")[HEADER].endswith("; upgrade-insecure-requests")


def test_a_report_only_policy_goes_in_its_own_header(settings):
    settings.SECURE_CSP = None
    settings.SECURE_CSP_REPORT_ONLY = {"default-src": ["'none'"], "report-uri": "/reports/"}
    response = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())(RequestFactory().get("/"))
    assert HEADER not in response
    assert response[REPORT_ONLY_HEADER] == "default-src 'none'; report-uri /reports/"


def test_a_view_that_sets_its_own_policy_keeps_it(settings):
    def view(request):
        response = HttpResponse()
        response[HEADER] = "default-src 'none'"
        return response

    response = ContentSecurityPolicyMiddleware(view)(RequestFactory().get("/"))
    assert response[HEADER] == "default-src 'none'"


def test_the_admin_is_covered_too(client, db):
    assert "default-src 'self'" in client.get("/admin/login/")[HEADER]
