"""Answer 503, not a server error, while the database cannot be reached.

When PostgreSQL is down, restarting, refusing connections (too many clients) or the network to it
is cut, every page that reads the archive fails with ``OperationalError`` or ``InterfaceError``.
``DatabaseUnavailableMiddleware`` turns those into a short 503 with ``Retry-After``
(``DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS``) and ``Cache-Control: no-store``: the site's error
page for the HTML pages, JSON like the API's other errors under ``/api/``. Neither needs the
database to render, and neither shows a traceback, whatever ``DEBUG`` says.

The exception is caught where Django offers it to middleware (``process_exception``): raised by
a view, by the page cache in front of it (``articles.caching`` reads the published state from
the database first), or while a template response renders. Sessions and the signed-in user are
loaded lazily, so in the admin the database is first reached inside the view too. Two cases stay
out of reach: a failure in another middleware after the view (a changed session being saved),
which Django turns into a 500 before any middleware sees it, and one in the middle of a streamed
answer (the CSV export), whose status has already been sent.

Other database errors (a constraint, a cancelled statement, a deadlock) are not the database
being unavailable: they stay server errors, with Django's logging.

Nothing needs restarting once the database is back. A failed connection is closed, at the latest
when the request ends (Django's ``close_old_connections``, with ``CONN_HEALTH_CHECKS`` checking a
persistent connection before reusing it), and the next request connects again.
"""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

from articles.api.views import allow_any_origin, is_api_request, json_response

logger = logging.getLogger(__name__)

TEMPLATE = "503.html"  # says the same as MESSAGE, in the site's error page
MESSAGE = "The archive's database is not answering at the moment. Please try again in a little while."
# SQLSTATEs that mean "no usable connection": class 08 (connection exception), 57P01 to 57P05 (the
# server shutting down, crashed, starting up, the database dropped, idle session closed) and
# 53300 (too many connections). https://www.postgresql.org/docs/current/errcodes-appendix.html
UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "57P", "53300")


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means no connection to the database could be had or kept.

    psycopg reports a failure to connect, or a connection lost, without a SQLSTATE (the server
    never answered); a server that refuses or drops the connection sends one of
    ``UNAVAILABLE_SQLSTATE_PREFIXES``. Django wraps either as ``OperationalError`` (the driver's
    error as its ``__cause__``), or raises ``InterfaceError`` for a connection already closed.
    """
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(UNAVAILABLE_SQLSTATE_PREFIXES)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503: JSON under /api/, the site's error page elsewhere; rendered without the database."""
    if is_api_request(request):
        response = allow_any_origin(json_response({"status": 503, "detail": MESSAGE}, status=503))
    else:
        # No request in the context, as for Django's own 500 page: no context processor runs, so
        # nothing (the signed-in user, messages) reaches for the database.
        content = loader.get_template(TEMPLATE).render()
        response = HttpResponse(content, status=503)
    response["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Django logs every 5xx answer ("Service Unavailable: /path", django.utils.log.log_response)
    # unless it is marked as logged: the middleware logs the outage itself, once in a while.
    response._has_been_logged = True
    return response


class DatabaseUnavailableMiddleware:
    """Answer 503 with ``Retry-After`` when the database cannot be reached (see the module).

    Logged at ERROR once per ``DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS`` and process at most,
    with how many requests were answered 503 since the last message, so an outage under load
    writes a few lines, not one per request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.logged_at = float("-inf")
        self.unlogged = 0

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_unavailable(exception):
            return None
        self._log(exception)
        return unavailable_response(request)

    def _log(self, error: Exception) -> None:
        self.unlogged += 1
        now = time.monotonic()
        if now - self.logged_at < settings.DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS:
            return
        reason = str(error).strip().splitlines()
        logger.error(
            "Database unavailable, %d request(s) answered 503 since the last message: %s",
            self.unlogged,
            reason[0] if reason else type(error).__name__,
        )
        self.logged_at, self.unlogged = now, 0
