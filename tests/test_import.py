"""The import_articles command: reading .txt/.jsonl, deduplication, bad input, atomicity."""

import codecs
import itertools
import json
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import services
from articles.importing import MAX_LINE_BYTES, MAX_TXT_FILE_BYTES, read_ahead
from articles.management.commands import import_articles
from articles.models import (
    Article,
    ArticleFingerprint,
    ArticleStatus,
    DatePrecision,
    Person,
    Revision,
    RevisionKind,
    Source,
    Tag,
)
from articles.near_duplicates import fingerprints, words
from articles.search import article_search_vector
from articles.services import vocabulary_refresh
from articles.text import body_sha256, normalise_body
from tests.factories import ArticleFactory, PersonAliasFactory, PersonFactory, SourceFactory, TagFactory
from tests.search_statistics import assert_search_statistics_as_rebuilt

pytestmark = pytest.mark.django_db

SUMMARY = re.compile(
    r"Imported (?P<imported>\d+) articles?, (?P<duplicates>\d+) duplicates? skipped, (?P<failed>\d+) failed "
    r"\(in \d+\.\d s, \d+ articles/s\)"
)


@dataclass
class Run:
    stdout: str
    stderr: str
    error: CommandError | None

    @property
    def totals(self) -> tuple[int, int, int]:
        """(imported, duplicates, failed) from the one summary line."""
        lines = self.stdout.splitlines()
        assert len(lines) == 1, self.stdout
        match = SUMMARY.fullmatch(lines[0])
        assert match, lines[0]
        return int(match["imported"]), int(match["duplicates"]), int(match["failed"])

    @property
    def messages(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if not line.startswith("…")]


def run_import(*paths, **options) -> Run:
    stdout, stderr = StringIO(), StringIO()
    try:
        call_command("import_articles", *map(str, paths), stdout=stdout, stderr=stderr, **options)
    except CommandError as error:
        return Run(stdout.getvalue(), stderr.getvalue(), error)
    return Run(stdout.getvalue(), stderr.getvalue(), None)


def write_jsonl(path: Path, *records) -> Path:
    """One line per record: dicts and lists are dumped as JSON, str/bytes written as they are."""
    with path.open("wb") as file:
        for record in records:
            if isinstance(record, str):
                record = record.encode()
            elif not isinstance(record, bytes):
                record = json.dumps(record).encode()
            file.write(record + b"\n")
    return path


def article(n: int, **fields) -> dict:
    return {"title": f"Story {n}", "body": f"Body of story {n}.\nIts second paragraph.", **fields}


# --- reading ---


def test_txt_file_gives_headline_and_paragraphs(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text("\n\n  Rockets   hit Kyiv \nFirst paragraph.\n\nSecond   paragraph.\nThird paragraph.\n")

    run = run_import(path)

    assert run.error is None and run.stderr == ""
    assert run.totals == (1, 0, 0)
    stored = Article.objects.get()
    assert stored.title == "Rockets hit Kyiv"
    assert stored.paragraphs == ["First paragraph.", "Second paragraph.", "Third paragraph."]
    assert stored.body_sha256 == body_sha256(normalise_body(stored.body))
    assert stored.slug == "rockets-hit-kyiv"
    assert stored.status == ArticleStatus.PUBLISHED
    assert (stored.published_on, stored.published_precision, stored.language) == (None, "", "en")
    assert stored.source is None
    assert stored.search_vector  # the generated column is filled by bulk inserts too


def test_txt_file_with_bom_and_windows_line_breaks(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfHeadline\r\nLine one\r\nLine two\r\n")

    assert run_import(path).totals == (1, 0, 0)
    stored = Article.objects.get()
    assert stored.title == "Headline"
    assert stored.paragraphs == ["Line one", "Line two"]


def test_jsonl_with_all_fields(tmp_path):
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        article(
            1,
            source="Reuters",
            authors=["Jane Doe", "John Roe"],
            published="2023-05-17",
            url="https://example.org/1",
            summary="  A summary.  ",
            language="uk",
            tags=["War", "Energy"],
            people=["Vladimir Putin"],
        ),
        article(2, source="reuters", published="2023-05", tags=["war"], authors=["jane doe"]),
        article(3, published="2023"),
        article(4, published=None, source=None, tags=None),
    )

    run = run_import(path)

    assert run.error is None and run.stderr == ""
    assert run.totals == (4, 0, 0)
    first = Article.objects.get(title="Story 1")
    assert first.source.name == "Reuters" and first.source.slug == "reuters"
    assert sorted(first.authors.values_list("name", flat=True)) == ["Jane Doe", "John Roe"]
    assert sorted(first.tags.values_list("name", flat=True)) == ["Energy", "War"]
    assert list(first.people.values_list("name", flat=True)) == ["Vladimir Putin"]
    assert (first.published_on, first.published_precision) == (date(2023, 5, 17), DatePrecision.DAY)
    assert (first.url, first.summary, first.language) == ("https://example.org/1", "A summary.", "uk")
    second = Article.objects.get(title="Story 2")
    assert (second.published_on, second.published_precision) == (date(2023, 5, 1), DatePrecision.MONTH)
    assert second.source == first.source
    assert list(second.tags.all()) == list(first.tags.filter(name="War"))
    assert list(second.authors.values_list("name", flat=True)) == ["Jane Doe"]
    third = Article.objects.get(title="Story 3")
    assert (third.published_on, third.published_precision) == (date(2023, 1, 1), DatePrecision.YEAR)
    fourth = Article.objects.get(title="Story 4")
    assert (fourth.published_on, fourth.published_precision, fourth.source) == (None, "", None)
    # Names repeated in another case are the same rows.
    assert (Source.objects.count(), Tag.objects.count(), Person.objects.count()) == (1, 2, 3)
    assert Tag.objects.get(name="Energy").slug == "energy"


def test_jsonl_file_with_bom_and_blank_lines(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf" + json.dumps(article(1)).encode() + b"\r\n\n  \n" + json.dumps(article(2)).encode()
    )

    run = run_import(path)

    assert run.error is None and run.stderr == ""
    assert run.totals == (2, 0, 0)


def test_existing_source_and_tag_found_by_name_or_slug(tmp_path):
    source = SourceFactory(name="BBC News", slug="bbc")
    tag = TagFactory(name="Ukraine war", slug="ukraine-war")
    path = write_jsonl(tmp_path / "feed.jsonl", article(1, source="bbc NEWS", tags=["Ukraine-War!"]))

    assert run_import(path).totals == (1, 0, 0)

    stored = Article.objects.get()
    assert stored.source == source
    assert list(stored.tags.all()) == [tag]
    assert (Source.objects.count(), Tag.objects.count()) == (1, 1)


def test_person_found_by_alias_or_name_in_any_case(tmp_path):
    person = PersonFactory(name="Volodymyr Zelenskyy")
    PersonAliasFactory(person=person, name="Zelensky")
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        article(1, authors=["volodymyr zelenskyy"], people=["ZELENSKY", "Volodymyr Zelenskyy"]),
    )

    assert run_import(path).totals == (1, 0, 0)

    stored = Article.objects.get()
    assert list(stored.people.all()) == [person]  # the name and its alias are one link
    assert list(stored.authors.all()) == [person]
    assert Person.objects.count() == 1


