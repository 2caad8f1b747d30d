import json

from django.conf import settings
from django.core.management import BaseCommand, call_command

from articles.models import Article
from articles.services import near_duplicates_refresh, vocabulary_refresh

SEED_FIXTURE = "seed_archive"


class Command(BaseCommand):
    help = (
        "Load the seed archive (fixtures/seed_archive.json) unless it is already there, "
        "so editors' later changes to the seed articles are never overwritten."
    )

    def handle(self, *args, **options) -> None:
        fixture_path = settings.BASE_DIR / "fixtures" / f"{SEED_FIXTURE}.json"
        with fixture_path.open(encoding="utf-8") as fixture:
            seed_slugs = [item["fields"]["slug"] for item in json.load(fixture) if item["model"] == "articles.article"]
        if Article.objects.filter(slug__in=seed_slugs).exists():
            self.stdout.write("The seed archive is already loaded.")
            return
        call_command("loaddata", SEED_FIXTURE, verbosity=options["verbosity"])
        # loaddata saves rows without Article.save() or the import: find the retellings here.
        near_duplicates_refresh(Article.objects.filter(slug__in=seed_slugs).values_list("pk", flat=True))
        vocabulary_refresh()
        self.stdout.write(f"Loaded the seed archive: {len(seed_slugs)} articles.")
