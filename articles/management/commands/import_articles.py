"""``manage.py import_articles PATH…``: load .txt and .jsonl files into the archive."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from articles.importing import ImportFailure
from articles.management.arguments import positive_int
from articles.models import ArticleStatus
from articles.services import ImportResult, articles_import

# Long imports say how far they are at most this often (on stderr).
PROGRESS_INTERVAL_SECONDS = 2.0
QUIET = 0


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def unstyled(text: str) -> str:
    return text


def summary_line(result: ImportResult, *, link_suggestions: bool = False) -> str:
    """E.g. "Imported 1234 articles, 5 duplicates skipped, 2 failed (in 3.1 s, 398 articles/s)".

    With ``link_suggestions``, "; 87 suggested links made" follows.
    """
    line = (
        f"Imported {plural(result.imported, 'article')}, {plural(result.duplicates, 'duplicate')} skipped, "
        f"{result.failed} failed (in {result.elapsed:.1f} s, {result.rate:.0f} articles/s)"
    )
    if link_suggestions:
        line += f"; {plural(result.suggested_links, 'suggested link')} made"
    return line


class ProgressReporter:
    """Writes the running totals to ``stream`` when PROGRESS_INTERVAL_SECONDS have passed."""

    def __init__(self, stream: OutputWrapper) -> None:
        self.stream = stream
        self.last = time.monotonic()

    def __call__(self, result: ImportResult) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL_SECONDS:
            return
        self.last = now
        self.stream.write(
            f"… {result.processed} read: {result.imported} imported, {result.duplicates} duplicates, "
            f"{result.failed} failed ({result.rate:.0f} articles/s)",
            style_func=unstyled,  # stderr is styled as errors by default; progress is not one
        )


class Command(BaseCommand):
    help = (
        "Import articles from .txt files (first line the headline, the rest the body) and .jsonl files "
        "(one JSON object per line). Folders are searched recursively; other files in them are skipped. "
        "Articles already in the archive (same URL or same text) are skipped, so re-running adds nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="A .txt or .jsonl file, or a folder.")
        parser.add_argument(
            "--status",
            choices=[ArticleStatus.PUBLISHED, ArticleStatus.DRAFT],
            default=ArticleStatus.PUBLISHED,
            help="Status of the imported articles (default: %(default)s).",
        )
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=settings.ARCHIVE_IMPORT_BATCH_SIZE,
            help="Articles written per transaction (default: ARCHIVE_IMPORT_BATCH_SIZE, %(default)s).",
        )
        parser.add_argument(
            "--link-suggestions",
            action="store_true",
            help=(
                "Also link each imported article to the people (as mentioned, by name or alias) and tags its "
                "text names, in the same transaction; the summary line says how many links were made."
            ),
        )

    def handle(
        self,
        *args,
        paths: list[str],
        status: str,
        batch_size: int,
        link_suggestions: bool,
        verbosity: int,
        **options,
    ) -> None:
        def on_error(failure: ImportFailure) -> None:
            self.stderr.write(str(failure))

        result = articles_import(
            paths=paths,
            status=status,
            batch_size=batch_size,
            on_error=on_error,
            on_progress=ProgressReporter(self.stderr) if verbosity > QUIET else None,
            link_suggestions=link_suggestions,
        )
        self.stdout.write(summary_line(result, link_suggestions=link_suggestions))
        if result.failed:
            raise CommandError(f"{plural(result.failed, 'input')} could not be imported; see the messages above.")