def test_new_people_whose_slug_is_taken_get_a_suffix(tmp_path):
    PersonFactory(name="J. Smith", slug="john-smith")
    path = write_jsonl(tmp_path / "feed.jsonl", article(1, authors=["John Smith"]))

    assert run_import(path).totals == (1, 0, 0)

    new = Person.objects.get(name="John Smith")
    assert re.fullmatch(r"john-smith-[0-9a-f]{8}", new.slug)


def test_names_without_latin_letters_are_not_merged(tmp_path):
    """slug_for makes every Cyrillic name "untitled"; tags matched by slug must not collapse into one."""
    path = write_jsonl(tmp_path / "feed.jsonl", article(1, tags=["Россия", "Украина"], people=["Путин", "Зеленский"]))

    assert run_import(path).totals == (1, 0, 0)
    second = write_jsonl(tmp_path / "more.jsonl", article(2, tags=["россия"]))
    assert run_import(second).totals == (1, 0, 0)

    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Россия", "Украина"]
    assert Tag.objects.values("slug").distinct().count() == 2
    assert Person.objects.count() == 2
    assert list(Article.objects.get(title="Story 2").tags.values_list("name", flat=True)) == ["Россия"]


def test_status_draft(tmp_path):
    path = write_jsonl(tmp_path / "feed.jsonl", article(1), article(2))

    assert run_import(path, status="draft").totals == (2, 0, 0)

    assert set(Article.objects.values_list("status", flat=True)) == {ArticleStatus.DRAFT}


def test_folders_are_searched_recursively_and_other_files_skipped(tmp_path):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "top.txt").write_text("Top\nBody top.")
    (tmp_path / "sub" / "LOUD.TXT").write_text("Loud\nBody loud.")
    write_jsonl(tmp_path / "sub" / "deeper" / "feed.jsonl", article(1), article(2))
    (tmp_path / "sub" / "notes.md").write_text("# not an article")
    (tmp_path / "sub" / "deeper" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xff")

    run = run_import(tmp_path)

    assert run.error is None and run.stderr == ""
    assert run.totals == (4, 0, 0)
    assert set(Article.objects.values_list("title", flat=True)) == {"Top", "Loud", "Story 1", "Story 2"}


# --- duplicates ---


def test_second_run_adds_nothing(tmp_path):
    (tmp_path / "a.txt").write_text("Alpha\nBody alpha.")
    write_jsonl(tmp_path / "feed.jsonl", article(1, source="S", tags=["T"], authors=["A"], url="https://e.org/1"))
    assert run_import(tmp_path).totals == (2, 0, 0)
    rows = (Article.objects.count(), Source.objects.count(), Tag.objects.count(), Person.objects.count())

    again = run_import(tmp_path)

    assert again.error is None
    assert again.totals == (0, 2, 0)
    assert (Article.objects.count(), Source.objects.count(), Tag.objects.count(), Person.objects.count()) == rows


@pytest.mark.parametrize("batch_size", [1, 100])
def test_duplicates_within_one_run(tmp_path, batch_size):
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        {"title": "First", "body": "Same words here.", "url": "https://e.org/a"},
        {"title": "Same URL", "body": "Different words.", "url": "https://e.org/a"},
        {"title": "Same body", "body": "  Same   words\there.\n\n"},
        {"title": "Other", "body": "Other words."},
    )

    assert run_import(path, batch_size=batch_size).totals == (2, 2, 0)
    assert set(Article.objects.values_list("title", flat=True)) == {"First", "Other"}


