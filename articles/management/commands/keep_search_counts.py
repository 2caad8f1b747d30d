"""``manage.py keep_search_counts``: the counts of the searches readers make most, counted ahead of them."""

import datetime
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict
from django.utils import timezone

from articles.filters import search_counts_keep
from articles.management.arguments import positive_int
from articles.models import SearchLog


class Command(BaseCommand):
    help = (
        "Count the searches readers made most in the last days (the search log), as their page counts "
        "them, so that their next reader finds the counts kept: a search's first count reads every "
        "match (seconds for a common word in a large archive), and counts kept are brought up to date "
        "at the cost of what changed since. Run it after a deploy, after large imports and now and then "
        "(every few minutes in a busy newsroom): running it again costs only what changed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--searches", type=positive_int, default=100, help="How many of the most made searches (default 100)."
        )
        parser.add_argument(
            "--days", type=positive_int, default=30, help="Of the searches made in how many days (default 30)."
        )

    def handle(self, *args, searches: int, days: int, verbosity: int, **options) -> None:
        if settings.ARCHIVE_CACHE_SECONDS <= 0:
            raise CommandError("The cache is off (ARCHIVE_CACHE_SECONDS=0): there is nowhere to keep counts.")
        logged = SearchLog.objects.since(timezone.now() - datetime.timedelta(days=days)).most_searched(searches)
        started, kept, skipped = time.monotonic(), 0, 0
        for search in logged:
            params = search_params(search["query"], search["filters"])
            address = f"/search/?{params.urlencode(safe='*')}"  # as a browser would ask for it
            began = time.monotonic()
            try:
                counts = search_counts_keep(params)
            except ValueError as error:
                skipped += 1
                self.stderr.write(f"Skipped {address} (searched {search['searches']} times): {error}")
                continue
            kept += 1
            if verbosity > 1:
                took = (time.monotonic() - began) * 1000
                self.stdout.write(f"{address}: {counts.total:,} results, {took:,.0f} ms")
        if verbosity:
            self.stdout.write(
                f"Kept the counts of {kept} searches in {time.monotonic() - started:.1f} s"
                + (f"; skipped {skipped} whose parameters no longer hold." if skipped else ".")
            )


def search_params(query: str, filters) -> QueryDict:
    """A logged search's parameters, as its page's address gives them (the log keeps each filter's values)."""
    params = QueryDict(mutable=True)
    if query:
        params["q"] = query
    for name, values in (filters if isinstance(filters, dict) else {}).items():
        params.setlist(name, [str(value) for value in (values if isinstance(values, list) else [values])])
    return params
