"""The CSV export of a search (articles.views.export): every result, in the page's order, safely."""

import csv
import datetime
import io
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, ArticleStatus
from articles.views import export
from tests.factories import ArticleFactory, PersonFactory, SourceFactory, TagFactory

pytestmark = pytest.mark.django_db

URL = "/search/export.csv"


def download(client, query_string: str = "", status: int = 200):
    response = client.get(URL + query_string)
    assert response.status_code == status, response.content.decode()[:2000] if not response.streaming else ""
    return response


def rows(response) -> list[list[str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


def exported_ids(response) -> list[int]:
    header, *body = rows(response)
    assert header == list(export.COLUMNS)
    return [int(row[0]) for row in body]


def dated(day: datetime.date, **kwargs) -> Article:
    return ArticleFactory(published_on=day, published_precision="day", **kwargs)


@pytest.mark.parametrize(
    "query_string",
    [
        "?q=migrants",
        "?q=%22partial+mobilization%22",
        "?q=migrants+-tajikistan",
        "?q=Cupik",
        "?tag=moscow",
        "?person=valentina-chupik&sort=oldest",
        "?date_from=2023-01-01",
        "",
    ],
)
def test_the_export_has_the_search_pages_results_in_its_order(client, seed_archive, query_string):
    page = client.get("/search/" + query_string)
    assert exported_ids(download(client, query_string)) == [article.pk for article in page.context["articles"]]


def test_every_result_not_one_page(client):
    tag = TagFactory(slug="moscow")
    articles = [dated(datetime.date(2023, 1, 1) + datetime.timedelta(days=n)) for n in range(45)]
    for article in articles:
        article.tags.add(tag)
    ArticleFactory(status=ArticleStatus.DRAFT).tags.add(tag)
    ArticleFactory(status=ArticleStatus.RETRACTED).tags.add(tag)
    response = download(client, "?tag=moscow&sort=oldest&page=2")  # the page is not the export's business
    assert exported_ids(response) == [article.pk for article in articles]
    assert export.TRUNCATED_HEADER not in response


def test_the_columns(client, seed_archive):
    article = Article.objects.get(slug__startswith="russias-partial-mobilization")
    article.url = "https://www.newsweek.com/russia-mobilization"
    article.save()
    header, row = rows(download(client, "?source=newsweek"))
    values = dict(zip(header, row, strict=True))
    assert values == {
        "id": str(article.pk),
        "title": article.title,
        "url": f"http://testserver{article.get_absolute_url()}",
        "published_on": "2022-10-01",
        "date_precision": "month",
        "source": "Newsweek",
        "authors": "Aila Slisco",
        "people": "; ".join(person.name for person in article.people.all()),
        "tags": "; ".join(tag.name for tag in article.tags.all()),
        "original_url": "https://www.newsweek.com/russia-mobilization",
        "body_sha256": article.body_sha256,
    }
    assert values["people"].count("; ") >= 1 and values["tags"].count("; ") >= 1


def test_undated_and_sourceless_articles_have_empty_cells(client):
    ArticleFactory(title="Undated")
    (_, row) = rows(download(client))
    values = dict(zip(export.COLUMNS, row, strict=True))
    assert values["published_on"] == values["date_precision"] == values["source"] == values["original_url"] == ""
    assert values["authors"] == values["people"] == values["tags"] == ""


def test_a_download_is_a_dated_csv_attachment(client, seed_archive):
    response = download(client, "?q=migrants")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="archive-search-{today}.csv"'


def test_the_cap_truncates_and_says_so(client, seed_archive, monkeypatch):
    monkeypatch.setattr(export, "CSV_EXPORT_MAX_ROWS", 3)
    response = download(client, "?sort=oldest")
    page = client.get("/search/?sort=oldest")
    assert exported_ids(response) == [article.pk for article in page.context["articles"]][:3]
    assert response[export.TRUNCATED_HEADER] == "3 of 5"


def test_the_cap_is_ten_thousand():
    assert export.CSV_EXPORT_MAX_ROWS == 10_000


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_that_would_be_formulas_are_neutralised(client, prefix):
    person = PersonFactory(name=f"{prefix}cmd|' /C calc'!A0")
    article = ArticleFactory(
        title=f'{prefix}HYPERLINK("http://evil.example","click")', source=SourceFactory(name=f"{prefix}1+1")
    )
    article.authors.add(person)
    article.tags.add(TagFactory(name="Safe"), TagFactory(name=f"{prefix}SUM(A1)"))
    (_, row) = rows(download(client))
    values = dict(zip(export.COLUMNS, row, strict=True))
    assert values["title"] == f'\'{prefix}HYPERLINK("http://evil.example","click")'
    assert values["source"] == f"'{prefix}1+1"
    assert values["authors"] == f"'{prefix}cmd|' /C calc'!A0"
    # A joined cell is one cell: only its start matters to a spreadsheet.
    assert values["tags"] in (f"'{prefix}SUM(A1); Safe", f"Safe; {prefix}SUM(A1)")


def test_ordinary_cells_are_left_alone(client):
    ArticleFactory(title="Mobilization: 300,000 called up, “partial” - officials, 2 - 1")
    (_, row) = rows(download(client))
    assert row[1] == "Mobilization: 300,000 called up, “partial” - officials, 2 - 1"


@pytest.mark.parametrize(
    ("query_string", "message"),
    [
        ("?tag=nowhere", "tag: There is no tag “nowhere”."),
        ("?date_from=yesterday", "date_from: Enter a date as YYYY-MM-DD."),
        ("?sort=best", "sort: Sort by relevance, newest or oldest."),
    ],
)
def test_invalid_parameters_answer_400_as_the_page_does(client, seed_archive, query_string, message):
    response = download(client, query_string, status=400)
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == message + "\n"
    assert client.get("/search/" + query_string).status_code == 400


def test_queries_are_read_in_chunks_not_one_per_row(client, monkeypatch):
    monkeypatch.setattr(export, "CSV_EXPORT_CHUNK_SIZE", 10)
    tag, person = TagFactory(slug="russia"), PersonFactory()
    source = SourceFactory()

    def add(count):
        for _ in range(count):
            article = ArticleFactory(source=source)
            article.tags.add(tag)
            article.people.add(person)
            article.authors.add(person)

    def queries_for_export() -> int:
        with CaptureQueriesContext(connection) as queries:
            rows(download(client, "?tag=russia"))
        return len(queries)

    add(10)
    one_chunk = queries_for_export()
    add(30)
    four_chunks = queries_for_export()
    # Each further chunk: its rows in one query and their authors, people and tags in another;
    # never a query per row.
    assert four_chunks - one_chunk == 3 * 2


def test_the_rows_are_those_the_request_found_in_its_order(client, monkeypatch):
    # The ids are read with the count, in the request: an article published once the view has
    # returned, while the response waits to be read, is neither counted nor written.
    monkeypatch.setattr(export, "CSV_EXPORT_CHUNK_SIZE", 2)
    first, second, third = (dated(datetime.date(2024, 1, day), title=f"Border report {day}") for day in (1, 2, 3))
    response = download(client, "?q=border&sort=newest")
    ArticleFactory(title="Border report, later", published_on=datetime.date(2024, 1, 4), published_precision="day")
    assert exported_ids(response) == [third.pk, second.pk, first.pk]
    assert export.TRUNCATED_HEADER not in response


def test_an_article_retracted_while_the_export_streams_is_left_out(client, monkeypatch):
    monkeypatch.setattr(export, "CSV_EXPORT_CHUNK_SIZE", 2)
    articles = [dated(datetime.date(2024, 1, day), title=f"Border report {day}") for day in (1, 2, 3, 4)]
    response = download(client, "?q=border&sort=oldest")
    lines = iter(response.streaming_content)
    header, first_row, second_row = (next(lines) for _ in range(3))
    assert header.decode().rstrip() == ",".join(export.COLUMNS)
    assert [int(line.split(b",")[0]) for line in (first_row, second_row)] == [articles[0].pk, articles[1].pk]
    articles[2].status = ArticleStatus.RETRACTED
    articles[2].retraction_note = "Sourced from a fabricated interview."
    articles[2].save()
    assert [int(line.split(b",")[0]) for line in lines] == [articles[3].pk]


@pytest.mark.parametrize("query_string", ["?tag=russia", "?q=border", "?q=border&sort=newest"])
def test_the_articles_texts_are_not_read(client, monkeypatch, query_string):
    # A row needs an article's title, address, date and source: not its text nor its search vector.
    ArticleFactory(title="Migrants at the border", body="A long text. " * 500).tags.add(TagFactory(slug="russia"))
    deferred = []
    written = export.article_row
    monkeypatch.setattr(
        export,
        "article_row",
        lambda request, article: deferred.append(article.get_deferred_fields()) or written(request, article),
    )
    assert len(rows(download(client, query_string))) == 2
    [fields] = deferred
    assert {"body", "summary", "search_vector"} <= fields


def test_the_search_page_links_its_results_as_csv(client, seed_archive):
    page = client.get("/search/?q=migrants&tag=moscow&page=1").content.decode()
    assert f'<a href="{escape(URL)}?q=migrants&amp;tag=moscow" download>Download these results as CSV</a>' in page
    assert "Download these results as CSV" not in client.get("/search/?q=zzxqvw").content.decode()