def test_a_batch_with_duplicates_in_it_is_written_whole_with_the_kept_articles_fingerprints(tmp_path, caplog):
    """The fingerprints were found for the whole batch before it was known which articles are duplicates."""
    ArticleFactory(title="Saved by hand", body="Already archived words.")
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        article(1),
        {"title": "Archived", "body": "Already archived words."},
        article(2),
        {"title": "Repeated", "body": article(1)["body"]},
    )

    with caplog.at_level("INFO", logger="articles.services"):
        assert run_import(path, batch_size=100).totals == (2, 2, 0)

    assert not [record for record in caplog.records if "retrying article by article" in record.getMessage()]
    imported = Article.objects.filter(title__startswith="Story")
    assert {(row.article_id, row.hash) for row in ArticleFingerprint.objects.filter(article__in=imported)} == {
        (stored.pk, value) for stored in imported for value in fingerprints(words(stored.body))
    }
    assert not ArticleFingerprint.objects.exclude(article__in=Article.objects.all()).exists()


def test_each_batchs_fingerprints_are_found_while_the_batch_before_it_is_written(tmp_path, monkeypatch):
    """One batch ahead: the helper process never waits for a batch to be written to start the next one."""
    events = []

    class RecordingHelper(ThreadPoolExecutor):
        def submit(self, function, bodies):
            events.append(("fingerprints", sorted(bodies)))
            return super().submit(function, bodies)

    batch_import = services._batch_import

    def recorded_batch_import(batch, **options):
        events.append(("written", list(batch.ids)))
        return batch_import(batch, **options)

    monkeypatch.setattr(services, "helper_process", lambda: RecordingHelper(max_workers=1))
    monkeypatch.setattr(services, "_batch_import", recorded_batch_import)
    path = write_jsonl(tmp_path / "feed.jsonl", *(article(n) for n in range(5)))

    assert run_import(path, batch_size=2).totals == (5, 0, 0)

    first, second, third = (ids for kind, ids in events if kind == "written")
    assert events == [
        ("fingerprints", first),
        ("fingerprints", second),
        ("written", first),
        ("fingerprints", third),
        ("written", second),
        ("written", third),
    ]
    assert [len(first), len(second), len(third)] == [2, 2, 1]
    assert sorted(Article.objects.values_list("pk", flat=True)) == first + second + third


def test_duplicates_across_runs(tmp_path):
    ArticleFactory(title="Saved by hand", body="Written\n\nin the admin.")
    write_jsonl(tmp_path / "one.jsonl", {"title": "First", "body": "Original text.", "url": "https://e.org/a"})
    assert run_import(tmp_path / "one.jsonl").totals == (1, 0, 0)
    write_jsonl(
        tmp_path / "two.jsonl",
        {"title": "Updated", "body": "Edited text.", "url": "https://e.org/a"},
        {"title": "Reformatted", "body": "Original\u00a0 text.\r\n"},
        {"title": "Hand copy", "body": "Written\nin   the admin."},
    )

    assert run_import(tmp_path / "two.jsonl").totals == (0, 3, 0)
    assert Article.objects.count() == 2


# --- the search's word list and ranking statistics ---


