"""Caches of what the public pages show, keyed by the archive's published state.

Every statement that changes a table the public pages read bumps one row,
``articles_publicversion`` (migration 0015's triggers), in the writer's own transaction. A
reader sees the new number only once the change is committed, so a value cached under a number
is what any reader would compute while that number is current: publishing, retracting, an
edited name or a new link makes every key new, and nothing is ever invalidated by hand. Old
entries expire after ``ARCHIVE_CACHE_SECONDS`` (counts kept by segment, which stay right, after
``ARCHIVE_COUNTS_KEPT_SECONDS`` unread) or are pushed out by the cache's size limit (``CACHES``
in the settings: files, shared by the server's processes). ``ARCHIVE_CACHE_SECONDS = 0`` turns
caching off.

Four things are cached:

- ``cached_value``: values computed from the database, keyed by what they were computed from
  (the search page's counts, with the ids of a search's results when they are few, keyed by the
  parameters their statement is written from);
- ``by_segment``: values computed for each block of article ids, a segment, kept under that
  segment's own number of changes (migrations 0024 and 0025's triggers) rather than the whole archive's:
  after a change to a few articles, what the other segments' articles gave is still good (the
  search page's counts, before they are added up and cached with ``cached_value``);
- ``remembered``: small values this process computed, kept in its memory (whether a search
  falls back to partial matches, which people its words name); and ``written``, statements the
  ORM wrote, kept the same way whatever the state;
- ``cache_public_page``: whole responses of pages that show the same thing to everyone (an
  article, a person, the home page), with an ``ETag`` so a client that has the page gets a 304.
"""

import functools
import hashlib
import threading
import uuid
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import django
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag

from articles.search import read_connection

PUBLIC_VERSION_SQL = "SELECT database, number, changed_by, people_number, people_changed_by FROM articles_publicversion"
# Articles are in segments of 2^COUNT_SEGMENT_BITS ids, as migration 0025's triggers count them,
# and ``by_segment`` counts them in blocks of 2^BLOCK_BITS segments (32,768 ids), but the newest block.
COUNT_SEGMENT_BITS = 11
BLOCK_BITS = 4
COUNT_SEGMENTS_SQL = "SELECT segment, number, changed_by FROM articles_countsegment"
# What the triggers of migration 0015 do, for a change no table's trigger sees (an index swapped).
PUBLIC_VERSION_BUMP_SQL = (
    "UPDATE articles_publicversion SET number = number + 1, changed_by = pg_current_xact_id()::text::bigint"
)
# Values ``remembered`` keeps, in each process; the oldest are dropped first.
REMEMBERED_KEPT = 4096

_remembered: dict[tuple, Any] = {}
_remembered_lock = threading.Lock()
_NOT_REMEMBERED = object()  # what is remembered may be None


def public_version() -> str | None:
    """The published state as this transaction sees it: the database, its number of changes, the last writer.

    The database's random id keeps apart databases sharing a cache. The writer's transaction id
    tells apart two states reached by the same number of changes, as when a transaction is rolled
    back and another makes as many (tests do, inside their transactions). None if the row is
    missing: then nothing is cached. Read where the request reads the archive (its replica, if it
    has one), so that the key and what is cached under it come from the same server. Read once
    within ``one_published_state``.
    """
    return _states()["version"]


def people_version() -> str | None:
    """The state of the people readers may find by name (migration 0026), as ``public_version`` gives
    the published state's, with which it is read: the database, its number of changes, the last writer.

    It moves with the people's names and aliases, their links to articles, the published articles
    each has, the claims, and the articles' status, not with an edit to an article's text or tags.
    """
    return _states()["people"]


def _states() -> dict[str, str | None]:
    """The published state and the people's (``public_version``, ``people_version``): read in one
    statement, once within ``one_published_state``."""
    known = _one_state.get()
    if known is not None and "version" in known:
        return known
    with read_connection().cursor() as cursor:
        cursor.execute(PUBLIC_VERSION_SQL)
        row = cursor.fetchone()
    database, number, changed_by, people_number, people_changed_by = row or (None,) * 5
    states = {
        "version": f"{database}.{number}.{changed_by}" if row else None,
        "people": f"{database}.{people_number}.{people_changed_by}" if row else None,
    }
    if known is not None:
        known.update(states)
    return states


