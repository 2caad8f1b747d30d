"""Reading articles from files: ``.txt`` (headline, then body) and ``.jsonl`` (one object a line).

Nothing here writes to the database. ``iter_inputs`` walks the given paths and
yields, in file order, either an ``ArticleInput`` that passed validation or an
``ImportFailure`` saying which file (and line) was wrong and why. Everything is
a generator and files are read with size limits, so a folder of a million files
or a JSONL file of many gigabytes is read in constant memory. ``read_ahead``
lets a thread do that reading (and whatever else a generator adds, such as the
digest of each body) while the importer waits on the database.

Validation mirrors the model (field lengths, the language pattern, the date
precision rule) so that bad input is reported with a clear reason here rather
than as a database error for the whole batch later.
"""

from __future__ import annotations

import codecs
import json
import os
import queue
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from articles.models import Article, DatePrecision, Person, Source, Tag
from articles.text import normalise_body

TXT_SUFFIX = ".txt"
JSONL_SUFFIX = ".jsonl"
SUPPORTED_SUFFIXES = (TXT_SUFFIX, JSONL_SUFFIX)

MEGABYTE = 1024 * 1024
# A news article is a few kilobytes; anything this large is a broken export, not an article.
MAX_LINE_BYTES = 10 * MEGABYTE
MAX_TXT_FILE_BYTES = 10 * MEGABYTE
# How much of an overlong line is read at a time while skipping to its end.
SKIP_CHUNK_BYTES = MEGABYTE

UTF8_BOM = b"\xef\xbb\xbf"
# Byte-order marks of the encodings a file saved as "Unicode" may be in, UTF-32 first (its
# little-endian mark starts with UTF-16's). A file starting with one is reported once, by name.
OTHER_UNICODE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
DEFAULT_LANGUAGE = Article._meta.get_field("language").default

TITLE_MAX_LENGTH = Article._meta.get_field("title").max_length
URL_MAX_LENGTH = Article._meta.get_field("url").max_length
LANGUAGE_MAX_LENGTH = Article._meta.get_field("language").max_length
SOURCE_NAME_MAX_LENGTH = Source._meta.get_field("name").max_length
TAG_NAME_MAX_LENGTH = Tag._meta.get_field("name").max_length
PERSON_NAME_MAX_LENGTH = Person._meta.get_field("name").max_length

# Same pattern as the article_language_bcp47 check constraint.
LANGUAGE_PATTERN = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
# "published" is a day, a month or a year; unknown parts are stored as 1 (see DatePrecision).
DATE_PATTERNS = (
    (re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})"), DatePrecision.DAY),
    (re.compile(r"([0-9]{4})-([0-9]{2})"), DatePrecision.MONTH),
    (re.compile(r"([0-9]{4})"), DatePrecision.YEAR),
)
# PostgreSQL text cannot hold NUL, and lone surrogates (valid in JSON escapes) are not UTF-8.
UNSTORABLE_CHARACTERS = re.compile(r"[\x00\ud800-\udfff]")

_validate_url = URLValidator()