@pytest.mark.parametrize("batch_size", [1, 2, 100])
def test_an_import_counts_its_articles_in_the_search_statistics_as_a_rebuild_would(tmp_path, batch_size):
    ArticleFactory(title="Wheat harvest", body="Farmers harvest wheat early.")
    ArticleFactory(title="Withdrawn", body="Wheat was hoarded.", status=ArticleStatus.RETRACTED)
    PersonAliasFactory(person=PersonFactory(name="Zhanar Dauletova"), name="Janar Dauletowa")
    vocabulary_refresh()
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        article(1, body="Wheat prices rose in Almaty.", authors=["Aigerim Sadykova"], tags=["Grain Trade"]),
        article(2, body="Migrants returned to Osh, where prices rose.", people=["Janar Dauletowa"]),
        article(3, body="Wheat prices rose in Almaty."),  # the same text: a duplicate, not counted
        article(4, summary="Café owners in Bishkek.", body="Prices of bread in Bishkek."),  # a summary's words too
    )

    assert run_import(path, batch_size=batch_size).totals == (3, 1, 0)

    rows = assert_search_statistics_as_rebuilt()
    vocabulary = dict(rows["articles_vocabulary"])
    counted = {word: vocabulary[word] for word in ("wheat", "prices", "almaty", "story", "café", "bishkek")}
    assert counted == {"wheat": 2, "prices": 3, "almaty": 1, "story": 3, "café": 1, "bishkek": 1}
    # Names count no article unless a text uses them: a new author's, a new tag's, an alias's.
    assert (vocabulary["sadykova"], vocabulary["grain"], vocabulary["janar"]) == (0, 0, 0)
    assert dict(rows["articles_lexeme_stats"])["price"] == 3
    ((_, articles, _, _),) = rows["articles_search_stats"]
    assert articles == 4  # the retracted article is not counted


def test_counting_an_import_in_deletes_nothing_from_the_statistics(tmp_path):
    """The words an import leaves at 0 are its names' own, which a rebuild keeps: nothing to tidy."""
    ArticleFactory(title="Wheat harvest", body="Farmers harvest wheat early.")
    vocabulary_refresh()
    path = write_jsonl(tmp_path / "feed.jsonl", article(1, authors=["Aigerim Sadykova"], tags=["Grain Trade"]))

    with CaptureQueriesContext(connection) as queries:
        assert run_import(path).totals == (1, 0, 0)

    assert not [query["sql"] for query in queries if query["sql"].lstrip().upper().startswith("DELETE")]
    vocabulary = dict(assert_search_statistics_as_rebuilt()["articles_vocabulary"])
    assert (vocabulary["sadykova"], vocabulary["grain"], vocabulary["story"]) == (0, 0, 1)


def test_a_batchs_words_are_counted_beside_its_transaction_unless_duplicates_leave_some_out(tmp_path):
    """PostgreSQL counts a batch's words on the import's other connection, before the batch is stored.
    Those are the whole batch's: a batch whose duplicates were left out has its stored texts parsed."""
    ArticleFactory(title="Wheat harvest", body="Farmers harvest wheat early.")
    vocabulary_refresh()
    whole = write_jsonl(tmp_path / "whole.jsonl", article(1, body="Wheat prices rose."), article(2, summary="Café."))
    with_duplicate = write_jsonl(
        tmp_path / "with_duplicate.jsonl", article(3, body="Farmers harvest wheat early."), article(4)
    )

    def vocabulary_counts(queries) -> list[str]:
        """How each statement that counted words into the vocabulary had them: given, or parsed."""
        statements = [query["sql"] for query in queries if "INSERT INTO articles_vocabulary" in query["sql"]]
        return ["given" if "AS given(word, ndoc)" in sql else "parsed" for sql in statements]

    with CaptureQueriesContext(connection) as queries:
        assert run_import(whole).totals == (2, 0, 0)
    assert vocabulary_counts(queries) == ["given"]
    assert not [query for query in queries if "unnest(to_tsvector('simple', text))" in query["sql"]]
    assert_search_statistics_as_rebuilt()

    with CaptureQueriesContext(connection) as queries:
        assert run_import(with_duplicate).totals == (1, 1, 0)
    assert vocabulary_counts(queries) == ["parsed"]
    vocabulary = dict(assert_search_statistics_as_rebuilt()["articles_vocabulary"])
    assert (vocabulary["wheat"], vocabulary["prices"], vocabulary["café"], vocabulary["story"]) == (2, 1, 1, 3)


def test_an_import_closes_the_connection_it_counts_words_on(tmp_path):
    def connections_open() -> int:
        with connection.cursor() as cursor:
            # The test's transaction would otherwise see the activity as it was when it first looked.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(  # sessions only: an autovacuum worker may come and go meanwhile
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND backend_type = 'client backend'"
            )
            return cursor.fetchone()[0]

    before = connections_open()
    assert run_import(write_jsonl(tmp_path / "feed.jsonl", article(1), article(2)), batch_size=1).totals == (2, 0, 0)

    assert connections_open() == before


def test_a_draft_import_has_no_words_counted(tmp_path, monkeypatch):
    counted = []
    monkeypatch.setattr(services, "_words_count", lambda texts: counted.append(texts) or {})

    assert run_import(write_jsonl(tmp_path / "feed.jsonl", article(1)), status="draft").totals == (1, 0, 0)

    assert counted == []


def test_a_draft_import_counts_no_article_but_adds_its_names(tmp_path):
    ArticleFactory(title="Wheat harvest", body="Farmers harvest wheat early.")
    vocabulary_refresh()
    path = write_jsonl(tmp_path / "feed.jsonl", article(1, body="Wheat prices rose.", authors=["Aigerim Sadykova"]))

    assert run_import(path, status="draft").totals == (1, 0, 0)

    rows = assert_search_statistics_as_rebuilt()
    vocabulary = dict(rows["articles_vocabulary"])
    assert (vocabulary["wheat"], vocabulary["sadykova"]) == (1, 0)
    assert "prices" not in vocabulary


