"""Search results as CSV: every article a search finds, for spreadsheets and scripts.

``/search/export.csv`` takes the search page's parameters (one ``ArticleFilterSet``), in the same
order, and answers 400 for the same mistakes. It writes all the results, not one page, up to
``CSV_EXPORT_MAX_ROWS``, streaming rows as it reads them in chunks, so memory stays flat however
many there are.

The route runs under ``prefer_index_scans`` like the search page: checking the parameters,
counting the results and reading the ids of those exported, in order, all in the request's one
snapshot of the archive, so the rows are the results the ``X-Archive-Export-Truncated`` header
counts. The rows themselves are read while the response streams, after the view has returned: a
chunk of ids at a time, each chunk in one statement with only the fields a row shows and another
for its authors, people and tags (``article_links_load``), and only while still published: an
article retracted meanwhile is left out rather than exported after its retraction. The rows used
to be read through a server-side cursor opened once the view had returned, outside the request's
transaction: they could then include articles published after the count, and the cursor was held
for as long as the download lasted. With the whole articles and ``prefetch_related`` (three
statements a chunk, a model instance for every link), exporting 10,000 results of "need" at
100,000 articles took 8.9 s by relevance and 4.7 s newest first; so, 3.4 and 1.3 s. At 1,000,000
articles, "well" newest first took 5.5 s, now 1.7; by relevance 17 s, then 10 to 15 s through the
cursor (outside the request's settings: sequential scans, 4 MB for sorts), now 2.0, most of it the
one statement scoring every result (its 500,000) for the 10,000 ids.
"""

import csv
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from articles.filters import ArticleFilterSet
from articles.models import Article, article_links_load

# The most rows one export writes. 10,000 rows of this archive's metadata make a file of a few
# megabytes that any spreadsheet opens (Excel's limit is 1,048,576 rows, LibreOffice's the same)
# and that streams in seconds; a reader wanting more is better served by narrower searches or by
# paging through the JSON API than by one request holding a database cursor for minutes.
CSV_EXPORT_MAX_ROWS = 10_000
# Rows read from the database at a time, each chunk with its authors, people and tags in one
# more query (``article_links_load``).
CSV_EXPORT_CHUNK_SIZE = 500
# What a row needs of an article and its source; the rest (the text, the search vector) is not read.
EXPORTED_FIELDS = ("title", "slug", "published_on", "published_precision", "url", "body_sha256", "source__name")
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
    """One CSV row (authors, people and tags listed: ``article_links_load``)."""
    cells = [
        str(article.pk),
        article.title,
        request.build_absolute_uri(article.get_absolute_url()),
        article.published_on.isoformat() if article.published_on else "",
        article.published_precision,
        article.source.name if article.source else "",
        MULTIPLE_VALUES_SEPARATOR.join(person.name for person in article.listed_authors),
        MULTIPLE_VALUES_SEPARATOR.join(person.name for person in article.listed_people),
        MULTIPLE_VALUES_SEPARATOR.join(tag.name for tag in article.listed_tags),
        article.url,
        article.body_sha256,
    ]
    return [neutralised(cell) for cell in cells]


def csv_lines(request: HttpRequest, articles: QuerySet, ids: list[int]) -> Iterator[str]:
    """The header, then a row for each of ``ids`` still among ``articles``, in that order, read a chunk at a time."""
    writer = csv.writer(Echo())
    yield writer.writerow(COLUMNS)
    for start in range(0, len(ids), CSV_EXPORT_CHUNK_SIZE):
        chunk_ids = ids[start : start + CSV_EXPORT_CHUNK_SIZE]
        by_id = articles.in_bulk(chunk_ids)
        chunk = [by_id[pk] for pk in chunk_ids if pk in by_id]
        article_links_load(chunk)
        for article in chunk:
            yield writer.writerow(article_row(request, article))


def search_csv(request: HttpRequest) -> HttpResponse:
    """Every published article the search finds (see ``ArticleFilterSet``), as CSV, in the page's order.

    ``page`` is ignored: the export is all the results, up to ``CSV_EXPORT_MAX_ROWS``. When
    there are more, the first ones are written and the ``X-Archive-Export-Truncated`` header says
    ``<written> of <found>``. An invalid parameter answers 400 with its messages as plain text.
    """
    queryset = Article.objects.published().select_related("source").only(*EXPORTED_FIELDS)
    filterset = ArticleFilterSet(request.GET, queryset=queryset)
    if not filterset.is_valid():
        messages = [f"{name}: {message}" for name, errors in filterset.form.errors.items() for message in errors]
        return HttpResponse("\n".join(messages) + "\n", status=400, content_type="text/plain; charset=utf-8")
    found = filterset.qs.count()
    ids = list(filterset.results(found)[:CSV_EXPORT_MAX_ROWS].values_list("pk", flat=True))
    response = StreamingHttpResponse(csv_lines(request, queryset, ids), content_type="text/csv; charset=utf-8")
    filename = f"archive-search-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if found > CSV_EXPORT_MAX_ROWS:
        response[TRUNCATED_HEADER] = f"{CSV_EXPORT_MAX_ROWS} of {found}"
    return response
