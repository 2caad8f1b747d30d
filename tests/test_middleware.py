"""archive.middleware: a 503 with Retry-After, not a server error, while the database cannot be reached.

In this process: the test's connection is pointed at a loopback port where nothing listens, so
every query fails the way it does when PostgreSQL is down (a real connection refused, not a
stand-in), then pointed back. ``tests/test_database_unavailable.py`` does the same with a real
server stopped under a running gunicorn.
"""

import contextlib
import json
import logging
import socket
from collections.abc import Iterator

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.urls import reverse

from archive.middleware import database_unavailable
from articles.models import Source
from tests.factories import ArticleFactory

# The whole test runs outside a transaction: its connection is closed and opened again in the middle.
pytestmark = pytest.mark.django_db(transaction=True)

LOOPBACK = "127.0.0.1"


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def database_down() -> Iterator[None]:
    """Within the block, this thread's connection goes to a port where no server listens."""
    params = connection.settings_dict
    saved = params["HOST"], params["PORT"]
    connection.close()
    params["HOST"], params["PORT"] = LOOPBACK, str(unused_port())
    try:
        yield
    finally:
        params["HOST"], params["PORT"] = saved


@pytest.fixture
def article():
    return ArticleFactory(title="Harbour reopens after the storm")


def page_paths(article) -> dict[str, str]:
    return {
        "article": article.get_absolute_url(),
        "search": reverse("articles:search") + "?q=harbour",
        "home": reverse("articles:home"),
    }


@pytest.mark.parametrize("page", ["article", "search", "home"])
def test_a_page_answers_503_while_the_database_is_down_and_200_once_it_is_back(client, article, settings, page):
    path = page_paths(article)[page]
    assert client.get(path).status_code == 200

    with database_down():
        response = client.get(path)

    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS)
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"].startswith("text/html")
    content = response.content.decode()
    assert "<h1>Temporarily unavailable</h1>" in content
    assert "database is not answering" in content
    assert 'href="#main"' in content  # the site's own error page, rendered without the database
    assert "Traceback" not in content and "OperationalError" not in content
    # The same client, the same process: the next request connects again.
    assert client.get(path).status_code == 200


def test_the_api_answers_503_in_json(client, article, settings):
    path = reverse("api:search") + "?q=harbour"
    with database_down():
        response = client.get(path)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Retry-After"] == str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS)
    body = json.loads(response.content)
    assert body["status"] == 503
    assert "database is not answering" in body["detail"]
    assert client.get(path).status_code == 200


def test_the_admin_answers_503_to_a_signed_in_editor(admin_client, settings):
    path = f"/{settings.ADMIN_PATH}"
    assert admin_client.get(path).status_code == 200

    with database_down():  # the session and the user are read inside the admin's view
        response = admin_client.get(path)

    assert response.status_code == 503
    assert "Retry-After" in response
    assert admin_client.get(path).status_code == 200


def test_retry_after_follows_the_setting(client, article, settings):
    settings.DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS = 5
    with database_down():
        response = client.get(article.get_absolute_url())
    assert response["Retry-After"] == "5"


def test_an_outage_is_logged_once_per_interval_without_a_traceback(client, article, caplog):
    with caplog.at_level(logging.ERROR), database_down():
        for _ in range(3):
            assert client.get(article.get_absolute_url()).status_code == 503

    records = [record for record in caplog.records if record.name == "archive.middleware"]
    assert len(records) == 1
    assert records[0].exc_info is None
    assert "Database unavailable" in records[0].getMessage()
    # Django's own "Internal Server Error" (with its traceback) is not written either.
    assert not [record for record in caplog.records if record.name == "django.request"]


def test_only_connection_failures_count_as_the_database_being_unavailable():
    with database_down(), pytest.raises(OperationalError) as refused:
        connection.ensure_connection()
    assert database_unavailable(refused.value)

    # A statement cancelled by its timeout is an OperationalError too, from a database that answers.
    with pytest.raises(OperationalError) as cancelled, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 1")
        cursor.execute("SELECT pg_sleep(1)")
    assert not database_unavailable(cancelled.value)

    Source.objects.create(name="The Courier", slug="courier")
    with pytest.raises(IntegrityError) as duplicate:
        Source.objects.create(name="The Courier", slug="courier")
    assert not database_unavailable(duplicate.value)