# --- bad input ---


def test_bad_files_are_reported_and_the_rest_imported(tmp_path):
    (tmp_path / "good.txt").write_text("Good\nGood body.")
    (tmp_path / "latin1.txt").write_bytes("Headline\nCaf\xe9 society".encode("latin-1"))
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text(" \n\n\t\n")
    (tmp_path / "headline_only.txt").write_text("Just a headline\n\n")
    (tmp_path / "empty.jsonl").write_text("\n\n")
    (tmp_path / "nul.txt").write_text("Headline\nBody with a \x00 in it.")
    (tmp_path / "long_title.txt").write_text("x" * 501 + "\nBody.")

    run = run_import(tmp_path)

    assert isinstance(run.error, CommandError)
    assert run.totals == (1, 0, 7)
    assert sorted(run.messages) == sorted(
        [
            f"{tmp_path / 'latin1.txt'}: not valid UTF-8 (invalid continuation byte at byte 12)",
            f"{tmp_path / 'empty.txt'}: empty file",
            f"{tmp_path / 'blank.txt'}: empty file",
            f"{tmp_path / 'headline_only.txt'}: body is missing or blank",
            f"{tmp_path / 'empty.jsonl'}: empty file",
            f"{tmp_path / 'nul.txt'}: body contains a NUL character or an unpaired surrogate",
            f"{tmp_path / 'long_title.txt'}: title longer than 500 characters",
        ]
    )
    assert list(Article.objects.values_list("title", flat=True)) == ["Good"]


def test_bad_jsonl_lines_are_reported_with_line_numbers(tmp_path):
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        article(1),
        "{not json",
        "[1, 2]",
        '"just a string"',
        article(90, published="2023-02-30"),
        article(91, published="last week"),
        {"body": "No title."},
        {"title": "   ", "body": "Blank title."},
        {"title": "No body", "body": " \n "},
        article(92, tags="war"),
        {"title": 5, "body": "Numeric title."},
        article(93, authors=["Fine", 3]),
        b'{"title": "Caf\xe9", "body": "Latin-1."}',
        "",
        article(94, language="English"),
        article(95, url="not a url"),
        article(96, title=""),
        '{"title": "Lone \\ud800 surrogate", "body": "Body."}',
        article(2),
    )

    run = run_import(path)

    assert isinstance(run.error, CommandError)
    assert run.totals == (2, 0, 16)
    assert run.messages == [
        f"{path}:2: not valid JSON (Expecting property name enclosed in double quotes at column 2)",
        f"{path}:3: expected a JSON object, got an array",
        f"{path}:4: expected a JSON object, got a string",
        f"{path}:5: published is not a date (YYYY-MM-DD, YYYY-MM or YYYY): '2023-02-30'",
        f"{path}:6: published is not a date (YYYY-MM-DD, YYYY-MM or YYYY): 'last week'",
        f"{path}:7: title is missing or blank",
        f"{path}:8: title is missing or blank",
        f"{path}:9: body is missing or blank",
        f"{path}:10: tags must be a list of names, not a string",
        f"{path}:11: title must be a string, not a number",
        f"{path}:12: authors[1] must be a string, not a number",
        f"{path}:13: not valid UTF-8 (invalid continuation byte at byte 14)",
        f"{path}:15: language is not a BCP 47 tag such as en or pt-BR: 'English'",
        f"{path}:16: url is not a valid URL: 'not a url'",
        f"{path}:17: title is missing or blank",
        f"{path}:18: title contains a NUL character or an unpaired surrogate",
    ]
    assert set(Article.objects.values_list("title", flat=True)) == {"Story 1", "Story 2"}


def test_every_problem_of_a_record_is_reported(tmp_path):
    path = write_jsonl(tmp_path / "feed.jsonl", {"body": 7, "people": {"a": 1}})

    run = run_import(path)

    assert run.messages == [
        f"{path}:1: title is missing or blank; body must be a string, not a number; "
        "people must be a list of names, not an object"
    ]


def test_overlong_line_is_reported_without_loading_it(tmp_path):
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as file:
        file.write(json.dumps(article(1)).encode() + b"\n")
        file.write(b'{"title": "Huge", "body": "' + b"a" * MAX_LINE_BYTES + b'"}\n')
        file.write(json.dumps(article(2)).encode() + b"\n")

    run = run_import(path)

    assert run.messages == [f"{path}:2: line longer than 10 MB"]
    assert run.totals == (2, 0, 1)


def test_overlong_first_line_after_a_bom(tmp_path):
    path = tmp_path / "huge.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"x" * (MAX_LINE_BYTES - 1) + b"\n" + json.dumps(article(1)).encode())

    run = run_import(path)

    assert run.messages == [f"{path}:1: line longer than 10 MB"]
    assert run.totals == (1, 0, 1)


