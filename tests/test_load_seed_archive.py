"""`load_seed_archive` loads the seed once and never overwrites editors' later changes."""

from io import StringIO

import pytest
from django.core.management import call_command

from articles.models import Article, Claim, Person

pytestmark = pytest.mark.django_db

SEED_ARTICLES = 5


def run() -> str:
    out = StringIO()
    call_command("load_seed_archive", stdout=out)
    return out.getvalue()


def test_loads_the_seed_archive_once():
    assert "Loaded the seed archive: 5 articles." in run()
    assert Article.objects.published().count() == SEED_ARTICLES
    assert Claim.objects.count() >= 12
    assert Person.objects.filter(aliases__name="Valentina Cupik").get().name == "Valentina Chupik"

    article = Article.objects.get(slug="persecution-of-foreigners-by-russian-regime-escalates")
    article.title = "An editor's better headline"
    article.save()

    assert "already loaded" in run()
    assert Article.objects.count() == SEED_ARTICLES
    article.refresh_from_db()
    assert article.title == "An editor's better headline"
