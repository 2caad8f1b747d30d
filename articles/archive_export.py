"""The whole archive as JSON Lines, and back: a backup that restores it exactly.

``archive_export`` writes every row of the archive's content, drafts and retracted articles
included, one JSON record a line, in one consistent snapshot. ``archive_import`` restores such a
file into a database with no archive in it (or in place of the one there, ``replace``), in one
transaction, keeping every id: permanent addresses are ``/articles/<id>/<slug>/``, merged people's
and tags' old ids redirect, and the editors' history and undo records name rows by id. Then it
rebuilds what is derived from the content.

The file, in this order, so an import can write each line as it reads it (``RECORD_TYPES``):

- ``header``: ``format``, ``version`` (``FORMAT_VERSION``), ``exported_at`` and ``sequences``, the
  last id each table's sequence had handed out, so a restored database never hands out an id the
  archive used before (a deleted row's history, a merged row's redirect);
- ``source``; ``person`` with its ``aliases``; ``merged_person``; ``tag``; ``merged_tag``;
- ``article`` with its earlier ``versions`` and the ids of its ``authors``, ``people`` and ``tags``;
- ``claim`` with its ``reports`` (article and paragraph);
- ``revision``, newest first, so the revision that undid one (``undone_by``) is always restored
  before it; then each ``field_change`` on its own line (one revision may change 10,000 rows);
- ``end``: how many records of each type the file holds, so a file cut short, even between two
  lines, is refused instead of restoring part of the archive.

A record holds every stored field of its model under the field's name (ids of the archive's rows
as numbers, dates ``YYYY-MM-DD``, times ISO 8601 in UTC); the fields are read from the models, so
a field added to one is exported without changing this module. Two relations lead out of the
archive and are written as Django natural keys: a field change's content type
(``["articles", "article"]``) and a revision's editor account (``["alice"]``, its user name).

Left out (``LEFT_OUT``), because they are derived from the content and rebuilt by the import, or
are not the archive's content:

- rebuilt: near-duplicate fingerprints and pairs (``near_duplicates_refresh``), the search
  vocabulary and ranking statistics (``vocabulary_refresh``), the coverage counts (kept by
  migration 0012's triggers as the rows go in), the search vector (a generated column), its
  copy for ranking (migration 0020's triggers), the frequent words' best-scored articles
  (``ranking_champions_refresh``) and the published-state row the caches are keyed by (migration
  0015's triggers);
- operational: the search log (what readers searched, not the archive; a restore starts a new
  one), sign-in failures, and Django's own tables: accounts, groups and permissions (credentials
  have no place in a content backup, and the Editors group comes with the migrations), sessions
  and the admin's log. A revision's account is linked again when the restoring database has an
  account of that user name; otherwise the revision keeps the name (``username``) without the
  account, as when an account is deleted. ``pg_dump`` backs up everything, these included.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from typing import IO, Any

from django.db import DataError, IntegrityError, connection, models, transaction
from django.db.models import Prefetch
from django.utils import timezone
from psycopg import sql

from articles.models import (
    Article,
    ArticleFingerprint,
    ArticleVersion,
    Claim,
    ClaimReport,
    CoverageMonth,
    FieldChange,
    MergedPerson,
    MergedTag,
    NearDuplicate,
    Person,
    PersonAlias,
    PersonCoverage,
    RankingChampion,
    RankingVector,
    Revision,
    SearchLog,
    SignInFailure,
    Source,
    SourceCoverage,
    Tag,
    TagCoverage,
)
from articles.services import near_duplicates_refresh, ranking_champions_refresh, rows_copy, vocabulary_refresh

FORMAT = "news-archive"
# Incremented when files of this version would no longer load the same way (a record type renamed
# or nested differently). A field added to a model is not such a change: older files load as long
# as the new field has a default or may be left blank.
FORMAT_VERSION = 1
HEADER = "header"
END = "end"

# Rows read per query when exporting (with their versions, aliases, links… prefetched per chunk).
EXPORT_CHUNK_SIZE = 500
# Records written per COPY when importing; a refused batch is written again record by record to
# find the line at fault.
IMPORT_BATCH_SIZE = 500
# Articles fingerprinted and matched per step when rebuilding near-duplicates.
NEAR_DUPLICATES_BATCH_SIZE = 500

# Why each model of the app that is not exported is left out (see the module's docstring).
LEFT_OUT: dict[type[models.Model], str] = {
    ArticleFingerprint: "derived from the texts; rebuilt by near_duplicates_refresh",
    NearDuplicate: "derived from the texts; rebuilt by near_duplicates_refresh",
    PersonCoverage: "counts kept by the database's triggers as the rows go in",
    TagCoverage: "counts kept by the database's triggers as the rows go in",
    SourceCoverage: "counts kept by the database's triggers as the rows go in",
    CoverageMonth: "counts kept by the database's triggers as the rows go in",
    RankingVector: "the published articles' vectors, kept by the database's triggers as the rows go in",
    RankingChampion: "derived from the ranking vectors; listed again by ranking_champions_refresh",
    SearchLog: "operational: what readers searched, not the archive's content",
    SignInFailure: "operational: the admin's sign-in throttle",
}


class ArchiveFileError(Exception):
    """A file that cannot be restored: where (``path``, ``line`` when known) and why."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}" if line is not None else f"{path}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class ArchiveNotEmptyError(Exception):
    """The database holds an archive already, and the import was not told to replace it."""

    def __init__(self, counts: dict[str, int]) -> None:
        held = records_describe({name: count for name, count in counts.items() if count})
        super().__init__(
            f"The database already holds an archive ({held}). A restore keeps the ids and addresses of the "
            "file's rows, which would clash with those."
        )
        self.counts = counts


