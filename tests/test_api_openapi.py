"""The OpenAPI description (articles.api.openapi): a valid document, and the API keeps to it.

The schemathesis run generates requests from the description (valid and invalid parameters
alike) for every operation, sends them to the Django WSGI application in this thread (so it
sees the test transaction and its seed archive), and checks that nothing answers 5xx and that
every status, content type, header and body is one the description documents.
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from articles.api import openapi

pytestmark = pytest.mark.django_db

SERVER_URL = "http://localhost/"  # schemathesis's WSGI client asks for this host, which ALLOWED_HOSTS has
# Fixed seed, derandomised: every run sends the same requests. 13 operations, each with examples of
# valid and of invalid parameters plus schemathesis's coverage cases, take about 30 s together.
SCHEMATHESIS_CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20240522,
        "generation": {"max-examples": 25, "deterministic": True, "database": "none"},
    }
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


class WSGIApplicationAtFirstRequest:
    """Django's WSGI application, built when the first request arrives rather than when this module is imported.

    Building it starts whitenoise, which indexes the static files then; the session fixture
    ``collected_static`` collects them after collection, and a fresh clone has none before.
    """

    handler: WSGIHandler | None = None

    def __call__(self, environ, start_response):
        if self.handler is None:
            self.handler = WSGIHandler()
        return self.handler(environ, start_response)


schema = schemathesis.openapi.from_dict(openapi.document(server_url=SERVER_URL), config=SCHEMATHESIS_CONFIG)
schema.app = WSGIApplicationAtFirstRequest()


@pytest.fixture
def in_test_transaction():
    """Keep the WSGI handler from closing the test's connection after each request, as Django's test client does.

    The handler runs in this thread, inside the test's transaction; closing the connection
    there would lose the seed archive.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_served_document_is_valid_openapi(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "http://testserver/", "description": "This server."}]


def test_every_route_of_the_api_is_described(client):
    from django.urls import get_resolver

    described = set(openapi.document(server_url=SERVER_URL)["paths"])
    api_resolver = next(
        pattern for pattern in get_resolver().url_patterns if getattr(pattern, "namespace", None) == "api"
    )
    routes = {
        "/api/"
        + str(pattern.pattern)
        .replace("<int:pk>", "{pk}")
        .replace("<slug:slug>", "{slug}")
        .replace("<int:number>", "{number}")
        for pattern in api_resolver.url_patterns
    }
    assert routes == described


def walk_schemas(node, path=()):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk_schemas(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk_schemas(value, (*path, index))


def test_every_field_and_parameter_says_what_it_means():
    document = openapi.document(server_url=SERVER_URL)
    components = document["components"]
    for name, component in components["schemas"].items():
        assert component.get("description"), name
        for path, node in walk_schemas(component):
            for field, field_schema in node.get("properties", {}).items() if node.get("type") == "object" else ():
                described = field_schema.get("description") or "$ref" in field_schema
                assert described, (name, *path, field)
    for name, parameter in components["parameters"].items():
        assert parameter["description"], name
    for path, item in document["paths"].items():
        get = item["get"]
        assert get["description"] and get["summary"], path
        assert "200" in get["responses"], path
        for parameter in get.get("parameters", []):
            if "$ref" not in parameter:
                assert parameter["description"], (path, parameter["name"])


def test_repeatable_parameters_are_exploded_arrays():
    parameters = openapi.document(server_url=SERVER_URL)["components"]["parameters"]
    for name in ("source", "person", "tag", "rating"):
        assert parameters[name]["schema"]["type"] == "array"
        assert parameters[name]["style"] == "form" and parameters[name]["explode"] is True


@schema.parametrize()
# The API only reads: the seed archive loaded once serves every generated request.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_the_api_conforms_to_its_description(case, seed_archive, in_test_transaction):
    case.call_and_validate(checks=CHECKS)
