"""``manage.py export_archive PATH``: write the whole archive as JSON Lines (articles.archive_export)."""

import gzip
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.archive_export import ExportResult, archive_export, records_describe
from articles.management.commands.import_articles import unstyled

STDOUT = "-"
QUIET = 0


class Command(BaseCommand):
    help = (
        "Write the whole archive (sources, people with aliases, merged people and tags, tags, articles with "
        "their versions and links, claims with their reports, the editors' history), drafts and retracted "
        "articles included, as JSON Lines, for import_archive to restore exactly. PATH - writes to stdout; "
        "a PATH ending in .gz is compressed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", metavar="PATH", help="The file to write (replaced if it exists), or - for stdout.")

    def handle(self, *args, path: str, verbosity: int, **options) -> None:
        if path == STDOUT:
            result = archive_export(write=lambda line: self.stdout.write(line, ending=""))
        else:
            result = self._file_write(Path(path))
        if verbosity > QUIET:
            # On stderr: stdout may be the export itself.
            where = "stdout" if path == STDOUT else path
            self.stderr.write(
                f"Exported {records_describe(result.records)} to {where} in {result.elapsed:.1f} s.",
                style_func=unstyled,
            )

    @staticmethod
    def _file_write(path: Path) -> ExportResult:
        """Write beside ``path`` and rename when complete, so ``path`` is never a partial export."""
        partial = path.with_name(f"{path.name}.partial")
        opener = gzip.open if path.suffix == ".gz" else open
        try:
            with opener(partial, "wt", encoding="utf-8", newline="\n") as file:
                result = archive_export(write=file.write)
            os.replace(partial, path)
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from error
        finally:
            partial.unlink(missing_ok=True)  # left only if the export failed
        return result