class _LineError(Exception):
    """What is wrong with one record; the reader adds the file and line."""


@dataclass(frozen=True)
class ExportResult:
    records: dict[str, int]  # top-level records written, by type
    elapsed: float  # seconds


@dataclass(frozen=True)
class ImportResult:
    records: dict[str, int]  # top-level records restored, by type
    near_duplicate_pairs: int | None  # found again; None when not rebuilt
    elapsed: float  # seconds


# --- What a record holds --------------------------------------------------------------------------


def stored_fields(model: type[models.Model], *, without: str | None = None) -> list[models.Field]:
    """The fields of ``model`` stored in its table, in declaration order, but generated columns and ``without``."""
    return [f for f in model._meta.concrete_fields if not f.generated and f.name != without]


@dataclass(frozen=True)
class Nested:
    """Rows of another table written inside each record of their parent: ``key`` is their related name."""

    key: str
    model: type[models.Model]
    order_by: str

    @cached_property
    def parent(self) -> models.ForeignKey:
        return next(f for f in self.model._meta.concrete_fields if f.is_relation and f.related_query_name() == self.key)

    @cached_property
    def fields(self) -> list[models.Field]:
        return stored_fields(self.model, without=self.parent.name)


@dataclass(frozen=True)
class RecordType:
    """One kind of line: the rows of ``model``, with the ``nested`` rows and the many-to-many links they own."""

    name: str
    model: type[models.Model]
    order_by: str = "pk"
    nested: tuple[Nested, ...] = ()

    @cached_property
    def fields(self) -> list[models.Field]:
        return stored_fields(self.model)

    @cached_property
    def links(self) -> list[models.ManyToManyField]:
        """Many-to-many fields with a table Django made (a model of its own, like ClaimReport, is exported itself)."""
        return [f for f in self.model._meta.many_to_many if f.remote_field.through._meta.auto_created]

    @cached_property
    def keys(self) -> set[str]:
        return {"type", *(f.name for f in self.fields), *(n.key for n in self.nested), *(f.name for f in self.links)}

    def queryset(self) -> models.QuerySet:
        outside = [f.name for f in self.fields if _leads_outside(f)]
        prefetches = [Prefetch(n.key, queryset=n.model._default_manager.order_by(n.order_by)) for n in self.nested]
        prefetches += [
            Prefetch(f.name, queryset=f.related_model._default_manager.order_by().only("pk")) for f in self.links
        ]
        queryset = self.model._default_manager.order_by(self.order_by).prefetch_related(*prefetches)
        return queryset.select_related(*outside) if outside else queryset

    def record(self, row: models.Model) -> dict[str, Any]:
        record = {"type": self.name, **_fields_json(row, self.fields)}
        for nested in self.nested:
            record[nested.key] = [_fields_json(child, nested.fields) for child in getattr(row, nested.key).all()]
        for link in self.links:
            record[link.name] = sorted(target.pk for target in getattr(row, link.name).all())
        return record