def test_overlarge_txt_file_is_reported(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_bytes(b"Headline\n" + b"a" * MAX_TXT_FILE_BYTES)

    assert run_import(path).messages == [f"{path}: file larger than 10 MB"]


def test_json_parsers_limits_are_reported_not_raised(tmp_path):
    """Found by fuzzing: json raises ValueError past 4300 digits and RecursionError past ~1000 levels."""
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        '{"title": ' + "1" * 5000 + ', "body": "B"}',
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        article(1),
    )

    run = run_import(path)

    assert run.messages == [
        f"{path}:1: not valid JSON (a number of more than {sys.get_int_max_str_digits()} digits)",
        f"{path}:2: not valid JSON (nested too deeply)",
        f"{path}:3: not valid JSON (nested too deeply)",
    ]
    assert run.totals == (1, 0, 3)


def test_an_object_cut_short_is_reported_where_it_ends(tmp_path):
    path = write_jsonl(tmp_path / "feed.jsonl", '{"title": "T", "body": "B"')

    assert run_import(path).messages == [f"{path}:1: not valid JSON (Expecting ',' delimiter at column 27)"]


@pytest.mark.parametrize(
    ("bom", "encoding", "name"),
    [
        (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
        (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
        (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    ],
)
def test_a_utf16_or_utf32_file_is_reported_once_by_its_encoding(tmp_path, bom, encoding, name):
    """Its byte-order mark names the encoding: one message for the file, not one per line (or per NUL)."""
    jsonl, txt = tmp_path / "feed.jsonl", tmp_path / "story.txt"
    lines = "".join(json.dumps(article(n), ensure_ascii=False) + "\n" for n in range(3))
    jsonl.write_bytes(bom + lines.encode(encoding))
    txt.write_bytes(bom + "Headline\nBody.".encode(encoding))

    run = run_import(jsonl, txt)

    assert run.messages == [
        f"{jsonl}: encoded as {name}, not UTF-8: save it as UTF-8",
        f"{txt}: encoded as {name}, not UTF-8: save it as UTF-8",
    ]
    assert run.totals == (0, 0, 2)


def test_unknown_extension_named_explicitly_fails(tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("Headline\nBody.")
    good = write_jsonl(tmp_path / "feed.jsonl", article(1))

    run = run_import(notes, good, tmp_path / "missing.txt")

    assert isinstance(run.error, CommandError)
    assert run.totals == (1, 0, 2)
    assert run.messages == [
        f"{notes}: unsupported file type (expected .txt or .jsonl)",
        f"{tmp_path / 'missing.txt'}: no such file or directory",
    ]


# --- all or nothing ---


def test_article_with_an_invalid_related_name_leaves_nothing_behind(tmp_path):
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        article(1, source="Fresh Source", authors=["New Person"], tags=["t" * 201]),
        article(2),
    )

    run = run_import(path)

    assert run.messages == [f"{path}:1: tags: name longer than 200 characters: {'t' * 40!r}…"]
    assert list(Article.objects.values_list("title", flat=True)) == ["Story 2"]
    assert (Source.objects.count(), Person.objects.count(), Tag.objects.count()) == (0, 0, 0)


@pytest.mark.parametrize("batch_size", [1, 100])
def test_article_the_database_refuses_leaves_nothing_behind(tmp_path, batch_size):
    """A rule only the database knows (here a test-only CHECK, rolled back with the test) refuses one tag.

    The batch is retried article by article: the other articles go in, and the
    refused one leaves no article, link, source, person or tag behind.
    """
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE articles_tag ADD CONSTRAINT test_no_forbidden_tag CHECK (name <> 'Forbidden')")
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        article(1, source="Shared", tags=["Allowed"]),
        article(2, source="Only Here", authors=["Only Here Person"], tags=["Allowed", "Forbidden"]),
        article(3, source="Shared", tags=["Allowed"], people=["Someone"]),
    )

    run = run_import(path, batch_size=batch_size)

    assert isinstance(run.error, CommandError)
    assert run.totals == (2, 0, 1)
    assert len(run.messages) == 1
    assert run.messages[0].startswith(f'{path}:2: not stored: new row for relation "articles_tag" violates check')
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Story 1", "Story 3"]
    assert list(Source.objects.values_list("name", flat=True)) == ["Shared"]
    assert list(Tag.objects.values_list("name", flat=True)) == ["Allowed"]
    assert list(Person.objects.values_list("name", flat=True)) == ["Someone"]
    assert Article.tags.through.objects.count() == 2
    assert "forbidden" not in dict(assert_search_statistics_as_rebuilt()["articles_vocabulary"])


@pytest.mark.parametrize("batch_size", [1, 100])
def test_article_row_the_database_refuses_leaves_nothing_behind(tmp_path, batch_size):
    """Articles go in with COPY: a row it refuses fails its article only, with the database's reason."""
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE articles_article ADD CONSTRAINT test_no_forbidden_title CHECK (title <> 'Forbidden')"
        )
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        article(1, tags=["Kept"]),
        {"title": "Forbidden", "body": "Refused body.", "source": "Gone", "tags": ["Gone"], "people": ["Gone"]},
        article(3, tags=["Kept"], people=["Someone"]),
    )

    run = run_import(path, batch_size=batch_size)

    assert run.totals == (2, 0, 1)
    assert len(run.messages) == 1
    assert run.messages[0].startswith(
        f'{path}:2: not stored: new row for relation "articles_article" violates check constraint'
    )
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Story 1", "Story 3"]
    assert (Source.objects.count(), list(Tag.objects.values_list("name", flat=True))) == (0, ["Kept"])
    assert list(Person.objects.values_list("name", flat=True)) == ["Someone"]
    stored = set(Article.objects.values_list("pk", flat=True))
    assert set(ArticleFingerprint.objects.values_list("article_id", flat=True)) == stored


