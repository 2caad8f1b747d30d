"""Bad input for ``import_articles``: truncated, binary, huge, wrongly encoded and wrongly shaped files.

Whatever a file holds, the command never stops with a traceback: each file or line it cannot
import is reported as ``path: reason`` or ``path:line: reason`` and counted as failed, and the good
lines around it still go in (tests/test_import.py covers the ordinary mistakes one by one).
"""

import json
import re
import tempfile
import tracemalloc
from itertools import count
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from articles.importing import MAX_LINE_BYTES
from articles.models import Article
from tests.test_fuzz import FUZZ_SETTINGS
from tests.test_import import article, run_import, write_jsonl

pytestmark = pytest.mark.django_db

MEGABYTE = 1024 * 1024
# Each run of a hypothesis test imports articles no earlier example imported (else they would be duplicates).
_story_numbers = count(1000)


def fresh_story(**fields) -> dict:
    return article(next(_story_numbers), **fields)


def imported_titles() -> set[str]:
    return set(Article.objects.values_list("title", flat=True))


def assert_reported(run, path: Path, *, lines: range | None = None) -> None:
    """The run ended in order and reported something, each message as ``path: reason`` or ``path:line: reason``.

    ``lines``: the lines a message may name; None for a message about the whole file.
    """
    assert run.stdout.count("\n") == 1, run.stdout  # the summary line, written once every input was read
    assert run.messages, "nothing was reported"
    origin = re.compile(re.escape(str(path)) + r"(?::(?P<line>\d+))?: \S.*")
    for message in run.messages:
        match = origin.fullmatch(message)
        assert match, message
        if lines is None:
            assert match["line"] is None, message
        elif match["line"] is not None:
            assert int(match["line"]) in lines, message


def jsonl_lines(*records) -> bytes:
    return b"".join(json.dumps(record, ensure_ascii=False).encode() + b"\n" for record in records)


# --- Truncated files -------------------------------------------------------------------------------


def good_feed() -> tuple[bytes, list[dict]]:
    """Three articles with multi-byte characters in every line, so a cut can fall inside one."""
    records = [fresh_story(title=f"Москва — «{n}» 東京", summary="Zürich ✓") for n in range(3)]
    return jsonl_lines(*records), records


@settings(FUZZ_SETTINGS, max_examples=20)
@given(cut=st.floats(min_value=0.0, max_value=1.0, exclude_max=True))
@example(cut=0.5)
def test_a_file_cut_anywhere_keeps_its_whole_lines(cut):
    """A JSONL file cut at any byte (mid-line, mid-UTF-8 sequence): its whole lines go in, the cut one is reported."""
    data, records = good_feed()
    end = int(len(data) * cut)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cut.jsonl"
        path.write_bytes(data[:end])
        run = run_import(path)

    whole_lines = data[:end].count(b"\n")
    titles = imported_titles()
    assert {record["title"] for record in records[:whole_lines]} <= titles
    if data[:end].endswith(b"\n") or end == 0:
        assert run.error is None or end == 0, run.messages  # an empty file is reported as such
    else:
        # The rest of the cut line is either still a whole object (cut before its line break) or reported.
        cut_line = whole_lines + 1
        if records[whole_lines]["title"] not in titles:
            assert_reported(run, path, lines=range(cut_line, cut_line + 1))


def test_a_cut_inside_a_utf8_sequence_is_reported_by_line(tmp_path):
    data, _ = good_feed()
    inside = data.index("東".encode()) + 1  # the first of its three bytes kept
    path = tmp_path / "cut.jsonl"
    path.write_bytes(data[:inside])

    run = run_import(path)

    assert run.messages == [f"{path}:1: not valid UTF-8 (unexpected end of data at byte {inside - 1})"]


def test_a_txt_file_cut_inside_a_utf8_sequence_is_reported(tmp_path):
    text = "Headline\nA body about Zürich".encode()
    inside = text.index("ü".encode()) + 1  # the first of its two bytes kept
    path = tmp_path / "cut.txt"
    path.write_bytes(text[:inside])

    run = run_import(path)

    assert run.messages == [f"{path}: not valid UTF-8 (unexpected end of data at byte {inside - 1})"]


# --- Binary files ----------------------------------------------------------------------------------

PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
BINARY_FILES = {
    "png": PNG_HEADER + bytes(range(256)),
    "nuls": b"\x00" * 4096,
    "elf": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56 + b"\n\x00\x01",
    "gzip": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(200, 256)),
    "nul_line": b"\x00\n\x00\x00\n",
    "utf8_with_nuls": b'{"title": "A\x00B", "body": "C"}\n',
}


@pytest.mark.parametrize("suffix", [".jsonl", ".txt"])
@pytest.mark.parametrize("kind", sorted(BINARY_FILES))
def test_binary_files_are_reported(tmp_path, kind, suffix):
    path = tmp_path / f"{kind}{suffix}"
    path.write_bytes(BINARY_FILES[kind])

    run = run_import(path)

    assert run.error is not None
    assert_reported(run, path, lines=None if suffix == ".txt" else range(1, 10))
    assert not Article.objects.exists()


@settings(FUZZ_SETTINGS, max_examples=25)
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".jsonl", ".txt"]))
def test_random_bytes_are_read_or_reported(data, suffix):
    """Random bytes: whatever is not an article is reported by file (and line), and the run ends in order."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"random{suffix}"
        path.write_bytes(data)
        before = Article.objects.count()
        run = run_import(path)
        imported, _, failed = run.totals
        assert Article.objects.count() - before == imported
        if failed:
            assert_reported(run, path, lines=None if suffix == ".txt" else range(1, data.count(b"\n") + 2))


# --- A 50 MB line ----------------------------------------------------------------------------------

HUGE_LINE_BYTES = 50 * MEGABYTE


def test_a_50_mb_line_is_reported_without_being_read_into_memory(tmp_path):
    """The line is skipped in chunks: the import never holds it whole (tracemalloc counts every thread)."""
    path = tmp_path / "huge.jsonl"
    before, after = fresh_story(), fresh_story()
    chunk = b"x" * MEGABYTE
    with path.open("wb") as file:
        file.write(jsonl_lines(before))
        file.write(b'{"title": "Huge", "body": "')
        for _ in range(HUGE_LINE_BYTES // MEGABYTE):
            file.write(chunk)
        file.write(b'"}\n')
        file.write(jsonl_lines(after))

    tracemalloc.start()
    try:
        run = run_import(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert run.messages == [f"{path}:2: line longer than {MAX_LINE_BYTES // MEGABYTE} MB"]
    assert run.totals == (2, 0, 1)
    assert imported_titles() == {before["title"], after["title"]}
    # The limit's worth of the line twice (readline fills a buffer, then copies it out), never all of it.
    assert peak < 3 * MAX_LINE_BYTES < HUGE_LINE_BYTES


def test_a_50_mb_txt_file_is_reported(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as file:
        file.write(b"Headline\n")
        file.truncate(HUGE_LINE_BYTES)  # sparse: 50 MB of NULs on one line, without writing them

    assert run_import(path).messages == [f"{path}: file larger than 10 MB"]


# --- Wrong encodings -------------------------------------------------------------------------------

JAPANESE_STORY = {"title": "東京の記事", "body": "本文です。\n二段落目。"}
WRONG_ENCODINGS = {
    "latin-1": ("latin-1", {"title": "Café society", "body": "À la carte."}),
    "cp1252": ("cp1252", {"title": "“Quoted” — dashed", "body": "Body €5."}),
    "utf-16-le": ("utf-16-le", JAPANESE_STORY),
    "utf-16-be": ("utf-16-be", JAPANESE_STORY),
    "utf-16 with BOM": ("utf-16", JAPANESE_STORY),
    "utf-32": ("utf-32", JAPANESE_STORY),
    "shift_jis": ("shift_jis", JAPANESE_STORY),
    "euc-jp": ("euc-jp", JAPANESE_STORY),
    "koi8-r": ("koi8-r", {"title": "Москва", "body": "Текст."}),
}


def encoded_txt(record: dict, encoding: str) -> bytes:
    return f"{record['title']}\n{record['body']}".encode(encoding)


@pytest.mark.parametrize("name", sorted(WRONG_ENCODINGS))
def test_wrongly_encoded_jsonl_lines_are_reported_and_the_good_ones_go_in(tmp_path, name):
    encoding, record = WRONG_ENCODINGS[name]
    first, last = fresh_story(), fresh_story()
    path = tmp_path / "feed.jsonl"
    # The good lines in UTF-8 around the bad one, as when files in two encodings are concatenated.
    path.write_bytes(
        jsonl_lines(first) + json.dumps(record, ensure_ascii=False).encode(encoding) + b"\n" + jsonl_lines(last)
    )

    run = run_import(path)

    assert run.error is not None
    assert imported_titles() == {first["title"], last["title"]}
    bad_lines = path.read_bytes().count(b"\n") - 1  # UTF-16 and UTF-32 hold more newline bytes
    assert_reported(run, path, lines=range(2, bad_lines + 1))


@pytest.mark.parametrize("name", sorted(WRONG_ENCODINGS))
def test_wrongly_encoded_txt_files_are_reported(tmp_path, name):
    encoding, record = WRONG_ENCODINGS[name]
    path = tmp_path / "story.txt"
    path.write_bytes(encoded_txt(record, encoding))
    good = tmp_path / "good.txt"
    good.write_text("Good headline\nGood body.")

    run = run_import(path, good)

    assert run.totals == (1, 0, 1)
    assert_reported(run, path)
    assert imported_titles() == {"Good headline"}


# --- JSON of the wrong shape -----------------------------------------------------------------------

# Beside those tests/test_import.py checks (a scalar or an array for the whole line, a string for a list, a
# number for the title, an impossible date, a lone surrogate in the title, json's own limits).
WRONG_SHAPES = [
    ('[{"title": "T", "body": "B"}]', "expected a JSON object, got an array"),
    ("42", "expected a JSON object, got a number"),
    ("-0.0", "expected a JSON object, got a number"),
    ("1e400", "expected a JSON object, got a number"),
    ("NaN", "expected a JSON object, got a number"),
    ("null", "expected a JSON object, got null"),
    ("true", "expected a JSON object, got a boolean"),
    ('"a string"', "expected a JSON object, got a string"),
    ("{}", "title is missing or blank; body is missing or blank"),
    ('{"title": {"en": "T"}, "body": "B"}', "title must be a string, not an object"),
    ('{"title": ["T"], "body": "B"}', "title must be a string, not an array"),
    ('{"title": "T", "body": ["paragraph 1", "paragraph 2"]}', "body must be a string, not an array"),
    ('{"title": "T", "body": true}', "body must be a string, not a boolean"),
    ('{"title": "T", "body": "B", "source": {"name": "BBC"}}', "source must be a string, not an object"),
    ('{"title": "T", "body": "B", "authors": [["Jo"], "Al"]}', "authors[0] must be a string, not an array"),
    ('{"title": "T", "body": "B", "tags": [null]}', "tags[0] must be a string, not null"),
    ('{"title": "T", "body": "B", "people": [{"name": "Jo"}]}', "people[0] must be a string, not an object"),
    ('{"title": "T", "body": "B", "tags": ["ok", ""]}', "tags[1] is blank"),
    ('{"title": "T", "body": "B", "published": 2023}', "published must be a string, not a number"),
    (
        '{"title": "T", "body": "B", "published": "0000-00-00"}',
        "published is not a date (YYYY-MM-DD, YYYY-MM or YYYY): '0000-00-00'",
    ),
    (
        '{"title": "T", "body": "B", "published": "99999-01-01"}',
        "published is not a date (YYYY-MM-DD, YYYY-MM or YYYY): '99999-01-01'",
    ),
    (
        '{"title": "T", "body": "B", "published": "٢٠٢٣"}',
        "published is not a date (YYYY-MM-DD, YYYY-MM or YYYY): '٢٠٢٣'",
    ),
    ('{"title": "T", "body": "B", "url": ["https://example.com/"]}', "url must be a string, not an array"),
    ('{"title": "T", "body": "B", "url": "javascript:alert(1)"}', "url is not a valid URL: 'javascript:alert(1)'"),
    ('{"title": "T", "body": "B", "language": {"code": "en"}}', "language must be a string, not an object"),
    ('{"title": "T\\u0000", "body": "B"}', "title contains a NUL character or an unpaired surrogate"),
    ('{"title": "T", "body": "B\\u0000"}', "body contains a NUL character or an unpaired surrogate"),
    ('{"title": "T", "body": "B", "summary": "\\u0000"}', "summary contains a NUL character or an unpaired surrogate"),
    ('{"title": "T", "body": "B", "source": "BBC\\u0000"}', "source contains a NUL character or an unpaired surrogate"),
    ('{"title": "T", "body": "B", "tags": ["\\u0000"]}', "tags contains a NUL character or an unpaired surrogate"),
    (
        '{"title": "T", "body": "B", "url": "https://example.com/\\u0000"}',
        "url contains a NUL character or an unpaired surrogate",
    ),
    (
        '{"title": "T", "body": "B", "language": "en\\udfff"}',
        "language contains a NUL character or an unpaired surrogate",
    ),
    (
        '{"title": "T", "body": "B", "published": "2023\\u0000"}',
        "published contains a NUL character or an unpaired surrogate",
    ),
    ('{"title": "T", "body": "B"}}', "not valid JSON (Extra data at column 28)"),
    ("{'title': 'T', 'body': 'B'}", "not valid JSON (Expecting property name enclosed in double quotes at column 2)"),
]


def test_json_of_the_wrong_shape_is_reported_by_line_and_the_rest_goes_in(tmp_path):
    first, last = fresh_story(), fresh_story()
    path = write_jsonl(tmp_path / "shapes.jsonl", first, *(line for line, _ in WRONG_SHAPES), last)

    run = run_import(path)

    assert run.messages == [f"{path}:{number}: {reason}" for number, (_, reason) in enumerate(WRONG_SHAPES, start=2)]
    assert run.totals == (2, 0, len(WRONG_SHAPES))
    assert imported_titles() == {first["title"], last["title"]}


def test_a_huge_number_where_a_string_belongs_is_reported(tmp_path):
    path = write_jsonl(tmp_path / "numbers.jsonl", '{"title": 1e999, "body": 12345678901234567890123456789}')

    assert run_import(path).messages == [
        f"{path}:1: title must be a string, not a number; body must be a string, not a number"
    ]


# --- Any JSON at all -------------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(["", " ", "\x00", "2023-02-30", "2023", "en", "https://example.com/", "\u202e", "-"]),
    st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=2),  # lone surrogates
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
ARTICLE_FIELDS = ("title", "body", "source", "authors", "published", "url", "summary", "language", "tags", "people")
# Objects with the article's own fields (each maybe any value at all), and anything else JSON can hold.
records = st.one_of(
    st.dictionaries(st.sampled_from(ARTICLE_FIELDS), json_values, max_size=len(ARTICLE_FIELDS)),
    st.builds(
        lambda story, wrong: {**story, **wrong},
        st.builds(fresh_story),
        st.dictionaries(st.sampled_from(ARTICLE_FIELDS), json_values, max_size=2),
    ),
    json_values,
)


def json_line(value, *, ascii_only: bool) -> bytes:
    """``value`` as one line of JSON, non-ASCII escaped or as UTF-8 (lone surrogates then make the line not UTF-8).

    Python writes Infinity for an infinite float, which other tools' JSON does not have: the importer reads it.
    """
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


@settings(FUZZ_SETTINGS, max_examples=40)
@given(values=st.lists(records, min_size=1, max_size=6), ascii_only=st.booleans())
def test_any_json_lines_are_imported_or_reported_by_line(values, ascii_only):
    """Any JSON on any line between two good ones: imported or reported with its line, never a crash."""
    first, last = fresh_story(), fresh_story()
    lines = b"".join(json_line(value, ascii_only=ascii_only) + b"\n" for value in values)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "any.jsonl"
        path.write_bytes(jsonl_lines(first) + lines + jsonl_lines(last))
        before = Article.objects.count()
        run = run_import(path, status="draft")

        imported, duplicates, failed = run.totals
        assert imported + duplicates + failed == len(values) + 2
        assert Article.objects.count() - before == imported
        assert {first["title"], last["title"]} <= imported_titles()
        if failed:
            assert_reported(run, path, lines=range(2, len(values) + 2))
        assert len(run.messages) == failed


@settings(FUZZ_SETTINGS, max_examples=25)
@given(text=st.text(max_size=300))
def test_any_text_file_is_imported_or_reported(text):
    """Any text in a .txt file (control characters, NUL, odd line breaks): one article, or the file reported."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "any.txt"
        path.write_bytes(text.encode())
        before = Article.objects.count()
        run = run_import(path, status="draft")

        imported, duplicates, failed = run.totals
        assert imported + duplicates + failed == 1
        assert Article.objects.count() - before == imported
        if failed:
            assert_reported(run, path)