RECORD_TYPES: tuple[RecordType, ...] = (
    RecordType("source", Source),
    RecordType("person", Person, nested=(Nested("aliases", PersonAlias, "pk"),)),
    RecordType("merged_person", MergedPerson),
    RecordType("tag", Tag),
    RecordType("merged_tag", MergedTag),
    RecordType("article", Article, nested=(Nested("versions", ArticleVersion, "number"),)),
    RecordType("claim", Claim, nested=(Nested("reports", ClaimReport, "pk"),)),
    # Newest first: a revision's ``undone_by`` is a later revision, restored before it.
    RecordType("revision", Revision, order_by="-pk"),
    RecordType("field_change", FieldChange),
)
RECORD_TYPES_BY_NAME = {record_type.name: record_type for record_type in RECORD_TYPES}


def records_describe(records: dict[str, int]) -> str:
    """Counts of records by type in words, in the given order: "9 sources, 15 people, 1 merged person"."""
    return ", ".join(
        f"{count} {meta.verbose_name if count == 1 else meta.verbose_name_plural}"
        for name, count in records.items()
        for meta in [RECORD_TYPES_BY_NAME[name].model._meta]
    )


EXPORTED_MODELS: tuple[type[models.Model], ...] = (
    *(record_type.model for record_type in RECORD_TYPES),
    *(nested.model for record_type in RECORD_TYPES for nested in record_type.nested),
    *(link.remote_field.through for record_type in RECORD_TYPES for link in record_type.links),
)
# Tables a restore must find empty, or empties with ``replace``: the archive and what is derived
# from it in tables of its own (the coverage counts follow by trigger).
CLEARED_MODELS = (*EXPORTED_MODELS, ArticleFingerprint, NearDuplicate, RankingChampion)
# Whose ids come from a sequence the header records (merged rows keep the id of the row they were;
# the many-to-many tables' ids are not exported).
SEQUENCED_MODELS = tuple(
    model
    for model in (
        *(record_type.model for record_type in RECORD_TYPES),
        *(nested.model for record_type in RECORD_TYPES for nested in record_type.nested),
    )
    if isinstance(model._meta.pk, models.AutoField)
)
MERGED_IDS = {Person: MergedPerson, Tag: MergedTag}


def _leads_outside(field: models.Field) -> bool:
    """A relation to a row that is not the archive's (an account, a content type): written as its natural key."""
    return field.is_relation and field.related_model not in EXPORTED_MODELS


# --- Export ---------------------------------------------------------------------------------------


def archive_export(*, write: Callable[[str], object]) -> ExportResult:
    """Write the whole archive to ``write`` as JSON Lines (see the module's docstring), one call a line.

    Read in one REPEATABLE READ transaction, so the file is one consistent state of the archive
    while editors keep working, and streamed: ``EXPORT_CHUNK_SIZE`` rows at a time with what they
    own, so memory stays flat whatever the archive's size.
    """
    started = time.monotonic()
    records: dict[str, int] = {}
    with _snapshot():
        header = {
            "type": HEADER,
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "exported_at": _datetime_json(timezone.now()),
            "sequences": _sequences_read(),
        }
        write(_line(header))
        for record_type in RECORD_TYPES:
            count = 0
            for row in record_type.queryset().iterator(chunk_size=EXPORT_CHUNK_SIZE):
                write(_line(record_type.record(row)))
                count += 1
            records[record_type.name] = count
        write(_line({"type": END, "records": records}))
    return ExportResult(records=records, elapsed=time.monotonic() - started)


