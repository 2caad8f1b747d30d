"""``manage.py find_near_duplicates [--article ID …]``: recompute which articles retell the same report."""

from django.core.management.base import BaseCommand, CommandError

from articles.management.commands.import_articles import plural, positive_int, unstyled
from articles.models import Article, NearDuplicate
from articles.services import near_duplicates_refresh

DEFAULT_BATCH_SIZE = 500


class Command(BaseCommand):
    help = (
        "Recompute the fingerprints of articles and the near-duplicates (other tellings of the same report) "
        "they have, for every article or the given ones. Running it again changes nothing. Imports do this "
        "by themselves; use it after loading fixtures or changing texts outside the archive's services."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--article",
            type=positive_int,
            action="append",
            dest="article_ids",
            metavar="ID",
            help="Only this article (repeatable). Default: every article.",
        )
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=DEFAULT_BATCH_SIZE,
            help="Articles recomputed per transaction (default: %(default)s).",
        )

    def handle(self, *args, article_ids: list[int] | None, batch_size: int, verbosity: int, **options) -> None:
        if article_ids:
            missing = set(article_ids) - set(Article.objects.filter(pk__in=article_ids).values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No article with id {', '.join(map(str, sorted(missing)))}.")
        done = 0
        for batch in self._batches(article_ids, batch_size):
            near_duplicates_refresh(batch)
            done += len(batch)
            if verbosity > 1:
                self.stderr.write(f"… {done} articles", style_func=unstyled)
        pairs = NearDuplicate.objects.count() // 2
        self.stdout.write(
            f"Recomputed {plural(done, 'article')}; the archive has {plural(pairs, 'near-duplicate pair')}."
        )

    @staticmethod
    def _batches(article_ids: list[int] | None, batch_size: int):
        """The ids to recompute in batches, read by key ranges so memory stays flat on a large archive."""
        if article_ids:
            ids = sorted(set(article_ids))
            for start in range(0, len(ids), batch_size):
                yield ids[start : start + batch_size]
            return
        last = 0
        while batch := list(
            Article.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size]
        ):
            yield batch
            last = batch[-1]
