"""Paths of the archive's pages without a full ``reverse`` each time (articles.paths)."""

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse, set_script_prefix

from articles.paths import route_path
from articles.services import vocabulary_refresh
from tests.factories import ArticleFactory, PersonFactory

DETAIL_ROUTES = [
    f"{namespace}:{model}_detail"
    for namespace in ("articles", "api")
    for model in ("article", "source", "person", "tag", "claim")
]


@pytest.fixture
def script_prefix():
    yield set_script_prefix
    set_script_prefix("/")


@pytest.mark.parametrize("name", DETAIL_ROUTES)
@pytest.mark.parametrize(("pk", "slug"), [(1, "a"), (123456789, "mobilisation-in-buryatia"), (7, "under_score-9")])
def test_the_path_is_the_one_reverse_gives(name, pk, slug):
    assert route_path(name, pk=pk, slug=slug) == reverse(name, kwargs={"pk": pk, "slug": slug})


@pytest.mark.parametrize("name", ["articles:article_version", "api:article_version"])
def test_routes_of_three_values(name):
    kwargs = {"pk": 42, "slug": "a-report", "number": 3}
    assert route_path(name, **kwargs) == reverse(name, kwargs=kwargs)


def test_routes_without_values():
    assert route_path("articles:search") == reverse("articles:search") == "/search/"
    assert route_path("api:search") == reverse("api:search")


def test_the_script_prefix_of_the_request_is_kept(script_prefix):
    assert route_path("articles:person_detail", pk=5, slug="x") == "/people/5/x/"
    script_prefix("/archive/")
    assert route_path("articles:person_detail", pk=5, slug="x") == "/archive/people/5/x/"
    assert route_path("articles:person_detail", pk=5, slug="x") == reverse("articles:person_detail", args=[5, "x"])


@pytest.mark.parametrize(
    ("pk", "slug"),
    [
        (-1, "a"),  # not a whole number the route accepts
        ("x1", "a"),  # text in a number's place
        (True, "a"),
        (1, ""),  # an empty slug
        (1, "a b"),
        (1, "a/b"),
        (1, "naïve"),  # the slug converter is ASCII
    ],
)
def test_values_a_route_refuses_are_refused_as_reverse_refuses_them(pk, slug):
    with pytest.raises(NoReverseMatch):
        reverse("articles:article_detail", kwargs={"pk": pk, "slug": slug})
    with pytest.raises(NoReverseMatch):
        route_path("articles:article_detail", pk=pk, slug=slug)


def test_unknown_routes_and_values_are_refused():
    with pytest.raises(NoReverseMatch):
        route_path("articles:no_such_page", pk=1, slug="a")
    with pytest.raises(NoReverseMatch):
        route_path("articles:article_detail", pk=1)
    with pytest.raises(NoReverseMatch):
        route_path("articles:article_detail", pk=1, slug="a", page=2)


@pytest.fixture
def test_transaction_kept_open():
    """Requests end without closing the test's connection, as with Django's test client."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("test_transaction_kept_open")
def test_each_request_s_page_links_under_its_own_script_prefix(script_prefix):
    """Within a request the prefix is read once (``RoutesPerRequestMiddleware``), never kept for the next."""
    person = PersonFactory(name="Ivan Chupik", slug="ivan-chupik")
    article = ArticleFactory(title="Walrus report", slug="walrus-report", body="A walrus.")
    article.people.add(person)
    vocabulary_refresh()
    handler = WSGIHandler()  # sets the script prefix from SCRIPT_NAME, as a server's does (the test client does not)
    for prefix in ("/archive", "/other", ""):
        environ = {**RequestFactory().get("/search/", {"q": "walrus"}).environ, "SCRIPT_NAME": prefix}
        page = b"".join(handler(environ, lambda status, headers: None)).decode()
        assert f'href="{prefix}/articles/{article.pk}/walrus-report/"' in page
        assert f'href="{prefix}/people/{person.pk}/ivan-chupik/"' in page
    script_prefix("/after/")  # outside a request, every path reads the prefix again
    assert route_path("articles:person_detail", pk=5, slug="x") == "/after/people/5/x/"
