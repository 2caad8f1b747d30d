"""The read-replica router's choices (archive.routers), without servers: tests/test_replicas.py runs them."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from archive.routers import (
    ReplicaPool,
    ReplicaReadsMiddleware,
    ReplicaRouter,
    read_alias,
    reads_from,
    reads_from_replica,
    replica_aliases,
    replica_reachable,
)
from articles.models import Article, SearchLog
from articles.search import read_connection

REPLICAS = ["replica_1", "replica_2", "replica_3"]
RETRY_SECONDS = 10


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Servers:
    """Which replicas answer, and which were asked."""

    def __init__(self, down: set[str] = frozenset()) -> None:
        self.down = set(down)
        self.asked: list[str] = []

    def __call__(self, alias: str) -> bool:
        self.asked.append(alias)
        return alias not in self.down


def pool_of(servers: Servers, clock: Clock | None = None) -> ReplicaPool:
    return ReplicaPool(REPLICAS, retry_seconds=RETRY_SECONDS, reachable=servers, clock=clock or Clock())


# --- The router ------------------------------------------------------------------------------------


def test_reads_go_to_the_primary_unless_a_request_chose_a_replica():
    router = ReplicaRouter()
    assert read_alias() == DEFAULT_DB_ALIAS
    assert router.db_for_read(Article) == DEFAULT_DB_ALIAS
    with reads_from("replica_2"):
        assert router.db_for_read(Article) == "replica_2"
        assert router.db_for_read(SearchLog) == "replica_2"
    assert router.db_for_read(Article) == DEFAULT_DB_ALIAS


def test_sessions_and_users_are_always_read_from_the_primary():
    router = ReplicaRouter()
    with reads_from("replica_1"):
        assert router.db_for_read(Session) == DEFAULT_DB_ALIAS
        assert router.db_for_read(User) == DEFAULT_DB_ALIAS


def test_writes_relations_and_migrations_belong_to_the_primary():
    router = ReplicaRouter()
    with reads_from("replica_1"):
        assert router.db_for_write(Article) == DEFAULT_DB_ALIAS
        assert router.db_for_write(SearchLog) == DEFAULT_DB_ALIAS
    assert router.allow_relation(Article(), SearchLog()) is True
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "articles") is True
    assert router.allow_migrate("replica_1", "articles") is False


def test_raw_sql_reads_through_the_connection_the_router_picks():
    assert read_connection() is connections[DEFAULT_DB_ALIAS]


def test_without_replicas_configured_the_router_has_none_and_the_middleware_stands_aside():
    assert replica_aliases() == []
    with pytest.raises(MiddlewareNotUsed):
        ReplicaReadsMiddleware(lambda request: HttpResponse())


@pytest.mark.django_db
def test_the_primary_answers_the_reachability_check():
    assert replica_reachable(DEFAULT_DB_ALIAS) is True


# --- Choosing a replica ------------------------------------------------------------------------------


def test_replicas_are_taken_in_turn():
    servers = Servers()
    pool = pool_of(servers)
    chosen = [pool.choose() for _ in range(2 * len(REPLICAS))]
    assert sorted(chosen[: len(REPLICAS)]) == REPLICAS
    assert chosen[len(REPLICAS) :] == chosen[: len(REPLICAS)]


def test_a_replica_that_does_not_answer_is_skipped_and_not_asked_again_until_the_interval_is_over():
    servers, clock = Servers(down={"replica_2"}), Clock()
    pool = pool_of(servers, clock)
    chosen = [pool.choose() for _ in range(3 * len(REPLICAS))]
    assert set(chosen) == {"replica_1", "replica_3"}
    assert servers.asked.count("replica_2") == 1
    clock.now += RETRY_SECONDS - 1
    for _ in range(len(REPLICAS)):
        pool.choose()
    assert servers.asked.count("replica_2") == 1
    # The interval over, it is asked again, and taken once it answers.
    servers.down.clear()
    clock.now += 1
    assert "replica_2" in {pool.choose() for _ in range(len(REPLICAS))}
    assert servers.asked.count("replica_2") == 2


def test_with_every_replica_down_reads_go_to_the_primary_at_the_cost_of_one_check_each_per_interval():
    servers, clock = Servers(down=set(REPLICAS)), Clock()
    pool = pool_of(servers, clock)
    assert {pool.choose() for _ in range(10)} == {DEFAULT_DB_ALIAS}
    assert sorted(servers.asked) == REPLICAS
    clock.now += RETRY_SECONDS
    servers.down.discard("replica_3")
    assert pool.choose() == "replica_3"


# --- Which requests read from a replica, and holding them to it --------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "cookies", "expected"),
    [
        ("get", "/search/", {}, True),
        ("head", "/articles/1/a-headline/", {}, True),
        ("get", "/api/search/", {}, True),
        ("post", "/search/", {}, False),
        ("get", f"/{settings.ADMIN_PATH}articles/article/", {}, False),
        ("get", f"/{settings.ADMIN_PATH}login/", {}, False),
        # A signed-in editor sees their own changes at once, on the public pages too.
        ("get", "/articles/1/a-headline/", {settings.SESSION_COOKIE_NAME: "a-session"}, False),
        ("get", "/search/", {"csrftoken": "a-token"}, True),
    ],
)
def test_only_public_read_only_requests_without_a_session_read_from_a_replica(method, path, cookies, expected):
    request = getattr(RequestFactory(), method)(path)
    request.COOKIES.update(cookies)
    assert reads_from_replica(request) is expected


def reads_seen_by(request, pool: ReplicaPool) -> tuple[list[str], str]:
    """Where the view's reads (and its streamed body's) went, and where they go after the request."""

    def view(request):
        def body():
            yield read_alias()
            yield ReplicaRouter().db_for_read(Article)

        return StreamingHttpResponse(body()) if request.GET.get("stream") else HttpResponse(read_alias())

    response = ReplicaReadsMiddleware(view, pool=pool)(request)
    chunks = [chunk.decode() for chunk in response] if response.streaming else [response.content.decode()]
    return chunks, read_alias()


def test_a_public_request_reads_from_one_replica_throughout_and_a_streamed_body_too():
    pool = ReplicaPool(["replica_1"], retry_seconds=RETRY_SECONDS, reachable=Servers())
    factory = RequestFactory()
    assert reads_seen_by(factory.get("/search/"), pool) == (["replica_1"], DEFAULT_DB_ALIAS)
    assert reads_seen_by(factory.get("/search/export.csv", {"stream": "1"}), pool) == (
        ["replica_1", "replica_1"],
        DEFAULT_DB_ALIAS,
    )


def test_other_requests_read_from_the_primary_without_asking_the_replicas():
    servers = Servers()
    pool = ReplicaPool(["replica_1"], retry_seconds=RETRY_SECONDS, reachable=servers)
    factory = RequestFactory()
    assert reads_seen_by(factory.post("/search/"), pool) == ([DEFAULT_DB_ALIAS], DEFAULT_DB_ALIAS)
    assert reads_seen_by(factory.get(f"/{settings.ADMIN_PATH}"), pool) == ([DEFAULT_DB_ALIAS], DEFAULT_DB_ALIAS)
    assert servers.asked == []


# --- Settings -----------------------------------------------------------------------------------------


def test_each_replica_url_becomes_a_database_mirrored_in_tests_with_a_short_connect_timeout():
    show = "[(a, d['HOST'], d['PORT'], d['OPTIONS'], d.get('TEST')) for a, d in s.DATABASES.items()]"
    script = f"import dotenv; dotenv.load_dotenv = lambda *a, **k: None\nimport archive.settings as s; print({show})"
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SECRET_KEY": "k",
        "DATABASE_URL": "postgresql://archive@primary.example.org/archive",
        "DATABASE_REPLICA_URLS": (
            "postgresql://archive@replica-a.example.org/archive, "
            "postgresql://archive@replica-b.example.org:6432/archive?connect_timeout=7"
        ),
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        [
            ("default", "primary.example.org", "", {}, None),
            ("replica_1", "replica-a.example.org", "", {"connect_timeout": 2}, {"MIRROR": "default"}),
            ("replica_2", "replica-b.example.org", "6432", {"connect_timeout": "7"}, {"MIRROR": "default"}),
        ]
    )
