"""``manage.py refresh_ranking_champions``: each frequent lexeme's best-scored articles, listed again."""

from django.core.management.base import BaseCommand

from articles.search import RANKING_CHAMPION_MIN_ARTICLES, RANKING_CHAMPIONS_PER_LEXEME
from articles.services import ranking_champions_refresh


class Command(BaseCommand):
    help = (
        f"List again, for each word stem in more than {RANKING_CHAMPION_MIN_ARTICLES:,} published articles, the "
        f"{RANKING_CHAMPIONS_PER_LEXEME:,} articles it scores best: a relevance search for a common word scores "
        "them besides its newest matches, so the best-scored articles of the whole archive come first. Run it "
        "now and then (after large imports), as the vocabulary's refresh; searches read the old lists until it ends."
    )

    def handle(self, *args, verbosity: int, **options) -> None:
        refreshed = ranking_champions_refresh()
        if not verbosity:
            return
        if not refreshed.lexemes:
            self.stdout.write(
                f"No champions: no word stem is in more than {RANKING_CHAMPION_MIN_ARTICLES:,} published articles."
            )
            return
        self.stdout.write(
            f"Listed {refreshed.champions:,} champion articles for {refreshed.lexemes:,} word stems"
            f" (at most {RANKING_CHAMPIONS_PER_LEXEME:,} each)."
        )
