"""Read replicas: public reads go to a streaming standby, everything else to the primary.

With ``DATABASE_REPLICA_URLS`` set, the settings add one database per replica (``replica_1``, …)
beside ``default``, the primary. Which one a query goes to is decided per request, not per query:

- ``ReplicaReadsMiddleware`` picks one replica that answers for each public read-only request
  (GET or HEAD, outside the admin, from a visitor without a session) and holds every read of the
  archive in that request to it (``read_alias``). One request, one replica: the page and the
  published state its cache key comes from (``articles.caching``) are read from the same server,
  which replays the primary's changes in order, so a page is never cached under a state newer
  than the one it shows.
- Everything else reads from the primary: the admin, any POST, management commands (the
  import), and requests from signed-in editors, so an editor who saves and reloads, in the admin or
  on the public page, sees the change (read-your-writes) however far a replica lags.
- Writes always go to the primary, including those a public request makes (the search page's
  ``SearchLog`` row). So do reads of sessions, users, permissions and content types: small, and
  they must follow their writes at once (a sign-in must not look undone).

A replica that does not answer (refused, or silent past its ``connect_timeout``) is left out for
``DATABASE_REPLICA_RETRY_SECONDS``, so a dead replica costs one failed connection per interval and
process, not one per request; with every replica out, public requests read from the primary.
A replica that fails in the middle of a request fails that request (its connection is gone); the
next one is served elsewhere.

Raw SQL must take its connection from the router too (``connections[router.db_for_read(model)]``,
as ``articles.search.read_connection`` does): ``django.db.connection`` is always the primary.
"""

import contextlib
import itertools
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

# The apps whose reads may go to a replica: the archive's content. Django's own (auth, sessions,
# contenttypes, admin) always read from the primary.
REPLICA_APPS = frozenset({"articles"})
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})

_read_alias: ContextVar[str] = ContextVar("archive_read_alias", default=DEFAULT_DB_ALIAS)


def read_alias() -> str:
    """The database this request reads the archive from: its replica in a public request, else the primary."""
    return _read_alias.get()


@contextlib.contextmanager
def reads_from(alias: str) -> Iterator[None]:
    """Send the archive's reads to ``alias`` within the block (in this thread or task only)."""
    token = _read_alias.set(alias)
    try:
        yield
    finally:
        _read_alias.reset(token)


def replica_aliases() -> list[str]:
    """The configured replicas: every database besides the primary (``default``)."""
    return [alias for alias in settings.DATABASES if alias != DEFAULT_DB_ALIAS]


class ReplicaRouter:
    """Reads of the archive from ``read_alias()``; all writes, and migrations, on the primary."""

    def db_for_read(self, model, **hints) -> str:
        if model._meta.app_label in REPLICA_APPS:
            return read_alias()
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # every database holds the same rows

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS  # replicas follow the primary's schema by replication


def replica_reachable(alias: str) -> bool:
    """Whether the replica ``alias`` answers: its connection is opened, or checked if already open.

    The check of an open connection is Django's health check (``CONN_HEALTH_CHECKS``), done once a
    request and not repeated when the request's first query runs.
    """
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except OperationalError as error:
        logger.warning("Database replica %s does not answer: %s", alias, error)
        return False
    return True


class ReplicaPool:
    """The replicas one process reads from, taken in turn; one that does not answer is left out for a while."""

    def __init__(
        self,
        aliases: Sequence[str],
        *,
        retry_seconds: float,
        reachable: Callable[[str], bool] = replica_reachable,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.aliases = list(aliases)
        self.retry_seconds = retry_seconds
        self._reachable = reachable
        self._clock = clock
        # Each process starts at a random replica, so that a server's workers spread out at once.
        self._turns = itertools.count(random.randrange(len(self.aliases)) if self.aliases else 0)
        self._down_until: dict[str, float] = {}

    def choose(self) -> str:
        """The next replica in turn that answers; the primary (``default``) when none does."""
        first = next(self._turns)
        for offset in range(len(self.aliases)):
            alias = self.aliases[(first + offset) % len(self.aliases)]
            if self._clock() < self._down_until.get(alias, float("-inf")):
                continue
            if self._reachable(alias):
                self._down_until.pop(alias, None)
                return alias
            self._down_until[alias] = self._clock() + self.retry_seconds
        return DEFAULT_DB_ALIAS


def reads_from_replica(request: HttpRequest) -> bool:
    """Whether ``request`` may read from a replica: a GET or HEAD outside the admin, from a visitor without a session.

    Only editors have sessions (public pages set none), and they must see their own changes at once.
    """
    return (
        request.method in READ_ONLY_METHODS
        and not request.path_info.startswith(f"/{settings.ADMIN_PATH}")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


class ReplicaReadsMiddleware:
    """Hold each public read-only request's reads of the archive to one replica that answers (see the module).

    Innermost in ``MIDDLEWARE``, so that it covers the view and the rendering of its template; a
    streamed response (the CSV export) keeps the replica while it streams. Not used without replicas.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse], pool: ReplicaPool | None = None) -> None:
        if pool is None:
            aliases = replica_aliases()
            if not aliases:
                raise MiddlewareNotUsed("No DATABASE_REPLICA_URLS: everything reads from the primary.")
            pool = ReplicaPool(aliases, retry_seconds=settings.DATABASE_REPLICA_RETRY_SECONDS)
        self.get_response = get_response
        self.pool = pool

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not reads_from_replica(request):
            return self.get_response(request)
        alias = self.pool.choose()
        with reads_from(alias):
            response = self.get_response(request)
        if response.streaming and not response.is_async:
            response.streaming_content = _streamed_reading_from(alias, response.streaming_content)
        return response


def _streamed_reading_from(alias: str, chunks: Iterable) -> Iterator:
    """``chunks``, produced (by the server, after the view has returned) with reads still going to ``alias``."""
    with reads_from(alias):
        yield from chunks