@contextmanager
def _snapshot() -> Iterator[None]:
    """One transaction that sees the archive as it was when it began (inside another, that one's)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _line(record: dict[str, Any]) -> str:
    # Not ASCII-escaped, so texts stay readable; JSON escapes every line break inside strings.
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def _datetime_json(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _fields_json(row: models.Model, fields: Iterable[models.Field]) -> dict[str, Any]:
    values = {}
    for field in fields:
        if _leads_outside(field):
            related = getattr(row, field.name)
            values[field.name] = None if related is None else list(related.natural_key())
            continue
        value = getattr(row, field.attname)
        if isinstance(value, datetime):
            value = _datetime_json(value)
        elif isinstance(value, date):
            value = value.isoformat()
        values[field.name] = value
    return values


def _sequence_sql(model: type[models.Model]) -> str:
    return f"pg_get_serial_sequence('{model._meta.db_table}', '{model._meta.pk.column}')::regclass"


def _sequences_read() -> dict[str, int]:
    """The last id each sequenced table's sequence handed out (0 if none), by model label."""
    sequences = {}
    with connection.cursor() as cursor:
        for model in SEQUENCED_MODELS:
            cursor.execute(f"SELECT coalesce(pg_sequence_last_value({_sequence_sql(model)}), 0)")
            sequences[model._meta.label_lower] = cursor.fetchone()[0]
    return sequences


# --- Import ---------------------------------------------------------------------------------------


def archive_counts() -> dict[str, int]:
    """How many rows of each top-level record type the database holds."""
    return {record_type.name: record_type.model._default_manager.count() for record_type in RECORD_TYPES}


def archive_clear() -> None:
    """Delete the whole archive: every exported table and what is derived from it, in one transaction.

    Accounts, groups, the search log and sign-in failures stay. Sequences are not reset, so no id
    is handed out again. TRUNCATE rather than DELETE: the fingerprints alone are some 300 rows an
    article. It locks the tables until the transaction ends.
    """
    with transaction.atomic(), _constraints_checked_at_once():
        _tables_truncate()
        vocabulary_refresh()


def archive_import(
    *,
    stream: IO[bytes],
    path: str,
    replace: bool = False,
    near_duplicates: bool = True,
    on_progress: Callable[[str], None] | None = None,
) -> ImportResult:
    """Restore an ``archive_export`` file, read from ``stream`` (``path`` names it in errors), in one transaction.

    Refused (``ArchiveNotEmptyError``) if the database holds an archive, unless ``replace``, which
    empties it first in the same transaction. Every id is kept; afterwards each sequence is moved
    past the ids restored and the file's recorded sequences, never back. A file that cannot be
    restored raises ``ArchiveFileError`` with the line at fault, and nothing is changed: a header
    of another format or version, a line that is not a record of this archive (unknown type or
    field, wrong type of value), a row the database refuses (found by writing the refused batch
    again record by record), or a file cut short (no end record, or fewer records than it counts).

    Then what is derived is rebuilt, in the same transaction: the near-duplicates of every article
    (unless ``near_duplicates`` is False: then run ``find_near_duplicates`` later), the search
    vocabulary and statistics; the coverage counts follow by trigger as the rows go in.
    ``on_progress`` receives a line of news after each batch and step.
    """
    started = time.monotonic()
    progress = on_progress or (lambda message: None)
    lines = _records_read(stream, path)
    sequences = _header_check(next(lines, None), path)
    records = dict.fromkeys(RECORD_TYPES_BY_NAME, 0)
    with transaction.atomic(), _constraints_checked_at_once():
        if replace:
            _tables_truncate()
        elif any((counts := archive_counts()).values()):
            raise ArchiveNotEmptyError(counts)
        natural_keys = _NaturalKeys()
        batch: list[_Record] = []
        end = None
        for number, data in lines:
            kind = data.get("type")
            if kind == END:
                end = (number, data)
                break
            record_type = RECORD_TYPES_BY_NAME.get(kind)
            if record_type is None:
                raise ArchiveFileError(path, number, f"unknown record type {kind!r}")
            if batch and (batch[0].type is not record_type or len(batch) >= IMPORT_BATCH_SIZE):
                _batch_store(batch, path)
                progress(f"{sum(records.values())} records restored (line {number})")
                batch = []
            try:
                batch.append(_Record(record_type, number, _record_parse(record_type, data, natural_keys)))
            except _LineError as error:
                raise ArchiveFileError(path, number, f"{kind}: {error}") from None
            records[kind] += 1
        if batch:
            _batch_store(batch, path)
        _end_check(end, records, lines, path)
        progress(f"{sum(records.values())} records restored")
        _tables_analyse()
        pairs = None
        if near_duplicates:
            pairs = _near_duplicates_rebuild(progress)
        vocabulary_refresh()
        ranking_champions_refresh()  # from the statistics just counted
        # Last, just before the commit: sequences are not transactional.
        _sequences_advance(sequences)
    return ImportResult(records=records, near_duplicate_pairs=pairs, elapsed=time.monotonic() - started)