T = TypeVar("T")
# How often a read-ahead thread whose reader has stopped listening checks that it should stop too.
READ_AHEAD_POLL_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class ArticleInput:
    """One article as read from a file, validated but not yet stored.

    ``title`` and the names have their whitespace collapsed; ``body`` is
    normalised (articles.text.normalise_body) and never empty.
    """

    path: str
    line: int | None
    title: str
    body: str
    source: str = ""
    authors: tuple[str, ...] = ()
    published_on: date | None = None
    published_precision: str = ""
    url: str = ""
    summary: str = ""
    language: str = DEFAULT_LANGUAGE
    tags: tuple[str, ...] = ()
    people: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportFailure:
    """Something that could not be imported: a file, or one line of a JSONL file."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        return f"{_origin(self.path, self.line)}: {self.reason}"


class InvalidArticle(ValueError):
    """Raised while validating one record; the message is the reason reported."""


def _origin(path: str, line: int | None) -> str:
    return path if line is None else f"{path}:{line}"


@dataclass(frozen=True, slots=True)
class _Raised:
    error: BaseException


_END = object()


def read_ahead(items: Iterable[T], *, size: int) -> Iterator[T]:
    """Yield ``items`` in their order while a thread takes up to ``size`` of them ahead.

    Reading, decoding and validating run in that thread while the caller waits
    on the database (the wait releases the GIL), so the two overlap. At most
    ``size`` items wait in between: memory stays flat. An exception raised
    while taking an item is raised here, in its place. Closing this generator
    (``contextlib.closing`` around a loop that may stop early) stops the thread
    and closes ``items``.
    """
    waiting: queue.Queue = queue.Queue(maxsize=size)
    stop = threading.Event()

    def hand_over(item) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=READ_AHEAD_POLL_SECONDS)
            except queue.Full:
                continue
            return True
        return False

    def take() -> None:
        iterator = iter(items)
        try:
            for item in iterator:
                if not hand_over(item):
                    return
        except BaseException as error:  # handed to the reader, who raises it in its place
            hand_over(_Raised(error))
            return
        finally:
            # A generator is closed in the thread that ran it.
            if hasattr(iterator, "close"):
                iterator.close()
        hand_over(_END)

    thread = threading.Thread(target=take, name="import-read-ahead", daemon=True)
    thread.start()
    try:
        while (item := waiting.get()) is not _END:
            if isinstance(item, _Raised):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()


def iter_inputs(paths: Iterable[str | os.PathLike[str]]) -> Iterator[ArticleInput | ImportFailure]:
    """Every article (or failure) in ``paths``: files, or folders searched recursively.

    Inside folders only ``.txt`` and ``.jsonl`` files are read and anything else
    is skipped; a file named explicitly must have one of those suffixes.
    """
    for given in paths:
        path = os.fspath(given)
        if os.path.isdir(path):
            yield from _iter_folder(path)
        elif not os.path.exists(path):
            yield ImportFailure(path, None, "no such file or directory")
        elif not _is_supported(path):
            yield ImportFailure(path, None, f"unsupported file type (expected {' or '.join(SUPPORTED_SUFFIXES)})")
        else:
            yield from read_file(path)


def _is_supported(path: str) -> bool:
    return path.lower().endswith(SUPPORTED_SUFFIXES)


def _iter_folder(root: str) -> Iterator[ArticleInput | ImportFailure]:
    # os.walk would list each folder completely first; scandir streams its entries,
    # so only the (usually few) subfolder names wait in memory.
    pending = [root]
    while pending:
        folder = pending.pop()
        subfolders = []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    # Symlinked folders are not followed: they can form cycles.
                    if entry.is_dir(follow_symlinks=False):
                        subfolders.append(entry.path)
                    elif _is_supported(entry.name) and entry.is_file():
                        yield from read_file(entry.path)
        except OSError as error:
            yield ImportFailure(folder, None, f"cannot read folder: {error.strerror or error}")
        # Reversed so that pop() visits subfolders in the order scandir gave them.
        pending.extend(reversed(subfolders))


def read_file(path: str) -> Iterator[ArticleInput | ImportFailure]:
    """The articles (or failures) in one ``.txt`` or ``.jsonl`` file."""
    reader = _read_jsonl if path.lower().endswith(JSONL_SUFFIX) else _read_txt
    try:
        yield from reader(path)
    except OSError as error:
        yield ImportFailure(path, None, f"cannot read file: {error.strerror or error}")


def _read_txt(path: str) -> Iterator[ArticleInput | ImportFailure]:
    with open(path, "rb") as file:
        data = file.read(MAX_TXT_FILE_BYTES + 1)
    if len(data) > MAX_TXT_FILE_BYTES:
        yield ImportFailure(path, None, f"file larger than {MAX_TXT_FILE_BYTES // MEGABYTE} MB")
        return
    if encoding := _other_unicode_encoding(data):
        yield ImportFailure(path, None, f"encoded as {encoding}, not UTF-8: save it as UTF-8")
        return
    try:
        text = _decode(data.removeprefix(UTF8_BOM))
    except InvalidArticle as error:
        yield ImportFailure(path, None, str(error))
        return
    if not text.strip():
        yield ImportFailure(path, None, "empty file")
        return
    # Same line breaks as normalise_body (str.splitlines), so a file with bare
    # carriage returns is not read as one long headline.
    lines = text.splitlines()
    first = next(index for index, line in enumerate(lines) if line.strip())
    try:
        title = _clean_title(lines[first])
        body = _clean_body("\n".join(lines[first + 1 :]))
        yield ArticleInput(path=path, line=None, title=title, body=body)
    except InvalidArticle as error:
        yield ImportFailure(path, None, str(error))


def _read_jsonl(path: str) -> Iterator[ArticleInput | ImportFailure]:
    found_any = False
    with open(path, "rb") as file:
        line_number = 0
        while raw := file.readline(MAX_LINE_BYTES + 1):
            line_number += 1
            # readline stopped at the limit, not at a line break: the line is too long.
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                found_any = True
                _skip_rest_of_line(file, raw)
                yield ImportFailure(path, line_number, f"line longer than {MAX_LINE_BYTES // MEGABYTE} MB")
                continue
            if line_number == 1:
                if encoding := _other_unicode_encoding(raw):
                    # Every line would fail alike (and where its line breaks are is not even known).
                    yield ImportFailure(path, None, f"encoded as {encoding}, not UTF-8: save it as UTF-8")
                    return
                raw = raw.removeprefix(UTF8_BOM)
            if not raw.strip():
                continue
            found_any = True
            try:
                yield parse_record(_parse_json_object(raw), path=path, line=line_number)
            except InvalidArticle as error:
                yield ImportFailure(path, line_number, str(error))
    if not found_any:
        yield ImportFailure(path, None, "empty file")


def _other_unicode_encoding(start: bytes) -> str | None:
    """The encoding whose byte-order mark ``start`` (a file's first bytes) begins with, if not UTF-8's."""
    return next((name for bom, name in OTHER_UNICODE_BOMS if start.startswith(bom)), None)


def _skip_rest_of_line(file, start: bytes) -> None:
    chunk = start
    while chunk and not chunk.endswith(b"\n"):
        chunk = file.readline(SKIP_CHUNK_BYTES)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidArticle(f"not valid UTF-8 ({error.reason} at byte {error.start})") from None


def _parse_json_object(raw: bytes) -> dict:
    # Without its line break, so that an object cut short is reported at its end, not at column 1 of a next line.
    text = _decode(raw).rstrip("\r\n")
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidArticle(f"not valid JSON ({error.msg} at column {error.colno})") from None
    except ValueError:  # json reads integers with int(), which refuses this many digits
        raise InvalidArticle(f"not valid JSON (a number of more than {sys.get_int_max_str_digits()} digits)") from None
    except RecursionError:  # arrays or objects nested thousands deep: json's parser recurses
        raise InvalidArticle("not valid JSON (nested too deeply)") from None
    if not isinstance(record, dict):
        raise InvalidArticle(f"expected a JSON object, got {_json_type(record)}")
    return record


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def parse_record(record: dict, *, path: str, line: int | None = None) -> ArticleInput:
    """Validate one JSON object; raise ``InvalidArticle`` listing everything wrong with it."""
    problems: list[str] = []
    values: dict = {}

    def check(key: str, parse, *args) -> None:
        try:
            values[key] = parse(record, key, *args)
        except InvalidArticle as error:
            problems.append(str(error))

    check("title", _required_text, _clean_title)
    check("body", _required_text, _clean_body)
    check("source", _optional_name, SOURCE_NAME_MAX_LENGTH)
    check("authors", _name_list, PERSON_NAME_MAX_LENGTH)
    check("published", _optional_date)
    check("url", _optional_url)
    check("summary", _optional_text)
    check("language", _optional_language)
    check("tags", _name_list, TAG_NAME_MAX_LENGTH)
    check("people", _name_list, PERSON_NAME_MAX_LENGTH)
    if problems:
        raise InvalidArticle("; ".join(problems))
    published_on, published_precision = values.pop("published")
    return ArticleInput(
        path=path,
        line=line,
        published_on=published_on,
        published_precision=published_precision,
        **values,
    )


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _storable(text: str, what: str) -> str:
    if UNSTORABLE_CHARACTERS.search(text):
        raise InvalidArticle(f"{what} contains a NUL character or an unpaired surrogate")
    return text


def _clean_title(text: str) -> str:
    title = _storable(_collapse(text), "title")
    if not title:
        raise InvalidArticle("title is missing or blank")
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidArticle(f"title longer than {TITLE_MAX_LENGTH} characters")
    return title


def _clean_body(text: str) -> str:
    body = _storable(normalise_body(text), "body")
    if not body:
        raise InvalidArticle("body is missing or blank")
    return body


def _optional_string(record: dict, key: str) -> str:
    """The string under ``key``; absent and null read as ""."""
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidArticle(f"{key} must be a string, not {_json_type(value)}")
    return _storable(value, key)


def _required_text(record: dict, key: str, clean) -> str:
    if record.get(key) is None:
        raise InvalidArticle(f"{key} is missing or blank")
    return clean(_optional_string(record, key))


def _optional_text(record: dict, key: str) -> str:
    return _optional_string(record, key).strip()


def _optional_name(record: dict, key: str, max_length: int) -> str:
    return _check_name(_collapse(_optional_string(record, key)), key, max_length)


def _check_name(name: str, what: str, max_length: int) -> str:
    if len(name) > max_length:
        raise InvalidArticle(f"{what}: name longer than {max_length} characters: {name[:40]!r}…")
    return name


def _name_list(record: dict, key: str, max_length: int) -> tuple[str, ...]:
    value = record.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidArticle(f"{key} must be a list of names, not {_json_type(value)}")
    names = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise InvalidArticle(f"{key}[{index}] must be a string, not {_json_type(item)}")
        name = _collapse(_storable(item, key))
        if not name:
            raise InvalidArticle(f"{key}[{index}] is blank")
        names.append(_check_name(name, key, max_length))
    # The same name twice would link the same row twice.
    return tuple(dict.fromkeys(names))


def _optional_date(record: dict, key: str) -> tuple[date | None, str]:
    text = _optional_string(record, key).strip()
    if not text:
        return None, ""
    for pattern, precision in DATE_PATTERNS:
        if match := pattern.fullmatch(text):
            # Unknown parts default to 1, as the date precision constraint requires.
            year, month, day = (int(part) for part in (*match.groups(), 1, 1)[:3])
            try:
                return date(year, month, day), precision
            except ValueError:
                break
    raise InvalidArticle(f"{key} is not a date (YYYY-MM-DD, YYYY-MM or YYYY): {text!r}")


def _optional_url(record: dict, key: str) -> str:
    url = _optional_string(record, key).strip()
    if not url:
        return ""
    if len(url) > URL_MAX_LENGTH:
        raise InvalidArticle(f"{key} longer than {URL_MAX_LENGTH} characters")
    try:
        _validate_url(url)
    except ValidationError:
        raise InvalidArticle(f"{key} is not a valid URL: {url[:80]!r}") from None
    return url


def _optional_language(record: dict, key: str) -> str:
    language = _optional_string(record, key).strip() or DEFAULT_LANGUAGE
    if len(language) > LANGUAGE_MAX_LENGTH or not LANGUAGE_PATTERN.fullmatch(language):
        raise InvalidArticle(f"{key} is not a BCP 47 tag such as en or pt-BR: {language[:40]!r}")
    return language