# Within ``one_published_state``: what ``_states`` read.
_one_state: ContextVar[dict[str, str | None] | None] = ContextVar("one_published_state", default=None)


@contextmanager
def one_published_state() -> Iterator[None]:
    """Within it, ``public_version`` is read once: for a transaction whose statements all see one
    snapshot (REPEATABLE READ, as a search request's: ``search.search_transaction``), the state
    cannot change while it lasts."""
    token = _one_state.set({})
    try:
        yield
    finally:
        _one_state.reset(token)


def _enabled() -> bool:
    return settings.ARCHIVE_CACHE_SECONDS > 0


def _code_version() -> str:
    """A digest of Django's version, this app's code and the templates: what wrote what the cache holds."""
    digest = hashlib.sha256(django.get_version().encode())
    files = [*Path(__file__).parent.rglob("*.py"), *(settings.BASE_DIR / "templates").rglob("*.*")]
    for path in sorted(files):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# Part of every key, so that a server started with other code (a deploy) neither serves the pages
# nor reads the counts the old code cached: ``counts`` keys its rows by what its statement is
# written from, not by the statement.
CODE_VERSION = _code_version()


def _key(namespace: str, version: str, material: str) -> str:
    digest = hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()
    return f"archive:{namespace}:{CODE_VERSION}:{version}:{digest}"