@contextmanager
def _constraints_checked_at_once() -> Iterator[None]:
    """Foreign keys checked after each statement rather than at the commit, so a bad row is told at its line.

    Also what lets TRUNCATE run after rows written earlier in the transaction (it refuses
    tables with checks still pending). Django's foreign keys are deferred again afterwards; on
    an error, rolling back the transaction or savepoint restores them.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _tables_truncate() -> None:
    tables = sql.SQL(", ").join(sql.Identifier(model._meta.db_table) for model in CLEARED_MODELS)
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("TRUNCATE {}").format(tables))


def _records_read(stream: IO[bytes], path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each line of ``stream`` as (line number, JSON object); anything else is an ArchiveFileError."""
    lines = iter(stream)
    number = 0
    while True:
        try:
            raw = next(lines)
        except StopIteration:
            return
        except (OSError, EOFError) as error:  # a damaged or truncated .gz
            raise ArchiveFileError(path, number + 1, f"unreadable: {error}") from None
        number += 1
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ArchiveFileError(path, number, f"not UTF-8 text ({error.reason} at byte {error.start})") from None
        if not text.strip():
            raise ArchiveFileError(path, number, "an empty line: every line holds one record")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            reason = f"not a JSON record ({error.msg}: column {error.colno})"
            if not text.endswith("\n"):
                reason += ", on a last line without a line break: was the file cut short?"
            raise ArchiveFileError(path, number, reason) from None
        if not isinstance(data, dict):
            raise ArchiveFileError(path, number, "not a record: a JSON object was expected")
        yield number, data


def _header_check(first: tuple[int, dict[str, Any]] | None, path: str) -> dict[str, int]:
    """Check the first record is this format's header, of a version this code reads; returns its sequences."""
    if first is None:
        raise ArchiveFileError(path, None, "the file is empty: an archive export starts with its header")
    number, header = first
    if header.get("type") != HEADER or header.get("format") != FORMAT:
        raise ArchiveFileError(path, number, f"not an archive export: the first line must be a {FORMAT!r} header")
    version = header.get("version")
    if type(version) is not int:
        raise ArchiveFileError(path, number, "the header has no format version")
    if version > FORMAT_VERSION:
        raise ArchiveFileError(
            path, number, f"written in format version {version}, newer than this archive reads ({FORMAT_VERSION})"
        )
    if version < FORMAT_VERSION:
        raise ArchiveFileError(path, number, f"format version {version} is no longer read ({FORMAT_VERSION} is)")
    sequences = header.get("sequences")
    if not isinstance(sequences, dict) or any(type(value) is not int or value < 0 for value in sequences.values()):
        raise ArchiveFileError(path, number, "the header's sequences are not whole numbers by table")
    return sequences


@dataclass(frozen=True, slots=True)
class _Record:
    """One line read, as the rows it writes: ``tables[i]`` for ``_tables(type)[i]``."""

    type: RecordType
    line: int
    tables: list[list[tuple]]


class _NaturalKeys:
    """Ids of rows outside the archive (accounts, content types) by natural key, each looked up once."""

    def __init__(self) -> None:
        self.found: dict[tuple[type[models.Model], tuple], int | None] = {}

    def id(self, field: models.ForeignKey, key: Any) -> int | None:
        model = field.related_model
        if not isinstance(key, list) or not all(isinstance(part, str) for part in key):
            raise _LineError(f"{field.name} must be a list of names (a natural key)")
        cache_key = (model, tuple(key))
        if cache_key not in self.found:
            try:
                self.found[cache_key] = model._default_manager.get_by_natural_key(*key).pk
            except (model.DoesNotExist, TypeError):
                self.found[cache_key] = None
        pk = self.found[cache_key]
        if pk is None and not field.null:
            raise _LineError(f"this database has no {model._meta.verbose_name} {'.'.join(key)!r} ({field.name})")
        # An account the restoring database does not have: the revision keeps its user name alone.
        return pk