@pytest.mark.parametrize("batch_size", [1, 100])
def test_link_the_database_refuses_leaves_nothing_behind(tmp_path, batch_size):
    """Links go in with COPY too: a link refused takes its article (and only it) out of the import."""
    refused = PersonFactory(name="Refused Person")
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE articles_article_people ADD CONSTRAINT test_no_refused_person "
            f"CHECK (person_id <> {refused.pk})"
        )
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        article(1, people=["Someone"]),
        article(2, source="Gone", authors=["Gone Author"], people=["Someone", "refused person"]),
        article(3, people=["Someone"]),
    )

    run = run_import(path, batch_size=batch_size)

    assert run.totals == (2, 0, 1)
    assert len(run.messages) == 1
    assert run.messages[0].startswith(
        f'{path}:2: not stored: new row for relation "articles_article_people" violates check constraint'
    )
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Story 1", "Story 3"]
    assert not Source.objects.exists()
    assert sorted(Person.objects.values_list("name", flat=True)) == ["Refused Person", "Someone"]
    assert Article.people.through.objects.count() == 2


def test_bad_lines_in_the_middle_of_a_batch_leave_the_rest_of_it_to_go_in(tmp_path):
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        article(1),
        article(2),
        "{broken",
        article(4, published="soon"),
        article(5),
        article(6),
    )

    run = run_import(path, batch_size=100)

    assert run.totals == (4, 0, 2)
    assert run.messages == [
        f"{path}:3: not valid JSON (Expecting property name enclosed in double quotes at column 2)",
        f"{path}:4: published is not a date (YYYY-MM-DD, YYYY-MM or YYYY): 'soon'",
    ]
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Story 1", "Story 2", "Story 5", "Story 6"]


# Characters COPY's text format escapes: backslashes, tabs and line breaks (between paragraphs).
BODY_WITH_COPY_ESCAPES = 'Foxes near Kharkiv \\N, C:\\temp\\new and "quoted"\tagain.\n\nSecond paragraph \\.'


def test_imported_rows_are_those_the_model_would_store(tmp_path):
    """Written with COPY, not the ORM: defaults, database defaults, the search vector and fingerprints as ever."""
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        article(1, summary="Kyiv summary.", source="Reuters", published="2024-03"),
        article(2, body=BODY_WITH_COPY_ESCAPES),
    )
    by_hand = ArticleFactory(title="By hand", body="Written in the admin, with its own words.")

    assert run_import(path).totals == (2, 0, 0)

    for stored in Article.objects.exclude(pk=by_hand.pk):
        assert (stored.title_is_editorial, stored.published_note, stored.retraction_note) == (False, "", "")
        assert stored.retracted_at is None
        assert stored.created_at == stored.updated_at == stored.archived_at
        assert stored.created_at > by_hand.created_at
        assert stored.body_sha256 == body_sha256(stored.body)
        recomputed = Article.objects.filter(pk=stored.pk).values_list(article_search_vector(), flat=True).get()
        assert stored.search_vector == recomputed
        assert set(stored.fingerprints.values_list("hash", flat=True)) == fingerprints(words(stored.body))
    assert "'kyiv':3B" in Article.objects.get(title="Story 1").search_vector  # the summary, weight B
    assert Article.objects.get(title="Story 2").body == normalise_body(BODY_WITH_COPY_ESCAPES)
    # Ids come from the table's own sequence: the next article saved by hand follows on.
    imported = set(Article.objects.exclude(pk=by_hand.pk).values_list("pk", flat=True))
    assert ArticleFactory().pk > max(imported)


# --- reading ahead ---


def test_read_ahead_keeps_the_order_and_raises_in_place():
    def items():
        yield 1
        yield 2
        raise ValueError("broken")

    taken = []
    with pytest.raises(ValueError, match="broken"):
        for item in read_ahead(items(), size=1):
            taken.append(item)

    assert taken == [1, 2]