def cached_value(namespace: str, material: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, or what it returned before in the same published state for the same ``material``.

    ``material`` must determine the value entirely (with the published state and the code, which
    every key holds): an SQL statement with its parameters does, and so do the inputs it is written from.
    """
    version = public_version() if _enabled() else None
    if version is None:
        return compute()
    key = _key(namespace, version, material)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, settings.ARCHIVE_CACHE_SECONDS)
    return value


def remembered(
    namespace: str, key: Hashable, compute: Callable[[], Any], state: Callable[[], str | None] = public_version
) -> Any:
    """``compute()``, or what it returned before in this process, in the same ``state``, for ``key``.

    For small values that take a statement the ORM is slow to write: ``key`` must determine the
    value with the state (the published state, or a narrower one such as ``people_version`` when
    the value is read from no more than it covers) and this process's code. Kept in the process's
    memory, never shared: a server started with other code computes afresh.
    """
    version = state() if _enabled() else None
    if version is None:
        return compute()
    return _remember((namespace, version, key), compute)


def written(namespace: str, key: Hashable, write: Callable[[], Any]) -> Any:
    """``write()``, or what it returned before in this process for ``key``, in whatever published state.

    For statements the ORM writes, as SQL and parameters, when writing them costs more than running
    them: ``key`` must determine the statement entirely with this process's code, as the inputs it
    is written from do; what the statement reads is never part of it. Kept as ``remembered`` keeps
    its values, so that a change to the archive, which makes every value remembered stale, leaves
    the statements to run again, not to write again.
    """
    return _remember((namespace, None, key), write)


def _remember(remembered_key: tuple, compute: Callable[[], Any]) -> Any:
    value = _remembered.get(remembered_key, _NOT_REMEMBERED)
    if value is _NOT_REMEMBERED:
        value = compute()
        with _remembered_lock:
            _remembered[remembered_key] = value
            while len(_remembered) > REMEMBERED_KEPT:
                del _remembered[next(iter(_remembered))]
    return value


def count_segment_bounds(segment: int) -> tuple[int, int]:
    """The first article id of ``segment`` and the first of the next one."""
    return segment << COUNT_SEGMENT_BITS, (segment + 1) << COUNT_SEGMENT_BITS


def _count_segments() -> tuple[str, dict[int, str]] | None:
    """The database and each segment's state (its number of changes, its last writer), or None.

    None when values cannot be kept by segment: caching is off, or the statements of the caller
    may not all see one snapshot (outside ``one_published_state``), so that segments counted now
    and segments counted before could not be added up as one state of the archive. Read once
    within it: a search's counts and what another value of a chosen facet would add read them both.
    """
    known = _one_state.get()
    version = public_version() if _enabled() and known is not None else None
    if version is None:
        return None
    if "segments" not in known:  # read once within it, as the published state is
        with read_connection().cursor() as cursor:
            cursor.execute(COUNT_SEGMENTS_SQL)
            known["segments"] = {segment: f"{number}.{changed_by}" for segment, number, changed_by in cursor.fetchall()}
    return version.split(".", 1)[0], known["segments"]


class SegmentTotal(Protocol):
    """What ``by_segment`` adds the units' values up into."""

    def add(self, unit: int, value: Any) -> None: ...

    def remove(self, unit: int, value: Any) -> None: ...


Total = TypeVar("Total", bound=SegmentTotal)
# What ``by_segment`` keeps a value for: segments (first, how many), a whole block or one segment.
Unit = tuple[int, int]


def block_of(segment: int) -> int:
    return segment >> BLOCK_BITS


@dataclass(frozen=True)
class _Kept:
    """What ``by_segment`` keeps for a material: the states it counted, its units and their sum."""

    states: dict[int, str]
    segments: dict[Unit, Any]  # the values of units of one segment: those of split blocks
    # The units of whole blocks, whose values are kept apart, under ``blocks_token``: read and
    # written only when one of those blocks changes, which changes seldom (``by_segment``).
    blocks: frozenset[Unit]
    blocks_token: str | None
    added: Any


def by_segment(
    namespace: str,
    material: str,
    compute: Callable[[list[int] | None, frozenset[int], Total], tuple[dict[int, Any], bool]],
    *,
    empty: Any,
    total: Callable[[], Total],
    kept_only: bool = False,
) -> Total | None:
    """The sum (``total()``, added to) of ``compute``'s values for every segment that may hold articles.

    ``compute(segments, split, others)`` computes the values of ``segments`` (None: of all of
    them, which it may then do without naming them), knowing the sum of the others' values: for
    each block in ``split``, a value for each of its segments; for every other block, one for its
    segments together; each keyed by its first segment. It returns those it found (a unit it
    leaves out gets ``empty``) and whether they may be kept.

    What is kept for ``material``: the segments' states, each unit's value and their sum. When
    some segments' states have changed since, their units' old values are taken out of the sum
    and their new ones, computed, put in: the other units are neither computed nor added up
    again (when half the segments or more are to be computed, all are, at once). The newest block
    is split, as is any block kept split, so that a change there, where imports and edits land
    most, costs a segment (until everything is counted again); a change to an older block costs
    its block, counted as one unit: a sixteenth of the values its segments would give to group,
    keep and add up. The whole blocks' values (most of them)
    are a cache entry of their own, read and written only when one of those blocks changes: a
    common word's at 1,000,000 articles took 35 ms to read and write. Written again only when
    something was computed; two processes writing at once each write values that are right for
    the states they name. They stay right as the archive changes, so they last longer than the
    pages, ``ARCHIVE_COUNTS_KEPT_SECONDS`` unread, and each reading that finds them current or
    writes them keeps them, the whole blocks' values with them, as long again: a search read
    every few hours is never counted whole again only because an hour has passed
    (``ARCHIVE_CACHE_SECONDS``, the pages' time). With ``kept_only``, None when nothing is kept
    for ``material``: nothing is computed then.
    """
    segments = _count_segments()
    if segments is None:
        if kept_only:
            return None
        added = total()
        found, _ = compute(None, frozenset(), added)
        for first, value in found.items():
            added.add(first, value)
        return added
    database, states = segments
    key = _key(namespace, database, material)
    kept = cache.get(key)
    if kept is None:
        if kept_only:
            return None
        kept = _Kept({}, {}, frozenset(), None, total())
    kept_units = [*kept.segments, *kept.blocks]
    stale = [unit for unit in kept_units if any(states.get(s) != kept.states.get(s) for s in _segments_of(unit))]
    covered = {segment for unit in kept_units for segment in _segments_of(unit)}
    counted = {segment for unit in stale for segment in _segments_of(unit) if segment in states}
    counted |= states.keys() - covered
    if not stale and not counted:
        # Read and current: kept for as long again, with the whole blocks' values they name.
        cache.touch(key, settings.ARCHIVE_COUNTS_KEPT_SECONDS)
        if kept.blocks_token:
            cache.touch(f"{key}:{kept.blocks_token}", settings.ARCHIVE_COUNTS_KEPT_SECONDS)
        return kept.added
    newest = frozenset({block_of(max(states, default=0))})
    split = newest | {block_of(first) for first, _ in kept.segments}
    values, added = dict(kept.segments), kept.added
    blocks_changed = any(size > 1 for _, size in [*stale, *(_unit(segment, split) for segment in counted)])
    everything = 2 * len(counted) >= len(states)
    if blocks_changed and not everything and kept.blocks:
        blocks = cache.get(f"{key}:{kept.blocks_token}")
        everything = blocks is None  # pushed out of the cache: their values are not known
        values.update(blocks or {})
    if everything:
        # Half the archive or more: counted at once, through the search's own index rather than by
        # ranges of ids (at 100,000 articles, two segments of four took 656 ms by ranges, all 407).
        values, added, stale, counted, blocks_changed, split = {}, total(), [], set(states), True, newest
    for unit in stale:
        added.remove(unit[0], values.pop(unit))
    found, keep = compute(None if everything else sorted(counted), split, added) if counted else ({}, True)
    for unit in sorted({_unit(segment, split) for segment in counted}):
        values[unit] = found.pop(unit[0], empty)
        added.add(unit[0], values[unit])
    for first, value in found.items():  # found where no state says a segment is (none should be): never kept
        added.add(first, value)
        keep = False
    if not keep:
        return added
    blocks, blocks_token = kept.blocks, kept.blocks_token
    if blocks_changed:
        blocks = frozenset(unit for unit in values if unit[1] > 1)
        blocks_token = uuid.uuid4().hex if blocks else None  # an archive within its newest block has none
        if blocks:
            blocks_values = {unit: values[unit] for unit in blocks}
            cache.set(f"{key}:{blocks_token}", blocks_values, settings.ARCHIVE_COUNTS_KEPT_SECONDS)
    one_segment = {unit: value for unit, value in values.items() if unit[1] == 1}
    cache.set(key, _Kept(states, one_segment, blocks, blocks_token, added), settings.ARCHIVE_COUNTS_KEPT_SECONDS)
    if blocks_token and not blocks_changed:
        # The whole blocks' values, read by no one since they were written, are kept as long.
        cache.touch(f"{key}:{blocks_token}", settings.ARCHIVE_COUNTS_KEPT_SECONDS)
    return added


def _segments_of(unit: Unit) -> range:
    first, size = unit
    return range(first, first + size)


def _unit(segment: int, split: frozenset[int]) -> Unit:
    """The unit ``segment`` is counted in: itself in a split block, else its whole block."""
    if block_of(segment) in split:
        return segment, 1
    return block_of(segment) << BLOCK_BITS, 1 << BLOCK_BITS


def cache_public_page(view: Callable) -> Callable:
    """Serve ``view``'s successful GET responses from the cache while the published state is the same.

    For pages that show the same thing to every visitor: the key is the page's full address
    (scheme, host, path and query), the published state and today's date (pages cite the day
    they are read on). Only a 200 without cookies is kept. Each answer carries an ``ETag`` of
    that key, and a request whose ``If-None-Match`` has it gets a 304 without the page being
    built or read from the cache.
    """

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        version = public_version() if _enabled() and request.method in ("GET", "HEAD") else None
        if version is None:
            return view(request, *args, **kwargs)
        key = _key("page", version, f"{timezone.localdate().isoformat()} {request.build_absolute_uri()}")
        etag = quote_etag(hashlib.sha256(key.encode()).hexdigest()[:32])
        if not_modified := get_conditional_response(request, etag=etag):
            not_modified["ETag"] = etag
            return not_modified
        stored = cache.get(key)
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content, headers=headers)
        else:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            if not _shareable(response):
                return response
            # The view's own headers: the middleware adds theirs to cached and fresh answers alike.
            cache.set(key, (response.content, dict(response.headers)), settings.ARCHIVE_CACHE_SECONDS)
        response["ETag"] = etag
        return response

    return wrapped


def _shareable(response: HttpResponse) -> bool:
    """Whether ``response`` may be served to anyone else: a complete 200 that sets no cookie and is not private."""
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
    )