def _tables(record_type: RecordType) -> list[tuple[str, list[str]]]:
    """The tables a record type writes, in order (the record's row first), each with its columns."""
    tables = [(record_type.model._meta.db_table, [f.column for f in record_type.fields])]
    for nested in record_type.nested:
        tables.append((nested.model._meta.db_table, [nested.parent.column, *(f.column for f in nested.fields)]))
    for link in record_type.links:
        tables.append((link.m2m_db_table(), [link.m2m_column_name(), link.m2m_reverse_name()]))
    return tables


def _record_parse(record_type: RecordType, data: dict[str, Any], natural_keys: _NaturalKeys) -> list[list[tuple]]:
    unknown = data.keys() - record_type.keys
    if unknown:
        # Refused rather than dropped: nothing in the file may be lost on the way in.
        raise _LineError(f"unknown field {sorted(unknown)[0]!r}: this archive would have nowhere to keep it")
    row = _fields_parse(record_type.fields, data, natural_keys)
    pk = data.get(record_type.model._meta.pk.name)
    tables = [[row]]
    for nested in record_type.nested:
        children = data.get(nested.key, [])
        if not isinstance(children, list) or not all(isinstance(child, dict) for child in children):
            raise _LineError(f"{nested.key} must be a list of objects")
        rows = []
        for child in children:
            unknown = child.keys() - {f.name for f in nested.fields}
            if unknown:
                raise _LineError(f"{nested.key}: unknown field {sorted(unknown)[0]!r}")
            rows.append((pk, *_fields_parse(nested.fields, child, natural_keys)))
        tables.append(rows)
    for link in record_type.links:
        targets = data.get(link.name, [])
        if not isinstance(targets, list) or not all(type(target) is int for target in targets):
            raise _LineError(f"{link.name} must be a list of ids")
        tables.append([(pk, target) for target in targets])
    return tables


INTEGER_FIELDS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
    }
)
TEXT_FIELDS = frozenset({"CharField", "TextField", "SlugField", "URLField", "EmailField", "GenericIPAddressField"})


def _fields_parse(fields: Iterable[models.Field], data: dict[str, Any], natural_keys: _NaturalKeys) -> tuple:
    """The values of ``fields`` in ``data``, checked and made ready for the database, in order."""
    values = []
    for field in fields:
        if field.name not in data:
            # Older files lack the fields added since; those with a default, or that may be blank, take it.
            if field.has_default() or (field.blank and field.empty_strings_allowed):
                values.append(field.get_db_prep_save(field.get_default(), connection))
            elif field.null:
                values.append(None)
            else:
                raise _LineError(f"no {field.name}")
            continue
        value = data[field.name]
        if value is None:
            if not field.null:
                raise _LineError(f"{field.name} is null, which it may not be")
            values.append(None)
        elif _leads_outside(field):
            values.append(natural_keys.id(field, value))
        else:
            values.append(field.get_db_prep_save(_value_parse(field, value), connection))
    return tuple(values)


def _value_parse(field: models.Field, value: Any) -> Any:
    """``value`` as read from JSON, as the Python value ``field`` holds; _LineError if it is of the wrong kind."""
    kind = (field.target_field if field.is_relation else field).get_internal_type()
    if kind in INTEGER_FIELDS:
        expected, ok = "a whole number", type(value) is int
    elif kind in TEXT_FIELDS:
        expected, ok = "a string", isinstance(value, str)
    elif kind == "BooleanField":
        expected, ok = "true or false", isinstance(value, bool)
    elif kind == "FloatField":
        expected, ok = "a number", type(value) in (int, float)
    elif kind == "JSONField":
        expected, ok = "JSON", True
    elif kind == "DateField":
        expected, ok = "a date (YYYY-MM-DD)", isinstance(value, str)
        if ok:
            try:
                return date.fromisoformat(value)
            except ValueError:
                ok = False
    elif kind == "DateTimeField":
        expected, ok = "a time with its offset (ISO 8601)", isinstance(value, str)
        if ok:
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                ok = False
            else:
                if moment.tzinfo is not None:
                    return moment
                ok = False
    else:  # a field type this module does not know yet: add it above
        raise TypeError(f"{field} ({kind}) cannot be read from an archive export")
    if not ok:
        raise _LineError(f"{field.name} must be {expected}, not {json.dumps(value, ensure_ascii=False)[:80]}")
    return value