def test_read_ahead_left_early_stops_its_thread_and_closes_the_source():
    closed = threading.Event()

    def endless():
        try:
            yield from itertools.count()
        finally:
            closed.set()

    reader = read_ahead(endless(), size=2)
    assert [next(reader) for _ in range(3)] == [0, 1, 2]

    reader.close()

    assert closed.is_set()
    assert "import-read-ahead" not in {thread.name for thread in threading.enumerate()}


# --- slugs, summary, progress ---


def test_slug_collision_gets_the_body_digest(tmp_path):
    ArticleFactory(title="Taken", slug="taken")
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        {"title": "Taken", "body": "Body one."},
        {"title": "Twice", "body": "Body two."},
        {"title": "twice!", "body": "Body three."},
        {"title": "A very long headline " * 20, "body": "Body four."},
    )

    assert run_import(path).totals == (4, 0, 0)

    def slug(body: str) -> str:
        return Article.objects.get(body=body).slug

    assert slug("Body one.") == f"taken-{body_sha256('Body one.')[:8]}"
    assert slug("Body two.") == "twice"
    assert slug("Body three.") == f"twice-{body_sha256('Body three.')[:8]}"
    assert len(slug("Body four.")) <= 120 - len("-12345678")
    assert slug("Body four.").startswith("a-very-long-headline-a-very-long")


def test_summary_line_and_exit_status(tmp_path):
    good = write_jsonl(tmp_path / "good.jsonl", article(1), article(1), article(2))
    ok = run_import(good)
    assert ok.error is None
    assert ok.totals == (2, 1, 0)
    assert ok.stdout.startswith("Imported 2 articles, 1 duplicate skipped, 0 failed (in ")

    bad = write_jsonl(tmp_path / "bad.jsonl", "oops")
    failed = run_import(bad)
    assert isinstance(failed.error, CommandError)
    assert failed.totals == (0, 0, 1)
    assert str(failed.error) == "1 input could not be imported; see the messages above."


def test_progress_is_shown_on_stderr_unless_quiet(tmp_path, monkeypatch):
    monkeypatch.setattr(import_articles, "PROGRESS_INTERVAL_SECONDS", 0)
    path = write_jsonl(tmp_path / "feed.jsonl", article(1), article(2), article(3))

    loud = run_import(path, batch_size=1)
    progress = [line for line in loud.stderr.splitlines() if line.startswith("…")]
    assert progress[-1].startswith("… 3 read: 3 imported, 0 duplicates, 0 failed (")
    assert len(progress) == 3

    quiet = run_import(path, batch_size=1, verbosity=0)
    assert quiet.stderr == ""
    assert quiet.totals == (0, 3, 0)


# --- linking suggestions (--link-suggestions) ---


def test_link_suggestions_links_what_the_texts_name(tmp_path):
    chupik = PersonFactory(name="Valentina Chupik")
    PersonAliasFactory(person=chupik, name="Valentina Cupik")
    moscow = TagFactory(name="Moscow")
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        article(1, body="Valentina Cupik spoke in Moscow."),
        # Aziz is created for this article; the other article's text names him in the same batch.
        article(2, body="Aziz met Valentina Čupík.", people=["Aziz"]),
        article(3, body="Nobody named here. Azizov is someone else."),
    )
    run = run_import(path, link_suggestions=True)
    assert run.error is None
    assert run.stdout.startswith("Imported 3 articles, 0 duplicates skipped, 0 failed (in ")
    assert run.stdout.rstrip().endswith("; 3 suggested links made")
    first, second, third = (Article.objects.get(title=f"Story {n}") for n in (1, 2, 3))
    assert list(first.people.all()) == [chupik]
    assert list(first.tags.all()) == [moscow]
    assert set(second.people.values_list("name", flat=True)) == {"Aziz", "Valentina Chupik"}
    assert not third.people.exists()
    revision = Revision.objects.get()
    assert (revision.kind, revision.username) == (RevisionKind.SUGGESTIONS, "")
    assert revision.summary == "Linked the people and tags mentioned in 3 imported articles"


def test_link_suggestions_is_off_by_default_and_counts_per_batch(tmp_path):
    TagFactory(name="Yakutsk")
    path = write_jsonl(tmp_path / "feed.jsonl", *(article(n, body=f"In Yakutsk, day {n}.") for n in range(3)))
    assert run_import(path).totals == (3, 0, 0)  # the summary line as ever
    assert not Article.objects.filter(tags__isnull=False).exists()

    more = write_jsonl(tmp_path / "more.jsonl", *(article(n, body=f"Yakutsk again, day {n}.") for n in range(3)))
    run = run_import(more, link_suggestions=True, batch_size=2)
    assert run.stdout.rstrip().endswith("; 3 suggested links made")
    assert Revision.objects.count() == 2  # one per batch
    assert Article.objects.filter(tags__name="Yakutsk").count() == 3  # the new ones only

    again = run_import(more, link_suggestions=True)
    assert again.stdout.startswith("Imported 0 articles, 3 duplicates skipped")
    assert again.stdout.rstrip().endswith("; 0 suggested links made")
