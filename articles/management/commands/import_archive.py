"""``manage.py import_archive PATH``: restore an export_archive file, ids and all (articles.archive_export).

Not ``import_articles``, which takes new articles from outside, skips those already archived and
gives them new ids: this puts back one archive exactly as it was, into a database without one.
"""

import gzip
import sys
import time
from contextlib import nullcontext

from django.core.management.base import BaseCommand, CommandError

from articles.archive_export import ArchiveFileError, ArchiveNotEmptyError, archive_import, records_describe
from articles.management.commands.export_archive import STDOUT
from articles.management.commands.import_articles import PROGRESS_INTERVAL_SECONDS, plural, unstyled

STDIN = STDOUT
QUIET = 0


class Command(BaseCommand):
    help = (
        "Restore an archive written by export_archive, keeping every id (and so every address), in one "
        "transaction: all of it or, on any error, nothing. Refuses a database that already holds an archive "
        "unless --replace. Then rebuilds near-duplicates, the search vocabulary and the counts. PATH - reads "
        "stdin; a PATH ending in .gz is decompressed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", metavar="PATH", help="The export to restore, or - for stdin.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help=(
                "Delete the archive this database holds (articles, sources, people, tags, claims, their history; "
                "not accounts or the search log) and restore the file in its place, in the same transaction."
            ),
        )
        parser.add_argument(
            "--without-near-duplicates",
            action="store_false",
            dest="near_duplicates",
            help="Do not rebuild near-duplicates (long on a large archive); run find_near_duplicates afterwards.",
        )

    def handle(self, *args, path: str, replace: bool, near_duplicates: bool, verbosity: int, **options) -> None:
        name = "<stdin>" if path == STDIN else path
        progress = self._progress_reporter() if verbosity > QUIET else None
        try:
            opened = nullcontext(sys.stdin.buffer) if path == STDIN else self._open(path)
            with opened as stream:
                result = archive_import(
                    stream=stream, path=name, replace=replace, near_duplicates=near_duplicates, on_progress=progress
                )
        except ArchiveFileError as error:
            raise CommandError(str(error)) from error
        except ArchiveNotEmptyError as error:
            raise CommandError(
                f"{error} Restore into an empty database, or pass --replace to delete this archive and restore "
                "the file in its place, in one transaction: if the restore fails, this archive stays as it was."
            ) from error
        rebuilt = "the search vocabulary and the counts"
        if result.near_duplicate_pairs is None:
            rebuilt += "; near-duplicates not rebuilt: run find_near_duplicates"
        else:
            rebuilt = f"{plural(result.near_duplicate_pairs, 'near-duplicate pair')}, {rebuilt}"
        self.stdout.write(
            f"Restored {records_describe(result.records)} from {name} in {result.elapsed:.1f} s. Rebuilt {rebuilt}."
        )

    @staticmethod
    def _open(path: str):
        try:
            return gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from error

    def _progress_reporter(self):
        last = time.monotonic()

        def report(message: str) -> None:
            nonlocal last
            if time.monotonic() - last >= PROGRESS_INTERVAL_SECONDS:
                last = time.monotonic()
                self.stderr.write(f"… {message}", style_func=unstyled)

        return report
