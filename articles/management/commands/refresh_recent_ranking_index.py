"""``manage.py refresh_recent_ranking_index``: the GIN index of the newest ranking vectors, moved on."""

from django.core.management.base import BaseCommand

from articles.search import RECENT_RANKING_MIN_ARTICLES, RECENT_RANKING_SHARE
from articles.services import recent_ranking_index_refresh


class Command(BaseCommand):
    help = (
        f"Make the GIN index of the newest ranking vectors hold about {RECENT_RANKING_SHARE:.0%} of them, "
        "from the first day of a month, rebuilding it (without blocking writes) only when that day has moved; "
        f"none below {RECENT_RANKING_MIN_ARTICLES:,} dated articles. Ranking windows within those months are "
        "listed from it. Run it now and then, as the vocabulary's refresh; running it again changes nothing."
    )

    def handle(self, *args, verbosity: int, **options) -> None:
        since = recent_ranking_index_refresh()
        if not verbosity:
            return
        if since is None:
            self.stdout.write(f"No recent ranking index: fewer than {RECENT_RANKING_MIN_ARTICLES:,} dated articles.")
        else:
            self.stdout.write(f"The recent ranking index holds the articles dated from {since.isoformat()} on.")
