"""Search results as CSV: every article a search finds, for spreadsheets and scripts.

``/search/export.csv`` takes the search page's parameters (one ``ArticleFilterSet``), in the same
order, and answers 400 for the same mistakes. It writes all the results, not one page, up to
``CSV_EXPORT_MAX_ROWS``, streaming rows as it reads them in chunks, so memory stays flat however
many there are.

The route runs under ``prefer_index_scans`` like the search page; that covers checking the
parameters and counting the results. The rows themselves are read after the view has returned,
while the response streams, through a server-side cursor (``iterator()``).
"""

import csv
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from articles.filters import ArticleFilterSet
from articles.models import Article

# The most rows one export writes. 10,000 rows of this archive's metadata make a file of a few
# megabytes that any spreadsheet opens (Excel's limit is 1,048,576 rows, LibreOffice's the same)
# and that streams in seconds; a reader wanting more is better served by narrower searches or by
# paging through the JSON API than by one request holding a database cursor for minutes.
CSV_EXPORT_MAX_ROWS = 10_000
# Rows read from the database at a time, each chunk with its authors, people and tags in three
# more queries (prefetch_related works per chunk with iterator()).
CSV_EXPORT_CHUNK_SIZE = 500
MULTIPLE_VALUES_SEPARATOR = "; "
TRUNCATED_HEADER = "X-Archive-Export-Truncated"

COLUMNS = (
    "id",
    "title",
    "url",
    "published_on",
    "date_precision",
    "source",
    "authors",
    "people",
    "tags",
    "original_url",
    "body_sha256",
)
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection, see
# https://owasp.org/www-community/attacks/CSV_Injection): such cells get a leading apostrophe.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class Echo:
    """A file-like object whose ``write`` hands the line back, so csv.writer can feed a stream."""

    def write(self, value: str) -> str:
        return value


def neutralised(cell: str) -> str:
    """``cell``, made inert for spreadsheets if it would start a formula."""
    return f"'{cell}" if cell.startswith(FORMULA_PREFIXES) else cell


def article_row(request: HttpRequest, article: Article) -> list[str]:
    """One CSV row (authors, people and tags prefetched)."""
    cells = [
        str(article.pk),
        article.title,
        request.build_absolute_uri(article.get_absolute_url()),
        article.published_on.isoformat() if article.published_on else "",
        article.published_precision,
        article.source.name if article.source else "",
        MULTIPLE_VALUES_SEPARATOR.join(person.name for person in article.authors.all()),
        MULTIPLE_VALUES_SEPARATOR.join(person.name for person in article.people.all()),
        MULTIPLE_VALUES_SEPARATOR.join(tag.name for tag in article.tags.all()),
        article.url,
        article.body_sha256,
    ]
    return [neutralised(cell) for cell in cells]


def csv_lines(request: HttpRequest, articles) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield writer.writerow(COLUMNS)
    for article in articles.iterator(chunk_size=CSV_EXPORT_CHUNK_SIZE):
        yield writer.writerow(article_row(request, article))


def search_csv(request: HttpRequest) -> HttpResponse:
    """Every published article the search finds (see ``ArticleFilterSet``), as CSV, in the page's order.

    ``page`` is ignored: the export is all the results, up to ``CSV_EXPORT_MAX_ROWS``. When
    there are more, the first ones are written and the ``X-Archive-Export-Truncated`` header says
    ``<written> of <found>``. An invalid parameter answers 400 with its messages as plain text.
    """
    queryset = Article.objects.published().select_related("source").prefetch_related("authors", "people", "tags")
    filterset = ArticleFilterSet(request.GET, queryset=queryset)
    if not filterset.is_valid():
        messages = [f"{name}: {message}" for name, errors in filterset.form.errors.items() for message in errors]
        return HttpResponse("\n".join(messages) + "\n", status=400, content_type="text/plain; charset=utf-8")
    found = filterset.qs.count()
    articles = filterset.results(found)
    response = StreamingHttpResponse(
        csv_lines(request, articles[:CSV_EXPORT_MAX_ROWS]), content_type="text/csv; charset=utf-8"
    )
    filename = f"archive-search-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if found > CSV_EXPORT_MAX_ROWS:
        response[TRUNCATED_HEADER] = f"{CSV_EXPORT_MAX_ROWS} of {found}"
    return response