def _batch_store(batch: list[_Record], path: str) -> None:
    """Write records of one type; if the database refuses them, find the line it refuses and raise with it."""
    try:
        with transaction.atomic():
            _records_copy(batch)
        return
    except (IntegrityError, DataError) as error:
        refused = error
    # Again record by record, in order, each in a savepoint: the first refused is the line at fault.
    for record in batch:
        try:
            with transaction.atomic():
                _records_copy([record])
        except (IntegrityError, DataError) as error:
            raise ArchiveFileError(path, record.line, f"{record.type.name}: {_database_reason(error)}") from None
    lines = f"lines {batch[0].line}-{batch[-1].line}"
    raise ArchiveFileError(path, None, f"{lines}: {_database_reason(refused)}") from refused


def _database_reason(error: Exception) -> str:
    # PostgreSQL's first line says what is wrong, and a DETAIL naming a key which value: keep both
    # (not one quoting the whole failing row, text and search vector included).
    lines = [" ".join(line.split()) for line in str(error).strip().splitlines() if line.strip()]
    detail = next((line for line in lines[1:] if line.startswith("DETAIL: Key ")), "")
    reason = f"refused by the database: {lines[0] if lines else type(error).__name__}"
    return f"{reason} ({detail})" if detail else reason


def _records_copy(records: list[_Record]) -> None:
    for index, (table, columns) in enumerate(_tables(records[0].type)):
        rows = [row for record in records for row in record.tables[index]]
        if rows:
            rows_copy(table, columns, rows)


def _end_check(
    end: tuple[int, dict[str, Any]] | None,
    records: dict[str, int],
    lines: Iterator[tuple[int, dict[str, Any]]],
    path: str,
) -> None:
    """The file ends with its end record, which counts exactly the records read, and nothing follows it."""
    if end is None:
        raise ArchiveFileError(path, None, "the file ends without its end record: it was cut short")
    number, data = end
    counted = data.get("records")
    if not isinstance(counted, dict):
        raise ArchiveFileError(path, number, "the end record does not count the records")
    for name in sorted(counted.keys() | {name for name, count in records.items() if count}):
        if counted.get(name, 0) != records.get(name, 0):
            raise ArchiveFileError(
                path,
                number,
                f"the file counts {counted.get(name, 0)} {name} records but holds {records.get(name, 0)}: "
                "lines are missing or were added",
            )
    extra = next(lines, None)
    if extra is not None:
        raise ArchiveFileError(path, extra[0], "a record after the end record")


def _tables_analyse() -> None:
    """Fresh planner statistics for the restored tables, which the rebuilding steps then query."""
    tables = sql.SQL(", ").join(sql.Identifier(model._meta.db_table) for model in EXPORTED_MODELS)
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("ANALYZE {}").format(tables))


def _near_duplicates_rebuild(progress: Callable[[str], None]) -> int:
    """Fingerprint every article and find its near-duplicates, batch by batch in id order; returns the pairs."""
    total = Article.objects.count()
    done = last = 0
    while batch := list(
        Article.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:NEAR_DUPLICATES_BATCH_SIZE]
    ):
        near_duplicates_refresh(batch)
        done += len(batch)
        last = batch[-1]
        progress(f"near-duplicates: {done} of {total} articles")
    return NearDuplicate.objects.count() // 2


def _sequences_advance(recorded: dict[str, int]) -> None:
    """Move each sequence past every id restored and the file's recorded value; never back.

    Never back: after a restore in place of another archive (``replace``), ids that archive
    handed out are not handed out again either. The many-to-many tables' ids are not exported:
    theirs move past the rows restored.
    """
    through = [link.remote_field.through for record_type in RECORD_TYPES for link in record_type.links]
    with connection.cursor() as cursor:
        for model in (*SEQUENCED_MODELS, *through):
            highest = [f"(SELECT max({model._meta.pk.column}) FROM {model._meta.db_table})"]
            if model in MERGED_IDS:
                highest.append(f"(SELECT max(id) FROM {MERGED_IDS[model]._meta.db_table})")
            cursor.execute(
                f"SELECT GREATEST(%s, pg_sequence_last_value({_sequence_sql(model)}), {', '.join(highest)})",
                [recorded.get(model._meta.label_lower, 0)],
            )
            (value,) = cursor.fetchone()
            if value:
                cursor.execute(f"SELECT setval({_sequence_sql(model)}, %s)", [value])
